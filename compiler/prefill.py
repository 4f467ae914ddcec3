"""Templates pre-filled from the previous edition (``compendio templates --desde 2025``).

For each program a body reported last year, its template comes with what does
not change from one year to the next (name, objectives, description,
population, dates, sources) already written in the input cells, and with last
year's results, challenges and figures on a locked «Referencia» sheet beside
the empty inputs of the new period. Each body also gets its blank template for
new programs. Everything is written by ``template.build_workbook`` and
``template.fill``: this module only decides what goes where.

Last year's data is the previous edition's open data (``output/<prev>/datos/``),
as ``compile`` or ``importar`` left it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill

from . import geometry as g
from . import opendata, template
from .catalogs import Body, Catalogs
from .errors import CompendioError, OutputError
from .model import normalise
from .settings import Edition
from .spec import FIELDS_BY_ID

#: Title of the read-only sheet with last year's data.
REFERENCE_PREFIX = "Referencia"
#: Fields carried over as they were (the agency updates them if something changed).
CARRIED = ("institucion", "siglas", "unidad_responsable", "sector", "entidad", "coautoras", "nombre_programa",
           "objetivo_principal", "objetivo_secundario", "descripcion", "poblacion_objetivo", "fecha_inicio",
           "vigencia", "fecha_fin", "fuentes")
_REFERENCE_FIGURES = ("fila", "indicador", "unidad", "total", "mujeres", "hombres", "no_binarias", "sexo_sin_dato",
                      "nna", "adultos", "edad_sin_dato", "subgrupo_de", "nota")


def reference_sheet_name(previous: str) -> str:
    return f"{REFERENCE_PREFIX} {previous}"


def previous_data(edition: Edition, previous: str) -> opendata.OpenData:
    folder = edition.paths.root / "output" / previous / opendata.DATA_DIR
    if not (folder / opendata.PROGRAMS_FILE).is_file():
        raise CompendioError(
            f"No hay datos abiertos de la edición {previous} en {folder}. Compílela («compendio compile --edition "
            f"{previous}») o, si sólo existe publicada, impórtela: compendio importar --edition {previous} RUTA")
    try:
        return opendata.read(folder)
    except (OSError, KeyError, ValueError, pd.errors.ParserError) as exc:
        raise CompendioError(f"Los datos abiertos de {folder} no se pudieron leer ({exc}).") from None


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, str):
        return v[1:] if v.startswith("'") and v[1:2] in ("=", "+", "-", "@") else v
    return v


def _fits(field_id: str, value: Any) -> Any:
    """Cut a carried text to the cell's limit at a word boundary (the full text stays on the reference sheet)."""
    f = FIELDS_BY_ID[field_id]
    if isinstance(value, str) and f.max_length and len(value) > f.max_length:
        return value[:f.max_length - 1].rsplit(" ", 1)[0] + "…"
    return value


def carried_fields(row: pd.Series, catalogs: Catalogs) -> dict[str, Any]:
    """The input values a continuing program starts the year with."""
    out: dict[str, Any] = {}
    for fid in CARRIED:
        v = _plain(row.get(fid))
        f = FIELDS_BY_ID[fid]
        if fid == "objetivo_principal":
            v = catalogs.objective(int(v)).label if v else None
        elif fid == "objetivo_secundario":
            nums = [int(x) for x in str(v or "").split(";") if x.strip().isdigit()]
            v = [catalogs.objective(n).label for n in nums if 1 <= n <= 23][:f.repeat] or None
        elif f.repeat > 1:
            items = [x for x in str(v or "").split(opendata.LIST_SEPARATOR) if x.strip()]
            v = [_fits(fid, x) for x in items[:f.repeat]] or None
        else:
            v = _fits(fid, v)
        if v not in (None, "", []):
            out[fid] = v
    return out


