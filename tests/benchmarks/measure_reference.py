"""Measure the shape of the 2025 edition from its text, to calibrate ``compiler.sample``.

Run from the project root::

    python tests/benchmarks/measure_reference.py [ruta/al/compendio-general-2025.txt]

Prints counts and length statistics only (never sentences). The figures it
prints are written down in ``compiler/sample/generator.py``'s docstring.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import Counter
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "compendio-general-2025.txt"
CHAPTERS = ("apf", "estatal", "legislativo", "judicial", "autonomo", "osc")
HEADING = re.compile(r"^(\d+)\. (.+)$")


def is_heading(line: str) -> bool:
    m = HEADING.match(line)
    if not m:
        return False
    letters = [c for c in m.group(2) if c.isalpha()]
    return len(letters) > 8 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def parse(text: str) -> list[dict]:
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip() == "OBJETIVO 1")
    end = next((i for i, l in enumerate(lines) if l.strip() in ("ANEXOS", "GLOSARIO") and i > start), len(lines))
    chapter, objective = -1, None
    programs: list[dict] = []
    current = None
    section = None
    for line in lines[start - 6:end]:
        s = line.strip()
        if s.startswith("CAPÍTULO "):
            chapter += 1
            current = None
            continue
        m = re.fullmatch(r"OBJETIVO (\d+)", s)
        if m:
            objective = int(m.group(1))
            current = None
            continue
        if is_heading(s):
            current = {"chapter": CHAPTERS[chapter], "objective": objective, "desc": [], "res": [], "retos": [],
                       "tables": 0, "links": 0}
            programs.append(current)
            section = "desc"
            continue
        if current is None or not s:
            continue
        if s == "RESULTADOS":
            section = "res"
            continue
        if s == "RETOS":
            section = "retos"
            continue
        if re.match(r"^\d+\. .*(https?://|www\.)", s):
            current["links"] += 1  # a footnote of this program
            continue
        if "\t" in s:
            current["tables"] += 1
            continue
        if section == "retos":
            if s.startswith("- »"):
                current["retos"].append(s[3:].strip())
            elif current["retos"]:
                current["retos"][-1] += " " + s
        else:
            current[section].append(s)
    return programs


def stats(values: list[int]) -> str:
    values = sorted(values)
    if not values:
        return "—"
    q = statistics.quantiles(values, n=10)
    return (f"mediana {statistics.median(values):,.0f}, p10 {q[0]:,.0f}, p90 {q[-1]:,.0f}, "
            f"mín {values[0]:,}, máx {values[-1]:,}")


def main(path: Path) -> None:
    programs = parse(path.read_text(encoding="utf-8"))
    n = len(programs)
    print(f"programas: {n}")
    print("por capítulo:", dict(Counter(p["chapter"] for p in programs)))
    by_obj = Counter(p["objective"] for p in programs)
    print("por objetivo:", dict(sorted(by_obj.items())))
    desc = [len(" ".join(p["desc"])) for p in programs]
    res = [len(" ".join(p["res"])) for p in programs]
    retos = [len(r) for p in programs for r in p["retos"]]
    print("descripción (caracteres):", stats(desc))
    print("párrafos de descripción:", stats([len(p["desc"]) for p in programs]))
    print("resultados (caracteres):", stats(res))
    print("reto (caracteres):", stats(retos))
    with_retos = [p for p in programs if p["retos"]]
    print(f"sin retos: {n - len(with_retos)} ({(n - len(with_retos)) / n:.0%})")
    print("retos por programa (con retos):", dict(sorted(Counter(len(p["retos"]) for p in with_retos).items())))

    def share(pred) -> str:
        k = sum(1 for p in programs if pred(" ".join(p["desc"] + p["res"]).lower()))
        return f"{k} ({k / n:.0%})"

    print("con desglose por sexo (mujeres y hombres, o niñas y niños):",
          share(lambda t: ("mujeres" in t and "hombres" in t) or ("niñas" in t and "niños" in t)))
    print("con desglose por edad (NNA/menores/adultos/rangos de edad):",
          share(lambda t: bool(re.search(r"\bnna\b|menores de|adult[oa]s|\d+ a \d+ años|años o más", t))))
    print("con subgrupos («de los cuales / de las cuales»):", share(lambda t: "de los cuales" in t or "de las cuales" in t))
    print("con personas no binarias / LGBTI:", share(lambda t: "no binari" in t or "lgbt" in t))
    print(f"con tabla: {sum(1 for p in programs if p['tables'])}")
    print(f"con enlaces (notas al pie): {sum(1 for p in programs if p['links'])}, "
          f"enlaces en total: {sum(p['links'] for p in programs)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
