"""Shared set-up for the validator tests: a clean program and helpers to break it.

Every workbook goes through the project's writer (``template.build_workbook``
+ ``fill`` + ``save``), exactly as agencies receive it.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from compiler import catalogs as cat, settings, template, validation
from compiler.model import Report
from compiler.spec import cifras_col, field_cell
from template_support import with_spec_examples

REAL = Path(__file__).parent / "fixtures" / "real"

CLEAN_FIELDS: dict[str, Any] = {
    "unidad_responsable": "Dirección General de Protección al Migrante",
    "nombre_programa": "Orientación a personas en contexto de movilidad en puntos de internación",
    "objetivo_principal": "3. Proporcionar información exacta y oportuna en todas las etapas de la migración",
    "descripcion": "Módulos de orientación sobre trámites migratorios en cuatro puntos de internación de la "
                   "frontera sur, atendidos por personal del Instituto Nacional de Migración (INM).",
    "poblacion_objetivo": "Personas en contexto de movilidad que ingresan por la frontera sur.",
    "fecha_inicio": dt.date(2019, 3, 1),
    "vigencia": "Permanente",
    "resultados": "Se orientó a 3,005 personas en cuatro puntos de internación.",
    "retos": ["Rotación del personal de los módulos."],
    "contacto_nombre": "Persona de Enlace",
    "contacto_cargo": "Subdirección de Enlace",
    "contacto_correo": "enlace@inm.gob.mx",
}
CLEAN_CIFRAS = [
    {"indicador": "Personas orientadas", "unidad": "personas", "total": 3005, "mujeres": 1801, "hombres": 1204},
]


def edition(root: Path, key: str = "2026", severities: dict | None = None):
    settings.init(root, key)
    if severities:
        path = settings.EditionPaths(root, key).settings
        path.write_text(path.read_text(encoding="utf-8").replace("severidades: {}", "severidades:\n" + "".join(
            f"  {k}: {v}\n" for k, v in severities.items())), encoding="utf-8")
    return settings.load(root, key)


def clean(**fields: Any) -> template.ProgramData:
    """The clean program, with some fields replaced (``None`` empties a field)."""
    f = with_spec_examples(copy.deepcopy(CLEAN_FIELDS)) | fields
    return template.ProgramData(fields=f, cifras=copy.deepcopy(CLEAN_CIFRAS))


def write(ed, data: template.ProgramData, name: str = "inm/programa.xlsx", body: str | None = "inm",
          edition_for_template=None) -> Path:
    cats = cat.load()
    registered = cats.body(body) if body else None
    assert body is None or registered is not None, f"no body {body!r} in the registry"
    wb = template.build_workbook(edition_for_template or ed, cats, registered)
    template.fill(wb, data)
    return template.save(wb, ed.paths.submissions / name)


def check(ed, data: template.ProgramData, **kw) -> Report:
    """Write the program and validate that one file."""
    return validation.validate_file(write(ed, data, **kw), ed, cat.load())


def found(report: Report) -> set[tuple[str, str | None]]:
    """(code, sheet!cell) of every finding."""
    return {(f.code, f.ref or None) for f in report.findings}


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


def prog(field_id: str) -> str:
    return f"Programa!{field_cell(field_id)}"


def cif(column_id: str, number: int) -> str:
    """Cifras cell of a column in the n-th indicator row (1-based, as «Núm.» shows it)."""
    return f"Cifras!{cifras_col(column_id)}{5 + number}"
