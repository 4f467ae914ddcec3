"""The intake workbook: written from the field spec, one per program.

``build_workbook`` makes the template UPMRIP sends; ``fill`` puts a program's
data into it (used by the sample generator and the tests, so fixtures go
through the same writer agencies receive); ``save`` writes atomically.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from . import geometry as g
from .catalogs import Body, Catalogs
from .settings import Edition
from .spec import (BREAKDOWNS, CIFRAS_COLUMNS, PROGRAM_FIELDS, Field, cifras_col,
                   programa_layout)

# --- styles ----------------------------------------------------------------
GUINDA = "611232"  # Gobierno de México institutional colour
DORADO = "A57F2C"
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
HEADER_FILL = PatternFill("solid", fgColor=GUINDA)
SECTION_FILL = PatternFill("solid", fgColor="F2E6E9")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
RED_FILL = PatternFill("solid", fgColor="F8C7C3")
GREEN_FILL = PatternFill("solid", fgColor="D5EDD5")
THIN = Side(style="thin", color="B3B3B3")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
DATE_FORMAT = "dd/mm/yyyy"


@dataclass
class ProgramData:
    """What an agency fills in, keyed by field id (lists for repeated fields)."""

    fields: dict[str, Any] = field(default_factory=dict)
    #: Cifras rows: column id → value (``n`` is implicit).
    cifras: list[dict[str, Any]] = field(default_factory=list)
    table_title: str | None = None
    table_note: str | None = None
    table_rows: list[list[Any]] = field(default_factory=list)


def _catalog_ranges(catalogs: Catalogs) -> dict[str, str]:
    """Absolute range of each dropdown list in the hidden Catalogos sheet."""
    ranges = {}
    for i, (name, values) in enumerate(catalogs.dropdown_lists().items(), start=1):
        col = get_column_letter(i)
        ranges[name] = f"{g.CATALOGOS}!${col}$2:${col}${len(values) + 1}"
    return ranges


def _write_catalog_sheet(wb: Workbook, catalogs: Catalogs) -> None:
    ws = wb.create_sheet(g.CATALOGOS)
    for i, (name, values) in enumerate(catalogs.dropdown_lists().items(), start=1):
        ws.cell(1, i, name)
        for j, v in enumerate(values, start=2):
            ws.cell(j, i, v)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _write_stamp(wb: Workbook, edition: Edition, body: Body | None) -> None:
    ws = wb.create_sheet(g.SELLO)
    values = {
        "producto": g.SELLO_PRODUCT,
        "version_plantilla": g.TEMPLATE_VERSION,
        "edicion": edition.key,
        "institucion_id": body.id if body else "",
        "generado": dt.date.today().isoformat(),
    }
    for i, key in enumerate(g.SELLO_KEYS, start=1):
        ws.cell(i, 1, key)
        ws.cell(i, 2, values[key])
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def _protect(ws) -> None:
    # No password: agencies fill the open cells; rows may be resized for long text.
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.formatCells = True


def _field_validation(f: Field, ranges: dict[str, str]) -> DataValidation | None:
    if f.catalog:
        dv = DataValidation(type="list", formula1=f"={ranges[f.catalog]}", allow_blank=True)
        if f.catalog == "instituciones":
            # Bodies not yet registered may type their name; the validator flags it.
            dv.errorStyle = "warning"
        dv.error = "Elija un valor de la lista."
    elif f.type == "date":
        dv = DataValidation(type="date", operator="between", formula1="DATE(1990,1,1)",
                            formula2="DATE(2100,12,31)", allow_blank=True)
        dv.error = "Escriba una fecha válida (dd/mm/aaaa)."
    elif f.max_length:
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(f.max_length), allow_blank=True)
        dv.error = f"Máximo {f.max_length:,} caracteres."
    else:
        return None
    dv.errorTitle = f.label
    dv.prompt = f.help
    dv.promptTitle = f.label
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _help_text(f: Field) -> str:
    extra = []
    if f.max_length and f.type in ("text", "longtext"):
        extra.append(f"Máximo {f.max_length:,} caracteres.")
    if f.required_if:
        extra = extra  # the help already says when it is needed
    return " ".join([f.help, *extra])


def _write_programa(wb: Workbook, edition: Edition, ranges: dict[str, str]) -> None:
    ws = wb.create_sheet(g.PROGRAMA)
    ws.column_dimensions[g.PROGRAMA_ID_COL].hidden = True
    ws.column_dimensions[g.PROGRAMA_LABEL_COL].width = 34
    ws.column_dimensions[g.PROGRAMA_INPUT_COL].width = 70
    ws.column_dimensions[g.PROGRAMA_HELP_COL].width = 55
    ws[g.PROGRAMA_TITLE_CELL] = f"{edition.title} — Reporte de un programa o acción"
    ws[g.PROGRAMA_TITLE_CELL].font = Font(bold=True, size=14, color=GUINDA)
    ws["B2"] = ("Llene las celdas de color crema. Los campos con * son obligatorios. "
                f"Fecha límite de entrega: {edition.deadline:%d/%m/%Y}. Un archivo por programa.")
    ws["B2"].alignment = WRAP_TOP
    ws.merge_cells("B2:D2")
    ws.row_dimensions[2].height = 30
    layout = programa_layout()
    for key, row in layout.items():
        if key.startswith("§"):
            c = ws.cell(row, 2, key[1:])
            c.font = Font(bold=True, color="FFFFFF")
            for col in (2, 3, 4):
                ws.cell(row, col).fill = HEADER_FILL
    for f in PROGRAM_FIELDS:
        dv = _field_validation(f, ranges)
        if dv:
            ws.add_data_validation(dv)
        for i, slot in enumerate(f.slot_ids(), start=1):
            row = layout[slot]
            ws[f"{g.PROGRAMA_ID_COL}{row}"] = slot
            label = f.label if f.repeat == 1 else f"{f.label} {i}"
            ws[f"{g.PROGRAMA_LABEL_COL}{row}"] = label + (" *" if f.required else "")
            ws[f"{g.PROGRAMA_LABEL_COL}{row}"].alignment = WRAP_TOP
            ws[f"{g.PROGRAMA_LABEL_COL}{row}"].font = Font(bold=f.required)
            inp = ws[f"{g.PROGRAMA_INPUT_COL}{row}"]
            inp.fill = INPUT_FILL
            inp.border = BOX
            inp.alignment = WRAP_TOP
            inp.protection = UNLOCKED
            if f.type == "date":
                inp.number_format = DATE_FORMAT
            if i == 1:
                h = ws[f"{g.PROGRAMA_HELP_COL}{row}"]
                h.value = _help_text(f)
                h.alignment = WRAP_TOP
                h.font = Font(italic=True, size=9, color="555555")
            if f.type == "longtext":
                ws.row_dimensions[row].height = 75 if f.repeat == 1 else 32
            if dv:
                dv.add(inp.coordinate)
    ws.freeze_panes = "A4"
    ws.sheet_view.showGridLines = False
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws)


def status_formula(row: int) -> str:
    """Live check of one Cifras row, built from ``BREAKDOWNS``."""
    total = f"{cifras_col('total')}{row}"
    checks = []
    for b in BREAKDOWNS:
        first, last = cifras_col(b.parts[0]), cifras_col(b.parts[-1])
        rng = f"{first}{row}:{last}{row}"
        checks.append(f"OR(COUNT({rng})=0,SUM({rng})={total})")
    first_in, last_in = cifras_col("indicador"), cifras_col("nota")
    used = f"COUNTA({first_in}{row}:{last_in}{row})=0"
    return (f'=IF({used},"",IF(ISBLANK({total}),"Falta el total",'
            f'IF(AND({",".join(checks)}),"Cuadra","No cuadra")))')


def _write_cifras(wb: Workbook, edition: Edition, ranges: dict[str, str]) -> None:
    ws = wb.create_sheet(g.CIFRAS)
    ws[g.CIFRAS_TITLE_CELL] = "Cifras del programa (una fila por indicador)"
    ws[g.CIFRAS_TITLE_CELL].font = Font(bold=True, size=14, color=GUINDA)
    ws["A2"] = ("Escriba el total y, si los tiene, los desgloses por sexo y por edad: cada desglose debe sumar el total. "
                "Deje vacío lo que no sepa (vacío no es cero). Para un subgrupo («de los cuales…») escriba en "
                "«Subgrupo de la fila» el número de la fila madre. La columna «Revisión» se pone roja si algo no cuadra.")
    ws["A2"].alignment = WRAP_TOP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(CIFRAS_COLUMNS))
    ws.row_dimensions[2].height = 45
    ws.row_dimensions[g.CIFRAS_ID_ROW].hidden = True
    ws.row_dimensions[g.CIFRAS_HEADER_ROW].height = 45
    count_dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    count_dv.error = "Escriba un número entero mayor o igual a cero, sin separadores ni texto."
    count_dv.errorTitle = "Cifra no válida"
    ref_dv = DataValidation(type="whole", operator="between", formula1="1", formula2=str(g.CIFRAS_ROWS), allow_blank=True)
    ref_dv.error = f"Escriba el número (1 a {g.CIFRAS_ROWS}) de la fila de la que esta es subgrupo."
    ws.add_data_validation(count_dv)
    ws.add_data_validation(ref_dv)
    list_dvs = {}
    for col in CIFRAS_COLUMNS:
        letter = cifras_col(col.id)
        ws.column_dimensions[letter].width = col.width
        ws[f"{letter}{g.CIFRAS_ID_ROW}"] = col.id
        h = ws[f"{letter}{g.CIFRAS_HEADER_ROW}"]
        h.value = col.label
        h.font = Font(bold=True, color="FFFFFF")
        h.fill = HEADER_FILL
        h.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        h.comment = Comment(col.help, "Compendio")
        rng = f"{letter}{g.CIFRAS_FIRST_ROW}:{letter}{g.CIFRAS_LAST_ROW}"
        if col.type == "count":
            count_dv.add(rng)
        elif col.type == "ref":
            ref_dv.add(rng)
        elif col.catalog:
            dv = DataValidation(type="list", formula1=f"={ranges[col.catalog]}", allow_blank=True)
            dv.error = "Elija un valor de la lista."
            ws.add_data_validation(dv)
            dv.add(rng)
            list_dvs[col.id] = dv
        elif col.max_length:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(col.max_length), allow_blank=True)
            dv.error = f"Máximo {col.max_length} caracteres."
            ws.add_data_validation(dv)
            dv.add(rng)
    for i in range(g.CIFRAS_ROWS):
        row = g.CIFRAS_FIRST_ROW + i
        for col in CIFRAS_COLUMNS:
            c = ws[f"{cifras_col(col.id)}{row}"]
            c.border = BOX
            if col.type == "rownum":
                c.value = i + 1
                c.fill = LOCKED_FILL
                c.alignment = Alignment(horizontal="center")
            elif col.type == "status":
                c.value = status_formula(row)
                c.fill = LOCKED_FILL
            else:
                c.fill = INPUT_FILL
                c.protection = UNLOCKED
                if col.type == "count":
                    c.number_format = "#,##0"
                if col.type == "text":
                    c.alignment = WRAP_TOP
    first, last = g.CIFRAS_FIRST_ROW, g.CIFRAS_LAST_ROW
    status = cifras_col("estado")
    whole_rows = f"A{first}:{get_column_letter(len(CIFRAS_COLUMNS))}{last}"
    ws.conditional_formatting.add(whole_rows, FormulaRule(
        formula=[f'OR(${status}{first}="No cuadra",${status}{first}="Falta el total")'], fill=RED_FILL,
        font=Font(color="9C0006", bold=True)))
    ws.conditional_formatting.add(f"{status}{first}:{status}{last}", FormulaRule(
        formula=[f'${status}{first}="Cuadra"'], fill=GREEN_FILL))
    ws.freeze_panes = ws[f"C{g.CIFRAS_FIRST_ROW}"]
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    _protect(ws)


def _write_tabla(wb: Workbook) -> None:
    ws = wb.create_sheet(g.TABLA)
    ws["A1"] = "Tabla de resultados (opcional)"
    ws["A1"].font = Font(bold=True, size=14, color=GUINDA)
    ws["B2"] = ("Si sus resultados se entienden mejor en una tabla, escríbala aquí: la primera fila es el encabezado. "
                "Se publica tal cual, debajo de los resultados.")
    ws["B2"].alignment = WRAP_TOP
    ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=g.TABLA_LAST_COL)
    ws.row_dimensions[2].height = 30
    ws[g.TABLA_TITLE_LABEL_CELL] = "Título de la tabla"
    ws[g.TABLA_NOTE_LABEL_CELL] = "Nota o fuente"
    ws.column_dimensions["A"].width = 18
    for addr in (g.TABLA_TITLE_CELL, g.TABLA_NOTE_CELL):
        ws[addr].fill = INPUT_FILL
        ws[addr].protection = UNLOCKED
        ws[addr].border = BOX
    ws.merge_cells(f"{g.TABLA_TITLE_CELL}:{get_column_letter(g.TABLA_LAST_COL)}3")
    ws.merge_cells(f"{g.TABLA_NOTE_CELL}:{get_column_letter(g.TABLA_LAST_COL)}4")
    ws.cell(g.TABLA_HEADER_ROW, 1, "Encabezado →").font = Font(italic=True, color="555555")
    for r in range(g.TABLA_ROWS):
        for c in range(g.TABLA_COLS):
            cell = ws[g.tabla_cell(r, c)]
            cell.fill = SECTION_FILL if r == 0 else INPUT_FILL
            cell.protection = UNLOCKED
            cell.border = BOX
            cell.alignment = WRAP_TOP
            if r == 0:
                cell.font = Font(bold=True)
    for c in range(g.TABLA_COLS):
        ws.column_dimensions[get_column_letter(g.TABLA_FIRST_COL + c)].width = 16
    _protect(ws)


def build_workbook(edition: Edition, catalogs: Catalogs, body: Body | None = None) -> Workbook:
    """The template for one program, pre-filled with the body's identity (blank if none)."""
    from .instructions import write_instructions

    wb = Workbook()
    wb.remove(wb.active)
    ranges = _catalog_ranges(catalogs)
    write_instructions(wb, edition)
    _write_programa(wb, edition, ranges)
    _write_cifras(wb, edition, ranges)
    _write_tabla(wb)
    _write_catalog_sheet(wb, catalogs)
    _write_stamp(wb, edition, body)
    prefill = {
        "periodo_desde": edition.period_from,
        "periodo_hasta": edition.period_to,
    }
    if body is not None:
        prefill |= {"institucion": body.name, "siglas": body.acronym,
                    "sector": catalogs.sector(body.sector).name}
        if body.state:
            prefill["entidad"] = catalogs.state(body.state).name
    fill(wb, ProgramData(fields=prefill))
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = wb.sheetnames.index(g.PROGRAMA)
    wb.properties.title = edition.title
    wb.properties.creator = "UPMRIP – Compendio"
    wb.properties.language = "es-MX"
    return wb


