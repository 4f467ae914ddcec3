"""Precision and recall of each content check on the labelled set ``tests/data/contenido/``.

Run from the project root::

    python tests/benchmarks/content_precision.py

Prints one row per check and the cases it gets wrong (false positives and misses).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from content_set import FILES, score  # noqa: E402
from validation_support import edition  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ed = edition(Path(tmp))
        print("| Observación | Casos | Verdaderos + | Falsos + | Omitidos | Precisión | Exhaustividad |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        wrong = []
        for name in FILES:
            misses: list = []
            s = score(ed, name, misses)
            print(f"| {s.check} | {s.cases} | {s.tp} | {s.fp} | {s.fn} | {s.precision:.2f} | {s.recall:.2f} |")
            wrong += [(s.check, *m) for m in misses]
        for check, case, fp, fn in wrong:
            print(f"{check} · {case}: de más {fp}, faltan {fn}")


if __name__ == "__main__":
    main()
