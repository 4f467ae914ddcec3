"""The submissions register of an edition: every file ever validated, and which one counts.

Stored as ``output/<ed>/registro.json`` so staff can answer "did we get the
INM's program, which version, when, and was it accepted?" without re-running
anything. One entry per distinct file content (sha256): validating the same
bytes again refreshes its result but is not a new submission.

Which entry counts for a program (``current``) is recomputed from all entries
on every ``record``, so the answer never depends on the order of the runs:

* A program is identified by ``Submission.program_key`` (normalised
  institution + normalised program name). Nothing stamped in the template
  takes part, so two programs filled into copies of one workbook stay apart.
* Of the entries of one program, the one received last (file time, then the
  time it was first seen) is ``vigente``; the earlier ones are kept, marked
  ``sustituido`` and point at the entry that replaced them.
* If the latest entries of a program arrived together (received within
  ``validation.ARRIVED_TOGETHER`` of each other: one e-mail, one copy) nobody
  can tell which one the agency meant: they stay ``vigente``, are marked
  ``duplicado`` and the report of each gets a ``programa-duplicado`` finding.
  The validator applies the same rule within a batch.
* A file replaced in place (same path, new content) supersedes what was at
  that path before, whatever program it holds: the old bytes no longer exist.
* An entry whose file is no longer in the folder (staff removed a wrong or
  duplicate file) is ``retirado``: kept for the record, but it no longer
  counts and supersedes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable

from . import __version__
from .atomic import write_text
from .errors import CompendioError, OutputError
from .files import sha256, shown
from .textsafe import clean
from .model import Report
from .settings import Edition
from .validation import ARRIVED_TOGETHER

VIGENTE = "vigente"
SUSTITUIDO = "sustituido"
RETIRADO = "retirado"
FORMAT_VERSION = 1
DUPLICATE_CODE = "programa-duplicado"


class RegisterError(CompendioError):
    """registro.json exists but cannot be used."""


@dataclass
class Entry:
    """One distinct file received (field names are the JSON keys, in Spanish for staff reading the file)."""

    ruta: str  # relative to submissions/<ed>/ (posix), or absolute for files given from elsewhere
    sha256: str
    tamano: int
    recibido: str  # ISO time: the file's modification time when first seen
    visto: str  # ISO time the validator first saw these bytes
    validado: str  # ISO time of the latest validation of these bytes
    estado: str  # aceptado / aceptado con observaciones / rechazado
    version_validador: str
    errores: int = 0
    advertencias: int = 0
    notas: int = 0
    codigos: list[str] = field(default_factory=list)
    institucion: str | None = None  # as written in the workbook
    institucion_id: str | None = None  # registry id (organismos.csv) when known
    sector: str | None = None  # sector key
    programa: str | None = None
    clave_programa: list[str] | None = None  # [normalised institution, normalised program]
    situacion: str = VIGENTE
    sustituido_por: str | None = None  # ruta of the entry that replaced this one
    duplicado: bool = False
    otras_rutas: list[str] = field(default_factory=list)  # same bytes seen under other names
    presente: bool = True  # the file was still in the folder at the latest run

    @property
    def program_key(self) -> tuple[str, str] | None:
        return tuple(self.clave_programa) if self.clave_programa else None  # type: ignore[return-value]

    @property
    def current(self) -> bool:
        return self.situacion == VIGENTE

    def _order(self) -> tuple:
        return self.recibido, self.visto, self.ruta


@dataclass
class Register:
    edition: str
    entries: list[Entry] = field(default_factory=list)

    def by_sha(self) -> dict[str, Entry]:
        return {e.sha256: e for e in self.entries}

    def current(self) -> dict[tuple[str, str], Entry]:
        """The entry that counts for each program (the latest received, not superseded)."""
        out: dict[tuple[str, str], Entry] = {}
        for e in sorted(self.entries, key=Entry._order):
            if e.current and e.program_key:
                out[e.program_key] = e
        return out

    def unidentified(self) -> list[Entry]:
        """Current entries that name no program (unreadable files, blank names)."""
        return [e for e in self.entries if e.current and not e.program_key]

    def to_json(self) -> dict[str, Any]:
        return {"formato": FORMAT_VERSION, "edicion": self.edition,
                "entradas": [asdict(e) for e in sorted(self.entries, key=Entry._order)]}


def _iso(t: dt.datetime) -> str:
    return t.replace(microsecond=0).isoformat()


def _program_key(report: Report) -> list[str] | None:
    """The program's identity, or None when the file does not name one (never matched to another)."""
    if report.submission is None:
        return None
    inst, prog = report.submission.program_key
    return [inst, prog] if inst and prog else None


