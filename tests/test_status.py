"""`compendio status`: the reception board per sector and institution, in the terminal and in Excel."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from compiler import board, dispatch, reader, register, settings, template
from compiler.cli import main
from compiler.errors import OutputError
from compiler.model import Finding, Report

T0 = dt.datetime(2026, 8, 1, 9, 30)
ERROR = Finding("campo-obligatorio", "error", "Programa", "C18", "Falta la descripción.")
WARNING = Finding("sin-retos", "advertencia", "Programa", "C28", "No se informó ningún reto.")


def send(edition, cats, acronym_or_name, program, when, name=None, results="Primera versión."):
    body = cats.body_by_name(acronym_or_name)
    wb = template.build_workbook(edition, cats, body)
    template.fill(wb, template.ProgramData(fields={"institucion": body.name if body else acronym_or_name,
                                                   "nombre_programa": program, "resultados": results}))
    path = template.save(wb, edition.paths.submissions / (body.id if body else "otros") / (name or f"{program}.xlsx"))
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


@pytest.fixture(scope="module")
def season(tmp_path_factory, cats):
    """The scenario's project folder, built once and copied by each test that needs it."""
    root = tmp_path_factory.mktemp("temporada")
    settings.init(root, "2026")
    build_scenario(settings.load(root, "2026"), cats)
    return root


def scenario(edition, season):
    shutil.copytree(season, edition.paths.root, dirs_exist_ok=True)


def build_scenario(edition, cats):
    """Templates for INM, COMAR and CEAV (two for INM) and Jalisco; a season of submissions."""
    for acronym in ("INM", "COMAR", "CEAV", "Gobierno del Estado de Jalisco"):
        body = cats.body_by_name(acronym)
        template.save(template.build_workbook(edition, cats, body), template.template_path(edition, cats, body))
    inm = cats.body_by_name("INM")
    extra = edition.paths.templates / "apf" / "INM-programa-2.xlsx"  # staff copied it for a second program
    template.save(template.build_workbook(edition, cats, inm), extra)
    template.save(template.build_workbook(edition, cats, None), template.template_path(edition, cats, None))
    dispatch.mark_sent(edition, dispatch.selection(edition, cats)[0], via="correo", when=T0 - dt.timedelta(days=30))

    a = send(edition, cats, "INM", "Orientación a migrantes", T0)
    b = send(edition, cats, "INM", "Repatriación digna", T0)
    c1 = send(edition, cats, "COMAR", "Asistencia a refugiados", T0)
    jal = send(edition, cats, "Gobierno del Estado de Jalisco", "Atención en albergues", T0)
    stranger = send(edition, cats, "Colectivo Frontera Abierta", "Acompañamiento legal", T0)
    junk = edition.paths.submissions / "sin-nombre.xlsx"
    junk.write_bytes(b"no es un libro")
    os.utime(junk, (T0.timestamp(), T0.timestamp()))
    reports = [Report(a, []), Report(b, [WARNING]), Report(c1, [ERROR]), Report(jal, [WARNING]),
               Report(stranger, [WARNING])]
    for r in reports:
        r.submission = reader.read(r.path)
    reports.append(Report(junk, [Finding("no-es-xlsx", "error", None, None, "sin-nombre.xlsx: no es un libro.")]))
    register.record(edition, reports, cats, now=T0)
    # COMAR corrects and resends a week later.
    c2 = send(edition, cats, "COMAR", "Asistencia a refugiados", T0 + dt.timedelta(days=7), name="corregido.xlsx",
              results="Versión corregida.")
    register.record(edition, [Report(c2, [], reader.read(c2))], cats, now=T0 + dt.timedelta(days=7))


def test_board_counts_per_sector_and_institution(edition, cats, season):
    scenario(edition, season)
    b = board.build(edition, cats, register.load(edition))
    assert b.templates_found
    sectors = [g.sector for g in b.groups]
    # Publication order; an unregistered body that left «Sector» blank and an unreadable file come last.
    assert sectors == ["Dependencias de la APF", "Entidades federativas", board.NO_SECTOR, board.UNIDENTIFIED]
    rows = {r.institution: r for g in b.groups for r in g.rows}
    inm = rows["Instituto Nacional de Migración"]
    assert (inm.templates, inm.received, inm.accepted, inm.observed, inm.rejected, inm.missing) == (2, 2, 1, 1, 0, False)
    comar = rows["Comisión Mexicana de Ayuda a Refugiados"]
    assert (comar.received, comar.accepted, comar.rejected, comar.superseded) == (1, 1, 0, 1)
    assert comar.last_received == T0 + dt.timedelta(days=7)
    ceav = rows["Comisión Ejecutiva de Atención a Víctimas"]
    assert (ceav.templates, ceav.received, ceav.missing) == (1, 0, True)
    stranger = rows["Colectivo Frontera Abierta"]
    assert (stranger.templates, stranger.received, stranger.missing) == (0, 1, False)
    junk = next(r for g in b.groups if g.sector == board.UNIDENTIFIED for r in g.rows)
    assert (junk.received, junk.rejected) == (1, 1)
    total = b.total()
    assert (total.templates, total.received, total.accepted, total.observed, total.rejected) == (5, 6, 2, 3, 1)
    assert b.missing == 1
    apf = next(g for g in b.groups if g.sector == "Dependencias de la APF")
    assert (apf.total().received, apf.missing) == (3, 1)


