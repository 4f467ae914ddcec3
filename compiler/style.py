"""Style constants shared by every workbook, chart and PDF the tool writes.

The stylesheets (``templates/*.css``) repeat the brand colour as a CSS
variable; everything written from Python takes it from here.
"""

from __future__ import annotations

#: Gobierno de México institutional colour (guinda) and its gold.
GUINDA = "611232"
DORADO = "A57F2C"
#: Light tint of the guinda, for section bands.
GUINDA_CLARO = "F2E6E9"
#: Cells an agency fills in.
CREMA = "FFF9E5"
#: Locked, computed cells.
GRIS = "EDEDED"
BORDE = "B3B3B3"
#: Live check / feedback marks.
ROJO_CLARO = "F8C7C3"
VERDE_CLARO = "D5EDD5"
#: Background of a file's status in the summary, the board and the feedback.
STATUS_COLOURS = {"rechazado": "FFC7CE", "aceptado con observaciones": "FFEB9C", "aceptado": "C6EFCE"}
