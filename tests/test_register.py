"""The submissions register: what was received, which version counts, and what was superseded."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from compiler import atomic, reader, register, template
from compiler.errors import CompendioError, OutputError
from compiler.model import Finding, Report

T0 = dt.datetime(2026, 8, 1, 10, 0, 0)


def send(edition, cats, rel, program, received: dt.datetime, institution="Instituto Nacional de Migración",
         results="Se orientó a 3,179 personas.") -> Path:
    """Write a filled workbook with the project's writer and set its arrival time."""
    body = cats.body_by_name(institution)
    wb = template.build_workbook(edition, cats, body)
    template.fill(wb, template.ProgramData(fields={"institucion": institution, "nombre_programa": program,
                                                   "resultados": results}))
    path = template.save(wb, edition.paths.submissions / rel)
    os.utime(path, (received.timestamp(), received.timestamp()))
    return path


def validated(*paths, findings=None) -> list[Report]:
    return [Report(p, list((findings or {}).get(p, [])), reader.read(p)) for p in paths]


def test_first_run_records_every_file(edition, cats):
    a = send(edition, cats, "inm/a.xlsx", "Orientación a migrantes", T0)
    b = send(edition, cats, "inm/b.xlsx", "Repatriación digna", T0 + dt.timedelta(hours=1))
    warn = Finding("sin-retos", "advertencia", "Programa", "C28", "No se informó ningún reto.")
    reg = register.record(edition, validated(a, b, findings={b: [warn]}), cats, now=T0 + dt.timedelta(days=1))

    assert edition.paths.register.exists()
    back = register.load(edition)
    assert [e.ruta for e in back.entries] == ["inm/a.xlsx", "inm/b.xlsx"] == [e.ruta for e in reg.entries]
    a_entry, b_entry = back.entries
    assert a_entry.sha256 == reader.read(a).sha256 and a_entry.tamano == a.stat().st_size
    # Reception is when the register first saw the bytes, never the file's modification time.
    assert a_entry.recibido == "2026-08-02T10:00:00" == a_entry.visto and a_entry.orden == 1 and b_entry.orden == 2
    assert a_entry.institucion == "Instituto Nacional de Migración" and a_entry.institucion_id == "inm"
    assert a_entry.sector == "apf" and a_entry.programa == "Orientación a migrantes"
    assert a_entry.estado == "aceptado" and b_entry.estado == "aceptado con observaciones"
    assert (b_entry.errores, b_entry.advertencias, b_entry.codigos) == (0, 1, ["sin-retos"])
    assert a_entry.version_validador
    assert set(register.current(edition)) == {("id:inm", "orientacion a migrantes", ""),
                                              ("id:inm", "repatriacion digna", "")}


def test_resubmission_supersedes_and_keeps_the_earlier(edition, cats):
    first = send(edition, cats, "inm/orientacion.xlsx", "Orientación a migrantes", T0)
    register.record(edition, validated(first), cats, now=T0)
    # Ten days later a corrected file arrives under another name; the program name differs only in accents/case.
    second = send(edition, cats, "inm/orientacion-corregido.xlsx", "ORIENTACION a migrantes", T0 + dt.timedelta(days=10),
                  results="Se orientó a 3,180 personas.")
    reg = register.record(edition, validated(first, second), cats, now=T0 + dt.timedelta(days=10))

    old, new = (next(e for e in reg.entries if e.ruta == r) for r in ("inm/orientacion.xlsx", "inm/orientacion-corregido.xlsx"))
    assert old.situacion == "sustituido" and old.sustituido_por == "inm/orientacion-corregido.xlsx"
    assert new.situacion == "vigente" and not new.duplicado
    assert list(register.current(edition).values())[0].ruta == "inm/orientacion-corregido.xlsx"
    assert len(register.load(edition).entries) == 2  # the superseded one is kept


