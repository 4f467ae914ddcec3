"""Content checks (warnings and notes) and the checks across files of one batch."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from compiler import catalogs as cat, validation
from compiler.spec import FIELDS_BY_ID
from validation_support import check, clean, codes, edition, found, prog, write


@pytest.fixture
def ed(tmp_path):
    return edition(tmp_path)


def test_no_challenges(ed):
    report = check(ed, clean(retos=[]))
    [f] = report.findings
    assert (f.code, f.severity, f.ref) == ("sin-retos", "advertencia", prog("retos_1"))
    assert report.status == "aceptado con observaciones"


@pytest.mark.parametrize("text", ["Sin resultados.", "No se obtuvieron resultados en el periodo.",
                                  "A la fecha, no hay avances que reportar."])
def test_results_that_say_there_are_none(ed, text):
    [f] = check(ed, clean(resultados=text)).findings
    assert (f.code, f.ref) == ("sin-resultados", prog("resultados"))


def test_results_mentioning_no_in_passing_are_fine(ed):
    text = "Se orientó a 3,005 personas; no hubo cierres de módulos en el periodo."
    assert check(ed, clean(resultados=text)).findings == []


@pytest.mark.parametrize("field_id, value", [
    ("resultados", "xxx"), ("resultados", "N/A"), ("descripcion", "Pendiente"),
    ("poblacion_objetivo", "Lorem ipsum dolor sit amet"), ("unidad_responsable", "Por definir"),
    # Inside a longer text, however capitalised.
    ("resultados", "Se atendió a XXXX personas en el periodo."),
    ("descripcion", "El módulo ofrece LOREM IPSUM a quien llega."),
    ("poblacion_objetivo", "Personas migrantes [Pendiente de confirmar con la delegación]."),
    ("descripcion", "Descripción Por Llenar cuando se apruebe el programa."),
])
def test_placeholder_text(ed, field_id, value):
    report = check(ed, clean(**{field_id: value}))
    assert ("texto-de-relleno", prog(field_id)) in found(report)
    f = next(f for f in report.findings if f.code == "texto-de-relleno")
    assert f.value == value and f.severity == "advertencia"


def test_the_templates_own_example_is_placeholder_text(ed):
    example = FIELDS_BY_ID["descripcion"].example
    [f] = check(ed, clean(descripcion=example)).findings
    assert (f.code, f.ref) == ("texto-de-relleno", prog("descripcion")) and "ejemplo" in f.message


def test_no_coauthors_written_as_none_is_fine(ed):
    assert check(ed, clean(coautoras="Ninguna")).findings == []


@pytest.mark.parametrize("changes, cell", [
    ({"periodo_hasta": dt.date(2026, 7, 31)}, "periodo_hasta"),
    ({"periodo_desde": dt.date(2024, 1, 1)}, "periodo_desde"),
    ({"fecha_inicio": dt.date(2026, 9, 1), "periodo_desde": dt.date(2025, 6, 1)}, "fecha_inicio"),
    ({"vigencia": "Temporal", "fecha_inicio": dt.date(2023, 1, 1), "fecha_fin": dt.date(2024, 12, 31)}, "fecha_fin"),
])
def test_dates_outside_the_editions_period(ed, changes, cell):
    report = check(ed, clean(**changes))
    [f] = [f for f in report.findings if f.code == "periodo-fuera-de-edicion"]
    assert f.ref == prog(cell) and f.severity == "advertencia"
    assert "01/06/2025 a 30/06/2026" in f.message


def test_a_period_ending_months_after_the_editions_is_an_error(ed):
    report = check(ed, clean(periodo_hasta=dt.date(2026, 11, 30)))
    [f] = report.findings
    assert (f.code, f.severity, f.ref) == ("periodo-termina-despues", "error", prog("periodo_hasta"))
    assert "5 meses después" in f.message and report.status == "rechazado"


def test_acronym_never_spelled_out(ed):
    text = "Módulos del INM que canalizan al SIRENNA y a la Comisión Mexicana de Ayuda a Refugiados."
    report = check(ed, clean(descripcion=text))
    [f] = report.findings
    assert (f.code, f.ref, f.value) == ("siglas-sin-definir", prog("descripcion"), "SIRENNA")


def test_acronym_spelled_out_anywhere_in_the_report_is_fine(ed):
    data = clean(descripcion="Módulos que canalizan al SIRENNA.",
                 resultados="Se registró a 3,005 personas en el Sistema de Información de NNA (SIRENNA).")
    assert check(ed, data).findings == []


def test_text_in_capitals_is_not_taken_for_acronyms(ed):
    assert check(ed, clean(unidad_responsable="DIRECCIÓN GENERAL DE PROTECCIÓN AL MIGRANTE")).findings == []


def test_institution_not_in_the_registry(ed):
    report = check(ed, clean(institucion="Instituto Municipal del Migrante de Tijuana"), body=None)
    assert ("institucion-no-registrada", prog("institucion")) in found(report)


def test_template_of_one_body_filled_by_another_is_a_note(ed):
    report = check(ed, clean(institucion="Comisión Mexicana de Ayuda a Refugiados", siglas="COMAR"))
    [f] = report.findings
    assert (f.code, f.severity) == ("institucion-distinta-al-sello", "nota")
    assert report.status == "aceptado"


# --- across files -------------------------------------------------------------------------

# Which of two files of one program counts is the intake stage's (tests/test_intake.py).

def test_very_similar_program_from_another_body_is_a_note(ed):
    a = write(ed, clean(), name="inm/a.xlsx")
    b = write(ed, clean(nombre_programa="Orientación a personas en contexto de movilidad en los puntos de internación",
                        descripcion="Módulos de orientación de la Comisión Mexicana de Ayuda a Refugiados (COMAR)."),
              name="comar/a.xlsx", body="comar")
    reports = validation.validate_paths([a, b], ed, cat.load())
    for r, other in zip(reports, ("comar/a.xlsx", "inm/a.xlsx")):
        [f] = r.findings
        assert (f.code, f.severity, f.ref) == ("posible-reporte-conjunto", "nota", prog("nombre_programa"))
        assert other in f.message
    assert all(r.status == "aceptado" for r in reports)


def test_declared_joint_report_is_not_flagged(ed):
    a = write(ed, clean(coautoras="COMAR"), name="inm/a.xlsx")
    b = write(ed, clean(nombre_programa="Orientación a personas en contexto de movilidad en los puntos de internación",
                        descripcion="Módulos de orientación de la Comisión Mexicana de Ayuda a Refugiados (COMAR)."),
              name="comar/a.xlsx", body="comar")
    reports = validation.validate_paths([a, b], ed, cat.load())
    assert "posible-reporte-conjunto" not in set().union(*(codes(r) for r in reports))


def test_validate_file_with_a_batch_runs_the_cross_file_checks(ed):
    a = write(ed, clean(), name="inm/a.xlsx")
    b = write(ed, clean(nombre_programa="Orientación a personas en contexto de movilidad en los puntos de internación",
                        descripcion="Módulos de orientación de la Comisión Mexicana de Ayuda a Refugiados (COMAR)."),
              name="comar/a.xlsx", body="comar")
    batch = []
    for p in (a, b):
        validation.validate_file(p, ed, cat.load(), batch=batch)
    assert [codes(r) for r in batch] == [{"posible-reporte-conjunto"}, {"posible-reporte-conjunto"}]


def test_discover_finds_every_workbook_at_any_depth_and_skips_lock_files(ed):
    a = write(ed, clean(), name="apf/inm/2026/a.xlsx")
    (ed.paths.submissions / "apf" / "~$a.xlsx").write_bytes(b"\x00" * 165)
    (ed.paths.submissions / "oficio.pdf").write_bytes(b"%PDF-1.4")
    old = ed.paths.submissions / "viejo.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert validation.discover(ed) == [a, old]


# --- content heuristics on real phrasings (issue 12) ----------------------------------------

@pytest.mark.parametrize("text", ["No se reportaron resultados.", "No se presentaron resultados.",
                                  "El programa se encuentra en proceso de implementación.", "No aplica en este periodo."])
def test_phrasings_agencies_use_to_say_there_are_no_results(ed, text):
    assert ("sin-resultados", prog("resultados")) in found(check(ed, clean(resultados=text)))


def test_a_real_results_text_saying_no_incidents_is_fine(ed):
    text = "No se reportaron incidentes durante los operativos; se atendió a 2,340 personas."
    assert check(ed, clean(resultados=text)).findings == []


def test_spanish_abbreviations_parts_of_registered_acronyms_and_call_signs_are_not_acronyms(ed):
    text = ("Talleres con enfoque de DD. HH. para personas repatriadas desde EE. UU., con IMSS BIENESTAR, "
            "y cápsulas en la radiodifusora XEPET 730-AM; campaña «LLAMANDO A CASA».")
    assert check(ed, clean(descripcion=text)).findings == []


def test_an_editions_own_list_of_words_that_are_never_acronyms(ed):
    own = ed.paths.root / "ediciones" / ed.key / "catalogos" / "no_siglas.csv"
    own.parent.mkdir(parents=True)
    own.write_text("palabra,motivo\nSIRENNA,sistema que todos conocen\n", encoding="utf-8")
    assert check(ed, clean(descripcion="Módulos que canalizan al SIRENNA.")).findings == []


def test_the_example_job_title_is_a_real_answer(ed):
    assert check(ed, clean(contacto_cargo=FIELDS_BY_ID["contacto_cargo"].example)).findings == []


def test_one_indicator_dominating_its_units_total_is_flagged_on_its_file(ed):
    paths = []
    for i, total in enumerate((1_000_000, 60_000, 50_000, 26_000)):
        data = clean(nombre_programa=f"Programa número {i} de atención en aeropuertos y puertos")
        data.cifras = [{"indicador": "Personas atendidas", "unidad": "personas", "total": total, "sexo_sin_dato": total}]
        paths.append(write(ed, data, name=f"inm/p{i}.xlsx"))
    reports = validation.validate_paths(paths, ed, cat.load())
    [f] = [f for r in reports for f in r.findings if f.code == "indicador-dominante"]
    assert f.value == 1_000_000 and f.cell == "D6" and "fila 1 de Cifras" in f.message
    assert "88 %" in f.message and "en 4 programas" in f.message
    assert reports[0].status == "aceptado con observaciones"
