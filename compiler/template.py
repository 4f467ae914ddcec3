"""The intake workbook: written from the field spec, one per program.

``build_workbook`` makes the template UPMRIP sends; ``fill`` puts a program's
data into it (used by the sample generator and the tests, so fixtures go
through the same writer agencies receive); ``save`` writes atomically.

What the agency gets: labelled cream input cells, everything else locked
(sheet protection without a password, so nothing is needed to fill it in),
dropdowns fed from a hidden catalog sheet, Excel data validation on dates,
lengths and counts, and a live «Revisión» column in Cifras that turns a row
red while its breakdowns or sub-groups do not add up.

The very hidden stamp holds only what is the same for every copy of one
body's template (product, template version, edition, body id, date made).
A program's identity is what the agency writes (institution + program name,
``Submission.program_key``), so a body copying its template once per program
never has two programs taken for one.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from . import geometry as g
from . import xlsx_patch
from .atomic import atomic_write
from .instructions import write_instructions
from . import spec
from .catalogs import Body, Catalogs
from .settings import Edition
# Re-exported: callers build data with ``template.ProgramData`` and style cells with these.
from .sheets import (BOX, CONDITIONAL_MARK, DATE_FORMAT, DORADO, GREEN_FILL, GUINDA, HEADER_FILL,  # noqa: F401
                     HELP_FONT, INPUT_FILL, LOCKED_FILL, PROGRAMA_WIDTHS, RED_FILL, REQUIRED_MARK, SECTION_FILL,
                     STATUS_OK, THIN, UNLOCKED, WRAP_TOP, ProgramData, condition_text, display_value, field_label,
                     help_text, letter_page, row_height, sample_mark, text_lines)
from .spec import (BREAKDOWNS, CIFRAS_BY_ID, CIFRAS_COLUMNS, COUNT_COLUMNS, PERCENT_SUM_TOLERANCE, PERCENT_UNIT,
                   TABLA_HEADER_FIELD, Column, Field, cifras_col, programa_layout)

# Styles, field texts and print setup live in ``sheets`` (shared with the Instrucciones sheet).
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


def stamp_values(edition: Edition, body: Body | None) -> dict[str, str]:
    """The stamp: the same for every copy of one body's template, never per program."""
    return {
        "producto": g.SELLO_PRODUCT,
        "version_plantilla": spec.template_version(),
        "edicion": edition.key,
        "institucion_id": body.id if body else "",
        "generado": dt.date.today().isoformat(),
    }


def _write_stamp(wb: Workbook, edition: Edition, body: Body | None) -> None:
    ws = wb.create_sheet(g.SELLO)
    values = stamp_values(edition, body)
    for i, key in enumerate(g.SELLO_KEYS, start=1):
        ws.cell(i, 1, key)
        ws.cell(i, 2, values[key])
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def _same_style(cell, proto) -> None:
    # Copying the style index is ~20x faster than setting five style objects on
    # each of the ~1,400 grid cells, and the full registry run is dominated by it.
    cell._style = copy(proto._style)


def _protect(ws) -> None:
    # No password: agencies fill the open cells; rows may be resized for long text.
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.formatCells = True


def _declared_validation(rule: dict[str, Any] | None) -> DataValidation | None:
    """The Excel validation a spec type declares (keyword arguments and its ``error`` text)."""
    if rule is None:
        return None
    rule = dict(rule)
    error = rule.pop("error")
    dv = DataValidation(allow_blank=True, **rule)
    dv.error = error
    return dv


