"""Small sets of real submissions for the open-data and Informe tests.

Workbooks go through the same writer agencies receive (template.build_workbook
/ fill / save) and are read back with reader.read, so the tests see exactly
what the compile sees.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from compiler import catalogs as cat, reader, settings, template
from compiler.template import ProgramData
from template_support import with_spec_examples

CONTACTS = [
    ("Zacarías Contactoúnico Pérez", "Jefa de Enlace Secreto", "zacarias.privado@ejemplo.gob.mx", "55 9999 1111 ext. 4242"),
    ("Eulalia Nopublicar Ríos", "Subdirectora Reservada", "eulalia.reservado@ejemplo.org", "33 8888 2222"),
]


def edition(root: Path, key: str = "2026", year: int | None = None, sample: bool = False):
    settings.init(root, key, year, sample=sample)
    return settings.load(root, key)


def program(cats, acronym: str, name: str, objective: int, *, retos=(), cifras=(), contact=0, **fields) -> tuple:
    body = next(b for b in cats.bodies if b.acronym == acronym or b.id == acronym)
    c = CONTACTS[contact % len(CONTACTS)]
    data = {
        "unidad_responsable": "Dirección General de Atención",
        "nombre_programa": name,
        "objetivo_principal": cats.objective(objective).label,
        "descripcion": f"Programa «{name}» que atiende a personas en contexto de movilidad.\nSegundo párrafo con acentos: niñez, atención.",
        "poblacion_objetivo": "Personas migrantes",
        "fecha_inicio": dt.date(2020, 1, 15),
        "vigencia": "Permanente",
        "resultados": "Se atendió a personas en cuatro oficinas.",
        "retos": list(retos),
        "fuentes": ["https://www.gob.mx/"],
        "contacto_nombre": c[0], "contacto_cargo": c[1], "contacto_correo": c[2], "contacto_telefono": c[3],
        **fields,
    }
    return body, ProgramData(fields=with_spec_examples(data), cifras=list(cifras))


def submissions(root: Path, ed, programs: list[tuple]) -> list:
    """Write each (body, ProgramData) as a filled template and read it back."""
    cats = cat.load()
    out = []
    for i, (body, data) in enumerate(programs):
        wb = template.build_workbook(ed, cats, body)
        template.fill(wb, data)
        path = root / "submissions" / ed.key / f"p{i:03d}.xlsx"
        template.save(wb, path)
        out.append(reader.read(path))
    return out


def people(total, m=None, h=None, nb=None, sd=None, nna=None, ad=None, ed=None, **extra):
    row = {"indicador": extra.pop("indicador", "Personas atendidas"), "unidad": extra.pop("unidad", "personas"),
           "total": total}
    for k, v in (("mujeres", m), ("hombres", h), ("no_binarias", nb), ("sexo_sin_dato", sd),
                 ("nna", nna), ("adultos", ad), ("edad_sin_dato", ed)):
        if v is not None:
            row[k] = v
    row.update(extra)
    return row


def standard_set(root: Path, ed) -> list:
    """Six programs over three sectors, two states, several objectives, with figures and challenges."""
    cats = cat.load()
    progs = [
        program(cats, "INM", "Atención en puntos de internación", 7,
                retos=["Falta de presupuesto para ampliar horarios.",
                       "Rotación del personal capacitado en turnos nocturnos."],
                cifras=[people(1200, 700, 500, None, None, 300, 900, None),
                        people(300, 200, 100, indicador="De las cuales, niñas y niños", subgrupo_de=1),
                        {"indicador": "Módulos instalados", "unidad": "acciones", "total": 4}]),
        program(cats, "INM", "Orientación sobre trámites", 3,
                retos=["Las personas no cuentan con acta de nacimiento ni CURP."],
                cifras=[people(800, 400, 390, 5, 5)]),
        program(cats, "COMAR", "Reconocimiento de la condición de refugiado", 12,
                retos=["Coordinación con otras dependencias para las notificaciones.", "Clima extremo en la región."],
                cifras=[people(5000)]),
        program(cats, "SRE", "Protección consular en Estados Unidos", 14,
                objetivo_secundario=[cats.objective(7).label, cats.objective(23).label],
                cifras=[people(2500, 1500, 1000, None, None, 500, 1800, 200),
                        {"indicador": "Atenciones brindadas", "unidad": "atenciones", "total": 10000, "mujeres": 6000,
                         "hombres": 4000}]),
        program(cats, "AGS", "Programa estatal de hospitalidad", 7,
                retos=["Falta de datos desagregados sobre la población atendida."],
                cifras=[people(150, nna=50, ad=100)]),
        program(cats, "CHIS", "Salud sin fronteras en la frontera sur", 15,
                retos=["Acceso limitado a servicios de salud en comunidades rurales."],
                cifras=[people(640, 320, 320)], contact=1),
    ]
    return submissions(root, ed, progs)
