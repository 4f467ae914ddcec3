"""Submission → ``Report``: every problem of a file in one pass, each pinned to a cell.

Four layers, all collecting ``Finding`` values (never stopping at the first):

1. **The file** (``reader``): not an xlsx, damaged, password, not our
   template, another edition, sheets renamed, formulas without a saved value,
   Excel error values (#DIV/0!) where data belongs.
2. **Fields** (cerberus): a schema built once from ``spec.PROGRAM_FIELDS`` and
   ``spec.CIFRAS_COLUMNS`` checks required fields, dates, whole numbers,
   lengths, catalogs and e-mail; cerberus errors are translated to finding
   codes in ``_translate``. «Required only if» (the state for state
   governments, the end date of a temporary program) is a schema variant
   chosen per document, so cerberus's own ``required`` rule does the work.
3. **Arithmetic** on *Cifras* (``spec.BREAKDOWNS``): each breakdown with any
   value sums to the row's total; sub-groups never exceed their parent and, if
   the parent says «Sí», sum to it (per ``criterio``). A blank is not a zero:
   messages name the blank cells. The finding sits on the **Total** cell of the
   row (for sub-groups, on the parent's cell of the column that fails): the one
   number every part is checked against.
4. **Content** (warnings): placeholders, no challenges, empty results, dates
   outside the edition, long names, acronyms never spelled out, unregistered
   bodies; and across files, the same program twice or a near-identical
   program from another body.

Severities come from ``findings.CODES`` with the edition's overrides.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Iterable

import cerberus
from cerberus import errors as cerr

from . import content, reader
from . import geometry as g
from . import spec
from .catalogs import UNITS, VIGENCIAS, YES_NO, Catalogs
from .atomic import write_text
from .errors import UnreadableWorkbook
from .files import sha256, shown
from .findings import FindingFactory
from .model import Cell, Finding, Indicator, Report, Submission, normalise
from .settings import Edition
from .spec import (BREAKDOWNS, CIFRAS_BY_ID, CIFRAS_COLUMNS, PEOPLE_UNITS, PERCENT_SUM_TOLERANCE, PERCENT_UNIT,
                   Field, in_version, slot_field)

#: Extensions picked up under submissions/<ed>/. Other spreadsheet formats are
#: included so an agency that sent one hears why it was refused.
SUBMISSION_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv"}
#: A near-identical program name from another body is worth a look above this ratio. Lower
#: values catch «Programa de X» against «Jornadas de X», which are different programs.
SIMILAR_NAME_RATIO = 0.95


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


# --- discovery -----------------------------------------------------------------

def _is_candidate(path: Path) -> bool:
    name = path.name
    # «~$libro.xlsx» is Excel's lock file; «.~…» our own temporary files.
    return path.is_file() and path.suffix.lower() in SUBMISSION_SUFFIXES and not name.startswith(("~$", "."))


def discover(edition: Edition) -> list[Path]:
    """Every submission file under submissions/<ed>/, at any depth, sorted."""
    folder = edition.paths.submissions
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.rglob("*") if _is_candidate(p)), key=lambda p: p.as_posix())


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders searched like the submissions folder."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted((q for q in p.rglob("*") if _is_candidate(q)), key=lambda q: q.as_posix())
        else:
            out.append(p)
    seen: set[Path] = set()
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]


# --- cerberus --------------------------------------------------------------------

class _Validator(cerberus.Validator):
    """Adds the ``catalogo`` rule: a value must be in a dropdown list (looked up leniently)."""

    def _validate_catalogo(self, catalogo, field, value):
        """{'type': 'string'}"""
        if _catalog_key(self._config["catalogs"], catalogo, value) is None:
            self._error(field, "valor-fuera-de-catalogo")


def _catalog_key(catalogs: Catalogs, catalog: str, value: Any) -> Any:
    """Canonical key of a dropdown value, or None if it is not in the list."""
    if value is None:
        return None
    text = str(value).strip()
    if catalog == "objetivos":
        o = catalogs.objective_by_label(value)
        return o.number if o else None
    if catalog == "sectores":
        s = catalogs.sector_by_name(text)
        return s.key if s else next((x.key for x in catalogs.sectors if normalise(x.name) == normalise(text)), None)
    if catalog == "entidades":
        s = catalogs.state_by_name(text)
        return s.key if s else next((x.key for x in catalogs.states if normalise(x.name) == normalise(text)), None)
    key = normalise(text)
    return key if key in _normalised_options(catalogs, catalog) else None


@_by_identity
def _normalised_options(catalogs: Catalogs, catalog: str) -> frozenset[str]:
    options = {"vigencias": VIGENCIAS, "unidades": UNITS, "si_no": YES_NO}.get(catalog)
    if options is None:
        options = catalogs.dropdown_lists().get(catalog, ())
    return frozenset(normalise(o) for o in options)


def _field_rules(f: Field) -> dict[str, Any]:
    """The field type's rules (``spec.FIELD_TYPES``), plus its catalog."""
    rules = dict(f.kind.rule(f))
    if f.catalog and f.catalog not in spec.OPEN_CATALOGS:  # unknown bodies are a warning, checked apart
        rules["catalogo"] = f.catalog
    return rules


