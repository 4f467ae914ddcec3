"""Validation report → a marked copy of the agency's own workbook.

For every file with findings the agency gets back its workbook with each
problem cell filled (red: error, yellow: advertencia) and commented, plus a
first sheet *Observaciones* that lists every finding with a link to its cell.
The original is read once into memory and never written: the copy is built
from those bytes and saved atomically under ``output/<ed>/retroalimentacion/``.

The copy is made by editing the received package's parts (``xlsx_patch``):
the marked cells get new cell formats, the comments go into the sheet's
comments part and VML drawing (created if the sheet has none), and the
Observaciones sheet is a new worksheet part, first in the tab order. Every
part with no mark is copied as it came, so nothing the agency's Excel wrote
(charts, shapes, the ``x14`` extension lists with cross-sheet dropdowns) is
lost. A few cases go through openpyxl instead, which drops what it does not
model: a file that is no readable package, one of our own copies sent back
(its old marks are cleared), a workbook whose dropdowns are gone (they come
back from a freshly built template, see ``_restore_dropdowns``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import warnings
import zipfile
from collections import defaultdict
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.worksheet.hyperlink import Hyperlink

from . import __version__
from . import geometry as g
from .catalogs import Catalogs
from .errors import OutputError, system_reason
from .files import shown
from .findings import title
from .model import SEVERITY_ORDER, Finding, Report
from .reader import check_limits
from .settings import Edition
from .sheets import HEADER_FILL
from .style import GUINDA, STATUS_COLOURS
from .atomic import atomic_write
from .template import INPUT_FILL
from .textsafe import clean, put
from . import xlsx_patch as xp

COMMENT_AUTHOR = "Compendio – validación"
#: Separates our messages from a comment the cell already had (kept under ours, with its author).
EARLIER_COMMENT = "\n\n— Comentario que ya tenía la celda ({author}) —\n"
_EARLIER = re.compile(r"\n\n— Comentario que ya tenía la celda \((.*?)\) —\n")
#: Name of our sheet when the agency already has a sheet called «Observaciones» of its own.
OWN_SHEET_FALLBACK = "Observaciones (validación)"
SEVERITY_LABEL = {"error": "Error", "advertencia": "Advertencia", "nota": "Nota"}
SEVERITY_FILL = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "advertencia": PatternFill("solid", fgColor="FFEB9C"),
}
SEVERITY_FONT = {"error": Font(bold=True, color="9C0006"), "advertencia": Font(bold=True, color="9C5700"),
                 "nota": Font(color="1F4E79")}
STATUS_FILL = STATUS_COLOURS
WRAP = Alignment(wrap_text=True, vertical="top")
LINK_FONT = Font(color="0563C1", underline="single")
ZIP_MAGIC = b"PK\x03\x04"
MAX_CELLS_PER_FINDING = 200  # a finding on a huge range marks its first cells only
_ADDRESS = re.compile(r"^\$?[A-Z]{1,3}\$?[0-9]{1,7}(:\$?[A-Z]{1,3}\$?[0-9]{1,7})?$")

# Columns of the findings table in Observaciones.
TABLE_COLUMNS = (("Núm.", 6), ("Gravedad", 13), ("Celda", 16), ("Problema", 26), ("Valor encontrado", 26),
                 ("Qué hay que corregir", 72), ("Código", 24))


def feedback_path(source: Path, edition: Edition) -> Path:
    """Where the feedback for ``source`` goes, mirroring its place under submissions/<ed>/.

    Keeping the sub-folders avoids two agencies' ``programa.xlsx`` overwriting
    each other's feedback.
    """
    source = Path(source)
    try:
        rel = source.resolve().relative_to(edition.paths.submissions.resolve())
    except ValueError:
        rel = Path(source.name)
    suffix = rel.suffix.lower()
    stem = rel.stem if suffix == ".xlsx" else f"{rel.stem}-{suffix.lstrip('.') or 'archivo'}"
    return edition.paths.feedback / rel.parent / f"{stem}-observaciones.xlsx"


def display_path(source: Path, edition: Edition) -> str:
    return shown(source, edition.paths.submissions)


def display_value(value: Any) -> str:
    """The value found, as the agency typed it (dates dd/mm/aaaa, numbers 3,179)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "(vacía)"
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y %H:%M}" if value.time() != dt.time(0) else f"{value:%d/%m/%Y}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    text = str(value)
    return text if len(text) <= 300 else text[:299] + "…"


