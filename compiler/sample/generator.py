"""Synthetic editions: filled workbooks that look like what agencies send.

Used for the bundled sample edition (``submissions/muestra/``), for tests and
for the benchmark. Every workbook goes through the same writer agencies
receive (``template.build_workbook`` + ``fill`` + ``save``). Output depends
only on the seed and the ``generated`` date: same inputs, byte-identical
files (zip entry times and the document's modified date are fixed too).

The Spanish text is written from the sentence patterns here and the topics
and word lists in ``vocabulario/`` (data files); no sentence comes from any
real edition.

Shape of the 2025 edition (534 programs), measured with
``python tests/benchmarks/measure_reference.py`` on
``../shared/reference/compendio-general-2025.txt``; the generator follows it:

- programs per sector: APF 246, entidades federativas 225, Poder Legislativo
  3, Poder Judicial 10, organismos autónomos 20, sociedad civil 29-30;
- programs per objective (1…23): 39 7 44 40 10 24 66 15 10 22 8 6 5 18 85 19
  31 9 6 11 38 7 13 (objectives 15 and 7 largest; 12, 13, 19 smallest);
- description: median 403 characters (p10 200, p90 786, max 1,473), 1 to 3
  paragraphs (max 15);
- results: median 177 characters (p10 64, p90 527, max 1,781);
- one challenge: median 129 characters (p10 63, p90 276, max ~3,000);
  36 % of programs report no challenge; of the rest, 1 challenge 267,
  2: 51, 3: 15, 4: 3, 5: 3, 6: 2;
- 47 % of programs give figures by sex, 21 % by age, 17 % a sub-group
  («de los cuales…»), 3 % count non-binary people or LGBTI+;
- 9 programs carry a free table, 12 carry links (15 footnotes).

The generator apportions these shares exactly (largest remainder), so small
editions still contain each feature at least once when N ≥ 20.

Planted defects (``defects=``) put exactly one known problem in an otherwise
clean file and list it in ``errores-sembrados.json``. The codes in
``DEFECTS`` are the contract with the validator: for each code the list is
complete, so the validator must report that code for the listed files and
for no other file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import random
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import geometry as g
from ..catalogs import Body, Catalogs
from ..errors import CompendioError
from ..settings import Edition
from .. import spec
from ..spec import cifras_col, field_cell
from ..atomic import atomic_write, write_bytes, write_text
from ..template import ProgramData, build_workbook, fill, save

#: The generator's word lists and topics: data files shipped with the package.
VOCABULARY = Path(__file__).with_name("vocabulario")

# --- the contract with the validator -----------------------------------------


@dataclass(frozen=True)
class DefectKind:
    code: str  # the validator's finding code
    severity: str  # "error" or "advertencia"
    description: str  # Spanish, shown in the sample's list


DEFECTS: tuple[DefectKind, ...] = (
    DefectKind("suma-no-cuadra", "error", "Un desglose por sexo no suma el total de su fila."),
    DefectKind("campo-obligatorio", "error", "Falta un campo obligatorio (la población objetivo)."),
    DefectKind("periodo-fuera-de-edicion", "advertencia", "El periodo que se reporta termina después del periodo de la edición."),
    DefectKind("programa-duplicado", "advertencia", "El mismo programa de la misma institución llega en dos archivos al "
               "mismo tiempo: se publica el último en el orden del registro y el otro queda sustituido."),
    DefectKind("edicion-distinta", "error", "El archivo se llenó en la plantilla de otra edición."),
    DefectKind("subgrupo-excede", "error", "Un subgrupo («de los cuales…») es mayor que su fila madre."),
    DefectKind("no-es-xlsx", "error", "Un archivo de texto renombrado con extensión .xlsx."),
    DefectKind("correo-invalido", "error", "El correo de contacto no es una dirección válida."),
    DefectKind("valor-fuera-de-catalogo", "error", "El objetivo principal no es uno de los 23 del Pacto."),
    DefectKind("texto-de-relleno", "advertencia", "Los resultados tienen texto de relleno en lugar de información."),
    DefectKind("sin-retos", "advertencia", "El programa no informa ningún reto."),
)
DEFECTS_BY_CODE = {d.code: d for d in DEFECTS}
DEFECT_CODES = tuple(d.code for d in DEFECTS)
#: The defects planted in the bundled sample: a few, so the quick start shows feedback.
SAMPLE_DEFECTS = ("suma-no-cuadra", "campo-obligatorio", "periodo-fuera-de-edicion", "programa-duplicado",
                  "edicion-distinta", "no-es-xlsx")
SAMPLE_SEED = 2026
SAMPLE_PROGRAMS = 30
SAMPLE_GENERATED = dt.date(2026, 7, 15)
PLANTED_FILE = "errores-sembrados.json"
PLACEHOLDER_TEXT = "xxx"

# --- shape of the 2025 edition (see the module docstring) --------------------

SECTOR_WEIGHTS = {"apf": 246, "estatal": 225, "legislativo": 3, "judicial": 10, "autonomo": 20, "osc": 30}
OBJECTIVE_WEIGHTS = (39, 7, 44, 40, 10, 24, 66, 15, 10, 22, 8, 6, 5, 18, 85, 19, 31, 9, 6, 11, 38, 7, 13)
SHARE_SEX = 0.47
SHARE_AGE = 0.21
SHARE_SUBGROUP = 0.17
SHARE_NONBINARY = 0.03
SHARE_TABLE = 9 / 534
SHARE_LINKS = 12 / 534
SHARE_NO_CHALLENGES = 0.36
CHALLENGE_COUNT_WEIGHTS = {1: 267, 2: 51, 3: 15, 4: 3, 5: 3, 6: 2}
# Lognormal lengths fitted to (median, p90); clipped to the observed extremes.
LEN_DESCRIPTION = (403, 786, 140, 1500)
LEN_RESULTS = (177, 527, 50, 1780)
LEN_CHALLENGE = (129, 276, 35, 900)
MAX_STATES = 24  # state governments reporting (18+ in 2025), once the edition is large enough

# --- vocabulary ---------------------------------------------------------------
# Per objective: program-name cores, what the program does, who it serves, and
# its indicators (label, unit, result clause with {n}).

Indicator = tuple[str, str, str]


@dataclass(frozen=True)
class Topic:
    names: tuple[str, ...]
    purpose: tuple[str, ...]
    population: tuple[str, ...]
    people: tuple[Indicator, ...]  # unit "personas"
    other: tuple[Indicator, ...]  # other units


def _load(name: str) -> Any:
    return yaml.safe_load((VOCABULARY / name).read_text(encoding="utf-8"))


def _indicators(items: list[dict[str, str]]) -> tuple[Indicator, ...]:
    return tuple((i["label"], i["unit"], i["result"]) for i in items)


#: One topic per objective (``vocabulario/temas.yaml``).
TOPICS: dict[int, Topic] = {
    int(k): Topic(tuple(t["names"]), tuple(t["purpose"]), tuple(t["population"]), _indicators(t["people"]),
                  _indicators(t["other"]))
    for k, t in _load("temas.yaml").items()}

_WORDS = {k: tuple(v) for k, v in _load("palabras.yaml").items()}
NAME_PREFIX = _WORDS["name_prefix"]
STANDALONE = _WORDS["standalone"]
NAME_SUFFIX = _WORDS["name_suffix"]
NAME_PLACE = _WORDS["name_place"]
MEANS = _WORDS["means"]
PARTNERS = _WORDS["partners"]
APPROACHES = _WORDS["approaches"]
RESOURCES = _WORDS["resources"]
VERBS_SCOPE = _WORDS["verbs_scope"]
AREAS = _WORDS["areas"]
UNIT_KIND = _WORDS["unit_kind"]
GIVEN = _WORDS["given"]
SURNAMES = _WORDS["surnames"]
POSITIONS = _WORDS["positions"]
#: «de los cuales…» rows: (label, the breakdown column the sub-group fills whole or None).
SUBGROUPS = tuple((x["text"], x["column"]) for x in _WORDS["subgroups"])
COMPLETE_SPLITS = tuple(tuple(x) for x in _WORDS["complete_splits"])
NATIONALITIES = _WORDS["nationalities"]


def _state_names(catalogs: Catalogs) -> list[str]:
    return [s.name for s in catalogs.states]


# --- text --------------------------------------------------------------------


MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")


def _month(d: dt.date) -> str:
    return f"{MONTHS[d.month - 1]} de {d.year}"


FEMININE = {"secretaría", "comisión", "agencia", "procuraduría", "fiscalía", "suprema", "cámara", "casa", "coalición",
             "unidad", "guardia", "financiera", "subsecretaría", "coordinación", "defensoría"}
PLURAL = {"centros": "los ", "servicios": "los "}


def _article(name: str) -> str:
    """«la Secretaría…», «el Instituto…», «los Servicios…»; none for names like «Sin Fronteras»."""
    first = name.split()[0].casefold()
    if first in PLURAL:
        return PLURAL[first]
    if first in FEMININE:
        return "la "
    if first in ("sin", "uno", "dignidad"):
        return ""
    return "el "


def _fmt(n: int) -> str:
    return f"{n:,}"


def _target(rng: random.Random, spec: tuple[int, int, int, int]) -> int:
    median, p90, low, high = spec
    sigma = math.log(p90 / median) / 1.2816
    return int(min(high, max(low, rng.lognormvariate(math.log(median), sigma))))


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fill_to(rng: random.Random, target: int, first: list[str], patterns) -> list[str]:
    """Sentences until the text reaches ``target`` characters.

    ``patterns`` are callables making one sentence each; each is used at most
    once per text, in random order, so no text repeats itself.
    """
    out = list(first)
    for make in rng.sample(list(patterns), len(patterns)):
        length = sum(len(s) + 1 for s in out)
        if length >= target:
            break
        sentence = _tidy(make())
        if length + len(sentence) - target > target - length:
            break  # stopping here lands closer to the target length
        out.append(sentence)
    return out


def _tidy(text: str) -> str:
    return text.replace(" de el ", " del ").replace(" a el ", " al ")


def _description(rng: random.Random, body: Body, topic: Topic, places: list[str], year: int) -> str:
    # First mention spells the name out, as the validator asks of any acronym.
    # («CIJ A.C.» is written «(CIJ)»: the validator looks for the acronym itself in parentheses.)
    who = f"{body.name} ({body.acronym.split()[0]})" if body.acronym else body.name
    purpose = rng.choice(topic.purpose)
    who = f"{_article(body.name)}{who}"
    first = rng.choice((
        f"El programa tiene como propósito {purpose}.",
        f"Con este programa, {who} busca {purpose}.",
        f"Mediante esta iniciativa, {who} se propone {purpose}.",
        f"Se trata de una acción orientada a {purpose}.",
    ))

    a1, a2 = rng.sample(APPROACHES, 2)
    where = ", ".join(places[:-1]) + " y " + places[-1] if len(places) > 1 else places[0]
    more = (
        lambda: f"Opera mediante {rng.choice(MEANS)} y en coordinación con {rng.choice(PARTNERS)}.",
        lambda: f"Su diseño incorpora los enfoques de {a1} y {a2}.",
        lambda: f"Las actividades se concentran en {where}.",
        lambda: f"Desde {rng.randint(2008, year - 2)} se ha ido ampliando a nuevas sedes y a más personas usuarias.",
        lambda: f"El personal responsable recibe capacitación periódica en {a1}.",
        lambda: "La atención es gratuita y no depende de la situación migratoria de quien la solicita.",
        lambda: "Cada caso se registra en un expediente que permite dar seguimiento hasta su conclusión.",
        lambda: f"Para llegar a más personas se apoya en {rng.choice(MEANS)}.",
        lambda: f"Cuando hace falta, canaliza a las personas a servicios de {rng.choice(('salud', 'asesoría jurídica', 'albergue', 'educación', 'empleo'))}.",
        lambda: f"Los criterios de operación se revisan cada año con {rng.choice(PARTNERS)}.",
        lambda: f"Cuenta con {rng.randint(2, 40)} sedes y un equipo de {rng.randint(5, 120)} personas.",
        lambda: "La información se recaba con formatos que distinguen sexo, edad y nacionalidad.",
        lambda: f"Las reglas de operación se publicaron en {rng.randint(2015, year - 1)} y se han ajustado con la experiencia acumulada.",
        lambda: "La difusión se hace en redes sociales, radio comunitaria y carteles en espacios de paso.",
        lambda: f"Se da prioridad a {rng.choice(('mujeres embarazadas', 'niñas, niños y adolescentes', 'personas adultas mayores', 'personas con discapacidad', 'familias con hijos pequeños'))}.",
        lambda: "Las personas usuarias pueden presentar quejas o sugerencias por escrito o en línea.",
        lambda: f"El seguimiento de metas lo realiza un comité que sesiona {rng.choice(('cada mes', 'cada trimestre', 'dos veces al año'))}.",
        lambda: "Los materiales se traducen a lenguas indígenas y a otros idiomas cuando la población lo requiere.",
    )

    sentences = _fill_to(rng, _target(rng, LEN_DESCRIPTION), [first], more)
    # One to three paragraphs, as agencies write them (Alt+Enter between paragraphs).
    k = 1 if len(sentences) < 3 else rng.choice((1, 1, 2, 2, 3))
    cuts = sorted(rng.sample(range(1, len(sentences)), k - 1)) if k > 1 else []
    paragraphs, start = [], 0
    for c in [*cuts, len(sentences)]:
        paragraphs.append(" ".join(sentences[start:c]))
        start = c
    return _tidy("\n".join(paragraphs))


def _results(rng: random.Random, rows: list[dict[str, Any]], labels: list[Indicator], period: str) -> str:
    first: list[str] = []
    if rows:
        row, (_, unit, clause) = rows[0], labels[0]
        lead = rng.choice((f"Entre {period}, ", "Durante el periodo que se informa, ", "En el periodo, "))
        text = lead + clause.format(n=_fmt(row["total"]))
        if row.get("mujeres") is not None:
            parts = [f"{_fmt(row['mujeres'])} mujeres", f"{_fmt(row['hombres'])} hombres"]
            if row.get("no_binarias"):
                parts.append(f"{_fmt(row['no_binarias'])} personas no binarias")
            text += ": " + ", ".join(parts[:-1]) + " y " + parts[-1]
        first.append(text + ".")
        if row.get("nna") is not None:
            first.append(f"Del total, {_fmt(row['nna'])} eran niñas, niños o adolescentes y {_fmt(row['adultos'])} personas adultas.")
        for other_row, (_, _, other_clause) in zip(rows[1:], labels[1:]):
            if other_row.get("subgrupo_de") is None:
                first.append(_cap(other_clause.format(n=_fmt(other_row["total"]))) + ".")

    more = (
        lambda: f"Además, se sostuvieron {rng.randint(2, 40)} reuniones de coordinación con {rng.choice(PARTNERS)}.",
        lambda: f"La cobertura llegó a {rng.randint(3, 60)} municipios.",
        lambda: "Se actualizó el protocolo de atención y se difundió entre el personal operativo.",
        lambda: f"En las encuestas de salida, {rng.randint(80, 98)} de cada 100 personas calificaron el servicio como bueno o muy bueno.",
        lambda: f"Se incorporaron {rng.randint(2, 25)} personas al equipo de atención.",
        lambda: f"Se firmaron {rng.randint(2, 6)} convenios de colaboración con {rng.choice(PARTNERS)}.",
        lambda: f"El tiempo promedio de respuesta bajó a {rng.randint(2, 15)} días hábiles.",
        lambda: "Se publicó un informe con los principales hallazgos del periodo.",
        lambda: f"Se abrieron {rng.randint(2, 9)} puntos de atención nuevos.",
        lambda: f"Se impartieron {rng.randint(3, 80)} sesiones de capacitación al personal.",
        lambda: "Se elaboró una guía de atención que ya se usa en todas las sedes.",
        lambda: f"El presupuesto ejercido alcanzó {rng.randint(60, 100)} % de lo programado.",
    )

    return _tidy(" ".join(_fill_to(rng, _target(rng, LEN_RESULTS), first, more)))


def _challenge(rng: random.Random) -> str:
    first = rng.choice((
        f"Falta de {rng.choice(RESOURCES)} para {rng.choice(VERBS_SCOPE)}.",
        f"Contar con {rng.choice(RESOURCES)} en cantidad suficiente ante el aumento de la demanda.",
        f"Fortalecer la coordinación con {rng.choice(PARTNERS)}.",
        f"La rotación del personal dificulta {rng.choice(VERBS_SCOPE)}.",
        f"Mejorar el registro de la información desagregada por sexo y edad.",
        f"Los cambios en los flujos de personas obligan a reorganizar {rng.choice(('los turnos', 'las sedes', 'las rutas de atención'))}.",
        f"Asegurar la continuidad del programa en el siguiente ejercicio fiscal.",
    ))

    more = (
        lambda: f"Esto limita la posibilidad de {rng.choice(VERBS_SCOPE)} en {rng.choice(('las zonas más alejadas', 'los horarios nocturnos', 'temporada alta'))}.",
        lambda: f"Se buscará apoyo de {rng.choice(PARTNERS)} para atenderlo.",
        lambda: f"Sin {rng.choice(RESOURCES)}, parte de las solicitudes se atiende con retraso.",
        lambda: "El tema se planteó en las mesas de trabajo del periodo y sigue abierto.",
        lambda: "La demanda creció más rápido que la capacidad instalada.",
        lambda: f"En {rng.randint(2, 9)} sedes la conexión a internet es intermitente.",
        lambda: "Hace falta un mecanismo para compartir información entre las instituciones que atienden los mismos casos.",
    )

    text = " ".join(_fill_to(rng, _target(rng, LEN_CHALLENGE), [first], more))
    return text[:1000]


# --- figures -------------------------------------------------------------------


def _total(rng: random.Random, people: bool) -> int:
    # Log-uniform: most programs count hundreds or thousands, a few six figures.
    hi = 250_000 if people else 20_000
    return max(3, int(math.exp(rng.uniform(math.log(8), math.log(hi)))))


def _split(rng: random.Random, total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Split ``total`` into parts proportional to ``weights`` (each within its cap)."""
    caps = caps or [total] * len(weights)
    parts = [0] * len(weights)
    left = total
    open_ = [i for i, w in enumerate(weights) if w > 0 and caps[i] > 0]
    while left > 0 and open_:
        wsum = sum(weights[i] for i in open_)
        shares = {i: left * weights[i] / wsum for i in open_}
        for i in open_:
            parts[i] += min(caps[i] - parts[i], int(shares[i]))
        left = total - sum(parts)
        # Largest remainder for the rest, one unit each, within caps.
        for i in sorted(open_, key=lambda i: -(shares[i] - int(shares[i]))):
            if left and parts[i] < caps[i]:
                parts[i] += 1
                left -= 1
        open_ = [i for i in open_ if parts[i] < caps[i]]
    if left:
        raise ValueError("caps smaller than total")
    return parts


