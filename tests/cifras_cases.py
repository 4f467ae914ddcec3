"""One table of Cifras cases, shared by the live check in Excel and the validator's arithmetic.

Each case is a few rows of the Cifras sheet (``subgrupo_de`` counts from the
case's first row) and whether they add up. ``test_live_check_agrees`` lays all
cases in workbooks, lets LibreOffice compute the «Revisión» column, and checks
that the spreadsheet's verdict, the validator's verdict and ``ok`` are the same
on every case.

The shapes are those of the 2025 edition (see ``spec.Column``): each
breakdown alone or both, partial and with «sin dato», sub-groups that split a
total by one or two criteria, nested «de los cuales», overlapping groups
(«No»), and the errors an agency makes with each.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Case(NamedTuple):
    name: str
    ok: bool
    rows: tuple[dict[str, Any], ...]


def _r(total=None, **kw) -> dict[str, Any]:
    row = {"indicador": kw.pop("indicador", "Personas atendidas"), "unidad": "personas"}
    if total is not None:
        row["total"] = total
    return row | kw


P = "personas"
PCT = "porcentaje"

#: Every disaggregation printed in the 2025 Compendio (figures are public facts), entered the way the
#: Instrucciones sheet teaches; ``test_template_breakdowns`` explains each block.
EDITION_2025_ROWS: tuple[dict[str, Any], ...] = (
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
)


CASES: tuple[Case, ...] = (
    Case("todas las formas de la edición 2025", True, EDITION_2025_ROWS),
    # --- one row, its breakdowns
    Case("solo total", True, (_r(10),)),
    Case("sexo completo", True, (_r(10, mujeres=4, hombres=5, no_binarias=1),)),
    Case("sexo con sin dato", True, (_r(10, mujeres=4, hombres=4, sexo_sin_dato=2),)),
    Case("sexo no suma", False, (_r(10, mujeres=5, hombres=4),)),
    Case("sexo excede", False, (_r(10, mujeres=6, hombres=5),)),
    Case("sexo con ceros", True, (_r(0, mujeres=0, hombres=0),)),
    Case("sexo sólo mujeres = total", True, (_r(7, mujeres=7),)),
    Case("sexo sólo mujeres < total", False, (_r(7, mujeres=6),)),
    Case("edad completa", True, (_r(10, nna=3, adultos=7),)),
    Case("edad con sin dato", True, (_r(10, nna=3, adultos=5, edad_sin_dato=2),)),
    Case("edad no suma", False, (_r(10, nna=5, adultos=6),)),
    Case("sexo y edad suman", True, (_r(20, mujeres=9, hombres=11, nna=4, adultos=16),)),
    Case("sexo suma, edad no", False, (_r(20, mujeres=9, hombres=11, nna=4, adultos=15),)),
    Case("edad suma, sexo no", False, (_r(20, mujeres=9, hombres=10, nna=4, adultos=16),)),
    Case("sin total con desglose", False, (_r(None, mujeres=3, hombres=2),)),
    Case("sin total ni desglose", False, (_r(None, nota="sólo una nota"),)),
    # --- sub-groups
    Case("subgrupo menor, madre «No»", True, (_r(100, subgrupos_completos="No"), _r(40, subgrupo_de=1))),
    Case("subgrupo sin marca en la madre", True, (_r(100), _r(40, subgrupo_de=1))),
    Case("subgrupo igual a la madre", True, (_r(100), _r(100, subgrupo_de=1))),
    Case("subgrupo mayor que la madre", False, (_r(100), _r(101, subgrupo_de=1))),
    Case("subgrupos suman, «Sí»", True, (_r(100, subgrupos_completos="Sí"), _r(60, subgrupo_de=1),
                                         _r(40, subgrupo_de=1))),
    Case("subgrupos no suman, «Sí»", False, (_r(100, subgrupos_completos="Sí"), _r(60, subgrupo_de=1),
                                             _r(30, subgrupo_de=1))),
    Case("subgrupos se traslapan, «No»", True, (_r(100, subgrupos_completos="No"), _r(60, subgrupo_de=1),
                                                _r(70, subgrupo_de=1))),
    Case("subgrupos pasan el total, «Sí»", False, (_r(100, subgrupos_completos="Sí"), _r(60, subgrupo_de=1),
                                                   _r(50, subgrupo_de=1))),
    Case("dos criterios que suman", True, (
        _r(100, subgrupos_completos="Sí"),
        _r(40, subgrupo_de=1, criterio="país"), _r(60, subgrupo_de=1, criterio="país"),
        _r(70, subgrupo_de=1, criterio="edad"), _r(30, subgrupo_de=1, criterio="edad"))),
    Case("dos criterios, uno no suma", False, (
        _r(100, subgrupos_completos="Sí"),
        _r(40, subgrupo_de=1, criterio="país"), _r(60, subgrupo_de=1, criterio="país"),
        _r(70, subgrupo_de=1, criterio="edad"), _r(20, subgrupo_de=1, criterio="edad"))),
    Case("«de los cuales» anidado", True, (
        _r(100, subgrupos_completos="No"), _r(60, subgrupo_de=1, subgrupos_completos="No"),
        _r(25, subgrupo_de=2))),
    Case("anidado excede a su madre inmediata", False, (
        _r(100), _r(60, subgrupo_de=1), _r(61, subgrupo_de=2))),
    Case("subgrupos con su propio desglose por sexo", True, (
        _r(100, mujeres=45, hombres=55, subgrupos_completos="Sí"),
        _r(30, mujeres=10, hombres=20, subgrupo_de=1), _r(70, mujeres=35, hombres=35, subgrupo_de=1))),
    Case("desglose de un subgrupo no suma", False, (
        _r(100, subgrupos_completos="Sí"), _r(30, mujeres=10, hombres=10, subgrupo_de=1),
        _r(70, subgrupo_de=1))),
    Case("subgrupo de sí mismo", False, (_r(10, subgrupo_de=1),)),
    Case("madre sin total", False, (_r(None, nota="sin cifra"), _r(5, subgrupo_de=1))),
    Case("madre es una fila vacía", False, (_r(5, subgrupo_de=3), _r(6))),  # row 3: the blank row after the case
    Case("subgrupos uno del otro", False, (_r(10, subgrupo_de=2), _r(10, subgrupo_de=1))),
    Case("«Sí» sin subgrupos", True, (_r(10, subgrupos_completos="Sí"),)),
    # --- sub-groups, column by column
    Case("subgrupo con más mujeres que la madre", False, (
        _r(100, mujeres=40, hombres=60), _r(50, mujeres=45, hombres=5, subgrupo_de=1))),
    Case("subgrupo con mujeres, madre sin desglose", True, (_r(100), _r(50, mujeres=45, hombres=5, subgrupo_de=1))),
    Case("«Sí»: totales suman, mujeres no", False, (
        _r(100, mujeres=40, hombres=60, subgrupos_completos="Sí"),
        _r(50, mujeres=10, hombres=40, subgrupo_de=1), _r(50, mujeres=10, hombres=40, subgrupo_de=1))),
    Case("«Sí»: un subgrupo sin desglose de edad", True, (
        _r(100, nna=30, adultos=70, subgrupos_completos="Sí"),
        _r(50, nna=10, adultos=40, subgrupo_de=1), _r(50, subgrupo_de=1))),
    # --- rows in «porcentaje»: each breakdown sums to 100 (give or take the rounding); the total, if any,
    # is the count the shares are of, and is not required
    Case("porcentajes suman 100", True, (_r(240, unidad=PCT, mujeres=52.5, hombres=47.5),)),
    Case("porcentajes sin total", True, (_r(None, unidad=PCT, mujeres=61, hombres=39, nna=12, adultos=88),)),
    Case("porcentajes redondeados (99.9)", True, (_r(None, unidad=PCT, mujeres=33.3, hombres=33.3,
                                                      sexo_sin_dato=33.3),)),
    Case("porcentajes no suman 100", False, (_r(240, unidad=PCT, mujeres=60, hombres=45),)),
    Case("porcentajes por edad no suman 100", False, (_r(None, unidad=PCT, mujeres=50, hombres=50, nna=20,
                                                          adultos=70),)),
    Case("cifras de personas que suman 100 no son porcentajes", False, (_r(240, mujeres=52, hombres=48),)),
)
