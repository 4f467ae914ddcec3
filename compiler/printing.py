"""Staff workbooks that print: one page setup and one body style for every table sheet.

UPMRIP staff print the validation summary and the reception board for
meetings. A sheet prints legibly when it is landscape on letter paper, as wide
as the page, with its header row repeated on every page, every data cell top
aligned (rows with a wrapped cell otherwise look shifted) and counts with
thousands separators (3,179).
"""

from __future__ import annotations

import datetime as dt
import numbers

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .sheets import HEADER_FILL

COUNT = "#,##0"
DATETIME = "dd/mm/yyyy hh:mm"
#: Characters per line of a column of width w (Excel's width unit is about one digit).
_CHARS_PER_WIDTH = 1.1
LINE_HEIGHT = 15


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")


def header_row(ws, row: int, headers, height: float | None = None) -> None:
    """A table's header row: (label, column width) pairs, white on guinda, wrapped and centred."""
    for i, (label, width) in enumerate(headers, start=1):
        c = ws.cell(row, i, label)
        c.font, c.fill, c.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        ws.column_dimensions[get_column_letter(i)].width = width
    if height:
        ws.row_dimensions[row].height = height


def page_setup(ws, header_row: int, last_column: int | None = None) -> None:
    """Landscape letter, fitted to the page width, the header repeated, pages numbered, grid printed.

    ``last_column`` limits what prints (technical columns stay in the sheet).
    """
    from .template import letter_page

    letter_page(ws, landscape=True, title_rows=f"{header_row}:{header_row}")
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_options.gridLines = True
    if last_column:
        ws.print_area = f"A1:{get_column_letter(last_column)}{max(ws.max_row, header_row)}"


def style_body(ws, first_row: int, wrap_columns: set[int] = frozenset(), center_columns: set[int] = frozenset()) -> None:
    """Top-align every data cell, wrap the long-text columns, give numbers their format and rows their height."""
    widths = {c: (ws.column_dimensions[get_column_letter(c)].width or 10) for c in range(1, ws.max_column + 1)}
    aligned = {c: Alignment(vertical="top", wrap_text=c in wrap_columns,
                            horizontal="center" if c in center_columns else None) for c in widths}
    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            col = cell.column
            cell.alignment = aligned[col]
            v = cell.value
            if isinstance(v, numbers.Integral) and not isinstance(v, bool) and cell.number_format == "General":
                cell.number_format = COUNT
            elif isinstance(v, dt.datetime) and cell.number_format == "General":
                cell.number_format = DATETIME
            if col in wrap_columns and v is not None:
                per_line = max(1, int(widths[col] * _CHARS_PER_WIDTH))
                text_lines = str(v).split("\n")
                lines = max(lines, sum(-(-max(1, len(t)) // per_line) for t in text_lines))
        # openpyxl cannot auto-fit; an estimate keeps wrapped text visible when printed.
        ws.row_dimensions[row[0].row].height = LINE_HEIGHT * min(lines, 20)
