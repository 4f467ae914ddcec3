"""Reference catalogs, kept as CSV files that UPMRIP staff can open and edit.

The files live in ``compiler/catalogs/`` and ship in the wheel. An edition may
override any of them by placing a file of the same name in
``ediciones/<edicion>/catalogos/`` (``for_edition``). The registry of bodies,
``organismos.csv``, is merged rather than replaced: a row of the edition's file
adds a body or, with the id of a shipped one, corrects it (name, acronym,
aliases, liaison e-mails), so an installed copy can be extended without
touching the package.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .errors import CatalogError

CATALOG_DIR = Path(__file__).parent / "catalogs"
BODIES_FILE = "organismos.csv"

#: «personas» are people; records, passengers and services are not, even when each one is a person
#: (the Informe adds up only «personas»). «porcentaje» rows give their breakdowns as percentages.
UNITS = ("personas", "atenciones", "servicios", "eventos", "acciones", "documentos",
         "cursos", "visitas", "apoyos", "casos", "solicitudes", "registros", "pasajeros", "porcentaje", "otro")
VIGENCIAS = ("Permanente", "Temporal")
YES_NO = ("Sí", "No")


@dataclass(frozen=True)
class Objective:
    number: int
    title: str
    short_title: str

    @property
    def label(self) -> str:
        """How the dropdown shows it: «7. Abordar y reducir …»."""
        return f"{self.number}. {self.title}"


@dataclass(frozen=True)
class Principle:
    number: int
    name: str
    description: str


@dataclass(frozen=True)
class RoundTable:
    number: int
    title: str
    objectives: tuple[int, ...]


@dataclass(frozen=True)
class Sector:
    key: str
    order: int
    name: str
    chapter_title: str


@dataclass(frozen=True)
class State:
    key: str
    name: str
    abbreviation: str


@dataclass(frozen=True)
class Body:
    id: str
    name: str
    acronym: str
    sector: str
    parent: str
    state: str  # entidad clave
    #: Other names the body is written with (column «alias», separated by «;»).
    aliases: tuple[str, ...] = ()
    #: The liaison's e-mails for reminders (column «correos», separated by «;» or «,»).
    emails: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Dropdown text: full name with acronym."""
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


def _rows(name: str, directory: Path | None = None) -> list[dict[str, str]]:
    path = (directory or CATALOG_DIR) / name
    if directory is not None and not path.exists():
        path = CATALOG_DIR / name
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh)]
    except FileNotFoundError:
        raise CatalogError(f"No se encontró el catálogo {path}. Reinstale el programa o restaure el archivo.") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CatalogError(f"El catálogo {path} no se pudo leer ({exc}). Guárdelo como «CSV UTF-8».") from None


_TRAILING_ACRONYM = re.compile(r"^(.*)\(([^()]+)\)\s*$")


@dataclass(frozen=True)
class Catalogs:
    objectives: tuple[Objective, ...]
    principles: tuple[Principle, ...]
    round_tables: tuple[RoundTable, ...]
    sectors: tuple[Sector, ...]
    states: tuple[State, ...]
    bodies: tuple[Body, ...]

    # -- look-ups -----------------------------------------------------------
    def objective(self, number: int) -> Objective:
        return self.objectives[number - 1]

    def sector(self, key: str) -> Sector:
        return next(s for s in self.sectors if s.key == key)

    def state(self, key: str) -> State:
        return next(s for s in self.states if s.key == key)

    def body(self, body_id: str) -> Body | None:
        return next((b for b in self.bodies if b.id == body_id), None)

    def sector_by_name(self, name: str) -> Sector | None:
        return next((s for s in self.sectors if name in (s.name, s.key, s.chapter_title)), None)

    def state_by_name(self, name: str) -> State | None:
        return next((s for s in self.states if name in (s.name, s.key, s.abbreviation)), None)

    def objective_by_label(self, label) -> Objective | None:
        """Accepts «7. Abordar …», «7» or 7."""
        if label is None:
            return None
        text = str(label).strip()
        head = text.split(".", 1)[0].strip()
        if head.isdigit() and 1 <= int(head) <= len(self.objectives):
            return self.objectives[int(head) - 1]
        if isinstance(label, (int, float)) and 1 <= int(label) <= len(self.objectives):
            return self.objectives[int(label) - 1]
        return None

    @cached_property
    def _body_index(self) -> dict[str, Body]:
        """Normalised registry id, alias, acronym, name and «Nombre (SIGLA)» → body; built once per catalogs."""
        from .model import normalise

        index: dict[str, Body] = {}
        for b in reversed(self.bodies):  # the first registered body wins
            for key in (b.id, *b.aliases, b.acronym, b.label, b.name):
                if key and normalise(key):
                    index[normalise(key)] = b
        return index

    def body_by_name(self, name: str) -> Body | None:
        """The registered body named by ``name``: its acronym, name, alias, registry id or «Nombre (SIGLA)»,
        ignoring case, accents and punctuation. A name followed by an acronym the registry does
        not know («Nombre (XYZ)») is found by its name."""
        from .model import normalise

        if name is None:
            return None
        index = self._body_index
        body = index.get(normalise(name))
        if body is None:
            m = _TRAILING_ACRONYM.match(str(name))
            body = index.get(normalise(m.group(1))) if m else None
        return body

    def dropdown_lists(self) -> dict[str, list[str]]:
        """The lists behind every dropdown, by the catalog name used in ``spec``."""
        return {
            "objetivos": [o.label for o in self.objectives],
            "sectores": [s.name for s in self.sectors],
            "entidades": [s.name for s in self.states],
            "instituciones": sorted({b.name for b in self.bodies}, key=str.casefold),
            "vigencias": list(VIGENCIAS),
            "unidades": list(UNITS),
            "si_no": list(YES_NO),
        }


