"""What a person reads at 60, 80 and 200 columns, and what a script reads from a pipe or ``--json``.

Every check is on the CLI's real output: no line wider than the terminal, no file name folded over two
lines (a long one is shortened in the middle, start and extension intact), the first error of a
rejected file on its line, every finding in full for a named file, and JSON with validacion.json's shape.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from compiler import console as screen
from compiler.cli import main
from validation_support import REAL, clean, edition, write

LONG = "programa-de-atencion-integral-y-acompanamiento-a-personas-migrantes-en-retorno-voluntario.xlsx"
BOX = re.compile("[\u2500-\u257f]")  # box drawing
ANSI = "\x1b["


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Four files: accepted, accepted with observations, rejected (long name, missing field), not a workbook."""
    root = tmp_path_factory.mktemp("consola")
    ed = edition(root)
    write(ed, clean(), name="inm/orientacion.xlsx")
    write(ed, clean(nombre_programa="Repatriación ordenada de personas mexicanas", retos=[]), name="inm/retos.xlsx")
    write(ed, clean(nombre_programa="Atención integral en retorno", poblacion_objetivo=None), name=f"inm/{LONG}")
    (ed.paths.submissions / "csv-renombrado.xlsx").write_bytes((REAL / "csv-renombrado.xlsx").read_bytes())
    return ed


def run(ed, *args, width=None, monkeypatch=None):
    env = {"COLUMNS": str(width)} if width else {}
    monkeypatch.chdir(ed.paths.root)
    return CliRunner(env=env).invoke(main, [args[0], "--edition", "2026", "--raiz", ".", *args[1:]])


def summary(ed):
    return json.loads((ed.paths.output / "validacion.json").read_text(encoding="utf-8"))


def name_part(line: str) -> str:
    """The name column of a file line: state, two spaces, name, two spaces, message."""
    return line.split("  ")[1].strip() if "  " in line else ""


def assert_whole_or_shortened(shown: str, name: str):
    if shown == name:
        return
    head, sep, tail = shown.partition("…")
    assert sep and name.startswith(head) and name.endswith(tail) and len(head) >= 8 and tail.endswith(".xlsx"), shown


def file_lines(output: str, rows: list[dict]) -> dict[str, str]:
    """Each file's one line, found by the start of its name (which a shortened name keeps)."""
    found = {}
    for row in rows:
        name = row["file"]
        [line] = [ln for ln in output.splitlines() if name_part(ln)[:12] == name[:12]]
        found[name] = line
    return found


@pytest.mark.parametrize("width", [60, 80, 200])
def test_one_line_per_file_fits_the_width_and_says_why(project, width, monkeypatch):
    result = run(project, "validate", "--sin-retroalimentacion", width=width, monkeypatch=monkeypatch)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert max(cell_len(ln) for ln in out.splitlines()) <= width, out
    assert ANSI not in out and not BOX.search(out)  # not a terminal: plain text
    rows = summary(project)["files"]
    lines = file_lines(out, rows)
    assert len(lines) == 4
    for row in rows:
        line = lines[row["file"]]
        assert_whole_or_shortened(name_part(line), row["file"])
        assert line.startswith(screen.LABELS[row["status"]])
        if row["status"] == "rechazado":
            first = next(f for f in row["findings"] if f["severity"] == "error")
            said = line.split("  ")[-1].strip().removesuffix("…")
            # the message itself (the file name it may start with is already on the line), cut at the width
            assert len(said) >= 8 and said.lower() in screen.one_line(first["message"]).lower(), line
    if width == 200:  # room for the whole name and the message
        assert LONG in out and "Población objetivo" in lines[f"inm/{LONG}"]
    else:
        assert LONG not in out
    observed = "aceptado con observaciones" if width >= 80 else "con observaciones"  # one line, never wrapped
    assert f"4 archivos: 1 aceptado, 1 {observed}, 2 rechazados." in out.splitlines()


def test_long_batch_lists_only_what_needs_attention_unless_todos(project, monkeypatch):
    monkeypatch.setattr(screen, "LONG_BATCH", 2)
    short = run(project, "validate", "--sin-retroalimentacion", width=80, monkeypatch=monkeypatch).stdout
    assert "orientacion.xlsx" not in short and "retos.xlsx" in short and "csv-renombrado.xlsx" in short
    assert "No se muestran 1 archivos aceptados sin observaciones; --todos los lista." in " ".join(short.split())
    every = run(project, "validate", "--sin-retroalimentacion", "--todos", width=80, monkeypatch=monkeypatch).stdout
    assert "orientacion.xlsx" in every and "No se muestran" not in every