def _program_schema(active: frozenset[str], fields: tuple[Field, ...], version: str) -> dict[str, Any]:
    """Schema over slot ids; ``active`` are the fields whose «required if» holds.

    A field the workbook's template version predates is never required: the agency had no cell for it.
    """
    schema: dict[str, Any] = {}
    for f in fields:
        required = (f.required or f.id in active) and in_version(f, version)
        for i, slot in enumerate(f.slot_ids()):
            schema[slot] = _field_rules(f) | {"required": required and i == 0}
    return schema


class _Errors(cerr.BaseErrorHandler):
    """Hands back cerberus's own error objects, flattened: ``_translate`` turns each into a finding."""

    def __call__(self, errors):
        return _flat(errors)


@_by_identity
def _program_validator(catalogs: Catalogs, active: frozenset[str], fields: tuple[Field, ...], version: str) -> _Validator:
    return _Validator(_program_schema(active, fields, version), catalogs=catalogs, allow_unknown=False,
                      error_handler=_Errors)


ROW_REQUIRED = ("indicador", "unidad", "total")


def _cifras_schema(percent: bool = False) -> dict[str, Any]:
    """Schema of one Cifras row; in a «porcentaje» row the parts are percentages (0 to 100, decimals
    allowed) and the total, optional, is the count they are of."""
    schema: dict[str, Any] = {}
    for c in CIFRAS_COLUMNS:
        if not c.kind.entered:
            continue
        rules: dict[str, Any] = {"required": c.id in ROW_REQUIRED and not (percent and c.id == "total")}
        rules |= c.kind.rule(c, percent)
        if c.catalog:
            rules["catalogo"] = c.catalog
        schema[c.id] = rules
    return schema


@_by_identity
def _cifras_validator(catalogs: Catalogs, percent: bool = False) -> _Validator:
    return _Validator(_cifras_schema(percent), catalogs=catalogs, error_handler=_Errors)


def is_percent(row: Indicator) -> bool:
    return spec.is_percent(row.get("unidad"))


