"""`compendio validate`: exit codes, the batch summary (terminal, xlsx, json) and what it leaves behind."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pytest
from click.testing import CliRunner

from compiler.cli import main
from validation_support import REAL, clean, edition, prog, write


def run(root, *args):
    return CliRunner().invoke(main, ["validate", "--edition", "2026", "--raiz", str(root), *args])


@pytest.fixture
def ed(tmp_path):
    return edition(tmp_path)


def test_all_accepted_exits_0_and_writes_the_summary(ed, tmp_path):
    write(ed, clean(), name="apf/inm/orientacion.xlsx")
    write(ed, clean(nombre_programa="Repatriación ordenada de personas mexicanas", retos=[]), name="apf/inm/b.xlsx")
    result = run(tmp_path)
    assert result.exit_code == 0, result.output
    assert "2 archivos: 1 aceptado, 1 aceptado con observaciones, 0 rechazados" in result.output
    doc = json.loads((ed.paths.output / "validacion.json").read_text(encoding="utf-8"))
    files = {f["file"]: f for f in doc["files"]}
    assert files["apf/inm/orientacion.xlsx"]["status"] == "aceptado"
    [finding] = files["apf/inm/b.xlsx"]["findings"]
    assert finding == {"code": "sin-retos", "severity": "advertencia", "sheet": "Programa",
                       "cell": prog("retos_1").split("!")[1], "value": None, "message": finding["message"]}
    assert doc["totals"] == {"files": 2, "accepted": 1, "accepted_with_observations": 1, "rejected": 0}
    wb = openpyxl.load_workbook(ed.paths.output / "validacion.xlsx")
    rows = list(wb["Resumen"].iter_rows(min_row=3, values_only=True))
    assert sorted(r[0] for r in rows) == ["apf/inm/b.xlsx", "apf/inm/orientacion.xlsx"]
    obs = list(wb["Observaciones"].iter_rows(min_row=2, values_only=True))
    assert [(o[0], o[2], o[4]) for o in obs] == [("apf/inm/b.xlsx", prog("retos_1").split("!")[1], "sin-retos")]


def test_rejected_file_exits_1_gets_feedback_and_stays_untouched(ed, tmp_path):
    bad = write(ed, clean(poblacion_objetivo=None), name="inm/malo.xlsx")
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    result = run(tmp_path)
    assert result.exit_code == 1, result.output
    assert "rechazado" in result.output and "1 rechazado." in result.output
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before
    assert (ed.paths.feedback / "inm" / "malo-observaciones.xlsx").exists()
    assert ed.paths.register.exists()


def test_unreadable_file_is_a_row_not_a_traceback(ed, tmp_path):
    target = ed.paths.submissions / "pdf-renombrado.xlsx"
    target.write_bytes((REAL / "pdf-renombrado.xlsx").read_bytes())
    result = run(tmp_path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    doc = json.loads((ed.paths.output / "validacion.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in doc["files"][0]["findings"]] == ["no-es-xlsx"]


def test_paths_given_validate_only_those(ed, tmp_path):
    one = write(ed, clean(), name="a.xlsx")
    write(ed, clean(poblacion_objetivo=None), name="b.xlsx")
    result = run(tmp_path, str(one), "--sin-retroalimentacion")
    assert result.exit_code == 0, result.output
    doc = json.loads((ed.paths.output / "validacion.json").read_text(encoding="utf-8"))
    assert [f["file"] for f in doc["files"]] == ["a.xlsx"]


def test_no_settings_exits_2_with_the_command_to_fix_it(tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 2
    assert "compendio init --edition 2026" in result.output


def test_no_files_exits_2(ed, tmp_path):
    result = run(tmp_path)
    assert result.exit_code == 2
    assert "No hay libros que validar" in result.output


def test_codes_listing_shows_the_editions_severities(tmp_path):
    edition(tmp_path, severities={"siglas-sin-definir": "nota"})
    result = run(tmp_path, "--codigos")
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if "siglas-sin-definir" in ln)
    assert "nota (cambiada)" in line
    assert "no-es-xlsx *" in result.output


def test_a_path_that_does_not_exist_is_named_in_spanish(ed, tmp_path):
    result = run(tmp_path, str(tmp_path / "no-esta.xlsx"))
    assert result.exit_code == 2
    text = result.output.replace("\n", "")  # rich wraps long paths at the terminal width
    assert "No existe" in text and "no-esta.xlsx" in text


def test_validating_some_files_keeps_the_others_in_the_summary(ed, tmp_path):
    """The summary covers the edition: named files re-checked, the others' rows kept as last checked."""
    a = write(ed, clean(nombre_programa="Orientación a personas migrantes"), name="a.xlsx")
    write(ed, clean(nombre_programa="Repatriación ordenada de personas mexicanas", retos=[]), name="b.xlsx")
    c = write(ed, clean(nombre_programa="Atención a niñas y niños no acompañados", poblacion_objetivo=None),
              name="c.xlsx")
    assert run(tmp_path, "--sin-retroalimentacion").exit_code == 1
    first = {f["file"]: f for f in json.loads((ed.paths.output / "validacion.json").read_text("utf-8"))["files"]}
    # c.xlsx is fixed and re-checked alone; a resend of a.xlsx's program arrives and is checked alone.
    write(ed, clean(nombre_programa="Atención a niñas y niños no acompañados"), name="c.xlsx")
    result = run(tmp_path, str(c), "--sin-retroalimentacion")
    assert result.exit_code == 0, result.output
    doc = json.loads((ed.paths.output / "validacion.json").read_text(encoding="utf-8"))
    files = {f["file"]: f for f in doc["files"]}
    assert [f["file"] for f in doc["files"]] == ["a.xlsx", "b.xlsx", "c.xlsx"]
    assert files["c.xlsx"]["status"] == "aceptado" and first["c.xlsx"]["status"] == "rechazado"
    assert files["a.xlsx"] == first["a.xlsx"] and files["b.xlsx"] == first["b.xlsx"]
    assert doc["totals"] == {"files": 3, "accepted": 2, "accepted_with_observations": 1, "rejected": 0}
    wb = openpyxl.load_workbook(ed.paths.output / "validacion.xlsx")
    assert wb["Resumen"]["A1"].value.startswith("Validación de la edición 2026: 3 archivos")
    assert [r[0] for r in wb["Resumen"].iter_rows(min_row=3, values_only=True)] == ["a.xlsx", "b.xlsx", "c.xlsx"]
    obs = [(o[0], o[4]) for o in wb["Observaciones"].iter_rows(min_row=2, values_only=True)]
    assert ("b.xlsx", "sin-retos") in obs  # a kept row keeps its findings
    # A resend of a.xlsx's program, checked alone: a.xlsx's kept row says what replaced it (the register's word).
    resend = write(ed, clean(nombre_programa="Orientación a personas migrantes", resultados="Se orientó a 1,200 personas."),
                   name="a-corregido.xlsx")
    assert run(tmp_path, str(resend), "--sin-retroalimentacion").exit_code == 0
    files = {f["file"]: f for f in json.loads((ed.paths.output / "validacion.json").read_text("utf-8"))["files"]}
    assert sorted(files) == ["a-corregido.xlsx", "a.xlsx", "b.xlsx", "c.xlsx"]
    assert files["a.xlsx"]["superseded_by"] == "a-corregido.xlsx"
    # A file taken out of the folder leaves the summary at the next run.
    a.unlink()
    assert run(tmp_path, str(resend), "--sin-retroalimentacion").exit_code == 0
    files = {f["file"] for f in json.loads((ed.paths.output / "validacion.json").read_text("utf-8"))["files"]}
    assert files == {"a-corregido.xlsx", "b.xlsx", "c.xlsx"}
