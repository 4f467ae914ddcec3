"""The editors' pass: export → edit in Excel → compile → corrected text published, agency file untouched."""

from __future__ import annotations

import hashlib
import subprocess

from click.testing import CliRunner
from openpyxl import load_workbook

from compiler import corrections, reader, template
from compiler.cli import main
from compiler.template import ProgramData

import publication_data as data
from template_support import with_spec_examples


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(root, *args):
    return CliRunner().invoke(main, [*args, "--edition", "2026", "--raiz", str(root)])


def rows_by(path):
    wb = load_workbook(path)
    ws = wb[corrections.SHEET]
    headers = [c.value for c in ws[corrections.HEADER_ROW]]
    out = []
    for r in range(corrections.FIRST_ROW, ws.max_row + 1):
        out.append({h: ws.cell(r, i + 1).value for i, h in enumerate(headers)} | {"_row": r})
    return wb, ws, headers, out


def edit(path, changes):
    """As an editor does in Excel: write corrected text, note and name in some rows."""
    wb, ws, headers, rows = rows_by(path)
    col = {h: i + 1 for i, h in enumerate(headers)}
    for match, corrected in changes:
        row = next(r for r in rows if match(r))
        ws.cell(row["_row"], col["Texto corregido"], corrected)
        ws.cell(row["_row"], col["Nota del editor"], "Estilo")
        ws.cell(row["_row"], col["Corrigió"], "J. Editor")
    wb.save(path)


def test_round_trip_publishes_corrections_and_flags_a_stale_one(tmp_path):
    edition, catalogs, subs = data.submissions(tmp_path)
    files = sorted(edition.paths.submissions.glob("*.xlsx"))
    before = {p.name: sha(p) for p in files}

    result = cli(tmp_path, "correcciones", "--exportar")
    assert result.exit_code == 0, result.output
    book = corrections.corrections_path(edition)
    assert book.is_file() and "Libro de correcciones escrito" in result.output
    _, _, headers, rows = rows_by(book)
    assert headers[:6] == ["Institución", "Programa", "Archivo", "Campo", "Texto como se recibió", "Texto corregido"]
    # a row per published text: every accepted program's results, every filled challenge, never the contact
    assert sum(r["Clave del campo"] == "resultados" for r in rows) == len(subs)
    assert not any(str(r["Clave del campo"]).startswith("contacto") for r in rows)
    inm = next(r for r in rows if r["Programa"] == "Módulos de orientación en puntos de internación"
               and r["Clave del campo"] == "retos_2")
    assert inm["Texto como se recibió"] == "Rotación de personal capacitado."
    assert inm["Huella del texto recibido (sha256)"] == hashlib.sha256("Rotación de personal capacitado.".encode()).hexdigest()
    assert all(r["Texto corregido"] is None for r in rows)

    edit(book, [
        (lambda r: r["Programa"] == "Módulos de orientación en puntos de internación" and r["Clave del campo"] == "resultados",
         "Se atendió a 1,234 personas en los módulos (texto corregido por el equipo editorial)."),
        (lambda r: r["Programa"] == "Anuario de migración y remesas" and r["Clave del campo"] == "descripcion",
         "Descripción corregida del anuario."),
    ])

    # The agency resends the anuario with a new description: that correction is now stale.
    anuario = next(p for p in files if "CONAPO" in p.name)
    wb = template.build_workbook(edition, catalogs, catalogs.body("conapo"))
    fields = with_spec_examples(next(f for b, f, *_ in data.PROGRAMS if b == "conapo"))
    fields["descripcion"] = "Descripción nueva que la institución envió después."
    template.fill(wb, ProgramData(fields=fields))
    template.save(wb, anuario)
    before[anuario.name] = sha(anuario)

    result = CliRunner().invoke(main, ["compile", "--edition", "2026", "--raiz", str(tmp_path), "--sin-informe",
                                       "--guardar-html"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Correcciones editoriales: 1 aplicada(s), 1 sin aplicar" in out
    assert "El texto cambió desde que se exportó" in out

    pdf = edition.paths.output / "compendio-general-2026.pdf"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
                    .stdout.split())
    assert "texto corregido por el equipo editorial" in text.replace("- ", "")
    assert "Se atendió a 1,234 personas con Módulos de orientación" not in text
    assert "Descripción nueva que la institución envió después." in text
    assert "Descripción corregida del anuario." not in text

    # agencies' files are never written
    assert {p.name: sha(p) for p in files} == before
    assert reader.read(files[0]).value("resultados").startswith("Se atendió a 1,234 personas con Módulos")

    report = load_workbook(corrections.report_path(edition))["Correcciones aplicadas"]
    states = [report.cell(r, 1).value for r in range(5, report.max_row + 1)]
    assert sorted(states) == ["Aplicada", "No aplicada"]
    assert report.page_setup.orientation == "landscape"  # printable


def test_export_again_keeps_the_editors_work_and_adds_new_texts(tmp_path):
    edition, _, subs = data.submissions(tmp_path)
    path, rows, kept = corrections.export(subs, edition)
    assert kept == 0
    edit(path, [(lambda r: r["Clave del campo"] == "resultados", "Corregido.")])
    path, rows_again, kept = corrections.export(subs, edition)
    assert (rows_again, kept) == (rows, 1)
    assert len(corrections.read(edition)) == 1


def test_feedback_shows_the_corrected_text_when_the_edition_asks(tmp_path):
    from compiler import feedback
    from compiler import settings
    from compiler.model import Finding, Report

    edition, catalogs, subs = data.submissions(tmp_path)
    path, _, _ = corrections.export(subs, edition)
    target = subs[0]
    edit(path, [(lambda r: r["Archivo"] == target.path.name and r["Clave del campo"] == "resultados",
                 "Resultados con estilo corregido.")])
    report = Report(target.path, [Finding("x", "advertencia", "Programa", "C5", "Observación de prueba")], target)

    written = feedback.write_feedback(report, edition, catalogs)
    assert "Correcciones editoriales" not in load_workbook(written).sheetnames  # off by default

    text = edition.paths.settings.read_text(encoding="utf-8")
    edition.paths.settings.write_text(text.replace("correcciones_en_retroalimentacion: false",
                                                   "correcciones_en_retroalimentacion: true"), encoding="utf-8")
    edition = settings.load(tmp_path, "2026")
    ws = load_workbook(feedback.write_feedback(report, edition, catalogs))["Correcciones editoriales"]
    assert ws["B5"].value == target.value("resultados") and ws["C5"].value == "Resultados con estilo corregido."


def test_a_broken_corrections_book_is_a_spanish_message(tmp_path):
    edition, _, _ = data.submissions(tmp_path)
    book = corrections.corrections_path(edition)
    book.parent.mkdir(parents=True, exist_ok=True)
    book.write_text("no es un libro")
    result = CliRunner().invoke(main, ["compile", "--edition", "2026", "--raiz", str(tmp_path), "--sin-informe"])
    out = "".join(result.output.split())
    assert result.exit_code == 2 and "correcciones.xlsx" in out and "Traceback" not in out
    assert not (edition.paths.output / "compendio-general-2026.pdf").exists()