def _sex_parts(rng: random.Random, total: int, nonbinary: bool, unknown: bool) -> dict[str, int]:
    w = [rng.uniform(0.3, 0.7), 0.0, 0.0, 0.0]
    w[1] = 1 - w[0]
    if nonbinary:
        w[2] = rng.uniform(0.005, 0.03)
    if unknown:
        w[3] = rng.uniform(0.02, 0.15)
    parts = _split(rng, total, w)
    if nonbinary and parts[2] == 0 and total > 2:
        # A program that counts non-binary people reports at least one.
        larger = 0 if parts[0] >= parts[1] else 1
        parts[larger] -= 1
        parts[2] = 1
    out = {"mujeres": parts[0], "hombres": parts[1]}
    if nonbinary:
        out["no_binarias"] = parts[2]
    if unknown:
        out["sexo_sin_dato"] = parts[3]
    return out


def _age_parts(rng: random.Random, total: int, unknown: bool) -> dict[str, int]:
    w = [rng.uniform(0.1, 0.6), 0.0, rng.uniform(0.02, 0.1) if unknown else 0.0]
    w[1] = 1 - w[0]
    parts = _split(rng, total, w)
    out = {"nna": parts[0], "adultos": parts[1]}
    if unknown:
        out["edad_sin_dato"] = parts[2]
    return out


