"""The Informe Ejecutivo: the year's figures, computed from the open data.

``analyse`` reads only the open-data frames (``opendata.build``), so every
number the Informe prints can be recomputed from the published CSVs. Every
printed figure carries ``data-clave``/``data-valor`` attributes in the HTML so
tests (and anyone auditing the report) can check it against the data.

``build(publication, submissions, edition, catalogs)`` writes
``output/<ed>/informe-ejecutivo-<ed>.pdf`` and returns its path.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd
from babel.numbers import format_percent
from markupsafe import Markup

from . import charts, opendata
from .catalogs import Catalogs
from .errors import OutputError
from .model import Submission, normalise
from .publication import long_date, month_year, number
from .settings import Edition
from .spec import BREAKDOWNS, CIFRAS_BY_ID, PEOPLE_UNITS

LOCALE = "es_MX"
#: How many objectives «least attention» names.
LEAST_ATTENTION = 5
#: Programs with the largest reach shown per objective.
TOP_PROGRAMS = 3
#: Examples quoted per challenge theme.
THEME_EXAMPLES = 2
EXAMPLE_CHARS = 220


def pct(part: int, whole: int) -> str:
    return format_percent(part / whole if whole else 0, format="#,##0.0 %", locale=LOCALE)


def plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def informe_path(edition: Edition) -> Path:
    return edition.paths.output / f"informe-ejecutivo-{edition.key}.pdf"


# --- the report's values ----------------------------------------------------------

@dataclass
class SectorRow:
    key: str
    name: str
    programs: int
    bodies: int


@dataclass
class TopProgram:
    id: str
    name: str
    author: str
    reach: int


@dataclass
class ObjectiveRow:
    number: int
    title: str
    short: str
    programs: int
    bodies: int
    secondary: int  # programs naming it as a secondary objective
    by_sector: dict[str, int]
    authors: list[str]
    top: list[TopProgram]
    reach: int
    previous_programs: int | None = None
    previous_bodies: int | None = None

    @property
    def label(self) -> str:
        return f"{self.number}. {self.short}"


@dataclass
class RoundTableRow:
    number: int
    title: str
    objectives: tuple[int, ...]
    programs: int
    bodies: int


@dataclass
class ThemeRow:
    key: str
    name: str
    description: str
    keywords: tuple[str, ...]
    challenges: int
    programs: int
    examples: list[tuple[str, str]]  # (text, author)
    order: int  # position in the rules file: the first matching rule wins


@dataclass
class BodyRow:
    key: str
    name: str
    acronym: str
    sector: str
    programs: int
    sector_order: int = 99
    coauthored: int = 0


@dataclass
class Response:
    sent: int
    responded: int
    unsent_reporting: int  # bodies that reported without a template addressed to them
    #: What ``sent`` counts: templates recorded as sent (``dispatch.BASIS_SENT``) or only generated.
    basis: str = "enviadas"

    @property
    def recorded(self) -> bool:
        return self.basis == "enviadas"

    @property
    def rate(self) -> str:
        return pct(self.responded, self.sent)


@dataclass
class Continuing:
    name: str
    author: str
    objective: int
    previous_objective: int


@dataclass
class YearOverYear:
    edition: str
    year: int
    programs: int
    bodies: int
    continuing: list[Continuing]
    new_programs: int
    #: Per objective: (number, short title, continued, new, not reported again).
    by_objective: list[tuple[int, str, int, int, int]] = field(default_factory=list)
    dropped: int = 0
    #: Continuing programs whose people reached by sex changed a lot: (name, author, part, before, now).
    sex_changes: list[tuple[str, str, str, int, int]] = field(default_factory=list)


@dataclass
class Analysis:
    edition: str
    year: int
    title: str
    period: str
    sample: bool
    programs: int
    bodies: int  # participating institutions (``participation``): instancias + gobiernos estatales
    sectors_reporting: int
    states: int  # participating states (``participation``), as the Compendio's annex lists them
    by_sector: list[SectorRow]
    sectors: list[tuple[str, str]]  # (key, short name) of every sector, matrix columns
    sector_programs: dict[str, int]  # programs of every sector, zero included
    response: Response | None
    objectives: list[ObjectiveRow]
    least: list[ObjectiveRow]
    uncovered: list[ObjectiveRow]
    by_state: list[tuple[str, str, int]]  # (key, name, programs)
    states_without: list[str]
    round_tables: list[RoundTableRow]
    reach: dict[str, int]
    reach_programs: int
    reach_parts: list[tuple[str, str, int]]  # (key, label, value) for the sex and age tables
    challenges: int
    programs_with_challenges: int
    themes: list[ThemeRow]
    bodies_list: list[BodyRow]
    yoy: YearOverYear | None
    instancias: int = 0
    state_governments: int = 0
    states_with_programs: int = 0
    units: list[UnitRow] = field(default_factory=list)
    largest: LargestIndicator | None = None
    conclusions: list[Markup] = field(default_factory=list)
    charts: dict[str, charts.Chart] = field(default_factory=dict)

    @property
    def matrix_max(self) -> int:
        """Largest objective × sector cell: the darkest tone of the matrix."""
        return max((v for o in self.objectives for v in o.by_sector.values()), default=0) or 1


@dataclass
class UnitRow:
    unit: str
    people: bool
    indicators: int
    total: int


@dataclass
class LargestIndicator:
    """The people indicator that weighs most in the headline."""

    label: str
    author: str
    total: int
    share: str


def _participants(data: opendata.OpenData, P: pd.DataFrame) -> pd.DataFrame:
    """The participants table; open data written before it existed falls back to the reporting bodies."""
    if data.participants is not None:
        return data.participants
    rows = [{"institucion_clave": k, "institucion": str(g.iloc[0]["institucion"]), "siglas": g.iloc[0]["siglas"],
             "sector_clave": g.iloc[0]["sector_clave"], "entidad_clave": g.iloc[0]["entidad_clave"],
             "gobierno_estatal": "No", "programas_responsable": len(g), "programas_coautora": 0}
            for k, g in P.groupby("institucion_clave", sort=False)]
    return pd.DataFrame(rows, columns=[c.name for c in opendata.participant_columns()])


def _author(row) -> str:
    return row.siglas if isinstance(row.siglas, str) and row.siglas else row.institucion


def _sent_bodies(edition: Edition) -> tuple[str, set[str]]:
    """(basis, bodies): those recorded as sent a template, else those a template was generated for."""
    from . import dispatch

    if edition.paths is None:
        return dispatch.BASIS_NONE, set()
    basis, counts = dispatch.basis(edition)
    return basis, {k for k, v in counts.items() if v}


def previous_edition(edition: Edition) -> tuple[str, pd.DataFrame] | None:
    """The latest earlier edition whose open data sits in ``output/`` (by year)."""
    if edition.paths is None:
        return None
    best = None
    for path in sorted((edition.paths.root / "output").glob(f"*/{opendata.DATA_DIR}/{opendata.PROGRAMS_FILE}")):
        key = path.parent.parent.name
        if key == edition.key:
            continue
        try:
            df = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
            year = int(df["anio"].dropna().iloc[0]) if len(df) else None
        except (OSError, ValueError, KeyError, IndexError, pd.errors.ParserError, UnicodeDecodeError):
            continue  # not our open data: nothing to compare with
        if year is None or year >= edition.year:
            continue
        if best is None or year > best[0]:
            best = (year, key, df)
    return (best[1], best[2]) if best else None


def _key(institution, name) -> tuple[str, str]:
    return normalise(str(institution or "").lstrip("'")), normalise(str(name or "").lstrip("'"))


def analyse(data: opendata.OpenData, edition: Edition, catalogs: Catalogs,
            themes: tuple[opendata.Theme, ...] | None = None) -> Analysis:
    """Every figure of the Informe, from the open-data frames only."""
    themes = opendata.load_themes(edition) if themes is None else themes
    P, F, C = data.programs, data.figures, data.challenges
    n_programs = len(P)
    sector_names = {s.key: s.name for s in catalogs.sectors}

    W = _participants(data, P)
    by_sector = []
    for s in catalogs.sectors:
        sub = P[P["sector_clave"] == s.key]
        who = int((W["sector_clave"] == s.key).sum())
        if len(sub) or who:
            by_sector.append(SectorRow(s.key, s.name, len(sub), who))

    people = opendata.people_rows(F)
    reach_by_program = people.groupby("id_programa")["total"].sum()

    objectives = []
    secondary_counts: dict[int, int] = defaultdict(int)
    for v in P["objetivo_secundario"].dropna():
        for n in {int(x) for x in str(v).split(";") if x.strip().isdigit()}:
            secondary_counts[n] += 1
    for o in catalogs.objectives:
        sub = P[P["objetivo_principal"] == o.number]
        top = []
        ranked = sorted(((int(reach_by_program.get(r.id_programa, 0)), r) for r in sub.itertuples()),
                        key=lambda t: (-t[0], normalise(t[1].nombre_programa)))
        for value, r in ranked[:TOP_PROGRAMS]:
            if value > 0:
                top.append(TopProgram(r.id_programa, str(r.nombre_programa), _author(r), value))
        authors = sorted({_author(r) for r in sub.itertuples()}, key=normalise)
        objectives.append(ObjectiveRow(
            o.number, o.title, o.short_title, len(sub), sub["institucion_clave"].nunique(), secondary_counts[o.number],
            {s.key: int((sub["sector_clave"] == s.key).sum()) for s in catalogs.sectors},
            authors, top, int(reach_by_program[reach_by_program.index.isin(sub["id_programa"])].sum())))
    uncovered = [o for o in objectives if o.programs == 0]
    # Name every objective without programs, and at least the LEAST_ATTENTION weakest.
    least = sorted(objectives, key=lambda o: (o.programs, o.number))[:max(LEAST_ATTENTION, len(uncovered))]

    states = P.dropna(subset=["entidad_clave"])
    by_state = []
    for st in catalogs.states:
        n = int((states["entidad_clave"] == st.key).sum())
        if n:
            by_state.append((st.key, st.name, n))
    by_state.sort(key=lambda t: (-t[2], normalise(t[1])))
    states_without = [st.name for st in catalogs.states if not (states["entidad_clave"] == st.key).any()]

    round_tables = []
    for rt in catalogs.round_tables:
        sub = P[P["objetivo_principal"].isin(rt.objectives)]
        round_tables.append(RoundTableRow(rt.number, rt.title, rt.objectives, len(sub), sub["institucion_clave"].nunique()))

    reach = opendata.reach(F)
    labels = {p: CIFRAS_BY_ID[p].label for b in BREAKDOWNS for p in b.parts}
    reach_parts = []
    for b in BREAKDOWNS:
        for p in b.parts:
            reach_parts.append((p, labels[p], reach[p]))
        reach_parts.append((f"sin_desglose_{b.id}", f"Sin desglose por {b.label}", reach[f"sin_desglose_{b.id}"]))

    theme_rows = []
    examples_seen: set[str] = set()
    all_themes = [*((t.key, t.name, t.description, t.written) for t in themes),
                  (*opendata.OTHER_THEME, "Retos que no coinciden con ninguna regla.", ())]
    for order, (key, name, desc, keywords) in enumerate(all_themes, start=1):
        sub = C[C["tema"] == key]
        if not len(sub) and key == opendata.OTHER_THEME[0]:
            continue
        examples = []
        # Prefer examples from different bodies, so one agency's wording does not stand for the theme.
        for r in sub.sort_values(["institucion_clave", "id_programa", "num_reto"]).itertuples():
            if len(examples) >= THEME_EXAMPLES:
                break
            if r.institucion_clave in examples_seen and len(sub["institucion_clave"].unique()) > THEME_EXAMPLES:
                continue
            examples_seen.add(r.institucion_clave)
            text = " ".join(str(r.reto).split())
            if len(text) > EXAMPLE_CHARS:
                text = text[:EXAMPLE_CHARS].rsplit(" ", 1)[0] + "…"
            examples.append((text, r.siglas if isinstance(r.siglas, str) and r.siglas else ""))
        theme_rows.append(ThemeRow(key, name, desc, keywords, len(sub), sub["id_programa"].nunique(), examples, order))
    theme_rows.sort(key=lambda t: (t.key == opendata.OTHER_THEME[0], -t.challenges))

    bodies = []
    for r in W.itertuples():
        acronym = r.siglas if isinstance(r.siglas, str) else ""
        sector = sector_names.get(r.sector_clave, "Sin sector") if isinstance(r.sector_clave, str) else "Sin sector"
        order = next((s.order for s in catalogs.sectors if s.key == r.sector_clave), 99)
        bodies.append(BodyRow(r.institucion_clave, str(r.institucion), acronym, sector, int(r.programas_responsable),
                              order, int(r.programas_coautora)))
    bodies.sort(key=lambda b: (b.sector_order, normalise(b.name)))
    governments = int((W["gobierno_estatal"] == "Sí").sum())
    states_in = {k for k in W["entidad_clave"].dropna()}
    if "entidad_clave" in P:  # a state-chapter body naming its state, as participation counts it
        states_in |= set(P.loc[P["sector_clave"] == "estatal", "entidad_clave"].dropna())

    units, largest = _units(F, P)

    basis, sent = _sent_bodies(edition)
    response = None
    if sent:
        reporting = set(P["institucion_clave"].dropna())
        response = Response(len(sent), len(reporting & sent), len(reporting - sent), basis)

    yoy = None
    prev = previous_edition(edition)
    if prev is not None:
        key, Q = prev
        q_obj = pd.to_numeric(Q["objetivo_principal"], errors="coerce")
        for o in objectives:
            mask = q_obj == o.number
            o.previous_programs = int(mask.sum())
            o.previous_bodies = int(Q.loc[mask, "institucion_clave"].nunique())
        from . import yearly
        from .continuity import continuity_key

        before = {continuity_key(r.institucion, r.nombre_programa, r.objetivo_principal): r for r in Q.itertuples()}
        continuing, matched, pairs = [], set(), []
        for r in P.itertuples():
            k = continuity_key(r.institucion, r.nombre_programa, r.objetivo_principal)
            old = before.get(k)
            if old is not None:
                matched.add(k)
                pairs.append((r, old))
                prev_obj = pd.to_numeric(pd.Series([old.objetivo_principal]), errors="coerce").iloc[0]
                continuing.append(Continuing(str(r.nombre_programa), _author(r), int(r.objetivo_principal),
                                             int(prev_obj) if pd.notna(prev_obj) else 0))
        continuing.sort(key=lambda c: (normalise(c.author), normalise(c.name)))
        by_objective = []
        for o in catalogs.objectives:
            cont = sum(1 for c in continuing if c.objective == o.number)
            new = int((P["objetivo_principal"] == o.number).sum()) - cont
            gone = sum(1 for k in before if k[2] == o.number and k not in matched)
            by_objective.append((o.number, o.short_title, cont, new, gone))
        sex_changes = []
        prev_all = yearly.previous(edition)
        if prev_all is not None and prev_all.key == key:
            old_people = opendata.people_rows(prev_all.data.figures).groupby("id_programa")[["mujeres", "hombres"]].sum()
            now_people = people.groupby("id_programa")[["mujeres", "hombres"]].sum()
            for r, old in pairs:
                if r.id_programa not in now_people.index or old.id_programa not in old_people.index:
                    continue
                for part, label in (("mujeres", "mujeres"), ("hombres", "hombres")):
                    a, b = int(old_people.loc[old.id_programa, part]), int(now_people.loc[r.id_programa, part])
                    if max(a, b) >= yearly.LARGE_MINIMUM and abs(a - b) >= yearly.LARGE_CHANGE * max(a, b):
                        sex_changes.append((str(r.nombre_programa), _author(r), label, a, b))
        sex_changes.sort(key=lambda t: -abs(t[4] - t[3]))
        yoy = YearOverYear(key, int(Q["anio"].dropna().iloc[0]), len(Q), Q["institucion_clave"].nunique(),
                           continuing, n_programs - len(continuing), by_objective, len(before) - len(matched),
                           sex_changes)

    period = f"{month_year(edition.period_from)} a {month_year(edition.period_to)}"
    result = Analysis(
        edition=edition.key, year=edition.year, title=f"Informe Ejecutivo {edition.year}", period=period,
        sample=edition.sample, programs=n_programs, bodies=len(W),
        sectors_reporting=len(by_sector), states=len(states_in), by_sector=by_sector,
        sectors=[(s.key, s.name) for s in catalogs.sectors],
        sector_programs={s.key: int((P["sector_clave"] == s.key).sum()) for s in catalogs.sectors}, response=response, objectives=objectives, least=least,
        uncovered=uncovered, by_state=by_state, states_without=states_without, round_tables=round_tables,
        reach=reach, reach_programs=int(people["id_programa"].nunique()), reach_parts=reach_parts,
        challenges=len(C), programs_with_challenges=C["id_programa"].nunique(), themes=theme_rows,
        bodies_list=bodies, yoy=yoy, instancias=len(W) - governments, state_governments=governments,
        states_with_programs=len(by_state), units=units, largest=largest)
    result.conclusions = conclusions(result)
    result.charts = make_charts(result)
    return result


def _units(F: pd.DataFrame, P: pd.DataFrame) -> tuple[list[UnitRow], LargestIndicator | None]:
    """Totals per unit (top-level rows), people first; and the people indicator that weighs most."""
    top = F[F["subgrupo_de"].isna() & F["total"].notna() & F["unidad"].notna()]
    rows = []
    for unit, g in top.groupby(top["unidad"].map(normalise), sort=False):
        rows.append(UnitRow(str(g.iloc[0]["unidad"]), unit in {normalise(u) for u in PEOPLE_UNITS}, len(g),
                            int(g["total"].sum())))
    rows.sort(key=lambda u: (not u.people, -u.total, u.unit))
    people = opendata.people_rows(F)
    largest = None
    if len(people) and int(people["total"].sum()):
        r = people.loc[people["total"].astype("int64").idxmax()]
        whole = int(people["total"].sum())
        author = r["siglas"] if isinstance(r["siglas"], str) and r["siglas"] else str(r["institucion_clave"])
        largest = LargestIndicator(str(r["indicador"]), author, int(r["total"]), pct(int(r["total"]), whole))
    return rows, largest


# --- figures as marked-up text --------------------------------------------------------

def n(key: str, value: int) -> Markup:
    """A printed figure that names what it is, for audits: <span data-clave data-valor>."""
    return Markup('<span class="n" data-clave="{}" data-valor="{}">{}</span>').format(key, int(value), number(int(value)))


def conclusions(a: Analysis) -> list[Markup]:
    """Sentences built from the figures; each number is marked like any other."""
    out: list[Markup] = []
    if not a.programs:
        return [Markup("En esta edición no se recibió ningún programa aceptado.")]
    out.append(Markup("En la edición {} se documentaron {} {} de {} {} de {} {}, que en conjunto contribuyen a {} de "
                      "los 23 objetivos del Pacto Mundial.").format(
        a.year, n("programas.total", a.programs), plural(a.programs, "programa o acción", "programas y acciones"),
        n("instituciones.total", a.bodies), plural(a.bodies, "institución", "instituciones"),
        n("sectores.total", a.sectors_reporting), plural(a.sectors_reporting, "sector", "sectores"),
        n("objetivos.atendidos", sum(1 for o in a.objectives if o.programs))))
    ranked = sorted(a.objectives, key=lambda o: (-o.programs, o.number))
    first, second = ranked[0], ranked[1]
    out.append(Markup("La atención se concentra en el objetivo {} ({}), con {} {}, y en el objetivo {} ({}), con {}; "
                      "entre ambos reúnen {} de los programas.").format(
        first.number, first.short, n(f"programas.objetivo.{first.number}", first.programs),
        plural(first.programs, "programa", "programas"),
        second.number, second.short, n(f"programas.objetivo.{second.number}", second.programs),
        pct(first.programs + second.programs, a.programs)))
    if a.uncovered:
        names = ", ".join(f"{o.number} ({o.short})" for o in a.uncovered)
        out.append(Markup("{} {} no {} ningún programa como objetivo principal: {}. Son los temas en los que conviene "
                          "promover la participación de más instituciones en la próxima edición.").format(
            n("objetivos.sin_programas", len(a.uncovered)), plural(len(a.uncovered), "objetivo", "objetivos"),
            plural(len(a.uncovered), "tuvo", "tuvieron"), names))
    else:
        low = a.least[:3]
        out.append(Markup("Todos los objetivos tuvieron al menos un programa; los de menor atención fueron el {}.").format(
            Markup(", el ").join(Markup("{} ({} {})").format(o.number, n(f"programas.objetivo.{o.number}", o.programs),
                                                                plural(o.programs, "programa", "programas")) for o in low)))
    if a.reach["total"]:
        out.append(Markup("Los programas que informaron personas atendidas suman {} registros de personas, de los cuales {} "
                          "corresponden a mujeres y {} a niñas, niños y adolescentes. Como una misma persona puede "
                          "recibir atención de más de un programa, la cifra no equivale al número de personas "
                          "distintas.").format(n("alcance.total", a.reach["total"]), n("alcance.mujeres", a.reach["mujeres"]),
                                               n("alcance.nna", a.reach["nna"])))
        if a.largest is not None and a.reach["indicadores"] > 1:
            out.append(Markup("El indicador de personas más grande, «{}» ({}), aporta {} de esa suma ({}).").format(
                a.largest.label, a.largest.author, n("alcance.mayor", a.largest.total), a.largest.share))
    if a.challenges:
        named = [t for t in a.themes if t.key != opendata.OTHER_THEME[0] and t.challenges]
        if named:
            t = named[0]
            out.append(Markup("El reto más frecuente es «{}»: {} de {} {} ({}).").format(
                t.name, n(f"retos.tema.{t.key}", t.challenges), n("retos.total", a.challenges),
                plural(a.challenges, "reto informado", "retos informados"), pct(t.challenges, a.challenges)))
    if a.response:
        to_whom = ("a las que se envió plantilla" if a.response.recorded
                   else "para las que se generó plantilla (ninguna quedó registrada como enviada)")
        out.append(Markup("Respondieron {} de las {} instituciones {} ({}).").format(
            n("respuesta.respondieron", a.response.responded), n("respuesta.enviadas", a.response.sent), to_whom,
            a.response.rate))
    if a.yoy:
        out.append(Markup("Respecto a la edición {}, el número de programas pasó de {} a {}; {} programas continúan, {} "
                          "se informan por primera vez y {} de {} no se informaron de nuevo.").format(
            a.yoy.year, n("anterior.programas.total", a.yoy.programs), n("programas.total", a.programs),
            n("continuan.total", len(a.yoy.continuing)), n("continuan.nuevos", a.yoy.new_programs),
            n("continuan.no_reportados", a.yoy.dropped), a.yoy.year))
        if a.yoy.sex_changes:
            out.append(Markup("En {} programas que continúan, las personas atendidas de un sexo cambiaron a menos de la "
                              "mitad o a más del doble respecto a {}.").format(
                n("continuan.cambios_sexo", len({(c[0], c[1]) for c in a.yoy.sex_changes})), a.yoy.year))
    return out


def make_charts(a: Analysis) -> dict[str, charts.Chart]:
    out = {}
    most = max((o.programs for o in a.objectives), default=0)
    out["objetivos"] = charts.bar_chart(
        "objetivos", "Programas por objetivo principal del PMM", [(o.label, o.programs) for o in a.objectives],
        "programas", highlight={o.label for o in a.objectives if o.programs == most and most})
    if a.by_sector:
        out["sectores"] = charts.bar_chart("sectores", "Programas por sector", [(s.name, s.programs) for s in a.by_sector],
                                           "programas")
    if a.by_state:
        out["entidades"] = charts.bar_chart("entidades", "Programas por entidad federativa",
                                            [(name, v) for _, name, v in a.by_state], "programas")
    out["mesas"] = charts.bar_chart("mesas", "Programas por mesa redonda del Foro de Examen de la Migración Internacional",
                                    [(f"Mesa {r.number}", r.programs) for r in a.round_tables], "programas")
    if a.challenges:
        out["retos"] = charts.bar_chart("retos", "Retos por tema", [(t.name, t.challenges) for t in a.themes], "retos",
                                        color=charts.DORADO)
    if a.reach["total"]:
        sexo = [(label, v) for key, label, v in a.reach_parts
                if key in BREAKDOWNS[0].parts or key == f"sin_desglose_{BREAKDOWNS[0].id}"]
        out["alcance_sexo"] = charts.bar_chart("alcance_sexo", "Personas atendidas por sexo", sexo, "personas")
    if a.yoy:
        out["comparacion"] = charts.grouped_bar_chart(
            "comparacion", f"Programas por objetivo, {a.yoy.year} y {a.year}", [o.label for o in a.objectives],
            {str(a.yoy.year): [o.previous_programs or 0 for o in a.objectives],
             str(a.year): [o.programs for o in a.objectives]}, "programas")
    return out


# --- rendering -------------------------------------------------------------------------

TEMPLATE = "informe.html.j2"
STYLESHEETS = ("compendio.css", "informe.css")


def render_html(a: Analysis, edition: Edition, chart_urls: dict[str, str], publication=None) -> str:
    """The Informe's HTML; ``chart_urls`` maps chart key → URL of its SVG file."""
    from . import render

    css = "\n".join(render.stylesheet(name) for name in STYLESHEETS)
    if "</style" in css.lower():
        raise OutputError("Una hoja de estilos del Informe contiene «</style»; corrija templates/informe.css.")
    pub = edition.publication
    template = render.environment().get_template(TEMPLATE)
    return template.render(
        a=a, css=Markup(css), base_url=render.base_url(), n=n, pct=pct, plural=plural,
        chart_urls=chart_urls, themes_file=opendata.THEMES_FILE, people_units=", ".join(PEOPLE_UNITS),
        participants_file=opendata.PARTICIPANTS_FILE,
        publisher=str(pub.get("editor") or ""), place=str(pub.get("lugar") or ""),
        date_text=long_date(edition.document_date), compendio_title=edition.title,
        data_files=[opendata.PROGRAMS_FILE, opendata.FIGURES_FILE, opendata.CHALLENGES_FILE, opendata.DICTIONARY_FILE,
                    opendata.xlsx_name(edition)],
        other_theme=opendata.OTHER_THEME[0])


