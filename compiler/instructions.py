"""The Instrucciones sheet: how to fill the workbook, built from the field spec.

Every field and column is explained from ``spec`` (label, help, condition,
limit), so a new field appears here without touching this module. The worked
example is one fictitious program: the Programa examples come from
``Field.example`` and the Cifras example below shows a sex and age breakdown,
two sub-groups that split the total and a nested «de los cuales» row. The
same example (``example_program``) is what the round-trip tests fill in.
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break

from . import geometry as g
from . import spec
from .catalogs import UNITS, Catalogs
from .settings import Edition
from .publication import TABLE_MARKER
from .sheets import (BOX, GUINDA, HEADER_FILL as HEAD_FILL, INPUT_FILL as EXAMPLE_FILL, WRAP_TOP as WRAP, ProgramData,
                     condition_text, field_label, help_text, letter_page, row_height, sample_mark, text_lines)
from .spec import CIFRAS_COLUMNS, TABLA_HEADER_FIELD

#: Column widths (A…E); the sheet prints portrait on letter paper at about 80 %.
WIDTHS = (24, 30, 22, 22, 22)
BODY_SIZE = 10

#: The worked Cifras example: 3,179 people by sex and age (row 1), split by
#: nationality into rows 2 and 3 («Sí»: they add up), and a «de los cuales»
#: row 4 inside row 2 (only a part, so row 2 says «No»).
EXAMPLE_CIFRAS: tuple[dict[str, Any], ...] = (
    {"indicador": "Personas orientadas en los módulos", "unidad": "personas", "total": 3179,
     "mujeres": 1412, "hombres": 1731, "no_binarias": 12, "sexo_sin_dato": 24,
     "nna": 642, "adultos": 2511, "edad_sin_dato": 26, "subgrupos_completos": "Sí"},
    {"indicador": "Personas extranjeras", "unidad": "personas", "total": 2705,
     "mujeres": 1198, "hombres": 1483, "no_binarias": 10, "sexo_sin_dato": 14,
     "subgrupo_de": 1, "criterio": "nacionalidad", "subgrupos_completos": "No"},
    {"indicador": "Personas mexicanas en retorno", "unidad": "personas", "total": 474,
     "mujeres": 214, "hombres": 248, "no_binarias": 2, "sexo_sin_dato": 10,
     "subgrupo_de": 1, "criterio": "nacionalidad"},
    {"indicador": "de las cuales, niñas, niños y adolescentes no acompañados", "unidad": "personas", "total": 87,
     "mujeres": 31, "hombres": 56, "nna": 87, "subgrupo_de": 2,
     "nota": "Todos fueron canalizados a la procuraduría estatal de protección."},
)

EXAMPLE_TABLE = {
    "title": "Personas orientadas por módulo",
    "note": "Fuente: registros administrativos de los módulos (datos ficticios).",
    "rows": [["Módulo", "Mujeres", "Hombres", "No binarias o sin dato", "Total"],
             ["Ciudad Hidalgo", 601, 702, 17, 1320],
             ["Tapachula", 811, 1029, 19, 1859]],
}


def _example_value(f, edition: Edition | None) -> Any:
    # The reported period is the edition's own: the example shows the one the template is for.
    if edition is not None and f.id == "periodo_desde":
        return edition.period_from
    if edition is not None and f.id == "periodo_hasta":
        return edition.period_to
    return f.example


def example_program(edition: Edition | None = None):
    """The fictitious program of the Instrucciones sheet, ready for ``template.fill``."""
    fields: dict[str, Any] = {}
    for f in spec.PROGRAM_FIELDS:
        value = _example_value(f, edition)
        if value in ("", None):
            continue
        fields[f.id] = [value] if f.repeat > 1 else value
    return ProgramData(fields=fields, cifras=[dict(r) for r in EXAMPLE_CIFRAS],
                       table_title=EXAMPLE_TABLE["title"], table_note=EXAMPLE_TABLE["note"],
                       table_rows=[list(r) for r in EXAMPLE_TABLE["rows"]])


def _shown(value: Any, f: spec.Field | None = None) -> str:
    """An example value as the reader sees it: by its field's type, or by its own for Cifras."""
    if f is not None:
        return f.kind.format(value)
    return spec.FIELD_TYPES["integer"].format(value)


