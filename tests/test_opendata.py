"""Open data: round trip through pandas, dictionary, no contact data, CSV injection."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import opendata_fixtures as F
from compiler import catalogs as cat, opendata, reader, template
from compiler.errors import CatalogError
from compiler.spec import PROGRAM_FIELDS, field_cell

HOSTILE = {
    "nombre_programa": "=cmd|' /C calc'!A0",
    "unidad_responsable": "+SUM(1+1)*cmd|' /C calc'!A0",
    "poblacion_objetivo": "@SUM(1+1)",
    "resultados": "-1+1",
}
HOSTILE_RETO = "=HYPERLINK(\"http://ejemplo.invalid\",\"clic\")"
HOSTILE_INDICATOR = "@indicador"


@pytest.fixture(scope="module")
def standard(tmp_path_factory):
    root = tmp_path_factory.mktemp("od")
    ed = F.edition(root)
    subs = F.standard_set(root, ed)
    data = opendata.build(subs, ed, cat.load())
    paths = opendata.write(subs, ed, cat.load())
    return root, ed, subs, data, paths


def _hostile_submission(root, ed):
    """A workbook whose text cells start with formula characters, typed as text (as with a leading ' in Excel)."""
    cats = cat.load()
    body, data = F.program(cats, "INM", "placeholder", 7, retos=["placeholder"],
                           cifras=[F.people(10, indicador="placeholder")])
    wb = template.build_workbook(ed, cats, body)
    template.fill(wb, data)
    ws = wb["Programa"]
    for fid, text in {**HOSTILE, "retos_1": HOSTILE_RETO}.items():
        ws[field_cell(fid)].value = text
        ws[field_cell(fid)].data_type = "s"
    wc = wb["Cifras"]
    from compiler.spec import cifras_col
    wc[f"{cifras_col('indicador')}6"].value = HOSTILE_INDICATOR
    wc[f"{cifras_col('indicador')}6"].data_type = "s"
    path = root / "submissions" / ed.key / "hostil.xlsx"
    template.save(wb, path)
    return reader.read(path)


def test_files_are_written_with_bom_and_one_row_per_item(standard):
    root, ed, subs, data, paths = standard
    folder = root / "output" / ed.key / "datos"
    assert {p.name for p in paths} == {"programas.csv", "cifras.csv", "retos.csv", "participantes.csv", "diccionario.csv",
                                       "datapackage.json",
                                       f"datos-abiertos-{ed.key}.xlsx"}
    for p in paths:
        assert p.parent == folder
    # BOM so Excel reads the accents as UTF-8.
    assert (folder / "programas.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    programs = pd.read_csv(folder / "programas.csv")
    assert len(programs) == len(subs)
    figures = pd.read_csv(folder / "cifras.csv")
    assert len(figures) == sum(len(s.indicators) for s in subs)
    challenges = pd.read_csv(folder / "retos.csv")
    assert len(challenges) == sum(len(s.value("retos")) for s in subs)
    assert not list(folder.glob(".~*")), "temporary files left behind"


def test_csv_round_trip_keeps_types_accents_and_newlines(standard):
    root, ed, subs, data, paths = standard
    back = opendata.read(root / "output" / ed.key / "datos")
    for name, frame in data.tables().items():
        pd.testing.assert_frame_equal(back.tables()[name], opendata.neutralised(frame), check_dtype=True, obj=name)
    descriptions = set(back.programs["descripcion"])
    assert any("\n" in d and "niñez, atención" in d for d in descriptions)
    assert str(back.figures["total"].dtype) == "Int64"
    assert str(back.programs["fecha_inicio"].dtype) == "datetime64[ns]"
    # A blank breakdown stays blank: it is «not reported», never zero.
    assert back.figures["mujeres"].isna().any()
    assert (back.figures["mujeres"].dropna() >= 0).all()


def test_data_package_validates_with_frictionless(standard):
    from frictionless import validate

    root, ed, *_ = standard
    folder = root / "output" / ed.key / "datos"
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    pkg = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in pkg["resources"]] == ["programas.csv", "cifras.csv", "retos.csv", "participantes.csv",
                                                    "diccionario.csv"]
    assert pkg["licenses"] == [{"name": "libre-uso-mx", "title": "Términos de Libre Uso MX",
                                "path": "https://datos.gob.mx/libreusomx"}]
    assert pkg["sources"]
    schemas = {r["name"]: r["schema"] for r in pkg["resources"]}
    entidad = next(f for f in schemas["programas"]["fields"] if f["name"] == "entidad_clave")
    assert (entidad["type"], entidad["constraints"]["pattern"]) == ("string", "^[0-9]{2}$")
    assert schemas["cifras"]["primaryKey"] == ["id_programa", "fila"]
    assert schemas["retos"]["foreignKeys"][0]["reference"] == {"resource": "programas", "fields": ["id_programa"]}


def test_frictionless_catches_a_code_read_as_number_and_an_orphan_row(standard, tmp_path):
    """The package is not a formality: a mangled copy of the data fails its validation."""
    import shutil

    from frictionless import validate

    root, ed, *_ = standard
    folder = tmp_path / "datos"
    shutil.copytree(root / "output" / ed.key / "datos", folder)
    programs = pd.read_csv(folder / "programas.csv")  # what the issue saw: «07» becomes 7.0
    programs.to_csv(folder / "programas.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    retos = (folder / "retos.csv").read_text(encoding="utf-8-sig").replace(f"{ed.key}-0001,", f"{ed.key}-9999,", 1)
    (folder / "retos.csv").write_text(retos, encoding="utf-8-sig", newline="")
    errors = validate(str(folder / "datapackage.json")).flatten(["fieldName", "type"])
    types = {t for _, t in errors}
    assert "foreign-key" in types, errors
    assert any(name == "entidad_clave" for name, _ in errors), errors


def test_readme_snippet_reads_every_csv_with_the_declared_types(standard, monkeypatch):
    import re

    from compiler import __file__ as package_file

    root, ed, subs, data, paths = standard
    readme = (Path(package_file).parent.parent / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- lectura-pandas -->\s*```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(root)
    scope: dict = {}
    exec(code.replace('"output/2026/datos"', f'"output/{ed.key}/datos"'), scope)
    pkg = scope["paquete"]
    expected = {"string": "string", "integer": "Int64", "date": "datetime64"}
    for resource in pkg["resources"]:
        frame = scope["leer"](resource["name"])
        declared = {f["name"]: expected[f["type"]] for f in resource["schema"]["fields"]}
        # pandas picks the date resolution (s, us or ns) itself; the type is what matters.
        assert {c: str(t).partition("[")[0] for c, t in frame.dtypes.items()} == declared, resource["name"]
    programs = scope["programas"]
    for f in pkg["resources"][0]["schema"]["fields"]:
        if f["type"] == "date":
            programs[f["name"]] = programs[f["name"]].astype("datetime64[ns]")
    assert set(programs["entidad_clave"].dropna()) == {"01", "07"}  # Aguascalientes and Chiapas, leading zero kept
    pd.testing.assert_frame_equal(programs, opendata.neutralised(data.programs), check_dtype=True)


def test_dictionary_speaks_to_data_users_not_to_agencies(standard):
    root, ed, subs, data, paths = standard
    text = " ".join(data.dictionary["descripcion"])
    for instruction in ("Elija", "Deje vac", "dd/mm/aaaa", "¿", "Alt+Enter", "sin separadores", "escríbalo"):
        assert instruction not in text, instruction
    d = data.dictionary.set_index(["archivo", "columna"])
    assert d.loc[("cifras.csv", "mujeres"), "unidad"] == opendata.UNIT_FROM_ROW
    assert "hoja «Cifras»" in d.loc[("cifras.csv", "mujeres"), "origen"]
    assert "INEGI" in d.loc[("programas.csv", "entidad_clave"), "origen"]
    assert d.loc[("programas.csv", "fecha_inicio"), "tipo"] == "fecha (AAAA-MM-DD)"


def test_licence_comes_from_the_edition_settings(tmp_path):
    from compiler import settings
    from compiler.errors import SettingsError

    settings.init(tmp_path, "2026")
    path = tmp_path / "ediciones" / "2026.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("licencia: libre-uso-mx", "licencia: CC-BY-4.0"), encoding="utf-8")
    ed = settings.load(tmp_path, "2026")
    assert opendata.package(ed)["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    path.write_text(text.replace("licencia: libre-uso-mx", "licencia: libre"), encoding="utf-8")
    with pytest.raises(SettingsError, match="datos_abiertos.licencia"):
        settings.load(tmp_path, "2026")


def test_dictionary_describes_exactly_the_published_columns(standard):
    root, ed, subs, data, paths = standard
    folder = root / "output" / ed.key / "datos"
    with (folder / "diccionario.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["archivo", "columna", "descripcion", "tipo", "unidad", "origen"]
    for name in ("programas.csv", "cifras.csv", "retos.csv"):
        with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
        described = [r["columna"] for r in rows if r["archivo"] == name]
        assert header == described, name
        assert all(r["descripcion"] and r["tipo"] and r["origen"] for r in rows if r["archivo"] == name)
    published = {r["columna"] for r in rows if r["archivo"] == "programas.csv"}
    for f in PROGRAM_FIELDS:
        assert (f.id in published) == f.public, f.id


def test_xlsx_has_every_table_with_real_numbers_and_dates(standard):
    root, ed, subs, data, paths = standard
    wb = load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    assert wb.sheetnames == ["léame", "programas", "cifras", "retos", "participantes", "diccionario"]
    for name, frame in data.tables().items():
        ws = wb[name.removesuffix(".csv")]
        assert [c.value for c in ws[1]] == list(frame.columns)
        assert ws.max_row == len(frame) + 1
    ws = wb["programas"]
    header = [c.value for c in ws[1]]
    start = ws.cell(2, header.index("fecha_inicio") + 1)
    assert start.is_date and start.number_format == "yyyy-mm-dd"
    ws = wb["cifras"]
    header = [c.value for c in ws[1]]
    totals = [ws.cell(r, header.index("total") + 1).value for r in range(2, ws.max_row + 1)]
    assert totals == [int(v) for v in data.figures["total"]]


def test_no_contact_data_in_any_public_file(standard):
    root, ed, subs, data, paths = standard
    secrets = {v for c in F.CONTACTS for v in c}
    for p in paths:
        if p.suffix in (".csv", ".json"):
            text = p.read_text(encoding="utf-8-sig")
        else:
            with zipfile.ZipFile(p) as z:
                text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        for s in secrets:
            assert s not in text, f"{s!r} published in {p.name}"
        assert "contacto" not in text.lower().replace("personas de contacto", "")


def test_formula_text_is_neutralised_in_csv_and_xlsx(tmp_path):
    ed = F.edition(tmp_path)
    sub = _hostile_submission(tmp_path, ed)
    assert sub.value("nombre_programa") == HOSTILE["nombre_programa"]  # the fixture really is hostile
    paths = opendata.write([sub], ed, cat.load())
    folder = tmp_path / "output" / ed.key / "datos"
    hostile = [*HOSTILE.values(), HOSTILE_RETO, HOSTILE_INDICATOR]
    for name in ("programas.csv", "cifras.csv", "retos.csv"):
        with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        for c in cells:
            assert not c.startswith(opendata.FORMULA_STARTS), f"{name}: {c!r}"
    programs = pd.read_csv(folder / "programas.csv", dtype="string")
    assert programs.loc[0, "nombre_programa"] == "'" + HOSTILE["nombre_programa"]
    assert programs.loc[0, "resultados"] == "'-1+1"
    challenges = pd.read_csv(folder / "retos.csv", dtype="string")
    assert challenges.loc[0, "reto"] == "'" + HOSTILE_RETO
    figures = pd.read_csv(folder / "cifras.csv", dtype="string")
    assert figures.loc[0, "indicador"] == "'" + HOSTILE_INDICATOR
    wb = load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(opendata.FORMULA_STARTS), f"{ws.title}!{cell.coordinate}"
                    seen.add(cell.value)
    for h in hostile:
        assert "'" + h in seen, h


def test_people_reach_counts_top_level_people_rows_only(standard):
    *_, data, _ = standard
    r = opendata.reach(data.figures)
    # 1200 + 800 + 5000 + 2500 + 150 + 640; the 300 sub-group and the 10,000 «atenciones» are left out.
    assert r["total"] == 10290
    assert r["mujeres"] == 700 + 400 + 1500 + 320
    for b in ("sexo", "edad"):
        parts = {"sexo": ("mujeres", "hombres", "no_binarias", "sexo_sin_dato"), "edad": ("nna", "adultos", "edad_sin_dato")}[b]
        assert sum(r[p] for p in parts) + r[f"sin_desglose_{b}"] == r["total"]


def test_challenge_themes_follow_the_keyword_file(standard):
    *_, data, _ = standard
    themes = dict(zip(data.challenges["reto"], data.challenges["tema"]))
    assert themes["Falta de presupuesto para ampliar horarios."] == "financiamiento"
    assert themes["Rotación del personal capacitado en turnos nocturnos."] == "personal"
    assert themes["Las personas no cuentan con acta de nacimiento ni CURP."] == "documentos"
    assert themes["Clima extremo en la región."] == "otros"


def test_keywords_match_word_starts_without_accents():
    themes = opendata.load_themes()
    assert opendata.classify("CAPACITACIÓN insuficiente", themes)[0] == "personal"
    assert opendata.classify("El presupuesto fue recortado", themes)[0] == "financiamiento"
    # A keyword matches at the start of a word only: «ley» does not fire inside «Valley».
    assert opendata.classify("Silicon Valley", themes)[0] == "otros"


def test_edition_can_override_theme_rules(tmp_path):
    ed = F.edition(tmp_path)
    own = tmp_path / "ediciones" / ed.key / "catalogos"
    own.mkdir(parents=True)
    (own / "temas_retos.csv").write_text(
        "orden,tema,nombre,palabras_clave,descripcion\n1,clima,Clima,clima; lluvia,Eventos climáticos\n", encoding="utf-8")
    themes = opendata.load_themes(ed)
    assert [t.key for t in themes] == ["clima"]
    assert opendata.classify("Clima extremo en la región.", themes) == ("clima", "Clima")


def test_broken_theme_file_is_a_clear_spanish_error(tmp_path):
    ed = F.edition(tmp_path)
    own = tmp_path / "ediciones" / ed.key / "catalogos"
    own.mkdir(parents=True)
    (own / "temas_retos.csv").write_text("tema,nombre\nclima,Clima\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="palabras_clave"):
        opendata.load_themes(ed)


def test_failed_write_keeps_previous_files_and_leaves_no_temporaries(standard, monkeypatch):
    root, ed, subs, data, paths = standard
    before = {p: p.read_bytes() for p in paths}

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(opendata, "_write_xlsx", broken)
    with pytest.raises(Exception, match="datos abiertos"):
        opendata.write(subs[:1], ed, cat.load())
    assert {p: p.read_bytes() for p in paths} == before
    assert not list(paths[0].parent.glob(".~*"))


def test_data_written_before_the_package_still_reads_with_its_types(standard, tmp_path):
    """An earlier edition's folder (no datapackage.json) still feeds the year-over-year comparison."""
    import shutil

    root, ed, subs, data, paths = standard
    folder = tmp_path / "datos"
    shutil.copytree(root / "output" / ed.key / "datos", folder)
    (folder / "datapackage.json").unlink()
    back = opendata.read(folder)
    assert str(back.figures["total"].dtype) == "Int64" and set(back.programs["entidad_clave"].dropna()) == {"01", "07"}


def test_percentages_are_published_as_reported_and_never_summed(tmp_path):
    from compiler import catalogs as cat, settings
    from content_set import submission

    settings.init(tmp_path, "2026")
    ed = settings.load(tmp_path, "2026")
    sub = submission(ed.key, {}, [{"indicador": "Personas encuestadas", "unidad": "porcentaje", "total": 1250,
                                   "mujeres": 52.5, "hombres": 47.5}])
    F = opendata.build([sub], ed, cat.load()).figures
    row = F.iloc[0]
    assert row["porcentajes"] == "Mujeres 52.5 %; Hombres 47.5 %" and pd.isna(row["mujeres"]) and row["total"] == 1250
    assert row["cuenta_personas"] == "No"
