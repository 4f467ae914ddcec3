"""The one declarative field spec.

Everything that knows about a field reads it from here:

* **Field types** (``FIELD_TYPES``): one entry per type holds its cerberus
  rule, its Excel data validation, its cell format, its open-data type, how a
  value is formatted for a reader and how a sample value is made. The
  template, the validator, the open data and the Instrucciones sheet loop over
  these entries; none of them interprets a type on its own.
* **Cifras column types** (``COLUMN_TYPES``): the same for the columns of
  the Cifras sheet (count, row reference, yes/no, text, computed), including
  how a breakdown part reads in a «porcentaje» row (``is_share``).
* **Fields** (``PROGRAM_FIELDS``): label, help, limits, catalog, a typed
  example (a date example is a date, a whole-number example an int), whether
  it is public, where it prints in the Compendio (``printed``) and since which
  template version it exists (``since``).

Adding a field is a one-place change: append a ``Field`` to ``PROGRAM_FIELDS``
(with ``since`` set to the next template version) or a ``Column`` to
``CIFRAS_COLUMNS``, then run ``python -m tests.rebuild_fixtures``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from . import geometry as g

FieldType = Literal["text", "longtext", "date", "email", "phone", "integer", "choice"]

EMAIL_RE = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
#: Catalogs whose dropdown also takes a typed value (a body not yet registered):
#: the validator checks those apart, as a warning.
OPEN_CATALOGS = frozenset({"instituciones"})

# Open-data column types (Spanish, for the dictionary's reader).
TYPE_TEXT, TYPE_INT, TYPE_DATE = "texto", "entero", "fecha (AAAA-MM-DD)"


def _plain_text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _date_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else _plain_text(value)


def _int_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else _plain_text(value)


def _length_rule(f: "Field") -> dict[str, Any]:
    return {"maxlength": f.max_length} if f.max_length else {}


def _length_dv(f: "Field", cell: str) -> dict[str, Any] | None:
    if not f.max_length:
        return None
    return {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(f.max_length),
            "error": f"El texto es muy largo: máximo {f.max_length:,} caracteres."}


def _email_dv(f: "Field", cell: str) -> dict[str, Any]:
    limit = f.max_length or 150
    return {"type": "custom",
            "formula1": f'AND(LEN({cell})<={limit},ISNUMBER(FIND("@",{cell})),ISERROR(FIND(" ",{cell})))',
            "error": f"Escriba un solo correo, sin espacios (por ejemplo, nombre@dependencia.gob.mx); máximo {limit} caracteres."}


def _date_dv(f: "Field", cell: str) -> dict[str, Any]:
    return {"type": "date", "operator": "between", "formula1": "DATE(1990,1,1)", "formula2": "DATE(2100,12,31)",
            "error": "Escriba una fecha válida como dd/mm/aaaa (por ejemplo, 01/06/2025)."}


def _whole_dv(f: "Field", cell: str) -> dict[str, Any]:
    return {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0",
            "error": "Escriba un número entero mayor o igual a cero, sin separadores, decimales ni texto."}


@dataclass(frozen=True)
class FieldKind:
    """What a field type means, for every stage at once."""

    #: Cerberus rules for a field of this type (``catalogo`` is added for catalog fields).
    rule: Callable[["Field"], dict[str, Any]]
    #: Keyword arguments of the Excel data validation of its input cell (None: no validation).
    #: Catalog fields get a dropdown instead, whatever their type.
    excel: Callable[["Field", str], dict[str, Any] | None]
    #: Open-data column type (``TYPE_*``).
    dtype: str
    #: A value as a reader sees it (Instrucciones example, Compendio).
    format: Callable[[Any], str]
    #: Excel number format of the input cell.
    number_format: str | None = None
    #: The agency types free text here (length limit, placeholder and acronym checks apply).
    free_text: bool = True
    #: A fictitious value for the sample edition, from the field's example.
    sample: Callable[[Any, Any], Any] = lambda rng, example: example


FIELD_TYPES: dict[str, FieldKind] = {
    "text": FieldKind(_length_rule, _length_dv, TYPE_TEXT, _plain_text),
    "longtext": FieldKind(_length_rule, _length_dv, TYPE_TEXT, _plain_text),
    "phone": FieldKind(_length_rule, _length_dv, TYPE_TEXT, _plain_text),
    "email": FieldKind(lambda f: {"type": "string", "regex": EMAIL_RE} | _length_rule(f), _email_dv, TYPE_TEXT,
                       _plain_text),
    "date": FieldKind(lambda f: {"type": "date"}, _date_dv, TYPE_DATE, _date_text, number_format="dd/mm/yyyy",
                      free_text=False),
    "integer": FieldKind(lambda f: {"type": "integer", "min": 0}, _whole_dv, TYPE_INT, _int_text,
                         number_format="#,##0", free_text=False,
                         sample=lambda rng, example: rng.randint(0, 2 * int(example or 100))),
    "choice": FieldKind(lambda f: {}, lambda f, cell: None, TYPE_TEXT, _plain_text, free_text=False),
}


@dataclass(frozen=True)
class Printed:
    """Where a field prints in a program's entry of the Compendio.

    ``heading``: it is part of the entry's heading or placement (name,
    institution, sector, objective…), composed by ``publication``.
    ``paragraphs``: long text split into paragraphs and lists, under ``title``
    if given. ``list``: one bullet per filled slot, under ``title``.
    ``notes``: numbered footnotes of the entry. ``line``: one line
    «title: value». ``after_figures`` puts it below the Cifras and the free
    table (the 2025 edition prints «Retos» last).
    """

    kind: Literal["heading", "paragraphs", "list", "notes", "line"]
    title: str = ""
    after_figures: bool = False
    #: CSS class of a list.
    css: str = "items"


IN_HEADING = Printed("heading")


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    help: str
    type: FieldType = "text"
    required: bool = False
    max_length: int | None = None
    #: Name of a catalog list (see ``catalogs.dropdown_lists``) feeding a dropdown.
    catalog: str | None = None
    #: A repeated field takes this many consecutive rows and is read as a list.
    repeat: int = 1
    #: Contact data is collected but never published (neither printed nor in the open data).
    public: bool = True
    #: The worked example of the Instrucciones sheet, typed as the cell holds it.
    example: Any = ""
    #: Required only when another field has a given value: (field id, value).
    required_if: tuple[str, str] | None = None
    #: Section heading this field is shown under.
    section: str = ""
    sheet: str = g.PROGRAMA
    #: Where it prints in the Compendio; None: collected (and in the open data if public) but not printed.
    printed: Printed | None = None
    #: First template version that has this field; older templates are read with it empty.
    since: str = "1.0"
    #: What the value means for a reader of the open data (the dictionary); ``help`` speaks to agencies.
    data_description: str = ""

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"{self.id}: unknown field type {self.type!r}")
        if self.printed is not None and not self.public:
            raise ValueError(f"{self.id}: a field that is not public cannot be printed")

    @property
    def kind(self) -> FieldKind:
        return FIELD_TYPES[self.type]

    def slot_ids(self) -> list[str]:
        """Ids of the rows this field occupies (``retos_1``… for repeated fields)."""
        if self.repeat == 1:
            return [self.id]
        return [f"{self.id}_{i}" for i in range(1, self.repeat + 1)]


#: Text limits, from the longest texts of the 2025 edition (``tests/benchmarks/measure_reference.py``:
#: description 1,473 characters, results 1,781, one challenge 3,037) with room to spare.
MAX_DESCRIPTION_CHARS = 4000
MAX_RESULTS_CHARS = 6000
MAX_CHALLENGE_CHARS = 4000

S_INST = "1. Institución que reporta"
S_PROG = "2. Programa o acción"
S_RES = "3. Resultados y retos"
S_CONT = "4. Persona de contacto (no se publica)"

PROGRAM_FIELDS: tuple[Field, ...] = (
    Field("institucion", "Institución", "Nombre completo de la dependencia, entidad u organización. Elija de la lista o escríbalo si no aparece.",
          required=True, max_length=200, catalog="instituciones", section=S_INST, printed=IN_HEADING,
          example="Instituto Estatal de Atención a Personas en Movilidad",
          data_description="Nombre completo de la institución que informó el programa, como lo escribió en su reporte."),
    Field("siglas", "Siglas", "Siglas oficiales de la institución, sin puntos (por ejemplo, INM). Déjelo vacío si no tiene.",
          max_length=30, section=S_INST, printed=IN_HEADING, example="IEAPM",
          data_description="Siglas de la institución que informó el programa; vacío si no tiene."),
    Field("unidad_responsable", "Unidad responsable", "Área que opera el programa (dirección general, coordinación, etc.).",
          required=True, max_length=200, section=S_INST, example="Dirección de Orientación y Protección",
          data_description="Área de la institución que opera el programa."),
    Field("sector", "Sector", "Sector al que pertenece la institución; define el capítulo del Compendio.",
          type="choice", required=True, catalog="sectores", section=S_INST, printed=IN_HEADING, example="Entidades federativas",
          data_description="Sector de la institución (Administración Pública Federal, entidades federativas, Poder Legislativo, Poder Judicial, organismos autónomos u organizaciones de la sociedad civil); define el capítulo del Compendio."),
    Field("entidad", "Entidad federativa", "Estado cuyo gobierno reporta. Elija de la lista.",
          type="choice", catalog="entidades", required_if=("sector", "estatal"), section=S_INST, printed=IN_HEADING, example="Chiapas",
          data_description="Nombre de la entidad federativa cuyo gobierno informó el programa; vacío si no es un gobierno estatal."),
    Field("coautoras", "Instituciones coautoras", "Si el programa es conjunto, siglas de las otras instituciones separadas por coma (por ejemplo, AMEXCID).",
          max_length=200, section=S_INST, printed=IN_HEADING, example="COMAR, SNDIF",
          data_description="Siglas de las otras instituciones que participan en el programa conjunto, separadas por coma; vacío si no es conjunto."),
    Field("nombre_programa", "Nombre del programa o acción", "Nombre oficial, sin siglas de la institución al final. Máximo 250 caracteres.",
          required=True, max_length=250, section=S_PROG, printed=IN_HEADING, example="Módulos de orientación para personas en movilidad",
          data_description="Nombre oficial del programa o acción."),
    Field("objetivo_principal", "Objetivo principal del PMM", "El objetivo del Pacto Mundial al que más contribuye el programa. Elija de la lista.",
          type="choice", required=True, catalog="objetivos", section=S_PROG, printed=IN_HEADING,
          example="7. Abordar y reducir las vulnerabilidades en la migración",
          data_description="Objetivo del Pacto Mundial para la Migración al que más contribuye el programa."),
    Field("objetivo_secundario", "Objetivo secundario", "Hasta tres objetivos adicionales (opcional).",
          type="choice", catalog="objetivos", repeat=3, section=S_PROG,
          example="3. Proporcionar información exacta y oportuna en todas las etapas de la migración",
          data_description="Otros objetivos del Pacto Mundial a los que contribuye el programa (hasta tres)."),
    Field("descripcion", "Descripción", "Qué es el programa, qué busca y cómo opera. Uno o varios párrafos; separe párrafos con un salto de línea (Alt+Enter).",
          type="longtext", required=True, max_length=MAX_DESCRIPTION_CHARS, section=S_PROG, printed=Printed("paragraphs"),
          example=("Cuatro módulos fijos en la frontera sur orientan sobre trámites migratorios, canalizan a servicios de salud "
                  "y albergue e identifican a niñas, niños y adolescentes que viajan solos para darlos a conocer a la "
                  "procuraduría de protección."),
          data_description="Qué es el programa, qué busca y cómo opera; los párrafos se separan con un salto de línea."),
    # Not printed: the 2025 edition's entries print description, results and challenges only
    # (reference text); the target population is published in the open data.
    Field("poblacion_objetivo", "Población objetivo", "A quién atiende el programa.",
          required=True, max_length=500, section=S_PROG, example="Personas en contexto de movilidad que llegan a la frontera sur, con atención prioritaria a la niñez.",
          data_description="Población a la que atiende el programa."),
    Field("fecha_inicio", "Fecha de inicio", "Fecha en que inició el programa (dd/mm/aaaa).",
          type="date", required=True, section=S_PROG, example=dt.date(2024, 3, 1),
          data_description="Fecha en que inició el programa."),
    Field("vigencia", "Vigencia", "«Permanente» o «Temporal». Si es temporal, indique la fecha de término.",
          type="choice", required=True, catalog="vigencias", section=S_PROG, example="Temporal",
          data_description="«Permanente» o «Temporal»."),
    Field("fecha_fin", "Fecha de término", "Fecha en que termina o terminó el programa (dd/mm/aaaa).",
          type="date", required_if=("vigencia", "Temporal"), section=S_PROG, example=dt.date(2026, 12, 31),
          data_description="Fecha en que termina o terminó el programa; vacío si es permanente."),
    Field("periodo_desde", "Periodo que se reporta: desde", "Inicio del periodo cuyos resultados se informan (dd/mm/aaaa).",
          type="date", required=True, section=S_PROG, example=dt.date(2025, 6, 1),
          data_description="Primer día del periodo cuyos resultados se informan."),
    Field("periodo_hasta", "Periodo que se reporta: hasta", "Fin del periodo cuyos resultados se informan (dd/mm/aaaa).",
          type="date", required=True, section=S_PROG, example=dt.date(2026, 6, 30),
          data_description="Último día del periodo cuyos resultados se informan."),
    Field("resultados", "Resultados", "Lo logrado en el periodo, con cifras. Las cifras desagregadas van en la hoja «Cifras».",
          type="longtext", required=True, max_length=MAX_RESULTS_CHARS, section=S_RES,
          printed=Printed("paragraphs", "Resultados"),
          example=("Se orientó a 3,179 personas: 1,412 mujeres, 1,731 hombres, 12 personas no binarias y 24 de las que no se "
                  "registró el sexo; 474 eran mexicanas en retorno. Se identificó a 87 niñas, niños y adolescentes no "
                  "acompañados, todos canalizados a la procuraduría estatal."),
          data_description="Lo que el programa logró en el periodo informado, en palabras de la institución."),
    Field("retos", "Reto", "Un reto por celda: obstáculos que enfrentó el programa. Deje vacías las que no use.",
          type="longtext", max_length=MAX_CHALLENGE_CHARS, repeat=8, section=S_RES,
          printed=Printed("list", "Retos", after_figures=True, css="challenges"), example="Alta rotación del personal de los módulos en los turnos nocturnos.",
          data_description="Obstáculos que encontró el programa durante el periodo, uno por línea (cada uno es también una fila de retos.csv)."),
    Field("fuentes", "Fuente o enlace", "Una referencia por celda (dirección web o documento). Se publican como notas al pie.",
          max_length=500, repeat=6, section=S_RES, printed=Printed("notes"), example="https://www.ejemplo.gob.mx/modulos-orientacion",
          data_description="Referencias de la información (direcciones web o documentos), una por línea; en el Compendio son notas al pie."),
    Field("contacto_nombre", "Nombre", "Persona que responde dudas sobre este reporte.",
          required=True, max_length=150, public=False, section=S_CONT, example="María López Hernández"),
    Field("contacto_cargo", "Cargo", "Cargo de la persona de contacto.",
          required=True, max_length=150, public=False, section=S_CONT, example="Subdirectora de Enlace"),
    Field("contacto_correo", "Correo electrónico", "Correo institucional.",
          type="email", required=True, max_length=150, public=False, section=S_CONT, example="mlopez@ejemplo.gob.mx"),
    Field("contacto_telefono", "Teléfono", "Con lada y extensión.",
          type="phone", max_length=40, public=False, section=S_CONT, example="961 000 0000 ext. 123"),
)

FIELDS_BY_ID = {f.id: f for f in PROGRAM_FIELDS}

#: The Tabla sheet's one choice, in its own cell (not a Programa row, so workbooks made before it still read).
TABLA_HEADER_FIELD = Field(
    "tabla_encabezado", "¿La primera fila es encabezado?",
    "«Sí» si la primera fila de la tabla tiene los títulos de las columnas; «No» si todas las filas son datos.",
    type="choice", catalog="si_no", sheet=g.TABLA, example="Sí")


def programa_layout() -> dict[str, int]:
    """Row of every field slot in the Programa sheet, derived from the spec order.

    A section heading takes one row before its first field, and a blank row
    separates sections.
    """
    rows: dict[str, int] = {}
    row = g.PROGRAMA_FIRST_ROW
    section = None
    for f in PROGRAM_FIELDS:
        if f.section != section:
            if section is not None:
                row += 1
            section = f.section
            rows[f"§{section}"] = row
            row += 1
        for slot in f.slot_ids():
            rows[slot] = row
            row += 1
    return rows


def field_ids_in(version: str) -> frozenset[str]:
    """Fields a template of this version has (the others are read as empty)."""
    return frozenset(f.id for f in PROGRAM_FIELDS if in_version(f, version))


def field_cell(slot_id: str) -> str:
    return f"{g.PROGRAMA_INPUT_COL}{programa_layout()[slot_id]}"


def slot_field(slot_id: str) -> Field:
    """The field a slot id belongs to (``retos_3`` → ``retos``)."""
    if slot_id in FIELDS_BY_ID:
        return FIELDS_BY_ID[slot_id]
    base, _, _ = slot_id.rpartition("_")
    return FIELDS_BY_ID[base]


# --- Cifras ----------------------------------------------------------------

ColumnType = Literal["rownum", "text", "choice", "count", "ref", "yesno", "status"]


def is_share(column: "Column") -> bool:
    """In a row of unit «porcentaje» (``PERCENT_UNIT``) this column holds a share (0 to 100), not a count:
    the parts of the breakdowns. The total stays the whole count the shares are of."""
    return any(column.id in b.parts for b in BREAKDOWNS)


def _count_rule(c: "Column", percent: bool) -> dict[str, Any]:
    if percent and is_share(c):
        return {"type": "number", "min": 0, "max": 100}
    return {"type": "integer", "min": 0}


def _count_dv(c: "Column", cell: str, unit: str) -> dict[str, Any]:
    whole = f"AND(ISNUMBER({cell}),{cell}>=0,INT({cell})={cell})"
    if not is_share(c):
        return {"type": "custom", "formula1": whole,
                "error": "Escriba un número entero mayor o igual a cero, sin separadores, decimales ni texto."}
    return {"type": "custom", "formula1": f'OR({whole},AND({unit}="{PERCENT_UNIT}",ISNUMBER({cell}),{cell}>=0,{cell}<=100))',
            "error": "Escriba un número entero mayor o igual a cero, sin separadores, decimales ni texto "
                     f"(o un porcentaje de 0 a 100 si la unidad es «{PERCENT_UNIT}»)."}


def _ref_dv(c: "Column", cell: str, unit: str) -> dict[str, Any]:
    return {"type": "whole", "operator": "between", "formula1": "1", "formula2": str(g.CIFRAS_ROWS),
            "error": f"Escriba el número (1 a {g.CIFRAS_ROWS}) de la fila de la que esta es subgrupo."}


def _text_dv(c: "Column", cell: str, unit: str) -> dict[str, Any] | None:
    if not c.max_length:
        return None
    return {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(c.max_length),
            "error": f"El texto es muy largo: máximo {c.max_length} caracteres."}


def _text_rule(c: "Column", percent: bool) -> dict[str, Any]:
    return {"maxlength": c.max_length} if c.max_length else {}


@dataclass(frozen=True)
class ColumnKind:
    """What a Cifras column type means, for every stage at once (the Cifras twin of ``FieldKind``)."""

    #: Cerberus rules of a cell (``percent``: the row's unit is «porcentaje»); ``catalogo`` is added for
    #: catalog columns. None: the column is computed by the sheet (row number, live check), never read.
    rule: Callable[["Column", bool], dict[str, Any]] | None
    #: Excel data validation of the column's input cells: (column, its first cell, the first cell of
    #: «Unidad» with the column fixed) → keyword arguments, ``error`` included; None: none.
    #: Catalog columns get a dropdown instead.
    excel: Callable[["Column", str, str], dict[str, Any] | None]
    #: Open-data column type (``TYPE_*``); None: not published.
    dtype: str | None
    #: Excel number format of the input cells.
    number_format: str | None = None
    #: Centred in the sheet (a short code or row number rather than text).
    centred: bool = False
    #: Open-data constraints (Table Schema) and a sentence added to the column's description.
    constraints: dict[str, Any] = field(default_factory=dict)
    data_note: str = ""
    #: A figure in the unit of its row («Unidad»): the open data says so.
    in_row_unit: bool = False

    @property
    def entered(self) -> bool:
        """The agency types in this column (the reader reads it, the validator checks it)."""
        return self.rule is not None

    @property
    def numeric(self) -> bool:
        return self.dtype == TYPE_INT


def _no_dv(c: "Column", cell: str, unit: str) -> None:
    return None


COLUMN_TYPES: dict[str, ColumnKind] = {
    "rownum": ColumnKind(None, _no_dv, None, centred=True),
    "status": ColumnKind(None, _no_dv, None),
    "text": ColumnKind(_text_rule, _text_dv, TYPE_TEXT),
    "choice": ColumnKind(_text_rule, _text_dv, TYPE_TEXT),
    "yesno": ColumnKind(_text_rule, _text_dv, TYPE_TEXT, centred=True),
    "count": ColumnKind(_count_rule, _count_dv, TYPE_INT, number_format="#,##0", constraints={"minimum": 0},
                        data_note=" Vacío significa que no se informó (no es cero).", in_row_unit=True),
    "ref": ColumnKind(lambda c, percent: {"type": "integer", "min": 1, "max": g.CIFRAS_ROWS}, _ref_dv, TYPE_INT,
                      centred=True, constraints={"minimum": 1}),
}


@dataclass(frozen=True)
class Column:
    """One column of the Cifras sheet (one indicator per row).

    A row holds a total and, optionally, two breakdowns of it (``BREAKDOWNS``:
    sex with non-binary and «sin dato», age as NNA 0-17 / 18+ / «sin dato»).
    Anything finer is entered as sub-group rows: ``subgrupo_de`` names the
    parent row; ``criterio`` names the dimension when a parent is split in more
    than one way; ``subgrupos_completos`` on the parent says whether its
    sub-groups (per criterion) add up to its total. Rules for the validator:
    each used breakdown sums to ``total``; a sub-group never exceeds its
    parent; if the parent says «Sí», the sub-groups sharing a criterion (blank
    is a criterion too) sum to the parent's total, for every criterion used.

    Checked against every disaggregation in the 2025 edition:

    * Objective 8 (Grupos Beta): adults / accompanied minors / unaccompanied
      minors × sex → parent row with sex columns, three sub-group rows with
      their own sex and age columns, «Sí». Exact.
    * Objective 15 (state chapter): a shelter's 537 attentions as girls /
      adolescent girls / women companions / boys / adolescent boys / men
      companions → parent row (sex columns; NNA vs 18+ where the text says
      who is a minor), one sub-group row per category, «Sí». Consultations
      by age bracket 0-9 / 10-19 / 20-59 / 60+ × sex → one sub-group row per
      bracket with its sex columns; age columns stay blank where a bracket
      straddles 18 (10-19), so nothing is invented.
    * Objective 16 (consular cases by profile, incl. «Grupo LGBTIQ+» and
      «Mujer menor de 18 años no acompañada»): one sub-group row per profile,
      sex/age columns filled where the profile implies them, «Sí» (3,414).
    * Objective 21: assisted returns as adults / NNA accompanied / NNA alone
      × sex, and the same 7,060 people by country → two complete partitions
      of one total. A single «¿suman?» flag could not say that, so the spec
      gained ``criterio`` («condición», «país»): each criterion's sub-groups
      must sum. The objective's text-only table (goals and components) goes
      in the Tabla sheet, not in Cifras.
    * Objective 10 (trafficking victims: sex × age, each partly «no
      especificado»): parent row uses both «sin dato» columns (sex 109, age
      165); one sub-group row per sex with its age columns, «Sí».
    * Non-binary counts (consular cases, health staff) → ``no_binarias``.
      LGBTIQ+ is not a sex category → a sub-group row, «No» when it overlaps.
      «Otra identidad» / «no contestó» (2 and 7 of 3,597) → ``sexo_sin_dato``
      with the detail in ``nota``.
    * «De los cuales … no acompañados» (SIRENNA: 64,915 NNA, 3,421 alone) →
      sub-group rows; nested «de los cuales» → a sub-group of a sub-group.
    * Overlapping groups (vaccines to pregnant women, 60+, under 5) →
      sub-group rows with «No». Percentages without counts stay in the
      narrative: the sheet takes only whole counts.
    """

    id: str
    label: str
    help: str
    type: ColumnType
    width: float = 12
    catalog: str | None = None
    max_length: int | None = None
    #: First template version that has this column; older templates are read with it empty.
    since: str = "1.0"
    #: What the value means for a reader of the open data (the dictionary); ``help`` speaks to agencies.
    data_description: str = ""

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"{self.id}: unknown Cifras column type {self.type!r}")

    @property
    def kind(self) -> ColumnKind:
        return COLUMN_TYPES[self.type]


CIFRAS_COLUMNS: tuple[Column, ...] = (
    Column("n", "Núm.", "Número de fila; úselo para indicar subgrupos.", "rownum", 6),
    Column("indicador", "Indicador", "Qué se cuenta (por ejemplo, «Personas atendidas en albergues»).", "text", 46, max_length=300,
           data_description="Qué se cuenta (por ejemplo, personas atendidas en albergues)."),
    Column("unidad", "Unidad", "Personas, atenciones, eventos, etc.", "choice", 14, catalog="unidades",
           data_description="Unidad de las cifras de la fila: personas, atenciones, eventos, etc."),
    Column("total", "Total", "Número total. Entero, sin separadores.", "count", 11,
           data_description="Número total que informa el indicador."),
    Column("mujeres", "Mujeres", "Total de mujeres.", "count", 11,
           data_description="Parte del total que corresponde a mujeres."),
    Column("hombres", "Hombres", "Total de hombres.", "count", 11,
           data_description="Parte del total que corresponde a hombres."),
    Column("no_binarias", "Personas no binarias", "Personas que se identifican como no binarias.", "count", 11,
           data_description="Parte del total que corresponde a personas no binarias."),
    Column("sexo_sin_dato", "Sexo sin dato", "Personas de las que no se registró el sexo.", "count", 11,
           data_description="Parte del total de la que no se registró el sexo."),
    Column("nna", "NNA (0 a 17 años)", "Niñas, niños y adolescentes.", "count", 11,
           data_description="Parte del total que corresponde a niñas, niños y adolescentes (0 a 17 años)."),
    Column("adultos", "18 años y más", "Personas adultas.", "count", 11,
           data_description="Parte del total que corresponde a personas de 18 años y más."),
    Column("edad_sin_dato", "Edad sin dato", "Personas de las que no se registró la edad.", "count", 11,
           data_description="Parte del total de la que no se registró la edad."),
    Column("subgrupo_de", "Subgrupo de la fila", "Si esta fila es parte de otra («de los cuales…»), el número de esa fila.", "ref", 10,
           data_description="Si la fila es parte de otra («de los cuales…»), el número («fila») de esa fila del mismo programa; vacío si no es subgrupo."),
    Column("criterio", "Criterio del subgrupo", "Sólo si la fila madre se desglosa de más de una manera (por ejemplo, por país y por edad): "
           "escriba el criterio («país», «edad»…). Los subgrupos con el mismo criterio deben sumar el total de la fila madre.",
           "text", 13, max_length=40,
           data_description="Criterio con el que se desglosa la fila madre cuando se desglosa de más de una manera (por ejemplo, «país» o «edad»)."),
    Column("subgrupos_completos", "¿Sus subgrupos suman el total?", "En la fila madre: «Sí» si sus subgrupos forman un desglose completo (suman su total); «No» si se traslapan o son sólo algunos.", "yesno", 13, catalog="si_no",
           data_description="En una fila con subgrupos: «Sí» si sus subgrupos de cada criterio suman su total; «No» si se traslapan o son sólo algunos."),
    Column("nota", "Nota", "Aclaración que se publica bajo la tabla (opcional).", "text", 30, max_length=300,
           data_description="Aclaración de la institución sobre la cifra."),
    Column("estado", "Revisión", "Se calcula sola: dice «Cuadra» o qué falta corregir en la fila.", "status", 30),
)

CIFRAS_BY_ID = {c.id: c for c in CIFRAS_COLUMNS}
COUNT_COLUMNS = tuple(c.id for c in CIFRAS_COLUMNS if c.type == "count")


@dataclass(frozen=True)
class Breakdown:
    """A set of count columns that, when used, must add up to ``total``."""

    id: str
    label: str
    parts: tuple[str, ...]


BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown("sexo", "sexo", ("mujeres", "hombres", "no_binarias", "sexo_sin_dato")),
    Breakdown("edad", "edad", ("nna", "adultos", "edad_sin_dato")),
)

#: Units whose indicators count people (summed in the Informe's reach figures).
PEOPLE_UNITS = ("personas",)
#: A row in this unit gives its breakdowns as percentages: each used breakdown sums to 100, not to
#: the total (which, if given, is the count the percentages are of).
PERCENT_UNIT = "porcentaje"
#: Percentages rounded by the agency may miss 100 by this much (four parts rounded to whole
#: numbers can be off by up to 2; to one decimal, by 0.2).
PERCENT_SUM_TOLERANCE = 2.0


def is_percent(unit: Any) -> bool:
    """Is a row of this «Unidad» given in percentages?"""
    from .model import normalise

    return normalise(str(unit or "")) == PERCENT_UNIT


def cifras_col(column_id: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter([c.id for c in CIFRAS_COLUMNS].index(column_id) + 1)


# --- template versions --------------------------------------------------------

@functools.lru_cache(maxsize=64)
def version_key(version: str) -> tuple[int, ...]:
    """«1.10» sorts after «1.9»; an unreadable version sorts first."""
    try:
        return tuple(int(x) for x in str(version).split("."))
    except ValueError:
        return (-1,)


def template_versions() -> tuple[str, ...]:
    """Every template version of the spec, oldest first: «1.0» and each ``since`` of a field or column.

    A release reads every one of them: a field added in a later version is
    simply empty in a workbook made from an older template of the same edition.
    """
    found = {"1.0", *(f.since for f in PROGRAM_FIELDS), *(c.since for c in CIFRAS_COLUMNS)}
    return tuple(sorted(found, key=version_key))


def template_version() -> str:
    """The version stamped on the templates this release writes."""
    return template_versions()[-1]


def in_version(item: Field | Column, version: str) -> bool:
    """Does a template of ``version`` have this field or column?"""
    return version_key(item.since) <= version_key(version)


# --- Stamp and program identity ---------------------------------------------

@dataclass(frozen=True)
class Stamp:
    product: str
    version: str
    edition: str
    institution_id: str  # empty for the blank template
    generated: str = ""

    extra: dict = field(default_factory=dict, compare=False)
