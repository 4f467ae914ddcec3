"""The disaggregations agencies really reported in 2025 fit the Cifras sheet without losing meaning.

Each block below is a breakdown printed in the 2025 Compendio (figures are
public facts), entered the way the Instrucciones sheet teaches: a parent row,
sub-group rows, the «¿Sus subgrupos suman el total?» flag, ``criterio`` when
one total is split two ways, and ``nota`` for what has no column. The live
check and the validator must both find every row consistent.
"""

from __future__ import annotations

import shutil
import subprocess

import openpyxl
import pytest

from compiler import catalogs as cat, geometry as g, validation
from compiler.instructions import example_program
from compiler.spec import cifras_col
from template_support import edition, saved_template

P = "personas"

ROWS = [
    # Objective 8, Grupos Beta: adults / accompanied minors / unaccompanied minors × sex.
    dict(indicador="Personas orientadas por los Grupos Beta", unidad=P, total=112362, mujeres=38054,
         hombres=74308, nna=22454, adultos=89908, subgrupos_completos="Sí"),
    dict(indicador="Mayores de edad", unidad=P, total=89908, mujeres=27606, hombres=62302, adultos=89908, subgrupo_de=1),
    dict(indicador="Menores de edad acompañados", unidad=P, total=22236, mujeres=10409, hombres=11827, nna=22236,
         subgrupo_de=1),
    dict(indicador="Menores de edad no acompañados", unidad=P, total=218, mujeres=39, hombres=179, nna=218, subgrupo_de=1),
    # Objective 21, assisted return: the same 7,060 people split by condition and by country.
    dict(indicador="Personas atendidas con retorno asistido", unidad=P, total=7060, mujeres=1992, hombres=5068,
         nna=2351, adultos=4709, subgrupos_completos="Sí"),
    dict(indicador="Personas adultas", unidad=P, total=4709, mujeres=1046, hombres=3663, adultos=4709, subgrupo_de=5,
         criterio="condición"),
    dict(indicador="NNA acompañados", unidad=P, total=943, mujeres=487, hombres=456, nna=943, subgrupo_de=5,
         criterio="condición"),
    dict(indicador="NNA no acompañados", unidad=P, total=1408, mujeres=459, hombres=949, nna=1408, subgrupo_de=5,
         criterio="condición"),
    dict(indicador="Guatemala", unidad=P, total=3161, subgrupo_de=5, criterio="país"),
    dict(indicador="Honduras", unidad=P, total=3899, subgrupo_de=5, criterio="país"),
    # Objective 10, trafficking victims: sex × age, both partly unspecified.
    dict(indicador="Presuntas víctimas de trata", unidad=P, total=856, mujeres=585, hombres=162, sexo_sin_dato=109,
         nna=402, adultos=289, edad_sin_dato=165, subgrupos_completos="Sí"),
    dict(indicador="Mujeres", unidad=P, total=585, mujeres=585, nna=302, adultos=238, edad_sin_dato=45, subgrupo_de=11),
    dict(indicador="Hombres", unidad=P, total=162, hombres=162, nna=100, adultos=51, edad_sin_dato=11, subgrupo_de=11),
    dict(indicador="Sexo no especificado", unidad=P, total=109, sexo_sin_dato=109, edad_sin_dato=109, subgrupo_de=11),
    # Training with «otra identidad» and «no contestó»: no column of their own, so «sin dato» plus a note.
    dict(indicador="Personas capacitadas", unidad=P, total=3597, mujeres=1457, hombres=2125, no_binarias=6,
         sexo_sin_dato=9, nota="Sexo sin dato: 2 personas con otra identidad y 7 que no contestaron."),
    # Objective 16, consular cases by profile, incl. LGBTIQ+ and an unaccompanied girl.
    dict(indicador="Casos de protección atendidos", unidad="casos", total=3414, subgrupos_completos="Sí"),
    *[dict(indicador=name, unidad="casos", total=n, subgrupo_de=16, **extra) for name, n, extra in [
        ("Apoyo en documentación", 771, {}), ("Apoyo en empoderamiento", 1160, {}), ("Apoyo en salud", 84, {}),
        ("Personas enfermas", 199, {}), ("Grupo LGBTIQ+", 37, {}),
        ("Mujer de 65 años o más", 171, {"mujeres": 171, "adultos": 171}),
        ("Mujer embarazada", 130, {"mujeres": 130}), ("Mujer indigente", 160, {"mujeres": 160}),
        ("Mujer menor de 18 años no acompañada", 135, {"mujeres": 135, "nna": 135}),
        ("Persona con infante(s)", 545, {}), ("Repatriación de personas enfermas", 22, {})]],
    # Consular cases with non-binary people, split by region.
    dict(indicador="Casos de asistencia y protección consular", unidad="casos", total=164279, mujeres=36107,
         hombres=128146, no_binarias=26, subgrupos_completos="Sí"),
    dict(indicador="En Estados Unidos", unidad="casos", total=158487, subgrupo_de=28),
    dict(indicador="En otros países", unidad="casos", total=5792, subgrupo_de=28),
    # Objective 15 (state chapter): consultations by age bracket × sex; 10-19 straddles 18, so no age columns.
    dict(indicador="Consultas a personas en movilidad", unidad="atenciones", total=5187, mujeres=2291, hombres=2896,
         subgrupos_completos="Sí"),
    dict(indicador="De 0 a 9 años", unidad="atenciones", total=755, mujeres=370, hombres=385, nna=755, subgrupo_de=31),
    dict(indicador="De 10 a 19 años", unidad="atenciones", total=1138, mujeres=577, hombres=561, subgrupo_de=31),
    dict(indicador="De 20 a 59 años", unidad="atenciones", total=1983, mujeres=710, hombres=1273, adultos=1983,
         subgrupo_de=31),
    dict(indicador="De 60 años y más", unidad="atenciones", total=1311, mujeres=634, hombres=677, adultos=1311,
         subgrupo_de=31),
    # «de los cuales … sin acompañamiento» (registry of NNA).
    dict(indicador="NNA registrados", unidad=P, total=64915, mujeres=29937, hombres=34978, nna=64915,
         subgrupos_completos="Sí"),
    dict(indicador="Viajaban acompañados", unidad=P, total=61494, nna=61494, subgrupo_de=36),
    dict(indicador="Viajaban sin acompañamiento", unidad=P, total=3421, nna=3421, subgrupo_de=36),
]

