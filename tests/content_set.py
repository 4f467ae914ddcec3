"""The labelled set of realistic texts (``tests/data/contenido/*.yaml``) and its scoring.

Each case is a program written in the style of the Compendio; its fields
replace those of a clean program and the whole submission goes through
``validation.check_submission``, the same pass ``compendio validate`` makes.
The items an editor expects (acronyms, row numbers, field ids, or «the results
say there are none») are compared with what the check reports.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compiler import catalogs as cat, geometry as g, validation
from compiler.model import Cell, Indicator, Submission
from compiler.spec import CIFRAS_COLUMNS, PROGRAM_FIELDS, Stamp, cifras_col, field_cell

DATA = Path(__file__).parent / "data" / "contenido"

BASE: dict[str, Any] = {
    "institucion": "Instituto Nacional de Migración",
    "siglas": "INM",
    "sector": "Dependencias de la APF",
    "unidad_responsable": "Dirección General de Protección al Migrante",
    "nombre_programa": "Orientación a personas en contexto de movilidad",
    "objetivo_principal": "3. Proporcionar información exacta y oportuna en todas las etapas de la migración",
    "descripcion": "Módulos de orientación sobre trámites migratorios en cuatro puntos de internación.",
    "poblacion_objetivo": "Personas en contexto de movilidad que ingresan por la frontera sur.",
    "fecha_inicio": dt.datetime(2019, 3, 1),
    "vigencia": "Permanente",
    "periodo_desde": dt.datetime(2025, 6, 1),
    "periodo_hasta": dt.datetime(2026, 6, 30),
    "resultados": "Se orientó a 3,005 personas en cuatro puntos de internación.",
    "retos": ["Rotación del personal de los módulos."],
    "contacto_nombre": "Persona de Enlace",
    "contacto_cargo": "Enlace institucional",
    "contacto_correo": "enlace@inm.gob.mx",
}
BASE_CIFRAS = [{"indicador": "Personas orientadas", "unidad": "personas", "total": 3005, "mujeres": 1801, "hombres": 1204}]


def submission(edition_key: str, fields: dict[str, Any], cifras: list[dict[str, Any]] | None = None) -> Submission:
    values = copy.deepcopy(BASE) | fields
    out: dict[str, Any] = {}
    for f in PROGRAM_FIELDS:
        v = values.get(f.id)
        if f.repeat > 1:
            items = list(v or [])
            out[f.id] = [Cell(items[i] if i < len(items) else None, g.PROGRAMA, field_cell(s))
                         for i, s in enumerate(f.slot_ids())]
        else:
            out[f.id] = Cell(v, g.PROGRAMA, field_cell(f.id))
    rows = []
    for i, r in enumerate(BASE_CIFRAS if cifras is None else cifras, start=1):
        excel_row = g.CIFRAS_FIRST_ROW + i - 1
        cells = {c.id: Cell(i if c.type == "rownum" else r.get(c.id), g.CIFRAS, f"{cifras_col(c.id)}{excel_row}")
                 for c in CIFRAS_COLUMNS}
        rows.append(Indicator(excel_row, i, cells))
    return Submission(Path("caso.xlsx"), "0" * 64, Stamp("compendio", "1", edition_key, "inm"), out, rows)


@dataclass
class Score:
    check: str
    cases: int
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _items(check: str, findings, sub: Submission) -> set:
    mine = [f for f in findings if f.code == check]
    if check == "siglas-sin-definir":
        return {f.value for f in mine}
    if check == "sin-resultados":
        return {True} if mine else set()
    if check == "sin-desglose-sexo":
        by_cell = {r.cells["mujeres"].address: r.number for r in sub.indicators}
        return {by_cell[f.cell] for f in mine}
    by_cell = {}
    for fid, c in sub.fields.items():
        for cell in (c if isinstance(c, list) else [c]):
            by_cell[cell.address] = fid
    return {by_cell[f.cell] for f in mine}


def load(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def score(edition, name: str, misses: list | None = None) -> Score:
    doc = load(name)
    check = doc["check"]
    result = Score(check, len(doc["cases"]))
    catalogs = cat.load()
    for case in doc["cases"]:
        sub = submission(edition.key, case.get("fields") or {}, case.get("cifras"))
        got = _items(check, validation.check_submission(sub, edition, catalogs), sub)
        exp = case["expected"]
        want = ({True} if exp else set()) if isinstance(exp, bool) else set(exp)
        result.tp += len(got & want)
        result.fp += len(got - want)
        result.fn += len(want - got)
        if misses is not None and got != want:
            misses.append((case["id"], sorted(map(str, got - want)), sorted(map(str, want - got))))
    return result


FILES = ("siglas.yaml", "sin_resultados.yaml", "relleno.yaml", "sexo.yaml")
