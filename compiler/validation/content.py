"""Content heuristics an editor would sign: acronyms never spelled out, results that say there are none.

Both read editable lists (CSV, opened with Excel by UPMRIP staff) from
``compiler/catalogs/``; an edition may keep its own copy under
``ediciones/<ed>/catalogos/`` (same name), as with the challenge themes:

* ``no_siglas.csv``: words written in capitals that are never acronyms
  (LLAMANDO, CASA, CON…), plus acronyms every reader knows (ONU, CURP…).
* ``sin_resultados.csv``: the phrasings agencies use to say there are no
  results, as regular expressions over the text without accents or capitals.

The rules are pure functions (text in, verdict out) so the checks below
(``_check_*``, applied to a submission: placeholders, no challenges, results
that say there are none, acronyms, last year's text copied) and the labelled
test set (``tests/data/contenido/``) run the very same rules.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from .. import spec
from ..catalogs import CATALOG_DIR, Catalogs
from ..errors import CatalogError
from ..model import Cell, normalise, unaccented
from ..spec import Field
from .context import _Context, _by_identity, _label

NOT_ACRONYMS_FILE = "no_siglas.csv"
NO_RESULTS_FILE = "sin_resultados.csv"

#: A results text longer than this describes something, whatever phrase it contains.
NO_RESULTS_MAX_CHARS = 300
#: Share of capital letters above which a text is written in capitals and its words are not acronyms.
CAPITALS_TEXT_SHARE = 0.6
#: Consecutive words in capitals (connectors included) that make a title written in capitals.
CAPITALS_TITLE_WORDS = 3


def edition_catalog(name: str, edition=None) -> tuple[Path, float]:
    """The edition's own copy of a catalog (``ediciones/<ed>/catalogos/<name>``), else the bundled
    one, with its modification time (0 if it is missing): asked for every file checked, so that an
    edited list is read again, it costs one or two ``stat``."""
    places = _places(edition.paths.root, edition.key, name) if getattr(edition, "paths", None) else _places(None, "", name)
    for path in places:
        try:
            return path, os.stat(path).st_mtime
        except OSError:
            pass
    return places[-1], 0.0


@lru_cache(maxsize=32)
def _places(root: Path | None, key: str, name: str) -> tuple[Path, ...]:
    """Where a catalog is looked for, in order: the edition's own copy (with a root), the bundled one."""
    own = (root / "ediciones" / key / "catalogos" / name,) if root is not None else ()
    return (*own, CATALOG_DIR / name)


def _csv_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(fh)]
    except FileNotFoundError:
        raise CatalogError(f"No se encontró el catálogo {path}. Reinstale el programa o restaure el archivo.") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CatalogError(f"El catálogo {path} no se pudo leer ({exc}). Guárdelo como «CSV UTF-8».") from None
    if rows and any(c not in rows[0] for c in columns):
        raise CatalogError(f"El catálogo {path} debe tener las columnas {', '.join(columns)}.")
    return rows


def plain(text: str) -> str:
    """Lower case, no accents, one space between words (punctuation kept, unlike ``model.normalise``)."""
    return " ".join(unaccented(str(text)).lower().split())


# --- results that say there are none ----------------------------------------------------------

@dataclass(frozen=True)
class NoResultsRule:
    family: str
    pattern: re.Pattern
    example: str


@lru_cache(maxsize=16)
def _no_results_rules(path: Path, mtime: float) -> tuple[NoResultsRule, ...]:
    out = []
    for i, r in enumerate(_csv_rows(path, ("familia", "patron", "ejemplo")), start=2):
        try:
            out.append(NoResultsRule(r["familia"], re.compile(r["patron"]), r["ejemplo"]))
        except re.error as exc:
            raise CatalogError(f"{path}, fila {i}: el patrón «{r['patron']}» no es válido ({exc}).") from None
    return tuple(out)


def no_results_rules(edition=None) -> tuple[NoResultsRule, ...]:
    return _no_results_rules(*edition_catalog(NO_RESULTS_FILE, edition))


#: Figures that are not results: years, dates, ordinals of a period.
_NOT_A_RESULT_NUMBER = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2} de [a-z]+\b")