def _as_text(value: Any) -> Any:
    """Numbers typed in text fields (a phone, a year) are text to the schema."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


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


def _check_fields(ctx: _Context) -> None:
    slots = _slots(ctx.sub)
    doc = {}
    for slot, cell in slots.items():
        if cell.blank:
            continue
        f = slot_field(slot)
        value = cell.value.strip() if isinstance(cell.value, str) else cell.value
        doc[slot] = _as_text(value) if f.kind.dtype == spec.TYPE_TEXT else value
    active = set()
    for f in spec.PROGRAM_FIELDS:
        if f.required_if:
            other, wanted = f.required_if
            other_f = spec.FIELDS_BY_ID[other]
            got = doc.get(other)
            if other_f.catalog:
                if got is not None and _catalog_key(ctx.catalogs, other_f.catalog, got) == \
                        _catalog_key(ctx.catalogs, other_f.catalog, wanted):
                    active.add(f.id)
            elif got is not None and normalise(got) == normalise(wanted):
                active.add(f.id)
    v = _program_validator(ctx.catalogs, frozenset(active), spec.PROGRAM_FIELDS, ctx.sub.stamp.version)
    if v.validate(doc, normalize=False):
        return
    for err in v.errors:
        slot = err.document_path[0] if err.document_path else err.field
        cell = slots[slot]
        f = slot_field(slot)
        _translate(ctx, err, cell, f.label, f, f.id in active)


def _flat(errs) -> list:
    out = []
    for e in errs:
        if e.is_group_error:
            out += _flat(e.child_errors)
        else:
            out.append(e)
    return out


def _dropdown_hint(ctx: _Context, catalog: str) -> str:
    options = ctx.catalogs.dropdown_lists().get(catalog, [])
    if catalog == "objetivos":
        return f" (uno de los {len(options)} objetivos, del 1 al {len(options)})"
    if 0 < len(options) <= 12:
        return f": {', '.join(options)}"
    return ""


def _translate(ctx: _Context, err, cell: Cell, label: str, f: Field | None, conditional: bool,
               row: Indicator | None = None) -> None:
    """One cerberus error → one finding."""
    code = err.code
    col = CIFRAS_BY_ID.get(err.field) if row is not None else None
    if code == cerr.REQUIRED_FIELD.code:
        motivo = ""
        if conditional and f is not None and f.required_if:
            other = spec.FIELDS_BY_ID[f.required_if[0]]
            motivo = f", que es obligatorio cuando «{other.label}» es «{ctx.sub.value(other.id)}»"
        if row is not None:
            motivo = f" en la {row_name(row, err.field)}"
            ayuda = ("Si la fila tiene cifras, escriba el total: vacío no es cero."
                     if err.field == "total" else (col.help if col else ""))
        else:
            ayuda = _help(f) if f else ""
        ctx.add("campo-obligatorio", cell, None, campo=label, motivo=motivo, ayuda=ayuda)
    elif code in (cerr.BAD_TYPE.code, cerr.MIN_VALUE.code, cerr.MAX_VALUE.code):
        if row is not None and col is not None and col.kind.numeric:
            if col.type == "ref":
                ctx.add("subgrupo-sin-fila-madre", cell, fila=row_name(row, col.id), madre=cell.value,
                        motivo=f"las filas van del 1 al {g.CIFRAS_ROWS}")
            else:
                ctx.add("cifra-invalida", cell, columna=col.label, fila=row_name(row, col.id), sugerencia=_suggest(cell.value))
        elif f is not None and f.type == "date":
            ctx.add("fecha-invalida", cell, campo=label)
        else:
            ctx.add("numero-invalido", cell, campo=label)
    elif code == cerr.MAX_LENGTH.code:
        length, limit = len(str(cell.value)), err.constraint
        if f is not None and f.id == "nombre_programa":
            ctx.add("nombre-demasiado-largo", cell, largo=length, maximo=limit)
        else:
            ctx.add("texto-demasiado-largo", cell, campo=label, largo=length, maximo=limit)
    elif code == cerr.REGEX_MISMATCH.code:
        ctx.add("correo-invalido", cell)
    elif code == cerr.CUSTOM.code and err.info and err.info[0] == "valor-fuera-de-catalogo":
        catalog = (f.catalog if f else None) or (col.catalog if col else None) or ""
        ctx.add("valor-fuera-de-catalogo", cell, campo=label, opciones=_dropdown_hint(ctx, catalog))
    else:  # a rule added to the schema without a translation: still reported, never lost
        ctx.add("numero-invalido" if isinstance(cell.value, (int, float)) else "valor-fuera-de-catalogo", cell,
                campo=label, opciones="")


_DIGITS = re.compile(r"\d[\d,.\s]*")
#: What agencies write for «no data»: the cell should simply stay empty.
_NO_DATA = {"nd", "n d", "s d", "sd", "na", "n a", "no disponible", "sin dato", "sin datos", "no aplica", "ninguno"}


def _readings(text: str) -> list[str]:
    """Whole numbers a typed figure can mean, formatted for the message («1,263», «12.63»)."""
    t = text.strip()
    if re.fullmatch(r"\d{1,3}(,\d{3})+", t) or re.fullmatch(r"\d{1,3}( \d{3})+", t) \
            or re.fullmatch(r"\d{1,3}(\.\d{3}){2,}", t):
        return [f"{int(re.sub(r'[^0-9]', '', t)):,}"]  # thousands separators, nothing else it could be
    m = re.fullmatch(r"(\d+)([.,])(\d+)", t)
    if m:
        whole = int(m.group(1) + m.group(3))
        decimal = f"{m.group(1)}.{m.group(3)}"
        return [f"{whole:,}", decimal]
    return []


def _suggest(value: Any) -> str:
    """A fix only when it is certain; otherwise the readings, and what to do."""
    if isinstance(value, float):
        if value < 0:
            return ""
        return (f"; {value:,} no es un número entero: escriba la cifra entera (si es un porcentaje, "
                f"elija la unidad «{PERCENT_UNIT}»)")
    if isinstance(value, int) and value < 0:
        return ""
    text = str(value).strip()
    if normalise(text) in _NO_DATA or re.fullmatch(r"[-–—.]+", text):
        return "; N/D: si no tiene el dato, deje la celda vacía (vacío significa que no se informó)"
    readings = _readings(text)
    if len(readings) == 1:
        return f"; escriba {readings[0].replace(',', '')}"
    if readings:
        return (f"; puede ser {readings[0]} o {readings[1]} y no se sabe cuál: escriba la cifra entera, "
                f"sin separadores (si es un porcentaje, elija la unidad «{PERCENT_UNIT}»)")
    m = _DIGITS.search(text)
    if not m:
        return ""
    digits = re.sub(r"\D", "", m.group())
    if len(_readings(m.group().strip())) > 1:
        return "; si la cifra es aproximada, escriba la cifra entera y explíquelo en «Nota»"
    return f"; si la cifra es aproximada, escriba {digits} y explíquelo en «Nota»"


# --- dates -------------------------------------------------------------------------

#: A reported period may end a little after the edition's (a report closed at the end of the next
#: month): a warning. Beyond this it reports another edition's results: an error.
LATE_PERIOD_END = dt.timedelta(days=31)

def _date(sub: Submission, field_id: str) -> dt.date | None:
    v = sub.value(field_id)
    if isinstance(v, dt.datetime):
        return v.date()
    return v if isinstance(v, dt.date) else None


def _check_dates(ctx: _Context) -> None:
    sub, ed = ctx.sub, ctx.edition
    d = {k: _date(sub, k) for k in ("fecha_inicio", "fecha_fin", "periodo_desde", "periodo_hasta")}
    label = {f.id: f.label for f in spec.PROGRAM_FIELDS}
    for late, early in (("periodo_hasta", "periodo_desde"), ("fecha_fin", "fecha_inicio")):
        if d[late] and d[early] and d[late] < d[early]:
            ctx.add("fechas-invertidas", sub.cell(late), campo=label[late], fecha=d[late], otro=label[early],
                    otra_fecha=d[early])
    frm, to = ed.period_from, ed.period_to

    def outside(fid: str, when: str) -> None:
        ctx.add("periodo-fuera-de-edicion", sub.cell(fid), campo=label[fid], fecha=d[fid], relacion=when,
                desde=frm, hasta=to)

    for fid in ("periodo_desde", "periodo_hasta"):
        if d[fid] and d[fid] < frm:
            outside(fid, "anterior al inicio del")
        elif fid == "periodo_hasta" and d[fid] and d[fid] > to + LATE_PERIOD_END:
            months = (d[fid].year - to.year) * 12 + d[fid].month - to.month
            ctx.add("periodo-termina-despues", sub.cell(fid), campo=label[fid], fecha=d[fid], hasta=to,
                    meses=f"{months} {'mes' if months == 1 else 'meses'}")
        elif d[fid] and d[fid] > to:
            outside(fid, "posterior al fin del")
    if d["fecha_inicio"] and d["fecha_inicio"] > to:
        outside("fecha_inicio", "posterior al fin del")
    if d["fecha_fin"] and d["fecha_fin"] < frm:
        outside("fecha_fin", "anterior al inicio del")


# --- Cifras ------------------------------------------------------------------------

def _n(v: Any) -> int | None:
    """A usable count: a whole number ≥ 0 (anything else was reported by the schema)."""
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def row_name(row: Indicator, column_id: str) -> str:
    """The one way messages name a Cifras row: its «Núm.» and the cell meant, «fila 3 de Cifras, celda D8»."""
    return f"fila {row.number} de Cifras, celda {row.cells[column_id].address}"


def _label(column_id: str) -> str:
    return CIFRAS_BY_ID[column_id].label


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


# --- content -----------------------------------------------------------------------

_PLACEHOLDERS = {normalise(x) for x in (
    "n/a", "na", "n.a.", "n/d", "nd", "no aplica", "pendiente", "por definir", "por confirmar", "por llenar",
    "tbd", "xx", "-", "--", "---", ".", "..", "...", "?", "prueba", "test", "texto", "sin información",
    "sin informacion", "s/i", "ninguno", "ninguna", "0")}
_PLACEHOLDER_INSIDE = re.compile(r"lorem ipsum|\bx{3,}\b|\[(?:pendiente|completar|llenar)[^\]]*\]|\bpor llenar\b",
                                 re.IGNORECASE)
#: Placeholders that are acceptable answers in these fields.
_PLACEHOLDER_OK = {"coautoras": {"ninguno", "ninguna", "na", "n a", "no aplica"}}

def _text_cells(ctx: _Context) -> list[tuple[str, str, Cell]]:
    """(field id or column id, label, cell) of every free-text cell."""
    out = []
    for f in spec.PROGRAM_FIELDS:
        if f.kind.free_text and not f.catalog:
            c = ctx.sub.fields[f.id]
            for i, cell in enumerate(c if isinstance(c, list) else [c], start=1):
                if not cell.blank:
                    out.append((f.id, f.label if f.repeat == 1 else f"{f.label} {i}", cell))
    for row in ctx.sub.indicators:
        for cid in ("indicador", "nota"):
            cell = row.cells[cid]
            if not cell.blank and isinstance(cell.value, str):
                out.append((cid, f"{_label(cid)} (fila {row.number})", cell))
    t = ctx.sub.table
    if t is not None:
        for cell, lab in ((t.title, "Título de la tabla"), (t.note, "Nota de la tabla")):
            if not cell.blank:
                out.append(("tabla", lab, cell))
    return out


#: The template's worked example of a narrative field: a paragraph copied word for word is not the
#: program's own text. Short examples (a job title such as «Subdirectora de Enlace», a unit, a name)
#: are real answers for someone, so they are never taken for placeholders.
EXAMPLE_MIN_CHARS = 100


@functools.lru_cache(maxsize=4)
def _examples(fields: tuple[Field, ...]) -> dict[str, str]:
    """The template's worked example of each long free-text field, normalised."""
    return {f.id: normalise(f.example) for f in fields
            if isinstance(f.example, str) and f.type == "longtext" and len(f.example) >= EXAMPLE_MIN_CHARS}


