"""Rebuild every generated artefact from the field spec: ``python -m tests.rebuild_fixtures``.

Run it from the project folder after changing ``compiler/spec.py`` (or the
template, the generator or the publication), then review ``git status`` and
``git diff tests/golden`` and commit what changed:

* ``submissions/muestra/``: the 30 fictitious reports of the sample edition
  and their list of planted errors (``compiler.sample``, fixed seed and date,
  so the files only change when the spec, the template or the generator does);
* ``tests/golden/compendio.html``: the Compendio's HTML for the tests'
  small edition (``tests.regen_golden``).

The other test workbooks are built by the tests themselves, through the
project's own writer. The only committed fixtures that need other tools are
the real files in ``tests/fixtures/real/`` (saved by LibreOffice, encrypted
with msoffcrypto-tool, cut, converted): ``--real`` rebuilds them too and needs
``soffice`` on PATH and ``pip install msoffcrypto-tool``. They rarely need it:
they are version-1.0 templates, and a template sent before a field existed is
read with that field empty.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from compiler import catalogs, settings, sample  # noqa: E402


def rebuild_sample(root: Path = REPO) -> list[Path]:
    """Replace the sample edition's reports with freshly generated ones."""
    edition = settings.load(root, "muestra")
    folder = edition.paths.submissions
    for old in [*folder.glob("*.xlsx"), folder / sample.PLANTED_FILE]:
        old.unlink(missing_ok=True)
    result = sample.generate(edition, catalogs.load(), sample.SAMPLE_PROGRAMS, sample.SAMPLE_SEED, folder,
                            defects=sample.SAMPLE_DEFECTS, generated=sample.SAMPLE_GENERATED)
    return list(result.files)


def rebuild_real() -> None:
    missing = [what for what, ok in (("soffice (LibreOffice)", shutil.which("soffice") or shutil.which("libreoffice")),
                                     ("msoffcrypto-tool", _has("msoffcrypto"))) if not ok]
    if missing:
        raise SystemExit(f"--real necesita {' y '.join(missing)}; los archivos de tests/fixtures/real/ no se tocaron.")
    from fixtures.real import make_real_fixtures

    make_real_fixtures.main()


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true",
                        help="también los archivos reales de tests/fixtures/real/ (LibreOffice y msoffcrypto-tool)")
    args = parser.parse_args(argv)
    files = rebuild_sample()
    print(f"Muestra: {len(files)} reportes en submissions/muestra/")
    import regen_golden

    regen_golden.main()
    if args.real:
        rebuild_real()
        print("Archivos reales: tests/fixtures/real/")
    else:
        print("tests/fixtures/real/ no se reconstruyó (use --real; necesita LibreOffice y msoffcrypto-tool).")


if __name__ == "__main__":
    main()