ARITHMETIC = {"suma-no-cuadra", "subgrupos-no-suman", "subgrupo-excede", "subgrupo-sin-fila-madre",
              "cifra-invalida", "numero-invalido"}


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    root = tmp_path_factory.mktemp("desgloses")
    data = example_program(edition(root))
    data.cifras = [dict(r) for r in ROWS]
    return root, saved_template(root, data=data)


def test_the_parent_numbers_above_point_where_they_should():
    for i, row in enumerate(ROWS, start=1):
        if "subgrupo_de" in row:
            assert ROWS[row["subgrupo_de"] - 1].get("subgrupos_completos") == "Sí", i


def test_validator_finds_every_2025_breakdown_consistent(filled):
    root, path = filled
    report = validation.validate_file(path, edition(root), cat.load())
    assert len(report.submission.indicators) == len(ROWS)
    assert [f for f in report.findings if f.code in ARITHMETIC] == []


def test_a_wrong_partition_is_still_caught(tmp_path):
    rows = [dict(r) for r in ROWS[4:10]]
    for r in rows:
        if "subgrupo_de" in r:
            r["subgrupo_de"] -= 4
    rows[-1]["total"] = 3898  # Honduras one short: the «país» split no longer adds up
    data = example_program(edition(tmp_path))
    data.cifras = rows
    report = validation.validate_file(saved_template(tmp_path, data=data), edition(tmp_path), cat.load())
    assert "subgrupos-no-suman" in {f.code for f in report.findings}


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed")
def test_live_check_shows_cuadra_on_every_2025_row(filled, tmp_path):
    _, path = filled
    profile = f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}"
    subprocess.run([SOFFICE, profile, "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=120)
    ws = openpyxl.load_workbook(tmp_path / path.name, data_only=True)[g.CIFRAS]
    status = [ws[f"{cifras_col('estado')}{g.CIFRAS_FIRST_ROW + i}"].value for i in range(len(ROWS))]
    assert status == ["Cuadra"] * len(ROWS)
