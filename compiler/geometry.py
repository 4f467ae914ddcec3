"""Workbook geometry: sheet names, anchor rows and columns, named once.

Every module that writes or reads a workbook imports these names; no other
module spells a sheet name or an anchor cell.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

# The template version comes from the field spec (``spec.template_version``): each field says since when it exists.

# Sheet names as the agencies see them.
INSTRUCCIONES = "Instrucciones"
PROGRAMA = "Programa"
CIFRAS = "Cifras"
TABLA = "Tabla"
CATALOGOS = "Catalogos"  # hidden: dropdown sources
SELLO = "_sello"  # very hidden: the template's stamp
OBSERVACIONES = "Observaciones"  # first sheet of a feedback copy (added by feedback.py)

#: Sheets a returned workbook must still have for the reader to use it.
REQUIRED_SHEETS = (PROGRAMA, CIFRAS, TABLA, SELLO)

# --- Programa: one field per row, field id in a hidden column --------------
PROGRAMA_ID_COL = "A"  # hidden: field id (read fields by id, not by row)
PROGRAMA_LABEL_COL = "B"
PROGRAMA_INPUT_COL = "C"
PROGRAMA_HELP_COL = "D"
PROGRAMA_TITLE_CELL = "B1"
PROGRAMA_FIRST_ROW = 4  # first section heading

# --- Cifras: one indicator per row, column ids in a hidden row -------------
CIFRAS_TITLE_CELL = "A1"
CIFRAS_ID_ROW = 4  # hidden: column ids
CIFRAS_HEADER_ROW = 5
CIFRAS_FIRST_ROW = 6
CIFRAS_ROWS = 60
CIFRAS_LAST_ROW = CIFRAS_FIRST_ROW + CIFRAS_ROWS - 1

# --- Tabla: optional free table, printed as is -----------------------------
TABLA_TITLE_LABEL_CELL = "A3"
TABLA_TITLE_CELL = "B3"
TABLA_NOTE_LABEL_CELL = "A4"
TABLA_NOTE_CELL = "B4"
#: «¿La primera fila es encabezado?» (Sí/No); blank, as in workbooks made before it existed, means «Sí».
TABLA_HEADER_CHOICE_LABEL_CELL = "A5"
TABLA_HEADER_CHOICE_CELL = "B5"
TABLA_HEADER_ROW = 6  # first row of the grid is the table's header
TABLA_FIRST_COL = 2  # column B
TABLA_COLS = 10
TABLA_ROWS = 40  # including the header row
TABLA_LAST_ROW = TABLA_HEADER_ROW + TABLA_ROWS - 1
TABLA_LAST_COL = TABLA_FIRST_COL + TABLA_COLS - 1

# --- _sello: key in column A, value in column B ----------------------------
SELLO_KEYS = ("producto", "version_plantilla", "edicion", "institucion_id", "generado")
SELLO_PRODUCT = "compendio-pmm"


def sello_cell(key: str) -> str:
    return f"B{SELLO_KEYS.index(key) + 1}"


def tabla_cell(row_index: int, col_index: int) -> str:
    """Address of the free table's cell (0-based row within the grid, 0-based column)."""
    return f"{get_column_letter(TABLA_FIRST_COL + col_index)}{TABLA_HEADER_ROW + row_index}"
