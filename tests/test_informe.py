"""Informe Ejecutivo: every printed figure and every chart agrees with the open data.

The expected values are recomputed here from the published CSVs with plain
pandas, independently of ``compiler.informe``.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape

import opendata_fixtures as F
from compiler import catalogs as cat, dispatch, informe, opendata, template
from compiler.catalogs import CATALOG_DIR
from compiler.charts import fmt
from compiler.model import normalise

SPAN = re.compile(r'<span class="n" data-clave="([^"]+)" data-valor="(-?\d+)">([^<]*)</span>')
SENT = ("INM", "COMAR", "CNDH")
#: Generated but never recorded as sent: the response rate must not count them.
GENERATED_ONLY = ("SRE", "CEAV")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """2026 (sample) with templates sent to three bodies, and the 2025 open data next to it."""
    root = tmp_path_factory.mktemp("informe")
    cats = cat.load()
    prev = F.edition(root, "2025")
    before = F.submissions(root, prev, [
        F.program(cats, "INM", "ATENCIÓN en puntos de internación.", 7),   # continues (spelling differs)
        F.program(cats, "COMAR", "Reconocimiento de la condición de refugiado", 2),  # objective moved: not the same program
        F.program(cats, "SRE", "Programa que ya no se informa", 14),
    ])
    opendata.write(before, prev, cats)
    ed = F.edition(root, "2026", sample=True)
    _generate(ed, cats, SENT + GENERATED_ONLY)
    dispatch.mark_sent(ed, [(next(b for b in cats.bodies if b.acronym == a).id, "") for a in SENT], via="correo")
    subs = F.standard_set(root, ed)
    opendata.write(subs, ed, cats)
    analysis = informe.analyse(opendata.build(subs, ed, cats), ed, cats)
    html = informe.render_html(analysis, ed, {k: f"{k}.svg" for k in analysis.charts})
    return root, ed, subs, analysis, html


def _generate(ed, cats, acronyms):
    for acronym in acronyms:
        body = next(b for b in cats.bodies if b.acronym == acronym)
        template.save(template.build_workbook(ed, cats, body), template.template_path(ed, cats, body))


def _csvs(folder: Path):
    read = lambda name: pd.read_csv(folder / name, dtype={"objetivo_principal": "Int64"})  # noqa: E731
    return read("programas.csv"), read("cifras.csv"), read("retos.csv")


def _round_tables() -> dict[int, list[int]]:
    with (CATALOG_DIR / "mesas_imrf.csv").open(encoding="utf-8-sig") as fh:
        return {int(r["mesa"]): [int(x) for x in r["objetivos"].split()] for r in csv.DictReader(fh)}


def expected(key: str, root: Path, ed) -> int:
    """The value a figure key must have, from the CSVs alone."""
    P, C, R = _csvs(root / "output" / ed.key / "datos")
    obj = P["objetivo_principal"]
    people = C[(C["unidad"] == "personas") & C["subgrupo_de"].isna()]
    W = pd.read_csv(root / "output" / ed.key / "datos" / "participantes.csv", dtype={"entidad_clave": "string"})
    parts = key.split(".")
    if key == "programas.total":
        return len(P)
    if key == "instituciones.total":
        return len(W)
    if key == "instancias.total":
        return int((W["gobierno_estatal"] == "No").sum())
    if key == "gobiernos_estatales.total":
        return int((W["gobierno_estatal"] == "Sí").sum())
    if key == "sectores.total":
        return P["sector_clave"].nunique()
    if key == "entidades.total":
        own = {f"{int(k):02d}" for k in P.loc[P["sector_clave"] == "estatal", "entidad_clave"].dropna()}
        return len(set(W["entidad_clave"].dropna().map(lambda k: f"{int(k):02d}")) | own)
    if key == "entidades.con_programas":
        return P["entidad_clave"].nunique()
    if parts[:2] == ["coautora", "institucion"]:
        return int(W.loc[W["institucion_clave"] == parts[2], "programas_coautora"].sum())
    if key == "alcance.mayor":
        return int(people["total"].max())
    if parts[0] == "unidad":
        top = C[C["subgrupo_de"].isna() & C["total"].notna() & (C["unidad"] == parts[2])]
        return len(top) if parts[1] == "indicadores" else int(top["total"].sum())
    if key == "objetivos.atendidos":
        return obj.nunique()
    if key == "objetivos.sin_programas":
        return sum(1 for o in range(1, 24) if not (obj == o).any())
    if parts[:2] == ["programas", "sector"]:
        return int((P["sector_clave"] == parts[2]).sum())
    if parts[:2] == ["instituciones", "sector"]:
        return int((W["sector_clave"] == parts[2]).sum())
    if parts[0] == "matriz":
        return int(((obj == int(parts[1])) & (P["sector_clave"] == parts[2])).sum())
    if parts[:2] == ["programas", "objetivo"]:
        return int((obj == int(parts[2])).sum())
    if parts[:2] == ["instituciones", "objetivo"]:
        return P.loc[obj == int(parts[2]), "institucion_clave"].nunique()
    if parts[:2] == ["secundario", "objetivo"]:
        return sum(parts[2] in str(v).split("; ") for v in P["objetivo_secundario"].dropna())
    if parts[:2] in (["programas", "mesa"], ["instituciones", "mesa"]):
        mask = obj.isin(_round_tables()[int(parts[2])])
        return int(mask.sum()) if parts[0] == "programas" else P.loc[mask, "institucion_clave"].nunique()
    if parts[:2] == ["programas", "entidad"]:
        return int((P["entidad_clave"] == parts[2]).sum())
    if parts[:2] == ["programas", "institucion"]:
        return int((P["institucion_clave"] == parts[2]).sum())
    if parts[0] == "alcance":
        if parts[1] == "programas":
            return people["id_programa"].nunique()
        if parts[1] == "indicadores":
            return len(people)
        if parts[1] == "objetivo":
            ids = P.loc[obj == int(parts[2]), "id_programa"]
            return int(people.loc[people["id_programa"].isin(ids), "total"].sum())
        if parts[1] == "programa":
            return int(people.loc[people["id_programa"] == parts[2], "total"].sum())
        if parts[1].startswith("sin_desglose_"):
            cols = {"sexo": ["mujeres", "hombres", "no_binarias", "sexo_sin_dato"],
                    "edad": ["nna", "adultos", "edad_sin_dato"]}[parts[1].removeprefix("sin_desglose_")]
            return int(people.loc[people[cols].isna().all(axis=1), "total"].sum())
        return int(people[parts[1]].sum())
    if key == "retos.total":
        return len(R)
    if key == "retos.programas":
        return R["id_programa"].nunique()
    if parts[:2] == ["retos", "tema"]:
        return int((R["tema"] == parts[2]).sum())
    if parts[:3] == ["retos", "programas", "tema"]:
        return R.loc[R["tema"] == parts[3], "id_programa"].nunique()
    if parts[0] == "respuesta":
        sent = {b.id for b in cat.load().bodies if b.acronym in SENT}
        reporting = set(P["institucion_clave"])
        return {"enviadas": len(sent), "respondieron": len(sent & reporting),
                "sin_plantilla": len(reporting - sent)}[parts[1]]
    if parts[0] in ("anterior", "continuan"):
        Q = pd.read_csv(root / "output" / "2025" / "datos" / "programas.csv", dtype={"objetivo_principal": "Int64"})
        keys = lambda df: {(normalise(i), normalise(n), int(o))  # noqa: E731
                           for i, n, o in zip(df["institucion"], df["nombre_programa"], df["objetivo_principal"])}
        if key == "continuan.total":
            return len(keys(P) & keys(Q))
        if key == "continuan.nuevos":
            return len(P) - len(keys(P) & keys(Q))
        if key == "continuan.no_reportados":
            return len(keys(Q) - keys(P))
        if parts[1] == "objetivo":
            return sum(1 for k in keys(P) & keys(Q) if k[2] == int(parts[2]))
        if parts[1:3] == ["nuevos", "objetivo"]:
            return sum(1 for k in keys(P) - keys(Q) if k[2] == int(parts[3]))
        if parts[1:3] == ["no_reportados", "objetivo"]:
            return sum(1 for k in keys(Q) - keys(P) if k[2] == int(parts[3]))
        if key == "anterior.programas.total":
            return len(Q)
        if key == "anterior.instituciones.total":
            return Q["institucion_clave"].nunique()
        if parts[1:3] == ["programas", "objetivo"]:
            return int((Q["objetivo_principal"] == int(parts[3])).sum())
        if parts[1:3] == ["instituciones", "objetivo"]:
            return Q.loc[Q["objetivo_principal"] == int(parts[3]), "institucion_clave"].nunique()
    raise AssertionError(f"figure key without an independent check: {key}")


def test_every_printed_figure_equals_the_open_data(world):
    root, ed, subs, analysis, html = world
    found = SPAN.findall(html)
    assert len(found) > 150
    keys = {k for k, _, _ in found}
    # Each family of figures is present, so none can silently disappear.
    for must in ("programas.total", "instituciones.total", "matriz.7.apf", "programas.objetivo.7", "programas.mesa.4",
                 "alcance.total", "alcance.mujeres", "alcance.sin_desglose_edad", "alcance.objetivo.7", "retos.total",
                 "retos.tema.financiamiento", "respuesta.enviadas", "respuesta.respondieron", "continuan.total",
                 "anterior.programas.objetivo.7", "secundario.objetivo.23", "programas.institucion.inm"):
        assert must in keys, must
    for key, value, text in found:
        assert int(value) == expected(key, root, ed), key
        assert text == fmt(int(value)), (key, text)  # es-MX: 10,290


def test_numeric_table_cells_are_all_audited_figures_or_percentages(world):
    *_, html = world
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', html, flags=re.S)
    assert cells
    for c in cells:
        assert SPAN.fullmatch(c.strip()) or re.fullmatch(r"\d[\d,]*\.\d\s%", c.strip()), c


def test_reach_states_that_people_may_be_counted_twice(world):
    *_, analysis, html = world
    assert "más de un programa" in html
    assert analysis.reach["total"] == 10290


def test_charts_match_the_open_data(world):
    root, ed, subs, analysis, html = world
    P, C, R = _csvs(root / "output" / ed.key / "datos")
    objectives = [int((P["objetivo_principal"] == o).sum()) for o in range(1, 24)]
    assert analysis.charts["objetivos"].series["programas"] == objectives
    sectors = dict(zip(analysis.charts["sectores"].labels, analysis.charts["sectores"].series["programas"]))
    names = {s.key: s.name for s in cat.load().sectors}
    assert sectors == {names[k]: v for k, v in P["sector_clave"].value_counts().items()}
    states = dict(zip(analysis.charts["entidades"].labels, analysis.charts["entidades"].series["programas"]))
    state_names = {s.key: s.name for s in cat.load().states}
    assert states == {state_names[f"{int(k):02d}"]: v for k, v in P["entidad_clave"].dropna().value_counts().items()}
    tables = _round_tables()
    assert analysis.charts["mesas"].series["programas"] == [
        int(P["objetivo_principal"].isin(tables[m]).sum()) for m in sorted(tables)]
    themes = dict(zip(analysis.charts["retos"].labels, analysis.charts["retos"].series["retos"]))
    assert sum(themes.values()) == len(R)
    by_name = R.groupby("tema_nombre").size().to_dict()
    assert {k: v for k, v in themes.items() if v} == by_name
    people = C[(C["unidad"] == "personas") & C["subgrupo_de"].isna()]
    sexo = analysis.charts["alcance_sexo"].series["personas"]
    assert sexo[:4] == [int(people[c].sum()) for c in ("mujeres", "hombres", "no_binarias", "sexo_sin_dato")]
    assert sum(sexo) == int(people["total"].sum())
    Q = pd.read_csv(root / "output" / "2025" / "datos" / "programas.csv")
    comp = analysis.charts["comparacion"].series
    assert comp["2025"] == [int((Q["objetivo_principal"] == o).sum()) for o in range(1, 24)]
    assert comp["2026"] == objectives


def test_each_chart_is_svg_with_a_text_alternative_naming_its_numbers(world):
    *_, analysis, html = world
    assert set(analysis.charts) == {"objetivos", "sectores", "entidades", "mesas", "retos", "alcance_sexo", "comparacion"}
    for chart in analysis.charts.values():
        root = ET.fromstring(chart.svg)
        assert root.tag.endswith("svg")
        for label, values in chart.data:
            assert label in chart.alt
            for v in values:
                assert fmt(v) in chart.alt
        assert f'alt="{escape(chart.alt)}"' in html


def test_year_over_year_lists_the_programs_that_continue(world):
    *_, analysis, html = world
    assert analysis.yoy is not None and analysis.yoy.year == 2025
    names = {(c.author, c.name): (c.previous_objective, c.objective) for c in analysis.yoy.continuing}
    # Continuity is institution + name + main objective: COMAR's program moved from 2 to 12, so it
    # counts as not reported again under 2 and new under 12.
    assert names == {("INM", "Atención en puntos de internación"): (7, 7)}
    rows = {num: (cont, new, gone) for num, _, cont, new, gone in analysis.yoy.by_objective}
    assert rows[7][0] == 1 and rows[2][2] == 1 and rows[14][2] == 1 and rows[12][1] >= 1
    assert analysis.yoy.dropped == 2 and "Cuadro 6" in html
    assert "Programa que ya no se informa" not in html


def test_response_rate_counts_templates_sent_not_generated(world):
    *_, analysis, html = world
    r = analysis.response
    # SRE reported and was generated a template, but it was never recorded as sent.
    assert (r.sent, r.responded, r.basis) == (3, 2, dispatch.BASIS_SENT)
    assert r.rate == "66.7 %"
    assert "Según el registro de envíos, la UPMRIP envió plantillas a" in " ".join(html.split())


def test_without_recorded_sendings_the_rate_says_it_uses_generated_templates(world, tmp_path):
    root, ed, subs, analysis, html = world
    cats = cat.load()
    other = F.edition(tmp_path, "2026", sample=True)
    _generate(other, cats, SENT + GENERATED_ONLY)
    fallback = informe.analyse(opendata.build(subs, other, cats), other, cats)
    r = fallback.response
    assert (r.sent, r.responded, r.basis) == (5, 3, dispatch.BASIS_GENERATED)
    text = " ".join(informe.render_html(fallback, other, {k: f"{k}.svg" for k in fallback.charts}).split())
    assert "Ninguna plantilla quedó registrada como enviada" in text
    assert "Según el registro de envíos" not in text


def test_no_contact_data_and_agency_text_is_escaped(world, tmp_path):
    *_, html = world
    for c in F.CONTACTS:
        for v in c:
            assert v not in html
    cats = cat.load()
    ed = F.edition(tmp_path)
    subs = F.submissions(tmp_path, ed, [F.program(cats, "INM", "<script>alert(1)</script> Programa", 7,
                                                  cifras=[F.people(5)])])
    a = informe.analyse(opendata.build(subs, ed, cats), ed, cats)
    page = informe.render_html(a, ed, {k: f"{k}.svg" for k in a.charts})
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_without_submissions_the_informe_still_says_something(tmp_path):
    ed = F.edition(tmp_path)
    a = informe.analyse(opendata.build([], ed, cat.load()), ed, cat.load())
    page = informe.render_html(a, ed, {k: f"{k}.svg" for k in a.charts})
    assert "ningún programa aceptado" in page
    assert a.yoy is None and a.response is None


def test_informe_refuses_to_disagree_with_the_compendio(world):
    from compiler import publication
    from compiler.errors import OutputError

    root, ed, subs, analysis, html = world
    pub = publication.build(subs[:-1], ed, cat.load())
    with pytest.raises(OutputError, match="Compendio cuenta"):
        informe.build(pub, subs, ed, cat.load())


@pytest.mark.slow
def test_pdf_is_tagged_with_chart_alternatives_and_sample_watermark(world):
    import pypdf

    root, ed, subs, analysis, html = world
    path = informe.build(None, subs, ed, cat.load())
    assert path == root / "output" / "2026" / "informe-ejecutivo-2026.pdf"
    pdf = pypdf.PdfReader(path)
    assert 10 <= len(pdf.pages) <= 25
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure" and node.get("/Alt"):
                alts.append(str(node["/Alt"]))
            kids = node.get("/K")
            for k in (kids if isinstance(kids, list) else [kids] if kids is not None else []):
                walk(k)

    walk(pdf.trailer["/Root"]["/StructTreeRoot"])
    assert sorted(alts) == sorted(c.alt for c in analysis.charts.values())
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "DATOS FICTICIOS" in text
    # The one-page summary comes right after the cover, then the contents.
    summary = pdf.pages[1].extract_text()
    assert f"La edición {analysis.year} en una página" in summary and "programas y acciones" in summary
    contents = pdf.pages[2].extract_text()
    assert re.search(r"I\. Preámbulo\s*4\b", contents) and re.search(r"VII\. Anexos\s*\d+", contents), contents
    # Running header: every page after the cover, summary and contents names the report.
    for i, page in enumerate(pdf.pages[3:], start=4):
        assert analysis.title in page.extract_text(), f"page {i} lacks the running header"
    for c in F.CONTACTS:
        assert c[2] not in text
    assert not list(path.parent.glob(".~*"))
