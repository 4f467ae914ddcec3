"""Feedback workbooks: the agency's own file, marked, plus an Observaciones sheet."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from compiler import atomic, feedback, geometry as g, reader, template
from compiler.errors import OutputError
from compiler.model import Finding, Report
from compiler.spec import cifras_col, field_cell


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def submit(edition, cats, rel: str, program: str = "Orientación en puntos de internación", comment_at=None) -> Path:
    """A filled workbook written by the project's writer, placed under submissions/<ed>/."""
    body = cats.body_by_name("Instituto Nacional de Migración")
    wb = template.build_workbook(edition, cats, body)
    template.fill(wb, template.ProgramData(
        fields={"nombre_programa": program, "unidad_responsable": "Dirección General"},
        cifras=[{"indicador": "Personas orientadas", "unidad": "personas", "total": 3105, "mujeres": 1801,
                 "hombres": 1204}]))
    if comment_at:
        sheet, cell = comment_at
        wb[sheet][cell].comment = Comment("Dato preliminar, confirmar con la delegación.", "Enlace INM")
    return template.save(wb, edition.paths.submissions / rel)


def findings_for_program():
    mujeres = f"{cifras_col('mujeres')}6"
    return [
        Finding("suma-no-cuadra", "error", g.CIFRAS, mujeres,
                "Mujeres 1,801 + Hombres 1,204 = 3,005, pero el Total dice 3,105.", 1801),
        Finding("campo-obligatorio", "error", g.PROGRAMA, field_cell("descripcion"),
                "Falta la descripción del programa.", None),
        Finding("texto-de-relleno", "advertencia", g.PROGRAMA, field_cell("descripcion"),
                "La descripción parece texto de relleno.", None),
        Finding("sin-retos", "advertencia", g.PROGRAMA, field_cell("retos_1"),
                "No se informó ningún reto.", None),
        Finding("edicion-distinta", "error", g.SELLO, "B3", "La plantilla es de otra edición.", "2025"),
        Finding("revisar-archivo", "nota", None, None, "Programa parecido al de otra institución.", ["x", "y"]),
    ]


def observation_rows(ws):
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == "Núm.")
    rows = []
    for r in range(header + 1, ws.max_row + 1):
        if ws.cell(r, 1).value is None:
            break
        rows.append({"n": ws.cell(r, 1).value, "gravedad": ws.cell(r, 2).value, "celda": ws.cell(r, 3),
                     "problema": ws.cell(r, 4).value, "valor": ws.cell(r, 5).value, "mensaje": ws.cell(r, 6).value,
                     "codigo": ws.cell(r, 7).value})
    return rows


def test_copy_is_marked_and_original_untouched(edition, cats):
    src = submit(edition, cats, "inm/orientacion.xlsx")
    before = sha(src)
    report = Report(src, findings_for_program(), reader.read(src))

    out = feedback.write_feedback(report, edition, cats)

    assert sha(src) == before
    assert out == edition.paths.feedback / "inm" / "orientacion-observaciones.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == g.OBSERVACIONES and wb.active.title == g.OBSERVACIONES
    red = wb[g.CIFRAS][f"{cifras_col('mujeres')}6"]
    assert red.fill.fgColor.rgb.endswith("FFC7CE")
    assert "Total dice 3,105" in red.comment.text
    yellow = wb[g.PROGRAMA][field_cell("retos_1")]
    assert yellow.fill.fgColor.rgb.endswith("FFEB9C")
    assert "ningún reto" in yellow.comment.text
    # Two findings on one cell: one comment with both, filled by the worse one.
    both = wb[g.PROGRAMA][field_cell("descripcion")]
    assert "Falta la descripción" in both.comment.text and "texto de relleno" in both.comment.text
    assert both.fill.fgColor.rgb.endswith("FFC7CE")
    # The copy is still a readable template: the agency may correct it and send it back.
    assert reader.read(out).program_key == report.submission.program_key


