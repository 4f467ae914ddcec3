"""The values that flow through the pipeline.

workbook → ``Submission`` → validation ``Report`` → ``Publication`` → HTML → PDF.
Every value read keeps its sheet and cell, so any finding can point at it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .spec import Stamp


@dataclass(frozen=True)
class Cell:
    """A value read from a workbook, with where it came from."""

    value: Any
    sheet: str
    address: str

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.address}"

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class Indicator:
    """One row of the Cifras sheet."""

    row: int  # worksheet row
    number: int  # the «Núm.» shown to the agency
    cells: dict[str, Cell]  # by column id

    def get(self, column_id: str) -> Any:
        c = self.cells.get(column_id)
        return None if c is None or c.blank else c.value

    @property
    def parent(self) -> int | None:
        v = self.get("subgrupo_de")
        return int(v) if isinstance(v, (int, float)) else None


@dataclass
class FreeTable:
    title: Cell
    note: Cell
    rows: list[list[Cell]]  # trailing blank rows/cols trimmed
    #: The first row is the header (the agency's choice in the Tabla sheet; «Sí» unless it says «No»).
    header_row: bool = True

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass
class Submission:
    """A filled workbook as read: values by field id, each with its cell."""

    path: Path
    sha256: str
    stamp: Stamp
    #: field id → Cell, or list[Cell] for repeated fields (only non-blank slots kept
    #: in ``values()``, all slots kept here so findings can name an empty one).
    fields: dict[str, Cell | list[Cell]]
    indicators: list[Indicator] = field(default_factory=list)
    table: FreeTable | None = None
    #: Cells that hold a formula with no cached value: (sheet!cell, formula).
    formulas_without_value: list[str] = field(default_factory=list)
    #: Input cells whose saved value is an Excel error (#DIV/0!, #REF!…): (sheet!cell, error).
    #: The value reader gives them as blank, so they are kept apart to be reported as what they are.
    error_values: list[tuple[str, str]] = field(default_factory=list)
    #: Cells whose text held control characters, removed on reading (sheet!cell).
    control_characters: list[str] = field(default_factory=list)
    #: The workbook carries macro code (or is an .xlsm).
    macros: bool = False

    def value(self, field_id: str) -> Any:
        c = self.fields.get(field_id)
        if isinstance(c, list):
            return [x.value for x in c if not x.blank]
        if c is None or c.blank:
            return None
        return c.value.strip() if isinstance(c.value, str) else c.value

    def cell(self, field_id: str) -> Cell:
        c = self.fields[field_id]
        return c[0] if isinstance(c, list) else c

    @property
    def program_key(self) -> tuple[str, str]:
        """Identity of the program: the body that reports it and its normalised name.

        Nothing stamped takes part, so two copies of one template filled with
        two different programs are never taken for each other.
        """
        return normalise(self.value("institucion") or ""), normalise(self.value("nombre_programa") or "")


def normalise(text: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive form of a name."""
    # Validation asks for the same names many times (the registry's, each program's identity).
    return _normalise(text if isinstance(text, str) else str(text))


@functools.lru_cache(maxsize=1 << 16)
def _normalise(text: str) -> str:
    text = unaccented(text).lower()
    text = re.sub(r"[^a-z0-9ñ]+", " ", text)
    return " ".join(text.split())


class _CombiningOff(dict):
    """A ``str.translate`` table deleting combining marks, filled in as characters are first met:
    a loop over the characters in Python was most of the time of normalising the long texts."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        if code < 0x10000:  # a text of rare characters must not grow the table without end
            self[code] = kept
        return kept


_COMBINING_OFF = _CombiningOff()


def unaccented(text: str) -> str:
    """``text`` decomposed (NFKD) without its combining marks: «Atención» → «Atencion»."""
    if text.isascii():  # nothing to decompose (names, e-mails, figures typed as text)
        return text
    return unicodedata.normalize("NFKD", text).translate(_COMBINING_OFF)


Severity = Literal["error", "advertencia", "nota"]
SEVERITY_ORDER = {"error": 0, "advertencia": 1, "nota": 2}


@dataclass(frozen=True)
class Finding:
    """One data problem, located in a cell. Codes are stable; messages are Spanish."""

    code: str
    severity: Severity
    sheet: str | None
    cell: str | None
    message: str
    value: Any = None

    @property
    def ref(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""


Status = Literal["aceptado", "aceptado con observaciones", "rechazado"]


@dataclass
class Report:
    """Validation result of one file."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    submission: Submission | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "advertencia"]

    @property
    def status(self) -> Status:
        if self.errors:
            return "rechazado"
        if self.warnings:
            return "aceptado con observaciones"
        return "aceptado"

    @property
    def accepted(self) -> bool:
        return not self.errors