def _check_placeholders(ctx: _Context, texts: list[tuple[str, str, Cell]]) -> None:
    examples = _examples(spec.PROGRAM_FIELDS)
    for fid, label, cell in texts:
        text = str(cell.value).strip()
        key = normalise(text)
        origin = ""
        if key in _PLACEHOLDERS or (not key and text):
            if key in _PLACEHOLDER_OK.get(fid, ()):
                continue
        elif _PLACEHOLDER_INSIDE.search(text):
            pass
        elif fid in examples and key == examples[fid]:
            origin = " (es el ejemplo de las instrucciones de la plantilla)"
        else:
            continue
        f = spec.FIELDS_BY_ID.get(fid)
        optional = f is None or not f.required
        ctx.add("texto-de-relleno", cell, campo=label, valor=text if len(text) <= 80 else text[:77] + "…",
                origen=origin, alternativa=" o deje la celda vacía si no aplica" if optional else "")


def _check_content(ctx: _Context, texts: list[tuple[str, str, Cell]]) -> None:
    sub = ctx.sub
    retos = sub.fields.get("retos")
    if isinstance(retos, list) and all(c.blank for c in retos):
        ctx.add("sin-retos", retos[0], None)
    res = sub.value("resultados")
    if isinstance(res, str) and content.says_no_results(res.strip(), content.no_results_rules(ctx.edition)):
        cell = sub.cell("resultados")
        if not any(f.cell == cell.address and f.sheet == cell.sheet and f.code == "texto-de-relleno" for f in ctx.findings):
            ctx.add("sin-resultados", cell, extracto=res if len(res) <= 60 else res[:57] + "…")
    inst = sub.value("institucion")
    if inst:
        body = ctx.catalogs.body_by_name(str(inst))
        if body is None:
            ctx.add("institucion-no-registrada", sub.cell("institucion"))
        elif sub.stamp.institution_id and body.id != sub.stamp.institution_id:
            stamped = ctx.catalogs.body(sub.stamp.institution_id)
            ctx.add("institucion-distinta-al-sello", sub.cell("institucion"),
                    sello=stamped.label if stamped else sub.stamp.institution_id)
    _check_acronyms(ctx, texts)




