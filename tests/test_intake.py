"""The intake stage as staff live it: receive, check without registering, identity, order, concurrency."""

from __future__ import annotations

import datetime as dt
import email.policy
import json
import multiprocessing
import os
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler import catalogs as cat, intake, publication, reader, register, settings
from compiler.cli import main
from validation_support import clean, write

T0 = dt.datetime(2026, 8, 3, 9, 30)
OBJ = {n: cat.load().objective(n).label for n in range(1, 24)}


@pytest.fixture
def ed(tmp_path):
    settings.init(tmp_path, "2026")
    return settings.load(tmp_path, "2026")


def cli(root, *args):
    return CliRunner().invoke(main, [args[0], "--edition", "2026", "--raiz", str(root), *args[1:]])


def workbook_bytes(ed, tmp_path, name="x.xlsx", **fields) -> bytes:
    """A filled workbook written outside the edition (as an agency's attachment), read back as bytes."""
    from compiler import template

    wb = template.build_workbook(ed, cat.load(), cat.load().body("inm"))
    template.fill(wb, clean(**fields))
    out = template.save(wb, tmp_path / "adjuntos" / name)
    data = out.read_bytes()
    out.unlink()
    return data


def eml(path: Path, attachments: dict[str, bytes], when: dt.datetime, sender="enlace@inm.gob.mx") -> Path:
    msg = EmailMessage()
    msg["From"] = f"Enlace INM <{sender}>"
    msg["To"] = "compendio.pmm@segob.gob.mx"
    msg["Subject"] = "Reportes del Compendio"
    msg["Date"] = email.utils.format_datetime(when.astimezone())
    msg.set_content("Envío los programas.")
    for name, data in attachments.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msg.as_bytes(policy=email.policy.SMTP))
    return path


# --- receiving ---------------------------------------------------------------------------------

def test_an_eml_with_two_attachments_becomes_two_submissions_with_its_date_and_an_acuse_each(ed, tmp_path):
    a = workbook_bytes(ed, tmp_path, nombre_programa="Orientación en puntos de internación")
    b = workbook_bytes(ed, tmp_path, nombre_programa="Repatriación ordenada de personas mexicanas",
                       poblacion_objetivo=None)
    mail = eml(tmp_path / "correo" / "inm.eml", {"orientacion.xlsx": a, "repatriacion.xlsx": b, "oficio.pdf": b"%PDF"},
               T0)
    result = cli(tmp_path, "recibir", str(mail))
    assert result.exit_code == 1, result.output  # the second lacks a required field
    out = " ".join(result.output.split())
    assert "oficio.pdf" in out and "no es un libro" in out
    entries = register.load(ed).entries
    assert len(entries) == 2
    for e, original in zip(sorted(entries, key=lambda e: e.orden), ("orientacion.xlsx", "repatriacion.xlsx")):
        assert e.recibido == "2026-08-03T09:30:00" and e.origen == "correo"
        assert e.remitente == "enlace@inm.gob.mx" and e.nombre_original == original
        stored = ed.paths.submissions / e.ruta
        assert stored.parent.name == "apf" and stored.read_bytes() in (a, b)
        assert e.sha256 == reader.read(stored).sha256
        acuse = ed.paths.output / e.acuse
        text = acuse.read_text(encoding="utf-8")
        assert original in text and "03/08/2026 09:30" in text and e.programa in text
        draft = email.message_from_bytes(acuse.with_suffix(".eml").read_bytes(), policy=email.policy.default)
        assert draft["To"] == "enlace@inm.gob.mx" and "Acuse de recibo" in draft["Subject"]
    rejected = next(e for e in entries if e.nombre_original == "repatriacion.xlsx")
    text = (ed.paths.output / rejected.acuse).read_text(encoding="utf-8")
    assert "rechazado" in text and "observaciones.xlsx" in text and "Programa!" in text


