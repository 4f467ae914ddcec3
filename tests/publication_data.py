"""A small, hand-written edition for the publication and render tests.

Workbooks go through the same writer agencies receive (``template``) and the
real reader, so the tests see what ``compile`` sees. The data are fictitious.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from compiler import catalogs as cat
from compiler import reader, settings, template
from compiler.template import ProgramData
from template_support import with_spec_examples

HOSTILE = '<img src=http://x.invalid/a.png> </style> {{ 7*7 }} url(http://x.invalid/b) <script>alert(1)</script>'

OBJ = {n: o.label for n, o in ((o.number, o) for o in cat.load().objectives)}


def _base(name, objective, **extra):
    fields = {
        "unidad_responsable": "Dirección General de Pruebas",
        "nombre_programa": name,
        "objetivo_principal": OBJ[objective],
        "descripcion": f"Descripción del programa {name}.\nSegundo párrafo con más detalle.",
        "poblacion_objetivo": "Personas en contexto de movilidad.",
        "fecha_inicio": dt.date(2020, 1, 15),
        "vigencia": "Permanente",
        "resultados": f"Se atendió a 1,234 personas con {name}.",
        "contacto_nombre": "Persona de Contacto",
        "contacto_cargo": "Enlace",
        "contacto_correo": "enlace@example.org",
    }
    fields.update(extra)
    return fields


#: (catalog body id or None, fields, cifras, table)
PROGRAMS = [
    ("inm", _base("Módulos de orientación en puntos de internación", 7,
                  retos=["Falta de personal en turnos nocturnos.", "Rotación de personal capacitado."],
                  fuentes=["https://www.gob.mx/inm", "Informe anual del INM, 2026."]),
     [{"indicador": "Personas orientadas", "unidad": "personas", "total": 3179, "mujeres": 1500, "hombres": 1679,
       "nna": 400, "adultos": 2779},
      {"indicador": "Niñas, niños y adolescentes no acompañados", "unidad": "personas", "total": 120,
       "subgrupo_de": 1, "nota": "Canalizados a la Procuraduría de Protección."},
      {"indicador": "Folletos entregados", "unidad": "documentos", "total": 25000}],
     None),
    ("inm", _base("Atención a personas en estaciones migratorias", 7,
                  retos=["Tiempos de resolución largos."]), [], None),
    ("conapo", _base("Anuario de migración y remesas", 1, fuentes=["www.gob.mx/conapo"]), [], None),
    ("inm", _base("Registro de niñas, niños y adolescentes", 1), [], None),
    ("sre", _base("Sembrando Vida Guatemala", 2, coautoras="AMEXCID"), [], None),
    ("gob-chiapas", _base("Atención a personas solicitantes de refugio", 7,
                          retos=["Recursos municipales insuficientes."]), [],
     ("Atenciones por mes", [["Mes", "Mujeres", "Hombres"], ["Enero", 120, 1310], ["Febrero", 98, 1204]],
      "Fuente: registros administrativos.")),
    ("gob-baja-california", _base("Recopilación de datos de NNA en albergues", 7), [], None),
    ("cannam", _base("Acompañamiento a NNA migrantes", 7), [], None),
    ("cndh", _base("Visitas de supervisión a estaciones migratorias", 10, fuentes=["https://www.cndh.org.mx"]), [], None),
    (None, _base(f"Programa con texto hostil {HOSTILE}", 16,
                 institucion=f"Colectivo Hostil {HOSTILE}", siglas="CH", sector="Sociedad civil",
                 descripcion=f"Texto: {HOSTILE}\n- viñeta uno\n- viñeta dos",
                 retos=[HOSTILE], fuentes=[f"javascript:alert(1) {HOSTILE}"]), [],
     (f"Tabla {HOSTILE}", [["Columna", "Valor"], [HOSTILE, 1]], HOSTILE)),
]


def make_edition(root: Path, key: str = "2026", sample: bool = False):
    settings.init(root, key, 2026, sample=sample)
    return settings.load(root, key)


def write_workbooks(edition, catalogs=None) -> list[Path]:
    catalogs = catalogs or cat.load()
    paths = []
    for i, (body_id, fields, cifras, table) in enumerate(PROGRAMS, start=1):
        body = catalogs.body(body_id) if body_id else None
        wb = template.build_workbook(edition, catalogs, body)
        data = ProgramData(fields=with_spec_examples(fields), cifras=cifras)
        if table:
            data.table_title, data.table_rows, data.table_note = table
        template.fill(wb, data)
        path = edition.paths.submissions / f"{i:02d}-{(body.acronym if body else 'osc') or body_id}.xlsx"
        template.save(wb, path)
        paths.append(path)
    return paths


def submissions(root: Path, sample: bool = False):
    """(edition, catalogs, submissions) for the small edition, written under ``root``."""
    catalogs = cat.load()
    edition = make_edition(root, sample=sample)
    paths = write_workbooks(edition, catalogs)
    return edition, catalogs, [reader.read(p) for p in paths]