def _sub_row(rng: random.Random, parent: dict[str, Any], parent_no: int, label: str, only_nna: bool) -> dict[str, Any]:
    """A «de los cuales…» row: never above its parent, column by column."""
    base = parent["nna"] if only_nna and parent.get("nna") else parent["total"]
    total = max(1, int(base * rng.uniform(0.05, 0.6)))
    row: dict[str, Any] = {"indicador": _cap(label), "unidad": "personas", "total": total, "subgrupo_de": parent_no}
    sex_cols = [c for c in ("mujeres", "hombres", "no_binarias", "sexo_sin_dato") if parent.get(c) is not None]
    if sex_cols:
        caps = [parent[c] for c in sex_cols]
        for c, v in zip(sex_cols, _split(rng, total, [max(x, 0.001) for x in caps], caps)):
            row[c] = v
    if parent.get("nna") is not None:
        if only_nna:
            row |= {"nna": total, "adultos": 0}
            if parent.get("edad_sin_dato") is not None:
                row["edad_sin_dato"] = 0
        else:
            age_cols = [c for c in ("nna", "adultos", "edad_sin_dato") if parent.get(c) is not None]
            caps = [parent[c] for c in age_cols]
            for c, v in zip(age_cols, _split(rng, total, [max(x, 0.001) for x in caps], caps)):
                row[c] = v
    return row