class _Sheet:
    """Row-by-row writer that merges spans and sizes rows for print."""

    def __init__(self, ws):
        self.ws = ws
        self.row = 1

    def _height(self, texts: list[tuple[str, float]], size: float) -> None:
        lines = max((text_lines(t, w, size) for t, w in texts if t), default=1)
        self.ws.row_dimensions[self.row].height = row_height(lines, size)

    def line(self, *cells: tuple[str, int], bold_first: bool = False, fill=None, font=None, box: bool = False,
             size: float = BODY_SIZE) -> None:
        """``cells`` are (text, span) pairs laid left to right from column A."""
        col = 1
        sized = []
        for i, (text, span) in enumerate(cells):
            c = self.ws.cell(self.row, col, text)
            c.alignment = WRAP
            c.font = font or Font(size=size, bold=bold_first and i == 0)
            if fill is not None:
                c.fill = fill
            if span > 1:
                self.ws.merge_cells(start_row=self.row, start_column=col, end_row=self.row, end_column=col + span - 1)
            if box:
                for k in range(col, col + span):
                    self.ws.cell(self.row, k).border = BOX
                    if fill is not None:
                        self.ws.cell(self.row, k).fill = fill
            sized.append((text, sum(WIDTHS[col - 1:col - 1 + span])))
            col += span
        self._height(sized, size)
        self.row += 1

    def heading(self, text: str, new_page: bool = False) -> None:
        if new_page:
            # Keep a table that must be read as a whole on one printed page.
            self.ws.row_breaks.append(Break(id=self.row))
        self.row += 1
        self.line((text, 5), font=Font(bold=True, size=12, color=GUINDA))

    def table_header(self, *cells: tuple[str, int]) -> None:
        self.line(*cells, fill=HEAD_FILL, font=Font(bold=True, color="FFFFFF", size=BODY_SIZE), box=True)

    def skip(self) -> None:
        self.row += 1


