"""The intake stage: files received → validated, identified, registered, answered. One stage, one result.

Every way a file reaches the tool goes through here, in this order:

1. **discover**: the workbooks under ``submissions/<ed>/`` (``validate``), the
   files given (``review``), or the bytes handed in (``receive``);
2. **read once**: each file's bytes are read one time; its sha256 and its
   content come from those same bytes (``reader.read(path, data)``);
3. **validate**: ``validation.validate_data`` and the notes across files;
4. **identity and superseding**: ``register.resolve``, the one rule (program =
   institution through the registry + program name + main objective; the
   latest by the register's order counts);
5. **register**: a locked read-merge-write of ``output/<ed>/registro.json``;
6. **feedback**: the marked copy of each file with findings, on every core;
   for received files, an *acuse de recibo* too;
7. **summary**: ``output/<ed>/validacion.xlsx`` and ``validacion.json``.

The result is one immutable ``Batch`` (in the spirit of frictionless's
``Report``): a ``FileResult`` per file (path, state, final findings, register
entry, feedback and acuse paths), ``stats`` and ``valid``. Reports are never
changed after they are made: the findings that follow from the register
(«sustituido», «llegaron juntos») go into a new ``Report``.

API (the CLI and a web upload handler call the same functions)::

    from compiler import intake
    batch = intake.receive(edition, catalogs, [intake.Incoming(data, "libro.xlsx", sender="a@b.mx",
                                                               received=when)], source="portal")
    batch = intake.validate(edition, catalogs)             # what is in submissions/<ed>/
    batch = intake.review(edition, catalogs, [path, ...])  # anywhere; never touches the register
    batch = intake.check(edition, catalogs)                # compile: read-only, writes nothing

``receive`` copies each new workbook into ``submissions/<ed>/<sector>/`` under
a stable, unique name (never overwriting), records its reception (time,
sender, original name, origin) and writes its acuse; the same bytes twice are
reported as already received (``state == "ya recibido"``). ``read_sources``
turns paths (workbooks, folders, ``.eml`` and, with the ``msg`` extra,
``.msg``) into ``Incoming`` items.

``catalogs`` should come from ``catalogs.for_edition(edition)``, so bodies the
edition added in ``ediciones/<ed>/catalogos/organismos.csv`` are known.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import os
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Iterable, Literal, Protocol

from . import register as reg
from . import validation
from .atomic import write_text
from .catalogs import Catalogs, edition_bodies_file
from .errors import CompendioError, OutputError, system_reason
from .files import shown
from .findings import FindingFactory
from .model import Finding, Report, Submission, normalise
from .settings import Edition, EditionPaths

Source = Literal["archivo", "correo", "portal"]
#: States of a file in a batch. The first three are the register's.
VIGENTE, SUSTITUIDO, RETIRADO = reg.VIGENTE, reg.SUSTITUIDO, reg.RETIRADO
YA_RECIBIDO = "ya recibido"  # receive: these bytes were received before; nothing was copied
COPIA = "copia"  # the same bytes as another file of the batch: one submission
REVISADO = "revisado"  # review: checked only, no register
IDENTITY_CODES = ("programa-duplicado", "programa-sustituido", "programa-reenviado")
ACUSES = "acuses"
REVIEWS = "revisiones"


class Progress(Protocol):
    """What the CLI implements to show progress; the library never prints (``compile`` uses it too)."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _Silent:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


class OutsideSubmissions(CompendioError):
    """``validate`` was given files that are not in the edition's submissions folder."""


@dataclass(frozen=True)
class Incoming:
    """One file handed to ``receive``: its bytes and how it arrived."""

    data: bytes
    name: str  # the original file name (attachment or upload)
    sender: str | None = None
    received: dt.datetime | None = None  # the e-mail's Date or the upload's time; None: now
    subject: str | None = None


