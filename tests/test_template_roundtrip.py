"""Write a template, fill it with the project's own writer, read it back: the same values come out."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest

from compiler import catalogs as cat, geometry as g, reader, template
from compiler.instructions import EXAMPLE_CIFRAS, EXAMPLE_TABLE, example_program
from compiler.spec import CIFRAS_COLUMNS, FIELDS_BY_ID, PROGRAM_FIELDS, cifras_col, field_cell
from template_support import edition, saved_template

CATS = cat.load()


def test_worked_example_round_trips_field_by_field(tmp_path):
    ed = edition(tmp_path)
    data = example_program(ed)
    sub = reader.read(saved_template(tmp_path, data=data))
    for f in PROGRAM_FIELDS:
        expected = data.fields.get(f.id)
        got = sub.value(f.id)
        assert got == expected, f.id
        assert sub.cell(f.id).address == field_cell(f.slot_ids()[0]) and sub.cell(f.id).sheet == g.PROGRAMA
    assert sub.value("fecha_inicio") == dt.date(2024, 3, 1)
    assert sub.value("periodo_hasta") == ed.period_to
    assert sub.value("objetivo_secundario") == ["3. Proporcionar información exacta y oportuna en todas las etapas de la migración"]
    assert [ind.number for ind in sub.indicators] == list(range(1, len(EXAMPLE_CIFRAS) + 1))
    for ind, row in zip(sub.indicators, EXAMPLE_CIFRAS):
        for col in CIFRAS_COLUMNS:
            if col.type in ("rownum", "status"):
                continue
            assert ind.get(col.id) == row.get(col.id), (ind.number, col.id)
            assert ind.cells[col.id].address == f"{cifras_col(col.id)}{ind.row}"
    assert sub.indicators[3].parent == 2
    assert sub.table.title.value == EXAMPLE_TABLE["title"] and sub.table.note.value == EXAMPLE_TABLE["note"]
    assert [[c.value for c in row] for row in sub.table.rows] == EXAMPLE_TABLE["rows"]
    assert sub.table.rows[1][3].address == g.tabla_cell(1, 3)


def test_full_repeated_fields_long_text_and_unusual_characters(tmp_path):
    long_text = "Primer párrafo: niñas, niños y adolescentes «NNA».\nSegundo párrafo — 100 % con acentos: áéíóú ÁÉÍÓÚ ü."
    fields = {
        "nombre_programa": "Programa «Ñandú» de atención",
        "descripcion": long_text + " x" * 1900,
        "retos": [f"Reto número {i}" for i in range(1, 9)],
        "fuentes": [f"https://ejemplo.gob.mx/{i}" for i in range(1, 7)],
        "objetivo_secundario": [CATS.objective(n).label for n in (1, 15, 23)],
        "fecha_fin": dt.date(2026, 12, 31),
        "contacto_telefono": "55 1234 5678 ext. 9",
    }
    sub = reader.read(saved_template(tmp_path, "INM", data=template.ProgramData(fields=fields)))
    for key, value in fields.items():
        assert sub.value(key) == value, key
    # Identity pre-filled by the generator is read like anything an agency wrote.
    assert sub.value("siglas") == "INM" and sub.value("sector") == "Dependencias de la APF"
    assert sub.stamp.institution_id == template.find_body(CATS, "INM").id


def test_gaps_in_repeated_fields_keep_their_cells(tmp_path):
    data = template.ProgramData(fields={"retos": ["Primero", None, "Tercero"]})
    sub = reader.read(saved_template(tmp_path, data=data))
    assert sub.value("retos") == ["Primero", "Tercero"]
    cells = sub.fields["retos"]
    assert len(cells) == FIELDS_BY_ID["retos"].repeat and cells[1].blank
    assert cells[2].address == field_cell("retos_3")


def test_copies_of_one_template_are_told_apart_by_what_the_body_fills_in(tmp_path):
    """A body copies its workbook once per program: same stamp, different programs."""
    base = saved_template(tmp_path, "INM", name="INM.xlsx")
    programs = ["Grupos Beta de protección", "Módulos de orientación", "grupos beta de PROTECCIÓN"]
    subs = []
    for i, name in enumerate(programs):
        copy = tmp_path / f"copia-{i}.xlsx"
        shutil.copy(base, copy)
        wb = openpyxl.load_workbook(copy)
        wb[g.PROGRAMA][field_cell("nombre_programa")] = name
        template.save(wb, copy)
        subs.append(reader.read(copy))
    assert subs[0].stamp == subs[1].stamp == subs[2].stamp
    assert subs[0].program_key != subs[1].program_key
    # The same program written with other case and accents is the same program (a resubmission).
    assert subs[0].program_key == subs[2].program_key
    assert all(k not in ("programa", "programa_id", "uuid") for k in g.SELLO_KEYS)


def test_fill_refuses_what_does_not_fit(tmp_path):
    ed = edition(tmp_path)
    wb = template.build_workbook(ed, CATS)
    with pytest.raises(KeyError):
        template.fill(wb, template.ProgramData(fields={"no_existe": 1}))
    with pytest.raises(ValueError):
        template.fill(wb, template.ProgramData(fields={"objetivo_secundario": ["a", "b", "c", "d"]}))
    with pytest.raises(KeyError):
        template.fill(wb, template.ProgramData(cifras=[{"estado": "Cuadra"}]))
    with pytest.raises(ValueError):
        template.fill(wb, template.ProgramData(cifras=[{"total": 1}] * (g.CIFRAS_ROWS + 1)))


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    ed = edition(tmp_path)
    target = tmp_path / "out" / "x.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"previous")

    class Boom(Exception):
        pass

    wb = template.build_workbook(ed, CATS)
    wb.save = lambda path: (_ for _ in ()).throw(Boom())
    with pytest.raises(Boom):
        template.save(wb, target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in target.parent.iterdir()] == ["x.xlsx"]
