"""The reference catalogs shipped in compiler/catalogs/ (the real CSV files)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from compiler import catalogs as cat
from compiler.errors import CatalogError

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "compendio-general-2025.txt"


@pytest.fixture(scope="module")
def cats():
    return cat.load()


def test_the_23_objectives_in_order_with_official_titles(cats):
    assert [o.number for o in cats.objectives] == list(range(1, 24))
    assert all(o.title and o.short_title for o in cats.objectives)
    assert cats.objective(7).label == "7. Abordar y reducir las vulnerabilidades en la migración"
    # The 2025 text writes «accesos»; the official title says «acceso».
    assert cats.objective(15).title == "Proporcionar a los migrantes acceso a servicios básicos"
    assert len({o.title for o in cats.objectives}) == 23


def test_objective_labels_are_what_the_dropdown_shows(cats):
    labels = cats.dropdown_lists()["objetivos"]
    assert labels[6].startswith("7. Abordar y reducir")
    for o in cats.objectives:
        assert cats.objective_by_label(o.label) is o
    assert cats.objective_by_label("7") is cats.objective(7)
    assert cats.objective_by_label("24. Otro") is None


def test_ten_guiding_principles(cats):
    assert [p.number for p in cats.principles] == list(range(1, 11))
    assert all(p.name and p.description for p in cats.principles)


def test_four_round_tables_cover_every_objective_exactly_once(cats):
    assert [t.number for t in cats.round_tables] == [1, 2, 3, 4]
    covered = Counter(n for t in cats.round_tables for n in t.objectives)
    assert sorted(covered) == list(range(1, 24))
    assert set(covered.values()) == {1}


def test_six_sectors_in_publication_order(cats):
    assert [s.key for s in cats.sectors] == ["apf", "estatal", "legislativo", "judicial", "autonomo", "osc"]
    assert [s.chapter_title for s in cats.sectors] == [
        "Dependencias de la Administración Pública Federal", "Entidades federativas", "Poder Legislativo",
        "Poder Judicial", "Organismos constitucionales autónomos", "Organizaciones de la sociedad civil"]
    assert len({s.name for s in cats.sectors}) == 6


def test_the_32_federal_entities(cats):
    assert len(cats.states) == 32
    assert [s.key for s in cats.states] == [f"{i:02d}" for i in range(1, 33)]
    assert len({s.name for s in cats.states}) == 32
    assert len({s.abbreviation for s in cats.states}) == 32
    assert cats.state_by_name("Chiapas").key == "07"


def test_registry_ids_unique_and_every_reference_valid(cats):
    bodies = cats.bodies
    assert len(bodies) >= 70
    assert len({b.id for b in bodies}) == len(bodies)
    sectors = {s.key for s in cats.sectors}
    states = {s.key for s in cats.states}
    ids = {b.id for b in bodies}
    for b in bodies:
        assert b.name and b.name == b.name.strip(), b
        assert b.sector in sectors, f"{b.id}: sector {b.sector!r}"
        assert not b.state or b.state in states, f"{b.id}: entidad {b.state!r}"
        assert not b.parent or b.parent in ids, f"{b.id}: dependencia superior {b.parent!r}"
        if b.sector == "estatal":
            assert b.state, f"{b.id}: a state government needs its entidad"


def test_acronyms_identify_one_body(cats):
    acronyms = Counter(b.acronym.casefold() for b in cats.bodies if b.acronym)
    assert [a for a, n in acronyms.items() if n > 1] == []


def test_registry_fixes_the_2025_inconsistencies(cats):
    inegi = cats.body_by_name("INEGI")
    assert inegi is not None and inegi.name == "Instituto Nacional de Estadística y Geografía"
    assert cats.body_by_name("Instituto Federal de Defensoría Pública") is not None


def test_every_state_that_reported_in_2025_is_registered(cats):
    reported_2025 = ["Baja California", "Baja California Sur", "Campeche", "Chiapas", "Chihuahua", "Colima",
                     "Guanajuato", "Guerrero", "Hidalgo", "Jalisco", "Nayarit", "Nuevo León", "Quintana Roo",
                     "Sonora", "Tabasco", "Veracruz", "Yucatán", "Zacatecas"]
    registered = {cats.state(b.state).name for b in cats.bodies if b.sector == "estatal"}
    missing = [s for s in reported_2025 if cats.state_by_name(s) is None or cats.state_by_name(s).name not in registered]
    assert missing == []


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference not available")
def test_objective_titles_appear_in_the_2025_text(cats):
    text = " ".join(REFERENCE.read_text(encoding="utf-8").split())
    # Objective 15 is the one the 2025 text spells differently («accesos»).
    missing = [o.number for o in cats.objectives if o.number != 15 and o.title not in text]
    assert missing == []


def test_a_broken_catalog_is_a_spanish_error(tmp_path):
    (tmp_path / "objetivos.csv").write_text("numero,titulo\n1,Uno\n", encoding="utf-8")
    cat.load.cache_clear()
    try:
        with pytest.raises(CatalogError, match="23 objetivos"):
            cat.load(tmp_path)
    finally:
        cat.load.cache_clear()