def test_the_same_bytes_twice_are_already_received_and_nothing_is_overwritten(ed, tmp_path):
    data = workbook_bytes(ed, tmp_path)
    first = intake.receive(ed, cat.load(), [intake.Incoming(data, "programa.xlsx", received=T0)], "portal")
    [r] = first.results
    assert r.state == "vigente" and r.acuse is not None and r.entry.origen == "portal"
    again = intake.receive(ed, cat.load(), [intake.Incoming(data, "otro-nombre.xlsx")], "portal",
                           now=T0 + dt.timedelta(days=1))
    [r2] = again.results
    assert r2.state == intake.YA_RECIBIDO and r2.path == r.path and again.stats["ya_recibidos"] == 1
    assert [p.name for p in ed.paths.submissions.rglob("*.xlsx")] == [r.path.name]
    [e] = register.load(ed).entries
    assert e.recibido == T0.isoformat(timespec="seconds")


# --- checking without registering --------------------------------------------------------------

def test_revisar_leaves_the_register_summary_and_board_byte_identical(ed, tmp_path):
    write(ed, clean(), name="inm/programa.xlsx")
    assert cli(tmp_path, "validate").exit_code == 0
    assert cli(tmp_path, "status").exit_code == 0
    watched = [ed.paths.register, ed.paths.output / "validacion.xlsx", ed.paths.output / "validacion.json",
               ed.paths.output / "tablero.xlsx"]
    before = [p.read_bytes() for p in watched]
    outside = tmp_path / "otra" / "libro.xlsx"
    outside.parent.mkdir()
    # The same program, with an error: it must not supersede the accepted one.
    shutil.copy(write(ed, clean(poblacion_objetivo=None), name="tmp.xlsx"), outside)
    (ed.paths.submissions / "tmp.xlsx").unlink()
    result = cli(tmp_path, "revisar", str(outside))
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    assert "campo-obligatorio" in out and "Programa!C" in out and "Nada quedó registrado" in out
    assert [p.read_bytes() for p in watched] == before
    assert (ed.paths.output / "revisiones" / "libro-observaciones.xlsx").is_file()
    assert cli(tmp_path, "status").exit_code == 0
    assert [p.read_bytes() for p in watched[:3]] == before[:3]


def test_validate_refuses_a_file_outside_submissions_and_points_to_recibir_and_revisar(ed, tmp_path):
    outside = tmp_path / "otra" / "libro.xlsx"
    outside.parent.mkdir()
    shutil.move(write(ed, clean(), name="x.xlsx"), outside)
    result = cli(tmp_path, "validate", str(outside))
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "compendio recibir" in out and "compendio revisar" in out and "Traceback" not in out
    assert not ed.paths.register.exists()


# --- order and identity --------------------------------------------------------------------------

def test_files_copied_without_preserving_times_keep_their_recorded_order(ed, tmp_path):
    old = write(ed, clean(resultados="Se orientó a 3,005 personas."), name="inm/original.xlsx")
    intake.validate(ed, cat.load(), now=T0, feedback=False)
    new = write(ed, clean(resultados="Se orientó a 3,105 personas (cifra corregida)."), name="inm/corregido.xlsx")
    intake.validate(ed, cat.load(), now=T0 + dt.timedelta(days=2), feedback=False)
    # A plain copy of the folder elsewhere and back, the original copied last; then it is touched.
    backup = tmp_path / "respaldo"
    shutil.copytree(ed.paths.submissions, backup, copy_function=shutil.copy)
    shutil.rmtree(ed.paths.submissions)
    (ed.paths.submissions / "inm").mkdir(parents=True)
    shutil.copy(backup / "inm" / "corregido.xlsx", new)
    shutil.copy(backup / "inm" / "original.xlsx", old)
    os.utime(old, ((T0 + dt.timedelta(days=30)).timestamp(),) * 2)
    batch = intake.validate(ed, cat.load(), now=T0 + dt.timedelta(days=3), feedback=False)
    by_name = {r.path.name: r for r in batch.results}
    assert by_name["corregido.xlsx"].state == "vigente" and by_name["original.xlsx"].state == "sustituido"
    [note] = [f for f in by_name["original.xlsx"].findings if f.code == "programa-sustituido"]
    assert "inm/corregido.xlsx" in note.message and "Se publica" in note.message
    assert [s.path.name for s in intake.check(ed, cat.load()).accepted()] == ["corregido.xlsx"]