def fill(wb: Workbook, data: ProgramData) -> Workbook:
    """Write a program's data into a template, exactly where an agency would."""
    layout = programa_layout()
    ws = wb[g.PROGRAMA]
    for field_id, value in data.fields.items():
        f = next(x for x in PROGRAM_FIELDS if x.id == field_id)
        slots = f.slot_ids()
        values = value if isinstance(value, (list, tuple)) else [value]
        if f.repeat == 1:
            values = [value]
        for slot, v in zip(slots, values):
            ws[f"{g.PROGRAMA_INPUT_COL}{layout[slot]}"] = v
    if data.cifras:
        wc = wb[g.CIFRAS]
        for i, row in enumerate(data.cifras):
            r = g.CIFRAS_FIRST_ROW + i
            for col_id, v in row.items():
                wc[f"{cifras_col(col_id)}{r}"] = v
    if data.table_title or data.table_rows:
        wt = wb[g.TABLA]
        wt[g.TABLA_TITLE_CELL] = data.table_title
        wt[g.TABLA_NOTE_CELL] = data.table_note
        for r, row in enumerate(data.table_rows):
            for c, v in enumerate(row):
                wt[g.tabla_cell(r, c)] = v
    return wb


def save(wb: Workbook, path: Path) -> Path:
    """Write atomically: a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def template_path(edition: Edition, catalogs: Catalogs, body: Body | None) -> Path:
    """``intake_templates/<ed>/<sector>/<SIGLA>.xlsx``; the blank one at the top."""
    base = edition.paths.templates
    if body is None:
        return base / f"plantilla-en-blanco-{edition.key}.xlsx"
    name = body.acronym or body.id
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-")
    return base / body.sector / f"{safe}.xlsx"
