"""What the template and its Instrucciones sheet share: cell styles, field texts, print setup.

Both ``template`` (the Programa, Cifras and Tabla sheets) and ``instructions``
(the Instrucciones sheet) build on this module, so neither imports the other
back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

from . import geometry as g
from . import style
from .catalogs import Catalogs
from .settings import Edition
from . import spec
from .spec import Field

# --- styles ----------------------------------------------------------------
GUINDA = style.GUINDA
DORADO = style.DORADO
INPUT_FILL = PatternFill("solid", fgColor=style.CREMA)
HEADER_FILL = PatternFill("solid", fgColor=GUINDA)
SECTION_FILL = PatternFill("solid", fgColor=style.GUINDA_CLARO)
LOCKED_FILL = PatternFill("solid", fgColor=style.GRIS)
RED_FILL = PatternFill("solid", fgColor=style.ROJO_CLARO)
GREEN_FILL = PatternFill("solid", fgColor=style.VERDE_CLARO)
THIN = Side(style="thin", color=style.BORDE)
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
DATE_FORMAT = "dd/mm/yyyy"
HELP_FONT = Font(italic=True, size=9, color="444444")

#: Texts of the live check in Cifras; «Cuadra» is the only good one.
STATUS_OK = "Cuadra"
CONDITIONAL_MARK = " (*)"
PROGRAMA_WIDTHS = {g.PROGRAMA_LABEL_COL: 30, g.PROGRAMA_INPUT_COL: 62, g.PROGRAMA_HELP_COL: 46}
REQUIRED_MARK = " *"


@dataclass
class ProgramData:
    """What an agency fills in, keyed by field id (lists for repeated fields)."""

    fields: dict[str, Any] = field(default_factory=dict)
    #: Cifras rows: column id → value (``n`` is implicit).
    cifras: list[dict[str, Any]] = field(default_factory=list)
    table_title: str | None = None
    table_note: str | None = None
    table_rows: list[list[Any]] = field(default_factory=list)
    #: «No» when the first row of the free table is data, not a header.
    table_header: str | None = None


# --- texts shared with the Instrucciones sheet --------------------------------

def display_value(f: Field, value: str, catalogs: Catalogs) -> str:
    """How a catalog key reads in the workbook (sector «estatal» → «Entidades federativas»)."""
    if f.catalog == "sectores":
        sector = next((s for s in catalogs.sectors if s.key == value), None)
        return sector.name if sector else value
    return value


def condition_text(f: Field, catalogs: Catalogs) -> str:
    """«Obligatorio si «Vigencia» es «Temporal».» for conditionally required fields."""
    if not f.required_if:
        return ""
    other = spec.FIELDS_BY_ID[f.required_if[0]]
    value = display_value(other, f.required_if[1], catalogs)
    return f"Obligatorio si «{other.label}» es «{value}»."


def field_label(f: Field, slot_number: int = 1) -> str:
    label = f.label if f.repeat == 1 else f"{f.label} {slot_number}"
    if f.required:
        return label + REQUIRED_MARK
    if f.required_if:
        return label + CONDITIONAL_MARK
    return label


def help_text(f: Field, catalogs: Catalogs) -> str:
    """The help printed beside a field: spec help, condition and length limit."""
    parts = [f.help, condition_text(f, catalogs)]
    if f.max_length and f.kind.free_text and str(f.max_length) not in f.help:
        parts.append(f"Máximo {f.max_length:,} caracteres.")
    return " ".join(p for p in parts if p)


def text_lines(text: str, width: float, size: float = 11) -> int:
    """Lines a wrapped cell needs; Excel never grows rows by itself for files it did not write."""
    if not text:
        return 1
    chars = max(1, int(width * 1.0 * 11 / size))
    return sum(max(1, math.ceil(len(part) / chars)) for part in str(text).split("\n"))


def row_height(lines: int, size: float = 11) -> float:
    return round(lines * size * 1.32 + 4, 1)


def sample_mark(edition: Edition) -> str:
    """Templates of a sample edition say so, so nobody sends them to a real agency by mistake."""
    return " (EDICIÓN DE MUESTRA, DATOS FICTICIOS)" if edition.sample else ""


def letter_page(ws, landscape: bool, title_rows: str | None = None) -> None:
    """Print on letter paper, as wide as the page, as many pages down as needed."""
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A — página &P de &N"
    ws.oddFooter.center.size = 8


