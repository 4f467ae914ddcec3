"""Fixtures shared by several test modules (append only; keep each one small)."""

from __future__ import annotations

import pytest

from compiler import catalogs, settings


@pytest.fixture(scope="session")
def cats():
    """The bundled reference catalogs."""
    return catalogs.load()


@pytest.fixture
def edition(tmp_path):
    """A fresh edition 2026 in a temporary project folder (settings, submissions/, output/…)."""
    settings.init(tmp_path, "2026")
    return settings.load(tmp_path, "2026")