def _field_validation(f: Field, ranges: dict[str, str], cell: str) -> DataValidation | None:
    """A dropdown for a catalog field, else the Excel validation its type declares (``spec.FIELD_TYPES``)."""
    if f.catalog:
        dv = DataValidation(type="list", formula1=f"{ranges[f.catalog]}", allow_blank=True)
        if f.catalog in spec.OPEN_CATALOGS:
            # Bodies not yet registered may type their name; the validator flags it.
            dv.errorStyle = "warning"
            dv.error = "Esta institución no está en la lista. Si es correcta, elija «Sí» para conservarla."
        else:
            dv.error = "Elija un valor de la lista."
    else:
        dv = _declared_validation(f.kind.excel(f, cell))
        if dv is None:
            return None
    dv.errorTitle = f.label[:32]
    # Excel truncates input messages at 255 characters.
    dv.prompt = f.help[:250]
    dv.promptTitle = f.label[:32]
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _write_programa(wb: Workbook, edition: Edition, catalogs: Catalogs, ranges: dict[str, str]) -> None:
    ws = wb.create_sheet(g.PROGRAMA)
    widths = PROGRAMA_WIDTHS
    ws.column_dimensions[g.PROGRAMA_ID_COL].hidden = True
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    ws[g.PROGRAMA_TITLE_CELL] = f"{edition.title} — Reporte de un programa o acción{sample_mark(edition)}"
    ws[g.PROGRAMA_TITLE_CELL].font = Font(bold=True, size=14, color=GUINDA)
    ws["B2"] = ("Llene las celdas de color crema (una hoja por programa: si reporta varios, copie el archivo). "
                "* = obligatorio; (*) = obligatorio sólo en el caso que indica la ayuda. "
                f"Fecha límite de entrega: {edition.deadline:%d/%m/%Y}. Dudas: {edition.contact.get('correo', '')}.")
    ws["B2"].alignment = WRAP_TOP
    ws.merge_cells("B2:D2")
    ws.row_dimensions[2].height = row_height(text_lines(ws["B2"].value, sum(widths.values())))
    layout = programa_layout()
    for key, row in layout.items():
        if key.startswith("§"):
            c = ws.cell(row, 2, key[1:])
            c.font = Font(bold=True, color="FFFFFF")
            for col in (2, 3, 4):
                ws.cell(row, col).fill = HEADER_FILL
    for f in spec.PROGRAM_FIELDS:
        first_cell = f"{g.PROGRAMA_INPUT_COL}{layout[f.slot_ids()[0]]}"
        dv = _field_validation(f, ranges, first_cell)
        if dv:
            ws.add_data_validation(dv)
        for i, slot in enumerate(f.slot_ids(), start=1):
            row = layout[slot]
            ws[f"{g.PROGRAMA_ID_COL}{row}"] = slot
            label = ws[f"{g.PROGRAMA_LABEL_COL}{row}"]
            label.value = field_label(f, i)
            label.alignment = WRAP_TOP
            label.font = Font(bold=f.required or bool(f.required_if))
            inp = ws[f"{g.PROGRAMA_INPUT_COL}{row}"]
            inp.fill = INPUT_FILL
            inp.border = BOX
            inp.alignment = WRAP_TOP
            inp.protection = UNLOCKED
            if f.kind.number_format:
                inp.number_format = f.kind.number_format
                inp.alignment = Alignment(horizontal="left", vertical="top")
            lines = 1
            if i == 1:
                h = ws[f"{g.PROGRAMA_HELP_COL}{row}"]
                h.value = help_text(f, catalogs)
                h.alignment = WRAP_TOP
                h.font = HELP_FONT
                lines = text_lines(h.value, widths[g.PROGRAMA_HELP_COL], 9)
            height = row_height(lines, 9)
            if f.type == "longtext":
                height = max(height, 90 if f.repeat == 1 else 30)
            elif f.catalog == "objetivos" or (f.max_length or 0) > 150:
                # Room for the longest objective title or a long name without resizing.
                height = max(height, row_height(2))
            ws.row_dimensions[row].height = max(height, 16)
            if dv:
                dv.add(inp.coordinate)
        if f.required_if:
            # Live reminder: the cell turns red while its condition holds and it is empty.
            other = spec.FIELDS_BY_ID[f.required_if[0]]
            other_cell = f"${g.PROGRAMA_INPUT_COL}${layout[other.slot_ids()[0]]}"
            value = display_value(other, f.required_if[1], catalogs)
            ws.conditional_formatting.add(first_cell, FormulaRule(
                formula=[f'AND({other_cell}="{value}",ISBLANK({first_cell}))'], fill=RED_FILL))
    last = max(layout.values())
    ws.freeze_panes = "A4"
    ws.sheet_view.showGridLines = False
    ws.print_area = f"B1:D{last}"
    letter_page(ws, landscape=False, title_rows="1:1")
    _protect(ws)


# --- Cifras live check ------------------------------------------------------

def _abs(column_id: str) -> str:
    col = cifras_col(column_id)
    return f"${col}${g.CIFRAS_FIRST_ROW}:${col}${g.CIFRAS_LAST_ROW}"


