"""The intake workbook as saved: everything is checked in the file an agency receives."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from compiler import catalogs as cat, geometry as g, reader, spec, template
from compiler.catalogs import VIGENCIAS
from compiler.spec import (BREAKDOWNS, CIFRAS_COLUMNS, COUNT_COLUMNS, FIELDS_BY_ID, PROGRAM_FIELDS, cifras_col,
                           field_cell, programa_layout)
from template_support import edition, saved_template

CATS = cat.load()


@pytest.fixture(scope="module")
def inm(tmp_path_factory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(saved_template(tmp_path_factory.mktemp("inm"), "INM"))


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(saved_template(tmp_path_factory.mktemp("blank")))


def validations_at(ws, cell: str):
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


def list_values(wb, formula: str) -> list[str]:
    sheet, rng = formula.lstrip("=").split("!")
    min_col, min_row, max_col, max_row = range_boundaries(rng.replace("$", ""))
    ws = wb[sheet]
    return [ws.cell(r, min_col).value for r in range(min_row, max_row + 1)]


# --- the spec itself ----------------------------------------------------------

def test_every_field_and_column_has_label_and_help():
    for f in PROGRAM_FIELDS:
        assert f.label.strip() and len(f.help.strip()) > 15, f.id
        assert f.section, f.id
    for c in CIFRAS_COLUMNS:
        assert c.label.strip() and len(c.help.strip()) > 10, c.id
    slots = [s for f in PROGRAM_FIELDS for s in f.slot_ids()]
    assert len(slots) == len(set(slots))


def test_spec_references_are_consistent():
    lists = CATS.dropdown_lists()
    for f in PROGRAM_FIELDS:
        assert f.catalog is None or f.catalog in lists, f.id
        if f.required_if:
            other, value = f.required_if
            assert other in FIELDS_BY_ID
            allowed = [s.key for s in CATS.sectors] if FIELDS_BY_ID[other].catalog == "sectores" else VIGENCIAS
            assert value in allowed, f.id
    for c in CIFRAS_COLUMNS:
        assert c.catalog is None or c.catalog in lists, c.id
    for b in BREAKDOWNS:
        assert set(b.parts) <= set(COUNT_COLUMNS)
    # The worked example uses values the dropdowns really offer.
    for f in PROGRAM_FIELDS:
        if f.catalog and f.catalog != "instituciones" and f.example:
            assert f.example in lists[f.catalog], f.id


# --- sheets, protection and stamp -----------------------------------------------

def test_sheets_in_order_with_catalogs_hidden_and_stamp_very_hidden(inm):
    assert inm.sheetnames == [g.INSTRUCCIONES, g.PROGRAMA, g.CIFRAS, g.TABLA, g.CATALOGOS, g.SELLO]
    states = {ws.title: ws.sheet_state for ws in inm.worksheets}
    assert states[g.CATALOGOS] == "hidden" and states[g.SELLO] == "veryHidden"
    assert all(states[s] == "visible" for s in (g.INSTRUCCIONES, g.PROGRAMA, g.CIFRAS, g.TABLA))
    assert inm.active.title == g.PROGRAMA


def test_structure_locked_without_any_password(inm):
    assert inm.security.lockStructure
    assert not inm.security.workbookPassword
    for ws in inm.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
    programa, cifras = inm[g.PROGRAMA], inm[g.CIFRAS]
    for slot, row in programa_layout().items():
        if slot.startswith("§"):
            continue
        assert programa[f"{g.PROGRAMA_INPUT_COL}{row}"].protection.locked is False, slot
        assert programa[f"{g.PROGRAMA_LABEL_COL}{row}"].protection.locked is True, slot
        assert programa[f"{g.PROGRAMA_ID_COL}{row}"].protection.locked is True, slot
    for col in CIFRAS_COLUMNS:
        for row in (g.CIFRAS_FIRST_ROW, g.CIFRAS_LAST_ROW):
            locked = cifras[f"{cifras_col(col.id)}{row}"].protection.locked
            assert locked is (col.type in ("rownum", "status")), (col.id, row)
        assert cifras[f"{cifras_col(col.id)}{g.CIFRAS_HEADER_ROW}"].protection.locked is True
    tabla = inm[g.TABLA]
    assert tabla[g.TABLA_TITLE_CELL].protection.locked is False
    assert tabla[g.tabla_cell(g.TABLA_ROWS - 1, g.TABLA_COLS - 1)].protection.locked is False
    assert tabla[g.TABLA_TITLE_LABEL_CELL].protection.locked is True


def test_stamp_names_version_edition_and_body_only(inm, blank):
    def stamp(wb):
        ws = wb[g.SELLO]
        return {ws.cell(i, 1).value: ws.cell(i, 2).value for i in range(1, ws.max_row + 1)}

    s = stamp(inm)
    assert set(s) == set(g.SELLO_KEYS)
    assert s["producto"] == g.SELLO_PRODUCT
    assert s["version_plantilla"] == spec.template_version()
    assert s["edicion"] == "2026"
    assert s["institucion_id"] == template.find_body(CATS, "INM").id
    assert stamp(blank)["institucion_id"] in ("", None)


# --- Programa ---------------------------------------------------------------------

def test_programa_labels_required_marks_and_help_beside_each_field(inm):
    ws = inm[g.PROGRAMA]
    layout = programa_layout()
    for f in PROGRAM_FIELDS:
        for i, slot in enumerate(f.slot_ids(), start=1):
            row = layout[slot]
            assert ws[f"{g.PROGRAMA_ID_COL}{row}"].value == slot
            label = ws[f"{g.PROGRAMA_LABEL_COL}{row}"].value
            assert label.startswith(f.label)
            assert label.endswith(" *") == f.required, slot
            assert label.endswith("(*)") == bool(f.required_if), slot
        help_text = ws[f"{g.PROGRAMA_HELP_COL}{layout[f.slot_ids()[0]]}"].value
        assert help_text.startswith(f.help)
        if f.max_length and f.type in ("text", "longtext"):
            assert f"{f.max_length:,}" in help_text, f.id
    assert ws.column_dimensions[g.PROGRAMA_ID_COL].hidden


def test_dropdowns_come_from_the_hidden_catalog_sheet(inm):
    ws = inm[g.PROGRAMA]
    lists = CATS.dropdown_lists()
    choice_fields = [f for f in PROGRAM_FIELDS if f.catalog]
    assert {f.id for f in choice_fields} >= {"institucion", "sector", "entidad", "objetivo_principal",
                                            "objetivo_secundario", "vigencia"}
    for f in choice_fields:
        for slot in f.slot_ids():
            (dv,) = validations_at(ws, field_cell(slot))
            assert dv.type == "list" and dv.formula1.startswith(g.CATALOGOS + "!"), slot
            assert list_values(inm, dv.formula1) == lists[f.catalog], slot
            assert dv.showErrorMessage
    (dv,) = validations_at(ws, field_cell("objetivo_principal"))
    objectives = list_values(inm, dv.formula1)
    assert len(objectives) == 23
    assert objectives[6] == "7. Abordar y reducir las vulnerabilidades en la migración"


def test_dates_and_length_limits_are_enforced(inm):
    ws = inm[g.PROGRAMA]
    for f in PROGRAM_FIELDS:
        cell = field_cell(f.slot_ids()[0])
        dvs = validations_at(ws, cell)
        if f.type == "date":
            (dv,) = dvs
            assert dv.type == "date" and dv.operator == "between"
            assert ws[cell].number_format == "dd/mm/yyyy"
        elif f.type == "email":
            (dv,) = dvs
            assert dv.type == "custom" and str(f.max_length) in dv.formula1 and "@" in dv.formula1
        elif f.max_length and not f.catalog:
            (dv,) = dvs
            assert (dv.type, dv.operator, dv.formula1) == ("textLength", "lessThanOrEqual", str(f.max_length)), f.id
            assert f"{f.max_length:,}" in dv.error


def test_conditional_requirements_are_explained_and_light_up(inm):
    ws = inm[g.PROGRAMA]
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    cases = {"entidad": ("sector", "Entidades federativas"), "fecha_fin": ("vigencia", "Temporal")}
    for field_id, (other, shown) in cases.items():
        cell = field_cell(field_id)
        help_text = ws[f"{g.PROGRAMA_HELP_COL}{cell[1:]}"].value
        assert f"«{shown}»" in help_text and FIELDS_BY_ID[other].label in help_text
        (formula,) = rules[cell]
        assert f'${g.PROGRAMA_INPUT_COL}${field_cell(other)[1:]}="{shown}"' in formula
        assert f"ISBLANK({cell})" in formula


def test_prefilled_identity_and_period(inm, tmp_path):
    ws = inm[g.PROGRAMA]
    body = template.find_body(CATS, "INM")
    assert ws[field_cell("institucion")].value == body.name
    assert ws[field_cell("siglas")].value == "INM"
    assert ws[field_cell("sector")].value == "Dependencias de la APF"
    assert ws[field_cell("entidad")].value is None
    ed = edition(tmp_path)
    assert ws[field_cell("periodo_desde")].value.date() == ed.period_from
    assert ws[field_cell("periodo_hasta")].value.date() == ed.period_to
    state_gov = next(b for b in CATS.bodies if b.sector == "estatal")
    wb = openpyxl.load_workbook(saved_template(tmp_path, state_gov.acronym or state_gov.id))
    assert wb[g.PROGRAMA][field_cell("entidad")].value == CATS.state(state_gov.state).name
    assert wb[g.PROGRAMA][field_cell("sector")].value == "Entidades federativas"


def test_blank_template_offers_every_registered_body(blank):
    ws = blank[g.PROGRAMA]
    assert ws[field_cell("institucion")].value is None
    (dv,) = validations_at(ws, field_cell("institucion"))
    offered = list_values(blank, dv.formula1)
    assert set(offered) == {b.name for b in CATS.bodies}
    assert dv.errorStyle == "warning"  # an unregistered body may still type its name


# --- Cifras -----------------------------------------------------------------------

def test_every_count_accepts_only_whole_numbers_from_zero_or_percentages(inm):
    ws = inm[g.CIFRAS]
    assert [ws.cell(g.CIFRAS_ID_ROW, i + 1).value for i in range(len(CIFRAS_COLUMNS))] == [c.id for c in CIFRAS_COLUMNS]
    assert ws.row_dimensions[g.CIFRAS_ID_ROW].hidden
    for col_id in COUNT_COLUMNS:
        first = f"{cifras_col(col_id)}{g.CIFRAS_FIRST_ROW}"
        for row in (g.CIFRAS_FIRST_ROW, g.CIFRAS_FIRST_ROW + 17, g.CIFRAS_LAST_ROW):
            (dv,) = validations_at(ws, f"{cifras_col(col_id)}{row}")
            # Whole numbers from zero (relative to the first cell); a breakdown part also takes a percentage
            # 0 to 100 in a «porcentaje» row, the total never (the validator's rule: it is the count of people).
            assert dv.type == "custom" and f"INT({first})={first}" in dv.formula1, (col_id, row)
            assert ('$C6="porcentaje"' in dv.formula1) == (col_id != "total"), (col_id, row)
            assert dv.showErrorMessage
    (dv,) = validations_at(ws, f"{cifras_col('subgrupo_de')}{g.CIFRAS_LAST_ROW}")
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1", str(g.CIFRAS_ROWS))
    (dv,) = validations_at(ws, f"{cifras_col('subgrupos_completos')}{g.CIFRAS_FIRST_ROW}")
    assert list_values(inm, dv.formula1) == ["Sí", "No"]
    (dv,) = validations_at(ws, f"{cifras_col('unidad')}{g.CIFRAS_FIRST_ROW}")
    assert "personas" in list_values(inm, dv.formula1)


def test_status_column_has_a_formula_on_every_row_and_turns_red(inm):
    ws = inm[g.CIFRAS]
    status = cifras_col("estado")
    for i in range(g.CIFRAS_ROWS):
        row = g.CIFRAS_FIRST_ROW + i
        assert ws[f"{cifras_col('n')}{row}"].value == i + 1
        formula = ws[f"{status}{row}"].value
        assert formula == template.status_formula(row)
        for b in BREAKDOWNS:
            assert f"{cifras_col(b.parts[0])}{row}:{cifras_col(b.parts[-1])}{row}" in formula
    rules = [(str(cf.sqref), r) for cf in ws.conditional_formatting for r in cf.rules]
    red = [(sq, r) for sq, r in rules if r.dxf.fill.fgColor.rgb.endswith(template.RED_FILL.fgColor.rgb)]
    assert len(red) == 1
    sqref, rule = red[0]
    last = openpyxl.utils.get_column_letter(len(CIFRAS_COLUMNS))
    assert sqref == f"A{g.CIFRAS_FIRST_ROW}:{last}{g.CIFRAS_LAST_ROW}"
    assert f'${status}{g.CIFRAS_FIRST_ROW}<>"{template.STATUS_OK}"' in rule.formula[0]


def test_the_live_check_is_stored_once_as_excel_stores_a_formula_filled_down(tmp_path):
    """Written once per row, the live check was most of every returned workbook (and of checking it)."""
    path = saved_template(tmp_path, "INM")
    status = cifras_col("estado")
    first, last = g.CIFRAS_FIRST_ROW, g.CIFRAS_LAST_ROW
    with zipfile.ZipFile(path) as z:
        sheet = z.read(reader._sheet_members(z)[g.CIFRAS]).decode()
    formulas = re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f([^>]*?)(/?)>', sheet)
    assert formulas[0] == (f"{status}{first}", f' t="shared" ref="{status}{first}:{status}{last}" si="0"', "")
    assert formulas[1:] == [(f"{status}{row}", ' t="shared" si="0"', "/") for row in range(first + 1, last + 1)]
    assert sheet.count("Falta el total") == 1
    assert len(sheet) < 100_000


def test_column_help_is_attached_to_every_header(inm):
    ws = inm[g.CIFRAS]
    for col in CIFRAS_COLUMNS:
        header = ws[f"{cifras_col(col.id)}{g.CIFRAS_HEADER_ROW}"]
        assert header.value == col.label
        assert header.comment is not None and col.help in header.comment.text


# --- Instrucciones and printing ---------------------------------------------------------

def test_instructions_explain_every_field_with_a_worked_example(inm, tmp_path):
    ed = edition(tmp_path)
    ws = inm[g.INSTRUCCIONES]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert f"{ed.deadline:%d/%m/%Y}" in text
    assert ed.contact["correo"] in text
    for f in PROGRAM_FIELDS:
        assert f.label in text and f.help in text, f.id
    for c in CIFRAS_COLUMNS:
        assert c.label in text and c.help in text, c.id
    # Worked example: the Programa example values and the Cifras rows (sex, age, sub-groups).
    for value in ("Módulos de orientación para personas en movilidad", "3,179", "1,412", "642",
                  "de las cuales, niñas, niños y adolescentes no acompañados", "nacionalidad"):
        assert value in text
    assert "Entidades federativas" in text and "Temporal" in text  # the (*) conditions
    assert ws.protection.sheet


def test_every_visible_sheet_prints_on_letter_paper_one_page_wide(inm):
    for name in (g.INSTRUCCIONES, g.PROGRAMA, g.CIFRAS, g.TABLA):
        ws = inm[name]
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_LETTER, name
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.print_area, name
    assert inm[g.CIFRAS].page_setup.orientation == "landscape"
    assert inm[g.PROGRAMA].page_setup.orientation == "portrait"


# The live check, computed by LibreOffice against the validator on one table of cases: test_live_check.py.


def test_templates_of_a_sample_edition_say_so(tmp_path):
    from compiler import settings

    settings.init(tmp_path, "demo", 2026, sample=True)
    ed = settings.load(tmp_path, "demo")
    wb = template.build_workbook(ed, CATS)
    assert "DATOS FICTICIOS" in wb[g.PROGRAMA][g.PROGRAMA_TITLE_CELL].value
    assert "DATOS FICTICIOS" in wb[g.INSTRUCCIONES]["A1"].value


def test_templates_of_a_real_edition_do_not(inm):
    assert "FICTICIOS" not in inm[g.PROGRAMA][g.PROGRAMA_TITLE_CELL].value
    assert "FICTICIOS" not in inm[g.INSTRUCCIONES]["A1"].value