def test_two_files_of_one_program_found_together_are_never_both_rejected(ed):
    a = write(ed, clean(resultados="Versión A: 3,005 personas."), name="inm/a.xlsx")
    b = write(ed, clean(resultados="Versión B: 3,105 personas."), name="inm/b.xlsx")
    batch = intake.validate(ed, cat.load(), now=T0, feedback=False)
    assert batch.valid and [r.state for r in batch.results] == ["sustituido", "vigente"]
    [dup] = [f for f in batch.results[1].findings if f.code == "programa-duplicado"]
    assert dup.severity == "advertencia" and "inm/a.xlsx" in dup.message and "Se publica este archivo" in dup.message
    [sub] = [f for f in batch.results[0].findings if f.code == "programa-sustituido"]
    assert "inm/b.xlsx" in sub.message and "al mismo tiempo" in sub.message
    assert [s.path for s in batch.accepted()] == [b]
    entry = {e.ruta: e for e in register.load(ed).entries}["inm/b.xlsx"]
    assert entry.duplicado and "programa-duplicado" in entry.codigos and entry.estado == "aceptado con observaciones"
    assert a.exists() and b.exists()


def test_two_identical_copies_are_one_submission(ed):
    a = write(ed, clean(), name="inm/a.xlsx")
    (ed.paths.submissions / "copia").mkdir()
    shutil.copy(a, ed.paths.submissions / "copia" / "a.xlsx")
    batch = intake.validate(ed, cat.load(), now=T0, feedback=False)
    assert sorted(r.state for r in batch.results) == ["copia", "vigente"]
    assert not any(f.code.startswith("programa-") for r in batch.results for f in r.findings)
    [e] = register.load(ed).entries
    assert e.otras_rutas and len(batch.accepted()) == 1


def test_a_program_filed_under_three_objectives_is_published_three_times(ed):
    for n, obj in enumerate((3, 7, 16)):
        write(ed, clean(objetivo_principal=OBJ[obj], resultados=f"Resultados del objetivo {obj}: {n + 3},005 personas."),
              name=f"inm/objetivo-{obj}.xlsx")
    batch = intake.validate(ed, cat.load(), now=T0, feedback=False)
    assert [r.state for r in batch.results] == ["vigente"] * 3 and batch.valid
    pub = publication.build(batch.accepted(), ed, cat.load())
    name = clean().fields["nombre_programa"]
    where = [o.number for ch in pub.chapters for o in ch.objectives for p in o.programs if p.name == name]
    assert sorted(where) == [3, 7, 16]


def test_acronym_full_name_and_alias_are_one_body(ed, tmp_path):
    own = tmp_path / "ediciones" / "2026" / "catalogos"
    own.mkdir(parents=True)
    (own / "organismos.csv").write_text("id,nombre,sigla,sector,alias,correos\n"
                                        "inm,,,,Migración México,enlace@inm.gob.mx\n", encoding="utf-8")
    cats = cat.for_edition(ed)
    assert cats.body("inm").name == "Instituto Nacional de Migración" and cats.body("inm").emails == ("enlace@inm.gob.mx",)
    write(ed, clean(institucion="INM", resultados="Primera versión: 3,005 personas."), name="inm/a.xlsx")
    intake.validate(ed, cats, now=T0, feedback=False)
    write(ed, clean(institucion="Instituto Nacional de Migración", resultados="Segunda: 3,105 personas."),
          name="inm/b.xlsx")
    intake.validate(ed, cats, now=T0 + dt.timedelta(hours=1), feedback=False)
    write(ed, clean(institucion="Migración México", resultados="Tercera: 3,205 personas."), name="inm/c.xlsx")
    batch = intake.validate(ed, cats, now=T0 + dt.timedelta(hours=2), feedback=False)
    assert [r.state for r in batch.results] == ["sustituido", "sustituido", "vigente"]


# --- the registry is edition data; reminders -------------------------------------------------------