def status_formula(row: int) -> str:
    """Live check of one Cifras row, built from ``BREAKDOWNS`` and the sub-group columns.

    The same rules as the validator's arithmetic (``tests/test_live_check.py``
    holds both to one table of cases), in order: the total is there; every
    breakdown used adds up to it; a sub-group points at another row with a
    total, not at one that is its own sub-group, and exceeds it in no count
    column; when the parent says «Sí», the sub-groups sharing this row's
    criterion add up to the parent in the total and in every column all of
    them give.
    """
    total = f"{cifras_col('total')}{row}"
    number = f"{cifras_col('n')}{row}"
    parent = f"{cifras_col('subgrupo_de')}{row}"
    criterion = f"{cifras_col('criterio')}{row}"
    totals, parents, criteria, flags = _abs("total"), _abs("subgrupo_de"), _abs("criterio"), _abs("subgrupos_completos")
    first_in, last_in = cifras_col("indicador"), cifras_col("nota")
    yes = "Sí"
    same = f'{parents},{parent},{criteria},{criterion}&""'  # the sub-groups of this row's parent and criterion
    expr = f'"{STATUS_OK}"'
    for cid in reversed(COUNT_COLUMNS):
        if cid == "total":
            continue
        col, label = _abs(cid), CIFRAS_BY_ID[cid].label
        expr = (f'IF(AND(ISNUMBER(INDEX({col},{parent})),COUNTIFS({same})=COUNTIFS({same},{col},"<>"),'
                f'SUMIFS({col},{same})<>INDEX({col},{parent})),'
                f'"Los subgrupos no suman la fila "&{parent}&" en {label}",{expr})')
    expr = (f'IF(INDEX({flags},{parent})="{yes}",IF(SUMIFS({totals},{same})<>INDEX({totals},{parent}),'
            f'"Los subgrupos no suman la fila "&{parent},{expr}),"{STATUS_OK}")')
    for cid in reversed(COUNT_COLUMNS):
        mine, theirs = f"{cifras_col(cid)}{row}", f"INDEX({_abs(cid)},{parent})"
        where = "" if cid == "total" else f'&" en {CIFRAS_BY_ID[cid].label}"'
        expr = (f'IF(AND(ISNUMBER({mine}),ISNUMBER({theirs}),{mine}>{theirs}),'
                f'"Mayor que la fila "&{parent}{where},{expr})')
    sub = (f'IF(ISBLANK(INDEX({totals},{parent})),"La fila "&{parent}&" no tiene total",'
           f'IF(INDEX({parents},{parent})={number},"Las filas "&{number}&" y "&{parent}&" son subgrupo una de la otra",'
           f'{expr}))')
    expr = (f'IF(ISBLANK({parent}),"{STATUS_OK}",IF({parent}={number},"No puede ser subgrupo de sí misma",'
            f'IFERROR({sub},"Revise «Subgrupo de la fila»")))')
    unit = f"{cifras_col('unidad')}{row}"
    percent = f'{unit}="{PERCENT_UNIT}"'
    for b in reversed(BREAKDOWNS):
        first, last = cifras_col(b.parts[0]), cifras_col(b.parts[-1])
        rng = f"{first}{row}:{last}{row}"
        expr = (f'IF(AND(COUNT({rng})>0,{percent},ABS(SUM({rng})-100)>{PERCENT_SUM_TOLERANCE:g}),'
                f'"Los porcentajes por {b.label} no suman 100",'
                f'IF(AND(COUNT({rng})>0,NOT({percent}),SUM({rng})<>{total}),"El desglose por {b.label} no suma el total",{expr}))')
    used = f"COUNTA({first_in}{row}:{last_in}{row})=0"
    return f'=IF({used},"",IF(AND(ISBLANK({total}),NOT({percent})),"Falta el total",{expr}))'


def _column_validation(col: Column, ranges: dict[str, str], cell: str, unit: str) -> DataValidation | None:
    """A dropdown for a catalog column, else the validation its type declares (``spec.COLUMN_TYPES``)."""
    if col.catalog:
        dv = DataValidation(type="list", formula1=f"{ranges[col.catalog]}", allow_blank=True)
        dv.error = "Elija un valor de la lista."
    else:
        dv = _declared_validation(col.kind.excel(col, cell, unit))
        if dv is None:
            return None
    dv.errorTitle = col.label[:32]
    dv.showErrorMessage = True
    return dv