# --- plan ------------------------------------------------------------------------


@dataclass
class Program:
    index: int
    body: Body
    objective: int
    data: ProgramData
    filename: str = ""
    features: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Planted:
    file: str
    code: str
    severity: str
    sheet: str | None
    cell: str | None
    planted: bool = True  # False: a natural occurrence (a program with no challenges)
    related: str | None = None  # the other file of a duplicate pair

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Generated:
    destination: Path
    files: list[Path]
    planted: list[Planted]
    programs: list[Program]


def apportion(n: int, weights: dict[Any, float], minimum: int = 0) -> dict[Any, int]:
    """Largest-remainder apportionment of ``n`` by ``weights``, each at least ``minimum``."""
    keys = list(weights)
    if n < minimum * len(keys):
        minimum = 0
    rest = n - minimum * len(keys)
    total = sum(weights.values())
    quotas = {k: rest * weights[k] / total for k in keys}
    out = {k: minimum + int(quotas[k]) for k in keys}
    for k in sorted(keys, key=lambda k: -(quotas[k] - int(quotas[k])))[: n - sum(out.values())]:
        out[k] += 1
    return out


def _quota(rng: random.Random, indices: list[int], share: float, at_least_one: bool) -> set[int]:
    k = round(share * len(indices))
    if at_least_one and share > 0 and indices:
        k = max(k, 1)
    return set(rng.sample(indices, min(k, len(indices))))


