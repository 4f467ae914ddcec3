"""Submission → ``Report``: every problem of a file in one pass, each pinned to a cell.

Four layers, all collecting ``Finding`` values (never stopping at the first):

1. **The file** (``reader``): not an xlsx, damaged, password, not our
   template, another edition, sheets renamed, formulas without a saved value,
   Excel error values (#DIV/0!) where data belongs.
2. **Fields** (cerberus): a schema built once from ``spec.PROGRAM_FIELDS`` and
   ``spec.CIFRAS_COLUMNS`` checks required fields, dates, whole numbers,
   lengths, catalogs and e-mail; cerberus errors are translated to finding
   codes in ``_translate``. «Required only if» (the state for state
   governments, the end date of a temporary program) is a schema variant
   chosen per document, so cerberus's own ``required`` rule does the work.
3. **Arithmetic** on *Cifras* (``spec.BREAKDOWNS``): each breakdown with any
   value sums to the row's total; sub-groups never exceed their parent and, if
   the parent says «Sí», sum to it (per ``criterio``). A blank is not a zero:
   messages name the blank cells. The finding sits on the **Total** cell of the
   row (for sub-groups, on the parent's cell of the column that fails): the one
   number every part is checked against.
4. **Content** (warnings): placeholders, no challenges, empty results, dates
   outside the edition, long names, acronyms never spelled out, unregistered
   bodies; and across files, the same program twice or a near-identical
   program from another body.

Severities come from ``findings.CODES`` with the edition's overrides.

Modules: ``discovery`` (which files), ``schema`` (fields through cerberus,
dates), ``cifras`` (arithmetic), ``content`` (content heuristics and their
editable lists), ``crossfile`` (across the files of a batch), ``context``
(what the checks of one file share). This module checks one file and a batch;
the batch summary (validacion.xlsx/json) is written by ``compiler.summary``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from .. import geometry as g
from .. import reader
from ..catalogs import Catalogs
from ..errors import UnreadableWorkbook
from ..files import sha256
from ..findings import FindingFactory
from ..model import Cell, Finding, Report, Submission
from ..settings import Edition
from ..summary import summary_document, summary_rows, write_summary
from .cifras import _check_cifras
from .content import EXAMPLE_MIN_CHARS, _check_content, _check_placeholders, _check_previous_edition, _text_cells
from .context import _Context, row_name
from .crossfile import (CROSS_FILE_CODES, OUTLIER_MIN_PROGRAMS, OUTLIER_SHARE, SIMILAR_NAME_RATIO,
                        cross_file_findings, with_cross_file_findings)
from .crossfile import prepare as prepare_cross_file
from . import parallel
from .discovery import SUBMISSION_SUFFIXES, discover, expand
from .schema import LATE_PERIOD_END, ROW_REQUIRED, _check_dates, _check_fields, is_percent

#: The public names of the package: the former single module's, so every caller keeps ``validation.<name>``.
__all__ = ["SUBMISSION_SUFFIXES", "SIMILAR_NAME_RATIO", "discover", "expand", "ROW_REQUIRED", "is_percent",
           "LATE_PERIOD_END", "row_name", "EXAMPLE_MIN_CHARS", "check_submission", "validate_data", "validate_file",
           "validate_paths", "validate_each", "PARALLEL_FROM", "CROSS_FILE_CODES", "with_cross_file_findings", "cross_file_findings",
           "OUTLIER_SHARE", "OUTLIER_MIN_PROGRAMS", "file_digest", "summary_rows", "summary_document", "write_summary"]


# --- one file ------------------------------------------------------------------------

def _unreadable(exc: UnreadableWorkbook, make: FindingFactory) -> Finding:
    return make(exc.code, exc.sheet, exc.cell, None, detalle=str(exc))


def check_submission(sub: Submission, edition: Edition, catalogs: Catalogs,
                     make: FindingFactory | None = None) -> list[Finding]:
    """Every per-file finding of a readable submission."""
    make = make or FindingFactory(edition.severities)
    broken = getattr(sub, "error_values", [])
    ctx = _Context(edition, catalogs, make, sub, formula_cells=set(sub.formulas_without_value) | {r for r, _ in broken})
    if sub.stamp.edition != edition.key:
        ctx.add("edicion-distinta", Cell(sub.stamp.edition, g.SELLO, g.sello_cell("edicion")),
                encontrada=sub.stamp.edition or "sin edición", edicion=edition.key)
    for ref in sub.formulas_without_value:
        sheet, _, addr = ref.partition("!")
        ctx.add("formula-sin-valor", Cell(None, sheet, addr))
    for ref, error in broken:
        sheet, _, addr = ref.partition("!")
        ctx.add("valor-con-error", Cell(error, sheet, addr), error=error)
    if getattr(sub, "macros", False):
        xlsm = sub.path.suffix.lower() == ".xlsm"
        ctx.add("libro-con-macros", None, extension=" (es un archivo .xlsm)" if xlsm else "")
    for ref in getattr(sub, "control_characters", ()):
        sheet, _, addr = ref.partition("!")
        ctx.add("caracteres-de-control", Cell(None, sheet, addr))
    _check_fields(ctx)
    _check_dates(ctx)
    _check_cifras(ctx)
    texts = _text_cells(ctx)
    _check_placeholders(ctx, texts)
    _check_content(ctx, texts)
    _check_previous_edition(ctx)
    return sorted(ctx.findings, key=_position)


_SHEET_ORDER = {name: i for i, name in enumerate((g.SELLO, g.PROGRAMA, g.CIFRAS, g.TABLA))}


def _position(f: Finding) -> tuple:
    """Findings in reading order: sheet, then row, then column."""
    m = re.match(r"([A-Z]+)(\d+)", f.cell or "")
    col, row = (m.group(1), int(m.group(2))) if m else ("", 0)
    return _SHEET_ORDER.get(f.sheet or "", 9), row, len(col), col


def validate_data(path: Path, data: bytes | None, edition: Edition, catalogs: Catalogs,
                  make: FindingFactory | None = None) -> Report:
    """One file's own findings, read from ``data`` (its bytes, read once by the caller) or from disk."""
    make = make or FindingFactory(edition.severities)
    try:
        sub = reader.read(path, data)
    except UnreadableWorkbook as exc:
        return Report(path, [_unreadable(exc, make)])
    return Report(path, check_submission(sub, edition, catalogs, make), sub)


