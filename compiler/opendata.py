"""Open data: the accepted submissions as tables anyone can reuse.

``build`` turns accepted ``Submission`` objects plus the catalogs into three
pandas frames — programs, figures (one row per Cifras indicator) and
challenges (one row per «Reto», with its theme) — and a data dictionary
derived from the field spec. ``write`` saves them under ``output/<ed>/datos/``
as CSV and as one XLSX workbook. The Informe Ejecutivo computes every number
it prints from these same frames, so report and data agree by construction.

CSV choices: UTF-8 *with* a byte-order mark and comma separators. Excel on
Spanish Windows reads a CSV without BOM as Windows-1252 and garbles every
accent («Ã³» for «ó»); with the BOM it opens the file right, and pandas, R and
Python's ``csv`` (``utf-8-sig``) skip the mark transparently. The comma is the
list separator of the es-MX locale, so Excel splits columns without an import
wizard.

A text cell starting with ``= + - @`` (or a tab / carriage return) is written
with a leading apostrophe so no spreadsheet evaluates it as a formula (CSV
injection); the apostrophe is part of the published value in both CSV and XLSX.
"""

from __future__ import annotations

import csv
import json
import datetime as dt
import re
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from . import participation, spec, textsafe
from .atomic import atomic_files
from .catalogs import CATALOG_DIR, Catalogs
from .errors import CatalogError, OutputError
from .model import Submission, normalise
from .settings import DEFAULT_LICENCE, LICENCES, Edition
from .spec import BREAKDOWNS, CIFRAS_BY_ID, CIFRAS_COLUMNS, PEOPLE_UNITS, PERCENT_UNIT, TYPE_DATE, TYPE_INT, TYPE_TEXT, Field
from .style import GUINDA

DATA_DIR = "datos"
PROGRAMS_FILE = "programas.csv"
FIGURES_FILE = "cifras.csv"
CHALLENGES_FILE = "retos.csv"
PARTICIPANTS_FILE = "participantes.csv"
DICTIONARY_FILE = "diccionario.csv"
PACKAGE_FILE = "datapackage.json"
THEMES_FILE = "temas_retos.csv"
#: Theme given to a challenge no rule matches.
OTHER_THEME = ("otros", "Otros retos")

#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = textsafe.FORMULA_STARTS

# Dictionary types (``spec.TYPE_*``, Spanish for the reader), the pandas dtype and the Table Schema type of each.
PANDAS_DTYPE = {TYPE_TEXT: "string", TYPE_INT: "Int64", TYPE_DATE: "datetime64[ns]"}
TABLE_SCHEMA_TYPE = {TYPE_TEXT: "string", TYPE_INT: "integer", TYPE_DATE: "date"}


def spec_kind(item) -> str:
    """The published type of a spec ``Field`` (its type's entry in ``spec.FIELD_TYPES``) or Cifras ``Column``.

    A repeated field is published as one text cell, items on separate lines.
    """
    if getattr(item, "repeat", 1) > 1:
        return TYPE_TEXT
    return item.kind.dtype


#: Repeated fields are published as one cell, items separated by this.
LIST_SEPARATOR = "\n"


# --- challenge themes ---------------------------------------------------------

@dataclass(frozen=True)
class Theme:
    key: str
    name: str
    keywords: tuple[str, ...]  # normalised
    description: str = ""
    #: The keywords as written in the file, for people to read.
    written: tuple[str, ...] = ()

    def matches(self, normalised_text: str) -> bool:
        padded = f" {normalised_text}"
        return any(f" {kw}" in padded for kw in self.keywords)


def themes_path(edition: Edition | None = None) -> Path:
    """The edition's own rules if it has them (``ediciones/<ed>/catalogos/``), else the bundled ones."""
    if edition is not None and edition.paths is not None:
        own = edition.paths.root / "ediciones" / edition.key / "catalogos" / THEMES_FILE
        if own.exists():
            return own
    return CATALOG_DIR / THEMES_FILE


