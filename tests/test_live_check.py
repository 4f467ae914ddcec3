"""The «Revisión» column of Cifras, computed by LibreOffice, agrees with the validator on every case.

All cases of ``cifras_cases.CASES`` (and the same workbooks with the live
check's formula mutated) go through ONE LibreOffice conversion: the real
formula must agree with the validator and with each case's expected verdict;
every mutant must disagree somewhere, so a change to the formula's
comparisons cannot pass unnoticed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from cifras_cases import CASES
from compiler import catalogs as cat, geometry as g, template, validation
from compiler.spec import PERCENT_UNIT, cifras_col
from template_support import edition

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
#: Findings that say a row's figures do not add up (what «Revisión» checks).
ARITHMETIC = {"suma-no-cuadra", "subgrupo-excede", "subgrupos-no-suman", "subgrupo-sin-fila-madre",
              "porcentajes-no-suman"}

#: Mutations of the formula text, each of which must be caught by some case.
MUTANTS = {
    "subgrupo >= madre": lambda f: f.replace(">INDEX(", ">=INDEX("),
    "desglose sólo si excede": lambda f: re.sub(r"SUM\(([A-Z]+\d+:[A-Z]+\d+)\)<>", r"SUM(\1)>", f),
    "subgrupos sin criterio": lambda f: re.sub(r',\$[A-Z]+\$\d+:\$[A-Z]+\$\d+,[A-Z]+\d+&""', "", f),
    "porcentajes sin margen": lambda f: f.replace("-100)>2", "-100)>0"),
    "porcentajes como cifras": lambda f: f.replace(f'="{PERCENT_UNIT}"', '="ninguna"'),
}


def _layout() -> list[list[tuple[int, object]]]:
    """Cases packed into workbooks: [(case index, first row number)] per workbook, a blank row after each."""
    books, current, used = [], [], 0
    for i, case in enumerate(CASES):
        need = len(case.rows) + 1
        if used + need > g.CIFRAS_ROWS:
            books.append(current)
            current, used = [], 0
        current.append((i, used + 1))
        used += need
    books.append(current)
    return books


def _rows(book) -> list[dict]:
    rows: list[dict] = []
    for i, first in book:
        while len(rows) < first - 1:
            rows.append({})
        for r in CASES[i].rows:
            r = dict(r)
            if "subgrupo_de" in r:
                r["subgrupo_de"] += first - 1
            rows.append(r)
    return rows


def _write(folder: Path, ed, cats, tag: str) -> list[Path]:
    paths = []
    for k, book in enumerate(_layout()):
        wb = template.build_workbook(ed, cats)
        rows = _rows(book)
        wc = wb[g.CIFRAS]
        for j, row in enumerate(rows):
            for cid, v in row.items():
                wc[f"{cifras_col(cid)}{g.CIFRAS_FIRST_ROW + j}"] = v
        paths.append(template.save(wb, folder / f"{tag}-{k}.xlsx"))
    return paths


def _case_of_row(book) -> dict[int, int]:
    """Sheet row → case index."""
    out = {}
    for i, first in book:
        for j in range(len(CASES[i].rows) + 1):
            out[g.CIFRAS_FIRST_ROW + first - 1 + j] = i
    return out


def _sheet_texts(path: Path, book) -> dict[tuple[int, int], str | None]:
    """(case index, sheet row) → what «Revisión» says, for each case's rows and the blank row after it."""
    ws = openpyxl.load_workbook(path, data_only=True)[g.CIFRAS]
    col = cifras_col("estado")
    return {(i, row): ws[f"{col}{row}"].value for row, i in _case_of_row(book).items()}


def _sheet_verdicts(texts: dict) -> dict[int, bool]:
    ok: dict[int, bool] = {}
    for (i, _), text in texts.items():
        ok[i] = ok.get(i, True) and text in (None, "", template.STATUS_OK)
    return ok


