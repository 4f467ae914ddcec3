"""A field added to the spec reaches every stage, and templates sent before it stay readable.

The field is added at run time (monkeypatch), the way a developer adds one
entry to ``spec.PROGRAM_FIELDS``: nothing else changes, yet it appears in the
template (with its Excel validation), in the Instrucciones sheet, in what the
reader returns, in the validator's schema, in the Compendio's HTML and in the
open data and its dictionary.
"""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest

from compiler import catalogs as cat, geometry as g, opendata, publication, reader, render, settings, spec, template
from compiler import validation
from compiler.instructions import example_program

_major, _minor = spec.template_version().split(".")
NEXT = f"{_major}.{int(_minor) + 1}"  # the version a developer adding a field would write
NEW = spec.Field(
    "beneficiarias_directas", "Personas beneficiarias directas", "Personas que recibieron el servicio en el periodo.",
    type="integer", required=True, section=spec.S_RES, example=1250000,
    printed=spec.Printed("line", "Beneficiarias directas"), since=NEXT,
    data_description="Personas que recibieron el servicio del programa en el periodo informado.")


@pytest.fixture
def ed(tmp_path):
    settings.init(tmp_path, "2026")
    return settings.load(tmp_path, "2026")


def _add(monkeypatch, new: spec.Field = NEW) -> None:
    fields = list(spec.PROGRAM_FIELDS)
    fields.insert(next(i for i, f in enumerate(fields) if f.id == "fuentes") + 1, new)
    monkeypatch.setattr(spec, "PROGRAM_FIELDS", tuple(fields))
    monkeypatch.setattr(spec, "FIELDS_BY_ID", {f.id: f for f in fields})


def _saved(ed, path, **fields):
    wb = template.build_workbook(ed, cat.load())
    data = example_program(ed)
    data.fields |= fields
    template.fill(wb, data)
    return template.save(wb, path)


def test_a_new_field_reaches_template_reader_validator_pdf_and_open_data(ed, tmp_path, monkeypatch):
    _add(monkeypatch)
    cats = cat.load()
    path = _saved(ed, tmp_path / "con-campo-nuevo.xlsx")
    cell = spec.field_cell("beneficiarias_directas")

    wb = openpyxl.load_workbook(path)
    ws = wb[g.PROGRAMA]
    row = int(cell[1:])
    assert ws[f"{g.PROGRAMA_ID_COL}{row}"].value == "beneficiarias_directas"
    assert ws[f"{g.PROGRAMA_LABEL_COL}{row}"].value == "Personas beneficiarias directas *"
    assert ws[cell].value == 1250000 and ws[cell].number_format == "#,##0"
    [dv] = [dv for dv in ws.data_validations.dataValidation if cell in str(dv.sqref)]
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert wb[g.SELLO]["B2"].value == NEXT
    instructions = "\n".join(str(c.value) for r in wb[g.INSTRUCCIONES].iter_rows() for c in r if c.value)
    assert NEW.help in instructions and "1,250,000" in instructions

    sub = reader.read(path)
    assert sub.value("beneficiarias_directas") == 1250000
    assert sub.cell("beneficiarias_directas").address == cell

    report = validation.validate_file(path, ed, cats)
    assert [f for f in report.findings if f.cell == cell] == []
    bad = validation.validate_file(_saved(ed, tmp_path / "mal.xlsx", beneficiarias_directas="un millón"), ed, cats)
    assert [(f.code, f.cell) for f in bad.findings if f.cell == cell] == [("numero-invalido", cell)]
    missing = validation.validate_file(_saved(ed, tmp_path / "sin.xlsx", beneficiarias_directas=None), ed, cats)
    assert [(f.code, f.cell) for f in missing.findings if f.cell == cell] == [("campo-obligatorio", cell)]

    html = render.render_html(publication.build([sub], ed, cats))
    assert "Beneficiarias directas:</span> 1,250,000" in html

    data = opendata.build([sub], ed, cats)
    assert str(data.programs["beneficiarias_directas"].dtype) == "Int64"
    assert data.programs["beneficiarias_directas"].tolist() == [1250000]
    [entry] = data.dictionary[data.dictionary["columna"] == "beneficiarias_directas"].itertuples()
    assert (entry.archivo, entry.tipo) == (opendata.PROGRAMS_FILE, spec.TYPE_INT)
    assert NEW.data_description in entry.descripcion


def test_a_template_sent_before_the_field_existed_is_read_with_it_empty(ed, tmp_path, monkeypatch):
    old = _saved(ed, tmp_path / "enviada-antes.xlsx")  # an older version: no cell for the new field
    _add(monkeypatch)
    assert spec.template_versions()[-1] == NEXT
    sub = reader.read(old)
    assert sub.stamp.version != NEXT and sub.value("beneficiarias_directas") is None
    report = validation.validate_file(old, ed, cat.load())
    # Neither «rows moved» nor «missing required field»: the agency never had that cell.
    assert report.accepted, [f.message for f in report.errors]
    assert not {"estructura-alterada", "campo-obligatorio"} & {f.code for f in report.findings}


def test_a_current_template_without_the_field_is_still_refused(ed, tmp_path, monkeypatch):
    _add(monkeypatch)
    path = _saved(ed, tmp_path / "actual.xlsx")
    wb = openpyxl.load_workbook(path)
    row = int(spec.field_cell("beneficiarias_directas")[1:])
    wb[g.PROGRAMA][f"{g.PROGRAMA_ID_COL}{row}"] = None  # its row deleted, as far as the reader can tell
    wb.save(path)
    report = validation.validate_file(path, ed, cat.load())
    assert [f.code for f in report.findings] == ["estructura-alterada"]


def test_a_field_that_is_not_public_cannot_be_printed():
    with pytest.raises(ValueError, match="not public"):
        dataclasses.replace(NEW, public=False)
