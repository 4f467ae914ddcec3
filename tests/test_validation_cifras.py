"""Arithmetic on Cifras: breakdowns, sub-groups, blanks that are not zeros."""

from __future__ import annotations

import pytest

from validation_support import check, cif, clean, edition, found


@pytest.fixture
def ed(tmp_path):
    return edition(tmp_path)


def cifras(ed, rows, **kw):
    data = clean()
    data.cifras = rows
    return check(ed, data, **kw)


def person(total, **parts):
    return {"indicador": "Personas atendidas", "unidad": "personas", "total": total} | parts


def test_sex_breakdown_that_does_not_add_up_shows_the_sum(ed):
    report = cifras(ed, [person(3105, mujeres=1801, hombres=1204, no_binarias=0, sexo_sin_dato=0)])
    [f] = report.findings
    assert (f.code, f.severity, f.ref, f.value) == ("suma-no-cuadra", "error", cif("total", 1), 3105)
    assert f.message.startswith("Mujeres 1,801 + Hombres 1,204 + Personas no binarias 0 + Sexo sin dato 0 = 3,005, "
                                "pero el Total dice 3,105.")
    assert "por sexo de la fila 1 de Cifras, celda D6" in f.message


def test_blank_parts_are_named_not_taken_for_zeros(ed):
    [f] = cifras(ed, [person(3105, mujeres=1801, hombres=1204)]).findings
    assert f.code == "suma-no-cuadra"
    assert "Personas no binarias (G6) y Sexo sin dato (H6) están vacías: vacío no es cero" in f.message


def test_blank_parts_are_fine_when_the_given_ones_add_up(ed):
    assert cifras(ed, [person(3005, mujeres=1801, hombres=1204)]).findings == []


def test_age_breakdown_is_checked_too(ed):
    report = cifras(ed, [person(100, mujeres=60, hombres=40, nna=30, adultos=60)], name="b.xlsx")
    [f] = report.findings
    assert (f.code, f.ref) == ("suma-no-cuadra", cif("total", 1))
    assert "NNA (0 a 17 años) 30 + 18 años y más 60 = 90" in f.message and "por edad" in f.message


def test_both_breakdowns_wrong_gives_two_findings_in_one_pass(ed):
    report = cifras(ed, [person(100, mujeres=10, hombres=10, nna=5, adultos=5)])
    assert [f.code for f in report.findings] == ["suma-no-cuadra", "suma-no-cuadra"]


@pytest.mark.parametrize("value, hint", [
    ("1,200", "escriba 1200"), ("1 200", "escriba 1200"), ("aprox 300", "aproximada, escriba 300"), (-5, ""),
    (12.5, "no es un número entero"),
    # A guess is never presented as the fix: «12,63» may be 1,263 or 12.63.
    ("12,63", "puede ser 1,263 o 12.63 y no se sabe cuál"), ("1.200", "puede ser 1,200 o 1.200"),
    ("N/D", "N/D: si no tiene el dato, deje la celda vacía"), ("s/d", "deje la celda vacía")])
def test_counts_must_be_whole_numbers(ed, value, hint):
    report = cifras(ed, [person(3005, mujeres=value, hombres=1204)])
    [f] = report.findings  # no sum check on a part that is not a number
    assert (f.code, f.ref, f.value) == ("cifra-invalida", cif("mujeres", 1), value)
    assert "«Mujeres» de la fila 1 de Cifras, celda E6 dice" in f.message and hint in f.message
    if "no se sabe" in hint:
        assert "escriba 1263" not in f.message


def test_row_needs_indicator_unit_and_total(ed):
    report = cifras(ed, [{"mujeres": 10, "hombres": 5}])
    assert found(report) >= {("campo-obligatorio", cif("indicador", 1)), ("campo-obligatorio", cif("unidad", 1)),
                             ("campo-obligatorio", cif("total", 1))}
    [total] = [f for f in report.findings if f.ref == cif("total", 1)]
    assert "vacío no es cero" in total.message


def test_unit_outside_the_list(ed):
    report = cifras(ed, [{"indicador": "Talleres", "unidad": "talleres", "total": 4}])
    assert found(report) == {("valor-fuera-de-catalogo", cif("unidad", 1))}


def test_subgroup_may_not_exceed_its_parent_in_any_column(ed):
    rows = [person(480, mujeres=200, hombres=280),
            {"indicador": "De las cuales, solicitantes de refugio", "unidad": "personas", "total": 600,
             "mujeres": 250, "hombres": 350, "subgrupo_de": 1}]
    report = cifras(ed, rows)
    assert found(report) == {("subgrupo-excede", cif("total", 2)), ("subgrupo-excede", cif("mujeres", 2)),
                             ("subgrupo-excede", cif("hombres", 2))}
    total = next(f for f in report.findings if f.ref == cif("total", 2))
    assert "Total 600, más que la fila 1" in total.message and "(480)" in total.message


