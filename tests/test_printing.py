"""Staff workbooks that print: validacion.xlsx and tablero.xlsx, read back as a printer would see them."""

from __future__ import annotations

import openpyxl
import pytest

from compiler import board, register, validation
from compiler.model import Finding, Report

from test_status import scenario, season  # noqa: F401  (the reception season fixture)

LONG = ("La fila 1 cuenta 19717 personas sin ningún desglose por sexo. Si tiene el dato, escriba cuántas son mujeres, "
        "hombres, personas no binarias o sin dato; si no lo tiene, deje las celdas vacías.")


def assert_prints(ws, header_row: int, wrapped: set[str]):
    """Landscape letter fitted to one page width, header repeated, every data cell top-aligned."""
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_LETTER
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    header = [c.value for c in ws[header_row]]
    assert ws.column_dimensions["A"].width and all(
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width <= 62 for i in range(1, len(header) + 1))
    rows = list(ws.iter_rows(min_row=header_row + 1))
    assert rows
    for row in rows:
        for cell in row:
            if cell.value is None:
                continue
            assert cell.alignment.vertical == "top", cell.coordinate
            if header[cell.column - 1] in wrapped:
                assert cell.alignment.wrap_text, cell.coordinate
            if isinstance(cell.value, (int, float)):
                assert cell.number_format.startswith("#,##0"), cell.coordinate  # 19,717, never 19717
    return header, rows


def test_validation_summary_prints(edition, tmp_path):
    path = edition.paths.submissions / "libro-de-prueba-con-un-nombre-de-archivo-muy-largo.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    report = Report(path, [Finding("sin-desglose-sexo", "advertencia", "Cifras", "E6", LONG, 19717),
                           Finding("sin-retos", "advertencia", "Programa", "C28", "No se escribió ningún reto.")])
    xlsx, _ = validation.write_summary([report], edition)
    wb = openpyxl.load_workbook(xlsx)
    assert_prints(wb["Resumen"], 2, {"Archivo", "Institución", "Programa", "Sustituido por"})
    header, rows = assert_prints(wb["Observaciones"], 1, {"Archivo", "Observación", "Valor encontrado",
                                                         "Qué hay que corregir"})
    value = rows[0][header.index("Valor encontrado")]
    assert value.value == 19717 and value.number_format == "#,##0"  # prints 19,717
    # The long message gets the lines it needs (openpyxl cannot auto-fit; LibreOffice and Excel keep the height).
    heights = [wb["Observaciones"].row_dimensions[row[0].row].height for row in rows]
    assert heights[0] > heights[1] >= 15


def test_board_prints_both_sheets(edition, cats, season):  # noqa: F811
    scenario(edition, season)
    wb = openpyxl.load_workbook(board.write_excel(board.build(edition, cats, register.load(edition)), cats))
    assert_prints(wb["Tablero"], 5, {"Sector", "Institución"})
    files = wb["Archivos"]
    header, _ = assert_prints(files, 1, {"Ruta", "Institución", "Programa", "Códigos"})
    # What prints is what staff read: technical columns (hashes, versions) stay on screen only.
    printed = files.print_area.split(":")[-1].rstrip("0123456789").replace("$", "")
    printed_headers = header[:openpyxl.utils.column_index_from_string(printed)]
    assert {"Institución", "Programa", "Estado", "Errores", "Recibido"} <= set(printed_headers)
    assert "SHA-256" not in printed_headers and len(printed_headers) <= 12
    widths = sum(files.column_dimensions[openpyxl.utils.get_column_letter(i)].width
                 for i in range(1, len(printed_headers) + 1))
    assert widths <= 210  # about 70 % scale on landscape letter: legible on paper