def test_an_edition_adds_a_body_and_status_writes_reminders_after_the_deadline(ed, tmp_path):
    own = tmp_path / "ediciones" / "2026" / "catalogos"
    own.mkdir(parents=True)
    (own / "organismos.csv").write_text(
        "id,nombre,sigla,sector,dependencia_superior,entidad,correos\n"
        "redsur,Red Ficticia de Albergues del Sureste,REDSUR,osc,,,enlace@redsur.org.mx; direccion@redsur.org.mx\n",
        encoding="utf-8")
    cats = cat.for_edition(ed)
    assert cats.body_by_name("REDSUR").id == "redsur" and len(cats.bodies) == len(cat.load().bodies) + 1
    write(ed, clean(), name="inm/programa.xlsx")
    write(ed, clean(nombre_programa="Programa con error", poblacion_objetivo=None), name="inm/error.xlsx")
    cli(tmp_path, "validate")
    result = cli(tmp_path, "status", "--hoy", "2026-09-15")
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Venció la fecha límite" in out and "REDSUR" in out
    folder = ed.paths.output / "recordatorios"
    listed = (folder / "recordatorios.csv").read_text(encoding="utf-8-sig")
    assert "redsur" in listed and "inm" in listed and "rechazado" in listed
    draft = email.message_from_bytes((folder / "redsur.eml").read_bytes(), policy=email.policy.default)
    assert draft["To"] == "enlace@redsur.org.mx, direccion@redsur.org.mx"
    assert "no hemos recibido" in draft.get_content()
    inm = email.message_from_bytes((folder / "inm.eml").read_bytes(), policy=email.policy.default)
    assert "error.xlsx" in inm.get_content()
    # Before the deadline nothing is written.
    shutil.rmtree(folder)
    assert cli(tmp_path, "status", "--hoy", "2026-08-01").exit_code == 0 and not folder.exists()


def test_generar_stamps_the_edition_it_is_asked_for(ed, tmp_path):
    dest = tmp_path / "sinteticos"
    result = cli(tmp_path, "generar", "-n", "3", "--destino", str(dest))
    assert result.exit_code == 0, result.output
    files = sorted(dest.glob("*.xlsx"))
    assert len(files) == 3 and {reader.read(f).stamp.edition for f in files} == {"2026"}
    assert cli(tmp_path, "recibir", str(dest)).exit_code == 0
    assert not any("edicion-distinta" in e.codigos for e in register.load(ed).entries)


# --- reading once; concurrency ------------------------------------------------------------------

def test_hash_and_content_come_from_the_same_bytes(ed, tmp_path):
    path = write(ed, clean(), name="inm/a.xlsx")
    data = path.read_bytes()
    write(ed, clean(nombre_programa="Otro programa distinto"), name="inm/a.xlsx")  # replaced meanwhile
    sub = reader.read(path, data)
    import hashlib

    assert sub.sha256 == hashlib.sha256(data).hexdigest() and sub.value("nombre_programa") == clean().fields["nombre_programa"]


def _validate_half(root: str, names: list[str]) -> None:
    edition = settings.load(Path(root), "2026")
    files = [edition.paths.submissions / n for n in names]
    intake.validate(edition, cat.load(), files, feedback=False, summary=False)


def test_two_concurrent_runs_keep_every_entry(ed, tmp_path):
    names = []
    for i in range(24):
        write(ed, clean(nombre_programa=f"Programa número {i} de orientación"), name=f"inm/p{i:02d}.xlsx")
        names.append(f"inm/p{i:02d}.xlsx")
    ctx = multiprocessing.get_context("fork")
    runs = [ctx.Process(target=_validate_half, args=(str(tmp_path), names[k::2])) for k in (0, 1)]
    for p in runs:
        p.start()
    for p in runs:
        p.join(120)
        assert p.exitcode == 0
    entries = json.loads(ed.paths.register.read_text(encoding="utf-8"))["entradas"]
    assert sorted(e["ruta"] for e in entries) == names
    assert sorted(e["orden"] for e in entries) == list(range(1, 25))


def test_an_outlook_msg_without_the_extra_is_skipped_with_a_clear_message(ed, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_extract_msg(name, *args, **kwargs):
        if name == "extract_msg":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_extract_msg)
    msg = tmp_path / "correo.msg"
    msg.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    items, skipped, _ = intake.read_sources([msg])
    assert items == [] and skipped == [("correo.msg", skipped[0][1])]
    assert "pip install 'compendio[msg]'" in skipped[0][1] and ".eml" in skipped[0][1]
    result = cli(tmp_path, "recibir", str(msg))
    assert result.exit_code == 2 and "compendio[msg]" in " ".join(result.output.split())