def load_themes(edition: Edition | None = None) -> tuple[Theme, ...]:
    """Rules in file order; the first theme whose keyword starts a word of the challenge wins.

    Keywords are compared without accents or case and match the start of a
    word, so «capacit» matches «capacitación» and «capacitado».
    """
    path = themes_path(edition)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        themes = []
        for r in sorted(rows, key=lambda r: int(r["orden"])):
            written = tuple(x.strip() for x in r["palabras_clave"].split(";") if normalise(x))
            keywords = tuple(normalise(x) for x in written)
            if not r["tema"].strip() or not keywords:
                raise ValueError(f"el tema de la fila con orden {r['orden']} no tiene clave o palabras clave")
            themes.append(Theme(r["tema"].strip(), r["nombre"].strip(), keywords, (r.get("descripcion") or "").strip(),
                                written))
    except FileNotFoundError:
        raise CatalogError(f"No se encontró el catálogo de temas de retos {path}.") from None
    except (KeyError, ValueError, TypeError, UnicodeDecodeError, csv.Error) as exc:
        raise CatalogError(
            f"El catálogo {path} no se pudo leer ({exc}). Debe tener las columnas orden, tema, nombre, "
            "palabras_clave (separadas por «;») y descripcion, guardado como «CSV UTF-8».") from None
    return tuple(themes)


def classify(text: str, themes: Iterable[Theme]) -> tuple[str, str]:
    """(key, name) of the first matching theme, or the «otros» theme."""
    norm = normalise(text)
    for t in themes:
        if t.matches(norm):
            return t.key, t.name
    return OTHER_THEME


# --- frames -------------------------------------------------------------------

ORIGIN_COMPILED = "Asignado por la UPMRIP al compilar la edición."
ORIGIN_REGISTRY = "Registro de instituciones de la UPMRIP (catálogo organismos.csv)."
ORIGIN_STATES = "Catálogo de entidades federativas del INEGI, a partir de la entidad del reporte."
ORIGIN_OBJECTIVES = "Catálogo de los 23 objetivos del Pacto Mundial, a partir del objetivo elegido en el reporte."
UNIT_FROM_ROW = "la de la columna «unidad» de la fila"
STATE_PATTERN = "^[0-9]{2}$"
OBJECTIVE_RANGE = {"minimum": 1, "maximum": 23}


def _from_programa(f: Field) -> str:
    return f"Reporte de la institución, hoja «Programa», campo «{f.label}»."


def _from_cifras(c) -> str:
    return f"Reporte de la institución, hoja «Cifras», columna «{c.label}»."


@dataclass
class Column:
    """One column of a published table, with its dictionary entry."""

    name: str
    type: str
    description: str
    #: Where the value comes from (the agency's report, a catalog, the compilation).
    origin: str = ORIGIN_COMPILED
    #: Unit of a number («personas»…), empty when it is not a quantity.
    unit: str = ""
    #: Table Schema constraints beyond the type (pattern, minimum, enum…).
    constraints: dict = dataclass_field(default_factory=dict)


