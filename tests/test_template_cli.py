"""``compendio init`` and ``compendio templates`` as a user runs them."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from compiler import catalogs as cat, reader
from compiler.cli import main

FULL = cat.load()


@pytest.fixture
def small_registry(monkeypatch):
    """Five bodies from four sectors, one without acronym, so a full run stays fast."""
    picks = [next(b for b in FULL.bodies if b.acronym == "INM"),
             next(b for b in FULL.bodies if b.acronym == "SRE"),
             next(b for b in FULL.bodies if b.sector == "estatal"),
             next(b for b in FULL.bodies if b.sector == "autonomo"),
             next(b for b in FULL.bodies if not b.acronym)]
    small = dataclasses.replace(FULL, bodies=tuple(picks))
    monkeypatch.setattr(cat, "load", lambda *a, **k: small)
    return picks


def run(root, *args):
    result = CliRunner().invoke(main, [*args, "--raiz", str(root)])
    # Rich wraps lines at the terminal width; compare messages as running text.
    result.text = " ".join(result.output.split())
    return result


def test_init_creates_the_edition_and_is_idempotent(tmp_path):
    first = run(tmp_path, "init", "--edition", "2026")
    assert first.exit_code == 0, first.output
    settings_file = tmp_path / "ediciones" / "2026.yaml"
    assert settings_file.exists() and "creada" in first.text
    for folder in ("intake_templates/2026", "submissions/2026", "output/2026"):
        assert (tmp_path / folder).is_dir()
    before = settings_file.read_bytes()
    second = run(tmp_path, "init", "--edition", "2026")
    assert second.exit_code == 0 and "ya tenía configuración" in second.text
    assert settings_file.read_bytes() == before


def test_init_of_a_named_edition_asks_for_the_year(tmp_path):
    result = run(tmp_path, "init", "--edition", "prueba")
    assert result.exit_code == 2
    assert "--anio" in result.text and "Traceback" not in result.text
    assert run(tmp_path, "init", "--edition", "prueba", "--anio", "2027").exit_code == 0


def test_templates_without_init_says_how_to_start(tmp_path):
    result = run(tmp_path, "templates", "--edition", "2026")
    assert result.exit_code == 2
    assert "compendio init --edition 2026" in result.text
    assert not (tmp_path / "intake_templates").exists()


def test_templates_writes_one_per_body_plus_the_blank_one(tmp_path, small_registry):
    run(tmp_path, "init", "--edition", "2026")
    result = run(tmp_path, "templates", "--edition", "2026")
    assert result.exit_code == 0, result.output
    base = tmp_path / "intake_templates" / "2026"
    expected = {base / "plantilla-en-blanco-2026.xlsx"} | {
        base / b.sector / f"{b.acronym or b.id}.xlsx" for b in small_registry}
    assert set(base.rglob("*")) - {p for p in base.rglob("*") if p.is_dir()} == expected
    assert "Plantillas escritas: 6" in result.text
    for b in small_registry:
        sub = reader.read(base / b.sector / f"{b.acronym or b.id}.xlsx")
        assert sub.stamp.institution_id == b.id and sub.stamp.edition == "2026"
        assert sub.value("institucion") == b.name
    blank = reader.read(base / "plantilla-en-blanco-2026.xlsx")
    assert blank.stamp.institution_id == "" and blank.value("institucion") is None


def test_existing_templates_are_never_overwritten_silently(tmp_path, small_registry):
    run(tmp_path, "init", "--edition", "2026")
    run(tmp_path, "templates", "--edition", "2026")
    inm = tmp_path / "intake_templates" / "2026" / "apf" / "INM.xlsx"
    inm.write_bytes(b"edited by staff")
    again = run(tmp_path, "templates", "--edition", "2026")
    assert again.exit_code == 0
    assert "6 ya existían" in again.text and "--sobrescribir" in again.text
    assert inm.read_bytes() == b"edited by staff"
    one = run(tmp_path, "templates", "--edition", "2026", "--institucion", "INM")
    assert one.exit_code == 0 and "ya existía" in one.text
    assert inm.read_bytes() == b"edited by staff"
    forced = run(tmp_path, "templates", "--edition", "2026", "--sobrescribir")
    assert forced.exit_code == 0 and "Plantillas escritas: 6" in forced.text
    assert reader.read(inm).value("siglas") == "INM"
    assert not list((tmp_path / "intake_templates").rglob(".~*"))


def test_one_body_by_acronym_any_case(tmp_path, small_registry):
    run(tmp_path, "init", "--edition", "2026")
    result = run(tmp_path, "templates", "--edition", "2026", "--institucion", "sre")
    assert result.exit_code == 0, result.output
    files = [p for p in (tmp_path / "intake_templates" / "2026").rglob("*.xlsx")]
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["intake_templates/2026/apf/SRE.xlsx"]


def test_unknown_acronym_is_a_spanish_error_with_exit_2(tmp_path, small_registry):
    run(tmp_path, "init", "--edition", "2026")
    result = run(tmp_path, "templates", "--edition", "2026", "--institucion", "INMM")
    assert result.exit_code == 2
    assert "No hay ninguna institución con la sigla «INMM»" in result.text
    assert "¿Quiso decir INM" in result.text
    assert "Traceback" not in result.text
    assert not list((tmp_path / "intake_templates").rglob("*.xlsx"))


def test_two_bodies_that_would_share_a_file_stop_the_run_before_writing(tmp_path, monkeypatch):
    inm = next(b for b in FULL.bodies if b.acronym == "INM")
    twin = dataclasses.replace(inm, id="otro-inm", name="Otro instituto")
    monkeypatch.setattr(cat, "load", lambda *a, **k: dataclasses.replace(FULL, bodies=(inm, twin)))
    run(tmp_path, "init", "--edition", "2026")
    result = run(tmp_path, "templates", "--edition", "2026")
    assert result.exit_code == 2
    assert "misma plantilla" in result.text and "Otro instituto" in result.text
    assert not list((tmp_path / "intake_templates").rglob("*.xlsx"))


def test_a_folder_that_cannot_be_written_is_a_clear_error(tmp_path, small_registry):
    run(tmp_path, "init", "--edition", "2026")
    (tmp_path / "intake_templates" / "2026" / "apf").write_text("not a folder")
    result = run(tmp_path, "templates", "--edition", "2026")
    assert result.exit_code == 2
    assert "No se pudo escribir" in result.text and "apf" in result.text
    assert "Traceback" not in result.output
    assert not list((tmp_path / "intake_templates").rglob(".~*"))