@dataclass(frozen=True)
class FileResult:
    path: Path
    report: Report  # final: its own findings, the notes across files and the register's
    state: str
    entry: reg.Entry | None = None
    feedback: Path | None = None
    acuse: Path | None = None
    superseded_by: Path | None = None
    original_name: str | None = None

    @property
    def status(self) -> str:
        return self.report.status

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    @property
    def published(self) -> bool:
        """Counts for the Compendio: accepted and the version in force."""
        return self.state == VIGENTE and self.report.accepted and self.report.submission is not None


@dataclass(frozen=True)
class Batch:
    edition: Edition
    mode: Literal["receive", "validate", "review", "check"]
    results: tuple[FileResult, ...]
    summary: tuple[Path, Path] | None = None
    skipped: tuple[tuple[str, str], ...] = ()  # (name, why) of things given that are not workbooks

    @property
    def stats(self) -> dict[str, int]:
        rs = [r for r in self.results if r.state not in (YA_RECIBIDO, COPIA)]
        return {"archivos": len(self.results), "revisados": len(rs),
                "aceptados": sum(r.status == "aceptado" for r in rs),
                "con_observaciones": sum(r.status == "aceptado con observaciones" for r in rs),
                "rechazados": sum(r.status == "rechazado" for r in rs),
                "sustituidos": sum(r.state == SUSTITUIDO for r in rs),
                "ya_recibidos": sum(r.state == YA_RECIBIDO for r in self.results),
                "retroalimentacion": sum(r.feedback is not None for r in self.results),
                "acuses": sum(r.acuse is not None for r in self.results)}

    @property
    def valid(self) -> bool:
        """No file of the batch was rejected."""
        return not any(r.status == "rechazado" for r in self.results if r.state not in (YA_RECIBIDO, COPIA))

    @property
    def reports(self) -> list[Report]:
        return [r.report for r in self.results]

    def accepted(self) -> list[Submission]:
        """What the Compendio publishes: accepted files in force (one per program identity)."""
        return [r.report.submission for r in self.results if r.published]

    def rejected(self) -> list[Report]:
        return [r.report for r in self.results if not r.report.accepted and r.state not in (YA_RECIBIDO, COPIA)]

    def replaced(self) -> dict[Path, Path]:
        """Accepted files left out because a later one of the same program counts: path → newer path."""
        return {r.path: r.superseded_by for r in self.results
                if r.state == SUSTITUIDO and r.superseded_by is not None and r.report.accepted}


# --- 1-3: read once, validate ------------------------------------------------------------

@dataclass
class _Item:
    path: Path
    data: bytes | None
    digest: str
    report: Report
    reception: reg.Reception | None = None
    original: str | None = None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _validate(pairs: list[tuple[Path, bytes | None]], edition: Edition, catalogs: Catalogs,
              progress: Progress, across: bool = False) -> list[_Item]:
    """Each file's own checks (on both cores for a large batch); with ``across``, also the checks
    across files. Batches that go to the register get those once, in ``_settle``, which knows
    what was superseded."""
    make = FindingFactory(edition.severities)
    progress.stage("Validando", total=len(pairs))
    reports = validation.validate_each(pairs, edition, catalogs, make, lambda _path: progress.advance())
    if across:
        reports = validation.with_cross_file_findings(reports, edition, make)
    return [_Item(path, data, hashlib.sha256(data).hexdigest() if data is not None else "sin-contenido:" + path.as_posix(),
                  report) for (path, data), report in zip(pairs, reports)]


# --- 4: identity findings, from the resolved register -------------------------------------

def _objective(entry: reg.Entry) -> str:
    return entry.clave_programa[2] if entry.clave_programa and len(entry.clave_programa) > 2 else "—"


def _when(iso: str) -> str:
    return f"{dt.datetime.fromisoformat(iso):%d/%m/%Y %H:%M}"