def _bodies_for(rng: random.Random, catalogs: Catalogs, sector: str, count: int) -> list[Body]:
    """Which body reports each program: a few bodies report many (Zipf-like)."""
    pool = [b for b in catalogs.bodies if b.sector == sector]
    if sector == "estatal":
        govs = [b for b in pool if b.id.startswith("gob-")]
        others = [b for b in pool if not b.id.startswith("gob-")]
        rng.shuffle(govs)
        # The 2025 edition had 18+ state governments reporting; small editions use fewer.
        n_states = min(MAX_STATES, max(1, count * 2 // 3))
        pool = govs[:min(len(govs), n_states)] + others
    else:
        pool = pool[:]
        rng.shuffle(pool)
    weights = [1 / (i + 1) ** 0.8 for i in range(len(pool))]
    chosen = list(pool[:count])  # each body of the pool reports at least once when possible
    chosen += rng.choices(pool, weights, k=count - len(chosen))
    rng.shuffle(chosen)
    return chosen


def _slug(text: str, limit: int = 40) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:limit].rstrip("-")


def _email(rng: random.Random, given: str, surname: str, body: Body) -> str:
    domain = (body.acronym or body.id).lower()
    domain = re.sub(r"[^a-z0-9]+", "", _slug(domain)) or "institucion"
    tld = "org.mx" if body.sector == "osc" else "gob.mx"
    user = _slug(given)[:1] + _slug(surname).replace("-", "")
    return f"{user}@{domain}.{tld}"


#: Fields this generator writes (or leaves blank on purpose) with its own vocabularies; the
#: identity and the reported period come with the template.
_OWN_VOCABULARY = frozenset({
    "institucion", "siglas", "sector", "entidad", "coautoras", "unidad_responsable", "nombre_programa",
    "objetivo_principal", "objetivo_secundario", "descripcion", "poblacion_objetivo", "fecha_inicio", "vigencia",
    "fecha_fin", "periodo_desde", "periodo_hasta", "resultados", "retos", "fuentes", "contacto_nombre",
    "contacto_cargo", "contacto_correo", "contacto_telefono"})


def plan(edition: Edition, catalogs: Catalogs, n: int, seed: int) -> list[Program]:
    """Decide every program of a synthetic edition (no files written)."""
    rng = random.Random(seed)
    per_sector = apportion(n, SECTOR_WEIGHTS, minimum=1 if n >= 6 else 0)
    bodies: list[Body] = []
    for sector in SECTOR_WEIGHTS:
        bodies += _bodies_for(rng, catalogs, sector, per_sector[sector])
    idx = list(range(n))
    show_all = n >= 20  # editions of 20+ programs show every feature at least once
    sex = _quota(rng, idx, SHARE_SEX, show_all)
    age = _quota(rng, idx, SHARE_AGE, show_all)
    sub = _quota(rng, idx, SHARE_SUBGROUP, show_all)
    nonbinary = _quota(rng, sorted(sex), SHARE_NONBINARY / SHARE_SEX, show_all)
    table = _quota(rng, idx, SHARE_TABLE, show_all)
    links = _quota(rng, idx, SHARE_LINKS, show_all)
    no_challenges = _quota(rng, idx, SHARE_NO_CHALLENGES, show_all)
    states = _state_names(catalogs)
    period = f"{_month(edition.period_from)} y {_month(edition.period_to)}"
    used_names: set[tuple[str, str]] = set()
    programs = []
    for i, body in enumerate(bodies):
        objective = rng.choices(range(1, 24), OBJECTIVE_WEIGHTS)[0]
        topic = TOPICS[objective]
        feats = {name for name, s in (("sexo", sex), ("edad", age), ("subgrupos", sub), ("no_binarias", nonbinary),
                                      ("tabla", table), ("enlaces", links), ("sin_retos", no_challenges)) if i in s}
        # Name: unique within the body.
        for _ in range(50):
            core = rng.choice(topic.names)
            # «Jornadas de jornadas…» reads badly: cores that already name a kind of action stand alone.
            name = _cap(core) if core.split()[0] in STANDALONE or rng.random() < 0.2 else f"{rng.choice(NAME_PREFIX)} {core}"
            if rng.random() < 0.6:
                name += f" {rng.choice(NAME_PLACE)}"
            if body.state and rng.random() < 0.5:
                name += f" en {catalogs.state(body.state).name}"
            elif rng.random() < 0.35:
                name += f" {rng.choice(NAME_SUFFIX)}"
            key = (body.id, name.casefold())
            if key not in used_names:
                break
            name = f"{name} ({rng.choice(states)})"
            key = (body.id, name.casefold())
            if key not in used_names:
                break
        used_names.add(key)
        if body.state:
            places = [catalogs.state(body.state).name]
        else:
            places = rng.sample(states, rng.choice((1, 2, 3)))
        rows, labels = _figures(rng, topic, feats)
        fields: dict[str, Any] = {
            "unidad_responsable": f"{rng.choice(UNIT_KIND)} {rng.choice(AREAS)}",
            "nombre_programa": name,
            "objetivo_principal": catalogs.objective(objective).label,
            "descripcion": _description(rng, body, topic, places, edition.year),
            "poblacion_objetivo": rng.choice(topic.population),
            "resultados": _results(rng, rows, labels, period),
            "retos": [] if "sin_retos" in feats else [
                _challenge(rng) for _ in range(rng.choices(list(CHALLENGE_COUNT_WEIGHTS), list(CHALLENGE_COUNT_WEIGHTS.values()))[0])],
        }
        if rng.random() < 0.3:
            others = [o for o in range(1, 24) if o != objective]
            fields["objetivo_secundario"] = [catalogs.objective(o).label for o in sorted(rng.sample(others, rng.choice((1, 1, 2, 3))))]
        if rng.random() < 0.1:
            partners = [b.acronym for b in catalogs.bodies if b.acronym and b.id != body.id and b.sector == "apf"]
            fields["coautoras"] = ", ".join(rng.sample(partners, rng.choice((1, 2))))
        start = dt.date(rng.randint(2005, edition.year - 1), rng.randint(1, 12), rng.randint(1, 28))
        start = min(start, edition.period_to - dt.timedelta(days=30))
        fields["fecha_inicio"] = start
        if rng.random() < 0.25:
            fields["vigencia"] = "Temporal"
            lo = max(start, edition.period_from) + dt.timedelta(days=1)
            fields["fecha_fin"] = lo + dt.timedelta(days=rng.randint(0, max(0, (edition.period_to - lo).days)))
            fields["periodo_hasta"] = fields["fecha_fin"]  # it reports up to the day it ended
        else:
            fields["vigencia"] = "Permanente"
        if start > edition.period_from and rng.random() < 0.5:
            fields["periodo_desde"] = start  # a program that began during the period reports from its start
        given, surname, surname2 = rng.choice(GIVEN), rng.choice(SURNAMES), rng.choice(SURNAMES)
        fields |= {
            "contacto_nombre": f"{given} {surname} {surname2}",
            "contacto_cargo": rng.choice(POSITIONS),
            "contacto_correo": _email(rng, given, surname, body),
            "contacto_telefono": f"55 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} ext. {rng.randint(100, 9999)}",
        }
        if "enlaces" in feats:
            site = (body.acronym or body.id).lower().replace(" ", "-")
            fields["fuentes"] = [f"https://www.gob.mx/{_slug(site)}/documentos/{_slug(name, 30)}"][: 1] + (
                [f"https://www.gob.mx/{_slug(site)}/prensa/informe-{edition.year}"] if rng.random() < 0.3 else [])
        for f in spec.PROGRAM_FIELDS:
            if f.id not in _OWN_VOCABULARY:
                # A field this generator has no words for gets one from its type and example, with a
                # generator of its own so the other programs' draws (and files) stay as they were.
                fields[f.id] = f.kind.sample(random.Random(f"{seed}:{i}:{f.id}"), f.example)
        data = ProgramData(fields=fields, cifras=rows)
        if "tabla" in feats:
            _table(rng, data, topic)
        programs.append(Program(i, body, objective, data, features=feats))
    for p in programs:
        p.filename = f"{p.index + 1:03d}-{_slug(p.body.acronym or p.body.id, 16)}-{_slug(p.data.fields['nombre_programa'], 40)}.xlsx"
    return programs


def _figures(rng: random.Random, topic: Topic, feats: set[str]) -> tuple[list[dict[str, Any]], list[Indicator]]:
    rows: list[dict[str, Any]] = []
    labels: list[Indicator] = []
    wants_people = bool(feats & {"sexo", "edad", "subgrupos"}) or rng.random() < 0.45
    if wants_people:
        label = rng.choice(topic.people)
        total = _total(rng, True)
        row: dict[str, Any] = {"indicador": label[0], "unidad": "personas", "total": total}
        if "sexo" in feats:
            row |= _sex_parts(rng, total, "no_binarias" in feats, rng.random() < 0.15)
        if "edad" in feats:
            row |= _age_parts(rng, total, rng.random() < 0.15)
        rows.append(row)
        labels.append(label)
        if "subgrupos" in feats:
            if rng.random() < 0.35 and total >= 10:
                # A complete split: the sub-group rows add up to the parent in every column.
                names = rng.choice(COMPLETE_SPLITS)
                share = rng.uniform(0.2, 0.8)
                parts = {}
                for col in ("total", "mujeres", "hombres", "no_binarias", "sexo_sin_dato", "nna", "adultos", "edad_sin_dato"):
                    if row.get(col) is not None:
                        parts[col] = row[col]
                first = {c: int(v * share) for c, v in parts.items()}
                # Keep the first child's breakdowns consistent with its own total.
                first["total"] = sum(first[c] for c in ("mujeres", "hombres", "no_binarias", "sexo_sin_dato") if c in first) \
                    if "mujeres" in first else first["total"]
                if "nna" in first:
                    age_cols = [c for c in ("nna", "adultos", "edad_sin_dato") if c in first]
                    caps = [parts[c] for c in age_cols]
                    for c, v in zip(age_cols, _split(rng, first["total"], [max(x, 0.001) for x in caps], caps)):
                        first[c] = v
                second = {c: parts[c] - first[c] for c in parts}
                row["subgrupos_completos"] = "Sí"
                for suffix, values in zip(names, (first, second)):
                    rows.append({"indicador": f"De las cuales, {suffix}", "unidad": "personas", "subgrupo_de": 1, **values})
                    labels.append((f"De las cuales, {suffix}", "personas", ""))
            else:
                label_text, only = rng.choice(SUBGROUPS)
                only_nna = only == "nna" and row.get("nna") is not None and row["nna"] > 0
                if only == "nna" and not only_nna:
                    label_text, only_nna = SUBGROUPS[1][0], False
                row["subgrupos_completos"] = "No"
                rows.append(_sub_row(rng, row, 1, label_text, only_nna))
                labels.append((label_text, "personas", ""))
    for label in rng.sample(topic.other, rng.choice((0, 1, 1, len(topic.other))) if topic.other else 0):
        rows.append({"indicador": label[0], "unidad": label[1], "total": _total(rng, False)})
        labels.append(label)
    return rows, labels


def _table(rng: random.Random, data: ProgramData, topic: Topic) -> None:
    countries = rng.sample(NATIONALITIES, rng.randint(3, 7))
    body = []
    tot_m = tot_h = 0
    for c in countries:
        m, h = rng.randint(5, 900), rng.randint(5, 900)
        tot_m, tot_h = tot_m + m, tot_h + h
        body.append([c, m, h, m + h])
    data.table_title = f"{_cap(rng.choice(topic.people)[0])} por país de nacionalidad"
    data.table_note = rng.choice(("Fuente: registros administrativos del programa.", "Cifras preliminares al cierre del periodo."))
    data.table_rows = [["País", "Mujeres", "Hombres", "Total"], *body, ["Total", tot_m, tot_h, tot_m + tot_h]]


# --- defects -------------------------------------------------------------------


def _plant(code: str, p: Program, programs: list[Program], edition: Edition,
           catalogs: Catalogs) -> tuple[list[Planted], Edition]:
    """Change ``p`` so it carries exactly the defect ``code``; return where it shows.

    A duplicate shows in both files of the pair (the validator cannot know
    which one is the mistake), so it yields two entries.
    """
    f, cif = p.data.fields, p.data.cifras
    where_edition = edition
    sheet, cell, related = g.PROGRAMA, None, None
    if code == "suma-no-cuadra":
        # A new row of its own, so no sub-group check is disturbed: 702 + 585 ≠ 1,250.
        cif.append({"indicador": TOPICS[p.objective].people[0][0], "unidad": "personas", "total": 1_250,
                    "mujeres": 702, "hombres": 585})
        sheet, cell = g.CIFRAS, f"{cifras_col('total')}{g.CIFRAS_FIRST_ROW + len(cif) - 1}"
    elif code == "campo-obligatorio":
        f["poblacion_objetivo"] = None
        cell = field_cell("poblacion_objetivo")
    elif code == "periodo-fuera-de-edicion":
        # Within ``validation.LATE_PERIOD_END``: later than that is another code (an error).
        f["periodo_hasta"] = edition.period_to + dt.timedelta(days=20)
        cell = field_cell("periodo_hasta")
    elif code == "programa-duplicado":
        original = next(q for q in programs if q is not p and q.body.id == p.body.id) \
            if any(q is not p and q.body.id == p.body.id for q in programs) else None
        if original is None:
            raise ValueError("no second program of the same body")
        # Same body, name and main objective: the same program (the same name under another objective is another).
        f["nombre_programa"] = original.data.fields["nombre_programa"]
        f["objetivo_principal"] = original.data.fields["objetivo_principal"]
        cell = field_cell("nombre_programa")
        related = original.filename
        # Sent again as a «corrected» copy: the usual way a duplicate arrives.
        p.filename = f"{p.index + 1:03d}-{original.filename[4:-5]}-corregido.xlsx"
    elif code == "edicion-distinta":
        where_edition = dataclasses.replace(edition, key=str(edition.year - 1))
        sheet, cell = g.SELLO, g.sello_cell("edicion")
    elif code == "subgrupo-excede":
        # A parent row and a «de las cuales» row larger than it, appended after the rest.
        cif.append({"indicador": TOPICS[p.objective].people[0][0], "unidad": "personas", "total": 480,
                    "subgrupos_completos": "No"})
        cif.append({"indicador": "De las cuales, personas solicitantes de refugio", "unidad": "personas",
                    "total": 600, "subgrupo_de": len(cif)})
        sheet, cell = g.CIFRAS, f"{cifras_col('total')}{g.CIFRAS_FIRST_ROW + len(cif) - 1}"
    elif code == "no-es-xlsx":
        sheet, cell = None, None
    elif code == "correo-invalido":
        f["contacto_correo"] = f["contacto_correo"].replace("@", " arroba ")
        cell = field_cell("contacto_correo")
    elif code == "valor-fuera-de-catalogo":
        f["objetivo_principal"] = "24. Promover la movilidad segura"
        cell = field_cell("objetivo_principal")
    elif code == "texto-de-relleno":
        f["resultados"] = PLACEHOLDER_TEXT
        cell = field_cell("resultados")
    elif code == "sin-retos":
        f["retos"] = []
        p.features.add("sin_retos")
        cell = field_cell("retos_1")
    else:
        raise ValueError(f"unknown defect {code}")
    kind = DEFECTS_BY_CODE[code]
    entries = [Planted(p.filename, code, kind.severity, sheet, cell, True, related)]
    if related and related > p.filename:
        # Found together in the folder, the pair is ordered by name: the later one counts and is flagged,
        # the earlier is «sustituido» (a note, not a planted defect).
        entries = [Planted(related, code, kind.severity, sheet, cell, True, p.filename)]
    return entries, where_edition


def _targets(rng: random.Random, programs: list[Program], defects: tuple[str, ...]) -> dict[int, str]:
    """One program per defect, taken from the large sectors so every sector keeps clean programs."""
    big = [p for p in programs if p.body.sector in ("apf", "estatal") and "sin_retos" not in p.features]
    if len(big) < len(defects) + 1:
        raise CompendioError(f"Para sembrar {len(defects)} errores hacen falta más programas (use al menos {4 * len(defects)}).")
    rng.shuffle(big)
    # Keep the rare features (a table, links, a non-binary count) in clean files.
    big.sort(key=lambda p: bool(p.features & {"tabla", "enlaces", "no_binarias"}))
    out: dict[int, str] = {}
    reserved: set[int] = set()  # the original of a duplicate stays clean
    by_body: dict[str, list[Program]] = {}
    for p in programs:
        by_body.setdefault(p.body.id, []).append(p)
    # The duplicate first: it needs a body with two programs, neither of them taken.
    for code in sorted(defects, key=lambda c: c != "programa-duplicado"):
        if code == "programa-duplicado":
            cand = next((p for p in big if len(by_body[p.body.id]) > 1), None)
            if cand is None:
                raise CompendioError("No hay dos programas de una misma institución para sembrar un duplicado; use más programas.")
            reserved |= {q.index for q in by_body[cand.body.id]}
        else:
            cand = next((p for p in big if p.index not in out and p.index not in reserved), None)
            if cand is None:
                raise CompendioError(f"Para sembrar {len(defects)} errores hacen falta más programas.")
        out[cand.index] = code
    return out


# --- writing -------------------------------------------------------------------


def _not_xlsx(p: Program) -> bytes:
    """What an agency sends when it exports the sheet as CSV and renames it."""
    lines = ["campo;valor"]
    for k, v in p.data.fields.items():
        if isinstance(v, list):
            v = " | ".join(str(x) for x in v)
        lines.append(f"{k};{'' if v is None else str(v).replace(chr(10), ' ')}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _fix_zip(path: Path, when: dt.date) -> None:
    """Make the file reproducible: fixed entry times and document dates."""
    stamp = dt.datetime.combine(when, dt.time(9, 0))
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with atomic_write(path) as tmp:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "docProps/core.xml":
                    data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + iso.encode() + rb"\g<2>", data)
                out = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
                out.compress_type = zipfile.ZIP_DEFLATED
                out.external_attr = info.external_attr
                dst.writestr(out, data)


def write_program(p: Program, edition: Edition, catalogs: Catalogs, path: Path, generated: dt.date) -> Path:
    wb = build_workbook(edition, catalogs, p.body)
    wb[g.SELLO][g.sello_cell("generado")] = generated.isoformat()
    wb.properties.created = dt.datetime.combine(generated, dt.time(9, 0))
    fill(wb, p.data)
    save(wb, path)
    _fix_zip(path, generated)
    return path


def generate(edition: Edition, catalogs: Catalogs, n: int, seed: int, destination: Path,
             defects: tuple[str, ...] = (), generated: dt.date | None = None, progress=None) -> Generated:
    """Write ``n`` filled workbooks (and, with defects, the list of what was planted)."""
    if n < 1:
        raise CompendioError("El número de programas debe ser al menos 1.")
    unknown = [d for d in defects if d not in DEFECTS_BY_CODE]
    if unknown:
        raise CompendioError(f"Errores desconocidos: {', '.join(unknown)}. Los válidos son: {', '.join(DEFECT_CODES)}.")
    generated = generated or dt.date.today()
    programs = plan(edition, catalogs, n, seed)
    planted: list[Planted] = []
    editions: dict[int, Edition] = {}
    targets: dict[int, str] = {}
    if defects:
        targets = _targets(random.Random(seed + 1), programs, tuple(defects))
        for index, code in targets.items():
            entries, ed = _plant(code, programs[index], programs, edition, catalogs)
            planted += entries
            editions[index] = ed
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    files = []
    for p in programs:
        path = destination / p.filename
        if targets.get(p.index) == "no-es-xlsx":
            write_bytes(path, _not_xlsx(p))
        else:
            write_program(p, editions.get(p.index, edition), catalogs, path, generated)
        files.append(path)
        if progress:
            progress()
    if defects:
        # The list is complete per code: programs born without challenges count too.
        planted += [Planted(p.filename, "sin-retos", DEFECTS_BY_CODE["sin-retos"].severity, g.PROGRAMA,
                            field_cell("retos_1"), planted=False)
                    for p in programs if "sin_retos" in p.features and targets.get(p.index) not in ("sin-retos", "no-es-xlsx")]
        planted.sort(key=lambda x: (x.file, x.code))
        write_planted(destination, edition, seed, n, planted, (*defects, "sin-retos"))
    return Generated(destination, files, planted, programs)


def write_planted(destination: Path, edition: Edition, seed: int, n: int, planted: list[Planted],
                  codes: tuple[str, ...]) -> Path:
    doc = {
        "edicion": edition.key,
        "semilla": seed,
        "programas": n,
        "nota": "Errores sembrados a propósito en estos reportes ficticios. Para cada código de «codigos» la "
                "lista está completa: la validación debe dar ese código en los archivos listados y en ningún otro. "
                "«planted»: false marca un programa que nació sin retos.",
        "codigos": {d.code: {"severidad": d.severity, "descripcion": d.description} for d in DEFECTS if d.code in codes},
        "sembrados": [x.as_dict() for x in planted],
    }
    return write_text(destination / PLANTED_FILE, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def read_planted(destination: Path) -> list[Planted]:
    doc = json.loads((Path(destination) / PLANTED_FILE).read_text(encoding="utf-8"))
    return [Planted(**x) for x in doc["sembrados"]]


# --- the bundled sample ----------------------------------------------------------


def ensure_sample(root: Path, catalogs: Catalogs) -> list[str]:
    """Create the sample edition's settings and submissions if they are missing.

    A fresh checkout has both committed; this covers an installed copy run from
    an empty folder. Existing files are never touched. Returns what was done.
    """
    from .. import settings

    done = []
    paths = settings.EditionPaths(Path(root), "muestra")
    if not paths.settings.exists():
        settings.init(Path(root), "muestra", 2026, sample=True)
        done.append(f"configuración de la edición de muestra creada en {paths.settings}")
    edition = settings.load(Path(root), "muestra")
    if not edition.sample:
        raise CompendioError(f"{paths.settings} no está marcada como muestra («muestra: true»); no se generan datos ficticios en ella.")
    if not any(paths.submissions.glob("*.xlsx")):
        result = generate(edition, catalogs, SAMPLE_PROGRAMS, SAMPLE_SEED, paths.submissions,
                          defects=SAMPLE_DEFECTS, generated=SAMPLE_GENERATED)
        done.append(f"{len(result.files)} reportes ficticios escritos en {paths.submissions}")
    return done


def check_destination(root: Path, edition: Edition, destination: Path | None) -> Path:
    """Where ``compendio generar`` may write: never a real edition's submissions, never over workbooks."""
    from .. import settings

    root = Path(root)
    if destination is None:
        if not edition.sample:
            raise CompendioError(
                f"La edición «{edition.key}» no es de muestra: los reportes ficticios no se escriben en "
                f"submissions/{edition.key}/. Use --destino con una carpeta aparte, o una edición con «muestra: true».")
        destination = edition.paths.submissions
    destination = Path(destination)
    subs = (root / "submissions").resolve()
    dest = destination.resolve()
    if dest == subs or subs in dest.parents:
        parts = dest.relative_to(subs).parts
        name = parts[0] if parts else ""
        sample = False
        if name and (root / settings.SETTINGS_DIR / f"{name}.yaml").exists():
            sample = settings.load(root, name).sample
        if not sample:
            raise CompendioError(
                f"{destination} está dentro de submissions/ y no es de una edición de muestra: ahí van reportes reales. "
                "Elija otra carpeta con --destino.")
    if destination.is_dir() and any(destination.glob("*.xlsx")):
        raise CompendioError(f"{destination} ya tiene libros .xlsx. Elija una carpeta vacía: los reportes ficticios "
                             "nunca reemplazan archivos.")
    return destination