def test_without_templates_every_registered_body_is_expected(edition, cats):
    a = send(edition, cats, "INM", "Orientación a migrantes", T0)
    register.record(edition, [Report(a, [], reader.read(a))], cats, now=T0)
    b = board.build(edition, cats, register.load(edition))
    assert not b.templates_found
    rows = [r for g in b.groups for r in g.rows]
    assert len(rows) == len(cats.bodies)
    assert all(r.templates is None for r in rows)
    assert b.missing == len(cats.bodies) - 1
    assert [g.sector for g in b.groups] == [s.name for s in cats.sectors if any(x.sector == s.key for x in cats.bodies)]


def test_excel_board_round_trips(edition, cats, season):
    scenario(edition, season)
    path = board.write_excel(board.build(edition, cats, register.load(edition)), cats)
    assert path == edition.paths.output / "tablero.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Tablero", "Archivos"]
    ws = wb["Tablero"]
    header = [c.value for c in ws[5]]
    assert header[:3] == ["Sector", "Institución", "Siglas"] and "Sin respuesta" in header
    assert ws.freeze_panes == "C6" and ws.auto_filter.ref.startswith("A5:")
    lines = {r[1]: r for r in ws.iter_rows(min_row=6, values_only=True) if r[1]}
    ceav = dict(zip(header, lines["Comisión Ejecutiva de Atención a Víctimas"]))
    assert (ceav["Plantillas enviadas"], ceav["Recibidos"], ceav["Sin respuesta"]) == (1, 0, "Sí")
    comar = dict(zip(header, lines["Comisión Mexicana de Ayuda a Refugiados"]))
    assert (comar["Aceptados"], comar["Archivos sustituidos"]) == (1, 1)
    assert comar["Último envío"] == T0 + dt.timedelta(days=7)
    grand = dict(zip(header, lines["Total general"]))
    assert (grand["Recibidos"], grand["Rechazados"], grand["Sin respuesta"]) == (6, 1, 1)

    files = wb["Archivos"]
    fh = [c.value for c in files[1]]
    rows = [dict(zip(fh, r)) for r in files.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == len(register.load(edition).entries) == 7
    old = next(r for r in rows if r["Ruta"] == "comar/Asistencia a refugiados.xlsx")
    assert (old["Situación"], old["Sustituido por"], old["Estado"]) == ("sustituido", "comar/corregido.xlsx", "rechazado")
    assert files.freeze_panes == "B2" and files.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(fh))}8"


def test_failed_board_write_leaves_nothing(edition, cats, season, monkeypatch):
    scenario(edition, season)
    b = board.build(edition, cats, register.load(edition))

    def boom(self, filename):
        open(filename, "wb").write(b"PK half")
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OutputError, match="tablero"):
        board.write_excel(b, cats)
    assert not (edition.paths.output / "tablero.xlsx").exists()
    assert not [p for p in edition.paths.output.iterdir() if p.suffix == ".xlsx"]


def test_status_command(edition, cats, season):
    runner = CliRunner()
    root = str(edition.paths.root)
    first = runner.invoke(main, ["status", "--edition", "2026", "--raiz", root])
    assert first.exit_code == 0
    assert "compendio validate --edition 2026" in first.output
    assert not (edition.paths.output / "tablero.xlsx").exists()

    scenario(edition, season)
    result = runner.invoke(main, ["status", "--edition", "2026", "--raiz", root], terminal_width=160)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Dependencias de la APF") < out.index("Entidades federativas")
    ceav_line = next(line for line in out.splitlines() if "CEAV" in line)
    assert ceav_line.rstrip().endswith("Sí")
    total_line = next(line for line in out.splitlines() if "Total general" in line)
    assert total_line.split()[-6:] == ["5", "6", "2", "3", "1", "1"]
    assert (edition.paths.output / "tablero.xlsx").exists()

    bad = runner.invoke(main, ["status", "--edition", "2026", "--raiz", root, "--sector", "federal"])
    assert bad.exit_code == 2 and "apf, estatal" in bad.output and "Traceback" not in bad.output


