"""Hostile and broken inputs, and faults: each costs only its own rejection, with a Spanish
message, the documented exit code, originals untouched and nothing partial in output/.

Every workbook is built with the project's writer, then changed with zip/XML surgery.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from compiler import catalogs as cat, feedback, opendata, reader, render, textsafe, validation
from compiler.cli import main
from compiler.model import Finding, Report

import validation_support as vs

PYTHON = sys.executable


# --- helpers -------------------------------------------------------------------------------

def rezip(path: Path, change) -> Path:
    """Rewrite ``path`` with ``change(name, bytes) -> bytes | None`` applied to every member
    (None drops it); ``change`` may also return extra members under the key ``"+"``."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    extra = change("+", b"") or {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            new = change(name, data)
            if new is not None:
                z.writestr(name, new)
        for name, data in extra.items():
            z.writestr(name, data)
    return path


def replace_text(path: Path, old: str, new: str) -> Path:
    def change(name, data):
        if name == "+":
            return None
        return data.replace(old.encode(), new.encode())
    return rezip(path, change)


def digests(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def debris(folder: Path) -> list[Path]:
    """Temporary or partial files a run may leave (our ``.~*`` names, the staging folder)."""
    return [p for p in folder.rglob(".~*")] if folder.exists() else []


def run_cli(*args: str, env_extra: dict | None = None, measure: bool = False, timeout: float = 240):
    """The real console script in a fresh process; with ``measure``, its peak memory in MB too."""
    env = dict(os.environ, COLUMNS="40", **(env_extra or {}))
    cmd = [PYTHON, "-m", "compiler", *args]
    if measure:
        wrapper = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
                   "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
                   "sys.exit(r.returncode)")
        cmd = [PYTHON, "-c", wrapper, *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture
def ed(tmp_path):
    return vs.edition(tmp_path)


def good(ed, name="inm/programa.xlsx", **fields) -> Path:
    return vs.write(ed, vs.clean(**fields), name=name)


# --- zip bombs -------------------------------------------------------------------------

def write_bomb(path: Path, member="xl/worksheets/sheet2.xml", megabytes=120) -> Path:
    """A real template whose input sheet inflates to ``megabytes`` MB (about 0.1 MB on disk)."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name != member:
                z.writestr(name, data)
        with z.open(member, "w", force_zip64=True) as out:
            out.write(members[member].split(b"</sheetData>")[0])
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                out.write(chunk)
            out.write(b"</sheetData></worksheet>")
    return path


def test_a_zip_bomb_among_good_files_costs_only_its_own_rejection_in_bounded_memory(ed):
    good(ed, "inm/uno.xlsx")
    good(ed, "inm/dos.xlsx", nombre_programa="Atención consular a connacionales en retorno")
    bomb = write_bomb(good(ed, "inm/bomba.xlsx", nombre_programa="Otro programa"))
    assert bomb.stat().st_size < 3 * 2**20
    before = digests(ed.paths.submissions)
    r = run_cli("validate", "--edition", "2026", "--raiz", str(ed.paths.root), measure=True)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "Traceback" not in out
    peak_mb = int(re.search(r"MAXRSS (\d+)", r.stderr).group(1)) / 1024
    assert peak_mb < 1024, f"pico de memoria {peak_mb:.0f} MB"
    reports = {Path(f["file"]).name: f for f in __import__("json").loads(
        (ed.paths.output / "validacion.json").read_text(encoding="utf-8"))["files"]}
    assert reports["bomba.xlsx"]["status"] == "rechazado"
    assert reports["bomba.xlsx"]["findings"][0]["code"] == "archivo-demasiado-grande"
    assert "bomba.xlsx" in reports["bomba.xlsx"]["findings"][0]["message"]
    assert reports["uno.xlsx"]["status"] != "rechazado" and reports["dos.xlsx"]["status"] != "rechazado"
    assert digests(ed.paths.submissions) == before
    assert not debris(ed.paths.output)


def test_bomb_limits_are_named_and_checked_before_parsing(ed):
    path = write_bomb(good(ed), megabytes=60)
    with pytest.raises(Exception) as err:
        reader.read(path)
    assert err.value.code == "archivo-demasiado-grande"
    assert f"{reader.MAX_MEMBER_BYTES // 2**20:,} MB" in str(err.value) and "programa.xlsx" in str(err.value)


def test_a_member_longer_than_its_header_says_is_refused_as_damaged(ed):
    path = good(ed)
    # Forge the central directory: the input sheet declares fewer bytes than it inflates to.
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    data = bytearray(path.read_bytes())
    size = info.file_size.to_bytes(4, "little")
    forged = (info.file_size // 4).to_bytes(4, "little")
    for i in [m.start() for m in re.finditer(re.escape(size), bytes(data))]:
        data[i:i + 4] = forged
    path.write_bytes(bytes(data))
    report = validation.validate_file(path, ed, cat.load())
    assert report.status == "rechazado"
    assert {f.code for f in report.findings} <= {"archivo-danado", "archivo-demasiado-grande"}


def forge_declared_size(path: Path, member: str, size: int) -> Path:
    """Make the local and central headers of ``member`` declare ``size`` inflated bytes."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    name = member.encode()
    for m in re.finditer(rb"PK\x01\x02", bytes(data)):
        length = struct.unpack_from("<H", data, m.start() + 28)[0]
        if data[m.start() + 46:m.start() + 46 + length] == name:
            struct.pack_into("<I", data, m.start() + 24, size)
    path.write_bytes(bytes(data))
    return path


def test_a_bomb_whose_headers_declare_a_small_size_is_refused_before_any_parser(ed):
    path = good(ed)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet2.xml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name != sheet:
                z.writestr(name, data)
        with z.open(sheet, "w") as out:
            out.write(members[sheet].split(b"</sheetData>")[0])
            for _ in range(60):
                out.write(b" " * (1 << 20))
            out.write(b"</sheetData></worksheet>")
    forge_declared_size(path, sheet, len(members[sheet]))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(sheet).file_size < 2**20  # the declared sizes and ratio pass
    with pytest.raises(Exception) as err:
        reader.read(path)
    # Refused by the size check, which inflates it (zipfile stops at the declared size, then the CRC
    # fails), not by a parser it was handed to: «una hoja del libro está dañada» would be calamine's.
    assert err.value.code == "archivo-danado"
    assert "no coincide con lo que declara" in str(err.value) and "programa.xlsx" in str(err.value)


def test_xml_entities_billion_laughs_are_refused_in_spanish(ed):
    path = good(ed)
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
           '<!ENTITY lol9 "&lol2;&lol2;">]>')

    def change(name, data):
        if name == "xl/worksheets/sheet2.xml":
            body = data.split(b"?>", 1)[-1]
            return lol.encode() + body.replace(b"<sheetData>", b"<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol9;</t></is></c></row>", 1)
        return None if name == "+" else data
    rezip(path, change)
    report = validation.validate_file(path, ed, cat.load())
    assert report.status == "rechazado"
    message = report.findings[0].message
    assert "programa.xlsx" in message and "entidades XML" in message
    assert "unrecognized" not in message and "entity" not in message


