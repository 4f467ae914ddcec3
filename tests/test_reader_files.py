"""File-level problems: every one is a finding with a Spanish message, never a traceback.

The files in tests/fixtures/real/ were made with real tools (LibreOffice,
msoffcrypto-tool; see make_real_fixtures.py); the rest are our template
altered the way agencies alter it, through openpyxl.
"""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from compiler import catalogs as cat, geometry as g, reader, validation
from compiler.errors import UnreadableWorkbook
from validation_support import REAL, clean, edition, write


@pytest.fixture
def ed(tmp_path):
    return edition(tmp_path)


def only_finding(ed, path):
    report = validation.validate_file(path, ed, cat.load())
    assert report.status == "rechazado" and report.submission is None
    assert len(report.findings) == 1
    return report.findings[0]


@pytest.mark.parametrize("name, code, says", [
    ("formato-xls.xls", "no-es-xlsx", "Excel antiguo (.xls)"),
    ("formato-xls-renombrado.xlsx", "no-es-xlsx", "Excel antiguo (.xls)"),
    ("csv-renombrado.xlsx", "no-es-xlsx", "texto (CSV)"),
    ("pdf-renombrado.xlsx", "no-es-xlsx", "un PDF"),
    ("imagen-renombrada.xlsx", "no-es-xlsx", "una imagen"),
    ("vacio.xlsx", "no-es-xlsx", "vacío"),
    ("truncado.xlsx", "archivo-danado", "dañado o incompleto"),
    ("con-contrasena.xlsx", "archivo-con-contrasena", "contraseña"),
    ("libro-ajeno.xlsx", "no-es-plantilla", "no es la plantilla"),
])
def test_real_defect_files(ed, name, code, says):
    f = only_finding(ed, REAL / name)
    assert f.code == code and f.severity == "error"
    assert name in f.message and says in f.message


def test_workbook_saved_again_by_libreoffice_is_read_like_the_original(ed):
    sub = reader.read(REAL / "valido-guardado-con-libreoffice.xlsx")
    assert sub.value("nombre_programa").startswith("Orientación a personas")
    assert [(i.get("total"), i.get("mujeres"), i.get("hombres")) for i in sub.indicators] == [(3005, 1801, 1204)]
    report = validation.validate_file(REAL / "valido-guardado-con-libreoffice.xlsx", ed, cat.load())
    assert report.errors == []


def altered(ed, tmp_path, change, name="alterado.xlsx"):
    src = write(ed, clean())
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(tmp_path / name)
    return tmp_path / name


def test_renamed_sheet_is_named_in_the_message(ed, tmp_path):
    path = altered(ed, tmp_path, lambda wb: setattr(wb[g.CIFRAS], "title", "Cifras 2026"))
    f = only_finding(ed, path)
    assert (f.code, f.sheet) == ("hoja-faltante", g.CIFRAS)
    assert "«Cifras 2026»" in f.message and "renombrada" in f.message


def test_deleted_sheet(ed, tmp_path):
    f = only_finding(ed, altered(ed, tmp_path, lambda wb: wb.remove(wb[g.TABLA])))
    assert (f.code, f.sheet) == ("hoja-faltante", g.TABLA)


def test_data_copied_into_a_workbook_without_the_stamp(ed, tmp_path):
    f = only_finding(ed, altered(ed, tmp_path, lambda wb: wb.remove(wb[g.SELLO])))
    assert f.code == "sin-sello"


def test_deleted_row_in_programa(ed, tmp_path):
    f = only_finding(ed, altered(ed, tmp_path, lambda wb: wb[g.PROGRAMA].delete_rows(10)))
    assert (f.code, f.ref) == ("estructura-alterada", "Programa!C10")


def test_deleted_column_in_cifras(ed, tmp_path):
    f = only_finding(ed, altered(ed, tmp_path, lambda wb: wb[g.CIFRAS].delete_cols(5)))
    assert (f.code, f.ref) == ("estructura-alterada", "Cifras!E5")
    assert "«Mujeres»" in f.message


def test_unsupported_template_version(ed, tmp_path):
    def old(wb):
        wb[g.SELLO][g.sello_cell("version_plantilla")] = "0.9"
    f = only_finding(ed, altered(ed, tmp_path, old))
    assert (f.code, f.ref) == ("version-no-soportada", "_sello!B2")
    assert "«0.9»" in f.message


def test_word_document_renamed(ed, tmp_path):
    path = tmp_path / "oficio.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    f = only_finding(ed, path)
    assert f.code == "no-es-xlsx" and "Word" in f.message


def test_missing_file_behind_a_link(ed, tmp_path):
    link = tmp_path / "enlace.xlsx"
    link.symlink_to(tmp_path / "no-existe.xlsx")
    f = only_finding(ed, link)
    assert f.code == "archivo-ilegible" and "enlace.xlsx" in f.message


def test_formula_without_saved_value_is_reported_once_at_its_cell(ed, tmp_path):
    def formulas(wb):
        wb[g.CIFRAS]["D6"] = "=E6+F6"  # a script wrote it; no cached result
    path = altered(ed, tmp_path, formulas)
    report = validation.validate_file(path, ed, cat.load())
    at_d6 = [f for f in report.findings if f.ref == "Cifras!D6"]
    assert [f.code for f in at_d6] == ["formula-sin-valor"]  # not also «falta el total»
    assert report.status == "rechazado"


def test_reader_error_carries_code_and_cell():
    with pytest.raises(UnreadableWorkbook) as exc:
        reader.read(REAL / "truncado.xlsx")
    assert exc.value.code == "archivo-danado"


def test_excel_error_values_are_reported_as_errors_not_blanks(ed):
    """Calc saved #DIV/0! and #REF!; the value reader sees blanks, the finding names the error."""
    report = validation.validate_file(REAL / "errores-de-formula.xlsx", ed, cat.load())
    assert {(f.code, f.ref, f.value) for f in report.findings} == {
        ("valor-con-error", "Cifras!E6", "#DIV/0!"), ("valor-con-error", "Programa!C19", "#REF!")}
