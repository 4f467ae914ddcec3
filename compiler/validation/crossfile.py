"""Checks across the files of a batch: joint reports, near-identical programs, dominant indicators."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from typing import Collection


from ..findings import FindingFactory
from ..model import Finding, Indicator, Report, Submission, normalise
from ..settings import Edition
from ..spec import PERCENT_UNIT
from ..summary import display as _display
from .context import _n, row_name

#: A near-identical program name from another body is worth a look above this ratio. Lower
#: values catch «Programa de X» against «Jornadas de X», which are different programs.
SIMILAR_NAME_RATIO = 0.95


# --- across files ----------------------------------------------------------------------

CROSS_FILE_CODES = ("posible-reporte-conjunto", "indicador-dominante")


def with_cross_file_findings(reports: list[Report], edition: Edition, make: FindingFactory | None = None,
                             superseded: Collection[int] = ()) -> list[Report]:
    """New reports carrying the findings that compare files of the batch (idempotent: old ones are dropped)."""
    make = make or FindingFactory(edition.severities)
    base = [Report(r.path, [f for f in r.findings if f.code not in CROSS_FILE_CODES], r.submission) for r in reports]
    extra = cross_file_findings(base, edition, make, superseded)
    return [Report(r.path, r.findings + extra.get(i, []), r.submission) if extra.get(i) else r
            for i, r in enumerate(base)]


def cross_file_findings(reports: list[Report], edition: Edition, make: FindingFactory | None = None,
                        superseded: Collection[int] = ()) -> dict[int, list[Finding]]:
    """Findings that compare the files of a batch, by the report's index in ``reports``.

    Near-identical programs from different bodies, and indicators that dominate
    their unit's total (``superseded``: indexes of files that no longer count).
    Two files of the same program are not a problem of the files: the intake
    stage decides which one counts (``register.resolve``).
    """
    make = make or FindingFactory(edition.severities)
    out = _similar_programs(reports, edition, make)
    for k, found in _dominant_indicators(reports, make, superseded).items():
        out.setdefault(k, []).extend(found)
    return out


#: One indicator above this share of its unit's total for the edition dominates every sum of that unit
#: (14.7 million airline passengers filed as «personas» made 88 % of the people reached in 2025).
OUTLIER_SHARE = 0.5
#: With fewer programs using a unit, one of them is half of it by necessity.
OUTLIER_MIN_PROGRAMS = 3


_PERCENT, _LOCALE = "#,##0 %", "es_MX"


def prepare() -> None:
    """Load ahead what these checks need and is slow to load: babel's es-MX data (a twentieth of a
    second). ``validate_each`` calls it while its forked process checks files, since these checks
    then run in this process alone."""
    from babel.numbers import format_percent

    format_percent(0, format=_PERCENT, locale=_LOCALE)


def _dominant_indicators(reports: list[Report], make: FindingFactory,
                         superseded: Collection[int] = ()) -> dict[int, list[Finding]]:
    """Top-level indicators whose total is over ``OUTLIER_SHARE`` of their unit's edition total.

    ``superseded``: indexes of reports that do not count (replaced by a later file), left out of the sums.
    """
    from babel.numbers import format_percent

    rows: dict[str, list[tuple[int, Indicator, int]]] = defaultdict(list)
    for k, r in enumerate(reports):
        if r.submission is None or k in superseded:
            continue
        for ind in r.submission.indicators:
            total, unit = _n(ind.get("total")), normalise(ind.get("unidad") or "")
            if total and unit and unit != PERCENT_UNIT and _n(ind.get("subgrupo_de")) is None:
                rows[unit].append((k, ind, total))
    out: dict[int, list[Finding]] = {}
    for unit, items in rows.items():
        whole = sum(t for _, _, t in items)
        programs = len({k for k, _, _ in items})
        if programs < OUTLIER_MIN_PROGRAMS:
            continue
        for k, ind, total in items:
            if total > OUTLIER_SHARE * whole:
                cell = ind.cells["total"]
                out.setdefault(k, []).append(make("indicador-dominante", cell.sheet, cell.address, total,
                                       fila=row_name(ind, "total"), total=total, unidad=ind.get("unidad"),
                                       porcentaje=format_percent(total / whole, format=_PERCENT, locale=_LOCALE),
                                       suma=whole, programas=programs))
    return out



_STOP = frozenset("para de del la las los el en y a por con sus su al un una e o programa programas accion acciones".split())


def _similar_programs(reports: list[Report], edition: Edition, make: FindingFactory) -> dict[int, list[Finding]]:
    """Near-identical program names from different bodies: maybe one joint program reported twice."""
    items = []
    positions = []
    for k, r in enumerate(reports):
        if r.submission is None or not all(r.submission.program_key):
            continue
        inst, name = r.submission.program_key
        tokens = {t for t in name.split() if len(t) > 3 and t not in _STOP}
        items.append((r, inst, name, tokens))
        positions.append(k)
    # Earlier names by token, filled as the names are taken in turn: each name meets the earlier ones
    # sharing a token with it, counted by Counter in C (with 550 names, a loop over them in Python
    # was most of the time of all the checks across files).
    index: dict[str, list[int]] = defaultdict(list)
    insts = [inst for _, inst, _, _ in items]
    sizes = [len(tokens) for _, _, _, tokens in items]
    lengths = [len(name) for _, _, name, _ in items]
    letters = [Counter(name) for _, _, name, _ in items]
    # A ratio is at most 2·shorter/(both lengths): names whose lengths differ more cannot be alike.
    spread = (2 - SIMILAR_NAME_RATIO) / SIMILAR_NAME_RATIO * 1.01  # a little wider: the exact test follows
    flagged: set[tuple[int, int]] = set()
    # One matcher per earlier name: SequenceMatcher indexes its second sequence, the costly part.
    matchers: dict[int, difflib.SequenceMatcher] = {}
    for i, (r, inst, name, tokens) in enumerate(items):
        shared: Counter[int] = Counter()
        for t in tokens:
            shared.update(index[t])
            index[t].append(i)
        low, high = lengths[i] / spread, lengths[i] * spread
        for j, n in [(j, n) for j, n in shared.items() if low <= lengths[j] <= high]:
            if n < max(1, min(sizes[i], sizes[j]) // 2) or insts[j] == inst:
                continue
            name2 = items[j][2]
            # SequenceMatcher's real_quick_ratio and quick_ratio (the bounds from the lengths and from
            # the letters in common) computed here, from letters counted once per name.
            length = len(name) + len(name2)
            if 2.0 * min(len(name), len(name2)) / length < SIMILAR_NAME_RATIO or \
                    2.0 * (letters[i] & letters[j]).total() / length < SIMILAR_NAME_RATIO:
                continue
            sm = matchers.get(j) or matchers.setdefault(j, difflib.SequenceMatcher(None, "", name2))
            sm.set_seq1(name)
            if sm.ratio() < SIMILAR_NAME_RATIO:
                continue
            r2 = items[j][0]
            if _declared_joint(r.submission, r2.submission) or _two_states(r.submission, r2.submission):
                continue
            flagged.add((j, i))
    alike: dict[int, list[int]] = defaultdict(list)
    for j, i in sorted(flagged):
        alike[i].append(j)
        alike[j].append(i)
    out: dict[int, list[Finding]] = {}
    for a, others in sorted(alike.items()):
        # One note per file, naming the first look-alike: a popular name must not bury the file in notes.
        ra, rb = items[a][0], items[others[0]][0]
        more = f" y {len(others) - 1:,} más" if len(others) > 1 else ""
        cell = ra.submission.cell("nombre_programa")
        out.setdefault(positions[a], []).append(make("posible-reporte-conjunto", cell.sheet, cell.address,
                                ra.submission.value("nombre_programa"),
                                otra=rb.submission.value("institucion"),
                                programa=rb.submission.value("nombre_programa"),
                                otro=_display(rb.path, edition) + more))
    return out


def _two_states(a: Submission, b: Submission) -> bool:
    """Two state governments run separate programs, however alike their names."""
    ea, eb = normalise(a.value("entidad") or ""), normalise(b.value("entidad") or "")
    return bool(ea and eb and ea != eb)


def _declared_joint(a: Submission, b: Submission) -> bool:
    """Either names the other among its co-authors (by acronym or name)."""
    for x, y in ((a, b), (b, a)):
        co = normalise(x.value("coautoras") or "")
        if not co:
            continue
        names = {normalise(y.value("siglas") or ""), normalise(y.value("institucion") or "")} - {""}
        if any(n in co for n in names):
            return True
    return False
