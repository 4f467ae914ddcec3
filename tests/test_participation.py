"""One count of who took part: the Compendio, the Informe and the open data print the same figures."""

from __future__ import annotations

import re

import pytest

from compiler import catalogs as cat, informe, opendata, participation, publication, render, settings, sample, validation
from content_set import submission

SAMPLE = settings.Path(__file__).resolve().parents[1]


def _counts_in_outputs(subs, ed, catalogs):
    pub = publication.build(subs, ed, catalogs)
    html = render.render_html(pub)
    data = opendata.build(subs, ed, catalogs)
    a = informe.analyse(data, ed, catalogs)
    ihtml = informe.render_html(a, ed, {k: "about:blank" for k in a.charts})
    glossary = re.search(r'<table class="glossary">(.*?)</table>', html, re.S).group(1)
    states = re.search(r'<ol class="states">(.*?)</ol>', html, re.S)
    W = data.participants

    def printed(key):
        return {int(v) for v in re.findall(rf'data-clave="{re.escape(key)}" data-valor="(\d+)"', ihtml)}

    return {
        "compendio": (glossary.count("<tr><td>"), pub.figures.states, len(states.group(1).split("<li>")) - 1 if states else 0,
                      pub.figures.institutions),
        "informe": (*printed("instancias.total"), *printed("gobiernos_estatales.total"), *printed("entidades.total"),
                    *printed("instituciones.total")),
        "datos": (int((W["gobierno_estatal"] == "No").sum()), int((W["gobierno_estatal"] == "Sí").sum()),
                  len(set(W["entidad_clave"].dropna()) | set(data.programs.loc[
                      data.programs["sector_clave"] == "estatal", "entidad_clave"].dropna())), len(W)),
    }, pub, html


def test_the_sample_edition_counts_the_same_everywhere(tmp_path):
    root = tmp_path
    (root / "ediciones").mkdir()
    (root / "ediciones" / "muestra.yaml").write_bytes((SAMPLE / "ediciones" / "muestra.yaml").read_bytes())
    ed = settings.load(root, "muestra")
    catalogs = cat.load()
    from compiler import intake

    subs = intake.check(ed, catalogs, validation.expand([SAMPLE / "submissions" / "muestra"])).accepted()
    counts, pub, html = _counts_in_outputs(subs, ed, catalogs)
    assert counts["compendio"] == counts["informe"] == counts["datos"], counts
    bodies, governments, states, total = counts["datos"]
    assert bodies + governments == total and governments <= states
    # The introduction says it in words, with the same numbers.
    intro = " ".join(pub.introduction)
    assert f"{bodies} instancia" in intro and f"{governments} gobierno" in intro


def _synthetic(ed, catalogs, n, seed):
    subs = []
    for p in sample.plan(ed, catalogs, n, seed):
        body = p.body
        sector = catalogs.sector(body.sector)
        fields = dict(p.data.fields, institucion=body.name, siglas=body.acronym or None, sector=sector.name,
                      entidad=catalogs.state(body.state).name if body.state else None)
        subs.append(submission(ed.key, fields, p.data.cifras))
    return subs


def test_a_550_program_edition_counts_the_same_everywhere(tmp_path):
    settings.init(tmp_path, "2026")
    ed = settings.load(tmp_path, "2026")
    catalogs = cat.load()
    subs = _synthetic(ed, catalogs, 550, 2026)
    counts, pub, _ = _counts_in_outputs(subs, ed, catalogs)
    assert counts["compendio"] == counts["informe"] == counts["datos"], counts
    who = participation.count(subs, catalogs)
    assert counts["datos"] == (who.bodies, who.state_governments, len(who.states), who.institutions)
    assert who.only_coauthors >= 0 and who.state_governments >= 10


def test_a_co_author_counts_once_and_a_registered_state_body_brings_its_state(tmp_path):
    settings.init(tmp_path, "2026")
    ed = settings.load(tmp_path, "2026")
    catalogs = cat.load()
    subs = [submission(ed.key, {"coautoras": "COMAR, AMEXCID"}),
            submission(ed.key, {"institucion": "Comisión Mexicana de Ayuda a Refugiados", "siglas": "COMAR",
                                "nombre_programa": "Otro programa"}),
            submission(ed.key, {"institucion": catalogs.body("cannam").name, "siglas": "CANNAM",
                                "sector": "Entidades federativas", "nombre_programa": "Acompañamiento"}),
            submission(ed.key, {"institucion": catalogs.body("gob-chiapas").name, "siglas": "CHIS",
                                "sector": "Entidades federativas", "entidad": "Chiapas", "nombre_programa": "Albergue"}),
            submission(ed.key, {"institucion": catalogs.body("copred").name, "siglas": "COPRED",
                                "sector": "Entidades federativas", "nombre_programa": "Campaña"})]
    who = participation.count(subs, catalogs)
    assert {p.key: (p.led, p.coauthored) for p in who.participants} == {
        "inm": (1, 0), "comar": (1, 1), "amexcid": (0, 1), "cannam": (1, 0), "gob-chiapas": (1, 0), "copred": (1, 0)}
    assert (who.institutions, who.bodies, who.state_governments) == (6, 5, 1)
    assert who.states == ("Chiapas", "Ciudad de México")
    counts, *_ = _counts_in_outputs(subs, ed, catalogs)
    assert counts["compendio"] == counts["informe"] == counts["datos"] == (5, 1, 2, 6)