def _identity_findings(item: _Item, entry: reg.Entry, register: reg.Register, make: FindingFactory) -> list[Finding]:
    sub = item.report.submission
    if sub is None or not entry.program_key:
        return []
    cell = sub.cell("nombre_programa")
    group = sorted((e for e in register.entries if e.program_key == entry.program_key
                    and e.situacion in (VIGENTE, SUSTITUIDO)), key=reg.Entry._order)
    common = {"institucion": entry.institucion or "", "programa": entry.programa or "", "objetivo": _objective(entry)}
    out = []
    if entry.situacion == SUSTITUIDO and entry.sustituido_por:
        winner = next((e for e in group if e.ruta == entry.sustituido_por and e.current), None)
        if winner is not None:
            together = winner.recibido == entry.recibido
            out.append(make("programa-sustituido", cell.sheet, cell.address, sub.value("nombre_programa"),
                            otro=winner.ruta, cuando=_when(winner.recibido),
                            detalle=(" al mismo tiempo que este (se tomó el último en el orden del registro)"
                                     if together else ""), **common))
    elif entry.current and len(group) > 1:
        before = [e for e in group if e is not entry and e.situacion == SUSTITUIDO]
        if before:
            last = before[-1]
            if entry.duplicado:
                out.append(make("programa-duplicado", cell.sheet, cell.address, sub.value("nombre_programa"),
                                otro=last.ruta, cuando=_when(entry.recibido), **common))
            else:
                out.append(make("programa-reenviado", cell.sheet, cell.address, sub.value("nombre_programa"),
                                otro=last.ruta, cuando=_when(last.recibido)))
    return out


def _with(report: Report, extra: list[Finding]) -> Report:
    if not extra and not any(f.code in IDENTITY_CODES for f in report.findings):
        return report
    kept = [f for f in report.findings if f.code not in IDENTITY_CODES]
    return Report(report.path, kept + extra, report.submission)


def _refresh(entry: reg.Entry, report: Report) -> None:
    entry.estado = report.status
    entry.errores, entry.advertencias = len(report.errors), len(report.warnings)
    entry.notas = len(report.findings) - entry.errores - entry.advertencias
    entry.codigos = sorted({f.code for f in report.findings})


def _settle(items: list[_Item], edition: Edition, catalogs: Catalogs, register: reg.Register,
            now: dt.datetime) -> tuple[list[Report], dict[str, reg.Entry]]:
    """Merge the batch into ``register``, resolve, and give each item its final report."""
    unique: dict[str, _Item] = {}
    for item in items:
        unique.setdefault(item.digest, item)
    receptions = {d: i.reception for d, i in unique.items() if i.reception is not None}
    sizes = {d: len(i.data) for d, i in unique.items() if i.data is not None}
    this_run = reg.merge(register, [i.report for i in unique.values()], edition, catalogs, now, receptions, sizes)
    make = FindingFactory(edition.severities)
    # The sums across files leave out what no longer counts (superseded files, second copies).
    gone = {k for k, item in enumerate(items)
            if unique[item.digest] is not item or this_run[item.digest].situacion != VIGENTE}
    crossed = validation.with_cross_file_findings([i.report for i in items], edition, make, superseded=gone)
    finals = []
    for item, crossed_report in zip(items, crossed):
        entry = this_run[item.digest]
        report = _with(crossed_report, _identity_findings(item, entry, register, make))
        if unique[item.digest] is item:
            _refresh(entry, report)
        else:  # the same bytes under another name: one submission, seen at both places
            where = reg._relative(item.path, edition)
            if where != entry.ruta and where not in entry.otras_rutas:
                entry.otras_rutas = sorted({*entry.otras_rutas, where})
        finals.append(report)
    return finals, this_run


def _state(item: _Item, entry: reg.Entry, first: bool) -> str:
    return entry.situacion if first else COPIA


def _superseded_path(entry: reg.Entry | None, edition: Edition) -> Path | None:
    if entry is None or entry.situacion != SUSTITUIDO or not entry.sustituido_por:
        return None
    return reg._where(entry.sustituido_por, edition)


