"""A season's reception, measured: ~550 synthetic workbooks arriving as e-mails, resubmissions mixed in.

    python tests/benchmarks/bench_recepcion.py [--programas 550] [--reenvios 60] [--repetidos 20] [--carpeta DIR]

1. ``compendio generar --edition 2026`` writes the workbooks (stamped for 2026).
2. ``--reenvios`` of them are corrected (another «Resultados», same program) and
   ``--repetidos`` are sent again byte for byte; every workbook goes into an
   ``.eml`` of its institution (1-4 attachments each), dated over three weeks,
   the corrections and repeats in later e-mails.
3. ``compendio recibir --edition 2026 correos/`` receives them all in one run
   (copies, register, validation, feedback copies, acuses); then a second
   ``compendio validate`` over the same folder (nothing new) and ``compendio status``.

Prints the wall time and peak memory of each command, and what the register
ended with. Timings are never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.policy
import email.utils
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def run(root: Path, *args: str) -> tuple[float, float, int]:
    """Wall seconds, peak memory of the process tree (MB) and exit code of ``compendio ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "compiler", *args, "--raiz", str(root)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit(f"compendio {' '.join(args)} terminó con código {proc.returncode}")
    return seconds, max(peak, before) / 1024, proc.returncode


def corrected(path: Path, out: Path) -> Path:
    from openpyxl import load_workbook

    from compiler import geometry as g

    wb = load_workbook(path)
    ws = wb[g.PROGRAMA]
    row = next(c.row for c in ws[g.PROGRAMA_ID_COL] if c.value == "resultados")
    cell = ws[f"{g.PROGRAMA_INPUT_COL}{row}"]
    cell.value = f"{cell.value or ''} Cifras revisadas y corregidas por la institución."
    wb.save(out)
    return out


def mails(files: list[tuple[Path, str]], folder: Path, start: dt.datetime, rng: random.Random, tag: str) -> int:
    """One .eml per institution and batch of 1-4 attachments; returns how many e-mails."""
    from compiler import reader

    by_body: dict[str, list[tuple[Path, str]]] = defaultdict(list)
    for path, name in files:
        try:
            body = reader.read(path).stamp.institution_id or "sin-institucion"
        except Exception:  # a planted non-workbook: still an attachment
            body = "sin-institucion"
        by_body[body].append((path, name))
    n = 0
    for body, items in sorted(by_body.items()):
        while items:
            k = rng.randint(1, 4)
            take, items = items[:k], items[k:]
            msg = EmailMessage()
            msg["From"] = f"Enlace <enlace@{body}.gob.mx>"
            msg["To"] = "compendio.pmm@segob.gob.mx"
            msg["Subject"] = f"Reporte Compendio 2026 ({body})"
            when = start + dt.timedelta(minutes=rng.randint(0, 7 * 24 * 60))
            msg["Date"] = email.utils.format_datetime(when.astimezone())
            msg.set_content("Se envían los reportes de los programas.")
            for path, name in take:
                msg.add_attachment(path.read_bytes(), maintype="application",
                                   subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=name)
            n += 1
            (folder / f"{tag}-{n:04d}-{body}.eml").write_bytes(msg.as_bytes(policy=email.policy.SMTP))
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programas", type=int, default=550)
    ap.add_argument("--reenvios", type=int, default=60)
    ap.add_argument("--repetidos", type=int, default=20)
    ap.add_argument("--carpeta", type=Path, default=None)
    args = ap.parse_args()
    root = args.carpeta or Path(tempfile.mkdtemp(prefix="bench-recepcion-"))
    keep = args.carpeta is not None
    try:
        from compiler import settings

        settings.init(root, "2026")
        gen = root / "generados"
        t_gen, _, _ = run(root, "generar", "--edition", "2026", "-n", str(args.programas), "--destino", str(gen),
                          "--errores", "--generado", "2026-08-01")
        rng = random.Random(9)
        books = sorted(gen.glob("*.xlsx"))
        fixes = root / "corregidos"
        fixes.mkdir()
        readable = [p for p in books if p.read_bytes()[:2] == b"PK"]
        redo = [corrected(p, fixes / p.name) for p in rng.sample(readable, args.reenvios)]
        again = rng.sample(books, args.repetidos)
        inbox = root / "correos"
        inbox.mkdir()
        start = dt.datetime(2026, 8, 3, 9, 0)
        n_mail = mails([(p, p.name) for p in books], inbox, start, rng, "a")
        n_mail += mails([(p, p.stem + "-corregido.xlsx") for p in redo] + [(p, p.name) for p in again], inbox,
                        start + dt.timedelta(days=14), rng, "b")
        attachments = len(books) + len(redo) + len(again)
        t_rec, m_rec, _ = run(root, "recibir", "--edition", "2026", str(inbox))
        t_val, m_val, _ = run(root, "validate", "--edition", "2026")
        t_sta, m_sta, _ = run(root, "status", "--edition", "2026", "--hoy", "2026-09-15")
        entries = json.loads((root / "output" / "2026" / "registro.json").read_text(encoding="utf-8"))["entradas"]
        states = defaultdict(int)
        for e in entries:
            states[e["situacion"]] += 1
        acuses = len(list((root / "output" / "2026" / "acuses").rglob("*.txt")))
        feedback = len(list((root / "output" / "2026" / "retroalimentacion").rglob("*.xlsx")))
        print(f"Máquina: {os.cpu_count()} núcleos; carga {os.getloadavg()[0]:.1f}")
        print(f"Generados: {len(books):,} libros en {t_gen:.1f} s; {len(redo):,} corregidos y {len(again):,} "
              f"repetidos tal cual; {attachments:,} adjuntos en {n_mail:,} correos .eml")
        print(f"compendio recibir: {t_rec:.1f} s, memoria máx. {m_rec:.0f} MB "
              f"({t_rec / attachments * 1000:.0f} ms por adjunto)")
        print(f"compendio validate (segunda pasada, nada nuevo): {t_val:.1f} s, memoria máx. {m_val:.0f} MB")
        print(f"compendio status (con recordatorios): {t_sta:.1f} s, memoria máx. {m_sta:.0f} MB")
        print(f"Registro: {len(entries):,} entradas — " + ", ".join(f"{k} {v:,}" for k, v in sorted(states.items()))
              + f"; {acuses:,} acuses; {feedback:,} retroalimentaciones")
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