def _write_cifras(wb: Workbook, edition: Edition, ranges: dict[str, str]) -> None:
    ws = wb.create_sheet(g.CIFRAS)
    last_letter = get_column_letter(len(CIFRAS_COLUMNS))
    total_width = sum(c.width for c in CIFRAS_COLUMNS)
    ws[g.CIFRAS_TITLE_CELL] = "Cifras del programa (una fila por indicador)"
    ws[g.CIFRAS_TITLE_CELL].font = Font(bold=True, size=14, color=GUINDA)
    ws["A2"] = ("Escriba el total y, si los tiene, los desgloses por sexo y por edad: cada desglose que use debe sumar "
                "el total. Deje vacío lo que no sepa (vacío no es cero). Para un subgrupo («de los cuales…») escriba en "
                "«Subgrupo de la fila» el número de la fila madre, y en la fila madre diga si sus subgrupos suman su total. "
                "La columna «Revisión» se pone roja mientras algo no cuadre. Pase el cursor sobre un encabezado para ver su ayuda.")
    ws["A2"].alignment = WRAP_TOP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(CIFRAS_COLUMNS))
    ws.row_dimensions[2].height = row_height(text_lines(ws["A2"].value, total_width))
    ws.row_dimensions[g.CIFRAS_ID_ROW].hidden = True
    ws.row_dimensions[g.CIFRAS_HEADER_ROW].height = 48
    unit = f"${cifras_col('unidad')}{g.CIFRAS_FIRST_ROW}"
    for col in CIFRAS_COLUMNS:
        letter = cifras_col(col.id)
        ws.column_dimensions[letter].width = col.width
        ws[f"{letter}{g.CIFRAS_ID_ROW}"] = col.id
        h = ws[f"{letter}{g.CIFRAS_HEADER_ROW}"]
        h.value = col.label
        h.font = Font(bold=True, color="FFFFFF", size=10)
        h.fill = HEADER_FILL
        h.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        h.border = BOX
        h.comment = Comment(col.help, "Compendio", width=260, height=110)
        rng = f"{letter}{g.CIFRAS_FIRST_ROW}:{letter}{g.CIFRAS_LAST_ROW}"
        dv = _column_validation(col, ranges, f"{letter}{g.CIFRAS_FIRST_ROW}", unit)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(rng)
    for col in CIFRAS_COLUMNS:
        letter = cifras_col(col.id)
        proto = ws[f"{letter}{g.CIFRAS_FIRST_ROW}"]
        proto.border = BOX
        kind = col.kind
        proto.fill = INPUT_FILL if kind.entered else LOCKED_FILL
        proto.alignment = Alignment(horizontal="center", vertical="top") if kind.centred else WRAP_TOP
        if kind.entered:
            proto.protection = UNLOCKED
        elif col.type == "status":
            proto.font = Font(size=9)
        if kind.number_format:
            proto.number_format = kind.number_format
        for i in range(g.CIFRAS_ROWS):
            row = g.CIFRAS_FIRST_ROW + i
            c = ws[f"{letter}{row}"]
            if i:
                _same_style(c, proto)
            if col.type == "rownum":
                c.value = i + 1
            elif col.type == "status":
                c.value = status_formula(row)
    first, last = g.CIFRAS_FIRST_ROW, g.CIFRAS_LAST_ROW
    status = cifras_col("estado")
    ws.conditional_formatting.add(f"A{first}:{last_letter}{last}", FormulaRule(
        formula=[f'AND(${status}{first}<>"",${status}{first}<>"{STATUS_OK}")'], fill=RED_FILL,
        font=Font(color="9C0006", bold=True)))
    ws.conditional_formatting.add(f"{status}{first}:{status}{last}", FormulaRule(
        formula=[f'${status}{first}="{STATUS_OK}"'], fill=GREEN_FILL))
    ws.freeze_panes = ws[f"C{g.CIFRAS_FIRST_ROW}"]
    ws.print_area = f"A1:{last_letter}{last}"
    letter_page(ws, landscape=True, title_rows=f"{g.CIFRAS_HEADER_ROW}:{g.CIFRAS_HEADER_ROW}")
    _protect(ws)