@dataclass
class OpenData:
    programs: pd.DataFrame
    figures: pd.DataFrame
    challenges: pd.DataFrame
    dictionary: pd.DataFrame
    participants: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name → frame, in publication order."""
        out = {PROGRAMS_FILE: self.programs, FIGURES_FILE: self.figures, CHALLENGES_FILE: self.challenges}
        if self.participants is not None:
            out[PARTICIPANTS_FILE] = self.participants
        return out


def _public_fields() -> list[Field]:
    return [f for f in spec.PROGRAM_FIELDS if f.public]


def _field_description(f: Field) -> str:
    text = f.data_description or f.label
    if f.repeat > 1 and "línea" not in text:
        text += f" Hasta {f.repeat} valores, uno por línea."
    return text


# Columns that identify a program in every table (joins without lookup).
_KEY_COLUMNS = [
    Column("id_programa", TYPE_TEXT, "Identificador del programa en esta edición: la edición y un número consecutivo "
           "de cuatro dígitos (por ejemplo, 2026-0001). Une programas.csv con cifras.csv y retos.csv.",
           constraints={"required": True, "pattern": "^[A-Za-z0-9_-]+-[0-9]{4}$"}),
]
_IDENTITY_COLUMNS = [
    Column("institucion_clave", TYPE_TEXT, "Clave de la institución en el registro de la UPMRIP; si no está registrada, "
           "su nombre sin acentos ni mayúsculas.", ORIGIN_REGISTRY),
    Column("siglas", TYPE_TEXT, "Siglas de la institución que informó el programa.", _from_programa(spec.FIELDS_BY_ID["siglas"])),
    Column("sector_clave", TYPE_TEXT, "Clave del sector: apf, estatal, legislativo, judicial, autonomo u osc.",
           "Catálogo de sectores de la UPMRIP, a partir del sector del reporte.",
           constraints={"enum": ["apf", "estatal", "legislativo", "judicial", "autonomo", "osc"]}),
    Column("entidad_clave", TYPE_TEXT, "Clave INEGI de la entidad federativa: texto de dos dígitos, con el cero a la "
           "izquierda (por ejemplo, 07 es Chiapas); vacío si el programa no es de un gobierno estatal. Léala como texto.",
           ORIGIN_STATES, constraints={"pattern": STATE_PATTERN}),
    Column("objetivo_principal", TYPE_INT, "Número (1 a 23) del objetivo principal del Pacto Mundial al que contribuye "
           "el programa.", ORIGIN_OBJECTIVES, constraints=OBJECTIVE_RANGE),
]


def program_columns() -> list[Column]:
    """Programs table, derived from the public fields of the spec plus catalog keys."""
    ident = {c.name: c for c in _IDENTITY_COLUMNS}
    cols = [*_KEY_COLUMNS,
            Column("edicion", TYPE_TEXT, "Edición del Compendio en la que se publicó el programa."),
            Column("anio", TYPE_INT, "Año de la edición.", unit="año"),
            ident["institucion_clave"], ident["sector_clave"], ident["entidad_clave"]]
    for f in _public_fields():
        if f.id == "objetivo_principal":
            cols.append(ident["objetivo_principal"])
            cols.append(Column("objetivo_principal_titulo", TYPE_TEXT, "Título del objetivo principal según el Pacto "
                               "Mundial.", ORIGIN_OBJECTIVES))
        elif f.id == "objetivo_secundario":
            cols.append(Column(f.id, TYPE_TEXT, "Números (1 a 23) de otros objetivos del Pacto Mundial a los que "
                               "contribuye el programa, separados por «; ».", ORIGIN_OBJECTIVES,
                               constraints={"pattern": "^[0-9]{1,2}(; [0-9]{1,2})*$"}))
        else:
            cols.append(Column(f.id, spec_kind(f), _field_description(f), _from_programa(f)))
        if f.id == "retos":
            cols.append(Column("num_retos", TYPE_INT, "Número de retos que informó el programa (cada uno es una fila de "
                               "retos.csv).", "Calculado al compilar: retos no vacíos del reporte.", "retos",
                               {"required": True, "minimum": 0}))
    return cols


def figure_columns() -> list[Column]:
    cols = [*_KEY_COLUMNS, *_IDENTITY_COLUMNS,
            Column("fila", TYPE_INT, "Número de la fila del indicador dentro del programa (la columna «Núm.» de la hoja "
                   "Cifras); con id_programa identifica la fila, y es a lo que se refiere subgrupo_de.",
                   _from_cifras(CIFRAS_BY_ID["n"]), constraints={"required": True, "minimum": 1})]
    for c in CIFRAS_COLUMNS:
        if c.kind.dtype is None:
            continue
        desc = (c.data_description or c.label) + c.kind.data_note
        unit = UNIT_FROM_ROW if c.kind.in_row_unit else ""
        cols.append(Column(c.id, spec_kind(c), desc, _from_cifras(c), unit, dict(c.kind.constraints)))
    cols.append(Column("porcentajes", TYPE_TEXT,
                       f"Sólo en las filas de unidad «{PERCENT_UNIT}»: cada desglose tal como se informó, en porcentaje "
                       "(«Mujeres 52.5 %; Hombres 47.5 %»); en esas filas las columnas de desglose quedan vacías y el "
                       "total, si lo hay, es el número de personas del que son los porcentajes."))
    cols.append(Column("cuenta_personas", TYPE_TEXT,
                       f"«Sí» si la unidad cuenta personas ({', '.join(PEOPLE_UNITS)}); esas filas, sin los subgrupos, "
                       "suman las personas atendidas del Informe Ejecutivo.", "Calculado al compilar, de la columna unidad.",
                       constraints={"required": True, "enum": ["Sí", "No"]}))
    return cols


def challenge_columns() -> list[Column]:
    retos = spec.FIELDS_BY_ID["retos"]
    return [*_KEY_COLUMNS, *_IDENTITY_COLUMNS,
            Column("num_reto", TYPE_INT, "Posición del reto en el reporte (1 a 8).", _from_programa(retos),
                   constraints={"required": True, "minimum": 1}),
            Column("reto", TYPE_TEXT, "Un obstáculo que encontró el programa durante el periodo, en palabras de la "
                   "institución.", _from_programa(retos)),
            Column("tema", TYPE_TEXT, f"Clave del tema asignado por las reglas de palabras clave de {THEMES_FILE}; "
                   "«otros» si ninguna aplica.", f"Calculado al compilar con las reglas de {THEMES_FILE}."),
            Column("tema_nombre", TYPE_TEXT, "Nombre del tema.", f"Catálogo {THEMES_FILE}.")]


#: Primary key of each table and the columns that join it to programas.csv.
PRIMARY_KEYS = {PROGRAMS_FILE: ["id_programa"], FIGURES_FILE: ["id_programa", "fila"],
                CHALLENGES_FILE: ["id_programa", "num_reto"], PARTICIPANTS_FILE: ["institucion_clave"]}
DICTIONARY_COLUMNS = ["archivo", "columna", "descripcion", "tipo", "unidad", "origen"]


def participant_columns() -> list[Column]:
    return [
        Column("institucion_clave", TYPE_TEXT, _IDENTITY_COLUMNS[0].description),
        Column("institucion", TYPE_TEXT, "Nombre de la institución."),
        Column("siglas", TYPE_TEXT, "Siglas de la institución."),
        Column("sector_clave", TYPE_TEXT, _IDENTITY_COLUMNS[2].description),
        Column("entidad_clave", TYPE_TEXT, "Clave INEGI de la entidad federativa del gobierno estatal o de la institución "
                                           "según el registro, si la tiene."),
        Column("gobierno_estatal", TYPE_TEXT, "«Sí» si es el gobierno de una entidad federativa; las demás son instancias."),
        Column("programas_responsable", TYPE_INT, "Programas publicados que informa como institución responsable."),
        Column("programas_coautora", TYPE_INT, "Programas publicados que la nombran como institución coautora."),
    ]


def _participants_frame(who: participation.Participation) -> pd.DataFrame:
    rows = [{"institucion_clave": p.key, "institucion": p.name, "siglas": p.acronym or None,
             "sector_clave": p.sector or None, "entidad_clave": p.state_key or None,
             "gobierno_estatal": "Sí" if p.state_government else "No",
             "programas_responsable": p.led, "programas_coautora": p.coauthored} for p in who.participants]
    return _frame(rows, participant_columns())


def _as_date(v: Any):
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, str):
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(v.strip(), fmt)
            except ValueError:
                pass
    return None


def _as_int(v: Any):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"\s*\d+\s*", v):
        return int(v)
    return None


def _text(v: Any):
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (dt.date, dt.datetime)):
        v = v.strftime("%d/%m/%Y")
    s = str(v).strip()
    return s or None


_AS_DTYPE = {TYPE_TEXT: _text, TYPE_INT: _as_int, TYPE_DATE: _as_date}


def _frame(rows: list[dict], columns: list[Column]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[c.name for c in columns])
    for c in columns:
        if c.type == TYPE_DATE:
            df[c.name] = pd.to_datetime(df[c.name]).astype("datetime64[ns]")
        else:
            df[c.name] = df[c.name].astype(PANDAS_DTYPE[c.type])
    return df


def _sort_key(sub: Submission, catalogs: Catalogs):
    sector = catalogs.sector_by_name(sub.value("sector") or "")
    objective = catalogs.objective_by_label(sub.value("objetivo_principal"))
    return (sector.order if sector else 99, objective.number if objective else 99, *sub.program_key)


def build(submissions: Iterable[Submission], edition: Edition, catalogs: Catalogs,
          themes: tuple[Theme, ...] | None = None) -> OpenData:
    """The open-data frames of the accepted submissions (text as reported, not yet neutralised)."""
    themes = load_themes(edition) if themes is None else themes
    subs = sorted(submissions, key=lambda s: _sort_key(s, catalogs))
    pcols, fcols, ccols = program_columns(), figure_columns(), challenge_columns()
    programs, figures, challenges = [], [], []
    people = {normalise(u) for u in PEOPLE_UNITS}
    bodies = participation.Bodies(catalogs)
    for i, sub in enumerate(subs, start=1):
        pid = f"{edition.key}-{i:04d}"
        author = participation.lead(sub, catalogs, bodies)
        body = author.body
        sector = catalogs.sector_by_name(sub.value("sector") or "")
        state = catalogs.state_by_name(sub.value("entidad") or "") if sub.value("entidad") else None
        objective = catalogs.objective_by_label(sub.value("objetivo_principal"))
        identity = {
            "id_programa": pid,
            "institucion_clave": author.key,
            "siglas": _text(sub.value("siglas")) or (body.acronym if body and body.acronym else None),
            "sector_clave": sector.key if sector else None,
            "entidad_clave": state.key if state else None,
            "objetivo_principal": objective.number if objective else None,
        }
        row: dict[str, Any] = {**identity, "edicion": edition.key, "anio": edition.year}
        for f in _public_fields():
            v = sub.value(f.id)
            if f.id == "objetivo_principal":
                row["objetivo_principal_titulo"] = objective.title if objective else _text(v)
            elif f.id == "objetivo_secundario":
                nums = [o.number for o in (catalogs.objective_by_label(x) for x in v or []) if o]
                row[f.id] = "; ".join(str(n) for n in nums) or None
            elif f.repeat > 1:
                items = [t for t in (_text(x) for x in v or []) if t]
                row[f.id] = LIST_SEPARATOR.join(items) or None
            else:
                row[f.id] = _AS_DTYPE[f.kind.dtype](v)
        if sector and row.get("sector") is None:
            row["sector"] = sector.name
        retos = [t for t in (_text(x) for x in sub.value("retos") or []) if t]
        row["num_retos"] = len(retos)
        programs.append(row)
        for n, reto in enumerate(retos, start=1):
            key, theme_name = classify(reto, themes)
            challenges.append({**identity, "num_reto": n, "reto": reto, "tema": key, "tema_nombre": theme_name})
        for ind in sub.indicators:
            frow = {**identity, "fila": ind.number}
            percent = spec.is_percent(ind.get("unidad"))
            shares = []
            for c in CIFRAS_COLUMNS:
                if c.kind.dtype is None:
                    continue
                v = ind.get(c.id)
                if percent and spec.is_share(c):
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        shares.append(f"{c.label} {v:g} %")
                    v = None  # a share is not a count: published in «porcentajes», never summed
                frow[c.id] = _as_int(v) if c.kind.numeric else _text(v)
            frow["porcentajes"] = "; ".join(shares) or None
            unit = frow.get("unidad")
            frow["cuenta_personas"] = "Sí" if unit and normalise(unit) in people else "No"
            figures.append(frow)
    tables = (_frame(programs, pcols), _frame(figures, fcols), _frame(challenges, ccols))
    dictionary = pd.DataFrame(
        [{"archivo": file, "columna": c.name, "descripcion": c.description, "tipo": c.type, "unidad": c.unit or None,
          "origen": c.origin}
         for file, cols in ((PROGRAMS_FILE, pcols), (FIGURES_FILE, fcols), (CHALLENGES_FILE, ccols),
                            (PARTICIPANTS_FILE, participant_columns())) for c in cols],
        columns=DICTIONARY_COLUMNS).astype("string")
    return OpenData(*tables, dictionary, _participants_frame(participation.count(subs, catalogs)))


# --- people reached -------------------------------------------------------------

REACH_PARTS = tuple(p for b in BREAKDOWNS for p in b.parts)


def people_rows(figures: pd.DataFrame) -> pd.DataFrame:
    """Indicators that count people, top-level rows only (sub-groups would count twice)."""
    return figures[(figures["cuenta_personas"] == "Sí") & figures["subgrupo_de"].isna() & figures["total"].notna()]


def reach(figures: pd.DataFrame) -> dict[str, int]:
    """Sum of people reached: total, every breakdown part, and what was not broken down.

    ``sin_desglose_<breakdown>`` is the total of the rows that give no figure
    for that breakdown, so each breakdown's parts plus it add up to the total.
    """
    rows = people_rows(figures)
    out = {"total": int(rows["total"].sum()), "indicadores": int(len(rows))}
    for b in BREAKDOWNS:
        for p in b.parts:
            out[p] = int(rows[p].sum())
        none_given = rows[list(b.parts)].isna().all(axis=1)
        out[f"sin_desglose_{b.id}"] = int(rows.loc[none_given, "total"].sum())
    return out


# --- neutralising and writing -----------------------------------------------------

#: Clean, and prefix an apostrophe to text a spreadsheet would run as a formula (the one sanitiser).
neutralise = textsafe.neutralise


def neutralised(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.StringDtype) or out[col].dtype == object:
            out[col] = out[col].map(neutralise, na_action="ignore").astype(out[col].dtype)
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d", lineterminator="\r\n")


def xlsx_name(edition: Edition) -> str:
    return f"datos-abiertos-{edition.key}.xlsx"


def _write_xlsx(data: OpenData, edition: Edition, path: Path) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    readme = pd.DataFrame({"Datos abiertos": [
        f"{edition.title}: programas, cifras y retos informados por las instituciones participantes.",
        "Hojas: programas (uno por fila), cifras (un indicador por fila, con sus desgloses), "
        "retos (uno por fila, con su tema), participantes (cada institución que informa o es coautora de algún "
        "programa: la misma cuenta que el Compendio y el Informe) y diccionario (qué significa cada columna).",
        "Una celda vacía en las cifras significa que no se informó; no es cero.",
        "Al sumar personas entre programas, una misma persona puede contarse en más de un programa.",
        "El texto que empieza con = + - o @ lleva un apóstrofo al inicio para que ninguna hoja de cálculo lo ejecute.",
        "No incluye los datos de las personas de contacto.",
        "Licencia: {title} ({path}). Tipos, claves y relaciones entre tablas: datapackage.json, junto a los CSV.".format(
            **(edition.open_data.get("licence") or LICENCES[DEFAULT_LICENCE])),
    ]})
    sheets = {"léame": readme, **{name.removesuffix(".csv"): df for name, df in data.tables().items()},
              "diccionario": data.dictionary}
    header_fill = PatternFill("solid", fgColor=GUINDA)
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in sheets.items():
            neutralised(df).to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            for cell in ws[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for i, col in enumerate(df.columns, start=1):
                if str(df[col].dtype).startswith("datetime64"):
                    # pandas' datetime_format is not applied by the openpyxl engine; set it per cell.
                    for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                        cell.number_format = "yyyy-mm-dd"
                longest = max([len(str(col)), *(len(str(v)) for v in df[col].head(200) if v is not pd.NA)], default=10)
                ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 60)
            ws.freeze_panes = "A2"
            if name != "léame" and len(df):
                ws.auto_filter.ref = ws.dimensions
        xw.book.properties.title = f"Datos abiertos — {edition.title}"
        xw.book.properties.creator = "UPMRIP – Compendio"
        xw.book.properties.language = "es-MX"


def write(submissions: Iterable[Submission], edition: Edition, catalogs: Catalogs,
          data: OpenData | None = None) -> list[Path]:
    """Write the CSVs, the dictionary and the XLSX to ``output/<ed>/datos/``.

    Every file is first written to a temporary name; only when all of them
    are complete are they renamed into place, so a failure leaves the
    previous files untouched.
    """
    data = build(submissions, edition, catalogs) if data is None else data
    folder = edition.paths.output / DATA_DIR
    jobs: list[tuple[Path, Callable[[Path], None]]] = [
        (folder / name, lambda p, df=df: _write_csv(neutralised(df), p)) for name, df in data.tables().items()]
    jobs.append((folder / DICTIONARY_FILE, lambda p: _write_csv(neutralised(data.dictionary), p)))
    jobs.append((folder / PACKAGE_FILE, lambda p: p.write_text(
        json.dumps(package(edition, data), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")))
    jobs.append((folder / xlsx_name(edition), lambda p: _write_xlsx(data, edition, p)))
    try:
        with atomic_files([final for final, _ in jobs]) as temps:
            for tmp, (_, job) in zip(temps, jobs):
                job(tmp)
    except OutputError as exc:  # keeps the system's reason (``strerror``)
        raise OutputError(f"No se pudieron escribir los datos abiertos en {folder} "
                          f"({getattr(exc, 'strerror', None) or exc}).") from None
    return [final for final, _ in jobs]


# --- Frictionless data package ----------------------------------------------------

#: How the CSVs are written (``_write_csv``), as a Table Dialect.
CSV_DIALECT = {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True, "header": True}


def _schema_field(c: Column) -> dict:
    out = {"name": c.name, "type": TABLE_SCHEMA_TYPE[c.type], "description": c.description}
    if c.type == TYPE_DATE:
        out["format"] = "%Y-%m-%d"
    if c.constraints:
        out["constraints"] = dict(c.constraints)
    return out


def _resource(name: str, title: str, columns: list[Column], description: str) -> dict:
    schema: dict[str, Any] = {"fields": [_schema_field(c) for c in columns], "missingValues": [""]}
    if name in PRIMARY_KEYS:
        schema["primaryKey"] = PRIMARY_KEYS[name]
    if name in (FIGURES_FILE, CHALLENGES_FILE):
        schema["foreignKeys"] = [{"fields": ["id_programa"],
                                  "reference": {"resource": PROGRAMS_FILE.removesuffix(".csv"), "fields": ["id_programa"]}}]
    return {"name": name.removesuffix(".csv"), "path": name, "title": title, "description": description,
            "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
            "dialect": CSV_DIALECT, "schema": schema}


def _published_columns(name: str, columns: list[Column], data: OpenData | None) -> list[Column]:
    """The columns in the order the CSV has them; one a caller added (the importer's «linea») comes from the dictionary."""
    if data is None:
        return columns
    known = {c.name: c for c in columns}
    described = data.dictionary[data.dictionary["archivo"] == name].set_index("columna")
    out = []
    for col in data.tables()[name].columns:
        if col in known:
            out.append(known[col])
        else:
            row = described.loc[col]
            out.append(Column(col, str(row["tipo"]), str(row["descripcion"])))
    return out


def package(edition: Edition, data: OpenData | None = None) -> dict:
    """The ``datapackage.json`` descriptor (Frictionless Data Package v1) of the published CSVs.

    Types, formats, keys and constraints come from the same ``Column`` lists
    that build the frames and the dictionary, so the three always agree;
    given ``data``, the schema follows its columns (extra ones typed by the dictionary).
    """
    licence = edition.open_data.get("licence") or dict(LICENCES[DEFAULT_LICENCE])
    editor = edition.publication.get("editor") or "UPMRIP"
    dictionary = [Column(n, TYPE_TEXT, d) for n, d in (
        ("archivo", "Archivo CSV que describe la fila."), ("columna", "Nombre de la columna."),
        ("descripcion", "Qué significa la columna."), ("tipo", "Tipo del valor: texto, entero o fecha (AAAA-MM-DD)."),
        ("unidad", "Unidad de los números de la columna; vacío si no es una cantidad."),
        ("origen", "De dónde viene el valor."))]
    return {
        "profile": "tabular-data-package",
        "name": f"compendio-general-{edition.key}".lower(),
        "title": f"Datos abiertos del {edition.title}",
        "description": (f"Programas, cifras y retos que informaron las instituciones participantes en el {edition.title} "
                        "sobre el Pacto Mundial para una Migración Segura, Ordenada y Regular. Una celda vacía significa "
                        "que no se informó; no es cero. No incluye los datos de las personas de contacto."
                        + (" DATOS FICTICIOS: edición de muestra." if edition.sample else "")),
        "created": f"{edition.document_date.isoformat()}T00:00:00Z",
        "licenses": [licence],
        "sources": [
            {"title": f"Reportes de las instituciones participantes (plantillas del {edition.title}, periodo "
                      f"{edition.period_from:%d/%m/%Y} a {edition.period_to:%d/%m/%Y})"},
            {"title": "Registro de instituciones, catálogo de entidades federativas (claves INEGI) y objetivos del "
                      "Pacto Mundial, de la UPMRIP"},
        ],
        "contributors": [{"title": editor, "role": "publisher"}],
        "keywords": ["migración", "Pacto Mundial para la Migración", "programas públicos", "México"],
        "resources": [
            _resource(PROGRAMS_FILE, "Programas", _published_columns(PROGRAMS_FILE, program_columns(), data),
                      "Un programa o acción por fila."),
            _resource(FIGURES_FILE, "Cifras", _published_columns(FIGURES_FILE, figure_columns(), data),
                      "Un indicador por fila, con sus desgloses por sexo y edad; subgrupo_de señala la fila madre."),
            _resource(CHALLENGES_FILE, "Retos", _published_columns(CHALLENGES_FILE, challenge_columns(), data),
                      "Un reto por fila, con el tema asignado."),
            *([_resource(PARTICIPANTS_FILE, "Instituciones participantes",
                         _published_columns(PARTICIPANTS_FILE, participant_columns(), data),
                         "Cada institución que informa o es coautora de al menos un programa publicado, una vez: "
                         "la cuenta de participantes del Compendio y del Informe Ejecutivo.")]
              if data is None or data.participants is not None else []),
            {**_resource(DICTIONARY_FILE, "Diccionario de datos", dictionary, "Qué significa cada columna."),
             "schema": {"fields": [_schema_field(c) for c in dictionary], "missingValues": [""]}},
        ],
    }


def pandas_arguments(resource: dict) -> dict:
    """``pd.read_csv`` keyword arguments that give each column its declared type (codes stay text)."""
    fields = resource["schema"]["fields"]
    to_dtype = {"string": "string", "integer": "Int64"}
    return {"dtype": {f["name"]: to_dtype[f["type"]] for f in fields if f["type"] in to_dtype},
            "parse_dates": [f["name"] for f in fields if f["type"] == "date"], "date_format": "%Y-%m-%d",
            "keep_default_na": False, "na_values": resource["schema"].get("missingValues", [""])}


def read(folder: Path) -> OpenData:
    """Read published open data back with the types its ``datapackage.json`` declares.

    Data written before the package existed (an earlier edition's folder) is
    read with the types of its dictionary.
    """
    folder = Path(folder)
    if not (folder / PACKAGE_FILE).is_file():
        return _read_by_dictionary(folder)
    descriptor = json.loads((folder / PACKAGE_FILE).read_text(encoding="utf-8"))
    frames = {}
    for resource in descriptor["resources"]:
        df = pd.read_csv(folder / resource["path"], **pandas_arguments(resource))
        for f in resource["schema"]["fields"]:
            if f["type"] == "date":
                df[f["name"]] = df[f["name"]].astype("datetime64[ns]")
        frames[resource["path"]] = df
    return OpenData(frames[PROGRAMS_FILE], frames[FIGURES_FILE], frames[CHALLENGES_FILE], frames[DICTIONARY_FILE],
                    frames.get(PARTICIPANTS_FILE))


def _read_by_dictionary(folder: Path) -> OpenData:
    dictionary = pd.read_csv(folder / DICTIONARY_FILE, dtype="string", keep_default_na=False)
    frames = []
    names = [PROGRAMS_FILE, FIGURES_FILE, CHALLENGES_FILE]
    if (folder / PARTICIPANTS_FILE).exists():
        names.append(PARTICIPANTS_FILE)
    for name in names:
        types = dictionary[dictionary["archivo"] == name]
        dtypes = {r.columna: PANDAS_DTYPE[r.tipo] for r in types.itertuples() if r.tipo != TYPE_DATE}
        dates = [r.columna for r in types.itertuples() if r.tipo == TYPE_DATE]
        df = pd.read_csv(folder / name, dtype=dtypes, parse_dates=dates, date_format="%Y-%m-%d")
        for d in dates:
            df[d] = df[d].astype("datetime64[ns]")
        frames.append(df)
    return OpenData(*frames[:3], dictionary, frames[3] if len(frames) > 3 else None)