@_by_identity
def _registry_acronyms(catalogs: Catalogs) -> frozenset[str]:
    return content.registry_acronyms(catalogs)


def _check_acronyms(ctx: _Context, texts: list[tuple[str, str, Cell]]) -> None:
    sub = ctx.sub
    known = set(_registry_acronyms(ctx.catalogs)) | content.not_acronyms(ctx.edition)
    for fid in ("siglas", "coautoras"):
        if sub.value(fid):
            known |= {x.strip().upper() for x in re.split(r"[,;/]| y ", str(sub.value(fid))) if x.strip()}
    # Anything the program says, on any sheet, may spell an acronym out.
    corpus_parts = [str(c.value) for _, _, c in texts]
    for fid in ("institucion", "unidad_responsable", "coautoras", "fuentes"):
        v = sub.value(fid)
        corpus_parts += [str(x) for x in v] if isinstance(v, list) else [str(v)] if v else []
    if sub.table is not None:
        corpus_parts += [str(c.value) for row in sub.table.rows for c in row if not c.blank]
    corpus = "\n".join(corpus_parts)
    checked = [(cell, str(cell.value)) for fid, _l, cell in texts if fid not in _NO_ACRONYM_FIELDS]
    for i, acr in content.undefined_acronyms([t for _, t in checked], corpus, known):
        ctx.add("siglas-sin-definir", checked[i][0], acr, siglas=acr)


#: Fields whose capitals are not prose: addresses, names of people, sources.
_NO_ACRONYM_FIELDS = ("contacto_correo", "fuentes", "contacto_telefono", "contacto_nombre", "contacto_cargo")


