"""``compendio compile``: accepted submissions → the Compendio PDF (and its companions).

The steps are plain functions so the CLI only reports progress: find the
edition's files, validate them again, build the ``Publication``, lay it out,
write it atomically, then hand the same data to the Informe Ejecutivo and the
open data (``AFTER_COMPENDIO``).
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import catalogs as cat
from . import publication as pubmod
from . import corrections, render, settings
from .errors import CompendioError, OutputError, system_reason
from .model import Report, Submission

#: Where a compile stages the Informe and the open data until the Compendio is written
#: (inside ``output/<ed>/``; hidden, and emptied by the next run before it starts).
STAGING_DIR = ".~compilando"


# One progress protocol for every stage (the intake stage defines it; the CLI implements it).
from .intake import Progress, _Silent  # noqa: E402


@dataclass
class Result:
    pdf: Path | None
    html: Path | None
    pages: int
    programs: int
    accepted: int
    rejected: list[Report]
    seconds: float
    companions: list[Path] = field(default_factory=list)
    replaced: dict[Path, Path] = field(default_factory=dict)
    #: The editors' corrections (``corrections.Outcome``), applied or not, and their report.
    corrections: list = field(default_factory=list)
    corrections_report: Path | None = None
    #: Every file validated, in order (``compile --json`` lists them as validacion.json does).
    reports: list[Report] = field(default_factory=list)


def compendio_path(edition: settings.Edition) -> Path:
    return edition.paths.output / f"compendio-general-{edition.key}.pdf"


def discover(edition: settings.Edition) -> list[Path]:
    """The edition's submission files, in a stable order."""
    from . import validation

    return list(validation.discover(edition))


@dataclass
class Checked:
    accepted: list[Submission]
    rejected: list[Report]
    #: Accepted files left out because a later file of the same program replaces them: path → newer path.
    replaced: dict[Path, Path]
    reports: list[Report] = field(default_factory=list)


class _Advance:
    """The intake stage's progress on the compile's bar: one advance per file read, its stages silent."""

    def __init__(self, progress: Progress):
        self.progress, self.reading = progress, False

    def stage(self, name: str, total: int | None = None) -> None:
        self.reading = name == "Validando"

    def advance(self, n: int = 1) -> None:
        if self.reading:
            self.progress.advance(n)


def validate(paths: list[Path], edition: settings.Edition, catalogs: cat.Catalogs, progress: Progress) -> Checked:
    """Validate every file again and apply the register's order (``intake.check``, which writes nothing)."""
    from . import intake

    # With many files, validation.validate_each checks them in two processes (validation/parallel.py).
    batch = intake.check(edition, catalogs, paths, progress=_Advance(progress))
    return Checked(batch.accepted(), batch.rejected(), batch.replaced(), batch.reports)


def _after_compendio(publication, submissions, edition, catalogs, *, draft: bool) -> list[Path]:
    """The Informe Ejecutivo and the open data, built from the same accepted data."""
    from . import informe, opendata

    data = opendata.build(submissions, edition, catalogs)
    written = list(opendata.write(submissions, edition, catalogs, data=data))
    written.append(informe.build(publication, submissions, edition, catalogs, draft=draft, data=data))
    return written


#: Called with the Compendio's data: f(publication, submissions, edition, catalogs, draft=) -> [paths].
#: In the final build they run in a second process while the Compendio is laid out.
AFTER_COMPENDIO: list[Callable[..., list[Path]]] = [_after_compendio]


@dataclass(frozen=True)
class _StagedPaths(settings.EditionPaths):
    """The edition's paths with ``output`` moved to the staging folder (inputs stay where they are)."""

    staging: Path = Path()

    @property
    def output(self) -> Path:
        return self.staging


def staging_dir(edition: settings.Edition) -> Path:
    return edition.paths.output / STAGING_DIR


def clean_leftovers(edition: settings.Edition) -> None:
    """Remove what a killed run left: the staging folder and ``.~*`` temporary files in ``output/<ed>/``."""
    out = edition.paths.output
    if not out.is_dir():
        return
    shutil.rmtree(out / STAGING_DIR, ignore_errors=True)
    for tmp in out.rglob(".~*"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)


def _run_hooks(publication, submissions, edition, catalogs, draft: bool) -> list[Path]:
    """Run the hooks with every output going to the staging folder; returns the staged files."""
    stage = staging_dir(edition)
    stage.mkdir(parents=True, exist_ok=True)
    staged = dataclasses.replace(edition, paths=_StagedPaths(edition.paths.root, edition.paths.edition, stage))
    written: list[Path] = []
    for hook in AFTER_COMPENDIO:
        written += hook(publication, submissions, staged, catalogs, draft=draft)
    return written


def _publish(staged: list[Path], edition: settings.Edition) -> list[Path]:
    """Move the staged companions into ``output/<ed>/``, once the Compendio is in place."""
    stage, out = staging_dir(edition), edition.paths.output
    published = []
    try:
        for path in staged:
            try:
                final = out / Path(path).relative_to(stage)
            except ValueError:  # a hook that wrote straight to its own place
                published.append(Path(path))
                continue
            if not Path(path).exists():  # a hook that names a file it did not write
                published.append(final)
                continue
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, final)
            published.append(final)
    except OSError as exc:
        raise OutputError(f"No se pudieron publicar el Informe Ejecutivo y los datos abiertos en {out} "
                          f"({system_reason(exc)}); el Compendio sí se escribió.") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return published