def _write_reference(wb, previous: str, row: pd.Series, figures: pd.DataFrame, challenges: pd.DataFrame) -> None:
    """Last year's results, challenges and figures, on a sheet the agency can read but not change."""
    ws = wb.create_sheet(reference_sheet_name(previous), index=wb.sheetnames.index(g.CIFRAS) + 1)
    bold = Font(bold=True)
    head = PatternFill("solid", fgColor=template.GUINDA)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90
    ws["A1"] = f"Lo que se informó en la edición {previous} (sólo de consulta; no se modifica)"
    ws["A1"].font = Font(bold=True, size=13, color=template.GUINDA)
    ws["A2"] = ("Escriba los resultados, retos y cifras del nuevo periodo en las hojas «Programa» y «Cifras». "
                "Copiar los del año anterior sin actualizarlos se señala en la validación.")
    ws["A2"].font = template.HELP_FONT
    r = 4
    for label, value in (("Programa", row.get("nombre_programa")), ("Identificador", row.get("id_programa")),
                         ("Resultados", row.get("resultados"))):
        ws.cell(r, 1, label).font = bold
        c = ws.cell(r, 2, _plain(value))
        c.alignment = wrap
        template._grow_row(ws, r, [(c.value, 90)])
        r += 1
    mine = challenges[challenges["id_programa"] == row["id_programa"]]
    for i, reto in enumerate(mine["reto"], start=1):
        ws.cell(r, 1, f"Reto {i}").font = bold
        c = ws.cell(r, 2, _plain(reto))
        c.alignment = wrap
        template._grow_row(ws, r, [(c.value, 90)])
        r += 1
    figs = figures[figures["id_programa"] == row["id_programa"]]
    r += 1
    ws.cell(r, 1, f"Cifras {previous}").font = bold
    r += 1
    if not len(figs):
        ws.cell(r, 1, "No se informaron cifras desglosadas.")
        r += 1
    else:
        for j, col in enumerate(_REFERENCE_FIGURES, start=1):
            c = ws.cell(r, j, col.replace("_", " ").capitalize())
            c.font, c.fill = Font(bold=True, color="FFFFFF"), head
        for fr in figs.itertuples():
            r += 1
            for j, col in enumerate(_REFERENCE_FIGURES, start=1):
                ws.cell(r, j, _plain(getattr(fr, col))).alignment = wrap
    ws.protection.sheet = True  # no password, like the other sheets: read, not edit
    template.letter_page(ws, landscape=True)


@dataclass
class Plan:
    body: Body | None
    path: Path
    row: pd.Series | None  # None: the body's blank template for new programs


def _slug(text: str, limit: int = 48) -> str:
    return re.sub(r"-+", "-", normalise(text).replace(" ", "-"))[:limit].strip("-") or "programa"


def plan(edition: Edition, catalogs: Catalogs, data: opendata.OpenData, acronym: str | None = None) -> list[Plan]:
    """One pre-filled workbook per previous program, then each body's template for new programs.

    Pre-filled ones go to ``intake_templates/<ed>/<sector>/<SIGLA>/<SIGLA>-<prev-id>-<nombre>.xlsx``;
    a previous program whose body is not in the registry gets the blank template, with its name written.
    """
    only = template.find_body(catalogs, acronym) if acronym else None
    out: list[Plan] = []
    bodies: dict[str, Body | None] = {}
    for _, row in data.programs.iterrows():
        body = catalogs.body(str(row["institucion_clave"])) if pd.notna(row["institucion_clave"]) else None
        if only is not None and (body is None or body.id != only.id):
            continue
        base = template.template_path(edition, catalogs, body)
        folder = base.with_suffix("") if body else base.parent / "sin-registro"
        stem = f"{folder.name if body else _slug(str(row['institucion']), 20)}-{row['id_programa']}-{_slug(str(row['nombre_programa']))}"
        out.append(Plan(body, folder / f"{stem}.xlsx", row))
        if body is not None:
            bodies[body.id] = body
    for body in [only] if only else [None, *bodies.values()]:
        out.append(Plan(body, template.template_path(edition, catalogs, body), None))
    return out


def build(edition: Edition, catalogs: Catalogs, previous: str, item: Plan, data: opendata.OpenData):
    wb = template.build_workbook(edition, catalogs, item.body)
    if item.row is None:
        return wb
    template.fill(wb, template.ProgramData(fields=carried_fields(item.row, catalogs)))
    _write_reference(wb, previous, item.row, data.figures, data.challenges)
    wb.active = wb.sheetnames.index(g.PROGRAMA)
    return wb


def generate(edition: Edition, catalogs: Catalogs, previous: str, acronym: str | None = None,
             overwrite: bool = False, on_progress=None) -> tuple[list[Path], list[Path], int]:
    """Write the pre-filled templates; returns (written, kept, previous programs carried)."""
    if previous == edition.key:
        raise CompendioError(f"--desde debe ser una edición anterior, no la misma ({previous}).")
    data = previous_data(edition, previous)
    items = plan(edition, catalogs, data, acronym)
    written, kept = [], []
    for item in items:
        if item.path.exists() and not overwrite:
            kept.append(item.path)
        else:
            try:
                item.path.parent.mkdir(parents=True, exist_ok=True)
                template.save(build(edition, catalogs, previous, item, data), item.path)
            except (OSError, OutputError) as exc:
                raise OutputError(f"No se pudo escribir {item.path} ({getattr(exc, 'strerror', None) or exc}). Revise "
                                  "que se pueda escribir en la carpeta y que el archivo no esté abierto en Excel.") from None
            written.append(item.path)
        if on_progress:
            on_progress(item)
    return written, kept, sum(1 for i in items if i.row is not None)
