"""Accepted submissions → the ``Publication``: what the Compendio says, in order.

Everything the PDF shows is decided here, as plain data: chapter and objective
order, program numbering, headings, the introduction's figures, footnote
numbers, the annexes. The templates only lay it out, so the text and order are
the same for the same inputs and can be tested without WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from . import participation
from .catalogs import Catalogs, Sector
from .errors import CompendioError, SettingsError
from .model import Submission, normalise
from .settings import Edition
from . import spec
from .spec import BREAKDOWNS, CIFRAS_BY_ID, COUNT_COLUMNS

LOCALE = "es_MX"
#: The one separator between a program's name and its institution.
HEADING_SEPARATOR = " – "
STATE_SECTOR = "estatal"
#: Lines that start with one of these are list items inside a paragraph block.
_BULLET = re.compile(r"^\s*(?:[-•»▪*·]|\d{1,2}[.)])\s+")
#: A line «[TABLA]» in the results places the free table there (documented in the Instrucciones sheet).
TABLE_MARKER = "[TABLA]"
_TABLE_MARKER = re.compile(r"^\s*\[\s*tabla\s*\]\s*$", re.IGNORECASE)
#: A figure as an agency writes it in a table cell: 3,179 · 12.5 · 40 %.
_FIGURE = re.compile(r"[-+]?[\d,.]+ ?%?")


def is_figure(value: Any) -> bool:
    """A table cell that holds a number, aligned on the right like the Cifras table."""
    text = str(value)
    return bool(_FIGURE.fullmatch(text)) and any(ch.isdigit() for ch in text)


def balanced(text: str, tail: int = 14) -> str:
    """Glue the last words of a title with no-break spaces, so no short word («Regular») sits alone on a line."""
    words = str(text).split()
    if len(words) < 3:
        return " ".join(words)
    glued = [words.pop()]
    while words and len(words) > 1 and len(" ".join(glued)) < tail and len(glued) < 3:
        glued.insert(0, words.pop())
    return " ".join(words) + " " + "\u00a0".join(glued)


class PublicationError(CompendioError):
    """The accepted data cannot be placed in the publication (e.g. an unknown sector)."""


# --- formatting --------------------------------------------------------------

def number(value: Any) -> str:
    """es-MX figure: 3,179 (thousands with comma, decimals with a point)."""
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return format_decimal(value, locale=LOCALE)
    return str(value)


def long_date(d: dt.date) -> str:
    return format_date(d, "d 'de' MMMM 'de' y", locale=LOCALE)


def month_year(d: dt.date) -> str:
    return format_date(d, "MMMM 'de' y", locale=LOCALE)


def plain(value: Any) -> str:
    """A cell as publishable text: dates as dd/mm/aaaa, numbers es-MX, text trimmed."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float)):
        return number(value)
    return " ".join(str(value).split())


def sort_key(text: str) -> str:
    """Alphabetical order as a Spanish reader expects it (accents ignored)."""
    return normalise(text)


# --- the publication's values -----------------------------------------------

@dataclass(frozen=True)
class Block:
    """A paragraph (``items`` has one text) or a bulleted list."""

    kind: str  # "p" | "ul" | "table" (where the free table goes, from «[TABLA]»)
    items: tuple[str, ...]


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str
    #: Set when the whole source is a web address: the note links to it.
    url: str | None = None


@dataclass(frozen=True)
class FigureRow:
    label: str
    unit: str
    values: tuple[str, ...]  # one per shown column, "" when blank
    level: int  # 0 for a top row, 1 for a sub-group, …


