"""The wheel carries everything the tool reads at run time, so `pip install .` works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"no se pudo construir la rueda aquí: {result.stderr[-300:]}")
    (path,) = out.glob("compendio-*.whl")
    return path


@pytest.fixture(scope="module")
def wheel_names(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def test_wheel_ships_templates_css_and_fonts(wheel_names):
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file():
            rel = path.relative_to(ROOT / "templates").as_posix()
            assert f"compiler/templates/{rel}" in wheel_names, rel


def test_wheel_ships_catalogs(wheel_names):
    csvs = sorted(p.name for p in (ROOT / "compiler" / "catalogs").glob("*.csv"))
    assert len(csvs) >= 6
    for name in csvs:
        assert f"compiler/catalogs/{name}" in wheel_names


def test_wheel_ships_the_sample_generators_vocabularies(wheel_names):
    files = sorted(p.name for p in (ROOT / "compiler" / "sample" / "vocabulario").glob("*.yaml"))
    assert files == ["palabras.yaml", "temas.yaml"]
    for name in files:
        assert f"compiler/sample/vocabulario/{name}" in wheel_names


def test_wheel_ships_spanish_messages_for_the_cli(wheel_names):
    assert "compiler/locale/es/LC_MESSAGES/messages.mo" in wheel_names


def test_wheel_has_console_script(wheel, wheel_names):
    (entry,) = [n for n in wheel_names if n.endswith("entry_points.txt")]
    with zipfile.ZipFile(wheel) as z:
        text = z.read(entry).decode()
    assert "compendio = compiler.cli:main" in text
