"""Year over year: what a continuing program reported in the previous edition.

The previous edition is the latest earlier one whose open data sits in
``output/<ed>/datos/`` (compiled by this tool or imported from its
publication with ``compendio importar``). Programs are matched by
``continuity.continuity_key``. Used by the validator
(``resultados-sin-actualizar``), the Informe and ``status``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .continuity import continuity_key
from .model import normalise
from .settings import Edition
from .spec import BREAKDOWNS

if TYPE_CHECKING:
    import pandas as pd

    from . import opendata

# pandas and opendata (which imports pandas) are imported where the previous edition's data is read:
# checking a workbook asks ``previous`` for every file, and without an earlier edition's output
# importing them (a third of a second, in each process that checks) would only say «none».

#: Columns compared to tell whether a program's figures were copied unchanged.
FIGURE_VALUES = ("total", *(p for b in BREAKDOWNS for p in b.parts))
#: A change in people reached by sex is «large» from this share of the larger year (and this many people).
LARGE_CHANGE = 0.5
LARGE_MINIMUM = 100


@dataclass
class Previous:
    key: str
    year: int
    data: opendata.OpenData
    by_key: dict[tuple, Any] = field(default_factory=dict)  # continuity key → program row

    def program(self, institution: Any, name: Any, objective: Any):
        return self.by_key.get(continuity_key(institution, name, objective))

    def figures_of(self, program_id: str) -> pd.DataFrame:
        F = self.data.figures
        return F[F["id_programa"] == program_id]


def _candidates(edition: Edition) -> list[tuple[int, str, Path]]:
    output = edition.paths.root / "output"
    try:
        if all(name == edition.key for name in os.listdir(output)):
            return []
    except OSError:
        return []
    from . import opendata

    out = []
    for path in sorted(output.glob(f"*/{opendata.DATA_DIR}/{opendata.PROGRAMS_FILE}")):
        key = path.parent.parent.name
        if key == edition.key:
            continue
        try:
            st = path.stat()
        except OSError:
            continue
        year = _year_of(path, st.st_mtime_ns, st.st_size)
        if year is not None and year < edition.year:
            out.append((year, key, path.parent))
    return sorted(out)


@lru_cache(maxsize=16)
def _year_of(path: Path, mtime_ns: int, size: int) -> int | None:
    """The edition year an open-data folder holds; read once per version of the file
    (``previous`` is asked for every file checked)."""
    import pandas as pd

    try:
        years = pd.read_csv(path, usecols=["anio"], dtype="string")["anio"].dropna()
        return int(years.iloc[0])
    except (OSError, ValueError, KeyError, IndexError, pd.errors.ParserError, UnicodeDecodeError):
        return None


@lru_cache(maxsize=4)
def _load(folder: Path, stamp: float, key: str, year: int) -> Previous | None:
    import pandas as pd

    from . import opendata

    try:
        data = opendata.read(folder)
    except (OSError, ValueError, KeyError, pd.errors.ParserError, UnicodeDecodeError):
        return None
    prev = Previous(key, year, data)
    for _, row in data.programs.iterrows():
        prev.by_key.setdefault(continuity_key(row["institucion"], row["nombre_programa"], row["objetivo_principal"]), row)
    return prev


def previous(edition: Edition) -> Previous | None:
    """The latest earlier edition's open data, or None."""
    if edition.paths is None:
        return None
    found = _candidates(edition)
    if not found:
        return None
    year, key, folder = found[-1]
    from . import opendata

    try:
        stamp = (folder / opendata.PROGRAMS_FILE).stat().st_mtime
    except OSError:
        return None
    return _load(folder, stamp, key, year)


def _same_text(a: Any, b: Any) -> bool:
    import pandas as pd

    if a is None or b is None or (isinstance(b, float) and b != b) or b is pd.NA:
        return False
    na, nb = normalise(str(a).lstrip("'")), normalise(str(b).lstrip("'"))
    return bool(na) and na == nb


def _figure_rows(rows) -> list[tuple]:
    import pandas as pd

    def v(x):
        return None if x is None or x is pd.NA or (isinstance(x, float) and x != x) else int(x)
    return sorted(tuple(v(r.get(c) if isinstance(r, dict) else getattr(r, c)) for c in FIGURE_VALUES) for r in rows)


def unchanged(sub, prev: Previous) -> list[str]:
    """What of a continuing program is identical to last year: «resultados» and/or «cifras»."""
    old = prev.program(sub.value("institucion"), sub.value("nombre_programa"), sub.value("objetivo_principal"))
    if old is None:
        return []
    out = []
    if _same_text(sub.value("resultados"), old["resultados"]):
        out.append("resultados")
    mine = [{c: _as_int(ind.get(c)) for c in FIGURE_VALUES} for ind in sub.indicators if ind.get("total") is not None]
    theirs = list(prev.figures_of(old["id_programa"]).itertuples())
    if mine and theirs and _figure_rows(mine) == _figure_rows(theirs):
        out.append("cifras")
    return out


def _as_int(v: Any):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and float(v).is_integer():
        return int(v)
    return None


def body_comparison(edition: Edition, register) -> tuple[str, list[tuple[str, int, int, int, int]]] | None:
    """For ``status``: per body, (name, programs last year, continued, new, not reported again yet).

    The register keeps institution and program name; the main objective joins the key once the
    register records it, so here a program continues when its body and normalised name match.
    """
    prev = previous(edition)
    if prev is None:
        return None
    P = prev.data.programs
    before: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for r in P.itertuples():
        k = normalise(str(r.institucion).lstrip("'"))
        before.setdefault(k, set()).add(normalise(str(r.nombre_programa).lstrip("'")))
        names.setdefault(k, str(r.siglas) if isinstance(r.siglas, str) and r.siglas else str(r.institucion))
    now: dict[str, set[str]] = {}
    for e in register.entries:
        if getattr(e, "situacion", "") != "vigente" or e.estado == "rechazado" or not e.clave_programa:
            continue
        # The register keys the body through the registry («id:inm»); last year's data by its name.
        inst, prog = normalise(e.institucion or ""), e.clave_programa[1]
        now.setdefault(inst, set()).add(prog)
        names.setdefault(inst, e.institucion or inst)
    rows = []
    for k in sorted(set(before) | set(now), key=lambda x: normalise(names[x])):
        b, n = before.get(k, set()), now.get(k, set())
        rows.append((names[k], len(b), len(b & n), len(n - b), len(b - n)))
    return prev.key, rows