def says_no_results(text: str, rules: Iterable[NoResultsRule]) -> NoResultsRule | None:
    """The rule by which a results text says there are none, or None.

    A text fires only when it is short (``NO_RESULTS_MAX_CHARS``) and gives no
    figure other than a year or a date: «No se reportaron incidentes; se atendió
    a 412 personas» reports results, whatever phrase it contains.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > NO_RESULTS_MAX_CHARS:
        return None
    p = plain(text)
    if re.search(r"\d", _NOT_A_RESULT_NUMBER.sub(" ", p)):
        return None
    return next((r for r in rules if r.pattern.search(p)), None)


# --- acronyms ------------------------------------------------------------------------------------

ACRONYM = re.compile(r"(?<![\w-])([A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ0-9]*[A-ZÁÉÍÓÚÑ](?:[-+][A-Z0-9]+)?\+?)(?![\w-])")
_ROMAN = re.compile(r"^[IVXLCDM]+$")
#: Radio and television call signs (XEPET, XHUAR-FM): stations, not acronyms to spell out.
CALL_SIGN = re.compile(r"^X[EHR][A-Z]{1,5}(?:-(?:AM|FM|TV|TDT))?$")
#: Spanish abbreviations with dots: doubled letters for plurals (DD. HH., EE. UU., FF. AA.) and
#: dotted initials (S. A. de C. V., A. C., I. A. P.). Removed before looking for acronyms.
DOTTED_ABBREVIATION = re.compile(r"(?<![\w.])(?:[A-ZÁÉÍÓÚÑ]{1,2}\.\s?){2,}|(?<![\w.])[A-Z]\.\s?[A-Z]\.")
#: What every match of ``DOTTED_ABBREVIATION`` holds: a text without it (most) needs no substitution.
_CAPITAL_DOT = re.compile(r"[A-ZÁÉÍÓÚÑ]\.")
_CONNECTORS = frozenset("A Y E O U DE DEL LA LAS EL LOS EN CON POR PARA AL".split())
#: Parentheses or a «siglas» phrase that spell an acronym out.
_SPELLED = r"\(\s*{e}\s*[),;]|(?<![\w-]){e}\s*\(|siglas[^.)]{{0,40}}(?<![\w-]){e}(?![\w-])|{e}\s*[:=–—-]\s+[A-ZÁÉÍÓÚ][a-zá-ú]"


@lru_cache(maxsize=16)
def _not_acronyms(path: Path, mtime: float) -> frozenset[str]:
    return frozenset(r["palabra"].upper() for r in _csv_rows(path, ("palabra", "motivo")) if r["palabra"])


def not_acronyms(edition=None) -> frozenset[str]:
    return _not_acronyms(*edition_catalog(NOT_ACRONYMS_FILE, edition))


def _parts(acronym: str) -> set[str]:
    """«IMSS-BIENESTAR» is known as a whole and by each part; «CIJ A.C.» as «CIJ»."""
    a = acronym.upper().strip()
    out = {a, a.split()[0]} if a else set()
    out |= {p for p in re.split(r"[-–/\s]+", a) if len(p) > 1}
    return out


def registry_acronyms(catalogs: Catalogs) -> frozenset[str]:
    """Acronyms the registry spells out: every body's acronym and its parts, words in capitals of
    the names (the «DIF» of «Sistema Nacional DIF»), and the states' abbreviations."""
    out: set[str] = set()
    for b in catalogs.bodies:
        out |= _parts(b.acronym)
        out |= {w for w in re.findall(r"[A-ZÁÉÍÓÚÑ]{2,}", b.name)}
    out |= {s.abbreviation.upper() for s in catalogs.states}
    return frozenset(out)


def _capital_titles(text: str) -> set[tuple[int, int]]:
    """Spans of runs of ``CAPITALS_TITLE_WORDS`` or more words in capitals (a name written in capitals)."""
    spans = []
    words = list(re.finditer(r"[A-ZÁÉÍÓÚÑa-záéíóúñü0-9]+", text))
    run: list[re.Match] = []

    def close():
        if len(run) >= CAPITALS_TITLE_WORDS and sum(len(w.group()) >= 3 and w.group() not in _CONNECTORS
                                                      for w in run) >= 2:
            spans.append((run[0].start(), run[-1].end()))

    for w in words:
        token = w.group()
        gap = text[run[-1].end():w.start()] if run else " "
        if token.isupper() and re.fullmatch(r"[\s,«»\"“”'-]*", gap):
            run.append(w)
        else:
            close()
            run = [w] if token.isupper() else []
    close()
    return set(spans)


