"""Precision and recall of each content check on the labelled realistic set (tests/data/contenido)."""

from __future__ import annotations

import pytest

from compiler.validation import content
from content_set import FILES, score
from validation_support import edition

#: Floors the checks must keep on the labelled set (the figures reached are in the README).
PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.85


@pytest.fixture(scope="module")
def ed(tmp_path_factory):
    return edition(tmp_path_factory.mktemp("contenido"))


@pytest.mark.parametrize("name", FILES)
def test_each_content_check_keeps_its_precision_and_recall(ed, name):
    misses: list = []
    s = score(ed, name, misses)
    assert s.tp > 0 and s.cases >= 8
    assert s.precision >= PRECISION_FLOOR, misses
    assert s.recall >= RECALL_FLOOR, misses


def test_every_no_results_pattern_catches_its_own_example():
    rules = content.no_results_rules()
    assert {r.family for r in rules} >= {"reportar", "presentar", "registrar", "obtener", "contar con",
                                         "sin resultados", "no aplica", "en proceso"}
    for r in rules:
        assert content.says_no_results(r.example, rules) is not None, r.family
