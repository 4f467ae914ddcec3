"""The synthetic-edition generator: shape, determinism, planted defects, read-back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import statistics
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler import catalogs, findings, reader, settings, sample
from compiler.cli import main
from compiler.errors import CompendioError, UnreadableWorkbook
from compiler.model import normalise
from compiler.spec import BREAKDOWNS

GENERATED = dt.date(2026, 7, 15)


@pytest.fixture(scope="module")
def cats():
    return catalogs.load()


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("raiz")
    settings.init(root, "muestra", 2026, sample=True)
    return root


@pytest.fixture(scope="module")
def edition(sample_root):
    return settings.load(sample_root, "muestra")


@pytest.fixture(scope="module")
def planted_edition(edition, cats, tmp_path_factory):
    """30 programs with one defect of every kind."""
    dest = tmp_path_factory.mktemp("sembrados")
    return sample.generate(edition, cats, 30, 11, dest, defects=sample.DEFECT_CODES, generated=GENERATED)


# --- shape -----------------------------------------------------------------------


def test_sector_counts_follow_the_2025_edition(edition, cats):
    programs = sample.plan(edition, cats, 200, 3)
    counts = Counter(p.body.sector for p in programs)
    total = sum(sample.SECTOR_WEIGHTS.values())
    for sector, weight in sample.SECTOR_WEIGHTS.items():
        assert abs(counts[sector] - 200 * weight / total) <= 3, (sector, counts)
    assert all(counts[s] >= 1 for s in sample.SECTOR_WEIGHTS)
    # Institutions come from the registry, in their own sector; states from the catalog.
    for p in programs:
        assert cats.body(p.body.id) == p.body
    states = {p.body.state for p in programs if p.body.sector == "estatal"}
    assert len(states) >= 18


def test_shares_of_breakdowns_and_challenges(edition, cats):
    programs = sample.plan(edition, cats, 200, 4)
    n = len(programs)
    with_sex = sum(1 for p in programs if any(r.get("mujeres") is not None for r in p.data.cifras))
    with_age = sum(1 for p in programs if any(r.get("nna") is not None for r in p.data.cifras))
    with_sub = sum(1 for p in programs if any(r.get("subgrupo_de") for r in p.data.cifras))
    no_challenges = sum(1 for p in programs if not p.data.fields["retos"])
    assert abs(with_sex / n - 0.47) <= 0.03
    assert abs(with_age / n - 0.21) <= 0.03
    assert abs(with_sub / n - 0.17) <= 0.03
    assert abs(no_challenges / n - 0.36) <= 0.03
    assert any(r.get("no_binarias") for p in programs for r in p.data.cifras)
    assert any(r.get("sexo_sin_dato") for p in programs for r in p.data.cifras)
    assert any(p.data.table_rows for p in programs)
    assert any(p.data.fields.get("fuentes") for p in programs)


def test_objectives_spread_with_a_few_large_ones(edition, cats):
    programs = sample.plan(edition, cats, 534, 5)
    counts = Counter(p.objective for p in programs)
    assert len(counts) == 23
    top = {o for o, _ in counts.most_common(3)}
    assert 15 in top and 7 in top
    assert counts.most_common(1)[0][1] >= 5 * min(counts.values())


def test_text_lengths_match_the_measured_spread(edition, cats):
    programs = sample.plan(edition, cats, 300, 6)
    desc = [len(p.data.fields["descripcion"]) for p in programs]
    res = [len(p.data.fields["resultados"]) for p in programs]
    retos = [len(r) for p in programs for r in p.data.fields["retos"]]
    assert 330 <= statistics.median(desc) <= 500 and max(desc) > 1000
    assert 140 <= statistics.median(res) <= 260 and max(res) > 500
    assert 100 <= statistics.median(retos) <= 170
    # Paragraphs, as agencies type them with Alt+Enter.
    assert any("\n" in p.data.fields["descripcion"] for p in programs)
    # No two programs of one body share a name (that would be a duplicate).
    keys = [(p.body.id, normalise(p.data.fields["nombre_programa"])) for p in programs]
    assert len(keys) == len(set(keys))


def test_figures_add_up_in_clean_programs(edition, cats):
    for p in sample.plan(edition, cats, 200, 7):
        rows = p.data.cifras
        for r in rows:
            for b in BREAKDOWNS:
                parts = [r[c] for c in b.parts if r.get(c) is not None]
                if parts:
                    assert sum(parts) == r["total"], (p.index, r)
        for r in rows:
            if r.get("subgrupo_de"):
                parent = rows[r["subgrupo_de"] - 1]
                assert parent.get("subgrupos_completos") in ("Sí", "No")
                for c, v in r.items():
                    if isinstance(v, int) and c != "subgrupo_de" and parent.get(c) is not None:
                        assert v <= parent[c], (p.index, c, r, parent)
        complete = [i for i, r in enumerate(rows, 1) if r.get("subgrupos_completos") == "Sí"]
        for i in complete:
            children = [r for r in rows if r.get("subgrupo_de") == i]
            assert sum(r["total"] for r in children) == rows[i - 1]["total"]


# --- determinism -------------------------------------------------------------------


def test_same_seed_same_bytes(edition, cats, tmp_path):
    a = sample.generate(edition, cats, 3, 9, tmp_path / "a", generated=GENERATED)
    b = sample.generate(edition, cats, 3, 9, tmp_path / "b", generated=GENERATED)
    assert [f.name for f in a.files] == [f.name for f in b.files]
    for fa, fb in zip(a.files, b.files):
        assert fa.read_bytes() == fb.read_bytes()
    c = sample.plan(edition, cats, 3, 10)
    assert [p.data.fields["descripcion"] for p in c] != [p.data.fields["descripcion"] for p in a.programs]


def test_generated_date_goes_into_the_stamp(edition, cats, tmp_path):
    result = sample.generate(edition, cats, 1, 9, tmp_path, generated=dt.date(2026, 3, 2))
    assert reader.read(result.files[0]).stamp.generated == "2026-03-02"


# --- read-back ---------------------------------------------------------------------


def test_clean_files_read_back_as_written(planted_edition):
    bad = {x.file for x in planted_edition.planted if x.planted}
    clean = [p for p in planted_edition.programs if p.filename not in bad]
    assert len(clean) >= 15
    for p in clean:
        sub = reader.read(planted_edition.destination / p.filename)
        assert sub.stamp.edition == "muestra"
        assert sub.value("institucion") == p.body.name
        assert sub.value("nombre_programa") == p.data.fields["nombre_programa"]
        assert sub.value("descripcion") == p.data.fields["descripcion"]
        assert sub.value("retos") == p.data.fields["retos"]
        assert len(sub.indicators) == len(p.data.cifras)
        for ind, row in zip(sub.indicators, p.data.cifras):
            assert ind.get("total") == row["total"]
            assert ind.get("mujeres") == row.get("mujeres")
        if p.data.table_rows:
            assert sub.table is not None and len(sub.table.rows) == len(p.data.table_rows)


# --- planted defects ------------------------------------------------------------------


def test_every_defect_is_planted_and_listed(planted_edition, edition):
    dest = planted_edition.destination
    listed = sample.read_planted(dest)
    doc = json.loads((dest / sample.PLANTED_FILE).read_text(encoding="utf-8"))
    assert set(doc["codigos"]) == set(sample.DEFECT_CODES)
    planted = [x for x in listed if x.planted]
    assert {x.code for x in planted} == set(sample.DEFECT_CODES)
    for x in listed:
        assert (dest / x.file).is_file(), x
        assert x.severity == sample.DEFECTS_BY_CODE[x.code].severity
        if x.code != "no-es-xlsx":
            assert x.sheet and x.cell, x
    by_code: dict[str, list[sample.Planted]] = {}
    for x in planted:
        by_code.setdefault(x.code, []).append(x)
    # Each listed cell really holds its defect.
    x = by_code["no-es-xlsx"][0]
    with pytest.raises(UnreadableWorkbook) as exc:
        reader.read(dest / x.file)
    assert exc.value.code == "no-es-xlsx"
    sub = lambda x: reader.read(dest / x.file)  # noqa: E731

    def cell_value(x):
        s = sub(x)
        for v in s.fields.values():
            for c in v if isinstance(v, list) else [v]:
                if c.sheet == x.sheet and c.address == x.cell:
                    return c.value
        for ind in s.indicators:
            for c in ind.cells.values():
                if c.sheet == x.sheet and c.address == x.cell:
                    return c.value
        raise AssertionError(f"{x.cell} not found")

    assert cell_value(by_code["campo-obligatorio"][0]) is None
    assert "@" not in cell_value(by_code["correo-invalido"][0])
    assert cell_value(by_code["periodo-fuera-de-edicion"][0]) > edition.period_to
    assert cell_value(by_code["texto-de-relleno"][0]) == sample.PLACEHOLDER_TEXT
    assert catalogs.load().objective_by_label(cell_value(by_code["valor-fuera-de-catalogo"][0])) is None
    assert sub(by_code["edicion-distinta"][0]).stamp.edition != edition.key
    assert all(c.blank for c in sub(by_code["sin-retos"][0]).fields["retos"])
    s = sub(by_code["suma-no-cuadra"][0])
    row = next(i for i in s.indicators if i.cells["total"].address == by_code["suma-no-cuadra"][0].cell)
    assert row.get("mujeres") + row.get("hombres") != row.get("total")
    s = sub(by_code["subgrupo-excede"][0])
    child = next(i for i in s.indicators if i.cells["total"].address == by_code["subgrupo-excede"][0].cell)
    parent = next(i for i in s.indicators if i.number == child.parent)
    assert child.get("total") > parent.get("total")
    [dup] = by_code["programa-duplicado"]
    assert dup.file > dup.related  # the later of the pair in the folder's order is the one that counts
    assert sub(dup).program_key == sub(dataclasses.replace(dup, file=dup.related)).program_key
    # Programs born without challenges are listed too, so the list is complete for «sin-retos».
    no_retos = {p.filename for p in planted_edition.programs if not p.data.fields["retos"]}
    assert {x.file for x in listed if x.code == "sin-retos"} == no_retos - {by_code["no-es-xlsx"][0].file}


def test_validator_finds_exactly_the_planted_defects(planted_edition, edition, cats):
    from compiler import intake

    reports = intake.check(edition, cats, planted_edition.files).reports
    found = {(r.path.name, f.code) for r in reports for f in r.findings if f.code in sample.DEFECT_CODES}
    expected = {(x.file, x.code) for x in sample.read_planted(planted_edition.destination)}
    assert found == expected
    # Clean files carry no error at all.
    bad = {x.file for x in sample.read_planted(planted_edition.destination) if x.severity == "error"}
    assert all(r.accepted for r in reports if r.path.name not in bad)


def test_defect_severities_match_the_validator():
    for d in sample.DEFECTS:
        assert findings.CODES[d.code].severity == d.severity, d.code


def test_unknown_defect_is_refused(edition, cats, tmp_path):
    with pytest.raises(CompendioError, match="desconocidos"):
        sample.generate(edition, cats, 30, 1, tmp_path, defects=("no-existe",))


# --- command line ---------------------------------------------------------------------


def test_generar_never_writes_into_a_real_edition(tmp_path):
    settings.init(tmp_path, "2026")
    result = CliRunner().invoke(main, ["generar", "--edition", "2026", "--raiz", str(tmp_path), "-n", "2"])
    assert result.exit_code == 2
    assert "no es de muestra" in result.output
    result = CliRunner().invoke(main, ["generar", "--edition", "2026", "--raiz", str(tmp_path), "-n", "2",
                                       "--destino", str(tmp_path / "submissions" / "2026")])
    assert result.exit_code == 2
    assert not list((tmp_path / "submissions" / "2026").iterdir())


def test_generar_writes_the_requested_files_and_refuses_to_overwrite(tmp_path):
    settings.init(tmp_path, "2026")
    dest = tmp_path / "ficticios"
    args = ["generar", "--edition", "2026", "--raiz", str(tmp_path), "-n", "2", "--destino", str(dest),
            "--generado", "2026-07-15"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    files = sorted(dest.glob("*.xlsx"))
    assert len(files) == 2
    before = [f.read_bytes() for f in files]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "ya tiene libros" in result.output
    assert [f.read_bytes() for f in files] == before


# --- the bundled sample -----------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def test_bundled_sample_is_committed_and_consistent(cats):
    folder = REPO / "submissions" / "muestra"
    edition = settings.load(REPO, "muestra")
    assert edition.sample
    files = sorted(folder.glob("*.xlsx"))
    assert len(files) == sample.SAMPLE_PROGRAMS
    listed = sample.read_planted(folder)
    assert {x.code for x in listed if x.planted} == set(sample.SAMPLE_DEFECTS)
    bad = {x.file for x in listed if x.severity == "error"}
    sectors, seen = set(), set()
    for f in files:
        if f.name in bad:
            continue
        sub = reader.read(f)
        assert sub.stamp.edition == "muestra"
        sectors.add(cats.sector_by_name(sub.value("sector")).key)
        seen |= {"tabla"} if sub.table else set()
        seen |= {"enlaces"} if sub.value("fuentes") else set()
        seen |= {c for i in sub.indicators for c in ("no_binarias", "sexo_sin_dato", "nna", "subgrupo_de") if i.get(c)}
    assert sectors == set(sample.SECTOR_WEIGHTS)
    # A user opening the accepted sample files finds every kind of content at least once.
    assert seen == {"tabla", "enlaces", "no_binarias", "sexo_sin_dato", "nna", "subgrupo_de"}


# --- ciclo ---------------------------------------------------------------------------------


def _fake(name: str, calls: list, exit_code: int = 0):
    import click

    @click.command(name)
    @click.option("--edition")
    @click.option("--raiz", "root")
    def command(edition, root):
        calls.append((name, edition))
        if exit_code:
            raise SystemExit(exit_code)

    return command


def test_ciclo_creates_the_sample_and_continues_past_rejections(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setitem(main.commands, "templates", _fake("templates", calls))
    monkeypatch.setitem(main.commands, "validate", _fake("validate", calls, 1))  # some file rejected
    monkeypatch.setitem(main.commands, "compile", _fake("compile", calls))
    result = CliRunner().invoke(main, ["ciclo", "--edition", "muestra", "--raiz", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert calls == [("templates", "muestra"), ("validate", "muestra"), ("compile", "muestra")]
    assert settings.load(tmp_path, "muestra").sample
    assert len(list((tmp_path / "submissions" / "muestra").glob("*.xlsx"))) == sample.SAMPLE_PROGRAMS
    assert "archivos rechazados" in result.output and "FICTICIOS" in result.output


def test_ciclo_reports_a_failed_stage_and_goes_on(tmp_path, monkeypatch):
    calls: list = []
    settings.init(tmp_path, "2026")
    monkeypatch.setitem(main.commands, "templates", _fake("templates", calls, 2))
    monkeypatch.setitem(main.commands, "validate", _fake("validate", calls))
    monkeypatch.setitem(main.commands, "compile", _fake("compile", calls))
    result = CliRunner().invoke(main, ["ciclo", "--edition", "2026", "--raiz", str(tmp_path)])
    assert result.exit_code == 2
    assert [c[0] for c in calls] == ["templates", "validate", "compile"]
    assert "no terminó (código 2)" in result.output
    # A real edition never gets fictitious reports.
    assert not list((tmp_path / "submissions" / "2026").glob("*"))