def _write_tabla(wb: Workbook, ranges: dict[str, str]) -> None:
    ws = wb.create_sheet(g.TABLA)
    last_letter = get_column_letter(g.TABLA_LAST_COL)
    ws["A1"] = "Tabla de resultados (opcional)"
    ws["A1"].font = Font(bold=True, size=14, color=GUINDA)
    ws["B2"] = ("Si sus resultados se entienden mejor en una tabla, escríbala aquí. Se publica tal cual, debajo de "
                "los resultados, o donde escriba [TABLA] en una línea propia de «Resultados». "
                "Si no la necesita, deje esta hoja vacía.")
    ws["B2"].alignment = WRAP_TOP
    ws.merge_cells(f"B2:{last_letter}2")
    ws.row_dimensions[2].height = 30
    ws[g.TABLA_TITLE_LABEL_CELL] = "Título de la tabla"
    ws[g.TABLA_NOTE_LABEL_CELL] = "Nota o fuente"
    for addr in (g.TABLA_TITLE_LABEL_CELL, g.TABLA_NOTE_LABEL_CELL):
        ws[addr].font = Font(bold=True)
        ws[addr].alignment = WRAP_TOP
    ws.column_dimensions["A"].width = 16
    for addr in (g.TABLA_TITLE_CELL, g.TABLA_NOTE_CELL):
        ws[addr].fill = INPUT_FILL
        ws[addr].protection = UNLOCKED
        ws[addr].border = BOX
        ws[addr].alignment = WRAP_TOP
    ws.merge_cells(f"{g.TABLA_TITLE_CELL}:{last_letter}{g.TABLA_TITLE_CELL[1:]}")
    ws.merge_cells(f"{g.TABLA_NOTE_CELL}:{last_letter}{g.TABLA_NOTE_CELL[1:]}")
    choice = ws[g.TABLA_HEADER_CHOICE_CELL]
    ws[g.TABLA_HEADER_CHOICE_LABEL_CELL] = TABLA_HEADER_FIELD.label
    ws[g.TABLA_HEADER_CHOICE_LABEL_CELL].font = Font(bold=True)
    ws[g.TABLA_HEADER_CHOICE_LABEL_CELL].alignment = WRAP_TOP
    ws.row_dimensions[int(g.TABLA_HEADER_CHOICE_CELL[1:])].height = 30
    choice.value = "Sí"
    choice.fill = INPUT_FILL
    choice.protection = UNLOCKED
    choice.border = BOX
    dv = _field_validation(TABLA_HEADER_FIELD, ranges, g.TABLA_HEADER_CHOICE_CELL)
    ws.add_data_validation(dv)
    dv.add(g.TABLA_HEADER_CHOICE_CELL)
    ws.cell(g.TABLA_HEADER_ROW, 1, "Primera fila →").font = Font(italic=True, color="555555")
    protos = {}
    for r in range(g.TABLA_ROWS):
        for c in range(g.TABLA_COLS):
            cell = ws[g.tabla_cell(r, c)]
            kind = r == 0
            if kind in protos:
                _same_style(cell, protos[kind])
                continue
            cell.fill = SECTION_FILL if kind else INPUT_FILL
            cell.protection = UNLOCKED
            cell.border = BOX
            cell.alignment = WRAP_TOP
            if kind:
                cell.font = Font(bold=True)
            protos[kind] = cell
    for c in range(g.TABLA_COLS):
        ws.column_dimensions[get_column_letter(g.TABLA_FIRST_COL + c)].width = 15
    ws.print_area = f"A1:{last_letter}{g.TABLA_LAST_ROW}"
    letter_page(ws, landscape=True)
    _protect(ws)


#: Fields the template writes itself: the body's identity and the edition's reported period.
PREFILLED_FIELDS = frozenset({"institucion", "siglas", "sector", "entidad", "periodo_desde", "periodo_hasta"})