def test_identical_rerun_is_not_a_new_submission(edition, cats):
    a = send(edition, cats, "inm/a.xlsx", "Orientación a migrantes", T0)
    register.record(edition, validated(a), cats, now=T0)
    before = register.load(edition).entries[0]
    # Same bytes validated again later (even copied under a new name): one entry, first sighting kept.
    copy = edition.paths.submissions / "inm" / "copia de a.xlsx"
    copy.write_bytes(a.read_bytes())
    reg = register.record(edition, validated(a), cats, now=T0 + dt.timedelta(days=3))
    reg = register.record(edition, validated(copy), cats, now=T0 + dt.timedelta(days=4))
    assert len(reg.entries) == 1
    entry = reg.entries[0]
    assert (entry.recibido, entry.visto) == (before.recibido, before.visto)
    assert entry.validado == "2026-08-05T10:00:00" and entry.situacion == "vigente"
    assert entry.otras_rutas == ["inm/a.xlsx"]


def test_two_programs_in_copies_of_one_template_stay_apart(edition, cats):
    """One template copied twice and filled with two programs: same stamp, different programs."""
    body = cats.body_by_name("Instituto Nacional de Migración")
    paths = []
    for i, program in enumerate(("Orientación a migrantes", "Repatriación digna")):
        wb = template.build_workbook(edition, cats, body)
        template.fill(wb, template.ProgramData(fields={"nombre_programa": program}))
        path = template.save(wb, edition.paths.submissions / "inm" / f"copia{i}.xlsx")
        os.utime(path, (T0.timestamp(), T0.timestamp()))  # same arrival time too
        paths.append(path)
    stamps = {reader.read(p).stamp for p in paths}
    assert len(stamps) == 1
    reg = register.record(edition, validated(*paths), cats, now=T0)
    assert all(e.situacion == "vigente" and not e.duplicado for e in reg.entries)
    assert len(register.current(edition)) == 2


def test_same_program_arriving_together_keeps_the_register_order(edition, cats):
    """Two files of one program in one run: the later in the register's order counts; none is rejected."""
    a = send(edition, cats, "inm/a.xlsx", "Orientación a migrantes", T0, results="Versión A.")
    b = send(edition, cats, "inm/b.xlsx", "Orientación a migrantes", T0 + dt.timedelta(minutes=1), results="Versión B.")
    reports = validated(a, b)
    before = [list(r.findings) for r in reports]
    reg = register.record(edition, reports, cats, now=T0)
    by_path = {e.ruta: e for e in reg.entries}
    assert by_path["inm/a.xlsx"].situacion == "sustituido" and by_path["inm/a.xlsx"].sustituido_por == "inm/b.xlsx"
    assert by_path["inm/b.xlsx"].current and by_path["inm/b.xlsx"].duplicado
    assert [r.findings for r in reports] == before  # the register never changes a report


def test_a_later_run_wins_whatever_the_file_times(edition, cats):
    a = send(edition, cats, "inm/a.xlsx", "Orientación a migrantes", T0, results="Versión A.")
    register.record(edition, validated(a), cats, now=T0)
    b = send(edition, cats, "inm/b.xlsx", "Orientación a migrantes", T0 - dt.timedelta(days=30), results="Versión B.")
    os.utime(a, ((T0 + dt.timedelta(days=60)).timestamp(),) * 2)  # touched: changes nothing
    reg = register.record(edition, validated(b, a), cats, now=T0 + dt.timedelta(minutes=5))
    by_path = {e.ruta: e for e in reg.entries}
    assert by_path["inm/a.xlsx"].situacion == "sustituido" and by_path["inm/b.xlsx"].situacion == "vigente"
    assert not by_path["inm/b.xlsx"].duplicado


def test_file_replaced_in_place_supersedes_what_was_there(edition, cats):
    path = edition.paths.submissions / "inm" / "reporte.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 not a workbook")
    os.utime(path, (T0.timestamp(), T0.timestamp()))
    bad = Report(path, [Finding("no-es-xlsx", "error", None, None, "reporte.xlsx: no es un libro de Excel.")])
    reg = register.record(edition, [bad], cats, now=T0)
    assert reg.entries[0].clave_programa is None and reg.entries[0].estado == "rechazado"
    assert len(reg.unidentified()) == 1
    send(edition, cats, "inm/reporte.xlsx", "Orientación a migrantes", T0 + dt.timedelta(days=1))
    reg = register.record(edition, validated(path), cats, now=T0 + dt.timedelta(days=1))
    old = next(e for e in reg.entries if e.clave_programa is None)
    assert old.situacion == "sustituido" and not reg.unidentified()


