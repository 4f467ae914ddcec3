"""The editors' pass: corrections of published text, kept apart from the agencies' files.

``compendio correcciones --edition 2026 --exportar`` writes one workbook,
``ediciones/2026/correcciones.xlsx``, with a row per published text of each
accepted program: who reported it, the field, the text as received and its
sha256. Editors write the «Texto corregido» (and a note and their name) in
Excel. ``compile`` reads it back and publishes the corrected text; the
agency's file is never written.

A correction names the text it corrects by its hash: if the agency has since
sent another version of the program and that text changed, the correction is
not applied and the corrections report says so, so an editor never silently
overwrites what the agency wrote later.
"""

from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from . import printing, style
from .errors import SettingsError
from .model import Cell, Submission, normalise
from .settings import Edition
from .spec import PROGRAM_FIELDS, Field

SHEET = "Correcciones"
#: Identity fields stay as the agency wrote them: a program is found by them.
_NOT_CORRECTED = {"institucion"}
#: Published texts the editors may correct: public free-text fields, every filled slot.
TEXT_FIELDS: tuple[Field, ...] = tuple(
    f for f in PROGRAM_FIELDS if f.public and f.kind.free_text and f.id not in _NOT_CORRECTED)

COLUMNS = (
    # (header, width, key)
    ("Institución", 28, "institucion"),
    ("Programa", 34, "programa"),
    ("Archivo", 22, "archivo"),
    ("Campo", 16, "campo"),
    ("Texto como se recibió", 60, "original"),
    ("Texto corregido", 60, "corregido"),
    ("Nota del editor", 24, "nota"),
    ("Corrigió", 16, "editor"),
    ("Clave del campo", 14, "slot"),
    ("Huella del texto recibido (sha256)", 20, "huella"),
)
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
_COL = {key: i + 1 for i, (_, _, key) in enumerate(COLUMNS)}
_GUINDA = style.GUINDA
_INPUT = PatternFill("solid", fgColor="FFF7E6")
_WRAP = Alignment(wrap_text=True, vertical="top")


def corrections_path(edition: Edition) -> Path:
    """The editors' workbook lives with the edition's settings: it is an input, like them."""
    return edition.paths.folder / "correcciones.xlsx"


def report_path(edition: Edition) -> Path:
    return edition.paths.output / f"correcciones-aplicadas-{edition.key}.xlsx"


def text_hash(text: str) -> str:
    return hashlib.sha256(str(text).encode("utf-8")).hexdigest()


def program_id(sub: Submission) -> str:
    """A program's identity across resubmissions: its institution and name, normalised."""
    inst, name = sub.program_key
    return f"{inst}|{name}"


@dataclass(frozen=True)
class Text:
    """One published text of one program, as received."""

    sub: Submission
    slot: str  # field slot id: «resultados», «retos_2»
    label: str
    cell: Cell

    @property
    def text(self) -> str:
        return str(self.cell.value)


def texts(sub: Submission) -> list[Text]:
    out = []
    for f in TEXT_FIELDS:
        cells = sub.fields.get(f.id)
        cells = cells if isinstance(cells, list) else [cells]
        for i, (slot, cell) in enumerate(zip(f.slot_ids(), cells), start=1):
            if cell is None or cell.blank or not isinstance(cell.value, str):
                continue
            label = f.label if f.repeat == 1 else f"{f.label} {i}"
            out.append(Text(sub, slot, label, cell))
    return out


@dataclass(frozen=True)
class Correction:
    """A row of the editors' workbook with a corrected text."""

    row: int
    program: str  # program_id
    institution: str
    name: str
    slot: str
    original_hash: str
    corrected: str
    note: str
    editor: str


@dataclass(frozen=True)
class Outcome:
    correction: Correction
    applied: bool
    reason: str  # Spanish, for the report
    source: str = ""  # file name the correction was applied to
    before: str = ""


# --- export ----------------------------------------------------------------------

def export(submissions: Iterable[Submission], edition: Edition) -> tuple[Path, int, int]:
    """Write the editors' workbook; returns (path, rows, corrections kept).

    Rows already in an existing workbook are kept as they are (with the hash of
    the text they were written for), so exporting again after new submissions
    never loses an editor's work; texts not yet listed are added.
    """
    path = corrections_path(edition)
    kept_rows: list[list] = []
    listed: set[tuple[str, str, str]] = set()
    kept = 0
    if path.exists():
        for _, values in _rows(path):
            kept_rows.append(values)
            listed.add((_norm_id(values), values[_COL["slot"] - 1] or "", values[_COL["huella"] - 1] or ""))
            if not _blank(values[_COL["corregido"] - 1]):
                kept += 1
    new_rows = []
    for sub in sorted(submissions, key=lambda s: (program_id(s), s.path.name)):
        for t in texts(sub):
            key = (program_id(sub), t.slot, text_hash(t.text))
            if key in listed:
                continue
            listed.add(key)
            row = {"institucion": sub.value("institucion") or "", "programa": sub.value("nombre_programa") or "",
                   "archivo": sub.path.name, "campo": t.label, "original": t.text, "corregido": None, "nota": None,
                   "editor": None, "slot": t.slot, "huella": text_hash(t.text)}
            new_rows.append([row[key] for _, _, key in COLUMNS])
    wb = _workbook(edition, kept_rows + new_rows)
    from .template import save

    path.parent.mkdir(parents=True, exist_ok=True)
    save(wb, path)
    return path, len(kept_rows) + len(new_rows), kept


