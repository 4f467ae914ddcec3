"""The submissions register of an edition: every file received, and which one counts.

Stored as ``output/<ed>/registro.json`` so staff can answer "did we get the
INM's program, which version, when, and was it accepted?" without re-running
anything. One entry per distinct file content (sha256): the same bytes again
(another name, a second copy) are the same submission.

Reception is recorded, never inferred: ``recibido`` is the time the intake
stage was told (an e-mail's ``Date``, a web upload's time) or the moment the
register first saw the bytes; ``orden`` is the order in which entries joined
the register. A file's modification time plays no part, so copying, touching
or moving the folder changes nothing.

**The rule** (``resolve``, the only place it lives), recomputed from all
entries on every write so it never depends on the order of the runs:

* A program's identity is ``program_identity``: the institution, normalised
  through the registry (acronym, full name or alias are one body) + the
  normalised program name + the main objective. The same program filed under
  several objectives is several programs, each published under its objective.
* Of the entries of one identity, the latest by register order (``recibido``,
  then ``orden``) is ``vigente``; the earlier ones are ``sustituido`` and point
  at it. Entries received at the same time (one e-mail, one copy) are ordered
  by ``orden`` and the winner is marked ``duplicado`` so staff can check; no
  side is ever rejected for it.
* A file replaced in place (same path, new content) supersedes what was at
  that path before, whatever program it holds: the old bytes no longer exist.
* An entry whose file is no longer in the folder is ``retirado``: kept for
  the record, but it no longer counts and supersedes nothing.

Writes are safe under concurrency: ``locked`` takes a file lock (filelock)
and every writer re-reads, merges and writes inside it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable, Iterator

from filelock import FileLock, Timeout

from . import __version__
from .atomic import write_text
from .errors import CompendioError, OutputError, system_reason
from .files import sha256, shown
from .textsafe import clean
from .model import Report, Submission, normalise
from .settings import Edition

VIGENTE = "vigente"
SUSTITUIDO = "sustituido"
RETIRADO = "retirado"
FORMAT_VERSION = 2
DUPLICATE_CODE = "programa-duplicado"
#: How long a run waits for another run to finish writing the register.
LOCK_TIMEOUT = 120


class RegisterError(CompendioError):
    """registro.json exists but cannot be used."""


@dataclass
class Entry:
    """One distinct file received (field names are the JSON keys, in Spanish for staff reading the file)."""

    ruta: str  # relative to submissions/<ed>/ (posix), or absolute for files given from elsewhere
    sha256: str
    tamano: int
    recibido: str  # ISO time of reception: as recorded by «recibir», else when the register first saw the bytes
    visto: str  # ISO time the register first saw these bytes
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
    clave_programa: list[str] | None = None  # [institution key, normalised program, main objective]
    situacion: str = VIGENTE
    sustituido_por: str | None = None  # ruta of the entry that replaced this one
    duplicado: bool = False
    otras_rutas: list[str] = field(default_factory=list)  # same bytes seen under other names
    presente: bool = True  # the file was still in the folder at the latest run
    orden: int = 0  # position in which the entry joined the register (0: registers written before it existed)
    origen: str = "carpeta"  # carpeta (found in submissions/), archivo, correo, portal
    remitente: str | None = None  # the e-mail's From, or who uploaded it
    nombre_original: str | None = None  # the attachment's or upload's own file name
    mensaje: str | None = None  # the e-mail's subject, when it came by e-mail
    acuse: str | None = None  # the receipt written for it (relative to output/<ed>/)

    @property
    def program_key(self) -> tuple[str, ...] | None:
        return tuple(self.clave_programa) if self.clave_programa else None

    @property
    def current(self) -> bool:
        return self.situacion == VIGENTE

    def _order(self) -> tuple:
        return self.recibido, self.orden, self.visto, self.ruta


@dataclass
class Register:
    edition: str
    entries: list[Entry] = field(default_factory=list)

    def by_sha(self) -> dict[str, Entry]:
        return {e.sha256: e for e in self.entries}

    def current(self) -> dict[tuple[str, ...], Entry]:
        """The entry that counts for each program (the latest received, not superseded)."""
        out: dict[tuple[str, ...], Entry] = {}
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


def institution_key(sub: Submission, catalogs=None, body_by_name=None) -> str:
    """The body a file names, as one key whether it wrote the acronym, the full name or an alias.

    Bodies in the registry become ``id:<id>``; others their normalised name.
    Only what the agency wrote counts (never the template's stamp).
    """
    name = str(sub.value("institucion") or "")
    if catalogs is not None:
        find = body_by_name or catalogs.body_by_name
        for written in (name, str(sub.value("siglas") or "")):
            body = find(written) if written else None
            if body is not None:
                return "id:" + body.id
    return normalise(name)


def program_identity(sub: Submission | None, catalogs=None, body_by_name=None) -> list[str] | None:
    """[institution, normalised program name, main objective], or None when the file names no program."""
    if sub is None:
        return None
    inst = institution_key(sub, catalogs, body_by_name)
    prog = normalise(sub.value("nombre_programa") or "")
    if not inst or not prog:
        return None
    raw = sub.value("objetivo_principal")
    objective = catalogs.objective_by_label(raw) if catalogs is not None else None
    return [inst, prog, str(objective.number) if objective else normalise(str(raw or ""))]


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


def current(edition: Edition) -> dict[tuple[str, ...], Entry]:
    """The latest non-superseded entry per program_key."""
    return load(edition).current()


def _digest(report: Report, edition: Edition) -> str:
    if report.submission is not None:
        return report.submission.sha256
    return sha256(report.path) or "sin-contenido:" + _relative(Path(report.path), edition)


@dataclass(frozen=True)
class Reception:
    """What the intake stage was told about how a file arrived (``recibir``, a web upload)."""

    received: dt.datetime
    source: str = "archivo"  # archivo, correo, portal
    sender: str | None = None
    original_name: str | None = None
    subject: str | None = None
    acuse: str | None = None


def describe(report: Report, edition: Edition, catalogs, now: dt.datetime, digest: str,
             previous: Entry | None, body_by_name=None, reception: Reception | None = None,
             size: int | None = None) -> Entry:
    """The register entry for one validated file (a new one, or ``previous`` refreshed)."""
    path = Path(report.path)
    sub = report.submission
    if size is None:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
    institution = sub.value("institucion") if sub else None
    program = sub.value("nombre_programa") if sub else None
    body_id = sector = None
    if sub is not None and catalogs is not None:
        find = body_by_name or catalogs.body_by_name
        body = (find(str(institution)) if institution else None) or \
            (find(str(sub.value("siglas"))) if sub.value("siglas") else None) or \
            (catalogs.body(sub.stamp.institution_id) if sub.stamp.institution_id else None)
        if body is not None:
            body_id, sector = body.id, body.sector
        else:
            named = catalogs.sector_by_name(str(sub.value("sector") or ""))
            sector = named.key if named else None
    n_err, n_warn = len(report.errors), len(report.warnings)
    received = reception.received if reception else now
    entry = Entry(
        ruta=_relative(path, edition), sha256=digest, tamano=size,
        recibido=previous.recibido if previous else _iso(received),
        visto=previous.visto if previous else _iso(now),
        validado=_iso(now), estado=report.status, version_validador=__version__,
        errores=n_err, advertencias=n_warn, notas=len(report.findings) - n_err - n_warn,
        codigos=sorted({f.code for f in report.findings}),
        institucion=str(institution) if institution is not None else None,
        institucion_id=body_id, sector=sector,
        programa=str(program) if program is not None else None,
        clave_programa=program_identity(sub, catalogs, body_by_name),
    )
    if previous is not None:
        others = set(previous.otras_rutas) | {previous.ruta}
        entry.otras_rutas = sorted(others - {entry.ruta})
        for name in ("orden", "origen", "remitente", "nombre_original", "mensaje", "acuse"):
            setattr(entry, name, getattr(previous, name))
    elif reception is not None:
        entry.origen, entry.remitente = reception.source, reception.sender
        entry.nombre_original, entry.mensaje, entry.acuse = reception.original_name, reception.subject, reception.acuse
    return entry


def resolve(entries: Iterable[Entry]) -> None:
    """THE superseding rule: recompute ``situacion``, ``sustituido_por`` and ``duplicado`` from scratch."""
    entries = list(entries)
    for e in entries:
        e.situacion, e.sustituido_por, e.duplicado = (VIGENTE if e.presente else RETIRADO), None, False
    by_path: dict[str, list[Entry]] = {}
    for e in entries:
        by_path.setdefault(e.ruta, []).append(e)
    for group in by_path.values():
        # In place: the content seen last is what the folder holds now.
        group.sort(key=lambda e: (e.visto, e.orden))
        for old in group[:-1]:
            if old.current:
                old.situacion, old.sustituido_por = SUSTITUIDO, group[-1].ruta
    by_program: dict[tuple[str, ...], list[Entry]] = {}
    for e in entries:
        if e.current and e.program_key:
            by_program.setdefault(e.program_key, []).append(e)
    for group in by_program.values():
        group.sort(key=Entry._order)
        latest = group[-1]
        for old in group[:-1]:
            old.situacion, old.sustituido_por = SUSTITUIDO, latest.ruta
        # Received at the same moment: the register's order decided; staff may want to check.
        latest.duplicado = len(group) > 1 and group[-2].recibido == latest.recibido


def merge(register: Register, reports: Iterable[Report], edition: Edition, catalogs=None,
          now: dt.datetime | None = None, receptions: dict[str, Reception] | None = None,
          sizes: dict[str, int] | None = None) -> dict[str, Entry]:
    """Add this run's reports to ``register`` (in memory) and resolve it; sha256 → entry of this run.

    New entries get the next ``orden`` in the order of ``reports``; known bytes
    keep their reception time, order and origin.
    """
    now = now or dt.datetime.now()
    receptions = receptions or {}
    known = register.by_sha()
    this_run: dict[str, Entry] = {}
    next_order = max((e.orden for e in register.entries), default=0) + 1
    body_by_name = catalogs.body_by_name if catalogs is not None else None
    for report in reports:
        digest = _digest(report, edition)
        previous = known.get(digest)
        entry = describe(report, edition, catalogs, now, digest, previous, body_by_name, receptions.get(digest),
                         (sizes or {}).get(digest))
        if previous is not None:
            register.entries.remove(previous)
        else:
            entry.orden, next_order = next_order, next_order + 1
        register.entries.append(entry)
        known[entry.sha256] = entry
        this_run[entry.sha256] = entry
    for e in register.entries:
        e.presente = e.sha256 in this_run or any(_where(r, edition).is_file() for r in (e.ruta, *e.otras_rutas))
    resolve(register.entries)
    return this_run


@contextlib.contextmanager
def locked(edition: Edition) -> Iterator[None]:
    """Hold the register's lock: concurrent runs take turns to read, merge and write it."""
    path = path_of(edition)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path.with_name(path.name + ".lock")), timeout=LOCK_TIMEOUT)
        with lock:
            yield
    except Timeout:
        raise RegisterError(f"Otro proceso lleva más de {LOCK_TIMEOUT} s escribiendo el registro de envíos {path}. "
                            "Espere a que termine y vuelva a intentarlo.") from None
    except OSError as exc:
        raise OutputError(f"No se pudo bloquear el registro de envíos {path} ({system_reason(exc)}).") from None


def record(edition: Edition, reports: Iterable[Report], catalogs=None, now: dt.datetime | None = None,
           receptions: dict[str, Reception] | None = None) -> Register:
    """Add reports to the edition's register and save it: locked read-merge-write, atomic.

    The reports are not changed; the findings that follow from the register
    (which file counts) are made by the intake stage (``compiler.intake``).
    """
    reports = list(reports)
    with locked(edition):
        register = load(edition)
        merge(register, reports, edition, catalogs, now, receptions)
        save(register, edition)
    return register


def save(register: Register, edition: Edition) -> Path:
    path = path_of(edition)
    try:
        return write_text(path, clean(json.dumps(register.to_json(), ensure_ascii=False, indent=1)))
    except OutputError as exc:  # atomic writes report the system's reason in strerror
        raise OutputError(f"No se pudo escribir el registro de envíos {path} ({getattr(exc, 'strerror', None) or exc}).") from None
