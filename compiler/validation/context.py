"""What every check of one file shares: the context findings are collected in, and how cells and rows are named."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


from .. import spec
from ..catalogs import Catalogs
from ..findings import FindingFactory
from ..model import Cell, Finding, Indicator, Submission
from ..settings import Edition
from ..spec import CIFRAS_BY_ID, Field

def _by_identity(fn):
    """Cache per catalogs object by identity: hashing the frozen catalogs costs more than the check."""
    cache: dict[tuple, tuple[Catalogs, Any]] = {}

    def wrapper(catalogs: Catalogs, *args):
        key = (id(catalogs), *args)
        hit = cache.get(key)
        if hit is None or hit[0] is not catalogs:
            if len(cache) > 64:
                cache.clear()
            hit = cache[key] = (catalogs, fn(catalogs, *args))
        return hit[1]

    wrapper.cache_clear = cache.clear
    return wrapper


# --- the checker ------------------------------------------------------------------

@dataclass
class _Context:
    edition: Edition
    catalogs: Catalogs
    make: FindingFactory
    sub: Submission
    findings: list[Finding] = field(default_factory=list)
    formula_cells: set[str] = field(default_factory=set)

    def broken(self, *cells: Cell) -> bool:
        """Any of these cells holds a formula with no usable value (reported on its own)."""
        return any(c.ref in self.formula_cells for c in cells)

    def add(self, code: str, cell: Cell | None, value: Any = None, **params: Any) -> None:
        if cell is not None and cell.ref in self.formula_cells and code not in ("formula-sin-valor", "valor-con-error"):
            return  # the formula is the problem there; its missing value would only echo it
        self.findings.append(self.make(code, cell.sheet if cell else None, cell.address if cell else None,
                                       value if value is not None else (cell.value if cell else None), **params))


def _slots(sub: Submission) -> dict[str, Cell]:
    out = {}
    for f in spec.PROGRAM_FIELDS:
        c = sub.fields.get(f.id)
        cells = c if isinstance(c, list) else [c]
        for slot, cell in zip(f.slot_ids(), cells):
            if cell is not None:
                out[slot] = cell
    return out


def _help(f: Field) -> str:
    return f.help if f.help.endswith(".") else f.help + "."


# --- Cifras ------------------------------------------------------------------------

def _n(v: Any) -> int | None:
    """A usable count: a whole number ≥ 0 (anything else was reported by the schema)."""
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def row_name(row: Indicator, column_id: str) -> str:
    """The one way messages name a Cifras row: its «Núm.» and the cell meant, «fila 3 de Cifras, celda D8»."""
    return f"fila {row.number} de Cifras, celda {row.cells[column_id].address}"


def _label(column_id: str) -> str:
    return CIFRAS_BY_ID[column_id].label
