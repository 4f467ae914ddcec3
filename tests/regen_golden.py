"""Rewrite the golden HTML of the Compendio: ``python -m tests.regen_golden``.

Run it from the project folder after an intended change to the templates or
the publication model, look at the diff (``git diff tests/golden``), commit it.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "compendio.html"
sys.path.insert(0, str(HERE))

import publication_data  # noqa: E402

from compiler import publication, render  # noqa: E402

_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


def golden_html(root: Path) -> str:
    """The small edition's HTML, with the stylesheet left out (it is tested by the PDF tests)."""
    edition, catalogs, subs = publication_data.submissions(root, sample=True)
    pub = publication.build(subs, edition, catalogs)
    return _STYLE.sub("<style>/* compendio.css */</style>", render.render_html(pub, base="TEMPLATES/"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        html = golden_html(Path(tmp))
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(html, encoding="utf-8")
    print(f"Escrito {GOLDEN.relative_to(Path.cwd()) if GOLDEN.is_relative_to(Path.cwd()) else GOLDEN}")


if __name__ == "__main__":
    main()