def undefined_acronyms(texts: Iterable[str], corpus: str, known: frozenset[str] | set[str]) -> list[tuple[int, str]]:
    """(index of the text, acronym) for each acronym first seen in ``texts`` and never spelled out.

    ``corpus`` is everything the program says (any field, any sheet): an acronym
    spelled out anywhere in it, «Nombre (SIGLA)», «SIGLA (Nombre)», «por sus
    siglas SIGLA» or «SIGLA: Nombre», is defined.
    """
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, text in enumerate(texts):
        text = str(text)
        letters = sum(map(str.isalpha, text))
        # Capitals among the letters are at most the capitals in the text: counted among the letters
        # only when that bound does not already settle it.
        if not letters or (sum(map(str.isupper, text)) > CAPITALS_TEXT_SHARE * letters and
                           sum(map(str.isupper, filter(str.isalpha, text))) > CAPITALS_TEXT_SHARE * letters):
            continue  # a text written in capitals: its words are not acronyms
        cleaned = DOTTED_ABBREVIATION.sub(lambda m: " " * len(m.group()), text) if _CAPITAL_DOT.search(text) else text
        titles = None  # found only for a text with an acronym to judge (most have none)
        for m in ACRONYM.finditer(cleaned):
            acr = m.group(1)
            core = acr.rstrip("+")
            if acr in seen or len(core) < 2 or _ROMAN.match(acr) or CALL_SIGN.match(acr):
                continue
            pieces = [p for p in re.split(r"[-+]", core.upper()) if p]
            if acr.upper() in known or core.upper() in known or (pieces and all(p in known for p in pieces)):
                continue
            if titles is None:
                titles = _capital_titles(cleaned)
            if any(a <= m.start() and m.end() <= b for a, b in titles):
                continue
            if re.search(_SPELLED.format(e=re.escape(acr)), corpus):
                continue
            seen.add(acr)
            out.append((i, acr))
    return out


# --- applied to a submission --------------------------------------------------

_PLACEHOLDERS = {normalise(x) for x in (
    "n/a", "na", "n.a.", "n/d", "nd", "no aplica", "pendiente", "por definir", "por confirmar", "por llenar",
    "tbd", "xx", "-", "--", "---", ".", "..", "...", "?", "prueba", "test", "texto", "sin información",
    "sin informacion", "s/i", "ninguno", "ninguna", "0")}
_PLACEHOLDER_INSIDE = re.compile(r"lorem ipsum|\bx{3,}\b|\[(?:pendiente|completar|llenar)[^\]]*\]|\bpor llenar\b",
                                 re.IGNORECASE)
#: A piece of each alternative of ``_PLACEHOLDER_INSIDE`` (keep them in step), looked for in the
#: lowered text before the pattern, much slower, is run over it: most texts hold none.
_PLACEHOLDER_PIECES = ("lorem", "xxx", "[", "llenar")
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


@_by_identity  # an lru_cache hashed every field of the spec for every file
def _examples(fields: tuple[Field, ...]) -> dict[str, str]:
    """The template's worked example of each long free-text field, normalised."""
    return {f.id: normalise(f.example) for f in fields
            if isinstance(f.example, str) and f.type == "longtext" and len(f.example) >= EXAMPLE_MIN_CHARS}


def _check_placeholders(ctx: _Context, texts: list[tuple[str, str, Cell]]) -> None:
    examples = _examples(spec.PROGRAM_FIELDS)
    for fid, label, cell in texts:
        text = str(cell.value).strip()
        key, lowered = normalise(text), text.lower()
        origin = ""
        if key in _PLACEHOLDERS or (not key and text):
            if key in _PLACEHOLDER_OK.get(fid, ()):
                continue
        elif any(piece in lowered for piece in _PLACEHOLDER_PIECES) and _PLACEHOLDER_INSIDE.search(text):
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
    if isinstance(res, str) and says_no_results(res.strip(), no_results_rules(ctx.edition)):
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
    return registry_acronyms(catalogs)


def _check_acronyms(ctx: _Context, texts: list[tuple[str, str, Cell]]) -> None:
    sub = ctx.sub
    known = set(_registry_acronyms(ctx.catalogs)) | not_acronyms(ctx.edition)
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
    for i, acr in undefined_acronyms([t for _, t in checked], corpus, known):
        ctx.add("siglas-sin-definir", checked[i][0], acr, siglas=acr)


#: Fields whose capitals are not prose: addresses, names of people, sources.
_NO_ACRONYM_FIELDS = ("contacto_correo", "fuentes", "contacto_telefono", "contacto_nombre", "contacto_cargo")


def _check_previous_edition(ctx: _Context) -> None:
    """A continuing program whose results or figures are last year's, copied unchanged."""
    from .. import yearly

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
