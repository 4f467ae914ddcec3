"""Import a published Compendio (its text) into the open-data tables ``compile`` writes.

The first year the tool is used, the previous edition exists only as a
publication. ``parse`` reads its text (``pdftotext -layout`` output or the
plain text of ``../shared/reference``) with a line-by-line state machine:

    CAPÍTULO n → chapter title → OBJETIVO n → objective title →
    «n. NOMBRE – INSTITUCIÓN.» → description → RESULTADOS → RETOS (bullets)

Every body line ends up in exactly one place (a program's description,
results, challenges or sources, a chapter or objective title, the closing
text) or in ``unplaced`` with its reason. What the source gets wrong is not
repaired silently: each defect becomes an ``Inconsistency`` for the report
(introduction's counts against the body, headings with another separator,
an objective printed with the wrong number, glossary gaps…).

``to_submissions`` turns the programs into ``Submission`` values whose cells
point at their source line («línea 123»), so ``opendata.build`` writes the
very same tables as ``compile``; ``write`` adds the chapter, printed number
and line columns and the Spanish report (``importacion.txt``/``.json``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from . import opendata
from .atomic import write_text
from .catalogs import Body, Catalogs
from .errors import CompendioError
from .model import Cell, Indicator, Submission, normalise
from .settings import Edition
from .spec import Stamp

SOURCE_SHEET = "texto"
REPORT_TXT = "importacion.txt"
REPORT_JSON = "importacion.json"

_CHAPTER = re.compile(r"^CAP[IÍ]TULO\s+(\d+)\s*$")
_OBJECTIVE = re.compile(r"^OBJETIVO\s+(\d+)\b(.*)$")
_NUMBERED = re.compile(r"^(\d{1,3})\.\s*(.+)$")
_BULLET = re.compile(r"^\s*(?:-\s*)?[»•›]\s*|^\s*-\s+")
_RESULTS = {"RESULTADOS", "RESULTADO"}
_CHALLENGES = {"RETOS", "RETO"}
_PROPER_SEPARATOR = " – "
# The last dash with a space on at least one side splits «NAME – BODY».
_SEPARATOR = re.compile(r"(?:\s[–-]\s?|[–-]\s)")
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)"
_PARTS = {
    "mujeres": re.compile(_NUMBER + r"\s+(?:de\s+ellas\s+)?(?:son\s+)?(?:mujeres|niñas)\b", re.I),
    "hombres": re.compile(_NUMBER + r"\s+(?:de\s+ellos\s+)?(?:son\s+)?(?:hombres|niños)\b", re.I),
    "no_binarias": re.compile(_NUMBER + r"\s+(?:personas\s+)?no\s+binari[ao]s\b", re.I),
}


# --- what the parser finds ---------------------------------------------------------

@dataclass
class Program:
    chapter: int
    sector: str  # sector key
    objective: int  # as placed (the title wins over a misprinted number)
    number: int  # as printed
    line: int
    name: str
    author: str  # institution as printed in the heading
    separator: str
    body: Body | None = None
    state: str | None = None  # state name for the state chapter
    description: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    challenges: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # first line of each part

    @property
    def institution(self) -> str:
        """The registry's name when matched (so next year's key matches), else as printed."""
        return self.body.name if self.body else self.author


@dataclass
class Inconsistency:
    code: str
    line: int | None
    message: str


@dataclass
class Unplaced:
    line: int
    text: str
    reason: str


@dataclass
class ImportResult:
    source: str
    programs: list[Program]
    inconsistencies: list[Inconsistency]
    unplaced: list[Unplaced]
    closing: list[int]  # lines of the closing text
    claimed: dict[str, int]
    unmatched: dict[str, list[int]]  # institution as printed → heading lines

    def per_chapter(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for p in self.programs:
            out[p.chapter] = out.get(p.chapter, 0) + 1
        return dict(sorted(out.items()))


# --- reading the source ---------------------------------------------------------------

def read_text(path: Path) -> str:
    """The text of a published edition: a .txt as is, a .pdf through ``pdftotext -layout``."""
    path = Path(path)
    if not path.is_file():
        raise CompendioError(f"No existe el archivo {path}. Indique el texto (.txt) o el PDF del Compendio publicado.")
    if path.suffix.lower() == ".pdf":
        exe = shutil.which("pdftotext")
        if exe is None:
            raise CompendioError(
                "Para importar un PDF se necesita «pdftotext» (paquete poppler-utils). Instálelo, o conviértalo a "
                f"texto y use el .txt: pdftotext -layout {path} compendio.txt")
        try:
            done = subprocess.run([exe, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CompendioError(f"No se pudo convertir {path} a texto ({exc}).") from None
        if done.returncode != 0:
            raise CompendioError(f"pdftotext no pudo leer {path}: {done.stderr.decode('utf-8', 'replace').strip()}")
        return _from_layout(done.stdout.decode("utf-8", "replace"))
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return path.read_text(encoding="latin-1")
    except OSError as exc:
        raise CompendioError(f"No se pudo leer {path} ({exc.strerror}).") from None


def _from_layout(text: str) -> str:
    """``pdftotext -layout`` output → one paragraph per line, like the reference text.

    Page breaks become blank lines and a paragraph's wrapped lines are joined,
    so the same state machine reads both forms.
    """
    out: list[str] = []
    for raw in text.replace("\f", "\n\n").split("\n"):
        line = " ".join(raw.split())
        if not line:
            out.append("")
            continue
        starts_new = (not out or not out[-1] or _CHAPTER.match(line) or _OBJECTIVE.match(line)
                      or _NUMBERED.match(line) or _BULLET.match(line) or line in _RESULTS | _CHALLENGES
                      or out[-1] in _RESULTS | _CHALLENGES)
        if starts_new:
            out.append(line)
        else:
            out[-1] += " " + line
    return "\n".join(out)


def _upper_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 6 else 0.0


def _is_heading_text(text: str) -> bool:
    return _upper_ratio(text) >= 0.85 and not text.lstrip("<").lower().startswith(("http", "www"))


def _split_heading(text: str) -> tuple[str, str, str]:
    """(program name, institution, separator as printed); institution empty when there is none."""
    text = text.strip().strip("*").strip()
    matches = list(_SEPARATOR.finditer(text))
    for m in reversed(matches):
        tail = text[m.end():].strip()
        letters = [c for c in tail if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) / len(letters) >= 0.85:
            name = text[:m.start()].strip().rstrip(".,").strip()
            return name, tail.rstrip(".").strip(), m.group(0)
    return text.rstrip(".").strip(), "", ""


# --- the parser ------------------------------------------------------------------------

@dataclass
class _State:
    chapter: int = 0
    sector: str = ""
    objective: int = 0
    expecting: str = ""  # "chapter-title" / "objective-title"
    program: Program | None = None
    part: str = ""  # description / results / challenges
    footnote: int = 1
    printed_objective: int = 0


def _body_range(lines: list[str]) -> tuple[int, int]:
    """(first, end) line indexes of the body: from the chapter after the introduction to the annexes."""
    intro = next((i for i, l in enumerate(lines) if l.strip() == "INTRODUCCIÓN"), None)
    start_from = intro if intro is not None else 0
    first = next((i for i in range(start_from, len(lines)) if _CHAPTER.match(lines[i].strip())), None)
    if first is None:
        raise CompendioError("El texto no tiene ningún «CAPÍTULO» después de la introducción: no parece un Compendio.")
    end = next((i for i in range(first, len(lines)) if "".join(lines[i].split()) == "ANEXOS"), len(lines))
    return first, end


def _claimed(lines: list[str], first: int) -> dict[str, int]:
    intro = " ".join(lines[:first])
    out = {}
    m = re.search(r"documentaron\s+" + _NUMBER + r"\s+programas", intro)
    if m:
        out["programas"] = int(m.group(1).replace(",", ""))
    m = re.search(_NUMBER + r"\s+instancias\s+y\s+" + _NUMBER + r"\s+gobiernos\s+estatales", intro)
    if m:
        out["instancias"] = int(m.group(1).replace(",", ""))
        out["gobiernos_estatales"] = int(m.group(2).replace(",", ""))
    return out


def _objective_by_title(text: str, catalogs: Catalogs) -> tuple[int | None, bool]:
    """(objective number, exact?) of an objective title; a near miss (a typo) still names its objective."""
    import difflib

    key = normalise(text)
    best, ratio = None, 0.0
    for o in catalogs.objectives:
        r = difflib.SequenceMatcher(None, key, normalise(o.title)).ratio()
        if r > ratio:
            best, ratio = o.number, r
    if ratio == 1.0:
        return best, True
    return (best, False) if ratio >= 0.9 else (None, False)


def _sector_of(chapter: int, title: str, catalogs: Catalogs) -> str:
    key = normalise(title)
    for s in catalogs.sectors:
        if key and key in (normalise(s.chapter_title), normalise(s.name)):
            return s.key
    return next((s.key for s in catalogs.sectors if s.order == chapter), "")


_LEGAL_SUFFIX = re.compile(r"\s+(?:a\s*c|i\s*a\s*p|s\s*c)$")


def _bare(text: str) -> str:
    """Normalised name without a legal-form suffix (A.C., I.A.P.), for comparing organisations."""
    return _LEGAL_SUFFIX.sub("", normalise(text))


def match_body(author: str, sector: str, catalogs: Catalogs) -> tuple[Body | None, str | None]:
    """The registry body named by a heading's institution part, and the state for the state chapter.

    Tried in order: the text as printed, the acronym in its last parentheses, the name before them,
    the first author of a joint program («SRE/AMEXCID»), each word of the parentheses (an acronym
    written inside «ALBERGUE CAFEMIN»); names compare without accents, case or legal form, acronyms
    also without spaces («CON SAR»).
    """
    text = author.strip().strip("”“\"").strip()
    state = next((s for s in catalogs.states if normalise(s.name) == normalise(text)), None)
    if sector == "estatal" and state is not None:
        gov = next((b for b in catalogs.bodies if b.sector == "estatal" and b.state == state.key and not b.parent
                    and b.id.startswith("gob-")), None)
        return gov, state.name
    candidates = [text]
    m = re.match(r"^(.*?)\s*\(([^()]+)\)\s*$", text)
    if m:
        candidates += [m.group(2), m.group(1)]
    if "/" in text:
        first, rest = text.split("/", 1)
        candidates += [first, rest, *rest.split()]
    if m:
        candidates += m.group(2).split()
    names = {_bare(b.name): b for b in catalogs.bodies}
    names |= {_bare(b.label): b for b in catalogs.bodies}
    acronyms = {normalise(b.acronym).replace(" ", ""): b for b in catalogs.bodies if b.acronym}
    for c in candidates:
        c = c.strip().rstrip(".")
        if not c:
            continue
        b = catalogs.body_by_name(c) or names.get(_bare(c)) or acronyms.get(normalise(c).replace(" ", ""))
        if b is not None:
            return b, catalogs.state(b.state).name if b.state else None
    return None, None


def _figures(program: Program, text: str, line: int) -> None:
    """A figure where a sentence states a total and its parts by sex that add up to it."""
    for sentence in re.split(r"(?<=[.;])\s+", text):
        parts = {}
        for key, rx in _PARTS.items():
            found = rx.findall(sentence)
            if len(found) == 1:
                parts[key] = int(found[0].replace(",", ""))
        if "mujeres" not in parts or "hombres" not in parts:
            continue
        total = sum(parts.values())
        numbers = {int(x.replace(",", "")) for x in re.findall(_NUMBER, sentence)}
        if total not in numbers - set(parts.values()):
            continue
        indicator = " ".join(sentence.split())
        if len(indicator) > 300:
            indicator = indicator[:297].rsplit(" ", 1)[0] + "…"
        program.figures.append({"indicador": indicator, "unidad": "personas", "total": total, **parts,
                                "linea": line})


def parse(text: str, catalogs: Catalogs, source: str = "") -> ImportResult:
    lines = text.split("\n")
    first, end = _body_range(lines)
    claimed = _claimed(lines, first)
    st = _State()
    programs: list[Program] = []
    issues: list[Inconsistency] = []
    unplaced: list[Unplaced] = []
    closing: list[int] = []

    def close_program() -> None:
        p = st.program
        if p is None:
            return
        if not p.results:
            issues.append(Inconsistency("sin-resultados", p.line,
                                        f"El programa {p.number} del objetivo {p.objective} no tiene la sección RESULTADOS."))
        st.program = None

    for idx in range(first, end):
        n = idx + 1
        raw = lines[idx]
        line = raw.strip()
        if not line:
            continue
        m = _CHAPTER.match(line)
        if m:
            close_program()
            st.chapter, st.objective, st.expecting, st.part = int(m.group(1)), 0, "chapter-title", ""
            st.sector = next((s.key for s in catalogs.sectors if s.order == st.chapter), "")
            chapter_title: list[str] = []
            continue
        m = _OBJECTIVE.match(line)
        if m:
            close_program()
            st.printed_objective = int(m.group(1))
            st.objective = st.printed_objective
            st.part = ""
            rest = m.group(2)
            if st.expecting == "chapter-title":
                st.sector = _sector_of(st.chapter, " ".join(chapter_title), catalogs) or st.sector
            if rest.strip():
                # «OBJETIVO 7**Título****1. PROGRAMA – INST.**»: title and heading glued on one line.
                pieces = [x.strip() for x in rest.split("**") if x.strip()]
                issues.append(Inconsistency("lineas-unidas", n, "El encabezado del objetivo, su título y el primer "
                                                                "programa están en una sola línea (con marcas «**»)."))
                st.expecting = ""
                if pieces:
                    _objective_title(pieces[0], n, st, catalogs, issues)
                for piece in pieces[1:]:
                    hm = _NUMBERED.match(piece)
                    if hm and _is_heading_text(hm.group(2)):
                        _new_program(hm, n, st, programs, issues, catalogs)
                    else:
                        unplaced.append(Unplaced(n, piece, "texto unido al encabezado de un objetivo"))
                continue
            st.expecting = "objective-title"
            continue
        if st.expecting == "chapter-title":
            if len(line) <= 80 and len(chapter_title) < 4:
                chapter_title.append(line)
            else:
                unplaced.append(Unplaced(n, line, "texto entre el título del capítulo y su primer objetivo"))
            continue
        if st.expecting == "objective-title":
            _objective_title(line, n, st, catalogs, issues)
            st.expecting = ""
            continue
        if st.chapter == 0 or st.objective == 0:
            unplaced.append(Unplaced(n, line, "texto antes del primer objetivo del capítulo"))
            continue
        m = _NUMBERED.match(line)
        if m and _is_heading_text(m.group(2)):
            close_program()
            _new_program(m, n, st, programs, issues, catalogs)
            continue
        if m and int(m.group(1)) == st.footnote and st.program is not None:
            st.program.sources.append(m.group(2).strip())
            st.program.lines.setdefault("fuentes", n)
            st.footnote += 1
            continue
        if st.program is None:
            unplaced.append(Unplaced(n, line, "texto después del título del objetivo y antes de su primer programa"))
            continue
        p = st.program
        if line in _RESULTS:
            if line != "RESULTADOS":
                issues.append(Inconsistency("seccion-singular", n, f"Sección escrita «{line}» en lugar de «RESULTADOS»."))
            st.part = "results"
            p.lines.setdefault("resultados", n)
            continue
        if line in _CHALLENGES:
            if line != "RETOS":
                issues.append(Inconsistency("seccion-singular", n, f"Sección escrita «{line}» en lugar de «RETOS»."))
            st.part = "challenges"
            p.lines.setdefault("retos", n)
            continue
        if st.part == "challenges":
            if _BULLET.match(line):
                p.challenges.append(_BULLET.sub("", line, count=1).strip())
            elif p.challenges and line[:1].islower():
                p.challenges[-1] += " " + line  # a page break cut the challenge
            elif p.challenges:
                # A paragraph after the last challenge: the closing text if no program follows.
                closing.append(n)
            else:
                p.challenges.append(line)
            continue
        if st.part == "results":
            p.results.append(line)
            _figures(p, line, n)
        else:
            p.description.append(line)
            p.lines.setdefault("descripcion", n)
    close_program()

    # Paragraphs taken as closing text are the closing only after the last program; before that
    # they are challenges written without a bullet.
    last_line = programs[-1].line if programs else 0
    real_closing = []
    for n in closing:
        owner = max((p for p in programs if p.line < n), key=lambda p: p.line, default=None)
        if owner is not None and owner.line == last_line:
            real_closing.append(n)
        elif owner is not None:
            owner.challenges.append(lines[n - 1].strip())
    issues.extend(_numbering(programs))
    issues.extend(_duplicates(programs))
    unmatched: dict[str, list[int]] = {}
    for p in programs:
        if p.body is None:
            unmatched.setdefault(p.author or "(sin institución)", []).append(p.line)
    issues.extend(_claims(claimed, programs))
    issues.extend(_glossary(lines[end:], programs))
    return ImportResult(source, programs, issues, unplaced, real_closing, claimed, unmatched)


def _objective_title(text: str, n: int, st: _State, catalogs: Catalogs, issues: list[Inconsistency]) -> None:
    by_title, exact = _objective_by_title(text, catalogs)
    if by_title is not None and not exact:
        issues.append(Inconsistency("objetivo-titulo-distinto", n, f"Capítulo {st.chapter}: el título del objetivo "
                                    f"{by_title} está escrito «{text[:90]}», distinto del título oficial."))
    if by_title is None:
        issues.append(Inconsistency("objetivo-desconocido", n, f"El título «{text[:80]}» no es el de ningún objetivo del PMM; "
                                                               f"se toma el número impreso ({st.printed_objective})."))
    elif by_title != st.printed_objective:
        issues.append(Inconsistency(
            "objetivo-mal-numerado", n - 2 if n > 2 else n,
            f"Capítulo {st.chapter}: el objetivo {by_title} («{text[:60]}…») está impreso con el número "
            f"{st.printed_objective}; sus programas se colocan en el objetivo {by_title}."))
        st.objective = by_title


def _new_program(m: re.Match, n: int, st: _State, programs: list[Program], issues: list[Inconsistency],
                 catalogs: Catalogs) -> None:
    name, author, sep = _split_heading(m.group(2))
    if not author:
        # «…, 2024-GUANAJUATO.»: a dash with no space at all, taken only when what follows is a known body.
        glued = re.match(r"^(.*\S)([–-])([^–-]+?)\.?$", m.group(2).strip())
        if glued and match_body(glued.group(3), st.sector, catalogs)[0] is not None:
            name, author, sep = glued.group(1).rstrip(".,"), glued.group(3).strip(), glued.group(2)
    p = Program(st.chapter, st.sector, st.objective, int(m.group(1)), n, name, author, sep)
    if not author:
        issues.append(Inconsistency("sin-institucion", n, f"El encabezado del programa {p.number} no separa la institución "
                                                         "del nombre con un guion."))
    elif sep != _PROPER_SEPARATOR:
        how = ("con un guion corto «-» en lugar de la raya" if sep.strip() == "-"
               else "con la raya pero sin un espacio a cada lado")
        issues.append(Inconsistency("separador-distinto", n, f"El encabezado del programa {p.number} separa la institución "
                                                            f"{how} (la forma de la edición es «NOMBRE – INSTITUCIÓN»)."))
    p.body, p.state = match_body(author, st.sector, catalogs) if author else (None, None)
    st.program, st.part = p, "description"
    programs.append(p)


def _numbering(programs: list[Program]) -> list[Inconsistency]:
    out, expected, where = [], {}, None
    for p in programs:
        if where != (p.chapter, p.objective):
            where = (p.chapter, p.objective)
            expected.setdefault(where, 1)
        if p.number != expected[where]:
            out.append(Inconsistency("numeracion", p.line, f"Capítulo {p.chapter}, objetivo {p.objective}: se esperaba el "
                                                          f"programa {expected[where]} y está impreso el {p.number}."))
        expected[where] = p.number + 1
    return out


def _duplicates(programs: list[Program]) -> list[Inconsistency]:
    out, seen = [], {}
    for p in programs:
        key = (p.chapter, p.objective, normalise(p.institution), normalise(p.name))
        if key in seen:
            out.append(Inconsistency("programa-repetido", p.line, f"El programa «{p.name[:70]}» de {p.author} aparece dos veces "
                                                                 f"en el objetivo {p.objective} (líneas {seen[key]} y {p.line})."))
        else:
            seen[key] = p.line
    return out


def _claims(claimed: dict[str, int], programs: list[Program]) -> list[Inconsistency]:
    out = []
    states = {p.state for p in programs if p.sector == "estatal" and p.state}
    others = {normalise(p.institution) for p in programs if p.sector != "estatal"}
    body = {"programas": len(programs), "instancias": len(others), "gobiernos_estatales": len(states)}
    words = {"programas": "programas y acciones", "instancias": "instancias (sin contar los gobiernos estatales)",
             "gobiernos_estatales": "gobiernos estatales"}
    for key, value in claimed.items():
        if body[key] != value:
            out.append(Inconsistency("introduccion-no-cuadra", None,
                                     f"La introducción dice {value:,} {words[key]}; el cuerpo tiene {body[key]:,}."))
    return out


def _glossary(annex: list[str], programs: list[Program]) -> list[Inconsistency]:
    """Bodies that reported (outside the state chapter) but are missing from the glossary of acronyms."""
    acronyms, names = set(), set()
    for line in annex:
        if "\t" in line:
            name, _, acronym = line.rpartition("\t")
            names.add(normalise(name))
            acronyms.add(normalise(acronym))
    if not acronyms:
        return []
    missing = {}
    for p in programs:
        if p.sector == "estatal" or p.body is None:
            continue
        if normalise(p.body.acronym or "") in acronyms or normalise(p.body.name) in names:
            continue
        missing.setdefault(p.body.acronym or p.body.name, p.line)
    return [Inconsistency("glosario-incompleto", line, f"{who} reportó programas pero no está en el glosario de los anexos.")
            for who, line in sorted(missing.items())]


# --- into the open-data tables ----------------------------------------------------------------

def _cell(value, line: int | None) -> Cell:
    return Cell(value, SOURCE_SHEET, f"línea {line}" if line else "")


def to_submissions(result: ImportResult, edition: Edition, catalogs: Catalogs, source: Path) -> list[Submission]:
    from .spec import FIELDS_BY_ID

    out = []
    for p in result.programs:
        sector = catalogs.sector(p.sector) if p.sector else None
        objective = catalogs.objective(p.objective) if 1 <= p.objective <= 23 else None
        values = {
            "institucion": (p.institution, p.line),
            "siglas": (p.body.acronym if p.body and p.body.acronym else None, p.line),
            "sector": (sector.name if sector else None, p.line),
            "entidad": (p.state, p.line),
            "nombre_programa": (p.name, p.line),
            "objetivo_principal": (objective.label if objective else None, p.line),
            "descripcion": ("\n".join(p.description) or None, p.lines.get("descripcion")),
            "resultados": ("\n".join(p.results) or None, p.lines.get("resultados")),
        }
        fields: dict = {k: _cell(v, line) for k, (v, line) in values.items()}
        fields["retos"] = [_cell(t, p.lines.get("retos")) for t in p.challenges]
        fields["fuentes"] = [_cell(t, p.lines.get("fuentes")) for t in p.sources]
        for f in FIELDS_BY_ID.values():
            fields.setdefault(f.id, [] if f.repeat > 1 else _cell(None, None))
        indicators = []
        for i, fig in enumerate(p.figures, start=1):
            cells = {k: _cell(v, fig["linea"]) for k, v in fig.items() if k != "linea"}
            indicators.append(Indicator(fig["linea"], i, cells))
        stamp = Stamp("compendio-importado", "texto", edition.key, p.body.id if p.body else "",
                      extra={"capitulo": p.chapter, "numero": p.number, "linea": p.line})
        out.append(Submission(Path(source), "", stamp, fields, indicators))
    return out


IMPORTED_ORIGIN = "Texto publicado de la edición (compendio importar)."
_EXTRA = {
    opendata.PROGRAMS_FILE: [
        ("capitulo", opendata.TYPE_INT, "Capítulo de la edición publicada en el que aparece el programa."),
        ("numero", opendata.TYPE_INT, "Número impreso del programa dentro de su objetivo."),
        ("linea", opendata.TYPE_INT, "Línea del texto publicado donde está el encabezado del programa."),
    ],
    opendata.FIGURES_FILE: [("linea", opendata.TYPE_INT, "Línea del texto publicado donde está la cifra.")],
    opendata.CHALLENGES_FILE: [("linea", opendata.TYPE_INT, "Línea del texto publicado donde empieza la sección RETOS.")],
}


def build(result: ImportResult, edition: Edition, catalogs: Catalogs, source: Path) -> opendata.OpenData:
    """The same frames as ``compile`` (same columns, same order), plus chapter, number and line."""
    subs = to_submissions(result, edition, catalogs, source)
    subs.sort(key=lambda s: opendata._sort_key(s, catalogs))  # build's own order: rows map back by position
    data = opendata.build(subs, edition, catalogs)
    meta = [s.stamp.extra for s in subs]
    P = data.programs
    P["capitulo"] = pd.array([m["capitulo"] for m in meta], dtype="Int64")
    P["numero"] = pd.array([m["numero"] for m in meta], dtype="Int64")
    P["linea"] = pd.array([m["linea"] for m in meta], dtype="Int64")
    fig_lines = [ind.row for s in subs for ind in s.indicators]
    data.figures["linea"] = pd.array(fig_lines, dtype="Int64")
    ch_lines = [int(str(c.address).removeprefix("línea ")) if c.address else None
                for s in subs for c in s.fields["retos"] if not c.blank]
    data.challenges["linea"] = pd.array(ch_lines, dtype="Int64")
    extra = pd.DataFrame([{"archivo": f, "columna": c, "descripcion": d, "tipo": t, "origen": IMPORTED_ORIGIN}
                          for f, cols in _EXTRA.items() for c, t, d in cols]).astype("string")
    data.dictionary = pd.concat([data.dictionary, extra], ignore_index=True)
    return data


# --- the report ------------------------------------------------------------------------------

def report_lines(result: ImportResult, catalogs: Catalogs) -> list[str]:
    chapters = {s.order: s.chapter_title for s in catalogs.sectors}
    out = [f"Importación de {result.source}", "",
           f"Programas leídos: {len(result.programs):,}"]
    for ch, count in result.per_chapter().items():
        out.append(f"  Capítulo {ch} ({chapters.get(ch, '')}): {count:,}")
    matched = sum(1 for p in result.programs if p.body is not None)
    out += ["", f"Instituciones: {matched:,} de {len(result.programs):,} programas con institución del registro; "
                f"{len(result.unmatched):,} instituciones sin correspondencia."]
    for who, where in sorted(result.unmatched.items()):
        out.append(f"  - «{who}» ({'línea' if len(where) == 1 else 'líneas'} {', '.join(str(x) for x in where)})")
    out += ["", f"Líneas del cuerpo sin colocar: {len(result.unplaced):,}"]
    for u in result.unplaced:
        out.append(f"  - línea {u.line}: {u.reason}: «{u.text[:80]}»")
    out += ["", f"Inconsistencias de la edición publicada: {len(result.inconsistencies):,}"]
    for i in result.inconsistencies:
        where = f"línea {i.line}: " if i.line else ""
        out.append(f"  - [{i.code}] {where}{i.message}")
    if result.closing:
        out += ["", f"Texto de cierre: líneas {result.closing[0]} a {result.closing[-1]} (no es de ningún programa)."]
    return out


def report_json(result: ImportResult) -> dict:
    return {
        "fuente": result.source,
        "programas": len(result.programs),
        "programas_por_capitulo": {str(k): v for k, v in result.per_chapter().items()},
        "introduccion_dice": result.claimed,
        "sin_colocar": [asdict(u) for u in result.unplaced],
        "inconsistencias": [asdict(i) for i in result.inconsistencies],
        "instituciones_sin_registro": [{"institucion": k, "lineas": v} for k, v in sorted(result.unmatched.items())],
        "texto_de_cierre": result.closing,
    }


def import_edition(path: Path, edition: Edition, catalogs: Catalogs) -> tuple[ImportResult, list[Path]]:
    """Parse the publication and write ``output/<ed>/datos/`` plus the import report."""
    path = Path(path)
    result = parse(read_text(path), catalogs, source=path.name)
    if not result.programs:
        raise CompendioError(f"No se encontró ningún programa en {path}: revise que sea el texto del Compendio.")
    data = build(result, edition, catalogs, path)
    written = opendata.write([], edition, catalogs, data=data)
    out = edition.paths.output
    write_text(out / REPORT_TXT, "\n".join(report_lines(result, catalogs)) + "\n")
    write_text(out / REPORT_JSON, json.dumps(report_json(result), ensure_ascii=False, indent=2))
    return result, [*written, out / REPORT_TXT, out / REPORT_JSON]


def edition_for(root: Path, key: str) -> Edition:
    """The edition being imported: its settings if they exist, else the defaults (nothing is written)."""
    from . import settings

    paths = settings.EditionPaths(Path(root), settings.check_key(key))
    if paths.settings.exists():
        return settings.load(root, key)
    if not key.isdigit():
        raise CompendioError(f"La edición «{key}» no es un año ni tiene configuración ({paths.settings}): "
                             f"créela con «compendio init --edition {key} --anio AAAA».")
    year = int(key)
    d = settings.default_settings(key, year)
    return Edition(key=key, year=year, period_from=d["periodo"]["desde"], period_to=d["periodo"]["hasta"],
                   deadline=d["fecha_limite"], contact=d["contacto"], publication=d["publicacion"],
                   paths=paths)
