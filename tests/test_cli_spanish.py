"""Everything the CLI prints is Spanish, click's own texts included."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from compiler.cli import LOCALE_DIR, main

ENGLISH = ("Usage:", "Options:", "Commands:", "Show this message", "[required]", "default:", "INTEGER")


@pytest.mark.parametrize("args", [[], *[[name] for name in sorted(main.commands)]])
def test_help_is_spanish(args):
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert "Uso:" in result.output and "Opciones:" in result.output
    for word in ENGLISH:
        assert word not in result.output, (args, word)


def test_usage_errors_are_spanish():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "Falta la opción '--edition'" in result.output
    assert "Missing" not in result.output

    result = CliRunner().invoke(main, ["generar", "--edition", "muestra", "-n", "muchos"])
    assert result.exit_code == 2
    assert "no es un entero válido" in result.output

    result = CliRunner().invoke(main, ["compilar"])
    assert "No existe el subcomando 'compilar'" in result.output


def test_compiled_catalog_matches_its_source():
    po_path = Path(LOCALE_DIR) / "es" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        po = {m.id if isinstance(m.id, str) else m.id[0]: m.string if isinstance(m.string, str) else m.string[0]
              for m in read_po(fh) if m.id}
    with po_path.with_suffix(".mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for msgid, msgstr in po.items():
        assert mo.gettext(msgid) == msgstr, f"Recompile messages.mo: {msgid!r}"