def write_instructions(wb: Workbook, edition: Edition, catalogs: Catalogs | None = None) -> None:
    ws = wb.create_sheet(g.INSTRUCCIONES)
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.sheet_view.showGridLines = False
    out = _Sheet(ws)
    contact = edition.contact
    example = example_program(edition)

    out.line((f"{edition.title}: instrucciones para reportar un programa{sample_mark(edition)}", 5),
             font=Font(bold=True, size=15, color=GUINDA), size=15)
    out.line(("Pacto Mundial para una Migración Segura, Ordenada y Regular · Unidad de Política Migratoria, "
              "Registro e Identidad de Personas (SEGOB)", 5), font=Font(italic=True, size=BODY_SIZE, color="555555"))
    out.skip()
    facts = [
        ("Qué es", "Este libro recoge UN programa o acción de su institución que contribuye a los objetivos del Pacto "
                   "Mundial. Lo que escriba se publica en el Compendio General (salvo los datos de contacto)."),
        ("Varios programas", "Haga una copia del archivo por cada programa y llene cada copia por separado. "
                             "No junte dos programas en un archivo."),
        ("Periodo que se informa", f"Del {edition.period_from:%d/%m/%Y} al {edition.period_to:%d/%m/%Y}. Si su programa "
                                   "empezó o terminó dentro del periodo, indique sus propias fechas."),
        ("Fecha límite de entrega", f"{edition.deadline:%d/%m/%Y}."),
        ("Cómo enviarlo", f"Por correo electrónico a {contact.get('correo', '')}, como archivo .xlsx (no PDF, no "
                          "imagen), con un nombre que diga sigla y programa, por ejemplo «IEAPM-modulos.xlsx»."),
        ("Dudas", " · ".join(v for v in (contact.get("area"), contact.get("correo"), contact.get("telefono")) if v)),
    ]
    for label, text in facts:
        out.line((label, 1), (text, 4), bold_first=True)

    out.heading("Cómo llenarlo")
    steps = [
        "En la hoja «Programa» escriba en las celdas de color crema. Las marcadas con * son obligatorias; las "
        "marcadas con (*) lo son sólo en el caso que dice su ayuda (la celda se pone roja mientras falte).",
        "Donde hay una flecha de lista (sector, entidad, objetivo, vigencia), elija de la lista en vez de escribir.",
        "Escriba las fechas como dd/mm/aaaa. Los textos largos pueden tener varios párrafos: Alt+Enter "
        "(Windows) u Opción+Enter (Mac) para un salto de línea.",
        "En la hoja «Cifras» ponga una fila por cada cifra que quiera publicar, con su total y, si los tiene, sus "
        "desgloses por sexo y por edad. La columna «Revisión» se pone roja mientras un desglose no sume el total.",
        "La hoja «Tabla» es opcional: úsela sólo si sus resultados se entienden mejor en una tabla.",
        "El libro está protegido sin contraseña para que no se muevan filas ni hojas: no lo desproteja, no "
        "inserte filas ni cambie nombres de hojas; si algo no cabe, avise al contacto.",
        "Guarde como «Libro de Excel (.xlsx)» y envíelo. Recibirá una respuesta: «aceptado», «aceptado con "
        "observaciones» o una copia de su archivo con las celdas por corregir marcadas.",
    ]
    for i, text in enumerate(steps, start=1):
        out.line((f"Paso {i}", 1), (text, 4), bold_first=True)

    out.heading("Qué revisa la UPMRIP al recibirlo")
    out.line(("Que estén los campos obligatorios; que las fechas y el periodo tengan sentido; que los objetivos, "
              "el sector y la entidad sean de las listas; que los textos no excedan su límite; que cada desglose de "
              "«Cifras» sume su total y que los subgrupos no excedan la fila de la que forman parte (ni dejen de "
              "sumarla cuando la fila madre dice «Sí»). Los errores de suma ya se los marca la columna «Revisión» antes de enviar.", 5))

    catalogs = catalogs or _catalogs()
    out.heading("Hoja «Programa», campo por campo (con un ejemplo ficticio)")
    out.table_header(("Campo", 1), ("Qué escribir", 2), ("Ejemplo", 2))
    for f in spec.PROGRAM_FIELDS:
        label = field_label(f)
        if f.repeat > 1:
            label = f"{f.label} (hasta {f.repeat})"
            label += " *" if f.required else ""
        value = example.fields.get(f.id)
        if isinstance(value, list):
            value = value[0] if value else ""
        extra = " No se publica." if not f.public else ""
        out.line((label, 1), (help_text(f, catalogs) + extra, 2), (_shown(value, f), 2), bold_first=True, box=True)
    conditional = [f for f in spec.PROGRAM_FIELDS if f.required_if]
    if conditional:
        out.line(("Campos con (*): " + " ".join(f"«{f.label}»: {condition_text(f, catalogs)}"
                                               for f in conditional), 5),
                 font=Font(italic=True, size=BODY_SIZE))

    out.heading("Hoja «Cifras», columna por columna")
    out.table_header(("Columna", 1), ("Qué escribir", 4))
    for col in CIFRAS_COLUMNS:
        text = col.help
        if col.catalog == "unidades":
            text += " Lista: " + ", ".join(UNITS) + "."
        out.line((col.label, 1), (text, 4), bold_first=True, box=True)

    out.heading("Ejemplo completo de la hoja «Cifras» (ficticio)", new_page=True)
    out.line(("Cada columna del ejemplo es una fila de la hoja «Cifras». La fila 1 da el total con sus dos desgloses. "
              "Las filas 2 y 3 dividen la fila 1 por nacionalidad, y juntas suman su total: por eso la fila 1 dice "
              "«Sí». La fila 4 es un «de las cuales» dentro de la fila 2 y es sólo una parte de ella: por eso la fila 2 "
              "dice «No». Una columna vacía significa «no se sabe», no cero.", 5))
    out.table_header(("Columna", 1), *[(f"Fila {i}", 1) for i in range(1, len(EXAMPLE_CIFRAS) + 1)])
    for col in CIFRAS_COLUMNS:
        if col.type == "rownum":
            continue
        if col.type == "status":
            values = ["Cuadra"] * len(EXAMPLE_CIFRAS)
        else:
            values = [_shown(r.get(col.id)) for r in EXAMPLE_CIFRAS]
        out.line((col.label, 1), *[(v, 1) for v in values], bold_first=True, box=True, fill=None)
        for k in range(2, 2 + len(EXAMPLE_CIFRAS)):
            cell = ws.cell(out.row - 1, k)
            cell.fill = EXAMPLE_FILL
            if col.kind.numeric:
                cell.alignment = Alignment(horizontal="right", vertical="top")

    out.heading("Hoja «Tabla» (opcional)")
    out.line(("Una tabla libre que se publica tal cual debajo de sus resultados: escriba el título, la nota o fuente "
              "y, desde la fila de encabezado, hasta "
              f"{g.TABLA_ROWS - 1} filas de {g.TABLA_COLS} columnas. Ejemplo: «{EXAMPLE_TABLE['title']}», con "
              "columnas " + ", ".join(f"«{h}»" for h in EXAMPLE_TABLE["rows"][0]) + ".", 5))
    out.line((f"{TABLA_HEADER_FIELD.label} {TABLA_HEADER_FIELD.help} Los títulos de las columnas con números se "
              "alinean a la derecha, como sus cifras.", 5))
    out.line((f"Dónde se publica: si en «Resultados» escribe {TABLE_MARKER} solo, en una línea propia (Alt+Enter), la "
              "tabla se publica en ese lugar, justo después del párrafo anterior (por ejemplo, después de «Se "
              "presentaron dos iniciativas:»). Sin esa marca, va después de todos los resultados.", 5))
    out.skip()
    out.line(("Gracias por su colaboración. Lo que su institución informa es la base del Compendio General y del "
              "Informe Ejecutivo de México sobre el Pacto Mundial.", 5), font=Font(italic=True, size=BODY_SIZE))

    ws.print_area = f"A1:E{out.row}"
    letter_page(ws, landscape=False)
    ws.protection.sheet = True


def _catalogs() -> Catalogs:
    from . import catalogs

    return catalogs.load()
