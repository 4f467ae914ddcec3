"""``compendio compile``: accepted submissions → the Compendio PDF (and its companions).

The steps are plain functions so the CLI only reports progress: find the
edition's files, validate them again, build the ``Publication``, lay it out,
write it atomically, then hand the same data to the Informe Ejecutivo and the
open data (``AFTER_COMPENDIO``).
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from . import catalogs as cat
from . import publication as pubmod
from . import render, settings
from .errors import UnreadableWorkbook
from .model import Finding, Report, Submission


class Progress(Protocol):
    """What the CLI implements to show progress; the library never prints."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _Silent:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


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


def compendio_path(edition: settings.Edition) -> Path:
    return edition.paths.output / f"compendio-general-{edition.key}.pdf"


def _validation():
    if importlib.util.find_spec("compiler.validation") is None:
        return None
    module = importlib.import_module("compiler.validation")
    return module if hasattr(module, "validate_paths") else None


def discover(edition: settings.Edition) -> list[Path]:
    """The edition's submission files, in a stable order."""
    validation = _validation()
    if validation is not None and hasattr(validation, "discover"):
        return list(validation.discover(edition))
    folder = edition.paths.submissions
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.xlsx") if not p.name.startswith(("~$", ".~")))


def validate(paths: list[Path], edition: settings.Edition, catalogs: cat.Catalogs,
             progress: Progress) -> tuple[list[Submission], list[Report]]:
    """(accepted submissions, rejected reports), validating every file again."""
    validation = _validation()
    if validation is not None:
        reports = list(validation.validate_paths(paths, edition, catalogs, progress=lambda _path: progress.advance()))
        accepted = list(validation.accepted(reports)) if hasattr(validation, "accepted") else \
            [r.submission for r in reports if r.accepted and r.submission is not None]
        return accepted, [r for r in reports if not r.accepted]
    # Without the validator every readable workbook is taken; unreadable ones are still listed.
    from . import reader

    accepted, rejected = [], []
    for path in paths:
        try:
            accepted.append(reader.read(path))
        except UnreadableWorkbook as exc:
            rejected.append(Report(path, [Finding(exc.code, "error", exc.sheet, exc.cell, str(exc))]))
        progress.advance()
    return accepted, rejected


def _after_compendio(publication, submissions, edition, catalogs, *, draft: bool) -> list[Path]:
    """The Informe Ejecutivo and the open data, built from the same accepted data."""
    written: list[Path] = []
    opendata = importlib.import_module("compiler.opendata") if importlib.util.find_spec("compiler.opendata") else None
    informe = importlib.import_module("compiler.informe") if importlib.util.find_spec("compiler.informe") else None
    data = opendata.build(submissions, edition, catalogs) if opendata and hasattr(opendata, "build") else None
    if opendata is not None and hasattr(opendata, "write"):
        written += list(opendata.write(submissions, edition, catalogs, data=data) if data is not None
                        else opendata.write(submissions, edition, catalogs))
    if informe is not None and hasattr(informe, "build"):
        kwargs = {"draft": draft}
        if data is not None:
            kwargs["data"] = data
        written.append(informe.build(publication, submissions, edition, catalogs, **kwargs))
    return written


#: Called after the Compendio is written: f(publication, submissions, edition, catalogs, draft=) -> [paths].
AFTER_COMPENDIO: list[Callable[..., list[Path]]] = [_after_compendio]


def compile_edition(root: Path, edition_key: str, *, progress: Progress | None = None,
                    keep_html: bool = False, draft: bool = False, companions: bool = True) -> Result:
    """Validate, build and write the Compendio of one edition.

    With no accepted submission nothing is written and ``Result.pdf`` is None.
    """
    progress = progress or _Silent()
    started = time.perf_counter()
    edition = settings.load(Path(root), edition_key)
    catalogs = cat.load()
    paths = discover(edition)
    progress.stage("Leyendo y validando los reportes", total=len(paths))
    accepted, rejected = validate(paths, edition, catalogs, progress)
    if not accepted:
        return Result(None, None, 0, 0, 0, rejected, time.perf_counter() - started)

    progress.stage("Armando el contenido")
    publication = pubmod.build(accepted, edition, catalogs)
    html = render.render_html(publication)
    out = compendio_path(edition)
    html_path = None
    if keep_html:
        html_path = render.write_text(out.with_suffix(".html"), html)

    progress.stage("Componiendo las páginas (WeasyPrint)")
    if draft and importlib.util.find_spec("compiler.draft") is not None:
        from . import draft as draft_mod

        pages = draft_mod.write(publication, html, out, progress=progress)
    else:
        document = render.render_document(html, draft=draft)
        pages = len(document.pages)
        progress.stage("Escribiendo el PDF")
        render.write_document(document, out, draft=draft)
        del document

    written: list[Path] = []
    if companions:
        progress.stage("Informe Ejecutivo y datos abiertos")
        for hook in AFTER_COMPENDIO:
            written += hook(publication, accepted, edition, catalogs, draft=draft)
    return Result(out, html_path, pages, len(publication.programs), len(accepted), rejected,
                  time.perf_counter() - started, written)


__all__ = ["AFTER_COMPENDIO", "Result", "compile_edition", "compendio_path", "discover", "validate"]