def _norm_id(values: list) -> str:
    return f"{normalise(values[_COL['institucion'] - 1] or '')}|{normalise(values[_COL['programa'] - 1] or '')}"


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _workbook(edition: Edition, rows: list[list]) -> Workbook:
    from .template import letter_page

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = f"Correcciones editoriales — {edition.title}"
    ws["A1"].font = Font(bold=True, size=14, color=_GUINDA)
    ws["A2"] = ("Escriba en «Texto corregido» el texto como debe publicarse (deje vacío lo que no cambia), "
                "con una nota y su nombre. No modifique «Texto como se recibió» ni las dos últimas columnas: "
                "con ellas se reconoce el texto. Guarde este archivo en su lugar; «compendio compile» aplica las "
                "correcciones sin tocar los archivos de las instituciones.")
    ws["A2"].alignment = _WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    ws.row_dimensions[2].height = 44
    printing.header_row(ws, HEADER_ROW, [(header, width) for header, width, _key in COLUMNS])
    for r, values in enumerate(rows, start=FIRST_ROW):
        for i, v in enumerate(values, start=1):
            c = ws.cell(r, i, v)
            c.alignment = _WRAP
            if COLUMNS[i - 1][2] in ("corregido", "nota", "editor"):
                c.fill = _INPUT
        original = str(values[_COL["original"] - 1] or "")
        ws.row_dimensions[r].height = min(409, 15 * max(1, len(original) // 70 + 1))
    ws.freeze_panes = ws.cell(FIRST_ROW, _COL["original"])
    if rows:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{ws.cell(HEADER_ROW + len(rows), len(COLUMNS)).coordinate}"
    letter_page(ws, landscape=True, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    return wb


# --- reading and applying ---------------------------------------------------------

def _rows(path: Path) -> list[tuple[int, list]]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError, zipfile.BadZipFile):
        raise SettingsError(f"{path}: no se pudo abrir el libro de correcciones (no es un libro .xlsx válido). "
                            "Guárdelo de nuevo en Excel como «Libro de Excel (.xlsx)».") from None
    if SHEET not in wb.sheetnames:
        raise SettingsError(f"{path}: falta la hoja «{SHEET}». Exporte el libro de nuevo con "
                            "compendio correcciones --exportar y copie ahí las correcciones.")
    out = []
    rows = wb[SHEET].iter_rows(min_row=FIRST_ROW, max_col=len(COLUMNS), values_only=True)
    for number, values in enumerate(rows, start=FIRST_ROW):
        values = list(values) + [None] * (len(COLUMNS) - len(values))
        if all(_blank(v) for v in values):
            continue
        out.append((number, values))
    wb.close()
    return out


def read(edition: Edition) -> list[Correction]:
    """The corrections the editors wrote (rows with a «Texto corregido»); none without a workbook."""
    path = corrections_path(edition)
    return _read_path(path) if path.exists() else []


def _read_path(path: Path) -> list[Correction]:
    out = []
    for row, values in _rows(path):
        corrected = values[_COL["corregido"] - 1]
        if _blank(corrected):
            continue
        get = lambda key: "" if values[_COL[key] - 1] is None else str(values[_COL[key] - 1]).strip()  # noqa: E731
        out.append(Correction(row, _norm_id(values), get("institucion"), get("programa"), get("slot"),
                              get("huella"), str(corrected).strip(), get("nota"), get("editor")))
    return out


def apply(submissions: list[Submission], corrections: list[Correction]) -> tuple[list[Submission], list[Outcome]]:
    """Submissions with the corrected texts in place of the received ones, and what happened to each correction.

    The Submission objects given are not changed (the copies share their cells
    otherwise); nothing is written to any file.
    """
    by_program = {program_id(s): s for s in submissions}
    pending: dict[str, dict[str, Cell]] = {}
    outcomes = []
    for c in corrections:
        sub = by_program.get(c.program)
        if sub is None:
            outcomes.append(Outcome(c, False, "El programa no está entre los publicados (¿se rechazó o cambió de nombre?)."))
            continue
        current = {t.slot: t for t in texts(sub)}.get(c.slot)
        if current is None:
            outcomes.append(Outcome(c, False, f"El campo «{c.slot}» ya no tiene texto en el archivo publicado.",
                                    sub.path.name))
            continue
        if text_hash(current.text) != c.original_hash:
            outcomes.append(Outcome(c, False, "El texto cambió desde que se exportó (la institución envió otra "
                                    "versión): revise la corrección contra el texto nuevo y expórtelo de nuevo.",
                                    sub.path.name, current.text))
            continue
        if c.slot in pending.get(c.program, {}):
            outcomes.append(Outcome(c, False, "Hay otra corrección del mismo texto en una fila anterior; se aplica esa.",
                                    sub.path.name, current.text))
            continue
        pending.setdefault(c.program, {})[c.slot] = Cell(c.corrected, current.cell.sheet, current.cell.address)
        outcomes.append(Outcome(c, True, "Aplicada.", sub.path.name, current.text))
    out = []
    for sub in submissions:
        changes = pending.get(program_id(sub))
        out.append(_with(sub, changes) if changes else sub)
    return out, outcomes


def _with(sub: Submission, changes: dict[str, Cell]) -> Submission:
    fields = dict(sub.fields)
    for f in TEXT_FIELDS:
        slots = f.slot_ids()
        if not any(s in changes for s in slots):
            continue
        if f.repeat == 1:
            fields[f.id] = changes[f.id]
        else:
            fields[f.id] = [changes.get(s, cell) for s, cell in zip(slots, sub.fields[f.id])]
    return dataclasses.replace(sub, fields=fields)


def write_report(outcomes: list[Outcome], edition: Edition) -> Path:
    """The corrections report: every correction, applied or not and why (printable)."""
    from .template import letter_page, save

    wb = Workbook()
    ws = wb.active
    ws.title = "Correcciones aplicadas"
    applied = sum(o.applied for o in outcomes)
    ws["A1"] = f"Correcciones editoriales — {edition.title}"
    ws["A1"].font = Font(bold=True, size=14, color=_GUINDA)
    ws["A2"] = (f"{applied:,} aplicada(s), {len(outcomes) - applied:,} sin aplicar. "
                f"Libro de correcciones: {corrections_path(edition).name}. "
                f"Generado el {dt.date.today():%d/%m/%Y}.")
    headers = [("Estado", 14), ("Fila del libro", 8), ("Institución", 26), ("Programa", 30), ("Archivo", 22),
               ("Campo", 14), ("Texto publicado por la institución", 50), ("Texto corregido", 50), ("Motivo", 36),
               ("Nota", 22), ("Corrigió", 14)]
    printing.header_row(ws, 4, headers)
    stale = PatternFill("solid", fgColor="FFC7CE")
    for r, o in enumerate(sorted(outcomes, key=lambda o: (o.applied, o.correction.row)), start=5):
        c = o.correction
        values = ["Aplicada" if o.applied else "No aplicada", c.row, c.institution, c.name, o.source, c.slot,
                  o.before, c.corrected, o.reason, c.note, c.editor]
        for i, v in enumerate(values, start=1):
            cell = ws.cell(r, i, v)
            cell.alignment = _WRAP
            if not o.applied:
                cell.fill = stale
    ws.freeze_panes = "A5"
    letter_page(ws, landscape=True, title_rows="4:4")
    path = report_path(edition)
    save(wb, path)
    return path


def for_file(outcomes: list[Outcome], source: Path) -> list[Outcome]:
    """The applied corrections of one agency file (what its feedback can show)."""
    return [o for o in outcomes if o.applied and o.source == Path(source).name]


def for_submission(sub: Submission, edition: Edition) -> list[Outcome]:
    """The corrections that apply to one submission (for its feedback copy); reads the workbook once per run."""
    path = corrections_path(edition)
    if not path.exists():
        return []
    _, outcomes = apply([sub], _cached_read(str(path), path.stat().st_mtime_ns))
    return [o for o in outcomes if o.applied]


@functools.lru_cache(maxsize=2)
def _cached_read(path: str, _mtime: int) -> list[Correction]:
    return _read_path(Path(path))


def feedback_sheet(wb: Workbook, outcomes: list[Outcome]) -> None:
    """A sheet «Correcciones editoriales» for an agency's feedback copy: the text it sent and the one published."""
    if not outcomes:
        return
    ws = wb.create_sheet("Correcciones editoriales")
    ws["A1"] = "Correcciones editoriales"
    ws["A1"].font = Font(bold=True, size=14, color=_GUINDA)
    ws["A2"] = ("El equipo editorial de la UPMRIP corrigió estos textos para la publicación; su archivo no se "
                "modificó. Si no está de acuerdo con una corrección, escríbanos.")
    ws["A2"].alignment = _WRAP
    ws.merge_cells("A2:D2")
    ws.row_dimensions[2].height = 30
    printing.header_row(ws, 4, [("Campo", 18), ("Texto enviado", 60), ("Texto que se publica", 60), ("Nota", 30)])
    for r, o in enumerate(outcomes, start=5):
        for i, v in enumerate([o.correction.slot, o.before, o.correction.corrected, o.correction.note], 1):
            ws.cell(r, i, v).alignment = _WRAP