# --- 6: feedback, on every core ------------------------------------------------------------

#: Fewer files with findings than this get their copies in this process.
FEEDBACK_POOL_FROM = 8

#: What the forked feedback workers read (reports, edition, catalogs): set just before the pool
#: forks, so each worker inherits it and only an index crosses the pipe, not a pickled report.
_INHERITED: tuple[list[Report], Edition, Catalogs] | None = None


def _feedback_at(index: int) -> Path | None:
    from .feedback import write_feedback

    reports, edition, catalogs = _INHERITED
    return write_feedback(reports[index], edition, catalogs)


def write_all_feedback(reports: list[Report], edition: Edition, catalogs: Catalogs,
                       progress: Progress | None = None) -> list[Path | None]:
    """One feedback workbook per report with findings (None for clean ones), on up to 8 cores.

    The workers are forked after the reports are in memory and inherit them:
    only each report's index is sent, and only the written path comes back.
    Where fork is missing (or for a handful of files), the copies are made here.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from .feedback import write_feedback

    global _INHERITED
    progress = progress or _Silent()
    progress.stage("Retroalimentación", total=len(reports))
    workers = min(os.cpu_count() or 1, 8)
    marked = [i for i, r in enumerate(reports) if r.findings]
    results: list[Path | None] = [None] * len(reports)
    if (workers == 1 or len(marked) < FEEDBACK_POOL_FROM
            or "fork" not in multiprocessing.get_all_start_methods()):
        for i, r in enumerate(reports):
            results[i] = write_feedback(r, edition, catalogs)
            progress.advance()
        return results
    for i, r in enumerate(reports):
        if not r.findings:  # removes a stale copy: no worker needed
            results[i] = write_feedback(r, edition, catalogs)
            progress.advance()
    _INHERITED = (reports, edition, catalogs)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            try:
                chunk = max(1, len(marked) // (workers * 8))
                for i, path in zip(marked, pool.map(_feedback_at, marked, chunksize=chunk)):
                    results[i] = path
                    progress.advance()
            except BaseException:
                # One message for the run (disk full fails every worker alike): stop the rest now.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        _INHERITED = None
    return results


@dataclass(frozen=True)
class _ReviewPaths(EditionPaths):
    """The edition's paths with feedback going to output/<ed>/revisiones/ (a check, not a reception)."""

    @property
    def feedback(self) -> Path:
        return self.output / REVIEWS


# --- the four entry points -------------------------------------------------------------------

def _inside(path: Path, edition: Edition) -> bool:
    try:
        path.resolve().relative_to(edition.paths.submissions.resolve())
        return True
    except ValueError:
        return False


def validate(edition: Edition, catalogs: Catalogs, paths: Iterable[Path] | None = None, *,
             now: dt.datetime | None = None, feedback: bool = True, summary: bool = True,
             progress: Progress | None = None) -> Batch:
    """Validate what is in ``submissions/<ed>/`` (or the given files and folders inside it) and record it."""
    progress = progress or _Silent()
    files = validation.expand(paths) if paths else validation.discover(edition)
    outside = [p for p in files if not _inside(p, edition)]
    if outside:
        names = ", ".join(str(p) for p in outside[:3]) + (" …" if len(outside) > 3 else "")
        raise OutsideSubmissions(
            f"{names} no está en {edition.paths.submissions}, así que «validate» no lo anota en el registro. "
            f"Para recibirlo como envío de la edición use: compendio recibir --edition {edition.key} ARCHIVO; "
            f"para sólo revisarlo sin registrar nada: compendio revisar --edition {edition.key} ARCHIVO.")
    items = _validate([(p, _read(p)) for p in files], edition, catalogs, progress)
    return _record(edition, catalogs, items, "validate", now, feedback, summary, progress)


