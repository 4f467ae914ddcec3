"""Fields (cerberus): the schema built from the spec's field and column types, and cerberus's errors
translated to findings; dates checked against the edition."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import cerberus
from cerberus import errors as cerr

from .. import geometry as g
from .. import spec
from ..catalogs import UNITS, VIGENCIAS, YES_NO, Catalogs
from ..model import Cell, Indicator, Submission, normalise
from ..spec import CIFRAS_BY_ID, CIFRAS_COLUMNS, PERCENT_UNIT, Field, in_version, slot_field
from .context import _Context, _by_identity, _help, _slots, row_name

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