def test_observaciones_lists_every_finding_with_working_links(edition, cats):
    src = submit(edition, cats, "inm/orientacion.xlsx")
    report = Report(src, findings_for_program(), reader.read(src))
    wb = openpyxl.load_workbook(feedback.write_feedback(report, edition, cats))
    ws = wb[g.OBSERVACIONES]
    text = " ".join(str(c.value) for row in ws.iter_rows(max_row=10) for c in row if c.value)
    assert "orientacion.xlsx" in text and "Instituto Nacional de Migración" in text
    assert "Orientación en puntos de internación" in text and "RECHAZADO" in text
    assert "31/08/2026" in text  # what to do next: resend by the deadline

    rows = observation_rows(ws)
    assert sorted(r["codigo"] for r in rows) == sorted(f.code for f in report.findings)
    assert [r["gravedad"] for r in rows] == ["Error"] * 3 + ["Advertencia"] * 2 + ["Nota"]
    by_code = {r["codigo"]: r for r in rows}
    assert by_code["suma-no-cuadra"]["valor"] == "1,801"
    assert by_code["suma-no-cuadra"]["problema"] == "El desglose no suma el total"
    assert by_code["campo-obligatorio"]["valor"] == "(vacía)"
    for f in report.findings:
        cell = by_code[f.code]["celda"]
        if f.sheet in (g.PROGRAMA, g.CIFRAS):
            sheet, _, address = cell.hyperlink.location.rpartition("!")
            assert wb[sheet.strip("'")][address].comment is not None
            assert (sheet.strip("'"), address) == (f.sheet, f.cell)
        else:  # hidden sheet or the whole file: listed, but nothing to jump to
            assert cell.hyperlink is None
    assert by_code["revisar-archivo"]["celda"].value == "(todo el archivo)"


def test_template_features_survive_in_the_copy(edition, cats):
    src = submit(edition, cats, "inm/orientacion.xlsx", comment_at=(g.PROGRAMA, field_cell("retos_1")))
    report = Report(src, findings_for_program(), reader.read(src))
    copy_wb = openpyxl.load_workbook(feedback.write_feedback(report, edition, cats))
    original = openpyxl.load_workbook(src)
    for name in (g.PROGRAMA, g.CIFRAS):
        assert len(copy_wb[name].data_validations.dataValidation) == len(original[name].data_validations.dataValidation) > 0
        assert copy_wb[name].protection.sheet
    assert len(copy_wb[g.CIFRAS].conditional_formatting) == len(original[g.CIFRAS].conditional_formatting) > 0
    assert copy_wb[g.SELLO].sheet_state == "veryHidden"
    assert copy_wb.security.lockStructure
    # The agency's own comment is kept under ours.
    text = copy_wb[g.PROGRAMA][field_cell("retos_1")].comment.text
    assert "ningún reto" in text and "Dato preliminar" in text


def test_dropdowns_dropped_by_openpyxl_are_restored(edition, cats, tmp_path):
    """Excel may keep cross-sheet dropdowns in an extension list openpyxl discards."""
    src = submit(edition, cats, "inm/orientacion.xlsx")
    members = reader._sheet_members(src)
    stripped = edition.paths.submissions / "inm" / "sin-listas.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == members[g.PROGRAMA]:
                data = re.sub(rb"<dataValidations.*?</dataValidations>", b"", data, flags=re.S)
            zout.writestr(item, data)
    assert not openpyxl.load_workbook(stripped)[g.PROGRAMA].data_validations.dataValidation
    report = Report(stripped, findings_for_program(), reader.read(stripped))
    copy_wb = openpyxl.load_workbook(feedback.write_feedback(report, edition, cats))
    restored = copy_wb[g.PROGRAMA].data_validations.dataValidation
    assert any(field_cell("objetivo_principal") in dv.sqref for dv in restored)


def test_resent_feedback_copy_gets_fresh_marks(edition, cats):
    src = submit(edition, cats, "inm/orientacion.xlsx", comment_at=(g.PROGRAMA, field_cell("retos_1")))
    first = feedback.write_feedback(Report(src, findings_for_program(), reader.read(src)), edition, cats)
    # The agency fixes the copy and sends it back; only the sum problem remains.
    resent = edition.paths.submissions / "inm" / "orientacion-v2.xlsx"
    resent.write_bytes(first.read_bytes())
    remaining = [findings_for_program()[0]]
    out = feedback.write_feedback(Report(resent, remaining, reader.read(resent)), edition, cats)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames.count(g.OBSERVACIONES) == 1 and wb.sheetnames[0] == g.OBSERVACIONES
    assert [r["codigo"] for r in observation_rows(wb[g.OBSERVACIONES])] == ["suma-no-cuadra"]
    old = wb[g.PROGRAMA][field_cell("retos_1")]
    assert not old.fill.fgColor.rgb.endswith("FFEB9C")
    # Our comment is gone; the one the agency wrote there is back, with its author.
    assert (old.comment.text, old.comment.author) == ("Dato preliminar, confirmar con la delegación.", "Enlace INM")
    assert wb[g.PROGRAMA][field_cell("descripcion")].comment is None