# --- macros -----------------------------------------------------------------------------

def add_macros(path: Path) -> Path:
    return rezip(path, lambda name, data: {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"} if name == "+" else data)


def test_a_workbook_with_macros_is_refused_by_default(ed):
    report = validation.validate_file(add_macros(good(ed)), ed, cat.load())
    assert report.status == "rechazado"
    assert [f.code for f in report.errors] == ["libro-con-macros"]
    assert "macros" in report.errors[0].message


def test_an_xlsm_is_refused_and_an_edition_may_relax_it(tmp_path):
    ed = vs.edition(tmp_path, severities={"libro-con-macros": "advertencia"})
    path = good(ed)
    xlsm = path.rename(path.with_suffix(".xlsm"))
    report = validation.validate_file(xlsm, ed, cat.load())
    assert report.status == "aceptado con observaciones"
    assert "libro-con-macros" in {f.code for f in report.warnings}
    assert ".xlsm" in next(f.message for f in report.findings if f.code == "libro-con-macros")


# --- control characters and every writer ------------------------------------------------------

HOSTILE = [
    *(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32))),
    "\x7f", "\x85", "\x9f", "\ud800", "\udfff", "\ufffe", "\uffff",
    "Texto\x07con campana", "_x0007_ literal", "=HIPERVINCULO(\"http://x\")", "+1", "-1", "@SUMA(A1)",
    "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUMA", "\ufe661+1", "\ufe621", "\ufe631", "\ufe6bSUMA",
    "\t=1+1", "\r=1+1", "😀 🇲🇽 ❤️ 👨‍👩‍👧", "\u202eotxet\u202c", "A" * 280,
    "https://www.gob.mx/" + "segmento/" * 40 + "?q=" + "x" * 120, "<script>alert(1)</script>", "{{ 7*7 }} {% x %}",
    "]]></t><evil/>", "línea\ncon\r\nsaltos", "",
]