def build_workbook(edition: Edition, catalogs: Catalogs, body: Body | None = None) -> Workbook:
    """The template for one program, pre-filled with the body's identity (blank if none)."""
    wb = Workbook()
    wb.remove(wb.active)
    ranges = _catalog_ranges(catalogs)
    write_instructions(wb, edition, catalogs)
    _write_programa(wb, edition, catalogs, ranges)
    _write_cifras(wb, edition, ranges)
    _write_tabla(wb, ranges)
    _write_catalog_sheet(wb, catalogs)
    _write_stamp(wb, edition, body)
    prefill: dict[str, Any] = {
        "periodo_desde": edition.period_from,
        "periodo_hasta": edition.period_to,
    }
    if body is not None:
        prefill |= {"institucion": body.name, "sector": catalogs.sector(body.sector).name}
        if body.acronym:
            prefill["siglas"] = body.acronym
        if body.state:
            prefill["entidad"] = catalogs.state(body.state).name
    assert set(prefill) <= PREFILLED_FIELDS
    fill(wb, ProgramData(fields=prefill))
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = wb.sheetnames.index(g.PROGRAMA)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == g.PROGRAMA
    wb.properties.title = f"{edition.title} — plantilla de reporte"
    wb.properties.subject = body.label if body else "Plantilla en blanco"
    wb.properties.creator = "UPMRIP – Compendio"
    wb.properties.language = "es-MX"
    return wb


def _grow_row(ws, row: int, texts: list[tuple[Any, float]]) -> None:
    """Make a row tall enough for what was written (Excel only refits rows it edits itself)."""
    lines = max((text_lines(str(v), w) for v, w in texts if isinstance(v, str) and v), default=1)
    if lines > 1:
        needed = row_height(lines)
        current = ws.row_dimensions[row].height
        if current is None or current < needed:
            ws.row_dimensions[row].height = needed


def fill(wb: Workbook, data: ProgramData) -> Workbook:
    """Write a program's data into a template, exactly where an agency would."""
    layout = programa_layout()
    ws = wb[g.PROGRAMA]
    for field_id, value in data.fields.items():
        f = spec.FIELDS_BY_ID.get(field_id)
        if f is None:
            raise KeyError(f"unknown field id {field_id!r}; see spec.PROGRAM_FIELDS")
        slots = f.slot_ids()
        if f.repeat == 1:
            values = [value]
        else:
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            if len(values) > len(slots):
                raise ValueError(f"{field_id}: {len(values)} values for {len(slots)} cells")
            values += [None] * (len(slots) - len(values))
        for slot, v in zip(slots, values):
            ws[f"{g.PROGRAMA_INPUT_COL}{layout[slot]}"] = v
            _grow_row(ws, layout[slot], [(v, PROGRAMA_WIDTHS[g.PROGRAMA_INPUT_COL])])
    if data.cifras:
        if len(data.cifras) > g.CIFRAS_ROWS:
            raise ValueError(f"{len(data.cifras)} Cifras rows; the sheet has {g.CIFRAS_ROWS}")
        wc = wb[g.CIFRAS]
        for i, row in enumerate(data.cifras):
            r = g.CIFRAS_FIRST_ROW + i
            for col_id, v in row.items():
                col = CIFRAS_BY_ID.get(col_id)
                if col is None or not col.kind.entered:
                    raise KeyError(f"{col_id!r} is not a Cifras input column")
                wc[f"{cifras_col(col_id)}{r}"] = v
            _grow_row(wc, r, [(row.get(c.id), c.width) for c in CIFRAS_COLUMNS if c.type == "text"])
    if data.table_title or data.table_note or data.table_rows:
        if len(data.table_rows) > g.TABLA_ROWS or any(len(r) > g.TABLA_COLS for r in data.table_rows):
            raise ValueError(f"the free table holds at most {g.TABLA_ROWS} rows × {g.TABLA_COLS} columns")
        wt = wb[g.TABLA]
        wt[g.TABLA_TITLE_CELL] = data.table_title
        wt[g.TABLA_NOTE_CELL] = data.table_note
        if data.table_header is not None:
            wt[g.TABLA_HEADER_CHOICE_CELL] = data.table_header
        for r, row in enumerate(data.table_rows):
            for c, v in enumerate(row):
                wt[g.tabla_cell(r, c)] = v
    return wb


def save(wb: Workbook, path: Path) -> Path:
    """Write atomically (see ``atomic``): the workbook appears whole or not at all.

    The «Revisión» column is stored as one shared formula (``_share_status``).
    """
    with atomic_write(Path(path)) as tmp:
        wb.save(tmp)
        _share_status(wb, tmp)
    return Path(path)