# --- one file ------------------------------------------------------------------------

def _unreadable(exc: UnreadableWorkbook, make: FindingFactory) -> Finding:
    return make(exc.code, exc.sheet, exc.cell, None, detalle=str(exc))


def check_submission(sub: Submission, edition: Edition, catalogs: Catalogs,
                     make: FindingFactory | None = None) -> list[Finding]:
    """Every per-file finding of a readable submission."""
    make = make or FindingFactory(edition.severities)
    broken = getattr(sub, "error_values", [])
    ctx = _Context(edition, catalogs, make, sub, formula_cells=set(sub.formulas_without_value) | {r for r, _ in broken})
    if sub.stamp.edition != edition.key:
        ctx.add("edicion-distinta", Cell(sub.stamp.edition, g.SELLO, g.sello_cell("edicion")),
                encontrada=sub.stamp.edition or "sin edición", edicion=edition.key)
    for ref in sub.formulas_without_value:
        sheet, _, addr = ref.partition("!")
        ctx.add("formula-sin-valor", Cell(None, sheet, addr))
    for ref, error in broken:
        sheet, _, addr = ref.partition("!")
        ctx.add("valor-con-error", Cell(error, sheet, addr), error=error)
    if getattr(sub, "macros", False):
        xlsm = sub.path.suffix.lower() == ".xlsm"
        ctx.add("libro-con-macros", None, extension=" (es un archivo .xlsm)" if xlsm else "")
    for ref in getattr(sub, "control_characters", ()):
        sheet, _, addr = ref.partition("!")
        ctx.add("caracteres-de-control", Cell(None, sheet, addr))
    _check_fields(ctx)
    _check_dates(ctx)
    _check_cifras(ctx)
    texts = _text_cells(ctx)
    _check_placeholders(ctx, texts)
    _check_content(ctx, texts)
    _check_previous_edition(ctx)
    return sorted(ctx.findings, key=_position)


def _check_previous_edition(ctx: _Context) -> None:
    """A continuing program whose results or figures are last year's, copied unchanged."""
    from . import yearly

    prev = yearly.previous(ctx.edition)
    if prev is None:
        return
    for what in yearly.unchanged(ctx.sub, prev):
        if what == "resultados":
            ctx.add("resultados-sin-actualizar", ctx.sub.cell("resultados"), que="Los resultados", son="son",
                    lo="los", anterior=prev.key)
        else:
            first = next(i for i in ctx.sub.indicators if i.get("total") is not None)
            ctx.add("resultados-sin-actualizar", first.cells["total"], que="Las cifras", son="son",
                    lo="las", anterior=prev.key)


_SHEET_ORDER = {name: i for i, name in enumerate((g.SELLO, g.PROGRAMA, g.CIFRAS, g.TABLA))}


def _position(f: Finding) -> tuple:
    """Findings in reading order: sheet, then row, then column."""
    m = re.match(r"([A-Z]+)(\d+)", f.cell or "")
    col, row = (m.group(1), int(m.group(2))) if m else ("", 0)
    return _SHEET_ORDER.get(f.sheet or "", 9), row, len(col), col


def validate_data(path: Path, data: bytes | None, edition: Edition, catalogs: Catalogs,
                  make: FindingFactory | None = None) -> Report:
    """One file's own findings, read from ``data`` (its bytes, read once by the caller) or from disk."""
    make = make or FindingFactory(edition.severities)
    try:
        sub = reader.read(path, data)
    except UnreadableWorkbook as exc:
        return Report(path, [_unreadable(exc, make)])
    return Report(path, check_submission(sub, edition, catalogs, make), sub)


def _validate_one(path: Path, edition: Edition, catalogs: Catalogs, make: FindingFactory) -> Report:
    return validate_data(path, None, edition, catalogs, make)


def validate_file(path: Path | str, edition: Edition, catalogs: Catalogs, batch: list[Report] | None = None) -> Report:
    """Validate one file. With ``batch`` (the reports of the files validated before it in the
    same run), the cross-file checks compare it with them, and its report is appended to it
    (earlier reports of the batch are replaced by copies carrying their cross-file notes)."""
    make = FindingFactory(edition.severities)
    report = _validate_one(Path(path), edition, catalogs, make)
    if batch is not None:
        batch.append(report)
        batch[:] = with_cross_file_findings(batch, edition, make)
        report = batch[-1]
    return report


