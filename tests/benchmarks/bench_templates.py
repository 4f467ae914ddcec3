"""Benchmark of ``compendio templates`` for the whole registry.

    python tests/benchmarks/bench_templates.py [--rondas 3]

Each round runs, in a fresh process and a fresh temporary project, ``compendio
init`` and then ``compendio templates`` (every registered body plus the blank
template), and reports wall time, CPU time and peak memory of the templates
step, and the time per workbook. Target: under 0.15 s of CPU per workbook
(about 15 s for a registry of 100), so regenerating all templates is never a
reason to hesitate. Timings are never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from click.testing import CliRunner
from compiler.cli import main
root = sys.argv[1]
CliRunner().invoke(main, ["init", "--edition", "2026", "--raiz", root], catch_exceptions=False)
wall, cpu = time.perf_counter(), time.process_time()
result = CliRunner().invoke(main, ["templates", "--edition", "2026", "--raiz", root], catch_exceptions=False)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
files = len(list(Path(root, "intake_templates", "2026").rglob("*.xlsx")))
print(json.dumps({"exit": result.exit_code, "wall": wall, "cpu": cpu, "files": files,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rondas", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for _ in range(args.rondas):
        with tempfile.TemporaryDirectory(prefix="bench-plantillas-") as root:
            out = subprocess.run([sys.executable, "-c", _CHILD, root], cwd=REPO, check=True,
                                 capture_output=True, text=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    files = runs[0]["files"]
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    print(f"plantillas: {files:,} (rondas: {len(runs)})")
    print(f"tiempo real (mediana): {wall:.1f} s · CPU: {cpu:.1f} s · {1000 * cpu / files:.0f} ms de CPU por libro")
    print(f"memoria máxima: {max(r['rss_mb'] for r in runs):.0f} MB")
    print(f"meta: ≤ 150 ms de CPU por libro → {'cumple' if cpu / files <= 0.15 else 'NO cumple'}")


if __name__ == "__main__":
    main()
