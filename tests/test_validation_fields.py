"""Field checks (cerberus schema built from the spec): exact code and cell of each finding."""

from __future__ import annotations

import datetime as dt

import pytest

from compiler import catalogs as cat, validation
from compiler.errors import SettingsError
from validation_support import check, clean, codes, edition, found, prog, write


@pytest.fixture
def ed(tmp_path):
    return edition(tmp_path)


def test_clean_program_is_accepted_without_findings(ed):
    report = check(ed, clean())
    assert report.status == "aceptado" and report.findings == []


def test_one_pass_reports_every_problem(ed):
    report = check(ed, clean(poblacion_objetivo=None, contacto_correo="enlace arroba inm",
                             objetivo_principal="24. Otro objetivo", fecha_inicio="01/03/2019"))
    assert {("campo-obligatorio", prog("poblacion_objetivo")), ("correo-invalido", prog("contacto_correo")),
            ("valor-fuera-de-catalogo", prog("objetivo_principal")),
            ("fecha-invalida", prog("fecha_inicio"))} <= found(report)
    assert report.status == "rechazado"


def test_required_field_message_names_the_field_and_how_to_fill_it(ed):
    [f] = check(ed, clean(descripcion=None)).findings
    assert (f.code, f.severity, f.ref) == ("campo-obligatorio", "error", prog("descripcion"))
    assert f.message.startswith("Falta «Descripción».")


def test_state_is_required_for_state_governments_only(ed):
    # A state government's template comes with its state; blanking it is the error.
    report = check(ed, clean(entidad=None), body="gob-jalisco", name="jal/p.xlsx")
    [f] = [f for f in report.findings if f.code == "campo-obligatorio"]
    assert f.ref == prog("entidad") and "«Entidades federativas»" in f.message
    assert "campo-obligatorio" not in codes(check(ed, clean(entidad=None), name="inm/p2.xlsx"))


def test_end_date_is_required_when_temporary(ed):
    assert ("campo-obligatorio", prog("fecha_fin")) in found(check(ed, clean(vigencia="Temporal")))
    assert check(ed, clean(vigencia="Temporal", fecha_fin=dt.date(2026, 3, 31)), name="b.xlsx").findings == []


@pytest.mark.parametrize("field_id, value", [
    ("objetivo_principal", "Objetivo de migración segura"),
    ("sector", "Gobierno federal"),
    ("vigencia", "Indefinida"),
    ("entidad", "Nueva Galicia"),
])
def test_values_outside_the_dropdown_lists(ed, field_id, value):
    [f] = [f for f in check(ed, clean(**{field_id: value})).findings if f.code == "valor-fuera-de-catalogo"]
    assert f.ref == prog(field_id) and f.value == value and f"«{value}»" in f.message


def test_objective_accepted_as_its_number_or_label(ed):
    assert check(ed, clean(objetivo_principal=7)).findings == []
    assert check(ed, clean(objetivo_principal="7"), name="b.xlsx").findings == []


def test_long_text_over_the_limit(ed):
    [f] = check(ed, clean(poblacion_objetivo="Personas migrantes. " * 30)).findings
    assert (f.code, f.ref) == ("texto-demasiado-largo", prog("poblacion_objetivo"))
    assert "600 caracteres y el máximo es 500" in f.message


def test_program_name_over_the_limit_is_a_warning(ed):
    report = check(ed, clean(nombre_programa="Programa de orientación " * 12))
    [f] = report.findings
    assert (f.code, f.severity, f.ref) == ("nombre-demasiado-largo", "advertencia", prog("nombre_programa"))
    assert report.status == "aceptado con observaciones"


@pytest.mark.parametrize("email", ["enlace@inm", "enlace inm.gob.mx", "enlace@inm.gob.mx; otro@inm.gob.mx"])
def test_invalid_email(ed, email):
    [f] = check(ed, clean(contacto_correo=email)).findings
    assert (f.code, f.ref, f.value) == ("correo-invalido", prog("contacto_correo"), email)


def test_phone_typed_as_a_number_is_fine(ed):
    assert check(ed, clean(contacto_telefono=5551280000)).findings == []


def test_dates_in_the_wrong_order(ed):
    report = check(ed, clean(periodo_desde=dt.date(2026, 3, 1), periodo_hasta=dt.date(2025, 9, 1)))
    assert ("fechas-invertidas", prog("periodo_hasta")) in found(report)
    report = check(ed, clean(vigencia="Temporal", fecha_inicio=dt.date(2025, 9, 1), fecha_fin=dt.date(2025, 8, 1)),
                   name="b.xlsx")
    assert ("fechas-invertidas", prog("fecha_fin")) in found(report)


def test_other_edition_template(ed, tmp_path):
    older = edition(tmp_path / "otra", "2025")
    path = write(ed, clean(), edition_for_template=older)
    report = validation.validate_file(path, ed, cat.load())
    [f] = [f for f in report.findings if f.code == "edicion-distinta"]
    assert (f.ref, f.value, f.severity) == ("_sello!B3", "2025", "error")
    assert "«2025»" in f.message and "2026" in f.message


def test_severity_can_be_changed_per_edition(tmp_path):
    ed = edition(tmp_path, severities={"edicion-distinta": "advertencia", "sin-retos": "error"})
    older = edition(tmp_path / "otra", "2025")
    data = clean(retos=[], periodo_desde=ed.period_from, periodo_hasta=ed.period_to)
    report = validation.validate_file(write(ed, data, edition_for_template=older), ed, cat.load())
    sev = {f.code: f.severity for f in report.findings}
    assert sev == {"edicion-distinta": "advertencia", "sin-retos": "error"}


@pytest.mark.parametrize("overrides, says", [
    ({"no-existe": "nota"}, "no es un código"),
    ({"sin-retos": "grave"}, "error, advertencia o nota"),
    ({"no-es-xlsx": "nota"}, "siempre es error"),
])
def test_wrong_severity_settings_are_refused_with_a_clear_message(tmp_path, overrides, says):
    with pytest.raises(SettingsError, match=says):  # now when the settings load, before any file is read
        ed = edition(tmp_path, severities=overrides)
        validation.validate_paths([write(ed, clean())], ed, cat.load())


def test_a_whole_number_field_added_to_the_spec_is_checked_without_other_changes(ed, monkeypatch):
    """Adding a field is a one-place change: the schema picks up its type from the spec."""
    from compiler import spec

    extra = spec.Field("beneficiarias", "Personas beneficiarias", "Número de personas.", type="integer",
                       section=spec.S_CONT)
    fields = (*spec.PROGRAM_FIELDS, extra)
    # Only the spec changes: every stage reads its fields from there.
    monkeypatch.setattr(spec, "PROGRAM_FIELDS", fields)
    monkeypatch.setattr(spec, "FIELDS_BY_ID", {f.id: f for f in fields})
    report = check(ed, clean(beneficiarias="unas 300"))
    [f] = report.findings
    assert (f.code, f.ref) == ("numero-invalido", f"Programa!{spec.field_cell('beneficiarias')}")
    assert check(ed, clean(beneficiarias=300), name="b.xlsx").findings == []
