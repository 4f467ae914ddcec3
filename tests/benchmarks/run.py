"""Benchmark: time each stage of the cycle on synthetic editions of real size.

Run from the project root (not part of the normal test run)::

    python tests/benchmarks/run.py --programas 550 1100 --repeticiones 3

For each size it writes a synthetic edition (``compiler.sample``) into a
temporary folder and times, as whole processes, ``compendio templates``,
``compendio validate`` and ``compendio compile``; then WeasyPrint alone
rendering the same final HTML (kept by ``compile --guardar-html``) in one
process, and the ratio compile / WeasyPrint. Reports the median of the
repetitions, the peak memory of each process (``wait4`` rusage) and the
machine, and writes the table to ``tests/benchmarks/results/rendimiento.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from compiler import catalogs, settings, sample  # noqa: E402

EDITION = "muestra"  # a sample edition: synthetic data never goes near a real one
RESULTS = REPO / "tests" / "benchmarks" / "results" / "rendimiento.md"
LOADS: list[float] = []  # other work on the machine skews timings: keep it on record

WEASYPRINT_ALONE = """
import sys, time
from pathlib import Path
from compiler.render import html_to_pdf
html = Path(sys.argv[1]).read_text(encoding="utf-8")
start = time.perf_counter()
pages = html_to_pdf(html, Path(sys.argv[2]))
print(f"{pages} {time.perf_counter() - start:.3f}")
"""


CHECKING_ALONE = """
import sys, time
from pathlib import Path
from compiler import catalogs, settings, validation
edition = settings.load(Path(sys.argv[1]), sys.argv[2])
cats = catalogs.load()
files = validation.discover(edition)
start = time.perf_counter()
reports = validation.validate_paths(files, edition, cats)
print(f"{len(reports)} {time.perf_counter() - start:.3f}")
"""

#: The targets, printed beside the figures: (comparison, limit). They are set for 550 files (the size of
#: the 2025 edition); for other sizes the time targets scale with the number of files.
TARGETS = {"validate": ("≤", 5.0), "checking": ("<", 1.0), "ratio": ("≤", 0.65), "validate_mb": ("<", 200.0)}
TARGET_SIZE = 550
SCALED = {"validate", "checking"}


def target(key: str, n: int) -> tuple[str, float, str]:
    """(comparison, limit, how it is stated) of one target for an edition of ``n`` files."""
    op, limit = TARGETS[key]
    unit = {"validate": " s", "checking": " s", "validate_mb": " MB"}.get(key, "")
    if key in SCALED and n != TARGET_SIZE:
        limit = limit * n / TARGET_SIZE
        return op, limit, f"{op} {limit:,.1f}{unit}, proporcional a {TARGET_SIZE} archivos"
    return op, limit, f"{op} {limit:,.2f}{unit}".replace(".00", "")


@dataclass
class Stage:
    name: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)  # 1-minute load average when the stage started
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run(args: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS in MB, exit code, stdout) of one child process."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    LOADS.append(os.getloadavg()[0])
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return seconds, usage.ru_maxrss / 1024, proc.returncode, text


def compendio(*words: str) -> list[str]:
    return [sys.executable, "-m", "compiler", *words]


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        ram = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration, ValueError):
        pass
    try:
        import weasyprint

        wp = weasyprint.__version__
    except Exception:  # noqa: BLE001 - only for the report
        wp = "?"
    return (f"{os.cpu_count()} núcleos ({len(os.sched_getaffinity(0))} disponibles), {cpu}, {ram} de RAM; "
            f"Python {platform.python_version()}, WeasyPrint {wp}, {platform.system()} {platform.release()}")


def bench(n: int, repetitions: int, keep: bool) -> tuple[list[Stage], dict]:
    root = Path(tempfile.mkdtemp(prefix=f"compendio-bench-{n}-"))
    info: dict = {"root": root}
    try:
        settings.init(root, EDITION, 2026, sample=True)
        edition = settings.load(root, EDITION)
        start = time.perf_counter()
        sample.generate(edition, catalogs.load(), n, 1, edition.paths.submissions, generated=sample.SAMPLE_GENERATED)
        info["generation"] = time.perf_counter() - start
        stages = {k: Stage(k) for k in ("templates", "validate", "validate_check", "checking", "compile",
                                        "compile_alone", "draft", "weasyprint")}
        for rep in range(repetitions):
            print(f"  {n:,} programas, repetición {rep + 1}/{repetitions}", flush=True)
            # Every repetition starts cold: validate keeps unchanged feedback files from a previous run.
            shutil.rmtree(edition.paths.output, ignore_errors=True)
            for key, name, words in (("templates", "templates", ("--sobrescribir",)), ("validate", "validate", ()),
                                     ("validate_check", "validate", ("--sin-retroalimentacion",)),
                                     ("compile", "compile", ("--guardar-html",)),
                                     ("compile_alone", "compile", ("--sin-informe",)),
                                     ("draft", "compile", ("--borrador", "--sin-informe"))):
                seconds, peak, code, out = run(compendio(name, "--edition", EDITION, "--raiz", str(root), *words), root)
                ok = code == 0 or (name == "validate" and code == 1)  # 1 = some file rejected, a normal outcome
                if not ok:
                    raise SystemExit(f"«compendio {name} {' '.join(words)}» terminó con código {code}:\n{out[-2000:]}")
                stages[key].seconds.append(seconds)
                stages[key].peak_mb.append(peak)
                stages[key].load.append(LOADS[-1])
                print(f"    {LABELS[key]}: {seconds:,.1f} s, {peak:,.0f} MB", flush=True)
            seconds, peak, code, out = run([sys.executable, "-c", CHECKING_ALONE, str(root), EDITION], root)
            if code == 0:
                inside = float(out.split()[-1])
                stages["checking"].seconds.append(inside)
                stages["checking"].peak_mb.append(peak)
                stages["checking"].load.append(LOADS[-1])
                print(f"    {LABELS['checking']}: {inside:,.2f} s, {peak:,.0f} MB", flush=True)
            else:
                stages["checking"].note = f"falló: {out.strip().splitlines()[-1] if out.strip() else code}"
            html = sorted(edition.paths.output.rglob("*.html"), key=lambda p: p.stat().st_size)
            html = [p for p in html if "compendio" in p.name] or html
            if not html:
                stages["weasyprint"].note = "compile no dejó el HTML final (--guardar-html)"
                continue
            out_pdf = root / "solo-weasyprint.pdf"
            seconds, peak, code, out = run([sys.executable, "-c", WEASYPRINT_ALONE, str(html[-1]), str(out_pdf)], root)
            if code != 0:
                stages["weasyprint"].note = f"falló: {out.strip().splitlines()[-1] if out.strip() else code}"
                continue
            pages, inside = out.split()[-2:]
            info["pages"] = int(pages)
            info.setdefault("render_inside", []).append(float(inside))
            stages["weasyprint"].seconds.append(seconds)
            stages["weasyprint"].peak_mb.append(peak)
            stages["weasyprint"].load.append(LOADS[-1])
            print(f"    weasyprint solo: {seconds:,.1f} s ({float(inside):,.1f} s dentro del proceso), {peak:,.0f} MB",
                  flush=True)
        return list(stages.values()), info
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


LABELS = {"templates": "compendio templates", "validate": "compendio validate",
          "validate_check": "compendio validate --sin-retroalimentacion",
          "checking": "revisión sola (validate_paths, dentro del proceso)",
          "compile": "compendio compile", "compile_alone": "compendio compile --sin-informe",
          "draft": "compendio compile --borrador --sin-informe",
          "weasyprint": "WeasyPrint solo (mismo HTML)"}


def table(results: list[tuple[int, list[Stage], dict]], repetitions: int) -> str:
    lines = [f"# Rendimiento del ciclo ({dt.date.today():%d/%m/%Y})", "",
             f"Máquina: {machine()}.", "",
             f"Mediana de {repetitions} corrida(s) de cada etapa como proceso completo (incluye arrancar Python); "
             "memoria: pico de memoria residente del proceso; carga: promedio de carga de 1 minuto al empezar la "
             f"etapa (con {os.cpu_count()} núcleos, una carga mayor que {os.cpu_count()} significa que otros procesos "
             "compitieron por el procesador y los tiempos salen más largos). Ediciones sintéticas "
             "(`compiler.sample`, semilla 1, sin errores sembrados); cada corrida empieza sin salidas previas (en frío). `templates` escribe una plantilla por "
             "institución del registro más una en blanco, sea cual sea el número de programas.", "",
             "| Programas | Etapa | Mediana (s) | Mín.–máx. (s) | Memoria máx. (MB) | Carga de la máquina |",
             "|---:|---|---:|---:|---:|---:|"]
    notes = []
    for n, stages, info in results:
        for s in stages:
            if not s.seconds:
                lines.append(f"| {n:,} | {LABELS[s.name]} | — | — | — | — |")
                notes.append(f"{n:,} programas, {LABELS[s.name]}: {s.note or 'no se midió'}.")
                continue
            lines.append(f"| {n:,} | {LABELS[s.name]} | {s.median:,.1f} | {min(s.seconds):,.1f}–{max(s.seconds):,.1f} "
                         f"| {max(s.peak_mb):,.0f} | {min(s.load):,.1f}–{max(s.load):,.1f} |")
        by = {s.name: s for s in stages}
        if by["compile"].seconds and by["weasyprint"].seconds:
            ratio = by["compile"].median / by["weasyprint"].median
            draft = (f"; sin el Informe ni los datos abiertos, {by['compile_alone'].median / by['weasyprint'].median:,.2f}"
                     " veces" if by["compile_alone"].seconds else "")
            draft += (f"; el borrador, {by['draft'].median / by['weasyprint'].median:,.2f} veces"
                      if by["draft"].seconds else "")
            notes.append(f"{n:,} programas: {info.get('pages', '?'):,} páginas; compile (PDF etiquetado) tarda "
                         f"{ratio:,.2f} veces lo que WeasyPrint solo con el mismo HTML{draft} (render dentro del "
                         f"proceso: {statistics.median(info['render_inside']):,.1f} s). Generar los {n:,} libros: "
                         f"{info['generation']:,.0f} s.")
        lines_targets = [("compile / WeasyPrint solo", by["compile"].median / by["weasyprint"].median
                          if by["compile"].seconds and by["weasyprint"].seconds else None, "ratio", ""),
                         ("compendio validate", by["validate"].median if by["validate"].seconds else None,
                          "validate", " s"),
                         ("revisión sola", by["checking"].median if by["checking"].seconds else None, "checking", " s"),
                         ("memoria de validate", max(by["validate"].peak_mb) if by["validate"].peak_mb else None,
                          "validate_mb", " MB")]
        parts = []
        for label, value, key, unit in lines_targets:
            op, limit, goal = target(key, n)
            if value is None:
                parts.append(f"{label}: no se midió (meta {goal})")
            else:
                met = value < limit if op == "<" else value <= limit
                parts.append(f"{label}: {value:,.2f}{unit} (meta {goal}: {'cumple' if met else 'NO cumple'})")
        notes.append(f"{n:,} programas, frente a las metas: " + "; ".join(parts) + ".")
    lines += ["", *[f"- {x}" for x in notes], "",
              "Comando: `python tests/benchmarks/run.py --programas "
              + " ".join(str(n) for n, _, _ in results) + f" --repeticiones {repetitions}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Mide el tiempo de cada etapa del ciclo con ediciones sintéticas.")
    parser.add_argument("--programas", type=int, nargs="+", default=[550, 1100])
    parser.add_argument("--repeticiones", type=int, default=3)
    parser.add_argument("--salida", type=Path, default=RESULTS, help="Archivo Markdown con la tabla.")
    parser.add_argument("--conservar", action="store_true", help="No borra las carpetas temporales.")
    args = parser.parse_args()
    results = []
    for n in args.programas:
        print(f"Edición sintética de {n:,} programas", flush=True)
        stages, info = bench(n, args.repeticiones, args.conservar)
        results.append((n, stages, info))
        if args.conservar:
            print(f"  carpeta: {info['root']}")
        # Written after each size, so a long run that is stopped still leaves its table.
        text = table(results, args.repeticiones)
        args.salida.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.salida.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.salida)
    print()
    print(text)
    print(f"Tabla escrita en {args.salida}")


if __name__ == "__main__":
    main()
