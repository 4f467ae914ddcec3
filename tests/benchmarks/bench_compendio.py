"""Benchmark of ``compendio compile`` against WeasyPrint alone, side by side.

    python tests/benchmarks/bench_compendio.py --programas 550 [--rondas 2] [--carpeta /tmp/bench550]

It generates a synthetic edition (``compiler.sample``, once per folder), then
alternates in separate processes:

(a) WeasyPrint alone: ``HTML(filename=<final html>).write_pdf(pdf_variant="pdf/ua-1")``
    on the HTML that compile keeps with ``--guardar-html``;
(b) the whole final compile: ``compendio compile --guardar-html --sin-informe``
    (reading, validating, building, laying out, writing);
(c) the draft compile: ``compendio compile --borrador --sin-informe``;
(d) the final compile with the Informe Ejecutivo and the open data (``--con-informe``).

It prints wall times (best of the rounds), the ratios b/a and c/a, and peak
memory (resident set) of each process and of its children. Target: b ≤ 1.1 × a,
c ≤ 0.6 × a, memory < 1 GB. Timings are never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

EDITION = "bench"
ROOT = Path(__file__).resolve().parents[2]  # run from a checkout without installing
sys.path.insert(0, str(ROOT))

_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    kind, root, html, out = sys.argv[1:5]
    started = time.perf_counter()
    if kind == "weasyprint":
        from weasyprint import HTML
        HTML(filename=html).write_pdf(out, pdf_variant="pdf/ua-1")
    else:
        from compiler.cli import main
        args = ["compile", "--edition", "bench", "--raiz", root, "--sin-informe", "--guardar-html"]
        if kind == "borrador":
            args = args[:-1] + ["--borrador"]
        elif kind == "completo":
            args.remove("--sin-informe")
        try:
            main(args, standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                raise
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("RESULT " + json.dumps({"seconds": seconds, "rss_mb": own, "children_rss_mb": children}))
""")


def prepare(folder: Path, n: int, seed: int) -> Path:
    from compiler import catalogs as cat, settings, sample

    settings.init(folder, EDITION, 2026)
    edition = settings.load(folder, EDITION)
    if not any(edition.paths.submissions.glob("*.xlsx")):
        print(f"Generando {n} programas sintéticos en {edition.paths.submissions} …", flush=True)
        sample.generate(edition, cat.load(), n, seed, edition.paths.submissions, generated=dt.date(2026, 7, 1))
    return edition.paths.output / f"compendio-general-{EDITION}.html"


def run(kind: str, folder: Path, html: Path) -> dict:
    out = folder / f"weasyprint-solo-{EDITION}.pdf"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", _CHILD, kind, str(folder), str(html), str(out)],
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        raise SystemExit(f"{kind} falló:\n{proc.stdout}\n{proc.stderr}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--programas", type=int, default=550)
    ap.add_argument("--semilla", type=int, default=7)
    ap.add_argument("--rondas", type=int, default=1)
    ap.add_argument("--carpeta", type=Path, default=None, help="Carpeta de trabajo (se reutiliza entre corridas).")
    ap.add_argument("--sin-borrador", action="store_true", help="No mide el modo borrador.")
    ap.add_argument("--con-informe", action="store_true", help="Mide también compile con Informe y datos abiertos.")
    args = ap.parse_args()
    folder = args.carpeta or Path(tempfile.mkdtemp(prefix="bench-compendio-"))
    folder.mkdir(parents=True, exist_ok=True)
    html = prepare(folder, args.programas, args.semilla)
    if not html.exists():
        run("compile", folder, html)  # writes the final HTML that (a) renders
    kinds = ["weasyprint", "compile"] + ([] if args.sin_borrador else ["borrador"]) + \
        (["completo"] if args.con_informe else [])
    results: dict[str, list[dict]] = {k: [] for k in kinds}
    for r in range(args.rondas):
        for kind in kinds:
            res = run(kind, folder, html)
            results[kind].append(res)
            print(f"ronda {r + 1} {kind:<10} {res['seconds']:6.1f} s  RSS {res['rss_mb']:6.0f} MB  "
                  f"hijos {res['children_rss_mb']:6.0f} MB", flush=True)
    best = {k: min(x["seconds"] for x in v) for k, v in results.items()}
    peak = {k: max(max(x["rss_mb"], x["children_rss_mb"]) for x in v) for k, v in results.items()}
    pdf = folder / "output" / EDITION / f"compendio-general-{EDITION}.pdf"
    print(f"\n{args.programas} programas, {pages(pdf)} páginas (mejor de {args.rondas} ronda(s))")
    print(f"(a) WeasyPrint solo:        {best['weasyprint']:6.1f} s   pico {peak['weasyprint']:5.0f} MB")
    print(f"(b) compile final (PDF/UA): {best['compile']:6.1f} s   pico {peak['compile']:5.0f} MB   "
          f"b/a = {best['compile'] / best['weasyprint']:.2f}  (meta ≤ 1.10)")
    if "borrador" in best:
        print(f"(c) compile --borrador:     {best['borrador']:6.1f} s   pico {peak['borrador']:5.0f} MB   "
              f"c/a = {best['borrador'] / best['weasyprint']:.2f}  (meta ≤ 0.60)")
    if "completo" in best:
        print(f"(d) compile con Informe:    {best['completo']:6.1f} s   pico {peak['completo']:5.0f} MB   "
              f"d/a = {best['completo'] / best['weasyprint']:.2f}")
    with open("/proc/loadavg") as fh:
        print(f"carga de la máquina al terminar: {fh.read().split()[:3]}")


if __name__ == "__main__":
    main()
