"""Importing a published Compendio's text into open data (issue 13)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.model import normalise
from compiler import catalogs as cat, importer, opendata
from compiler.cli import main

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "compendio-general-2025.txt"
needs_reference = pytest.mark.skipif(not REFERENCE.is_file(),
                                     reason=f"the 2025 reference text is not beside the clone ({REFERENCE})")

#: Programs per chapter in the 2025 body, counted from its numbered headings (each has its
#: RESULTADOS section); the introduction claims 543.
REFERENCE_COUNTS = {1: 246, 2: 225, 3: 3, 4: 10, 5: 20, 6: 30}

# A small edition written in the publication's style (not its sentences), with the defects
# the importer must report: a claim that does not match, a hyphen separator, an objective
# printed with the wrong number, a continuation cut by a page break, a footnote.
SAMPLE = """\
COMPENDIO GENERAL 2030

INTRODUCCIÓN

En esta edición se documentaron 5 programas y acciones vinculados con migración, que fueron reportadas por 2 instancias y 1 gobiernos estatales.

CAPÍTULO 1

Dependencias de la
Administración Pública Federal

OBJETIVO 3

Proporcionar información exacta y oportuna en todas las etapas de la migración

1. MÓDULOS DE ORIENTACIÓN EN PUNTOS DE INTERNACIÓN – INSTITUTO NACIONAL DE MIGRACIÓN (INM).

Los módulos orientan sobre trámites a quienes llegan por vía aérea.

RESULTADOS

Se orientó a 1,250 personas: 700 mujeres y 550 hombres, en total 1,250 personas.

RETOS

- » Ampliar el horario de atención en las terminales con vuelos
nocturnos.

1. <https://www.ejemplo.gob.mx/modulos>

2. GUÍA DIGITAL PARA PERSONAS REFUGIADAS - COMAR.

La guía reúne los pasos del procedimiento de reconocimiento.

RESULTADOS

La guía tuvo 4,300 descargas.

CAPÍTULO 2

Entidades federativas

OBJETIVO 4

Abordar y reducir las vulnerabilidades en la migración

1. ALBERGUE TEMPORAL PARA FAMILIAS – CHIAPAS.

El albergue recibe a familias en tránsito.

RESULTADOS

Se dio alojamiento a 310 personas.

RETOS

- » Mantener el abasto de alimentos.

El Compendio da seguimiento a las acciones del Estado mexicano.

A N E X O S