def test_a_named_file_shows_every_finding_whole_on_one_line(project, monkeypatch):
    path = project.paths.submissions / "inm" / LONG
    result = run(project, "validate", "--sin-retroalimentacion", str(path), width=60, monkeypatch=monkeypatch)
    assert result.exit_code == 1
    [row] = [f for f in summary(project)["files"] if f["file"] == f"inm/{LONG}"]  # the others' rows are kept
    assert len(row["findings"]) >= 1
    out = result.stdout.splitlines()
    for f in row["findings"]:
        [line] = [ln for ln in out if f["code"] in ln]  # the message is never broken over lines
        assert f"{f['sheet']}!{f['cell']}" in line and screen.one_line(f["message"]) in line
        assert line.lstrip().startswith(f["severity"])
    assert_whole_or_shortened(name_part(out[1]), f"inm/{LONG}")


@pytest.mark.parametrize("command", ["validate", "status"])
def test_json_is_the_only_thing_on_stdout_and_has_validacion_json_shape(project, command, monkeypatch):
    run(project, "validate", "--sin-retroalimentacion", monkeypatch=monkeypatch)
    result = run(project, command, "--json", width=60, monkeypatch=monkeypatch)
    assert result.exit_code == (1 if command == "validate" else 0), result.output
    doc = json.loads(result.stdout)  # nothing but the document
    reference = summary(project)
    assert set(reference) <= set(doc) and set(reference["totals"]) <= set(doc["totals"])
    assert doc["edition"] == "2026" and doc["totals"]["files"] == 4 and doc["totals"]["rejected"] == 2
    common = set(reference["files"][0]) - {"findings"}
    assert all(common <= set(f) for f in doc["files"])
    if command == "validate":
        assert doc == reference
    else:
        by_file = {f["file"]: f for f in doc["files"]}
        assert by_file[f"inm/{LONG}"]["codes"] == ["campo-obligatorio"]
        assert any(b["acronym"] == "INM" and b["rejected"] == 1 for b in doc["bodies"])


def test_compile_json_with_nothing_accepted_lists_the_rejected(tmp_path, monkeypatch):
    ed = edition(tmp_path)
    write(ed, clean(poblacion_objetivo=None), name="inm/malo.xlsx")
    result = run(ed, "compile", "--json", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["totals"]["rejected"] == 1 and doc["files"][0]["file"] == "inm/malo.xlsx"
    assert doc["compendio"]["pdf"] is None and doc["files"][0]["findings"][0]["code"] == "campo-obligatorio"


def test_status_board_fits_80_columns(project, monkeypatch):
    run(project, "validate", "--sin-retroalimentacion", monkeypatch=monkeypatch)
    out = run(project, "status", width=80, monkeypatch=monkeypatch).stdout
    lines = out.splitlines()
    board = lines[:next(i for i, ln in enumerate(lines) if "Falta: sin respuesta" in ln) + 1]  # table and caption
    assert len(board) > 5 and max(cell_len(ln) for ln in board) <= 80
    assert not BOX.search(out)
    total = next(ln for ln in out.splitlines() if ln.startswith("Total general"))
    assert total.split()[-5:-1] == ["4", "1", "1", "2"]


def pipe(ed, *args, columns=None):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run([sys.executable, "-m", "compiler", *args, "--edition", "2026", "--raiz", "."],
                          cwd=ed.paths.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, text=True, timeout=120)


def test_under_a_pipe_plain_80_columns_and_json(project):
    proc = pipe(project, "validate", "--sin-retroalimentacion")
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert ANSI not in out and not BOX.search(out) and "Traceback" not in proc.stderr
    assert max(cell_len(ln) for ln in out.splitlines()) <= 80  # no terminal, no COLUMNS: 80
    for row, line in file_lines(out, summary(project)["files"]).items():
        assert_whole_or_shortened(name_part(line), row)
    proc = pipe(project, "validate", "--sin-retroalimentacion", "--json", columns=60)
    assert json.loads(proc.stdout) == summary(project)


def test_shorten_and_clip_count_cells_not_characters():
    assert screen.shorten("corto.xlsx", 20) == "corto.xlsx"
    cut = screen.shorten("dependencia-con-un-nombre-muy-largo-para-la-terminal.xlsx", 24)
    assert cell_len(cut) == 24 and cut.startswith("dependencia-") and cut.endswith(".xlsx") and "…" in cut
    wide = screen.shorten("報告" * 20 + ".xlsx", 21)
    assert cell_len(wide) <= 21 and wide.endswith("xlsx")
    assert screen.clip("Falta «Población objetivo».", 12) == "Falta «Pobl…"
    assert screen.one_line("dos\nlíneas\t y  espacios") == "dos líneas y espacios"