def write_pdf(a: Analysis, edition: Edition, out_path: Path, *, draft: bool = False) -> tuple[Path, str, int]:
    """Render to ``out_path`` atomically; returns (path, html, pages).

    The charts are written as SVG files to a private temporary folder that
    only this render's fetcher may read, so each one is a tagged figure with
    its text alternative in the PDF.
    """
    from . import render

    with tempfile.TemporaryDirectory(prefix="informe-") as tmp:
        folder = Path(tmp)
        urls = {}
        for key, chart in a.charts.items():
            path = folder / f"{key}.svg"
            path.write_text(chart.svg, encoding="utf-8")
            urls[key] = path.as_uri()
        html = render_html(a, edition, urls)
        fetcher = render.LocalFetcher(roots=[render.template_dir(), folder])
        document = render.render_document(html, draft=draft, fetcher=fetcher)
        render.write_document(document, out_path, draft=draft)
        return out_path, html, len(document.pages)


def build(publication, submissions: Iterable[Submission], edition: Edition, catalogs: Catalogs,
          data: opendata.OpenData | None = None, *, draft: bool = False) -> Path:
    """Write the Informe Ejecutivo PDF for these accepted submissions; returns its path.

    The Informe takes its figures from the open data so they match the
    published CSVs; ``publication`` (the Compendio, or None) is only used to
    check that both documents count the same programs.
    """
    data = opendata.build(list(submissions), edition, catalogs) if data is None else data
    figures = getattr(publication, "figures", None)
    if figures is not None and figures.programs != len(data.programs):
        # Both count the same accepted reports; a difference is a bug, never something to publish.
        raise OutputError(
            f"El Compendio cuenta {figures.programs:,} programas y los datos abiertos {len(data.programs):,}; "
            "no se escribió el Informe Ejecutivo. Reporte este error al equipo que mantiene la herramienta.")
    analysis = analyse(data, edition, catalogs)
    path, _, _ = write_pdf(analysis, edition, informe_path(edition), draft=draft)
    return path