NOMBRE	SIGLA
Instituto Nacional de Migración	INM
"""


def _parse(text: str = SAMPLE) -> importer.ImportResult:
    return importer.parse(text, cat.load(), "muestra.txt")


def test_sample_programs_are_placed_with_their_parts_and_lines():
    r = _parse()
    assert [(p.chapter, p.objective, p.number) for p in r.programs] == [(1, 3, 1), (1, 3, 2), (2, 7, 1)]
    first, second, shelter = r.programs
    assert first.body.id == "inm" and second.body.id == "comar"
    assert shelter.body.id == "gob-chiapas" and shelter.state == "Chiapas"
    assert first.challenges == ["Ampliar el horario de atención en las terminales con vuelos nocturnos."]
    assert first.sources == ["<https://www.ejemplo.gob.mx/modulos>"]
    assert first.figures and first.figures[0]["total"] == 1250 and first.figures[0]["mujeres"] == 700
    assert SAMPLE.split("\n")[first.line - 1].startswith("1. MÓDULOS")
    assert r.unplaced == []
    # The last paragraph before the annexes is the closing text, not a challenge of the shelter.
    assert shelter.challenges == ["Mantener el abasto de alimentos."] and len(r.closing) == 1


def test_sample_reports_the_defects_of_the_source():
    codes = {(i.code, i.line) for i in _parse().inconsistencies}
    kinds = {c for c, _ in codes}
    assert "introduccion-no-cuadra" in kinds  # claims 5 programs, the body has 3
    assert ("separador-distinto", SAMPLE.split("\n").index("2. GUÍA DIGITAL PARA PERSONAS REFUGIADAS - COMAR.") + 1) in codes
    assert "objetivo-mal-numerado" in kinds  # objective 7's title printed under 4
    assert "glosario-incompleto" in kinds  # COMAR reported and is missing from the glossary


def test_text_before_any_objective_is_listed_with_its_reason():
    loose = "Párrafo suelto que no pertenece a ningún programa."
    text = SAMPLE.replace("migración\n\n1. MÓDULOS", f"migración\n\n{loose}\n\n1. MÓDULOS", 1)
    r = _parse(text)
    assert [u.text for u in r.unplaced] == [loose]
    assert "antes de su primer programa" in r.unplaced[0].reason
    assert len(r.programs) == 3


def test_pdftotext_layout_is_joined_into_paragraphs():
    layout = ("CAPÍTULO 1\n\nOBJETIVO 3\n\nProporcionar información exacta y oportuna\n   en todas las etapas de la migración\n\n"
              "1. MÓDULOS DE ORIENTACIÓN – INM.\n\nLos módulos orientan sobre\ntrámites migratorios.\n\f"
              "RESULTADOS\nSe orientó a 20 personas.\n")
    joined = importer._from_layout(layout)
    assert "Los módulos orientan sobre trámites migratorios." in joined.split("\n")
    assert "Proporcionar información exacta y oportuna en todas las etapas de la migración" in joined.split("\n")


@needs_reference
def test_reference_edition_every_program_per_chapter():
    text = REFERENCE.read_text(encoding="utf-8")
    r = importer.parse(text, cat.load(), REFERENCE.name)
    assert r.per_chapter() == REFERENCE_COUNTS
    # Cross-check: every program of the body has exactly one results section heading.
    lines = text.split("\n")
    first, end = importer._body_range(lines)
    results = sum(1 for line in lines[first:end] if line.strip() in ("RESULTADOS", "RESULTADO"))
    assert results == sum(REFERENCE_COUNTS.values())
    assert all(u.reason for u in r.unplaced) and r.unplaced == []
    codes = [i.code for i in r.inconsistencies]
    assert r.claimed["programas"] == 543 and "introduccion-no-cuadra" in codes
    misnumbered = [i for i in r.inconsistencies if i.code == "objetivo-mal-numerado"]
    assert len(misnumbered) == 1 and "objetivo 7" in misnumbered[0].message
    assert codes.count("separador-distinto") > 10
    assert sum(1 for p in r.programs if p.body is not None) > 0.95 * len(r.programs)
    # A registry alias («Secretaría de Mujeres») and a joint heading whose second part is the
    # acronym («… A.C /ALBERGUE CAFEMIN») find their body; only CIAJ, not registered, is left.
    unmatched = {p.author for p in r.programs if p.body is None}
    assert {normalise(a) for a in unmatched} == {"ciaj a c"}


@needs_reference
def test_cli_writes_the_open_data_tables_and_the_report(tmp_path):
    res = CliRunner().invoke(main, ["importar", "--edition", "2025", str(REFERENCE), "--raiz", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Programas leídos: 534" in res.output
    data = opendata.read(tmp_path / "output" / "2025" / "datos")
    compiled_columns = [c.name for c in opendata.program_columns()]
    assert list(data.programs.columns[:len(compiled_columns)]) == compiled_columns
    assert len(data.programs) == 534
    assert data.programs["linea"].notna().all() and set(data.programs["capitulo"]) == set(REFERENCE_COUNTS)
    assert (data.programs["objetivo_principal"].between(1, 23)).all()
    assert len(data.challenges) and data.challenges["linea"].notna().all()
    assert len(data.figures) and (data.figures["mujeres"] + data.figures["hombres"] <= data.figures["total"]).all()
    report = json.loads((tmp_path / "output" / "2025" / "importacion.json").read_text(encoding="utf-8"))
    assert report["programas_por_capitulo"] == {str(k): v for k, v in REFERENCE_COUNTS.items()}
    assert all(u["institucion"] and u["lineas"] for u in report["instituciones_sin_registro"])
    text = (tmp_path / "output" / "2025" / "importacion.txt").read_text(encoding="utf-8")
    assert re.search(r"Líneas del cuerpo sin colocar: 0", text)
    # The imported edition is published like a compiled one: its data package (with «linea») validates.
    from frictionless import validate

    checked = validate(str(tmp_path / "output" / "2025" / "datos" / "datapackage.json"))
    assert checked.valid, checked.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