def test_board_lists_files_not_yet_validated(edition, cats, season):
    scenario(edition, season)
    assert board.build(edition, cats, register.load(edition)).pending == []
    new = send(edition, cats, "CEAV", "Atención psicosocial", T0 + dt.timedelta(days=8))
    changed = edition.paths.submissions / "comar" / "corregido.xlsx"
    later = T0 + dt.timedelta(days=30)
    changed.write_bytes(changed.read_bytes() + b"\0")  # replaced in place by a different file
    os.utime(changed, (later.timestamp(), later.timestamp()))
    b = board.build(edition, cats, register.load(edition))
    assert sorted(p.name for p in b.pending) == ["Atención psicosocial.xlsx", "corregido.xlsx"]
    assert new in b.pending
    result = CliRunner().invoke(main, ["status", "--edition", "2026", "--raiz", str(edition.paths.root)],
                                terminal_width=160)
    assert "2 archivo(s) de submissions/2026/ todavía no se validan" in result.output
    assert "compendio validate --edition 2026" in result.output


def test_files_sheet_links_each_feedback_workbook(edition, cats, season):
    from compiler import feedback

    scenario(edition, season)
    rejected = edition.paths.submissions / "comar" / "Asistencia a refugiados.xlsx"  # superseded: no link
    current = edition.paths.submissions / "inm" / "Repatriación digna.xlsx"
    for path in (rejected, current):
        feedback.write_feedback(Report(path, [WARNING], reader.read(path)), edition, cats)
    path = board.write_excel(board.build(edition, cats, register.load(edition)), cats)
    files = openpyxl.load_workbook(path)["Archivos"]
    head = [c.value for c in files[1]]
    col = head.index("Retroalimentación")
    links = {row[0].value: row[col] for row in files.iter_rows(min_row=2)}
    cell = links["inm/Repatriación digna.xlsx"]
    assert cell.value == "retroalimentacion/inm/Repatriación digna-observaciones.xlsx"
    assert (path.parent / cell.hyperlink.target).exists()
    assert links["comar/Asistencia a refugiados.xlsx"].value is None


def test_board_counts_templates_recorded_as_sent_and_says_so(edition, cats, season):
    scenario(edition, season)
    dispatch.path_of(edition).unlink()
    b = board.build(edition, cats, register.load(edition))
    assert b.basis == dispatch.BASIS_GENERATED and b.total().templates == 5
    ws = openpyxl.load_workbook(board.write_excel(b, cats))["Tablero"]
    assert ws["D5"].value == "Plantillas generadas (sin envío registrado)"
    assert "Ninguna plantilla está registrada como enviada" in ws["A3"].value

    runner = CliRunner()
    for _ in range(2):  # the second time is a reminder: same template, not a second one
        result = runner.invoke(main, ["enviar", "--edition", "2026", "--institucion", "CEAV", "--via", "correo",
                                      "--fecha", "2026-07-01", "--raiz", str(edition.paths.root)])
        assert result.exit_code == 0, result.output
    assert "1 plantilla(s) a 1 institución(es)" in result.output
    assert [(s.via, s.enviado, s.plantilla) for s in dispatch.load(edition)] == [
        ("correo", "2026-07-01T00:00:00", "apf/CEAV.xlsx")] * 2
    b = board.build(edition, cats, register.load(edition))
    rows = {r.acronym: r for g in b.groups for r in g.rows}
    assert b.basis == dispatch.BASIS_SENT and b.total().templates == 1
    assert (rows["CEAV"].templates, rows["CEAV"].missing) == (1, True)
    # INM had templates generated but none recorded as sent: it is not counted as waited for.
    assert "INM" not in rows or (rows["INM"].templates, rows["INM"].missing) == (0, False)
    ws = openpyxl.load_workbook(board.write_excel(b, cats))["Tablero"]
    assert ws["D5"].value == "Plantillas enviadas" and "registradas como enviadas" in ws["A3"].value


def test_enviar_names_an_unknown_institution_and_records_nothing(edition, cats, season):
    scenario(edition, season)
    before = dispatch.load(edition)
    result = CliRunner().invoke(main, ["enviar", "--edition", "2026", "--institucion", "INMM",
                                       "--raiz", str(edition.paths.root)])
    assert result.exit_code == 2 and "INMM" in result.output and "Traceback" not in result.output
    assert dispatch.load(edition) == before


def test_concurrent_marks_lose_no_record(edition, cats):
    from concurrent.futures import ThreadPoolExecutor

    body = cats.body_by_name("INM").id
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: dispatch.mark_sent(edition, [(body, f"copia-{i}.xlsx")], via="portal"), range(24)))
    assert dispatch.sent(edition) == {body: 24}
