"""``compendio compile`` as a user runs it."""

from __future__ import annotations

from click.testing import CliRunner
from pypdf import PdfReader

from compiler.cli import main

import publication_data as data


def run(root, *args):
    return CliRunner().invoke(main, ["compile", "--edition", "2026", "--raiz", str(root), "--sin-informe", *args])


def test_compile_writes_the_pdf_and_lists_rejected_files(tmp_path):
    edition, _, subs = data.submissions(tmp_path)
    (edition.paths.submissions / "roto.xlsx").write_text("no soy un libro de Excel")
    result = run(tmp_path, "--guardar-html")
    assert result.exit_code == 0, result.output
    pdf = edition.paths.output / "compendio-general-2026.pdf"
    html = edition.paths.output / "compendio-general-2026.html"
    assert pdf.is_file() and html.is_file()
    pages = len(PdfReader(pdf).pages)
    out = " ".join(result.output.split())
    assert "1 archivo(s) rechazado(s)" in out and "roto.xlsx No es un libro de Excel" in out
    assert f"{pages} páginas, {len(subs)} programas" in out
    assert not [p for p in edition.paths.output.iterdir() if p.name.startswith(".~")], "no temporary file left"


def test_nothing_accepted_writes_nothing(tmp_path):
    edition = data.make_edition(tmp_path)
    (edition.paths.submissions / "roto.xlsx").write_text("texto")
    result = run(tmp_path)
    assert result.exit_code == 1
    assert "No hay reportes aceptados" in result.output
    assert not any(edition.paths.output.rglob("*.pdf"))


def test_unknown_edition_is_a_spanish_message(tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 2
    assert "compendio init --edition 2026" in result.output
    assert "Traceback" not in result.output


def test_companions_get_the_same_accepted_data(tmp_path, monkeypatch):
    import json

    from compiler import compilation

    edition, _, subs = data.submissions(tmp_path)
    record = tmp_path / "visto.json"

    def hook(publication, submissions, edition_, catalogs, *, draft):
        # It may run in a second process: it reports through a file.
        record.write_text(json.dumps({"programs": len(publication.programs), "draft": draft,
                                      "files": sorted(s.path.name for s in submissions)}))
        return [edition_.paths.output / "otro.pdf"]

    monkeypatch.setattr(compilation, "AFTER_COMPENDIO", [hook])
    result = compilation.compile_edition(tmp_path, "2026")
    assert json.loads(record.read_text()) == {"programs": len(subs), "draft": False,
                                              "files": sorted(s.path.name for s in subs)}
    assert result.companions == [edition.paths.output / "otro.pdf"]
    assert result.pdf.is_file() and result.pages > 0


def test_a_failing_companion_is_reported_in_spanish(tmp_path, monkeypatch):
    from compiler import compilation
    from compiler.errors import OutputError

    data.submissions(tmp_path)

    def hook(*args, draft):
        raise OutputError("No se pudo escribir el informe de prueba.")

    monkeypatch.setattr(compilation, "AFTER_COMPENDIO", [hook])
    result = CliRunner().invoke(main, ["compile", "--edition", "2026", "--raiz", str(tmp_path)])
    assert result.exit_code == 2
    assert "No se pudo escribir el informe de prueba." in result.output and "Traceback" not in result.output


def test_replaced_files_are_listed_not_dropped_silently(tmp_path):
    from openpyxl import load_workbook

    from compiler import geometry as g

    edition, _, subs = data.submissions(tmp_path)
    first = subs[0].path
    validated = CliRunner().invoke(main, ["validate", "--edition", "2026", "--raiz", str(tmp_path),
                                          "--sin-retroalimentacion"])
    assert validated.exit_code == 0, validated.output
    # A corrected file of the same program arrives later: the register saw the first one before.
    wb = load_workbook(first)
    ws = wb[g.PROGRAMA]
    row = next(c.row for c in ws[g.PROGRAMA_ID_COL] if c.value == "resultados")
    ws[f"{g.PROGRAMA_INPUT_COL}{row}"] = "Se corrigieron los resultados: se atendió a 3,179 personas."
    newer = first.with_name("00-INM-corregido.xlsx")  # sorts first: the order is the register's, not the name's
    wb.save(newer)
    result = run(tmp_path)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "1 archivo(s) reemplazado(s)" in out and f"{first.name} → {newer.name}" in out
    assert f"{len(subs)} programas" in out
