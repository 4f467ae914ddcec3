"""The Publication: order, numbering, headings, figures, footnotes, annexes."""

from __future__ import annotations

import random

import pytest

from compiler import publication
from compiler.errors import SettingsError

import publication_data as data


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    edition, catalogs, subs = data.submissions(tmp_path_factory.mktemp("pub"))
    return edition, catalogs, subs, publication.build(subs, edition, catalogs)


def headings(pub):
    return [(c.number, o.number, p.heading) for c in pub.chapters for o in c.objectives for p in o.programs]


def test_chapters_follow_sector_order_and_skip_empty_sectors(built):
    *_, pub = built
    assert [c.sector for c in pub.chapters] == ["apf", "estatal", "autonomo", "osc"]
    assert [c.number for c in pub.chapters] == [1, 2, 3, 4]
    assert pub.chapters[0].title == "Dependencias de la Administración Pública Federal"


def test_objectives_ascending_with_official_titles(built):
    _, catalogs, _, pub = built
    apf = pub.chapters[0]
    assert [o.number for o in apf.objectives] == [1, 2, 7]
    for o in apf.objectives:
        assert o.title == catalogs.objective(o.number).title
        assert o.programs, "an objective is shown only when it has programs"


def test_programs_numbered_from_one_within_each_objective(built):
    *_, pub = built
    for c in pub.chapters:
        for o in c.objectives:
            assert [p.number for p in o.programs] == list(range(1, len(o.programs) + 1))
            assert all(p.heading.startswith(f"{p.number}. ") for p in o.programs)


def test_heading_format_one_separator_capitals_final_period(built):
    *_, pub = built
    for _, _, h in headings(pub):
        assert h.count(" – ") == 1 and " - " not in h, h
        assert h.endswith(".") and not h.endswith("..")
        assert h == h.upper()


def test_full_name_at_first_mention_in_chapter_then_acronym(built):
    *_, pub = built
    apf = [h for c, _, h in headings(pub) if c == 1]
    inm = [h for h in apf if "INM" in h]
    assert inm[0].endswith("– INSTITUTO NACIONAL DE MIGRACIÓN (INM).")
    assert all(h.endswith("– INM.") for h in inm[1:]) and len(inm) == 3


def test_state_governments_by_state_name_first_then_other_bodies(built):
    *_, pub = built
    estatal = pub.chapters[1].objectives[0].programs
    assert [p.author for p in estatal] == [
        "Baja California", "Chiapas", "Centro de Asistencia de Niñas, Niños y Adolescentes Migrantes (CANNAM)"]


def test_joint_program_names_both_bodies(built):
    *_, pub = built
    assert "1. SEMBRANDO VIDA GUATEMALA – SRE/AMEXCID." in [h for *_, h in headings(pub)]


def test_introduction_counts_equal_the_body(built):
    *_, pub = built
    n = len(headings(pub))
    assert pub.figures.programs == n == len(data.PROGRAMS)
    text = " ".join(pub.introduction)
    assert f"se documentan {n} programas" in text
    assert f"{len(pub.glossary)} instancias" in text
    assert "2 gobiernos estatales" in text
    assert "de junio de 2025 a junio de 2026" in text


def test_glossary_lists_every_body_named_in_headings_alphabetically(built):
    *_, pub = built
    names = [g.name for g in pub.glossary]
    assert names == sorted(names, key=publication.sort_key)
    acronyms = {g.acronym for g in pub.glossary}
    assert {"INM", "CONAPO", "SRE", "AMEXCID", "CNDH", "CANNAM"} <= acronyms
    assert not any(g.name.startswith("Gobierno del Estado") for g in pub.glossary)
    assert pub.states == ("Baja California", "Chiapas")


def test_footnotes_numbered_across_the_document(built):
    *_, pub = built
    numbers = [f.number for p in pub.programs for f in p.footnotes]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) == 5
    conapo = next(p for p in pub.programs if "CONAPO" in p.heading)
    assert conapo.footnotes[0].url == "https://www.gob.mx/conapo"
    hostile = next(p for p in pub.programs if "HOSTIL" in p.heading)
    assert hostile.footnotes[0].url is None, "only http(s) sources become links"


def test_figures_table_thousands_subgroups_and_only_used_columns(built):
    *_, pub = built
    prog = next(p for p in pub.programs if p.name.startswith("Módulos de orientación"))
    t = prog.figures
    assert t.columns == ("Total", "Mujeres", "Hombres", "NNA (0 a 17 años)", "18 años y más")
    assert [(r.label, r.level) for r in t.rows] == [
        ("Personas orientadas", 0), ("Niñas, niños y adolescentes no acompañados", 1), ("Folletos entregados", 0)]
    assert t.rows[0].values == ("3,179", "1,500", "1,679", "400", "2,779")
    assert t.rows[2].values[0] == "25,000"
    assert t.notes == ("Niñas, niños y adolescentes no acompañados: Canalizados a la Procuraduría de Protección.",)


def test_free_table_and_paragraphs(built):
    *_, pub = built
    chiapas = next(p for p in pub.programs if p.author == "Chiapas")
    assert chiapas.table.title == "Atenciones por mes"
    assert chiapas.table.header == ("Mes", "Mujeres", "Hombres")
    assert chiapas.table.rows[0] == ("Enero", "120", "1,310")
    assert [b.kind for b in chiapas.section("descripcion").blocks] == ["p", "p"]
    hostile = next(p for p in pub.programs if "HOSTIL" in p.heading)
    assert [b.kind for b in hostile.section("descripcion").blocks] == ["p", "ul"]
    assert hostile.section("descripcion").blocks[1].items == ("viñeta uno", "viñeta dos")


def test_same_inputs_in_any_order_give_the_same_publication(built):
    edition, catalogs, subs, pub = built
    shuffled = list(subs)
    random.Random(3).shuffle(shuffled)
    assert publication.build(shuffled, edition, catalogs) == pub


def test_unknown_placeholder_in_settings_is_a_clear_error(built):
    edition, catalogs, subs, _ = built
    import dataclasses

    bad = dataclasses.replace(edition, publication={**edition.publication, "introduccion": ["Hay {programa} programas."]})
    with pytest.raises(SettingsError, match=r"\{programa\}.*\{programas\}"):
        publication.build(subs, bad, catalogs)


def test_blocks_split_paragraphs_and_bullets():
    b = publication.blocks("Uno.\n\nDos:\n- a\n• b\nTres.")
    assert b == (publication.Block("p", ("Uno.",)), publication.Block("p", ("Dos:",)),
                 publication.Block("ul", ("a", "b")), publication.Block("p", ("Tres.",)))


def test_singular_counts_read_naturally(built):
    edition, catalogs, subs, _ = built
    one = [s for s in subs if s.value("institucion") == "Gobierno del Estado de Chiapas"]
    pub = publication.build(one, edition, catalogs)
    text = " ".join(pub.introduction)
    assert "1 gobierno estatal" in text and "0 instancias" in text