def test_agency_sheet_called_observaciones_is_kept(edition, cats):
    body = cats.body_by_name("INM")
    wb = template.build_workbook(edition, cats, body)
    wb.security = None  # the agency unprotected the structure to add a sheet of notes
    wb.create_sheet(g.OBSERVACIONES)["A1"] = "Notas internas de la delegación"
    src = template.save(wb, edition.paths.submissions / "inm" / "con-notas.xlsx")
    out = feedback.write_feedback(Report(src, findings_for_program()[:2], reader.read(src)), edition, cats)
    copy_wb = openpyxl.load_workbook(out)
    assert copy_wb.sheetnames[0] == feedback.OWN_SHEET_FALLBACK
    assert copy_wb[g.OBSERVACIONES]["A1"].value == "Notas internas de la delegación"
    assert len(observation_rows(copy_wb[feedback.OWN_SHEET_FALLBACK])) == 2


@pytest.mark.parametrize("name,content", [
    ("renombrado.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
    ("truncado.xlsx", None),
])
def test_unopenable_file_gets_observaciones_only(edition, cats, name, content):
    path = edition.paths.submissions / "inm" / name
    if content is None:
        good = submit(edition, cats, "inm/bueno.xlsx")
        content = good.read_bytes()[:2000]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    before = sha(path)
    finding = Finding("archivo-danado", "error", None, None, f"{name}: el archivo está dañado.")
    out = feedback.write_feedback(Report(path, [finding]), edition, cats)
    assert sha(path) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [g.OBSERVACIONES]
    rows = observation_rows(wb[g.OBSERVACIONES])
    assert [(r["codigo"], r["mensaje"]) for r in rows] == [("archivo-danado", finding.message)]
    assert "No pudimos abrir" in " ".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value)


def test_clean_file_gets_no_feedback_and_stale_feedback_goes(edition, cats):
    src = submit(edition, cats, "inm/orientacion.xlsx")
    stale = feedback.write_feedback(Report(src, findings_for_program(), reader.read(src)), edition, cats)
    assert stale.exists()
    assert feedback.write_feedback(Report(src, [], reader.read(src)), edition, cats) is None
    assert not stale.exists()


def test_same_name_in_two_folders_does_not_collide(edition, cats):
    a = submit(edition, cats, "inm/programa.xlsx", program="Programa A")
    b = submit(edition, cats, "comar/programa.xlsx", program="Programa B")
    outs = {feedback.write_feedback(Report(p, findings_for_program()[:1], reader.read(p)), edition, cats)
            for p in (a, b)}
    assert len(outs) == 2
    programs = {openpyxl.load_workbook(o)[g.OBSERVACIONES]["C5"].value for o in outs}
    assert programs == {"Programa A", "Programa B"}


def test_failed_write_leaves_no_partial_file(edition, cats, monkeypatch):
    src = submit(edition, cats, "inm/orientacion.xlsx")
    report = Report(src, findings_for_program(), reader.read(src))

    def boom(src, dst):
        assert Path(src).exists()  # the copy was written to its temporary file…
        raise OSError(28, "No space left on device")  # …and the disk filled before it was put in place

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OutputError, match="orientacion-observaciones.xlsx"):
        feedback.write_feedback(report, edition, cats)
    assert [p for p in edition.paths.feedback.rglob("*") if p.is_file()] == []


def test_failed_openpyxl_write_leaves_no_partial_file(edition, cats, monkeypatch):
    """The same for a copy openpyxl makes (here: a file that is not a readable package)."""
    path = edition.paths.submissions / "inm" / "roto.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"no es un libro")
    report = Report(path, [Finding("archivo-danado", "error", None, None, "El archivo está dañado.")])

    def boom(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OutputError, match="roto-observaciones.xlsx"):
        feedback.write_feedback(report, edition, cats)
    assert [p for p in edition.paths.feedback.rglob("*") if p.is_file()] == []