@lru_cache(maxsize=8)
def load(directory: Path | None = None) -> Catalogs:
    """Load all catalogs (cached; they do not change during a run)."""
    try:
        objectives = tuple(Objective(int(r["numero"]), r["titulo"], r.get("titulo_corto") or r["titulo"])
                           for r in _rows("objetivos.csv", directory))
        principles = tuple(Principle(int(r["numero"]), r["nombre"], r.get("descripcion", ""))
                           for r in _rows("principios.csv", directory))
        round_tables = tuple(RoundTable(int(r["mesa"]), r["titulo"], tuple(int(x) for x in r["objetivos"].split()))
                             for r in _rows("mesas_imrf.csv", directory))
        sectors = tuple(sorted((Sector(r["clave"], int(r["orden"]), r["nombre"], r["titulo_capitulo"])
                                for r in _rows("sectores.csv", directory)), key=lambda s: s.order))
        states = tuple(State(r["clave"].zfill(2), r["nombre"], r["abreviatura"]) for r in _rows("entidades.csv", directory))
        bodies = _bodies(directory)
    except (KeyError, ValueError) as exc:
        raise CatalogError(f"Un catálogo en {directory or CATALOG_DIR} tiene una columna o un valor incorrecto: {exc}.") from None
    objectives = tuple(sorted(objectives, key=lambda o: o.number))
    if [o.number for o in objectives] != list(range(1, 24)):
        raise CatalogError("objetivos.csv debe tener los 23 objetivos, numerados del 1 al 23.")
    return Catalogs(objectives, principles, round_tables, sectors, states, bodies)


def _split(text: str, seps: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in re.split(f"[{seps}]", text or "") if x.strip())


def _body(r: dict[str, str]) -> Body:
    return Body(r["id"], r["nombre"], r.get("sigla", ""), r["sector"], r.get("dependencia_superior", ""),
                (r.get("entidad") or "").zfill(2) if r.get("entidad") else "",
                _split(r.get("alias", ""), ";"), _split(r.get("correos", ""), ";,"))


def _bodies(directory: Path | None) -> tuple[Body, ...]:
    """The shipped registry, with the rows of ``directory``'s organismos.csv added or replacing by id."""
    bodies = {r["id"]: _body(r) for r in _rows(BODIES_FILE)}
    if directory is not None and (Path(directory) / BODIES_FILE).exists():
        for r in _rows(BODIES_FILE, directory):
            if not r.get("id"):
                continue
            old = bodies.get(r["id"])
            if old is not None:  # a correction may give only the columns it changes
                r = {"nombre": old.name, "sigla": old.acronym, "sector": old.sector,
                     "dependencia_superior": old.parent, "entidad": old.state,
                     "alias": ";".join(old.aliases), "correos": ";".join(old.emails),
                     **{k: v for k, v in r.items() if v}}
            bodies[r["id"]] = _body(r)
    return tuple(bodies.values())


def edition_dir(edition) -> Path:
    """``ediciones/<ed>/catalogos/``: where an edition keeps its own catalogs."""
    return edition.paths.root / "ediciones" / edition.key / "catalogos"


def edition_bodies_file(edition) -> Path:
    """The file staff edit to add a body, correct one or give its liaison's e-mails."""
    return edition_dir(edition) / BODIES_FILE


def for_edition(edition) -> Catalogs:
    """The catalogs as the edition sees them: shipped ones, with ``ediciones/<ed>/catalogos/`` over them."""
    folder = edition_dir(edition)
    if not folder.is_dir():
        return load()
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.csv")))
    return _load_dir(folder.resolve(), stamp)


@lru_cache(maxsize=8)
def _load_dir(folder: Path, _stamp: tuple) -> Catalogs:
    return load.__wrapped__(folder)
