"""The intake portal under a season's load: 550 uploads from 20 concurrent clients against a local server.

    python tests/benchmarks/bench_portal.py [--programas 550] [--clientes 20] [--errores]

1. ``sample.generate`` writes the workbooks for edition 2026 (with ``--errores``,
   one planted defect of each kind, so some uploads get a marked copy);
   ``links.ensure`` makes every body's private link.
2. A uvicorn server runs the portal in its own process on a free port (the
   per-link rate limit raised: here 20 clients upload a whole season at once).
3. 20 threads, each with its own ``httpx.Client`` (its cookie, like a browser),
   take the files in turn: open the body's page (the form token), then upload
   the workbook. Each upload is timed from request to the complete result page.
4. The server's resident memory (with any child process) is sampled every 50 ms.

Prints the median and 95th percentile of the upload and page times, the
server's peak RSS, the load average before and after (the machine may be shared),
and what the register ended with. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SERVER = """
import sys, uvicorn
from pathlib import Path
from compiler import catalogs, portal, settings
ed = settings.load(Path(sys.argv[1]), "2026")
app = portal.create_app(ed, catalogs.for_edition(ed), sys.argv[3], rate_burst=100_000, rate_per_minute=100_000)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> None:
    import httpx
    import psutil
    from python_calamine import CalamineWorkbook

    from browser_support import free_port
    from compiler import catalogs as cat, links, register, settings, sample
    from compiler.reader import read_stamp

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programas", type=int, default=550)
    ap.add_argument("--clientes", type=int, default=20)
    ap.add_argument("--errores", action="store_true")
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    settings.init(root, "2026")
    ed = settings.load(root, "2026")
    cats = cat.for_edition(ed)
    started = time.perf_counter()
    made = sample.generate(ed, cats, args.programas, 1, root / "libros",
                          defects=sample.DEFECT_CODES if args.errores else ())
    every, _ = links.ensure(ed, cats)
    secret_of = {lk.body_id: lk.secret for lk in every}
    work: queue.Queue = queue.Queue()
    for path in made.files:
        try:
            body_id = read_stamp(CalamineWorkbook.from_path(str(path)), path).institution_id
        except Exception:  # a planted non-workbook: its body is unknown, any link receives it
            body_id = None
        work.put((path, secret_of.get(body_id or "", every[0].secret)))
    print(f"{len(made.files):,} libros y {len(every):,} enlaces en {time.perf_counter() - started:.1f} s ({root})")

    port, staff = free_port(), "secreto-de-la-medicion-0123456789"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port), staff], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    proc = psutil.Process(server.pid)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                pass
            time.sleep(0.05)

    uploads: list[float] = []
    pages: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def client():
        with httpx.Client(base_url=base, timeout=300) as http:
            while True:
                try:
                    path, secret = work.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                page = http.get(f"/i/{secret}")
                t1 = time.perf_counter()
                token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
                r = http.post(f"/i/{secret}/enviar", data={"csrf": token},
                              files=[("archivos", (path.name, path.read_bytes(), "application/octet-stream"))])
                t2 = time.perf_counter()
                with lock:
                    pages.append(t1 - t0)
                    uploads.append(t2 - t1)
                    codes[r.status_code] = codes.get(r.status_code, 0) + 1

    load_before = os.getloadavg()
    threading.Thread(target=sample, daemon=True).start()
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.clientes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    load_after = os.getloadavg()
    done.set()
    server.terminate()
    server.wait(10)

    reg = register.load(ed)
    states: dict[str, int] = {}
    for e in reg.entries:
        states[e.estado] = states.get(e.estado, 0) + 1
    print(f"{len(uploads):,} envíos desde {args.clientes} clientes en {wall:.1f} s "
          f"({len(uploads) / wall:.1f} envíos/s); respuestas: {dict(sorted(codes.items()))}")
    print(f"Envío (subir + validar + registrar + retroalimentación + acuse): mediana {statistics.median(uploads):.2f} s, "
          f"p95 {percentile(uploads, 95):.2f} s, máximo {max(uploads):.2f} s")
    print(f"Página de la institución: mediana {statistics.median(pages) * 1000:.0f} ms, "
          f"p95 {percentile(pages, 95) * 1000:.0f} ms")
    print(f"Memoria máxima del servidor (RSS): {peak[0] / 2**20:,.0f} MB")
    print(f"Carga del equipo ({os.cpu_count()} núcleos): antes {load_before[0]:.2f} / {load_before[1]:.2f} / "
          f"{load_before[2]:.2f}, después {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}")
    print(f"Registro: {len(reg.entries):,} entradas, {sum(e.origen == 'portal' for e in reg.entries):,} por el portal; "
          f"{states}")


if __name__ == "__main__":
    main()