def _die_with_parent(parent: int) -> None:
    """In the forked child: end when the parent ends, even by ``kill -9`` (nothing would publish then).

    On Linux the kernel sends SIGKILL (``PR_SET_PDEATHSIG``); everywhere, a thread
    watches for the child being handed to another parent.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


class _Companions:
    """The hooks in a forked process: WeasyPrint lays out on one core, the Informe and
    the open data use the other. Forking shares the read data without copying it."""

    def __init__(self, *args):
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=self._child, args=(os.getpid(), send, *args), daemon=True)
        self._process.start()
        send.close()

    @staticmethod
    def _child(parent, send, *args) -> None:
        _die_with_parent(parent)
        try:
            send.send(("ok", [str(p) for p in _run_hooks(*args)]))
        except CompendioError as exc:
            send.send(("error", str(exc)))
        except BaseException:  # a bug: hand the traceback to the parent, which reports it
            send.send(("crash", traceback.format_exc()))
        finally:
            send.close()

    def result(self) -> list[Path]:
        try:
            kind, value = self._receive.recv()
        except EOFError:
            kind, value = "crash", f"el proceso terminó con código {self._process.exitcode}"
        self._process.join()
        if kind == "ok":
            return [Path(p) for p in value]
        if kind == "error":
            raise CompendioError(value)
        raise CompendioError(f"El Informe Ejecutivo o los datos abiertos fallaron por un error del programa; "
                             f"el Compendio sí se escribió. Detalle para soporte:\n{value}")

    def cancel(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def _can_lay_out_in_parallel(publication) -> bool:
    import os

    from . import draft

    return ((os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()
            and len(draft.split(publication)) >= 2)


def _tagged_in_parallel(publication, out: Path, progress: Progress, roots: list[Path]) -> int | None:
    """The tagged book laid out on two cores: its pages, or None (nothing written) if its parts
    could not be merged with a sound structure tree."""
    from . import tagged

    try:
        return tagged.write(publication, out, progress=progress, roots=roots)
    except tagged.MergeError:
        return None


def compile_edition(root: Path, edition_key: str, *, progress: Progress | None = None,
                    keep_html: bool = False, draft: bool = False, companions: bool = True,
                    parallel: bool = True) -> Result:
    """Validate, build and write the Compendio of one edition.

    With no accepted submission nothing is written and ``Result.pdf`` is None.
    The final (tagged) build is laid out on two cores when it can be
    (``tagged``); ``parallel=False`` lays it out in this process.
    """
    progress = progress or _Silent()
    started = time.perf_counter()
    edition = settings.load(Path(root), edition_key)
    clean_leftovers(edition)
    catalogs = cat.for_edition(edition)
    paths = discover(edition)
    progress.stage("Leyendo y validando los reportes", total=len(paths))
    checked = validate(paths, edition, catalogs, progress)
    accepted, rejected = checked.accepted, checked.rejected
    if not accepted:
        return Result(None, None, 0, 0, 0, rejected, time.perf_counter() - started, replaced=checked.replaced,
                      reports=checked.reports)
    # The editors' pass: corrected texts replace the received ones in memory only.
    accepted, outcomes = corrections.apply(accepted, corrections.read(edition))
    corrections_report = corrections.write_report(outcomes, edition) if outcomes else None

    # Everything read so far lives until the end; keep the garbage collector from walking it during layout.
    gc.freeze()
    background = None
    try:
        progress.stage("Armando el contenido")
        publication = pubmod.build(accepted, edition, catalogs)
        # The whole book's HTML is only laid out in one process (or kept on request); the parts laid
        # out in parallel are rendered from the publication.
        html = render.render_html(publication) if keep_html or not parallel else None
        out = compendio_path(edition)
        html_path = render.write_text(out.with_suffix(".html"), html) if keep_html else None

        if companions and not draft and "fork" in multiprocessing.get_all_start_methods():
            background = _Companions(publication, accepted, edition, catalogs, draft)

        progress.stage("Componiendo las páginas (WeasyPrint)")
        if draft:
            from . import draft as draft_mod

            pages = draft_mod.write(publication, html, out, progress=progress)
        else:
            # The edition's logos live in its folder: the only files besides the templates the layout may read.
            roots = [render.template_dir(), edition.paths.folder]
            pages = None
            if parallel and _can_lay_out_in_parallel(publication):
                pages = _tagged_in_parallel(publication, out, progress, roots)
            if pages is None:
                html = html if html is not None else render.render_html(publication)
                document = render.render_document(html, fetcher=render.LocalFetcher(roots))
                pages = len(document.pages)
                progress.stage("Escribiendo el PDF")
                render.write_document(document, out)
                del document

        written: list[Path] = []
        if companions:
            progress.stage("Informe Ejecutivo y datos abiertos")
            staged = background.result() if background else _run_hooks(publication, accepted, edition, catalogs, draft)
            background = None
            written = _publish(staged, edition)
    finally:
        if background is not None:  # the Compendio failed: do not leave the companions running
            background.cancel()
        if companions:
            shutil.rmtree(staging_dir(edition), ignore_errors=True)
        gc.unfreeze()
    return Result(out, html_path, pages, len(publication.programs), len(accepted), rejected,
                  time.perf_counter() - started, written, checked.replaced, outcomes, corrections_report,
                  checked.reports)


__all__ = ["AFTER_COMPENDIO", "Result", "compile_edition", "compendio_path", "discover", "validate"]
