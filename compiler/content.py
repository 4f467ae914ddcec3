"""Content heuristics an editor would sign: acronyms never spelled out, results that say there are none.

Both read editable lists (CSV, opened with Excel by UPMRIP staff) from
``compiler/catalogs/``; an edition may keep its own copy under
``ediciones/<ed>/catalogos/`` (same name), as with the challenge themes:

* ``no_siglas.csv``: words written in capitals that are never acronyms
  (LLAMANDO, CASA, CON…), plus acronyms every reader knows (ONU, CURP…).
* ``sin_resultados.csv``: the phrasings agencies use to say there are no
  results, as regular expressions over the text without accents or capitals.

The functions are pure (text in, verdict out) so ``validation`` and the
labelled test set (``tests/data/contenido/``) run the very same rules.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from .catalogs import CATALOG_DIR, Catalogs
from .errors import CatalogError

NOT_ACRONYMS_FILE = "no_siglas.csv"
NO_RESULTS_FILE = "sin_resultados.csv"

#: A results text longer than this describes something, whatever phrase it contains.
NO_RESULTS_MAX_CHARS = 300
#: Share of capital letters above which a text is written in capitals and its words are not acronyms.
CAPITALS_TEXT_SHARE = 0.6
#: Consecutive words in capitals (connectors included) that make a title written in capitals.
CAPITALS_TITLE_WORDS = 3


def edition_catalog(name: str, edition=None) -> Path:
    """The edition's own copy of a catalog (``ediciones/<ed>/catalogos/<name>``), else the bundled one."""
    if edition is not None and getattr(edition, "paths", None) is not None:
        own = edition.paths.root / "ediciones" / edition.key / "catalogos" / name
        if own.exists():
            return own
    return CATALOG_DIR / name


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
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(text.split())


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
    path = edition_catalog(NO_RESULTS_FILE, edition)
    return _no_results_rules(path, path.stat().st_mtime if path.exists() else 0.0)


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
_CONNECTORS = frozenset("A Y E O U DE DEL LA LAS EL LOS EN CON POR PARA AL".split())
#: Parentheses or a «siglas» phrase that spell an acronym out.
_SPELLED = r"\(\s*{e}\s*[),;]|(?<![\w-]){e}\s*\(|siglas[^.)]{{0,40}}(?<![\w-]){e}(?![\w-])|{e}\s*[:=–—-]\s+[A-ZÁÉÍÓÚ][a-zá-ú]"


@lru_cache(maxsize=16)
def _not_acronyms(path: Path, mtime: float) -> frozenset[str]:
    return frozenset(r["palabra"].upper() for r in _csv_rows(path, ("palabra", "motivo")) if r["palabra"])


def not_acronyms(edition=None) -> frozenset[str]:
    path = edition_catalog(NOT_ACRONYMS_FILE, edition)
    return _not_acronyms(path, path.stat().st_mtime if path.exists() else 0.0)


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
        letters = [ch for ch in text if ch.isalpha()]
        if not letters or sum(ch.isupper() for ch in letters) > CAPITALS_TEXT_SHARE * len(letters):
            continue  # a text written in capitals: its words are not acronyms
        cleaned = DOTTED_ABBREVIATION.sub(lambda m: " " * len(m.group()), text)
        titles = _capital_titles(cleaned)
        for m in ACRONYM.finditer(cleaned):
            acr = m.group(1)
            core = acr.rstrip("+")
            if acr in seen or len(core) < 2 or _ROMAN.match(acr) or CALL_SIGN.match(acr):
                continue
            pieces = [p for p in re.split(r"[-+]", core.upper()) if p]
            if acr.upper() in known or core.upper() in known or (pieces and all(p in known for p in pieces)):
                continue
            if any(a <= m.start() and m.end() <= b for a, b in titles):
                continue
            if re.search(_SPELLED.format(e=re.escape(acr)), corpus):
                continue
            seen.add(acr)
            out.append((i, acr))
    return out
