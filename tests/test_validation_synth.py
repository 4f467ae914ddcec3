"""The generator's planted errors are found at their cells; its clean programs get no error."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from compiler import catalogs, intake, settings, sample, validation


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("sintetica")
    settings.init(root, "2026")
    ed = settings.load(root, "2026")
    result = sample.generate(ed, catalogs.load(), 48, 5, ed.paths.submissions, defects=sample.DEFECT_CODES,
                            generated=dt.date(2026, 7, 15))
    # One batch received together, as when staff save a day's e-mail at once.
    when = dt.datetime(2026, 8, 1, 10, 0).timestamp()
    for path in result.files:
        os.utime(path, (when, when))
    return ed, result, intake.check(ed, catalogs.load()).reports


def test_every_planted_error_is_found_at_its_cell(generated):
    ed, result, reports = generated
    planted = sample.read_planted(result.destination)
    found = {(r.path.name, f.code, f.sheet, f.cell) for r in reports for f in r.findings
             if f.code in sample.DEFECT_CODES}
    for x in planted:
        assert (x.file, x.code, x.sheet, x.cell) in found, x
    # The other file of a duplicate pair arrived with it: it is «sustituido» (a note), not flagged.
    expected = {(x.file, x.code) for x in planted}
    assert {(name, code) for name, code, _, _ in found} == expected


def test_severities_follow_the_contract(generated):
    ed, result, reports = generated
    by_file = {r.path.name: r for r in reports}
    for x in sample.read_planted(result.destination):
        severities = {f.severity for f in by_file[x.file].findings if f.code == x.code}
        assert severities == {x.severity}, x


def test_clean_programs_give_no_error(generated):
    ed, result, reports = generated
    planted = sample.read_planted(result.destination)
    touched = {x.file for x in planted if x.severity == "error"} | {x.related for x in planted if x.related}
    clean = [r for r in reports if r.path.name not in touched]
    assert len(clean) >= 48 - 2 * len(sample.DEFECT_CODES)
    assert [(r.path.name, [f.message for f in r.errors]) for r in clean if r.errors] == []


def _view(reports):
    return [(r.path, r.status, [(f.code, f.severity, f.sheet, f.cell, f.message) for f in r.findings],
             r.submission.program_key if r.submission else None) for r in reports]


def test_two_processes_give_the_same_reports(generated, monkeypatch):
    """Sharing the files with a forked process changes nothing a user sees, order included:
    the resent file's «sustituido» note and the cross-file notes come from the whole batch."""
    ed, result, _ = generated
    files = validation.discover(ed)
    now = dt.datetime(2026, 8, 2, 9, 0)
    monkeypatch.setattr(validation, "PARALLEL_FROM", 10**9)
    one = intake.check(ed, catalogs.load(), files, now=now).reports
    one_raw = validation.validate_paths(files, ed, catalogs.load())
    monkeypatch.setattr(validation, "PARALLEL_FROM", 2)
    seen = []
    two = intake.check(ed, catalogs.load(), files, now=now).reports
    two_raw = validation.validate_paths(files, ed, catalogs.load(), progress=seen.append)
    assert _view(two) == _view(one)
    assert _view(two_raw) == _view(one_raw)
    assert sorted(seen) == sorted(files)
    # The comparison is not empty: the batch has a superseded resend and a look-alike pair.
    codes = {f.code for r in two for f in r.findings}
    assert {"programa-sustituido", "posible-reporte-conjunto"} <= codes


def test_how_the_batch_is_split_changes_no_report(generated, monkeypatch):
    """Every split point gives the same per-file reports (a file's own checks see only that file)."""
    ed, result, _ = generated
    pairs = [(p, p.read_bytes()) for p in validation.discover(ed)]
    whole = validation.validate_each(pairs, ed, catalogs.load())
    for cut in (1, len(pairs) // 3, len(pairs) - 1):
        parts = validation.validate_each(pairs[:cut], ed, catalogs.load()) + \
            validation.validate_each(pairs[cut:], ed, catalogs.load())
        assert _view(parts) == _view(whole)


def test_a_forked_process_that_dies_midway_loses_no_file(generated, monkeypatch):
    """The files it sent no report for are checked by the parent: every file keeps its report."""
    ed, result, _ = generated
    pairs = [(p, p.read_bytes()) for p in validation.discover(ed)]
    whole = validation.validate_each(pairs, ed, catalogs.load())
    parent, real = os.getpid(), validation.validate_data
    doomed = pairs[-12][0]  # the forked process takes files from the back: its 12th, after a first batch

    def dies_there(path, *args, **kwargs):
        if os.getpid() != parent and path == doomed:
            os._exit(1)
        return real(path, *args, **kwargs)
    monkeypatch.setattr(validation, "PARALLEL_FROM", 2)
    monkeypatch.setattr(validation, "validate_data", dies_there)
    seen = []
    assert _view(validation.validate_each(pairs, ed, catalogs.load(), progress=seen.append)) == _view(whole)
    assert sorted(seen) == sorted(p for p, _ in pairs)