def write_feedback(report: Report, edition: Edition, catalogs: Catalogs | None = None,
                   validated_at: dt.datetime | None = None) -> Path | None:
    """Write the feedback workbook for one file; ``None`` if the file has no findings.

    A feedback file left from an earlier run for a file that is now clean is
    removed, so the folder never holds stale observations. One whose file and
    findings have not changed since it was written is kept as is.

    The copy is made by patching the received package (``xlsx_patch``): a few
    milliseconds, and every part we do not mark stays the agency's bytes. Only
    what that cannot handle goes through openpyxl (about 0.1 s a file): a file
    that is not a readable package, a feedback copy sent back (its old marks
    are cleared), dropdowns lost from the file, an unusual package layout.
    """
    target = feedback_path(report.path, edition)
    if not report.findings:
        target.unlink(missing_ok=True)
        return None
    try:
        data = Path(report.path).read_bytes()
    except OSError:
        data = None
    fingerprint = _fingerprint(report, edition, data)
    # The editors' corrections, when the edition shows them to the agencies (issue 14).
    shown = []
    if edition.show_corrections and report.submission is not None:
        from . import corrections

        shown = corrections.for_submission(report.submission, edition)
        fingerprint = hashlib.sha256((fingerprint + repr([(o.correction.slot, o.correction.corrected)
                                                          for o in shown])).encode("utf-8")).hexdigest()
    if target.exists() and stored_fingerprint(target) == fingerprint:
        return target
    validated_at = validated_at or dt.datetime.now().replace(microsecond=0)
    # The corrections sheet is written with openpyxl (corrections.feedback_sheet): such copies are rebuilt.
    patched = _patched_copy(data, report, edition, catalogs, validated_at, fingerprint) if data and not shown else None
    if patched is not None:
        return _write(target, lambda tmp: tmp.write_bytes(patched))
    if data is None:
        wb, note = None, "No se pudo leer el archivo para hacer una copia marcada."
    else:
        wb, note = _open_copy(data), ""
    if wb is None:
        wb = Workbook()
        ws = wb.active
        ws.title = g.OBSERVACIONES
        findings = sorted(report.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
        layout = _layout(report, findings, edition, catalogs, validated_at, note, {}, copied=False)
        _write_observations(ws, layout)
    else:
        name = _strip_previous_feedback(wb)
        if report.submission is not None:
            _restore_dropdowns(wb, edition, catalogs)
        linkable = _mark_cells(wb, report.findings)
        ws = wb.create_sheet(name, 0)
        findings = sorted(report.findings, key=lambda f: _position(f, wb.sheetnames))
        _write_observations(ws, _layout(report, findings, edition, catalogs, validated_at, note, linkable,
                                        copied=True))
        for other in wb.worksheets:
            other.sheet_view.tabSelected = False
        ws.sheet_view.tabSelected = True
        wb.active = 0
    if shown:
        from . import corrections

        corrections.feedback_sheet(wb, shown)
    wb.properties.identifier = FINGERPRINT_PREFIX + fingerprint
    return _write(target, wb.save)


def _write(target: Path, write) -> Path:
    """Write ``target`` atomically with ``write(tmp_path)``; a full disk becomes an OutputError."""
    try:
        with atomic_write(target) as tmp:
            write(tmp)
        return target
    except (OSError, OutputError) as exc:
        reason = system_reason(exc) if isinstance(exc, OSError) else getattr(exc, "strerror", None) or exc
        raise OutputError(f"No se pudo escribir la retroalimentación {target} ({reason}). "
                          "Revise que haya espacio y permiso de escritura en la carpeta output/.") from None


# --- skipping unchanged feedback -------------------------------------------------

FINGERPRINT_PREFIX = "compendio-observaciones:"
_IDENTIFIER = re.compile(r"<dc:identifier(?:\s[^>]*)?>([^<]*)</dc:identifier>")


def _fingerprint(report: Report, edition: Edition, data: bytes | None) -> str:
    """Everything the feedback file shows, except the time it was written."""
    h = hashlib.sha256()
    h.update(hashlib.sha256(data).digest() if data is not None else b"-")
    parts = [__version__, display_path(report.path, edition), edition.title, f"{edition.deadline}",
             edition.contact.get("correo", "")]
    parts += [f"{f.severity}|{f.code}|{f.sheet}|{f.cell}|{f.message}|{f.value!r}" for f in report.findings]
    h.update("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def stored_fingerprint(path: Path) -> str | None:
    """The fingerprint a feedback file was written with (read from its document properties)."""
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None
    m = _IDENTIFIER.search(core)
    if not m or not m.group(1).startswith(FINGERPRINT_PREFIX):
        return None
    return m.group(1)[len(FINGERPRINT_PREFIX):]


# --- opening the copy --------------------------------------------------------

def _open_copy(data: bytes) -> Workbook | None:
    """The agency's workbook loaded from its bytes, or None if openpyxl cannot open it."""
    if not data.startswith(ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            check_limits(z, Path("libro"), data)  # a «zip bomb» gets its findings, never an openpyxl copy
        with warnings.catch_warnings():
            # "extension is not supported and will be removed": handled by _restore_dropdowns.
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), keep_links=True, rich_text=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types on malformed files; all mean "no copy"
        return None
    if not wb.worksheets:
        return None
    return wb


def _strip_previous_feedback(wb: Workbook) -> str:
    """An agency may correct our feedback copy and send it back: clear the old round's marks.

    Returns the name for the new Observaciones sheet: a sheet of that name the
    agency made itself is theirs, kept, and ours takes another name.
    """
    name = g.OBSERVACIONES
    ours = (wb.properties.identifier or "").startswith(FINGERPRINT_PREFIX)
    if name in wb.sheetnames:
        if ours:
            del wb[name]
        else:
            name = OWN_SHEET_FALLBACK
            if name in wb.sheetnames:
                del wb[name]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == COMMENT_AUTHOR:
                    # Give back the agency's own comment that ours had taken in.
                    earlier = _EARLIER.search(cell.comment.text)
                    cell.comment = Comment(cell.comment.text[earlier.end():], earlier.group(1)) if earlier else None
                    cell.fill = copy(INPUT_FILL)
    return name


_TEMPLATE_VALIDATIONS: dict[tuple[str, int], dict[str, list]] = {}


def _template_validations(edition: Edition, catalogs: Catalogs) -> dict[str, list]:
    """The dropdowns of a freshly built template (built once per edition and catalogs)."""
    key = (edition.key, id(catalogs))
    if key not in _TEMPLATE_VALIDATIONS:
        from .template import build_workbook

        wb = build_workbook(edition, catalogs)
        _TEMPLATE_VALIDATIONS[key] = {name: list(wb[name].data_validations.dataValidation)
                                      for name in (g.PROGRAMA, g.CIFRAS)}
    return _TEMPLATE_VALIDATIONS[key]


def _restore_dropdowns(wb: Workbook, edition: Edition, catalogs: Catalogs | None) -> None:
    """Put back the template's dropdowns if openpyxl dropped them (Excel's x14 extension list)."""
    if catalogs is None or g.CATALOGOS not in wb.sheetnames:
        return
    for name in (g.PROGRAMA, g.CIFRAS):
        if name not in wb.sheetnames or wb[name].data_validations.dataValidation:
            continue
        for dv in _template_validations(edition, catalogs)[name]:
            wb[name].add_data_validation(copy(dv))


# --- marking cells -----------------------------------------------------------

def _cells_in(address: str, anchor) -> list[tuple[int, int]]:
    """(row, column) of the cells a finding points at; ``anchor`` maps a cell in a merged area to its
    top-left cell."""
    address = address.replace("$", "").upper()
    if not _ADDRESS.match(address):
        return []
    min_col, min_row, max_col, max_row = range_boundaries(address if ":" in address else f"{address}:{address}")
    out: list[tuple[int, int]] = []
    for r in range(min_row, max_row + 1):
        for c in range(min_col, max_col + 1):
            cell = anchor(r, c)
            if cell not in out:
                out.append(cell)
            if len(out) >= MAX_CELLS_PER_FINDING:
                return out
    return out


def _openpyxl_anchor(ws):
    def anchor(r: int, c: int) -> tuple[int, int]:
        for merged in ws.merged_cells.ranges:
            if merged.min_row <= r <= merged.max_row and merged.min_col <= c <= merged.max_col:
                return merged.min_row, merged.min_col
        return r, c
    return anchor


def _group_by_cell(findings: list[Finding], sheet_of) -> tuple[dict, dict[int, str]]:
    """Findings by the cell they mark, and each finding's link target by ``id()``.

    ``sheet_of(name)`` gives a sheet's anchor function, or None for a sheet
    that is hidden, a chartsheet or missing: such findings are listed in
    Observaciones but not linked. (Keyed by identity: a value may be unhashable.)
    """
    by_cell: dict[tuple[str, int, int], list[Finding]] = defaultdict(list)
    links: dict[int, str] = {}
    for f in findings:
        anchor = sheet_of(f.sheet) if f.sheet else None
        if anchor is None:
            continue
        cells = _cells_in(f.cell, anchor) if f.cell else []
        links[id(f)] = f"{quote_sheetname(f.sheet)}!{_coord(*cells[0]) if cells else 'A1'}"
        for r, c in cells:
            by_cell[(f.sheet, r, c)].append(f)
    for key, found in by_cell.items():
        found.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
    return by_cell, links


def _coord(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def _comment(found: list[Finding], previous: tuple[str, str] | None) -> tuple[str, int, int]:
    """Our comment for a cell (text, width, height in px), keeping under it one the cell already had."""
    text = "\n\n".join(f"{SEVERITY_LABEL.get(f.severity, f.severity).upper()}: {f.message}" for f in found)
    if previous is not None:
        earlier, author = previous
        if author != COMMENT_AUTHOR and earlier.strip():
            text += f"{EARLIER_COMMENT.format(author=author or '')}{earlier.strip()}"
    lines = sum(1 + len(part) // 48 for part in text.split("\n"))
    return text, 340, min(40 + 15 * lines, 600)


def _mark_cells(wb: Workbook, findings: list[Finding]) -> dict[int, str]:
    """openpyxl: fill and comment every located finding; returns the link targets."""
    def sheet_of(name):
        if name not in wb.sheetnames:
            return None
        ws = wb[name]
        if not hasattr(ws, "merged_cells") or ws.sheet_state != "visible":
            return None
        return _openpyxl_anchor(ws)

    by_cell, links = _group_by_cell(findings, sheet_of)
    for (sheet, r, c), found in by_cell.items():
        cell = wb[sheet].cell(r, c)
        if found[0].severity in SEVERITY_FILL:
            cell.fill = copy(SEVERITY_FILL[found[0].severity])
        previous = (cell.comment.text, cell.comment.author) if cell.comment is not None else None
        text, width, height = _comment(found, previous)
        cell.comment = Comment(clean(text), COMMENT_AUTHOR, height=height, width=width)
    return links


# --- the patched copy --------------------------------------------------------

_FILL_COLOR = {sev: fill.fgColor.rgb[-6:] for sev, fill in SEVERITY_FILL.items()}


def _patched_copy(data: bytes, report: Report, edition: Edition, catalogs: Catalogs | None,
                  validated_at: dt.datetime, fingerprint: str) -> bytes | None:
    """The marked copy made by editing the package's parts, or None to leave it to openpyxl."""
    if not data.startswith(ZIP_MAGIC):
        return None
    try:
        if report.submission is None:  # the reader did not get to check its sizes: a «zip bomb» is not opened
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                check_limits(z, Path("libro"), data)
        pkg = xp.Package(data)
        if (pkg.identifier() or "").startswith(FINGERPRINT_PREFIX):
            return None  # our own copy sent back: its marks must be cleared first
        names = [s.name for s in pkg.sheets]
        name = g.OBSERVACIONES
        if name in names:
            name = OWN_SHEET_FALLBACK
            if name in names:
                return None
        if report.submission is not None and catalogs is not None and _dropdowns_lost(pkg):
            return None
        links = _patch_marks(pkg, report.findings)
        findings = sorted(report.findings, key=lambda f: _position(f, names))
        layout = _layout(report, findings, edition, catalogs, validated_at, "", links, copied=True)
        pkg.add_first_sheet(name, _sheet_xml(layout, pkg.styles), _defined_names(layout, name))
        pkg.set_identifier(FINGERPRINT_PREFIX + fingerprint)
        return pkg.save()
    except Exception:  # noqa: BLE001 - xp.Unpatchable, a damaged zip, a refused one: openpyxl's turn
        return None


def _dropdowns_lost(pkg: "xp.Package") -> bool:
    """The template's dropdowns are gone from Programa or Cifras (in neither the sheet nor its extension list)."""
    if pkg.sheet(g.CATALOGOS) is None:
        return False
    for name in (g.PROGRAMA, g.CIFRAS):
        entry = pkg.sheet(name)
        if entry is not None and entry.part is not None and b"dataValidations" not in pkg.parts[entry.part]:
            return True
    return False


def _patch_marks(pkg: "xp.Package", findings: list[Finding]) -> dict[int, str]:
    sheets: dict[str, xp.Worksheet] = {}

    def sheet_of(name):
        entry = pkg.sheet(name)
        if entry is None or entry.part is None or entry.state != "visible":
            return None
        if name not in sheets:
            sheets[name] = pkg.worksheet(entry)
        return sheets[name].anchor

    by_cell, links = _group_by_cell(findings, sheet_of)
    fills: dict[str, int] = {}
    existing = {name: ws.comments() for name, ws in sheets.items()}
    for (sheet, r, c), found in by_cell.items():
        ws, coord = sheets[sheet], _coord(r, c)
        worst = found[0].severity
        if worst in _FILL_COLOR:
            if worst not in fills:
                fills[worst] = pkg.styles.add_fill(_FILL_COLOR[worst])
            el = ws.cell(r, c, coord)
            style = el.get("s", "0")
            el.set("s", str(pkg.styles.with_fill(int(style) if style.isdigit() else 0, fills[worst])))
        text, width, height = _comment(found, existing[sheet].get(coord))
        ws.set_comment(r, c, coord, clean(text), COMMENT_AUTHOR, width, height)
    return links


def _position(f: Finding, sheetnames: list[str]) -> tuple:
    """Order: severity, then where the cell is in the workbook (file-level findings first)."""
    sheet_index = sheetnames.index(f.sheet) if f.sheet in sheetnames else -1
    row = col = 0
    if f.cell:
        try:
            letters, row = coordinate_from_string(f.cell.replace("$", "").split(":")[0].upper())
            col = range_boundaries(f"{letters}1:{letters}1")[0]
        except ValueError:
            pass
    return SEVERITY_ORDER.get(f.severity, 9), sheet_index, row, col


# --- the Observaciones sheet -------------------------------------------------

def _institution_and_program(report: Report, catalogs: Catalogs | None) -> tuple[str, str]:
    sub = report.submission
    if sub is None:
        return "—", "—"
    institution = sub.value("institucion")
    if not institution and catalogs is not None and sub.stamp.institution_id:
        body = catalogs.body(sub.stamp.institution_id)
        institution = body.name if body else None
    return str(institution or "(no indicada)"), str(sub.value("nombre_programa") or "(no indicado)")


def _next_steps(report: Report, edition: Edition, copied: bool) -> str:
    deadline = f"{edition.deadline:%d/%m/%Y}"
    mail = edition.contact.get("correo", "")
    to = f" a {mail}" if mail else ""
    if report.submission is None and not copied:
        return (f"No pudimos abrir su archivo, así que no se revisó su contenido. Siga la indicación de abajo "
                f"y envíe de nuevo el archivo{to} a más tardar el {deadline}.")
    if report.status == "rechazado":
        return ("Su reporte fue RECHAZADO y todavía no puede publicarse. Corrija las celdas marcadas en rojo "
                "(y, si puede, las amarillas) y reenvíe el archivo"
                f"{to} a más tardar el {deadline}. Puede corregir este mismo archivo: las marcas y esta hoja "
                "no estorban.")
    if report.status == "aceptado con observaciones":
        return ("Su reporte fue ACEPTADO, con observaciones. Revise las celdas marcadas en amarillo: si puede "
                f"mejorarlas, reenvíe el archivo corregido{to} a más tardar el {deadline}; si no, no necesita "
                "hacer nada más.")
    return "Su reporte fue ACEPTADO. Las notas de abajo son sólo informativas; no necesita hacer nada más."


@dataclass
class _Layout:
    """What the Observaciones sheet shows, for either writer: cells (row, col, value, style, link),
    merged ranges, row heights and where the findings table starts and ends."""
    cells: list[tuple[int, int, Any, str, str | None]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    header_row: int = 0
    last_row: int = 0

    @property
    def filter_ref(self) -> str:
        return f"A{self.header_row}:{get_column_letter(len(TABLE_COLUMNS))}{max(self.last_row, self.header_row + 1)}"


def _layout(report: Report, findings: list[Finding], edition: Edition, catalogs: Catalogs | None,
            validated_at: dt.datetime, note: str, links: dict[int, str], copied: bool) -> _Layout:
    ncols = len(TABLE_COLUMNS)
    out = _Layout()
    out.cells.append((1, 1, f"Observaciones de la validación — {edition.title}", "title", None))
    institution, program = _institution_and_program(report, catalogs)
    n_err, n_warn = len(report.errors), len(report.warnings)
    n_note = len(report.findings) - n_err - n_warn
    counts = [f"{n_err:,} error" + ("es" if n_err != 1 else ""),
              f"{n_warn:,} advertencia" + ("s" if n_warn != 1 else "")]
    if n_note:
        counts.append(f"{n_note:,} nota" + ("s" if n_note != 1 else ""))
    what_next = _next_steps(report, edition, copied)
    if note:
        what_next = f"{note} {what_next}"
    header = [
        ("Archivo", display_path(report.path, edition)),
        ("Institución", institution),
        ("Programa", program),
        ("Resultado", f"{report.status.upper()} — {', '.join(counts)}"),
        ("Qué hacer", what_next),
        ("Cómo leer esta hoja", "Cada fila es un problema encontrado. Haga clic en la columna «Celda» para ir a la "
                                "celda; en el libro, los errores están en rojo y las advertencias en amarillo, y "
                                "cada celda marcada tiene un comentario con la explicación."),
        ("Validado", f"{validated_at:%d/%m/%Y %H:%M} (validador {__version__})"),
    ]
    row = 3
    for label, value in header:
        # Labels span the two narrow first columns so they are not cut off.
        out.cells.append((row, 1, label, "label", None))
        out.cells.append((row, 3, value, f"status:{report.status}" if label == "Resultado" else "wrap", None))
        out.merges += [(row, 1, row, 2), (row, 3, row, ncols)]
        if len(value) > 130:
            out.heights[row] = 15 * (1 + len(value) // 130)
        row += 1
    row += 1
    out.header_row = row
    for i, (label, _) in enumerate(TABLE_COLUMNS, start=1):
        out.cells.append((row, i, label, "header", None))
    for n, f in enumerate(findings, start=1):
        row += 1
        target = links.get(id(f))
        value = display_value(f.value) if f.cell or f.value is not None else ""
        out.cells += [(row, 1, n, "wrap", None),
                      (row, 2, SEVERITY_LABEL.get(f.severity, f.severity), f"severity:{f.severity}", None),
                      (row, 3, f.ref or "(todo el archivo)", "link" if target else "wrap", target),
                      (row, 4, title(f.code), "wrap", None),
                      (row, 5, value, "wrap", None),
                      (row, 6, f.message, "wrap", None),
                      (row, 7, f.code, "wrap", None)]
        out.heights[row] = 15 * max(1, 1 + len(f.message) // 75, 1 + len(value) // 26)
    out.last_row = row
    return out


def _defined_names(layout: _Layout, sheet: str) -> list[tuple[str, str, bool]]:
    q = quote_sheetname(sheet)
    last = get_column_letter(len(TABLE_COLUMNS))
    h, end = layout.header_row, max(layout.last_row, layout.header_row + 1)
    return [("_xlnm._FilterDatabase", f"{q}!$A${h}:${last}${end}", True), ("_xlnm.Print_Titles", f"{q}!${h}:${h}", False)]


# --- the Observaciones sheet, with openpyxl --------------------------------------

def _openpyxl_style(cell, style: str) -> None:
    kind, _, arg = style.partition(":")
    if kind == "title":
        cell.font = Font(bold=True, size=14, color=GUINDA)
    elif kind == "label":
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top")
    elif kind == "status":
        cell.alignment = WRAP
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=STATUS_FILL.get(arg, "FFFFFF"))
    elif kind == "header":
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    else:
        cell.alignment = WRAP
        if kind == "severity":
            cell.font = copy(SEVERITY_FONT.get(arg, Font()))
            if arg in SEVERITY_FILL:
                cell.fill = copy(SEVERITY_FILL[arg])
        elif kind == "link":
            cell.font = copy(LINK_FONT)


def _write_observations(ws, layout: _Layout) -> None:
    for i, (_, width) in enumerate(TABLE_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.sheet_view.showGridLines = False
    for row, col, value, style, link in layout.cells:
        cell = put(ws, row, col, value)
        _openpyxl_style(cell, style)
        if link:
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=link, tooltip="Ir a la celda")
    for r1, c1, r2, c2 in layout.merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for row, height in layout.heights.items():
        ws.row_dimensions[row].height = height
    ws.freeze_panes = ws.cell(layout.header_row + 1, 1)
    ws.auto_filter.ref = layout.filter_ref
    ws.print_title_rows = f"{layout.header_row}:{layout.header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


# --- the Observaciones sheet, as worksheet XML -------------------------------------

def _xml_styles(styles: "xp.Styles") -> dict[str, int]:
    """Cell formats for the Observaciones sheet, added to the copy's stylesheet when first needed."""
    made: dict[str, int] = {}

    def get(style: str) -> int:
        if style in made:
            return made[style]
        kind, _, arg = style.partition(":")
        if kind == "title":
            xf = styles.add_xf(font=styles.add_font(bold=True, size=14, color=GUINDA))
        elif kind == "label":
            xf = styles.add_xf(font=styles.add_font(bold=True), vertical="top")
        elif kind == "status":
            xf = styles.add_xf(font=styles.add_font(bold=True), fill=styles.add_fill(STATUS_FILL.get(arg, "FFFFFF")),
                               wrap=True, vertical="top")
        elif kind == "header":
            xf = styles.add_xf(font=styles.add_font(bold=True, color="FFFFFF"), fill=styles.add_fill(GUINDA),
                               wrap=True, vertical="center")
        elif kind == "severity":
            spec = SEVERITY_FONT.get(arg, Font())
            font = styles.add_font(bold=bool(spec.b), color=(spec.color.rgb[-6:] if spec.color is not None else None))
            fill = styles.add_fill(_FILL_COLOR[arg]) if arg in _FILL_COLOR else 0
            xf = styles.add_xf(font=font, fill=fill, wrap=True, vertical="top")
        elif kind == "link":
            xf = styles.add_xf(font=styles.add_font(color=LINK_FONT.color.rgb[-6:], underline=True), wrap=True,
                               vertical="top")
        else:
            xf = styles.add_xf(wrap=True, vertical="top")
        made[style] = xf
        return xf

    return get


def _sheet_xml(layout: _Layout, styles: "xp.Styles") -> bytes:
    style_of = _xml_styles(styles)
    esc = lambda v: xml_escape(clean(str(v)), {'"': "&quot;"})  # noqa: E731
    h = layout.header_row
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{xp.MAIN}" '
             f'xmlns:r="{xp.REL_NS}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
             f'<dimension ref="A1:{get_column_letter(len(TABLE_COLUMNS))}{max(layout.last_row, 1)}"/>'
             f'<sheetViews><sheetView showGridLines="0" tabSelected="1" workbookViewId="0">'
             f'<pane ySplit="{h}" topLeftCell="A{h + 1}" activePane="bottomLeft" state="frozen"/>'
             f'<selection pane="bottomLeft" activeCell="A{h + 1}" sqref="A{h + 1}"/></sheetView></sheetViews>'
             '<sheetFormatPr defaultRowHeight="15"/><cols>']
    parts += [f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, (_, w) in enumerate(TABLE_COLUMNS, 1)]
    parts.append("</cols><sheetData>")
    rows: dict[int, list] = defaultdict(list)
    for cell in layout.cells:
        rows[cell[0]].append(cell)
    hyperlinks = []
    for r in sorted(rows):
        height = layout.heights.get(r)
        parts.append(f'<row r="{r}"' + (f' ht="{height:g}" customHeight="1">' if height else ">"))
        for _, c, value, style, link in sorted(rows[r], key=lambda x: x[1]):
            ref = _coord(r, c)
            s = style_of(style)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                parts.append(f'<c r="{ref}" s="{s}"><v>{value}</v></c>')
            elif value == "" or value is None:
                parts.append(f'<c r="{ref}" s="{s}"/>')
            else:
                parts.append(f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{esc(value)}</t></is></c>')
            if link:
                hyperlinks.append(f'<hyperlink ref="{ref}" location="{esc(link)}" tooltip="Ir a la celda" '
                                  f'display="{esc(value)}"/>')
        parts.append("</row>")
    parts.append(f'</sheetData><autoFilter ref="{layout.filter_ref}"/>')
    parts.append(f'<mergeCells count="{len(layout.merges)}">'
                 + "".join(f'<mergeCell ref="{_coord(r1, c1)}:{_coord(r2, c2)}"/>' for r1, c1, r2, c2 in layout.merges)
                 + "</mergeCells>")
    if hyperlinks:
        parts.append("<hyperlinks>" + "".join(hyperlinks) + "</hyperlinks>")
    parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                 '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>')
    return "".join(parts).encode("utf-8")
