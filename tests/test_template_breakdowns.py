"""The disaggregations agencies really reported in 2025 fit the Cifras sheet without losing meaning.

Each block below is a breakdown printed in the 2025 Compendio (figures are
public facts), entered the way the Instrucciones sheet teaches: a parent row,
sub-group rows, the «¿Sus subgrupos suman el total?» flag, ``criterio`` when
one total is split two ways, and ``nota`` for what has no column. The live
check and the validator must both find every row consistent.
"""

from __future__ import annotations

import pytest

from compiler import catalogs as cat, geometry as g, validation
from compiler.instructions import example_program
from compiler.spec import cifras_col
from cifras_cases import EDITION_2025_ROWS
from template_support import edition, saved_template

ROWS = list(EDITION_2025_ROWS)

ARITHMETIC = {"suma-no-cuadra", "subgrupos-no-suman", "subgrupo-excede", "subgrupo-sin-fila-madre",
              "cifra-invalida", "numero-invalido"}


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    root = tmp_path_factory.mktemp("desgloses")
    data = example_program(edition(root))
    data.cifras = [dict(r) for r in ROWS]
    return root, saved_template(root, data=data)


def test_the_parent_numbers_above_point_where_they_should():
    for i, row in enumerate(ROWS, start=1):
        if "subgrupo_de" in row:
            assert ROWS[row["subgrupo_de"] - 1].get("subgrupos_completos") == "Sí", i


def test_validator_finds_every_2025_breakdown_consistent(filled):
    root, path = filled
    report = validation.validate_file(path, edition(root), cat.load())
    assert len(report.submission.indicators) == len(ROWS)
    assert [f for f in report.findings if f.code in ARITHMETIC] == []


def test_a_wrong_partition_is_still_caught(tmp_path):
    rows = [dict(r) for r in ROWS[4:10]]
    for r in rows:
        if "subgrupo_de" in r:
            r["subgrupo_de"] -= 4
    rows[-1]["total"] = 3898  # Honduras one short: the «país» split no longer adds up
    data = example_program(edition(tmp_path))
    data.cifras = rows
    report = validation.validate_file(saved_template(tmp_path, data=data), edition(tmp_path), cat.load())
    assert "subgrupos-no-suman" in {f.code for f in report.findings}

# The live check on these rows runs with every other case in test_live_check.py (one LibreOffice call).