def test_blank_program_names_never_supersede_each_other(edition, cats):
    a = send(edition, cats, "inm/a.xlsx", "", T0, results="A")
    b = send(edition, cats, "inm/b.xlsx", "", T0 + dt.timedelta(days=1), results="B")
    reg = register.record(edition, validated(a, b), cats, now=T0)
    assert [e.situacion for e in reg.entries] == ["vigente", "vigente"]
    assert len(reg.unidentified()) == 2 and register.current(edition) == {}


def test_register_write_is_atomic(edition, cats, monkeypatch):
    a = send(edition, cats, "inm/a.xlsx", "Orientación a migrantes", T0)
    register.record(edition, validated(a), cats, now=T0)
    before = edition.paths.register.read_bytes()
    b = send(edition, cats, "inm/b.xlsx", "Repatriación digna", T0)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OutputError, match="registro"):
        register.record(edition, validated(a, b), cats, now=T0)
    assert edition.paths.register.read_bytes() == before
    assert sorted(p.name for p in edition.paths.register.parent.iterdir()) == ["registro.json", "registro.json.lock"]


def test_damaged_register_is_reported_not_overwritten(edition, cats):
    edition.paths.register.parent.mkdir(parents=True, exist_ok=True)
    edition.paths.register.write_text("{ esto no es json", encoding="utf-8")
    a = send(edition, cats, "inm/a.xlsx", "Orientación a migrantes", T0)
    with pytest.raises(CompendioError, match="registro.json.*dañado"):
        register.record(edition, validated(a), cats)
    assert edition.paths.register.read_text(encoding="utf-8") == "{ esto no es json"


def test_register_file_is_readable_json(edition, cats):
    a = send(edition, cats, "inm/a.xlsx", "Orientación a migrantes", T0)
    register.record(edition, validated(a), cats, now=T0)
    data = json.loads(edition.paths.register.read_text(encoding="utf-8"))
    assert data["edicion"] == "2026"
    assert data["entradas"][0]["programa"] == "Orientación a migrantes"  # accents kept, not \\u escapes
    assert "Orientación" in edition.paths.register.read_text(encoding="utf-8")


def test_removed_file_is_withdrawn_and_settles_a_duplicate(edition, cats):
    a = send(edition, cats, "inm/a.xlsx", "Orientación a migrantes", T0, results="Versión A.")
    b = send(edition, cats, "inm/b.xlsx", "Orientación a migrantes", T0, results="Versión B.")
    register.record(edition, validated(a, b), cats, now=T0)
    # Staff keep A and take B out of the folder, then validate again.
    b.unlink()
    reports = validated(a)
    reg = register.record(edition, reports, cats, now=T0 + dt.timedelta(hours=1))
    by_path = {e.ruta: e for e in reg.entries}
    assert by_path["inm/b.xlsx"].situacion == "retirado" and not by_path["inm/b.xlsx"].presente
    assert by_path["inm/a.xlsx"].situacion == "vigente" and not by_path["inm/a.xlsx"].duplicado
    assert [e.ruta for e in register.current(edition).values()] == ["inm/a.xlsx"]
    # Validating only some files does not withdraw the others that are still there.
    c = send(edition, cats, "inm/c.xlsx", "Repatriación digna", T0)
    reg = register.record(edition, validated(c), cats, now=T0 + dt.timedelta(hours=2))
    assert {e.ruta: e.situacion for e in reg.entries} == {"inm/a.xlsx": "vigente", "inm/b.xlsx": "retirado",
                                                          "inm/c.xlsx": "vigente"}