def _validate_one(path: Path, edition: Edition, catalogs: Catalogs, make: FindingFactory) -> Report:
    return validate_data(path, None, edition, catalogs, make)


def validate_file(path: Path | str, edition: Edition, catalogs: Catalogs, batch: list[Report] | None = None) -> Report:
    """Validate one file. With ``batch`` (the reports of the files validated before it in the
    same run), the cross-file checks compare it with them, and its report is appended to it
    (earlier reports of the batch are replaced by copies carrying their cross-file notes)."""
    make = FindingFactory(edition.severities)
    report = _validate_one(Path(path), edition, catalogs, make)
    if batch is not None:
        batch.append(report)
        batch[:] = with_cross_file_findings(batch, edition, make)
        report = batch[-1]
    return report


def validate_paths(paths: Iterable[Path | str], edition: Edition, catalogs: Catalogs,
                   progress: Callable[[Path], None] | None = None) -> list[Report]:
    """Validate every file (folders are searched), then the checks across files.

    ``progress`` is called after each file with its path. Reports come back in
    the order of the paths. Which file of a program counts is not decided here
    but by the intake stage (``compiler.intake``), which knows the reception order.
    """
    make = FindingFactory(edition.severities)
    reports = _validate_each(expand(paths), edition, catalogs, make, progress)
    return with_cross_file_findings(reports, edition, make)


#: Fewer files than this are checked in one process: forking costs more than it saves.
PARALLEL_FROM = 64


def _validate_each(paths: list[Path], edition: Edition, catalogs: Catalogs, make: FindingFactory,
                   progress: Callable[[Path], None] | None) -> list[Report]:
    return validate_each([(p, None) for p in paths], edition, catalogs, make, progress)


def validate_each(pairs: list[tuple[Path, bytes | None]], edition: Edition, catalogs: Catalogs,
                  make: FindingFactory | None = None,
                  progress: Callable[[Path], None] | None = None) -> list[Report]:
    """Each file's own checks (``validate_data``), in the order of ``pairs``; no check across files.

    From ``PARALLEL_FROM`` files they are shared with a forked process (``parallel``),
    which inherits the bytes already read and what checking the first file loaded
    (validators, lists, imports: loaded once, before the fork). A file's own checks
    see only that file, so how the batch is split changes no report: what compares
    files (``with_cross_file_findings``, the register's superseding) runs afterwards,
    once, over the whole batch, in the caller's process, which meanwhile loads what
    that needs (``crossfile.prepare``).
    """
    make = make or FindingFactory(edition.severities)

    def check(pair: tuple[Path, bytes | None]) -> Report:
        return validate_data(pair[0], pair[1], edition, catalogs, make)

    def done(pair: tuple[Path, bytes | None]) -> None:
        if progress:
            progress(pair[0])

    def one(pair: tuple[Path, bytes | None]) -> Report:
        report = check(pair)
        done(pair)
        return report

    pairs = list(pairs)
    if len(pairs) < PARALLEL_FROM or not parallel.available():
        return [one(pair) for pair in pairs]
    first = one(pairs[0])  # before the fork: what this first check loads, the forked process inherits
    return [first] + parallel.in_two(pairs[1:], check, done, meanwhile=prepare_cross_file)


# --- results --------------------------------------------------------------------------

file_digest = sha256

