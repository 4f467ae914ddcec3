"""Who took part in an edition: one definition, computed once from the accepted submissions.

The Compendio (introduction and annexes), the Informe Ejecutivo and the open
data (``participantes.csv``) all print these figures, so they can never
disagree:

* **institución participante**: every body that reports (leads) or co-authors
  («Instituciones coautoras») at least one accepted program, counted once.
* **gobiernos estatales**: the participating institutions that are the
  government of a state; **instancias**: all the others. Instituciones =
  instancias + gobiernos estatales.
* **entidades federativas participantes**: the states of the state
  governments, plus the state of any other participating body whose registry
  entry has one (CANNAM in Chiapas, COPRED in Mexico City) or that reports in
  the state chapter naming its state.

A body is recognised by its registered name, its dropdown label («Nombre
(SIGLA)») or its acronym, then by the acronym the agency wrote; an
unregistered body is one participant per normalised name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .catalogs import Body, Catalogs
from .model import Submission, normalise

STATE_SECTOR = "estatal"


@dataclass(frozen=True)
class Author:
    """A participating body as a program names it."""

    key: str  # registry id, or the normalised name of an unregistered body (the open data's institucion_clave)
    name: str
    acronym: str
    state: str | None  # the state's name, for a state government
    body: Body | None = None

    @property
    def full(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def short(self) -> str:
        return self.acronym or self.name


class Bodies:
    """The registry's one indexed lookup (``Catalogs.body_by_name``), as the callable the stages pass around."""

    def __init__(self, catalogs: Catalogs):
        self.catalogs = catalogs

    def __call__(self, name: str) -> Body | None:
        return self.catalogs.body_by_name(name)


def is_state_government(name: str, body: Body | None) -> bool:
    if body is not None and body.id.startswith("gob-"):
        return True
    return normalise(name).startswith(("gobierno del estado", "gobierno de la ciudad", "gobierno del"))


def _sector_key(sub: Submission, catalogs: Catalogs, body: Body | None) -> str | None:
    sector = catalogs.sector_by_name(str(sub.value("sector") or "")) if sub.value("sector") else None
    if sector is None and sub.value("sector"):
        sector = next((s for s in catalogs.sectors if normalise(s.name) == normalise(str(sub.value("sector")))), None)
    if sector is not None:
        return sector.key
    return body.sector if body is not None else None


def _named_state(sub: Submission, catalogs: Catalogs):
    v = sub.value("entidad")
    if not v:
        return None
    return catalogs.state_by_name(str(v)) or next(
        (s for s in catalogs.states if normalise(s.name) == normalise(str(v))), None)


def lead(sub: Submission, catalogs: Catalogs, bodies: Bodies | None = None) -> Author:
    """The body that reports the program."""
    bodies = bodies or Bodies(catalogs)
    name = str(sub.value("institucion") or "")
    body = bodies(name) or (bodies(str(sub.value("siglas"))) if sub.value("siglas") else None)
    state_name = None
    if _sector_key(sub, catalogs, body) == STATE_SECTOR and is_state_government(name, body):
        state = _named_state(sub, catalogs)
        if state is None and body is not None and body.state:
            state = catalogs.state(body.state)
        state_name = state.name if state is not None else None
    if body is not None:
        return Author(body.id, body.name, body.acronym, state_name, body)
    acronym = " ".join(str(sub.value("siglas") or "").split())
    return Author(normalise(name), " ".join(name.split()), acronym, state_name)


def coauthors(sub: Submission, catalogs: Catalogs, bodies: Bodies | None = None) -> list[Author]:
    """The bodies named in «Instituciones coautoras» (by acronym or name), in the order written."""
    bodies = bodies or Bodies(catalogs)
    text = sub.value("coautoras")
    if not text:
        return []
    out: list[Author] = []
    for part in re.split(r"[,;/]| y ", str(text)):
        part = part.strip()
        if not part:
            continue
        body = bodies(part)
        if body is not None:
            state = catalogs.state(body.state).name if body.id.startswith("gob-") and body.state else None
            out.append(Author(body.id, body.name, body.acronym, state, body))
        else:
            out.append(Author(normalise(part), part, part.upper() if len(part) <= 15 else "", None))
    return out


@dataclass(frozen=True)
class Participant:
    key: str
    name: str
    acronym: str
    sector: str  # sector key ("" if unknown)
    state_key: str  # INEGI key of its state, "" if none
    state_government: bool
    led: int  # accepted programs it reports
    coauthored: int  # accepted programs that name it as co-author


@dataclass(frozen=True)
class Participation:
    participants: tuple[Participant, ...]
    states: tuple[str, ...]  # names of the participating states, alphabetical

    @property
    def institutions(self) -> int:
        return len(self.participants)

    @property
    def state_governments(self) -> int:
        return sum(1 for p in self.participants if p.state_government)

    @property
    def bodies(self) -> int:
        """«Instancias»: participating institutions that are not state governments."""
        return self.institutions - self.state_governments

    @property
    def leads(self) -> int:
        return sum(1 for p in self.participants if p.led)

    @property
    def only_coauthors(self) -> int:
        return sum(1 for p in self.participants if not p.led)


def count(submissions: Iterable[Submission], catalogs: Catalogs) -> Participation:
    """Who took part, from the accepted submissions (same inputs, same result)."""
    from .publication import sort_key

    bodies = Bodies(catalogs)
    seen: dict[str, dict] = {}
    state_keys: set[str] = set()
    by_name = {s.name: s.key for s in catalogs.states}

    def add(a: Author, sector: str | None, role: str) -> None:
        state_key = by_name.get(a.state or "", "") or (a.body.state if a.body is not None else "")
        entry = seen.setdefault(a.key, {"name": a.name, "acronym": a.acronym, "sector": sector or "",
                                        "state": state_key, "gov": a.state is not None, "led": 0, "co": 0})
        entry["gov"] = entry["gov"] or a.state is not None
        entry["state"] = entry["state"] or state_key
        entry["sector"] = entry["sector"] or sector or ""
        entry[role] += 1
        if state_key:
            state_keys.add(state_key)

    for sub in submissions:
        author = lead(sub, catalogs, bodies)
        sector = _sector_key(sub, catalogs, author.body)
        add(author, sector, "led")
        if sector == STATE_SECTOR and not author.state:
            st = _named_state(sub, catalogs)
            if st is not None:
                state_keys.add(st.key)
        for co in coauthors(sub, catalogs, bodies):
            if co.key != author.key:
                add(co, co.body.sector if co.body is not None else None, "co")
    participants = tuple(sorted(
        (Participant(k, e["name"], e["acronym"], e["sector"], e["state"], e["gov"], e["led"], e["co"])
         for k, e in seen.items()), key=lambda p: (sort_key(p.name), p.acronym, p.key)))
    names = sorted((catalogs.state(k).name for k in state_keys), key=sort_key)
    return Participation(participants, tuple(names))
