"""Validation report → a marked copy of the agency's own workbook.

For every file with findings the agency gets back its workbook with each
problem cell filled (red: error, yellow: advertencia) and commented, plus a
first sheet *Observaciones* that lists every finding with a link to its cell.
The original is read once into memory and never written: the copy is built
from those bytes and saved atomically under ``output/<ed>/retroalimentacion/``.

openpyxl keeps what our template uses (data validations, conditional formats,
sheet and workbook protection, hidden sheets, merged cells, comments) but
drops what it does not model: charts, shapes, form controls, slicers, and the
``x14`` extension lists in which Excel may store dropdowns that point at
another sheet and extended conditional formats (data bars, icon sets). Our
dropdowns all point at the hidden *Catalogos* sheet, so when a workbook comes
back with them moved into the extension list, the copy gets them back from a
freshly built template (see ``_restore_dropdowns``).
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
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.worksheet.hyperlink import Hyperlink

from . import __version__
from . import geometry as g
from .catalogs import Catalogs
from .errors import OutputError
from .files import shown
from .findings import title
from .reader import check_limits
from .model import SEVERITY_ORDER, Finding, Report
from .settings import Edition
from .style import GUINDA, STATUS_COLOURS
from .template import INPUT_FILL, save
from .textsafe import clean, put

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
HEADER_FILL = PatternFill("solid", fgColor=GUINDA)
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
    findings have not changed since it was written is kept as is: opening and
    saving a workbook with openpyxl costs about 0.1 s, and a season's re-runs
    would otherwise rewrite hundreds of identical files.
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
    if data is None:
        wb, note = None, "No se pudo leer el archivo para hacer una copia marcada."
    else:
        wb, note = _open_copy(data), ""
    if wb is None:
        wb = Workbook()
        ws = wb.active
        ws.title = g.OBSERVACIONES
        findings = sorted(report.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
        _write_observations(ws, report, findings, edition, catalogs, validated_at, note, {}, copied=False)
    else:
        name = _strip_previous_feedback(wb)
        if report.submission is not None:
            _restore_dropdowns(wb, edition, catalogs)
        linkable = _mark_cells(wb, report.findings)
        ws = wb.create_sheet(name, 0)
        findings = sorted(report.findings, key=lambda f: _position(f, wb.sheetnames))
        _write_observations(ws, report, findings, edition, catalogs, validated_at, note, linkable, copied=True)
        for other in wb.worksheets:
            other.sheet_view.tabSelected = False
        ws.sheet_view.tabSelected = True
        wb.active = 0
    if shown:
        from . import corrections

        corrections.feedback_sheet(wb, shown)
    wb.properties.identifier = FINGERPRINT_PREFIX + fingerprint
    try:
        return save(wb, target)
    except OutputError as exc:  # atomic writes report the system's reason in strerror
        raise OutputError(f"No se pudo escribir la retroalimentación {target} ({getattr(exc, 'strerror', None) or exc}). "
                          "Revise que haya espacio y permiso de escritura en la carpeta output/.") from None


# --- skipping unchanged feedback -------------------------------------------------

FINGERPRINT_PREFIX = "compendio-observaciones:"
_IDENTIFIER = re.compile(r"<dc:identifier>([^<]*)</dc:identifier>")


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
            check_limits(z, Path("libro"))  # a «zip bomb» gets its findings, never an openpyxl copy
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

def _cells_of(ws, address: str) -> list[str]:
    """Top-left coordinates of the cells a finding points at (merged areas collapse to their anchor)."""
    address = address.replace("$", "").upper()
    if not _ADDRESS.match(address):
        return []
    min_col, min_row, max_col, max_row = range_boundaries(address if ":" in address else f"{address}:{address}")
    out: list[str] = []
    for r in range(min_row, max_row + 1):
        for c in range(min_col, max_col + 1):
            coord = f"{get_column_letter(c)}{r}"
            for merged in ws.merged_cells.ranges:
                if coord in merged:
                    coord = merged.start_cell.coordinate
                    break
            if coord not in out:
                out.append(coord)
            if len(out) >= MAX_CELLS_PER_FINDING:
                return out
    return out


def _mark_cells(wb: Workbook, findings: list[Finding]) -> dict[int, str]:
    """Fill and comment every located finding; returns each finding's link target by ``id()``.

    (Keyed by identity: a finding's value may be unhashable.)
    """
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    links: dict[int, str] = {}
    for f in findings:
        if not f.sheet or f.sheet not in wb.sheetnames:
            continue
        ws = wb[f.sheet]
        if not hasattr(ws, "merged_cells") or ws.sheet_state != "visible":
            continue  # chartsheets and hidden sheets: listed in Observaciones, not linked
        cells = _cells_of(ws, f.cell) if f.cell else []
        links[id(f)] = f"{quote_sheetname(f.sheet)}!{cells[0] if cells else 'A1'}"
        for coord in cells:
            by_cell[(f.sheet, coord)].append(f)
    for (sheet, coord), found in by_cell.items():
        cell = wb[sheet][coord]
        found = sorted(found, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
        worst = found[0].severity
        if worst in SEVERITY_FILL:
            cell.fill = copy(SEVERITY_FILL[worst])
        text = "\n\n".join(f"{SEVERITY_LABEL.get(f.severity, f.severity).upper()}: {f.message}" for f in found)
        previous = cell.comment
        if previous is not None and previous.author != COMMENT_AUTHOR and previous.text.strip():
            text += f"{EARLIER_COMMENT.format(author=previous.author or '')}{previous.text.strip()}"
        lines = sum(1 + len(part) // 48 for part in text.split("\n"))
        cell.comment = Comment(clean(text), COMMENT_AUTHOR, height=min(40 + 15 * lines, 600), width=340)
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


def _write_observations(ws, report: Report, findings: list[Finding], edition: Edition, catalogs: Catalogs | None,
                        validated_at: dt.datetime, note: str, links: dict[int, str], copied: bool) -> None:
    ncols = len(TABLE_COLUMNS)
    last = get_column_letter(ncols)
    for i, (_, width) in enumerate(TABLE_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.sheet_view.showGridLines = False
    ws["A1"] = f"Observaciones de la validación — {edition.title}"
    ws["A1"].font = Font(bold=True, size=14, color=GUINDA)
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
        ws.cell(row, 1, label).font = Font(bold=True)
        ws.cell(row, 1).alignment = Alignment(vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=ncols)
        c = put(ws, row, 3, value)
        c.alignment = WRAP
        if label == "Resultado":
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor=STATUS_FILL.get(report.status, "FFFFFF"))
        if len(value) > 130:
            ws.row_dimensions[row].height = 15 * (1 + len(value) // 130)
        row += 1
    row += 1
    header_row = row
    for i, (label, _) in enumerate(TABLE_COLUMNS, start=1):
        c = ws.cell(row, i, label)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = HEADER_FILL
        c.alignment = Alignment(vertical="center", wrap_text=True)
    for n, f in enumerate(findings, start=1):
        row += 1
        ws.cell(row, 1, n)
        sev = ws.cell(row, 2, SEVERITY_LABEL.get(f.severity, f.severity))
        sev.font = copy(SEVERITY_FONT.get(f.severity, Font()))
        if f.severity in SEVERITY_FILL:
            sev.fill = copy(SEVERITY_FILL[f.severity])
        where = ws.cell(row, 3, f.ref or "(todo el archivo)")
        target = links.get(id(f))
        if target:
            where.hyperlink = Hyperlink(ref=where.coordinate, location=target, tooltip="Ir a la celda")
            where.font = copy(LINK_FONT)
        ws.cell(row, 4, title(f.code))
        put(ws, row, 5, display_value(f.value) if f.cell or f.value is not None else "")
        put(ws, row, 6, f.message)
        ws.cell(row, 7, f.code)
        for col in range(1, ncols + 1):
            ws.cell(row, col).alignment = WRAP
        ws.row_dimensions[row].height = 15 * max(1, 1 + len(f.message) // 75, 1 + len(str(ws.cell(row, 5).value)) // 26)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:{last}{max(row, header_row + 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