def _record(edition: Edition, catalogs: Catalogs, items: list[_Item], mode, now, feedback: bool, summary: bool,
            progress: Progress, extra: dict[int, FileResult] | None = None, skipped=()) -> Batch:
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with reg.locked(edition):
        register = reg.load(edition)
        finals, this_run = _settle(items, edition, catalogs, register, now)
        reg.save(register, edition)
    written = write_all_feedback(finals, edition, catalogs, progress) if feedback else [None] * len(finals)
    results = []
    seen: set[str] = set()
    for item, report, fb in zip(items, finals, written):
        entry = this_run[item.digest]
        first = item.digest not in seen
        seen.add(item.digest)
        results.append(FileResult(item.path, report, _state(item, entry, first), entry, fb,
                                  superseded_by=_superseded_path(entry, edition), original_name=item.original))
    if extra:
        for index in sorted(extra):
            results.insert(index, extra[index])
    paths = None
    if summary and finals:
        gone = {r.path: r.superseded_by for r in results if r.superseded_by is not None}
        paths = validation.write_summary([r.report for r in results], edition, now, superseded=gone,
                                         kept=_kept_rows(edition, register, {r.path for r in results}))
    return Batch(edition, mode, tuple(results), paths, tuple(skipped))


def _kept_rows(edition: Edition, register: reg.Register, checked: set[Path]) -> list[dict]:
    """The last summary's rows for files still in the folder but not checked in this run
    (``validate`` of a few files): the summary keeps covering the whole edition.

    Their findings are those of their last check; whether they are superseded is the register's now.
    """
    import json

    try:
        doc = json.loads((edition.paths.output / "validacion.json").read_text(encoding="utf-8"))
        rows = doc["files"] if doc.get("edition") == edition.key else []
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    done = {shown(p, edition.paths.submissions) for p in checked}
    latest: dict[str, reg.Entry] = {}
    for e in register.entries:
        if e.ruta not in latest or e.validado >= latest[e.ruta].validado:
            latest[e.ruta] = e
    kept = []
    for row in rows:
        name = row.get("file") if isinstance(row, dict) else None
        if not name or name in done or not (edition.paths.submissions / name).is_file():
            continue
        entry = latest.get(name)
        by = _superseded_path(entry, edition) if entry is not None and entry.sha256 == row.get("sha256") else None
        kept.append({**row, "superseded_by": shown(by, edition.paths.submissions) if by else None})
    return kept


def review(edition: Edition, catalogs: Catalogs, paths: Iterable[Path], *, feedback: bool = True,
           progress: Progress | None = None) -> Batch:
    """Check files anywhere; feedback under output/<ed>/revisiones/. Never touches the register or summary."""
    progress = progress or _Silent()
    items = _validate([(p, _read(p)) for p in validation.expand(paths)], edition, catalogs, progress, across=True)
    reports = [i.report for i in items]
    fb_edition = dataclasses.replace(edition, paths=_ReviewPaths(edition.paths.root, edition.paths.edition))
    written = write_all_feedback(reports, fb_edition, catalogs, progress) if feedback else [None] * len(reports)
    return Batch(edition, "review", tuple(FileResult(i.path, i.report, REVISADO, feedback=fb)
                                          for i, fb in zip(items, written)))


def check(edition: Edition, catalogs: Catalogs, paths: Iterable[Path] | None = None, *,
          progress: Progress | None = None, now: dt.datetime | None = None) -> Batch:
    """What ``compile`` publishes: validate again and apply the register's order, writing nothing.

    Files the register has not seen yet count as received now, after every registered one.
    """
    progress = progress or _Silent()
    files = list(paths) if paths is not None else validation.discover(edition)
    items = _validate([(p, _read(p)) for p in files], edition, catalogs, progress)
    register = reg.load(edition)
    finals, this_run = _settle(items, edition, catalogs, register, (now or dt.datetime.now()).replace(microsecond=0))
    results, seen = [], set()
    for item, report in zip(items, finals):
        entry = this_run[item.digest]
        results.append(FileResult(item.path, report, _state(item, entry, item.digest not in seen), entry,
                                  superseded_by=_superseded_path(entry, edition)))
        seen.add(item.digest)
    return Batch(edition, "check", tuple(results))