def _validator_verdicts(path: Path, book, ed, cats) -> dict[int, bool]:
    report = validation.validate_file(path, ed, cats)
    where = _case_of_row(book)
    ok = {i: True for i, _ in book}
    for f in report.findings:
        if f.sheet != g.CIFRAS or not (f.code in ARITHMETIC or f.code == "campo-obligatorio"):
            continue
        row = int(re.sub(r"\D", "", f.cell))
        ok[where[row]] = False
    return ok


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """Every workbook, real and mutated, recalculated by LibreOffice in one conversion."""
    if SOFFICE is None:
        pytest.fail("LibreOffice (soffice) is needed for the live-check tests: apt-get install libreoffice-calc-nogui")
    tmp = tmp_path_factory.mktemp("live")
    ed, cats = edition(tmp), cat.load()
    made = {"real": _write(tmp, ed, cats, "real")}
    original = template.status_formula
    for name, mutate in MUTANTS.items():
        tag = re.sub(r"\W+", "-", name)
        template.status_formula = lambda row, mutate=mutate: mutate(original(row))
        try:
            made[name] = _write(tmp, ed, cats, tag)
        finally:
            template.status_formula = original
    for name, paths in list(made.items())[1:]:
        assert open(paths[0], "rb").read() != open(made["real"][0], "rb").read(), f"mutant {name} changed nothing"
    out = tmp / "calc"
    profile = f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}"
    files = [str(p) for paths in made.values() for p in paths]
    subprocess.run([SOFFICE, profile, "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), *files],
                   check=True, capture_output=True, timeout=300)
    books = _layout()
    texts = {name: {k: v for path, book in zip(paths, books) for k, v in _sheet_texts(out / path.name, book).items()}
             for name, paths in made.items()}
    sheet = {name: _sheet_verdicts(t) for name, t in texts.items()}
    checked = {k: v for path, book in zip(made["real"], books)
               for k, v in _validator_verdicts(path, book, ed, cats).items()}
    return sheet, checked, texts["real"]


def test_the_validator_gives_each_case_its_verdict(computed):
    _, checked, _ = computed
    wrong = {CASES[i].name: ok for i, ok in checked.items() if ok != CASES[i].ok}
    assert wrong == {}


def test_the_live_check_in_the_spreadsheet_agrees_with_the_validator_on_every_case(computed):
    sheet, checked, _ = computed
    differ = {CASES[i].name: {"hoja": sheet["real"][i], "validador": checked[i]}
              for i in checked if sheet["real"][i] != checked[i]}
    assert differ == {}


@pytest.mark.parametrize("mutant", list(MUTANTS))
def test_a_mutated_live_check_disagrees_on_some_case(computed, mutant):
    sheet, checked, _ = computed
    assert any(sheet[mutant][i] != checked[i] for i in checked), f"the mutation «{mutant}» went unnoticed"


#: What «Revisión» says on a row of a case (row within the case, 1-based): the agency reads this text.
SAYS = {
    ("sexo completo", 1): "Cuadra",
    ("sexo no suma", 1): "El desglose por sexo no suma el total",
    ("edad no suma", 1): "El desglose por edad no suma el total",
    ("sin total con desglose", 1): "Falta el total",
    ("subgrupo mayor que la madre", 2): "Mayor que la fila {1}",
    ("subgrupo con más mujeres que la madre", 2): "Mayor que la fila {1} en Mujeres",
    ("subgrupos no suman, «Sí»", 2): "Los subgrupos no suman la fila {1}",
    ("«Sí»: totales suman, mujeres no", 3): "Los subgrupos no suman la fila {1} en Mujeres",
    ("dos criterios, uno no suma", 2): "Cuadra",
    ("dos criterios, uno no suma", 4): "Los subgrupos no suman la fila {1}",
    ("subgrupo de sí mismo", 1): "No puede ser subgrupo de sí misma",
    ("madre sin total", 2): "La fila {1} no tiene total",
    ("subgrupos uno del otro", 1): "Las filas {1} y {2} son subgrupo una de la otra",
    ("«Sí» sin subgrupos", 1): "Cuadra",
    ("porcentajes suman 100", 1): "Cuadra",
    ("porcentajes no suman 100", 1): "Los porcentajes por sexo no suman 100",
    ("porcentajes por edad no suman 100", 1): "Los porcentajes por edad no suman 100",
}


def test_the_live_check_says_what_is_wrong_in_the_agencys_words(computed):
    *_, texts = computed
    by_name = {c.name: i for i, c in enumerate(CASES)}
    got, want = {}, {}
    for (name, j), text in SAYS.items():
        i = by_name[name]
        # «{k}» is the number («Núm.») of the case's k-th row in the sheet.
        first = min(r for (ci, r) in texts if ci == i) - g.CIFRAS_FIRST_ROW + 1
        want[(name, j)] = re.sub(r"\{(\d)\}", lambda m: str(first + int(m.group(1)) - 1), text)
        got[(name, j)] = texts[(i, g.CIFRAS_FIRST_ROW + first - 1 + j - 1)]
    assert got == want