def test_complete_subgroups_must_add_up_to_the_parent(ed):
    rows = [person(100, mujeres=50, hombres=50, subgrupos_completos="Sí"),
            person(60, mujeres=30, hombres=30, subgrupo_de=1),
            person(30, mujeres=20, hombres=10, subgrupo_de=1)]
    report = cifras(ed, rows)
    codes_at = found(report)
    assert ("subgrupos-no-suman", cif("total", 1)) in codes_at
    assert ("subgrupos-no-suman", cif("hombres", 1)) in codes_at
    f = next(f for f in report.findings if f.ref == cif("total", 1))
    assert "60 (fila 2 de Cifras, celda D7) + 30 (fila 3 de Cifras, celda D8) = 90" in f.message
    assert "su Total es 100" in f.message
    assert "«No»" not in f.message  # no way out that would hide the error


def test_subgroups_that_overlap_are_not_summed(ed):
    rows = [person(100, mujeres=50, hombres=50, subgrupos_completos="No"),
            person(60, mujeres=30, hombres=30, subgrupo_de=1),
            person(70, mujeres=40, hombres=30, subgrupo_de=1)]
    assert cifras(ed, rows).findings == []


def test_each_criterion_is_a_complete_split_of_its_own(ed):
    rows = [person(100, mujeres=50, hombres=50, subgrupos_completos="Sí"),
            person(60, mujeres=30, hombres=30, subgrupo_de=1, criterio="país"),
            person(40, mujeres=20, hombres=20, subgrupo_de=1, criterio="país"),
            person(70, mujeres=35, hombres=35, subgrupo_de=1, criterio="condición"),
            person(20, mujeres=10, hombres=10, subgrupo_de=1, criterio="condición")]
    report = cifras(ed, rows)
    [f] = [f for f in report.findings if f.ref == cif("total", 1)]
    assert f.code == "subgrupos-no-suman" and "«condición»" in f.message and "= 90" in f.message


def test_blank_subgroup_total_is_named(ed):
    rows = [person(100, mujeres=50, hombres=50, subgrupos_completos="Sí"),
            person(100, mujeres=50, hombres=50, subgrupo_de=1),
            {"indicador": "Otras", "unidad": "personas", "subgrupo_de": 1, "mujeres": 0}]
    report = cifras(ed, rows)
    f = next(f for f in report.findings if f.code == "subgrupos-no-suman")
    assert "D8" in f.message and "vacío no es cero" in f.message


@pytest.mark.parametrize("ref, says", [(5, "la fila 5 está vacía"), (2, "sí misma"), (75, "del 1 al 60")])
def test_subgroup_pointing_nowhere(ed, ref, says):
    rows = [person(100, mujeres=50, hombres=50), person(10, mujeres=5, hombres=5, subgrupo_de=ref)]
    report = cifras(ed, rows)
    [f] = report.findings
    assert (f.code, f.ref) == ("subgrupo-sin-fila-madre", cif("subgrupo_de", 2)) and says in f.message


def test_subgroups_in_a_loop(ed):
    rows = [person(100, mujeres=50, hombres=50, subgrupo_de=2), person(10, mujeres=5, hombres=5, subgrupo_de=1)]
    assert {f.code for f in cifras(ed, rows).findings} == {"subgrupo-sin-fila-madre"}


def test_people_without_any_sex_breakdown_is_a_warning(ed):
    report = cifras(ed, [person(250), {"indicador": "Talleres", "unidad": "eventos", "total": 12}])
    [f] = report.findings
    assert (f.code, f.severity, f.ref) == ("sin-desglose-sexo", "advertencia", cif("mujeres", 1))
    assert report.status == "aceptado con observaciones"


def test_the_write_zero_hint_only_when_zeros_can_make_the_sum_right(ed):
    [under] = cifras(ed, [person(3105, mujeres=1801, hombres=1204)]).findings
    assert "escriba 0 donde no haya personas" in under.message
    [over] = cifras(ed, [person(2000, mujeres=1801, hombres=1204)]).findings
    assert over.code == "suma-no-cuadra" and "escriba 0" not in over.message and "vacío" not in over.message


def test_subgroup_sex_rows_inherit_the_parents_split(ed):
    rows = [person(537, mujeres=301, hombres=236),
            {"indicador": "De las cuales, NNA", "unidad": "personas", "total": 212, "subgrupo_de": 1},
            {"indicador": "De los cuales, no acompañados", "unidad": "personas", "total": 40, "subgrupo_de": 2}]
    assert cifras(ed, rows).findings == []
    rows[0] = {"indicador": "Personas repatriadas", "unidad": "personas", "total": 537}
    assert [(f.code, f.ref) for f in cifras(ed, rows).findings] == [("sin-desglose-sexo", cif("mujeres", 1))]


def pct_row(**parts):
    return {"indicador": "Personas encuestadas", "unidad": "porcentaje"} | parts


def test_a_percentage_row_sums_to_100_not_to_the_total(ed):
    assert cifras(ed, [pct_row(total=1250, mujeres=52.5, hombres=47.5)]).findings == []
    assert cifras(ed, [pct_row(mujeres=33, hombres=33, no_binarias=33)]).findings == []  # rounding, no total
    [f] = cifras(ed, [pct_row(total=1250, mujeres=55, hombres=35)]).findings
    assert (f.code, f.ref) == ("porcentajes-no-suman", cif("mujeres", 1))
    assert "Mujeres 55 % + Hombres 35 % = 90 %" in f.message and "fila 1 de Cifras" in f.message


def test_a_percentage_above_100_is_refused(ed):
    [f] = cifras(ed, [pct_row(mujeres=120, hombres=0)]).findings
    assert f.code == "cifra-invalida"