@dataclass(frozen=True)
class FigureTable:
    """The Cifras sheet as published: only the columns that have data."""

    columns: tuple[str, ...]  # labels of the count columns shown
    show_unit: bool
    rows: tuple[FigureRow, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class FreeTable:
    title: str
    header: tuple[str, ...]  # empty when the agency said its first row is not a header
    rows: tuple[tuple[str, ...], ...]
    note: str
    #: Per column: its body cells are figures, so the column and its header align right.
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Section:
    """One printed field of a program (``spec.Field.printed``): its text as the entry shows it."""

    field: str  # the field id
    kind: str  # "paragraphs" | "list" | "line"
    title: str  # printed above it («Resultados»); for a line, before the value
    blocks: tuple[Block, ...]  # paragraphs (and bulleted lists inside them)
    items: tuple[str, ...]  # a list's items; a line's one value
    after_figures: bool
    css: str


@dataclass(frozen=True)
class Program:
    number: int
    name: str  # as the agency wrote it
    author: str  # the part of the heading after the separator
    heading: str  # «N. NOMBRE – INSTITUCIÓN (SIGLA).»
    anchor: str
    #: The printed fields in spec order; the figures and the free table go between
    #: those before them and those ``after_figures``.
    sections: tuple[Section, ...]
    figures: FigureTable | None
    table: FreeTable | None
    #: The free table goes where a printed text says «[TABLA]»; otherwise after the figures.
    table_in_results: bool
    footnotes: tuple[Footnote, ...]
    source: str  # file name, for messages and the open data

    def section(self, field_id: str) -> Section | None:
        return next((s for s in self.sections if s.field == field_id), None)

    @property
    def before_figures(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if not s.after_figures)

    @property
    def after_figures(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.after_figures)


@dataclass(frozen=True)
class ObjectiveSection:
    number: int
    title: str
    anchor: str
    programs: tuple[Program, ...]


@dataclass(frozen=True)
class Chapter:
    number: int
    sector: str
    title: str
    anchor: str
    objectives: tuple[ObjectiveSection, ...]

    @property
    def program_count(self) -> int:
        return sum(len(o.programs) for o in self.objectives)


@dataclass(frozen=True)
class GlossaryEntry:
    name: str
    acronym: str


@dataclass(frozen=True)
class Figures:
    """The introduction's numbers, counted from the body of the publication."""

    programs: int
    bodies: int  # participating institutions other than state governments (``participation``)
    states: int  # state governments
    period: str
    institutions: int = 0  # bodies + state governments
    entities: int = 0  # participating states, as the annex lists them


@dataclass(frozen=True)
class Publication:
    title: str
    subtitle: str
    year: int
    date: dt.date
    date_text: str
    place: str
    publisher: str
    address: str
    site: str
    credits: tuple[tuple[str, tuple[str, ...]], ...]
    authorities: tuple[tuple[str, str], ...]
    introduction: tuple[str, ...]
    closing: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    glossary: tuple[GlossaryEntry, ...]
    states: tuple[str, ...]
    figures: Figures
    sample: bool
    edition: str
    lang: str = "es-MX"
    author: str = "Secretaría de Gobernación – Unidad de Política Migratoria, Registro e Identidad de Personas"
    # The printed book's front and back matter (issue 14).
    logos: tuple[str, ...] = ()  # file: URLs of images in the edition's folder
    editor_responsible: str = ""
    phone: str = ""
    isbn: str = ""
    colophon: tuple[str, ...] = ()
    back_cover: tuple[str, ...] = ()
    closing_title: str = ""  # empty: the closing prints as paragraphs with no heading
    title_lines: str = ""  # the title and subtitle with their last words glued (see ``balanced``)
    subtitle_lines: str = ""

    @property
    def programs(self) -> list[Program]:
        return [p for c in self.chapters for o in c.objectives for p in o.programs]

    @property
    def footnote_count(self) -> int:
        return sum(len(p.footnotes) for p in self.programs)


# --- who reported -------------------------------------------------------------
# One definition of who took part lives in ``participation``; the body of the
# publication names the same authors it counts.

Author = participation.Author
_Bodies = participation.Bodies


# --- text blocks ---------------------------------------------------------------

def blocks(text: Any) -> tuple[Block, ...]:
    """Split an agency's long text into paragraphs and bulleted lists.

    One line break separates paragraphs (Alt+Enter in Excel); lines that start
    with a bullet («-», «•», «»», «1.») become a list.
    """
    if text is None:
        return ()
    out: list[Block] = []
    bullets: list[str] = []
    for raw in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if not line:
            continue
        if _TABLE_MARKER.match(raw):
            if bullets:
                out.append(Block("ul", tuple(bullets)))
                bullets = []
            if not any(b.kind == "table" for b in out):
                out.append(Block("table", ()))
            continue
        if _BULLET.match(raw):
            bullets.append(_BULLET.sub("", raw, count=1).strip())
            continue
        if bullets:
            out.append(Block("ul", tuple(bullets)))
            bullets = []
        out.append(Block("p", (line,)))
    if bullets:
        out.append(Block("ul", tuple(bullets)))
    return tuple(out)


# --- figures ------------------------------------------------------------------

def _levels(indicators) -> list[tuple[Any, int]]:
    """Indicators in reading order: each sub-group right under its parent, indented."""
    by_number = {i.number: i for i in indicators}
    children: dict[int | None, list] = defaultdict(list)
    for ind in indicators:
        parent = ind.parent
        if parent == ind.number or parent not in by_number:
            parent = None
        children[parent].append(ind)
    out: list[tuple[Any, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, level: int) -> None:
        for ind in sorted(children.get(parent, []), key=lambda i: i.number):
            if ind.number in seen:
                continue
            seen.add(ind.number)
            out.append((ind, level))
            walk(ind.number, level + 1)

    walk(None, 0)
    # A cycle of sub-groups (1 → 2 → 1) has no top row: show its rows flat, never drop them.
    for ind in sorted(indicators, key=lambda i: i.number):
        if ind.number not in seen:
            seen.add(ind.number)
            out.append((ind, 0))
    return out


_NARRATIVE_NUMBER = re.compile(r"\d{1,3}(?:[,.\u00a0 ]\d{3})+(?!\d)|\d+")


def _numbers_in(*texts: Any) -> set[str]:
    """Whole numbers a text quotes, without thousands separators («3,179» → «3179»)."""
    found: set[str] = set()
    for text in texts:
        for m in _NARRATIVE_NUMBER.finditer(str(text or "")):
            found.add(re.sub(r"\D", "", m.group(0)).lstrip("0") or "0")
    return found


def _repeats_narrative(table: FigureTable, sub: Submission) -> bool:
    """A one-row table whose every figure is already in the text above it adds nothing."""
    if len(table.rows) != 1:
        return False
    quoted = _numbers_in(sub.value("descripcion"), sub.value("resultados"))
    values = [re.sub(r"\D", "", v).lstrip("0") or "0" for v in table.rows[0].values if v]
    return bool(values) and all(v in quoted for v in values)


def figure_table(sub: Submission, policy: str = "siempre") -> FigureTable | None:
    """The Cifras sheet as a table, as the edition's ``cuadros_de_cifras`` asks:

    «siempre» whenever there are figures, «con desglose» only when some row is
    broken down (by sex or age, or into sub-group rows), «nunca» never. A
    one-row table that only repeats figures the text already quotes is never
    printed.
    """
    if policy == "nunca":
        return None
    indicators = [i for i in sub.indicators if i.get("indicador") is not None or i.get("total") is not None]
    if not indicators:
        return None
    ordered = [c for b in BREAKDOWNS for c in b.parts]
    columns = ["total", *ordered, *(c for c in COUNT_COLUMNS if c not in ordered and c != "total")]
    shown = [c for c in columns if any(i.get(c) is not None for i in indicators)]
    show_unit = any(i.get("unidad") is not None for i in indicators)
    rows, notes = [], []
    for ind, level in _levels(indicators):
        label = plain(ind.get("indicador"))
        rows.append(FigureRow(label, plain(ind.get("unidad")),
                              tuple(plain(ind.get(c)) for c in shown), level))
        if ind.get("nota") is not None:
            notes.append(f"{label}: {plain(ind.get('nota'))}" if label else plain(ind.get("nota")))
    table = FigureTable(tuple(CIFRAS_BY_ID[c].label for c in shown), show_unit, tuple(rows), tuple(notes))
    broken_down = any(c != "total" for c in shown) or any(r.level > 0 for r in rows)
    if policy == "con desglose" and not broken_down:
        return None
    if _repeats_narrative(table, sub):
        return None
    return table


def free_table(sub: Submission) -> FreeTable | None:
    t = sub.table
    if t is None or t.empty:
        return None
    grid = [[plain(c.value) for c in row] for row in t.rows]
    header, body = (grid[0], grid[1:]) if t.header_row and grid else ([], grid)
    width = max((len(r) for r in grid), default=0)
    numeric = tuple(bool(col) and all(is_figure(v) for v in col)
                    for col in ([r[i] for r in body if i < len(r) and r[i]] for i in range(width)))
    return FreeTable(plain(t.title.value), tuple(header), tuple(tuple(r) for r in body), plain(t.note.value), numeric)


def printed_sections(sub: Submission) -> tuple[Section, ...]:
    """Every public field the spec prints in the entry's body, in spec order; empty ones are left out."""
    out = []
    for f in spec.PROGRAM_FIELDS:
        role = f.printed
        if role is None or not f.public or role.kind in ("heading", "notes"):
            continue
        value = sub.value(f.id)
        values = value if isinstance(value, list) else [value]
        texts = tuple(t for t in (f.kind.format(v) for v in values if v is not None) if t)
        if not texts:
            continue
        if role.kind == "paragraphs":
            parts = tuple(b for v in values if v is not None for b in blocks(v))
            out.append(Section(f.id, "paragraphs", role.title, parts, (), role.after_figures, role.css))
        elif role.kind == "list":
            out.append(Section(f.id, "list", role.title, (), texts, role.after_figures, role.css))
        else:
            out.append(Section(f.id, "line", role.title or f.label, (), ("; ".join(texts),), role.after_figures,
                               role.css))
    return tuple(out)


def _notes(sub: Submission) -> list[Any]:
    """The values of the fields printed as footnotes, in spec order."""
    out = []
    for f in spec.PROGRAM_FIELDS:
        if f.printed is not None and f.printed.kind == "notes" and f.public:
            value = sub.value(f.id)
            out += [v for v in (value if isinstance(value, list) else [value]) if v is not None]
    return out


_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)


def _footnote(number_: int, text: Any) -> Footnote:
    text = plain(text)
    url = None
    if _URL.match(text):
        url = text if text.lower().startswith("http") else f"https://{text}"
    return Footnote(number_, text, url)


# --- assembling ----------------------------------------------------------------

@dataclass
class _Entry:
    sub: Submission
    sector: Sector
    objective: int
    author: Author
    coauthors: list[Author]

    @property
    def order(self) -> tuple:
        a = self.author
        if a.state:
            return (0, sort_key(a.state), sort_key(self.sub.value("nombre_programa") or ""), self.sub.path.name)
        return (1, sort_key(a.name), sort_key(self.sub.value("nombre_programa") or ""), self.sub.path.name)


def _place(sub: Submission, catalogs: Catalogs) -> _Entry:
    sector = catalogs.sector_by_name(str(sub.value("sector") or ""))
    if sector is None:
        body = catalogs.body_by_name(sub.value("institucion") or "")
        if body is not None:
            sector = catalogs.sector(body.sector)
    if sector is None:
        raise PublicationError(
            f"{sub.path.name}: el sector «{sub.value('sector') or ''}» no es uno de los capítulos del Compendio "
            f"(Programa!{sub.cell('sector').address}). Corríjalo y valide de nuevo.")
    objective = catalogs.objective_by_label(sub.value("objetivo_principal"))
    if objective is None:
        raise PublicationError(
            f"{sub.path.name}: el objetivo principal «{sub.value('objetivo_principal') or ''}» no es uno de los "
            f"23 objetivos (Programa!{sub.cell('objetivo_principal').address}). Elíjalo de la lista y valide de nuevo.")
    return _Entry(sub, sector, objective.number, participation.lead(sub, catalogs),
                  participation.coauthors(sub, catalogs))


def _program_name(sub: Submission) -> str:
    return " ".join(str(sub.value("nombre_programa") or "").split()).rstrip(" .")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_placeholders(text: str, values: dict[str, str], where: str) -> str:
    def repl(m: re.Match) -> str:
        if m.group(1) not in values:
            names = ", ".join("{" + k + "}" for k in values)
            raise SettingsError(f"{where}: el marcador «{m.group(0)}» no existe. Use sólo {names}.")
        return values[m.group(1)]

    return _PLACEHOLDER.sub(repl, str(text))


def _plural(n: int, one: str, many: str) -> str:
    return f"{number(n)} {one if n == 1 else many}"


def build(submissions: list[Submission], edition: Edition, catalogs: Catalogs) -> Publication:
    """The publication for these accepted submissions; same inputs, same result."""
    figures_policy = edition.publication.get("cuadros_de_cifras", "con desglose")
    entries = [_place(s, catalogs) for s in submissions]
    by_place: dict[tuple[str, int], list[_Entry]] = defaultdict(list)
    for e in entries:
        by_place[(e.sector.key, e.objective)].append(e)

    chapters: list[Chapter] = []
    footnote_no = 0
    chapter_no = 0
    for sector in catalogs.sectors:
        objective_numbers = sorted(n for (key, n) in by_place if key == sector.key)
        if not objective_numbers:
            continue
        chapter_no += 1
        mentioned: set[str] = set()
        sections = []
        for n in objective_numbers:
            objective = catalogs.objective(n)
            programs = []
            for i, e in enumerate(sorted(by_place[(sector.key, n)], key=lambda e: e.order), start=1):
                if e.coauthors:
                    author = "/".join(a.short for a in [e.author, *e.coauthors])
                elif e.author.state:
                    author = e.author.state
                elif e.author.key in mentioned:
                    author = e.author.short
                else:
                    author = e.author.full
                    mentioned.add(e.author.key)
                name = _program_name(e.sub)
                notes = []
                for text in _notes(e.sub):
                    footnote_no += 1
                    notes.append(_footnote(footnote_no, text))
                anchor = f"c{chapter_no}-o{n}-p{i}"
                printed = printed_sections(e.sub)
                programs.append(Program(
                    number=i, name=name, author=author,
                    heading=f"{i}. {name.upper()}{HEADING_SEPARATOR}{author.upper()}.",
                    anchor=anchor,
                    sections=printed,
                    figures=figure_table(e.sub, figures_policy),
                    table=free_table(e.sub),
                    table_in_results=any(b.kind == "table" for sec in printed for b in sec.blocks),
                    footnotes=tuple(notes),
                    source=e.sub.path.name,
                ))
            sections.append(ObjectiveSection(n, objective.title, f"c{chapter_no}-o{n}", tuple(programs)))
        chapters.append(Chapter(chapter_no, sector.key, sector.chapter_title, f"cap{chapter_no}", tuple(sections)))

    # The annexes and the introduction print the one count of who took part.
    who = participation.count(submissions, catalogs)
    glossary_entries = tuple(GlossaryEntry(p.name, p.acronym) for p in who.participants if not p.state_government)
    state_names = who.states
    n_programs = sum(c.program_count for c in chapters)
    period = f"de {month_year(edition.period_from)} a {month_year(edition.period_to)}"
    figures = Figures(n_programs, who.bodies, who.state_governments, period, who.institutions, len(who.states))
    pub = edition.publication
    values = {
        "programas": number(n_programs),
        "instituciones": _plural(who.institutions, "institución", "instituciones"),
        "instancias": _plural(who.bodies, "instancia", "instancias"),
        "estados": _plural(who.state_governments, "gobierno estatal", "gobiernos estatales"),
        "entidades": _plural(len(who.states), "entidad federativa", "entidades federativas"),
        "periodo": period,
        "sitio": str(pub.get("sitio") or ""),
    }
    where = str(edition.paths.settings) if edition.paths else f"ediciones/{edition.key}.yaml"
    intro = tuple(fill_placeholders(p, values, f"{where} (publicacion.introduccion)") for p in pub.get("introduccion") or [])
    closing = tuple(fill_placeholders(p, values, f"{where} (publicacion.cierre)") for p in pub.get("cierre") or [])
    credits = tuple((str(c.get("rol", "")), tuple(str(n) for n in (c.get("nombres") or [])))
                    for c in pub.get("creditos") or [])
    authorities = tuple((str(a.get("nombre", "")), str(a.get("cargo", ""))) for a in pub.get("autoridades") or [])
    colophon_values = {**values, "titulo": edition.title, "lugar": str(pub.get("lugar") or ""),
                       "fecha": long_date(edition.document_date)}
    colophon = tuple(fill_placeholders(p, colophon_values, f"{where} (publicacion.colofon)")
                     for p in pub.get("colofon") or [])
    back_cover = tuple(fill_placeholders(p, values, f"{where} (publicacion.contraportada)")
                       for p in pub.get("contraportada") or [])
    return Publication(
        title=edition.title,
        subtitle=str(pub.get("subtitulo") or ""),
        year=edition.year,
        date=edition.document_date,
        date_text=long_date(edition.document_date),
        place=str(pub.get("lugar") or ""),
        publisher=str(pub.get("editor") or ""),
        address=str(pub.get("domicilio") or ""),
        site=str(pub.get("sitio") or ""),
        credits=credits,
        authorities=authorities,
        introduction=intro,
        closing=closing,
        chapters=tuple(chapters),
        glossary=glossary_entries,
        states=state_names,
        figures=figures,
        sample=edition.sample,
        edition=edition.key,
        logos=tuple(Path(p).resolve().as_uri() for p in pub.get("logos") or []),
        editor_responsible=str(pub.get("editor_responsable") or ""),
        phone=str(pub.get("telefono") or ""),
        isbn=str(pub.get("isbn") or ""),
        colophon=colophon,
        back_cover=back_cover,
        closing_title=str(pub.get("cierre_titulo") or ""),
        title_lines=balanced(edition.title),
        subtitle_lines=balanced(str(pub.get("subtitulo") or "")),
    )