def test_control_characters_from_excel_are_dropped_with_a_note_naming_the_cell(ed):
    path = good(ed, descripcion="Módulos de orientación XXCTL en frontera sur, atendidos por el INM.")
    replace_text(path, "XXCTL", "_x0007__x001B_")
    report = validation.validate_file(path, ed, cat.load())
    assert report.accepted
    notes = [f for f in report.findings if f.code == "caracteres-de-control"]
    assert [f.ref for f in notes] == [vs.prog("descripcion")]
    assert "\x07" not in report.submission.value("descripcion")


def test_validate_writes_feedback_and_summary_for_a_file_with_control_characters(ed):
    path = good(ed, nombre_programa="Programa XXCTL de prueba", resultados="n/a XXCTL")
    replace_text(path, "XXCTL", "_x0007_")
    before = digests(ed.paths.submissions)
    result = CliRunner().invoke(main, ["validate", "--edition", "2026", "--raiz", str(ed.paths.root)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (ed.paths.output / "validacion.xlsx").exists() and (ed.paths.output / "validacion.json").exists()
    assert list(ed.paths.feedback.rglob("*.xlsx"))
    assert digests(ed.paths.submissions) == before
    assert not debris(ed.paths.output)


def _report_with(ed, text: str) -> Report:
    path = good(ed)
    sub = reader.read(path)
    finding = Finding("texto-de-relleno", "Programa", vs.prog("descripcion").split("!")[1],
                      f"«{text}» parece texto de relleno", text)
    return Report(path, [finding], sub)


def test_every_writer_survives_every_hostile_string(ed, tmp_path):
    import openpyxl

    reports = [_report_with(ed, s) for s in HOSTILE[:1]]  # one real workbook; the values vary below
    base = reports[0]
    rows = []
    for i, s in enumerate(HOSTILE):
        r = Report(base.path.with_name(f"p{i}.xlsx"), [Finding("texto-de-relleno", "advertencia", "Programa", "C9", f"«{s}» parece texto de relleno", s)],
                   base.submission)
        rows.append(r)
    # validacion.xlsx and .json
    xlsx, js = validation.write_summary(rows, ed)
    wb = openpyxl.load_workbook(xlsx)
    values = [c.value for row in wb["Observaciones"].iter_rows(min_row=2) for c in row]
    assert all(not (isinstance(v, str) and textsafe.CONTROL_CHARS.search(v)) for v in values)
    assert "=HIPERVINCULO(\"http://x\")" in values  # text kept as text, never a formula
    assert all(cell.data_type != "f" for row in wb["Observaciones"].iter_rows() for cell in row)
    # feedback copies
    report = Report(base.path, [f for r in rows for f in r.findings], base.submission)
    out = feedback.write_feedback(report, ed, cat.load())
    assert out is not None and openpyxl.load_workbook(out)
    # open data (CSV and XLSX through the same neutraliser)
    df = pd.DataFrame({"texto": pd.array(HOSTILE, dtype="string")})
    csv = tmp_path / "x.csv"
    opendata._write_csv(opendata.neutralised(df), csv)
    back = pd.read_csv(csv, dtype="string", keep_default_na=False)["texto"].tolist()
    for shown in back:
        assert not shown.startswith(textsafe.FORMULA_STARTS), shown
    opendata.neutralised(df).to_excel(tmp_path / "x.xlsx", index=False)
    # HTML → PDF
    html = render.environment().from_string(
        "<html><body>{% for s in items %}<p>{{ s }}</p>{% endfor %}</body></html>").render(items=HOSTILE)
    assert not textsafe.CONTROL_CHARS.search(html)
    # Every character is one the shipped fonts draw (DejaVu Sans has 😀), or a visible «�»: never a box.
    drawable = textsafe._drawable()
    assert all(ord(ch) < 0x180 or ord(ch) in drawable or ch == textsafe.REPLACEMENT
               or __import__("unicodedata").category(ch) in textsafe._INVISIBLE for ch in html)
    assert "\U0001f1f2" not in html and textsafe.REPLACEMENT in html  # the flag's letters: no font has them
    assert "<script>" not in html
    import weasyprint

    assert weasyprint.HTML(string=html, base_url=render.base_url()).write_pdf()


def test_formula_signs_in_every_form_are_neutralised():
    for s in ("=1", "+1", "-1", "@A", "\uff1d1", "\uff0b1", "\uff0d1", "\uff201", "\ufe661", "\ufe621",
              "\ufe631", "\ufe6b1", "\t=1", "\r=1"):
        assert textsafe.neutralise(s).startswith("'"), repr(s)
    assert textsafe.neutralise("Programa") == "Programa"


# --- settings --------------------------------------------------------------------------------

def _variants(base: str) -> dict[str, tuple[bytes, str]]:
    """name → (file bytes, key or phrase the message must name)."""
    def sub(a, b):
        assert a in base, a
        return base.replace(a, b, 1)

    creditos = re.sub(r"  creditos:\n(?:  - .*\n|    .*\n)+", "  creditos: Coordinación\n", base)
    autoridades = re.sub(r"  autoridades:\n(?:  - .*\n|    .*\n)+", "  autoridades:\n    nombre: Alguien\n", base)
    intro = re.sub(r"  introduccion:\n(?:  - .*\n|    .*\n)+", "  introduccion: Un solo párrafo\n", base)
    v = {
        "lista arriba": ("- edicion: 2026\n- anio: 2026\n", "serie de claves"),
        "texto arriba": ("sólo texto\n", "serie de claves"),
        "YAML roto": (sub("anio: 2026", "anio: [2026"), "YAML"),
        "tabulador": (sub("  desde: ", "\tdesde: "), "YAML"),
        "periodo como texto": (re.sub(r"periodo:\n  desde: .*\n  hasta: .*\n", "periodo: de junio a junio\n", base), "periodo"),
        "30 de febrero": (sub("desde: 2025-06-01", "desde: 2026-02-30"), "periodo.desde"),
        "fecha en palabras": (sub("hasta: 2026-06-30", "hasta: fin de junio"), "periodo.hasta"),
        "periodo invertido": (sub("desde: 2025-06-01", "desde: 2026-12-01"), "periodo"),
        "fecha_limite como texto": (sub("fecha_limite: 2026-08-31", "fecha_limite: agosto"), "fecha_limite"),
        "anio como texto": (sub("anio: 2026", "anio: dos mil veintiséis"), "anio"),
        "anio como lista": (sub("anio: 2026", "anio:\n- 2026"), "anio"),
        "muestra ambigua": (sub("muestra: false", "muestra: quizás"), "muestra"),
        "severidades como lista": (sub("severidades: {}", "severidades:\n- siglas-sin-definir"), "severidades"),
        "código desconocido": (sub("severidades: {}", "severidades:\n  no-existe: nota"), "no-existe"),
        "gravedad desconocida": (sub("severidades: {}", "severidades:\n  sin-retos: grave"), "sin-retos"),
        "código fatal relajado": (sub("severidades: {}", "severidades:\n  no-es-xlsx: nota"), "no-es-xlsx"),
        "contacto como lista": (re.sub(r"contacto:\n(?:  .*\n)+?(?=publicacion)", "contacto:\n- correo\n", base), "contacto"),
        "publicacion como texto": (base.split("publicacion:")[0] + "publicacion: Compendio\nseveridades: {}\n", "publicacion"),
        "31 de abril": (sub("fecha: 2026-12-01", "fecha: 2026-04-31"), "publicacion.fecha"),
        "creditos como texto": (creditos, "publicacion.creditos"),
        "autoridades como sección": (autoridades, "publicacion.autoridades"),
        "introduccion como texto": (intro, "publicacion.introduccion"),
        "marcador desconocido": (sub("{periodo}", "{anio}"), "{anio}"),
        "llave sin pareja": (sub("{periodo}", "{periodo"), "llave"),
        "titulo como número": (sub("  titulo: Compendio General 2026", "  titulo: 2026"), "publicacion.titulo"),
    }
    out = {k: (t.encode("utf-8"), key) for k, (t, key) in v.items()}
    out["bytes que no son UTF-8"] = (base.encode("latin-1"), "UTF-8")
    return out






@pytest.mark.parametrize("command", ["validate", "compile", "templates"])
def test_every_malformed_settings_file_gives_one_spanish_message_and_exit_2(tmp_path, command):
    ed = vs.edition(tmp_path)
    good(ed)
    base = ed.paths.settings.read_text(encoding="utf-8")
    variants = _variants(base)
    assert len(variants) >= 23
    if command != "validate":  # the other commands share the same loader: a sample is enough
        variants = {k: variants[k] for k in ("lista arriba", "30 de febrero", "marcador desconocido")}
    for name, (data, key) in variants.items():
        ed.paths.settings.write_bytes(data)
        result = CliRunner().invoke(main, [command, "--edition", "2026", "--raiz", str(tmp_path)])
        assert result.exit_code == 2, (name, result.output, result.exception)
        assert isinstance(result.exception, SystemExit), (name, result.exception)
        assert "Traceback" not in result.output
        assert "2026.yaml" in result.output and key in result.output, (name, result.output)
        assert "línea" in result.output or name in ("periodo invertido",), (name, result.output)
    assert not (ed.paths.output / "compendio-general-2026.pdf").exists()


# --- disk full, no permission --------------------------------------------------------------

@pytest.mark.parametrize("error,phrase", [
    (OSError(errno.ENOSPC, "No space left on device"), "disco está lleno"),
    (PermissionError(errno.EACCES, "Permission denied"), "no tiene permiso"),
])
def test_disk_full_or_no_permission_gives_one_spanish_message(ed, monkeypatch, error, phrase):
    for i in range(3):
        good(ed, f"inm/p{i}.xlsx", nombre_programa=f"Programa {i} de orientación", resultados="n/a")
    import openpyxl.workbook.workbook as owb

    def full(self, filename):
        Path(filename).write_bytes(b"partial")
        raise error
    monkeypatch.setattr(owb.Workbook, "save", full)
    before = digests(ed.paths.submissions)
    result = CliRunner().invoke(main, ["validate", "--edition", "2026", "--raiz", str(ed.paths.root)])
    assert result.exit_code == 2, result.output
    assert phrase in result.output
    assert "Traceback" not in result.output and "No space" not in result.output and "Permission" not in result.output
    assert result.output.count("Error:") == 1
    assert digests(ed.paths.submissions) == before
    assert not debris(ed.paths.output)


def test_disk_full_in_the_feedback_workers_gives_one_spanish_message(ed, monkeypatch):
    """Ten copies in the forked pool, every worker hits the full disk: one message, no debris."""
    from compiler import intake

    for i in range(10):
        good(ed, f"inm/p{i}.xlsx", nombre_programa=f"Programa {i} de orientación", resultados="n/a")

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(feedback, "atomic_write", full)  # the forked workers inherit the patch
    monkeypatch.setattr(intake, "FEEDBACK_POOL_FROM", 2)
    before = digests(ed.paths.submissions)
    result = CliRunner().invoke(main, ["validate", "--edition", "2026", "--raiz", str(ed.paths.root)])
    assert result.exit_code == 2, result.output
    assert "disco está lleno" in result.output and "No space" not in result.output
    assert "Traceback" not in result.output and result.output.count("Error:") == 1
    assert digests(ed.paths.submissions) == before
    assert not debris(ed.paths.output)


def test_feedback_workers_inherit_the_reports_instead_of_receiving_them(ed, monkeypatch):
    """The pool gets indexes: a report that cannot be pickled still gets its copy."""
    from compiler import intake

    paths = [good(ed, f"inm/p{i}.xlsx", nombre_programa=f"Programa {i} de orientación", resultados="n/a")
             for i in range(9)]
    reports = validation.validate_paths(paths, ed, cat.load())
    assert all(r.findings for r in reports)

    def refuse(self, protocol):
        raise TypeError("a report was pickled")
    monkeypatch.setattr(Report, "__reduce_ex__", refuse)
    monkeypatch.setattr(intake, "FEEDBACK_POOL_FROM", 2)
    written = intake.write_all_feedback(reports, ed, cat.load())
    assert all(p is not None and p.is_file() for p in written)
    assert len(set(written)) == len(paths)


def test_a_read_only_output_folder_is_reported_in_spanish(ed, monkeypatch):
    good(ed)
    import compiler.atomic as atomic

    def refuse(*a, **k):
        raise PermissionError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    result = CliRunner().invoke(main, ["validate", "--edition", "2026", "--raiz", str(ed.paths.root)])
    assert result.exit_code == 2
    assert "sólo lectura" in result.output and "Read-only" not in result.output


def test_system_reasons_are_translated():
    from compiler.errors import system_reason

    for code in (errno.ENOSPC, errno.EACCES, errno.EROFS, errno.ENOENT, errno.EIO):
        text = system_reason(OSError(code, os.strerror(code)))
        assert os.strerror(code) not in text and text


# --- kill -9 during compile ------------------------------------------------------------------

DRIVER = r"""
import os, sys, time
from pathlib import Path
from compiler import compilation

original = compilation._after_compendio

def slow(*args, **kw):
    Path(sys.argv[2]).write_text(str(os.getpid()))
    time.sleep(30)  # the parent is killed meanwhile
    return original(*args, **kw)

compilation.AFTER_COMPENDIO[:] = [slow]
compilation.compile_edition(Path(sys.argv[1]), "2026")
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and fork")
def test_kill_9_during_compile_leaves_no_late_publication_and_the_next_run_cleans(ed, tmp_path):
    good(ed)
    pid_file = tmp_path / "hijo.pid"
    parent = subprocess.Popen([PYTHON, "-c", DRIVER, str(ed.paths.root), str(pid_file)])
    deadline = time.monotonic() + 120
    while not pid_file.exists() and time.monotonic() < deadline and parent.poll() is None:
        time.sleep(0.05)
    assert pid_file.exists(), "the companions never started"
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the Informe/open-data process outlived its parent"
    time.sleep(1)  # the child is gone: nothing can publish any more
    out = ed.paths.output
    assert not (out / "datos").exists() and not list(out.glob("informe-ejecutivo-*.pdf"))
    visible = [p for p in out.rglob("*") if p.is_file() and not any(part.startswith(".~") for part in p.parts)]
    assert visible == [], visible
    from compiler import compilation, settings

    compilation.clean_leftovers(settings.load(ed.paths.root, "2026"))
    assert not debris(out)


def test_compile_publishes_companions_only_with_the_compendio(ed, monkeypatch):
    """A Compendio that fails leaves no Informe or open data of its own (nothing staged is published)."""
    good(ed)
    from compiler import compilation
    from compiler.errors import OutputError

    def broken(*a, **k):
        raise OutputError("No se pudo escribir el Compendio: el disco está lleno; libere espacio e intente de nuevo.")
    monkeypatch.setattr(compilation.render, "write_document", broken)
    monkeypatch.setattr(compilation.render, "render_document", lambda html, **kw: type("D", (), {"pages": [1]})())
    result = CliRunner().invoke(main, ["compile", "--edition", "2026", "--raiz", str(ed.paths.root)])
    assert result.exit_code == 2, result.output
    assert "disco está lleno" in result.output and "UnboundLocalError" not in result.output
    out = ed.paths.output
    assert not (out / "datos").exists() and not list(out.glob("*.pdf"))
    assert not debris(out)


# --- a full compile with hostile text ----------------------------------------------------------

@pytest.mark.slow
def test_compile_with_hostile_text_publishes_everything_readable(ed, tmp_path):
    word = "Personas" + "x" * 272
    url = "https://www.gob.mx/inm/documentos/" + "informe-anual-de-resultados/" * 8 + "anexo.pdf"
    path = good(ed, descripcion="Módulos XXCTL de orientación 😀 en frontera sur, atendidos por el INM (" + url + ").",
                nombre_programa="\uff1dPrograma de orientación en puntos de internación")
    replace_text(path, "XXCTL", "_x0007_")
    replace_text(path, "Personas orientadas", word)
    before = digests(ed.paths.submissions)
    result = CliRunner().invoke(main, ["compile", "--edition", "2026", "--raiz", str(ed.paths.root)])
    assert result.exit_code == 0, result.output
    out = ed.paths.output
    programs = (out / "datos" / "programas.csv").read_text(encoding="utf-8-sig")
    assert "'\uff1dPrograma" in programs and "\x07" not in programs
    for f in (out / "datos").iterdir():
        assert f.stat().st_mode & 0o777 == 0o644 & ~_umask(), f
    assert (out / "informe-ejecutivo-2026.pdf").exists()
    assert digests(ed.paths.submissions) == before
    assert not debris(out)
    text = subprocess.run(["pdftotext", str(out / "compendio-general-2026.pdf"), "-"], capture_output=True,
                          text=True).stdout if _has("pdftotext") else ""
    if text:
        assert "\ufffd" in text  # the emoji no font has is shown as «�»


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _has(tool: str) -> bool:
    import shutil

    return shutil.which(tool) is not None


# --- the console -------------------------------------------------------------------------------

def test_messages_are_never_hard_wrapped_whatever_the_terminal_or_path(tmp_path):
    from compiler import settings

    settings.init(tmp_path, "2026")
    dest = tmp_path / ("carpeta-con-un-nombre-muy-largo-" * 4) / "ficticios"
    args = ["generar", "--edition", "2026", "--raiz", str(tmp_path), "-n", "1", "--destino", str(dest),
            "--generado", "2026-07-15"]
    assert CliRunner().invoke(main, args, env={"COLUMNS": "20"}).exit_code == 0
    result = CliRunner().invoke(main, args, env={"COLUMNS": "20"})
    assert result.exit_code == 2
    assert "ya tiene libros" in result.output
    assert str(dest) in result.output.replace("\n", "") and str(dest) in result.output