# --- receiving --------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_stem(name: str, limit: int = 60) -> str:
    stem = Path(name).stem
    text = normalise(stem).replace(" ", "-") if stem else ""
    return (_UNSAFE.sub("-", text).strip("-.") or "archivo")[:limit]


def _target(edition: Edition, catalogs: Catalogs, incoming: Incoming, report: Report, digest: str) -> Path:
    """submissions/<ed>/<sector>/<name>-<sha8><ext>: stable for the same bytes and name, unique per content."""
    sector = "sin-sector"
    sub = report.submission
    if sub is not None:
        entry = reg.describe(report, edition, catalogs, dt.datetime.now(), digest, None, size=0)
        sector = entry.sector or sector
    suffix = Path(incoming.name).suffix.lower() or ".xlsx"
    return edition.paths.submissions / sector / f"{_safe_stem(incoming.name)}-{digest[:8]}{suffix}"


def _store(path: Path, data: bytes) -> Path:
    """Write ``data`` at ``path`` without ever replacing a file: a temporary file, then a hard link."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 100):
        target = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        if target.exists():
            if target.read_bytes() == data:
                return target
            continue
        tmp = target.with_name(f".~{target.name}.{os.getpid()}")
        try:
            tmp.write_bytes(data)
            os.chmod(tmp, 0o444)  # submissions are read-only to the tool
            os.link(tmp, target)
            return target
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"No se pudo guardar el archivo recibido en {target} ({system_reason(exc)}).") from None
        finally:
            tmp.unlink(missing_ok=True)
    raise OutputError(f"No se pudo guardar {path.name}: hay demasiados archivos con ese nombre en {path.parent}.")


def receive(edition: Edition, catalogs: Catalogs, incoming: Iterable[Incoming], source: Source = "archivo", *,
            now: dt.datetime | None = None, feedback: bool = True, acuses: bool = True,
            progress: Progress | None = None, skipped: Iterable[tuple[str, str]] = ()) -> Batch:
    """Receive files: copy each new one into submissions/<ed>/<sector>/, record its reception, answer it.

    The same bytes twice (in the batch or already in the register) are one
    submission: nothing is copied and the result says «ya recibido».
    """
    progress = progress or _Silent()
    now = (now or dt.datetime.now()).replace(microsecond=0)
    incoming = list(incoming)
    known = reg.load(edition).by_sha()
    items, extra, seen = [], {}, set()
    progress.stage("Validando", total=len(incoming))
    make = FindingFactory(edition.severities)
    for index, inc in enumerate(incoming):
        digest = hashlib.sha256(inc.data).hexdigest()
        if digest in known or digest in seen:
            entry = known.get(digest)
            where = reg._where(entry.ruta, edition) if entry else Path(inc.name)
            report = Report(where, [], None)
            extra[index] = FileResult(where, report, YA_RECIBIDO, entry, original_name=inc.name)
            progress.advance()
            continue
        seen.add(digest)
        # Validated from its bytes under its original name, then stored; the stored copy is never re-read.
        report = validation.validate_data(Path(inc.name), inc.data, edition, catalogs, make)
        target = _store(_target(edition, catalogs, inc, report, digest), inc.data)
        sub = report.submission
        if sub is not None:
            sub = dataclasses.replace(sub, path=target)
        report = Report(target, report.findings, sub)
        reception = reg.Reception(inc.received or now, source, inc.sender, inc.name, inc.subject)
        item = _Item(target, inc.data, digest, report, reception, inc.name)
        items.append(item)
        progress.advance()
    # The checks across files run once, in _settle, which knows what the register superseded.
    # Acuses are named before the register is written so the entry can point at them.
    if acuses:
        for item in items:
            name = _acuse_base(edition, item.path).relative_to(edition.paths.output).as_posix() + ".txt"
            item.reception = dataclasses.replace(item.reception, acuse=name)
    batch = _record(edition, catalogs, items, "receive", now, feedback, False, progress,
                    extra=extra, skipped=skipped)
    if not acuses:
        return batch
    results = []
    for r in batch.results:
        if r.state in (YA_RECIBIDO, COPIA) or r.entry is None:
            results.append(r)
            continue
        results.append(dataclasses.replace(r, acuse=write_acuse(edition, r, now)))
    return dataclasses.replace(batch, results=tuple(results))


# --- the acuse de recibo --------------------------------------------------------------------------

def _acuse_base(edition: Edition, stored: Path) -> Path:
    rel = stored.relative_to(edition.paths.submissions)
    return edition.paths.output / ACUSES / rel.parent / f"{rel.stem}-acuse"


def acuse_text(edition: Edition, result: FileResult) -> str:
    e = result.entry
    report = result.report
    lines = [f"Acuse de recibo — {edition.title}", "",
             f"La Unidad de Política Migratoria, Registro e Identidad de Personas recibió el archivo "
             f"«{e.nombre_original or result.path.name}» el {_when(e.recibido)}"
             + (f", enviado por {e.remitente}." if e.remitente else "."),
             f"Se guardó como: {e.ruta}",
             f"Huella SHA-256: {e.sha256}", ""]
    if e.programa:
        lines.append(f"Programa: {e.programa}" + (f" ({e.institucion})" if e.institucion else ""))
    lines.append(f"Resultado de la validación: {report.status} ({len(report.errors):,} error(es), "
                 f"{len(report.warnings):,} advertencia(s)).")
    if result.state == SUSTITUIDO:
        lines.append(f"Este archivo quedó sustituido por «{e.sustituido_por}», del mismo programa.")
    for f in report.errors[:5]:
        lines.append(f"  • {f.ref + ': ' if f.ref else ''}{f.message}")
    if len(report.errors) > 5:
        lines.append(f"  … y {len(report.errors) - 5:,} error(es) más.")
    if result.feedback is not None:
        lines.append(f"Abra el archivo de retroalimentación «{result.feedback.name}»: es su libro con cada "
                     "observación marcada en su celda.")
    if report.errors:
        lines.append(f"Corrija los errores y envíe el archivo de nuevo antes del {edition.deadline:%d/%m/%Y}.")
    else:
        lines.append("No hace falta hacer nada más; el programa se incluirá en el Compendio.")
    contact = edition.contact.get("correo", "")
    lines += ["", f"Dudas: {edition.contact.get('area', 'UPMRIP')}" + (f", {contact}" if contact else "") + "."]
    return "\n".join(lines) + "\n"


def write_acuse(edition: Edition, result: FileResult, now: dt.datetime) -> Path:
    """``output/<ed>/acuses/<sector>/<file>-acuse.txt`` and a ready-to-send ``.eml`` draft beside it."""
    base = _acuse_base(edition, result.path)
    text = acuse_text(edition, result)
    msg = EmailMessage()
    msg["Subject"] = f"Acuse de recibo: {result.entry.programa or result.entry.nombre_original or result.path.name}"
    msg["From"] = edition.contact.get("correo", "")
    if result.entry.remitente:
        msg["To"] = result.entry.remitente
    msg["Date"] = email.utils.format_datetime(now.astimezone())
    msg["X-Unsent"] = "1"  # mail clients open it as a draft to send
    msg.set_content(text)
    if result.feedback is not None and result.feedback.exists():
        msg.add_attachment(result.feedback.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=result.feedback.name)
    try:
        write_text(base.with_name(base.name + ".eml"), msg.as_string(policy=email.policy.SMTP))
        return write_text(base.with_name(base.name + ".txt"), text)
    except OSError as exc:
        raise OutputError(f"No se pudo escribir el acuse de recibo en {base.parent} ({system_reason(exc)}).") from None


# --- sources: files, folders, e-mails ------------------------------------------------------------

EMAIL_SUFFIXES = {".eml", ".msg"}


def _email_items(msg, source_name: str) -> tuple[list[Incoming], list[tuple[str, str]]]:
    sender = msg.get("From")
    sender = email.utils.parseaddr(str(sender))[1] or str(sender) if sender else None
    try:
        when = email.utils.parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        when = None
    if when is not None and when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)  # the register keeps local times
    subject = str(msg["Subject"]) if msg["Subject"] else None
    items, skipped = [], []
    for part in msg.iter_attachments():
        name = part.get_filename() or "adjunto"
        if Path(name).suffix.lower() not in validation.SUBMISSION_SUFFIXES:
            skipped.append((f"{source_name} › {name}", "no es un libro de cálculo"))
            continue
        data = part.get_payload(decode=True) or b""
        items.append(Incoming(data, name, sender, when, subject))
    if not items:
        skipped.append((source_name, "el correo no trae ningún libro adjunto"))
    return items, skipped


def _msg_items(path: Path) -> tuple[list[Incoming], list[tuple[str, str]]]:
    try:
        import extract_msg  # optional: pip install 'compendio[msg]'
    except ImportError:
        return [], [(path.name, "es un correo de Outlook (.msg); para leerlo instale el complemento: "
                                "pip install 'compendio[msg]', o guárdelo como .eml")]
    msg = extract_msg.openMsg(str(path))
    try:
        when = msg.parsedDate
        when = dt.datetime(*when[:6]) if when else None
        sender = email.utils.parseaddr(msg.sender or "")[1] or msg.sender
        items, skipped = [], []
        for att in msg.attachments:
            name = att.longFilename or att.shortFilename or "adjunto"
            if Path(name).suffix.lower() not in validation.SUBMISSION_SUFFIXES:
                skipped.append((f"{path.name} › {name}", "no es un libro de cálculo"))
                continue
            items.append(Incoming(att.data, name, sender, when, msg.subject))
        return items, skipped
    finally:
        msg.close()


def read_sources(paths: Iterable[Path]) -> tuple[list[Incoming], list[tuple[str, str]], Source]:
    """Workbooks, folders (searched for workbooks and e-mails) and saved e-mails → ``Incoming`` items.

    Returns the items, what was skipped and why, and the origin to record
    («correo» if any item came from an e-mail).
    """
    items: list[Incoming] = []
    skipped: list[tuple[str, str]] = []
    from_mail = False
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted((q for q in p.rglob("*") if q.is_file() and not q.name.startswith(("~$", "."))
                             and q.suffix.lower() in validation.SUBMISSION_SUFFIXES | EMAIL_SUFFIXES),
                            key=lambda q: q.as_posix())
        else:
            files.append(p)
    for p in files:
        suffix = p.suffix.lower()
        try:
            if suffix == ".eml":
                with p.open("rb") as fh:
                    msg = email.message_from_binary_file(fh, policy=email.policy.default)
                got, skip = _email_items(msg, p.name)
            elif suffix == ".msg":
                got, skip = _msg_items(p)
            else:
                got, skip = [Incoming(p.read_bytes(), p.name)], []
        except OSError as exc:
            got, skip = [], [(str(p), f"no se pudo leer ({system_reason(exc)})")]
        from_mail = from_mail or (suffix in EMAIL_SUFFIXES and bool(got))
        items += got
        skipped += skip
    return items, skipped, "correo" if from_mail else "archivo"


__all__ = ["Batch", "FileResult", "Incoming", "OutsideSubmissions", "check", "read_sources", "receive", "review",
           "validate", "write_all_feedback", "write_acuse", "edition_bodies_file"]
