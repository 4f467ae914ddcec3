"""Arithmetic of the Cifras sheet: breakdowns, percentages and sub-groups (``spec.BREAKDOWNS``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


from .. import geometry as g
from .. import spec
from ..model import Cell, Indicator, normalise
from ..spec import BREAKDOWNS, CIFRAS_BY_ID, PEOPLE_UNITS, PERCENT_SUM_TOLERANCE
from .context import _Context, _label, _n, row_name
from .schema import _as_text, _cifras_validator, _translate, is_percent

def _blank_note(cells: list[Cell], ids: list[str]) -> str:
    if not ids:
        return ""
    names = [f"{_label(i)} ({c.address})" for i, c in zip(ids, cells)]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " y " + names[-1]
    verb = "está vacía" if len(names) == 1 else "están vacías"
    return f" {listed} {verb}: vacío no es cero; complete la cifra que falta (escriba 0 donde no haya personas)."


def _check_cifras(ctx: _Context) -> None:
    rows = ctx.sub.indicators
    for row in rows:
        v = _cifras_validator(ctx.catalogs, is_percent(row))
        doc = {}
        for cid, cell in row.cells.items():
            if cell.blank:
                continue
            val = cell.value.strip() if isinstance(cell.value, str) else cell.value
            col = CIFRAS_BY_ID[cid]
            doc[cid] = _as_text(val) if col.kind.dtype == spec.TYPE_TEXT else val
        if not v.validate(doc, normalize=False):
            for err in v.errors:
                cid = err.document_path[0] if err.document_path else err.field
                col = CIFRAS_BY_ID[cid]
                _translate(ctx, err, row.cells[cid], col.label, None, False, row=row)
        _check_breakdowns(ctx, row)
    by_number = {r.number: r for r in rows}
    for row in rows:
        _check_sex_given(ctx, row, by_number)
    _check_subgroups(ctx, rows)


def _pct(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100 else None


def _check_percentages(ctx: _Context, row: Indicator) -> None:
    """Each breakdown given in percentages sums to 100, give or take the rounding."""
    for b in BREAKDOWNS:
        cells = [row.cells[p] for p in b.parts]
        if all(c.blank for c in cells) or ctx.broken(*cells):
            continue
        values = [_pct(c.value) for c in cells]
        if any(val is None and not c.blank for val, c in zip(values, cells)):
            continue
        used = [(p, val) for p, val in zip(b.parts, values) if val is not None]
        s = sum(val for _, val in used)
        if abs(s - 100) <= PERCENT_SUM_TOLERANCE:
            continue
        suma = " + ".join(f"{_label(p)} {val:,g} %" for p, val in used) + f" = {s:,g} %"
        ctx.add("porcentajes-no-suman", cells[next(i for i, c in enumerate(cells) if not c.blank)], None, suma=suma,
                desglose=b.label, fila=row_name(row, "unidad"), margen=f"{PERCENT_SUM_TOLERANCE:g}")


def _check_breakdowns(ctx: _Context, row: Indicator) -> None:
    if is_percent(row):
        _check_percentages(ctx, row)
        return
    total = _n(row.get("total"))
    if total is None:
        return
    for b in BREAKDOWNS:
        cells = [row.cells[p] for p in b.parts]
        if all(c.blank for c in cells):
            continue
        values = [_n(c.value) for c in cells]
        if any(val is None and not c.blank for val, c in zip(values, cells)) or ctx.broken(*cells):
            continue  # a cell that is not a number was already reported
        used = [(p, val) for p, val in zip(b.parts, values) if val is not None]
        s = sum(val for _, val in used)
        if s == total:
            continue
        if len(used) == 1:
            suma = f"El desglose por {b.label} sólo tiene {_label(used[0][0])} {used[0][1]:,}"
        else:
            suma = " + ".join(f"{_label(p)} {val:,}" for p, val in used) + f" = {s:,}"
        blanks = [(c, p) for c, p in zip(cells, b.parts) if c.blank]
        ctx.add("suma-no-cuadra", row.cells["total"], total, suma=suma, total=total, desglose=b.label,
                fila=row_name(row, "total"),
                vacias=_blank_note([c for c, _ in blanks], [p for _, p in blanks]) if s < total else "")


def _ancestors(row: Indicator, by_number: dict[int, Indicator]) -> list[Indicator]:
    """The rows a sub-group belongs to, nearest first (a cycle stops the walk)."""
    out, seen, cur = [], {row.number}, row
    while True:
        up = _n(cur.get("subgrupo_de"))
        if up is None or up in seen or up not in by_number:
            return out
        cur = by_number[up]
        seen.add(up)
        out.append(cur)


def _check_sex_given(ctx: _Context, row: Indicator, by_number: dict[int, Indicator]) -> None:
    """People without a sex split. A sub-group inherits its parent's status: under a parent that
    gives the split («de los cuales…») it needs none; under a parent without it, the parent's
    own warning already asks for it."""
    unit = normalise(row.get("unidad") or "")
    total = _n(row.get("total"))
    sex = next(b for b in BREAKDOWNS if b.id == "sexo")
    parts = [row.cells[p] for p in sex.parts]
    if unit not in PEOPLE_UNITS or not total or not all(c.blank for c in parts) or ctx.broken(*parts):
        return
    if any(normalise(a.get("unidad") or "") in PEOPLE_UNITS for a in _ancestors(row, by_number)):
        return
    ctx.add("sin-desglose-sexo", row.cells[sex.parts[0]], None, fila=row_name(row, sex.parts[0]), total=total)


def _check_subgroups(ctx: _Context, rows: list[Indicator]) -> None:
    by_number = {r.number: r for r in rows}
    children: dict[int, list[Indicator]] = defaultdict(list)
    counts = list(spec.COUNT_COLUMNS)
    for r in rows:
        ref = _n(r.get("subgrupo_de"))
        if ref is None or not 1 <= ref <= g.CIFRAS_ROWS:
            continue  # not a row number: the schema reported it
        cell = r.cells["subgrupo_de"]
        motivo = None
        if ref == r.number:
            motivo = "una fila no puede ser subgrupo de sí misma"
        elif ref not in by_number:
            motivo = f"la fila {ref} está vacía"
        else:
            seen, cur = {r.number}, by_number[ref]
            while cur is not None:
                if cur.number in seen:
                    motivo = f"las filas {r.number} y {ref} son subgrupo una de la otra"
                    break
                seen.add(cur.number)
                up = _n(cur.get("subgrupo_de"))
                cur = by_number.get(up) if up is not None else None
        if motivo:
            ctx.add("subgrupo-sin-fila-madre", cell, fila=row_name(r, "subgrupo_de"), madre=ref, motivo=motivo)
            continue
        parent = by_number[ref]
        if is_percent(r) or is_percent(parent):
            continue  # percentages are shares of their own row: they neither add up nor compare to a parent
        children[ref].append(r)
        for cid in counts:
            cv, pv = _n(r.get(cid)), _n(parent.get(cid))
            if cv is not None and pv is not None and cv > pv:
                ctx.add("subgrupo-excede", r.cells[cid], cv, fila=row_name(r, cid), columna=_label(cid), valor=cv,
                        madre=row_name(parent, cid), valor_madre=pv)
    for number, kids in children.items():
        parent = by_number[number]
        if normalise(parent.get("subgrupos_completos") or "") != "si":
            continue
        groups: dict[str, list[Indicator]] = defaultdict(list)
        for k in kids:
            groups[normalise(k.get("criterio") or "")].append(k)
        for crit, members in groups.items():
            for cid in counts:
                pv = _n(parent.get(cid))
                if pv is None:
                    continue
                if ctx.broken(parent.cells[cid], *(k.cells[cid] for k in members)):
                    continue
                vals = [_n(k.get(cid)) for k in members]
                blanks = [k for k in members if k.cells[cid].blank]
                # The total must be fully split; other columns only when every sub-group gives them
                # (an age bracket straddling 18 leaves the age columns blank, rightly).
                if cid != "total" and blanks:
                    continue
                if any(v is None and not k.cells[cid].blank for v, k in zip(vals, members)):
                    continue
                got = [(k, v) for k, v in zip(members, vals) if v is not None]
                s = sum(v for _, v in got)
                if s == pv and not blanks:
                    continue
                if not got:
                    suma = f"ningún subgrupo tiene {_label(cid)}"
                elif len(got) == 1:
                    suma = f"sólo la {row_name(got[0][0], cid)} tiene {_label(cid)}: {got[0][1]:,}"
                else:
                    suma = " + ".join(f"{v:,} ({row_name(k, cid)})" for k, v in got) + f" = {s:,}"
                vacias = ""
                if blanks and s <= pv:  # blanks can only make up what is missing
                    names = ", ".join(f"{k.cells[cid].address}" for k in blanks)
                    vacias = f" Vacías en los subgrupos: {names} (vacío no es cero)."
                ctx.add("subgrupos-no-suman", parent.cells[cid], pv, madre=row_name(parent, cid),
                        criterio=f" «{members[0].get('criterio')}»" if crit else "", suma=suma,
                        columna=_label(cid), total=pv, vacias=vacias)