def validate_paths(paths: Iterable[Path | str], edition: Edition, catalogs: Catalogs,
                   progress: Callable[[Path], None] | None = None) -> list[Report]:
    """Validate every file (folders are searched), then the checks across files.

    ``progress`` is called after each file with its path. Reports come back in
    the order of the paths. Which file of a program counts is not decided here
    but by the intake stage (``compiler.intake``), which knows the reception order.
    """
    make = FindingFactory(edition.severities)
    reports = _validate_each(expand(paths), edition, catalogs, make, progress)
    return with_cross_file_findings(reports, edition, make)


#: Fewer files than this are checked in one process: forking costs more than it saves.
PARALLEL_FROM = 10**9  # off: after the rebase on issue 9 one report differs from the serial run (see the xfail test)


def _validate_each(paths: list[Path], edition: Edition, catalogs: Catalogs, make: FindingFactory,
                   progress: Callable[[Path], None] | None) -> list[Report]:
    """Each file's own checks, the second half of the files in a forked process (reading a
    workbook is most of the time, and reports come back pickled in a few tens of ms)."""
    import multiprocessing
    import os
    import pickle

    def serial(some: list[Path]) -> list[Report]:
        out = []
        for path in some:
            out.append(_validate_one(path, edition, catalogs, make))
            if progress:
                progress(path)
        return out

    paths = list(paths)
    if (len(paths) < PARALLEL_FROM or (os.cpu_count() or 1) < 2
            or "fork" not in multiprocessing.get_all_start_methods()):
        return serial(paths)
    half = (len(paths) + 1) // 2
    mine, theirs = paths[:half], paths[half:]
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            data = pickle.dumps([_validate_one(p, edition, catalogs, make) for p in theirs], protocol=5)
        except BaseException:  # noqa: BLE001 - the parent checks these files itself
            data = b""
        send.send_bytes(data)
        send.close()

    worker = ctx.Process(target=child, daemon=True)
    worker.start()
    send.close()
    try:
        reports = serial(mine)
        try:
            data = receive.recv_bytes()
            others = pickle.loads(data) if data else None
        except (EOFError, OSError, pickle.UnpicklingError):
            others = None
    finally:
        receive.close()
        worker.join()
    if others is None or len(others) != len(theirs):
        return reports + serial(theirs)
    for path in theirs:
        if progress:
            progress(path)
    return reports + others


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