def _relative(path: Path, edition: Edition) -> str:
    return shown(path, edition.paths.submissions, absolute_outside=True)


def _where(ruta: str, edition: Edition) -> Path:
    """The file an entry's ``ruta`` names (relative to submissions/<ed>/ unless absolute)."""
    path = Path(ruta)
    return path if path.is_absolute() else edition.paths.submissions / path


def path_of(edition: Edition) -> Path:
    return edition.paths.register


def load(edition: Edition) -> Register:
    """The edition's register; an empty one if nothing has been validated yet."""
    path = path_of(edition)
    if not path.exists():
        return Register(edition.key)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(Entry)}
        entries = [Entry(**{k: v for k, v in e.items() if k in known}) for e in raw["entradas"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegisterError(
            f"El registro de envíos {path} está dañado ({type(exc).__name__}) y no se modificó. "
            "Restáurelo de una copia de respaldo; si no tiene una, cámbiele el nombre y vuelva a validar "
            "(se reconstruye con los archivos presentes, pero se pierde la historia de sustituciones).") from None
    return Register(str(raw.get("edicion") or edition.key), entries)


def exists(edition: Edition) -> bool:
    return path_of(edition).exists()


def current(edition: Edition) -> dict[tuple[str, str], Entry]:
    """The latest non-superseded entry per program_key."""
    return load(edition).current()


def _digest(report: Report, edition: Edition) -> str:
    if report.submission is not None:
        return report.submission.sha256
    return sha256(report.path) or "sin-contenido:" + _relative(Path(report.path), edition)


def _describe(report: Report, edition: Edition, catalogs, now: dt.datetime, digest: str,
              previous: Entry | None, body_by_name=None) -> Entry:
    path = Path(report.path)
    sub = report.submission
    try:
        st = path.stat()
        size, mtime = st.st_size, dt.datetime.fromtimestamp(st.st_mtime)
    except OSError:
        size, mtime = 0, now
    institution = sub.value("institucion") if sub else None
    program = sub.value("nombre_programa") if sub else None
    body_id = sector = None
    if sub is not None and catalogs is not None:
        body = ((body_by_name or catalogs.body_by_name)(str(institution)) if institution else None) or \
            (catalogs.body(sub.stamp.institution_id) if sub.stamp.institution_id else None)
        if body is not None:
            body_id, sector = body.id, body.sector
        else:
            named = catalogs.sector_by_name(str(sub.value("sector") or ""))
            sector = named.key if named else None
    n_err, n_warn = len(report.errors), len(report.warnings)
    entry = Entry(
        ruta=_relative(path, edition), sha256=digest, tamano=size,
        recibido=previous.recibido if previous else _iso(mtime),
        visto=previous.visto if previous else _iso(now),
        validado=_iso(now), estado=report.status, version_validador=__version__,
        errores=n_err, advertencias=n_warn, notas=len(report.findings) - n_err - n_warn,
        codigos=sorted({f.code for f in report.findings}),
        institucion=str(institution) if institution is not None else None,
        institucion_id=body_id, sector=sector,
        programa=str(program) if program is not None else None,
        clave_programa=_program_key(report),
    )
    if previous is not None:
        others = set(previous.otras_rutas) | {previous.ruta}
        entry.otras_rutas = sorted(others - {entry.ruta})
    return entry


def resolve(entries: Iterable[Entry]) -> None:
    """Recompute ``situacion``, ``sustituido_por`` and ``duplicado`` from scratch."""
    entries = list(entries)
    for e in entries:
        e.situacion, e.sustituido_por, e.duplicado = (VIGENTE if e.presente else RETIRADO), None, False
    by_path: dict[str, list[Entry]] = {}
    for e in entries:
        by_path.setdefault(e.ruta, []).append(e)
    for group in by_path.values():
        # In place: the content seen last is what the folder holds now.
        group.sort(key=lambda e: (e.visto, e.recibido))
        for old in group[:-1]:
            if old.current:
                old.situacion, old.sustituido_por = SUSTITUIDO, group[-1].ruta
    by_program: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        if e.current and e.program_key:
            by_program.setdefault(e.program_key, []).append(e)
    for group in by_program.values():
        group.sort(key=Entry._order)
        latest = group[-1]
        arrived = dt.datetime.fromisoformat(latest.recibido)
        tied = [e for e in group if arrived - dt.datetime.fromisoformat(e.recibido) <= ARRIVED_TOGETHER]
        if len(tied) > 1:
            for e in tied:
                e.duplicado = True
        for old in group[: len(group) - len(tied)]:
            old.situacion, old.sustituido_por = SUSTITUIDO, latest.ruta


def record(edition: Edition, reports: Iterable[Report], catalogs=None, now: dt.datetime | None = None) -> Register:
    """Add this run's reports to the edition's register and save it (atomically).

    Reports whose program arrived twice together (see ``resolve``) get a
    ``programa-duplicado`` finding unless the validator already gave them one
    (it does within a batch; the register also sees earlier runs), so the
    feedback and the summary show it: call this before writing them.
    """
    now = now or dt.datetime.now()
    reports = list(reports)
    register = load(edition)
    known = register.by_sha()
    this_run: dict[str, Report] = {}
    # The registry look-up scans every body; a season repeats the same few names hundreds of times.
    body_by_name = catalogs.body_by_name if catalogs is not None else None
    for report in reports:
        digest = _digest(report, edition)
        previous = known.get(digest)
        entry = _describe(report, edition, catalogs, now, digest, previous, body_by_name)
        if previous is not None:
            register.entries.remove(previous)
        register.entries.append(entry)
        known[entry.sha256] = entry
        this_run[entry.sha256] = report
    for e in register.entries:
        e.presente = e.sha256 in this_run or any(_where(r, edition).is_file() for r in (e.ruta, *e.otras_rutas))
    resolve(register.entries)
    _flag_duplicates(register, this_run, edition)
    save(register, edition)
    return register


def _flag_duplicates(register: Register, this_run: dict[str, Report], edition: Edition) -> None:
    from .findings import FindingFactory

    groups: dict[tuple[str, str], list[Entry]] = {}
    for e in register.entries:
        if e.duplicado and e.program_key:
            groups.setdefault(e.program_key, []).append(e)
    make = None
    for group in groups.values():
        for e in group:
            report = this_run.get(e.sha256)
            if report is None or any(f.code == DUPLICATE_CODE for f in report.findings):
                continue
            make = make or FindingFactory(edition.severities)
            other = next(o for o in group if o is not e)
            sub = report.submission
            cell = sub.cell("nombre_programa") if sub else None
            report.findings.append(make(
                DUPLICATE_CODE, cell.sheet if cell else None, cell.address if cell else None, e.programa,
                institucion=e.institucion or "", programa=e.programa or "", otro=other.ruta,
                detalle=", recibido al mismo tiempo, así que no se sabe cuál de los dos vale"))
            e.codigos = sorted(set(e.codigos) | {DUPLICATE_CODE})
            e.estado = report.status
            e.errores, e.advertencias = len(report.errors), len(report.warnings)
            e.notas = len(report.findings) - e.errores - e.advertencias


def save(register: Register, edition: Edition) -> Path:
    path = path_of(edition)
    try:
        return write_text(path, clean(json.dumps(register.to_json(), ensure_ascii=False, indent=1)))
    except OutputError as exc:  # atomic writes report the system's reason in strerror
        raise OutputError(f"No se pudo escribir el registro de envíos {path} ({getattr(exc, 'strerror', None) or exc}).") from None
