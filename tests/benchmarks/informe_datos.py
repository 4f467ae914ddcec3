"""Benchmark: what the open data and the Informe Ejecutivo add to a compile.

Run from the project root (not part of the normal test run)::

    python tests/benchmarks/informe_datos.py --programas 550

It writes a synthetic sample edition (``compiler.sample``) into a temporary
folder, reads and validates it once (the compile does that anyway), and then
times, in this process, each step the compile adds after the Compendio:
building the frames, writing the CSV/XLSX files, the analysis with its charts,
and rendering the tagged PDF. Reports the median of the repetitions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from compiler import catalogs, compilation, informe, opendata, settings, sample  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programas", type=int, default=550)
    parser.add_argument("--repeticiones", type=int, default=3)
    parser.add_argument("--carpeta", type=Path, default=None,
                        help="Raíz de un proyecto con la edición ya generada (omite la generación).")
    parser.add_argument("--edicion", default="muestra", help="Edición dentro de --carpeta.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-informe-") as tmp:
        root = args.carpeta or Path(tmp)
        key = args.edicion if args.carpeta else "muestra"
        if args.carpeta is None:
            settings.init(root, key, 2026, sample=True)
            ed = settings.load(root, key)
            sample.generate(ed, catalogs.load(), args.programas, 1, ed.paths.submissions, generated=sample.SAMPLE_GENERATED)
        ed = settings.load(root, key)
        cats = catalogs.load()
        subs, rejected = compilation.validate(compilation.discover(ed), ed, cats, compilation._Silent())
        print(f"{len(subs):,} reportes aceptados ({len(rejected):,} rechazados)")
        times: dict[str, list[float]] = {k: [] for k in ("marcos", "escritura", "análisis y gráficas", "PDF", "total")}
        pages = 0
        for _ in range(args.repeticiones):
            t0 = time.perf_counter()
            data = opendata.build(subs, ed, cats)
            t1 = time.perf_counter()
            opendata.write(subs, ed, cats, data=data)
            t2 = time.perf_counter()
            analysis = informe.analyse(data, ed, cats)
            t3 = time.perf_counter()
            _, _, pages = informe.write_pdf(analysis, ed, informe.informe_path(ed))
            t4 = time.perf_counter()
            for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
                times[k].append(v)
        for k, v in times.items():
            print(f"{k:22s} {statistics.median(v):6.2f} s")
        print(f"Informe: {pages} páginas")


if __name__ == "__main__":
    main()
