"""The Instrucciones sheet: how to fill the workbook, built from the field spec."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook import Workbook

from . import geometry as g
from .settings import Edition
from .spec import CIFRAS_COLUMNS, PROGRAM_FIELDS

GUINDA = "611232"
WRAP = Alignment(wrap_text=True, vertical="top")


def write_instructions(wb: Workbook, edition: Edition) -> None:
    ws = wb.create_sheet(g.INSTRUCCIONES)
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 45
    ws.sheet_view.showGridLines = False
    contact = edition.contact
    lines = [
        (f"{edition.title}: instrucciones de llenado", None),
        ("", None),
        ("Qué es", "Este libro reúne la información de UN programa o acción alineado al Pacto Mundial para una "
                   "Migración Segura, Ordenada y Regular. Si su institución reporta varios programas, haga una "
                   "copia del archivo por cada uno."),
        ("Periodo que se informa", f"Del {edition.period_from:%d/%m/%Y} al {edition.period_to:%d/%m/%Y}."),
        ("Fecha límite de entrega", f"{edition.deadline:%d/%m/%Y}"),
        ("Contacto", " · ".join(v for v in (contact.get("area"), contact.get("correo"), contact.get("telefono")) if v)),
        ("Cómo llenarlo", "1. En «Programa», llene las celdas de color crema; las marcadas con * son obligatorias.\n"
                          "2. En «Cifras», una fila por indicador, con su total y, si los tiene, los desgloses por "
                          "sexo y edad. La columna «Revisión» se pone roja si un desglose no suma el total.\n"
                          "3. «Tabla» es opcional: úsela sólo si sus resultados se entienden mejor en una tabla.\n"
                          "4. No cambie el nombre de las hojas ni agregue filas: el archivo está protegido para "
                          "evitarlo (sin contraseña para llenar)."),
        ("", None),
    ]
    row = 1
    for a, b in lines:
        ws.cell(row, 1, a)
        if b is not None:
            ws.cell(row, 2, b).alignment = WRAP
            ws.cell(row, 1).font = Font(bold=True)
        row += 1
    ws["A1"].font = Font(bold=True, size=14, color=GUINDA)
    ws.row_dimensions[3].height = 45
    ws.row_dimensions[7].height = 90

    def header(r: int, *titles: str) -> None:
        for i, t in enumerate(titles, start=1):
            c = ws.cell(r, i, t)
            c.font = Font(bold=True, color="FFFFFF")
            c.fill = PatternFill("solid", fgColor=GUINDA)

    header(row, "Campo (hoja Programa)", "Qué escribir", "Ejemplo")
    row += 1
    for f in PROGRAM_FIELDS:
        label = f.label + (" *" if f.required else "") + (f" (hasta {f.repeat})" if f.repeat > 1 else "")
        ws.cell(row, 1, label).alignment = WRAP
        help_text = f.help + (f" Máximo {f.max_length:,} caracteres." if f.max_length and f.type in ("text", "longtext") else "")
        ws.cell(row, 2, help_text).alignment = WRAP
        ws.cell(row, 3, f.example).alignment = WRAP
        row += 1
    row += 1
    header(row, "Columna (hoja Cifras)", "Qué escribir", "Ejemplo")
    examples = {"indicador": "Personas orientadas en módulos", "unidad": "personas", "total": "3179",
                "mujeres": "1801", "hombres": "1204", "no_binarias": "24", "sexo_sin_dato": "150",
                "subgrupo_de": "1", "subgrupos_completos": "Sí"}
    row += 1
    for col in CIFRAS_COLUMNS:
        ws.cell(row, 1, col.label)
        ws.cell(row, 2, col.help).alignment = WRAP
        ws.cell(row, 3, examples.get(col.id, ""))
        row += 1
    ws.protection.sheet = True