def _display(path: Path, edition: Edition) -> str:
    return shown(path, edition.paths.submissions if edition.paths else None)


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
                                       porcentaje=format_percent(total / whole, format="#,##0 %", locale="es_MX"),
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
    index: dict[str, list[int]] = defaultdict(list)
    for i, (_, _, _, tokens) in enumerate(items):
        for t in tokens:
            index[t].append(i)
    flagged: set[tuple[int, int]] = set()
    # One matcher per earlier name: SequenceMatcher indexes its second sequence, the costly part.
    matchers: dict[int, difflib.SequenceMatcher] = {}
    for i, (r, inst, name, tokens) in enumerate(items):
        shared: dict[int, int] = defaultdict(int)
        for t in tokens:
            for j in index[t]:
                if j < i:
                    shared[j] += 1
        for j, n in shared.items():
            r2, inst2, name2, tokens2 = items[j]
            if inst2 == inst or n < max(1, min(len(tokens), len(tokens2)) // 2):
                continue
            sm = matchers.get(j) or matchers.setdefault(j, difflib.SequenceMatcher(None, "", name2))
            sm.set_seq1(name)
            if sm.real_quick_ratio() < SIMILAR_NAME_RATIO or sm.quick_ratio() < SIMILAR_NAME_RATIO \
                    or sm.ratio() < SIMILAR_NAME_RATIO:
                continue
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


# --- results --------------------------------------------------------------------------

file_digest = sha256


# --- batch summary ------------------------------------------------------------------------

def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _shown(value: Any) -> Any:
    """The value found as the agency typed it, for the summary workbook."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) > 300:
        return value[:299] + "…"
    return value


def summary_rows(reports: list[Report], edition: Edition,
                 superseded: dict[Path, Path] | None = None) -> list[dict[str, Any]]:
    """One row per file: what the terminal table, validacion.xlsx and validacion.json show.

    ``superseded`` (path → path of the file in force) comes from the intake stage.
    """
    gone = superseded or {}
    rows = []
    for r in reports:
        sub = r.submission
        rows.append({
            "file": _display(r.path, edition),
            "sha256": sub.sha256 if sub else file_digest(r.path),
            "institution": (sub.value("institucion") if sub else None),
            "program": (sub.value("nombre_programa") if sub else None),
            "status": r.status,
            "superseded_by": _display(gone[r.path], edition) if r.path in gone else None,
            "errors": len(r.errors),
            "warnings": len(r.warnings),
            "notes": len(r.findings) - len(r.errors) - len(r.warnings),
            "findings": [{"code": f.code, "severity": f.severity, "sheet": f.sheet, "cell": f.cell,
                          "value": _json_value(f.value), "message": f.message} for f in r.findings],
        })
    return rows


def summary_document(rows: list[dict[str, Any]], edition: Edition, when: dt.datetime | None = None) -> dict[str, Any]:
    """The machine format of a batch: ``validacion.json`` and every ``--json`` output share it."""
    from . import __version__

    when = (when or dt.datetime.now()).replace(microsecond=0)
    count = {s: sum(1 for r in rows if r["status"] == s) for s in ("aceptado", "aceptado con observaciones", "rechazado")}
    return {"edition": edition.key, "validated_at": when.isoformat(), "validator_version": __version__,
            "totals": {"files": len(rows), "accepted": count["aceptado"],
                       "accepted_with_observations": count["aceptado con observaciones"],
                       "rejected": count["rechazado"]},
            "files": rows}


def write_summary(reports: list[Report], edition: Edition, when: dt.datetime | None = None,
                  superseded: dict[Path, Path] | None = None) -> tuple[Path, Path]:
    """``output/<ed>/validacion.xlsx`` and ``validacion.json``, each written atomically."""
    import json

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from . import printing
    from .errors import OutputError
    from .findings import title
    from .style import GUINDA
    from .template import save
    from .textsafe import append, clean

    when = (when or dt.datetime.now()).replace(microsecond=0)
    rows = summary_rows(reports, edition, superseded)
    out = edition.paths.output
    counts = {s: sum(1 for r in reports if r.status == s) for s in ("aceptado", "aceptado con observaciones", "rechazado")}
    doc = summary_document(rows, edition, when)

    wb = Workbook()
    ws = wb.active
    ws.title = "Resumen"
    head = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor=GUINDA)
    from .style import STATUS_COLOURS as status_fill
    ws.append([f"Validación de la edición {edition.key}: {len(reports):,} archivos — {counts['aceptado']:,} aceptados, "
               f"{counts['aceptado con observaciones']:,} aceptados con observaciones, {counts['rechazado']:,} rechazados "
               f"({when:%d/%m/%Y %H:%M})"])
    ws["A1"].font = Font(bold=True, size=12)
    headers = (("Archivo", 32), ("Institución", 32), ("Programa", 40), ("Estado", 20), ("Errores", 9),
               ("Advertencias", 12), ("Notas", 8), ("Sustituido por", 26))
    header_style = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.append([h for h, _ in headers])
    for i, (_, w) in enumerate(headers, start=1):
        c = ws.cell(2, i)
        c.font, c.fill, c.alignment = head, fill, header_style
        ws.column_dimensions[c.column_letter].width = w
    for r in rows:
        append(ws, [r["file"], r["institution"], r["program"], r["status"], r["errors"], r["warnings"], r["notes"],
                   r["superseded_by"]])
        ws.cell(ws.max_row, 4).fill = PatternFill("solid", fgColor=status_fill[r["status"]])
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:H{max(ws.max_row, 2)}"
    printing.style_body(ws, 3, wrap_columns={1, 2, 3, 4, 8})
    wo = wb.create_sheet("Observaciones")
    oh = (("Archivo", 28), ("Hoja", 10), ("Celda", 7), ("Gravedad", 11), ("Código", 22), ("Observación", 24),
          ("Valor encontrado", 22), ("Qué hay que corregir", 62))
    wo.append([h for h, _ in oh])
    for i, (_, w) in enumerate(oh, start=1):
        c = wo.cell(1, i)
        c.font, c.fill, c.alignment = head, fill, header_style
        wo.column_dimensions[c.column_letter].width = w
    for row, report in zip(rows, reports):
        for f in report.findings:
            append(wo, [row["file"], f.sheet, f.cell, f.severity, f.code, title(f.code), _shown(f.value), f.message])
    wo.freeze_panes = "A2"
    wo.auto_filter.ref = f"A1:H{max(wo.max_row, 1)}"
    printing.style_body(wo, 2, wrap_columns={1, 5, 6, 7, 8}, center_columns={2, 3})
    printing.page_setup(ws, 2)  # staff print the summary: landscape, all columns on the page width
    printing.page_setup(wo, 1)
    xlsx, js = out / "validacion.xlsx", out / "validacion.json"
    try:
        save(wb, xlsx)
        write_text(js, clean(json.dumps(doc, ensure_ascii=False, indent=1)))
    except OutputError as exc:  # atomic writes report the system's reason in strerror
        raise OutputError(f"No se pudo escribir el resumen de validación en {out} ({getattr(exc, 'strerror', None) or exc}).") from None
    return xlsx, js