def _share_status(wb: Workbook, saved: Path) -> None:
    """Rewrite the saved workbook with the «Revisión» formulas made one shared formula.

    Written once per row, their ~4 KB each were 87% of the Cifras sheet, which every
    check of a returned workbook inflates and parses; Excel keeps a shared formula
    when the agency saves, so the returned files stay small too. openpyxl cannot
    write one, hence the patch of the saved package. A workbook whose column is
    not ``status_formula`` on every row (not made by ``build_workbook``) is left as it is.
    """
    if g.CIFRAS not in wb.sheetnames:
        return
    ws, status = wb[g.CIFRAS], cifras_col("estado")
    rows = range(g.CIFRAS_FIRST_ROW, g.CIFRAS_LAST_ROW + 1)
    if any(ws[f"{status}{row}"].value != status_formula(row) for row in rows):
        return
    try:
        package = xlsx_patch.Package(saved.read_bytes())
        entry = package.sheet(g.CIFRAS)
        if entry is None:
            return
        package.worksheet(entry).share_formula(status, rows[0], rows[-1])
    except xlsx_patch.Unpatchable:
        return
    saved.write_bytes(package.save())


def template_path(edition: Edition, catalogs: Catalogs, body: Body | None) -> Path:
    """``intake_templates/<ed>/<sector>/<SIGLA>.xlsx``; the blank one at the top."""
    base = edition.paths.templates
    if body is None:
        return base / f"plantilla-en-blanco-{edition.key}.xlsx"
    name = body.acronym or body.id
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-")
    return base / body.sector / f"{safe}.xlsx"


def find_body(catalogs: Catalogs, acronym: str) -> Body:
    """The registered body with this acronym (or registry id, or name), case-insensitive."""
    import difflib

    from .errors import CompendioError

    body = catalogs.body_by_name(acronym)
    if body is not None:
        return body
    names = {b.acronym or b.id: b for b in catalogs.bodies}
    close = difflib.get_close_matches(acronym.strip().upper(), [n.upper() for n in names], n=3, cutoff=0.6)
    hint = f" ¿Quiso decir {', '.join(close)}?" if close else ""
    raise CompendioError(
        f"No hay ninguna institución con la sigla «{acronym}» en el registro "
        f"de instituciones.{hint} Si es nueva, agréguela al registro de la edición "
        "(ediciones/<edición>/catalogos/organismos.csv, columnas id, nombre, sigla, sector) o use la plantilla en blanco.")


def plan(edition: Edition, catalogs: Catalogs, bodies: list[Body | None]) -> list[tuple[Body | None, Path]]:
    """Each body with its template path; refuses a registry where two bodies share one file."""
    from .errors import CatalogError

    out, seen = [], {}
    for body in bodies:
        path = template_path(edition, catalogs, body)
        if path in seen:
            first = seen[path]
            raise CatalogError(
                f"Dos instituciones del registro tendrían la misma plantilla {path.relative_to(edition.paths.root)}: "
                f"«{first.name}» y «{body.name}». Corrija sus siglas en "
                f"ediciones/{edition.key}/catalogos/organismos.csv (una fila con su id y la sigla correcta).")
        seen[path] = body
        out.append((body, path))
    return out


def generate(edition: Edition, catalogs: Catalogs, bodies: list[Body | None], overwrite: bool = False,
             on_progress=None) -> tuple[list[Path], list[Path]]:
    """Write the templates of ``bodies`` (``None`` = the blank one); existing files are kept unless ``overwrite``.

    Returns (written, kept). Each file is written atomically, so an interrupted
    run leaves whole templates only.
    """
    from .errors import OutputError, system_reason

    written, kept = [], []
    for body, path in plan(edition, catalogs, bodies):
        if path.exists() and not overwrite:
            kept.append(path)
        else:
            try:
                save(build_workbook(edition, catalogs, body), path)
            except (OSError, OutputError) as exc:
                done = f" Antes del error se escribieron {len(written):,} plantillas completas." if written else ""
                raise OutputError(
                    f"No se pudo escribir {path} ({getattr(exc, 'strerror', None) if isinstance(exc, OutputError) else system_reason(exc)}). Revise que la carpeta exista, que se "
                    f"pueda escribir en ella y que el archivo no esté abierto en Excel.{done}") from None
            written.append(path)
        if on_progress:
            on_progress(body, path)
    return written, kept