def test_unchanged_feedback_is_not_rewritten(edition, cats, monkeypatch):
    src = submit(edition, cats, "inm/orientacion.xlsx")
    findings = findings_for_program()
    out = feedback.write_feedback(Report(src, list(findings), reader.read(src)), edition, cats)
    first = out.read_bytes()

    def must_not_open(*args, **kwargs):
        raise AssertionError("the unchanged feedback was rebuilt")

    monkeypatch.setattr(feedback, "load_workbook", must_not_open)
    assert feedback.write_feedback(Report(src, list(findings), reader.read(src)), edition, cats) == out
    assert out.read_bytes() == first
    monkeypatch.undo()
    # One finding fewer: the file is written again and says so.
    out = feedback.write_feedback(Report(src, findings[1:], reader.read(src)), edition, cats)
    codes = [r["codigo"] for r in observation_rows(openpyxl.load_workbook(out)[g.OBSERVACIONES])]
    assert "suma-no-cuadra" not in codes and len(codes) == len(findings) - 1


def test_workbook_saved_by_another_office_suite(edition, cats):
    """A template that went through LibreOffice on the agency's side is marked just the same."""
    real = Path(__file__).parent / "fixtures" / "real" / "valido-guardado-con-libreoffice.xlsx"
    if not real.exists():
        pytest.skip("no está el libro guardado con LibreOffice")
    src = edition.paths.submissions / "inm" / real.name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(real.read_bytes())
    before = sha(src)
    finding = Finding("sin-retos", "advertencia", g.PROGRAMA, field_cell("retos_1"), "No se informó ningún reto.")
    out = feedback.write_feedback(Report(src, [finding], reader.read(src)), edition, cats)
    assert sha(src) == before
    wb, original = openpyxl.load_workbook(out), openpyxl.load_workbook(src)
    assert "ningún reto" in wb[g.PROGRAMA][field_cell("retos_1")].comment.text
    for name in (g.PROGRAMA, g.CIFRAS):
        assert len(wb[name].data_validations.dataValidation) == len(original[name].data_validations.dataValidation)
    assert reader.read(out).program_key == reader.read(src).program_key


def test_copy_is_patched_not_rebuilt(edition, cats, monkeypatch):
    """The copy edits only the parts it marks: every other part is the agency's bytes."""
    src = submit(edition, cats, "inm/orientacion.xlsx")
    report = Report(src, findings_for_program(), reader.read(src))

    def must_not_open(*args, **kwargs):
        raise AssertionError("the copy was rebuilt with openpyxl")

    monkeypatch.setattr(feedback, "load_workbook", must_not_open)
    out = feedback.write_feedback(report, edition, cats)
    members = reader._sheet_members(src)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        before = {n: a.read(n) for n in a.namelist()}
        after = {n: b.read(n) for n in b.namelist()}
    touched = {n for n in before if after.get(n) != before[n]}
    # Marked sheets, their comments and drawings, styles, the sheet list and properties; nothing else.
    untouched = {members[g.CATALOGOS], members[g.SELLO], members[g.TABLA], "xl/theme/theme1.xml"}
    assert not touched & untouched
    assert members[g.CIFRAS] in touched and "xl/styles.xml" in touched
    assert set(before) <= set(after)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice no está instalado")
def test_libreoffice_opens_the_copy(edition, cats, tmp_path):
    """LibreOffice reads the patched package: marks, comments and the new first sheet survive its own save."""
    src = submit(edition, cats, "inm/orientacion.xlsx", comment_at=(g.PROGRAMA, field_cell("retos_1")))
    out = feedback.write_feedback(Report(src, findings_for_program(), reader.read(src)), edition, cats)
    converted = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/perfil", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(converted), str(out)],
                   check=True, capture_output=True, timeout=180)
    wb = openpyxl.load_workbook(converted / out.name)
    assert wb.sheetnames[0] == g.OBSERVACIONES
    red = wb[g.CIFRAS][f"{cifras_col('mujeres')}6"]
    assert red.fill.fgColor.rgb.endswith("FFC7CE") and "Total dice 3,105" in red.comment.text
    assert "Dato preliminar" in wb[g.PROGRAMA][field_cell("retos_1")].comment.text
    assert [r["codigo"] for r in observation_rows(wb[g.OBSERVACIONES])][:2] == ["campo-obligatorio", "suma-no-cuadra"]
