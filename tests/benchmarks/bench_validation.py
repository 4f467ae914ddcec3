"""Benchmark of the validator on a synthetic edition (target: 550 workbooks checked in under 1 s, 2 cores).

    python tests/benchmarks/bench_validation.py [--programas 550] [--rondas 3] [--carpeta /tmp/bench-validacion]

Generates the workbooks once per folder (``compiler.sample``, with one planted
defect of each kind), then, in a fresh process per round, times
``validation.validate_paths`` over all of them (reading with python-calamine,
cerberus schema, arithmetic, content and cross-file checks), and reading
alone for comparison. Prints the best wall time, milliseconds per file and
the peak resident memory (with more than ``validation.PARALLEL_FROM`` files,
a forked process shares them, and its memory is its own).
Feedback copies (patched packages, only for files with findings) and the
register are not part of this target; ``run.py`` times the whole ``compendio
validate`` command. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
EDITION = "2026"

_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from compiler import catalogs, reader, settings, validation
    from compiler.errors import UnreadableWorkbook
    root, what = Path(sys.argv[1]), sys.argv[3]
    ed = settings.load(root, "2026")
    cats = catalogs.load()
    files = validation.discover(ed)
    started = time.perf_counter()
    if what == "leer":
        for f in files:
            try:
                reader.read(f)
            except UnreadableWorkbook:
                pass
        status = {}
    else:
        reports = validation.validate_paths(files, ed, cats)
        status = {s: sum(r.status == s for r in reports) for s in ("aceptado", "aceptado con observaciones", "rechazado")}
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"seconds": seconds, "files": len(files), "rss_mb": rss, "status": status}))
""")


def prepare(folder: Path, n: int) -> None:
    from compiler import catalogs, settings, sample

    settings.init(folder, EDITION)
    ed = settings.load(folder, EDITION)
    if len(list(ed.paths.submissions.glob("*.xlsx"))) == n:
        return
    print(f"Generando {n:,} libros en {ed.paths.submissions} (una sola vez)…", flush=True)
    sample.generate(ed, catalogs.load(), n, 7, ed.paths.submissions, defects=sample.DEFECT_CODES,
                   generated=dt.date(2026, 7, 15))


def measure(folder: Path, what: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(ROOT), what],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programas", type=int, default=550)
    ap.add_argument("--rondas", type=int, default=3)
    ap.add_argument("--carpeta", type=Path, default=Path("/tmp/bench-validacion"))
    args = ap.parse_args()
    prepare(args.carpeta, args.programas)
    for what, label in (("leer", "sólo lectura (calamine)"), ("validar", "validate_paths completo")):
        runs = [measure(args.carpeta, what) for _ in range(args.rondas)]
        best = min(runs, key=lambda r: r["seconds"])
        print(f"{label:28} {best['files']:,} archivos: {best['seconds']:.2f} s "
              f"({1000 * best['seconds'] / best['files']:.1f} ms/archivo), "
              f"memoria máxima {max(r['rss_mb'] for r in runs):.0f} MB"
              + (f"  {best['status']}" if best["status"] else ""))


if __name__ == "__main__":
    main()
