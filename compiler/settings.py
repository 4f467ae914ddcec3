"""Edition settings: one YAML file per edition, ``ediciones/<edicion>.yaml``.

``compendio init --edition 2026`` writes it with defaults that need no editing
to run; staff then adjust dates, credits and texts. Like mkdocs' config, it is
the single input besides the submissions.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import SettingsError

SETTINGS_DIR = "ediciones"


@dataclass(frozen=True)
class EditionPaths:
    root: Path
    edition: str

    @property
    def settings(self) -> Path:
        return self.root / SETTINGS_DIR / f"{self.edition}.yaml"

    @property
    def folder(self) -> Path:
        """The edition's own inputs besides its settings: logos, catalogs, the editors' corrections."""
        return self.root / SETTINGS_DIR / self.edition

    @property
    def submissions(self) -> Path:
        return self.root / "submissions" / self.edition

    @property
    def templates(self) -> Path:
        return self.root / "intake_templates" / self.edition

    @property
    def output(self) -> Path:
        return self.root / "output" / self.edition

    @property
    def feedback(self) -> Path:
        return self.output / "retroalimentacion"

    @property
    def register(self) -> Path:
        return self.output / "registro.json"


@dataclass(frozen=True)
class Edition:
    """Everything about one edition that is not agency data."""

    key: str
    year: int
    period_from: dt.date
    period_to: dt.date
    deadline: dt.date
    contact: dict[str, str]
    publication: dict[str, Any]
    sample: bool = False
    severities: dict[str, str] = field(default_factory=dict)
    paths: EditionPaths | None = None
    #: Agencies' feedback copies show the editors' corrections of their texts (issue 14).
    show_corrections: bool = False
    #: ``datos_abiertos`` section: the open data's licence (see ``open_data_settings``).
    open_data: dict[str, Any] = field(default_factory=dict)
    #: ``portal`` section: the intake portal's public address and staff secret (see compiler/portal.py).
    portal: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.publication.get("titulo") or f"Compendio General {self.year}"

    @property
    def document_date(self) -> dt.date:
        return self.publication.get("fecha") or dt.date(self.year, 12, 1)


def default_settings(edition: str, year: int, sample: bool = False) -> dict[str, Any]:
    """Defaults for a new edition: the reporting period runs June to June."""
    return {
        "edicion": edition,
        "anio": year,
        "muestra": sample,
        "periodo": {"desde": dt.date(year - 1, 6, 1), "hasta": dt.date(year, 6, 30)},
        "fecha_limite": dt.date(year, 8, 31),
        "contacto": {
            "area": "Dirección de Relaciones Internacionales e Interinstitucionales, UPMRIP",
            "correo": "compendio.pmm@segob.gob.mx",
            "telefono": "55 5128 0000",
        },
        "publicacion": {
            "titulo": f"Compendio General {year}",
            "subtitulo": "Pacto Mundial para una Migración Segura, Ordenada y Regular",
            "lugar": "Ciudad de México",
            "fecha": dt.date(year, 12, 1),
            "editor": "Unidad de Política Migratoria, Registro e Identidad de Personas",
            "domicilio": "Calle Abraham González núm. 48, edificio L, piso 2, col. Juárez, alcaldía Cuauhtémoc, C.P. 06600, Ciudad de México",
            "sitio": "www.politicamigratoria.gob.mx",
            "creditos": [
                {"rol": "Coordinación general de la obra", "nombres": ["Carlos Antonio Vázquez García"]},
                {"rol": "Coordinación de información", "nombres": ["Dirección de Relaciones Internacionales e Interinstitucionales"]},
                {"rol": "Cuidado editorial y diseño", "nombres": ["Coordinación de Política Migratoria"]},
            ],
            "autoridades": [
                {"nombre": "Rosa Icela Rodríguez Velázquez", "cargo": "Secretaria de Gobernación"},
                {"nombre": "Arturo Medina Padilla", "cargo": "Subsecretario de Derechos Humanos, Población y Migración"},
                {"nombre": "Carlos Antonio Vázquez García", "cargo": "Titular de la Unidad de Política Migratoria, Registro e Identidad de Personas"},
            ],
            # {programas}, {instancias}, {estados}, {periodo} are filled from the data.
            "introduccion": [
                "Este Compendio reúne los programas, acciones y estrategias con los que las dependencias de la "
                "Administración Pública Federal, los poderes Legislativo y Judicial, los organismos constitucionales "
                "autónomos, los gobiernos de las entidades federativas y las organizaciones de la sociedad civil "
                "contribuyen a los 23 objetivos del Pacto Mundial para una Migración Segura, Ordenada y Regular.",
                "En esta edición se documentan {programas} programas y acciones, informados por {instancias} y "
                "{estados}.",
                "Para cada programa se presentan sus resultados y los retos que encontró durante su operación. "
                "La información corresponde al periodo {periodo}; algunos programas informan un periodo distinto "
                "según su fecha de inicio.",
            ],
            **book_defaults(year),
        },
        "severidades": {},
        "correcciones_en_retroalimentacion": False,
        "datos_abiertos": {"licencia": DEFAULT_LICENCE},
    }


# --- The printed book: front and back matter, figures tables (issue 14) ----------
# Kept apart so the settings schema can take these keys as one block.

#: How often a program's Cifras sheet is printed as a table («cuadros_de_cifras»).
FIGURES_TABLES = ("siempre", "con desglose", "nunca")
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")


def book_defaults(year: int) -> dict[str, Any]:
    """Front and back matter that read as the finished book; staff adjust names and dates."""
    return {
        # Image files inside ediciones/<edicion>/ (for example «logos/segob.png»); none ship with the tool.
        "logos": [],
        "editor_responsable": "Dirección de Relaciones Internacionales e Interinstitucionales de la UPMRIP",
        "telefono": "55 5128 0000",
        "isbn": "",
        "colofon": [
            "{titulo} se terminó de editar en {lugar} el {fecha}.",
            "Se compuso en la familia tipográfica Carlito, en tamaño carta, a partir de los reportes que las "
            "instituciones participantes entregaron en la plantilla de la edición.",
        ],
        "contraportada": [
            "El Compendio General documenta cada año los programas y las acciones con los que las instituciones "
            "del Estado mexicano y las organizaciones de la sociedad civil dan cumplimiento a los 23 objetivos del "
            "Pacto Mundial para una Migración Segura, Ordenada y Regular.",
        ],
        # Empty: the closing text prints as plain paragraphs, as in the printed editions.
        "cierre_titulo": "",
        "cierre": [
            "La Coordinación de Política Migratoria de la Unidad de Política Migratoria, Registro e Identidad de "
            "Personas de la Secretaría de Gobernación integró esta publicación.",
            "Su contenido proviene de los reportes que enviaron las dependencias de la Administración Pública "
            "Federal, los poderes Legislativo y Judicial, los organismos constitucionales autónomos, los gobiernos "
            "de las entidades federativas y las organizaciones de la sociedad civil: {programas} programas del "
            "periodo {periodo}.",
            "Se autoriza reproducir este documento, en todo o en parte y sin fines de lucro, siempre que se cite "
            "la fuente.",
            "Puede consultar esta y las ediciones anteriores en {sitio}.",
        ],
        "cuadros_de_cifras": "con desglose",
    }


def _check_book(publication: dict[str, Any], path: Path, paths: EditionPaths) -> None:
    """The book's keys: a clear message for a value the layout cannot use."""
    choice = publication.get("cuadros_de_cifras")
    if choice not in FIGURES_TABLES:
        options = ", ".join(f"«{o}»" for o in FIGURES_TABLES)
        raise SettingsError(f"{path}: «publicacion.cuadros_de_cifras» dice «{choice}»; use {options}.")
    logos = publication.get("logos") or []
    if isinstance(logos, str):
        logos = [logos]
    folder = paths.folder.resolve()
    resolved = []
    for logo in logos:
        target = (folder / str(logo)).resolve()
        if not target.is_relative_to(folder):
            raise SettingsError(f"{path}: el logotipo «{logo}» debe estar dentro de la carpeta {folder}.")
        if target.suffix.lower() not in LOGO_SUFFIXES:
            raise SettingsError(f"{path}: el logotipo «{logo}» debe ser una imagen PNG, JPG o SVG.")
        if not target.is_file():
            raise SettingsError(f"{path}: no se encuentra el logotipo «{logo}» (se buscó en {target}). "
                                "Copie la imagen a esa carpeta o corrija la ruta.")
        resolved.append(target)
    publication["logos"] = resolved
    for key in ("colofon", "contraportada", "cierre"):
        if isinstance(publication.get(key), str):
            publication[key] = [publication[key]]


# --- datos_abiertos (open-data licence) ------------------------------------------
# Kept apart from the other keys so the settings schema can absorb it in one piece.

#: Licences staff can name by key; any other is written as {titulo, url}.
LICENCES = {
    "libre-uso-mx": {"name": "libre-uso-mx", "title": "Términos de Libre Uso MX", "path": "https://datos.gob.mx/libreusomx"},
    "CC-BY-4.0": {"name": "CC-BY-4.0", "title": "Creative Commons Atribución 4.0 Internacional",
                  "path": "https://creativecommons.org/licenses/by/4.0/"},
}
DEFAULT_LICENCE = "libre-uso-mx"


def open_data_settings(raw: Any, path: Path) -> dict[str, Any]:
    """``datos_abiertos.licencia``: a key of ``LICENCES`` or {titulo, url}; returns {"licence": {name, title, path}}."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: «datos_abiertos» debe ser una sección con la clave «licencia».")
    value = raw.get("licencia", DEFAULT_LICENCE)
    if isinstance(value, str) and value in LICENCES:
        return {"licence": dict(LICENCES[value])}
    if isinstance(value, dict) and str(value.get("titulo") or "").strip() and str(value.get("url") or "").startswith(("http://", "https://")):
        title = str(value["titulo"]).strip()
        ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
        name = re.sub("[^a-z0-9]+", "-", ascii_title).strip("-") or "licencia"
        return {"licence": {"name": name, "title": title, "path": str(value["url"]).strip()}}
    raise SettingsError(f"{path}: «datos_abiertos.licencia» dice «{value}». Escriba {' o '.join(LICENCES)}, o una "
                        "licencia propia con «titulo» y «url» (dirección web que empiece con https://).")


def _date(value: Any, where: str, path: Path) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(f"{path}: «{where}» debe ser una fecha AAAA-MM-DD; dice «{value}».") from None


def check_key(edition: str) -> str:
    """Edition keys name folders: letters, digits, «-» and «_» only."""
    if not edition or not all(ch.isalnum() or ch in "-_" for ch in edition) or edition.startswith("-"):
        raise SettingsError(f"«{edition}» no sirve como nombre de edición: use sólo letras, números, «-» o «_» "
                            "(por ejemplo 2026 o muestra).")
    return edition


def init(root: Path, edition: str, year: int | None = None, sample: bool = False) -> Path:
    """Create the edition's settings file and folders; never overwrites settings."""
    paths = EditionPaths(root, check_key(edition))
    if year is None:
        if not edition.isdigit():
            raise SettingsError(f"La edición «{edition}» no es un año: indique --anio.")
        year = int(edition)
    for folder in (paths.submissions, paths.templates, paths.output, paths.settings.parent):
        folder.mkdir(parents=True, exist_ok=True)
    if not paths.settings.exists():
        text = yaml.safe_dump(default_settings(edition, year, sample), allow_unicode=True, sort_keys=False, width=100)
        header = ("# Configuración de la edición. Ajuste fechas, créditos y textos; "
                  "las cifras de la introducción se calculan solas.\n")
        tmp = paths.settings.with_suffix(".yaml.tmp")
        tmp.write_text(header + text, encoding="utf-8")
        tmp.replace(paths.settings)
    return paths.settings


def load(root: Path, edition: str) -> Edition:
    paths = EditionPaths(root, check_key(edition))
    path = paths.settings
    if not path.exists():
        raise SettingsError(
            f"No existe la configuración de la edición «{edition}» ({path}). "
            f"Créela con: compendio init --edition {edition}")
    raw = read_checked(path)
    year = int(raw.get("anio") or (edition if edition.isdigit() else 0) or 0)
    if not year:
        raise SettingsError(f"{path}: falta «anio».")
    defaults = default_settings(edition, year, bool(raw.get("muestra")))
    period = raw.get("periodo") or defaults["periodo"]
    publication = {**defaults["publicacion"], **(raw.get("publicacion") or {})}
    publication["fecha"] = _date(publication["fecha"], "publicacion.fecha", path)
    _check_book(publication, path, paths)
    edition_obj = Edition(
        key=edition,
        year=year,
        period_from=_date(period.get("desde"), "periodo.desde", path),
        period_to=_date(period.get("hasta"), "periodo.hasta", path),
        deadline=_date(raw.get("fecha_limite") or defaults["fecha_limite"], "fecha_limite", path),
        contact={**defaults["contacto"], **(raw.get("contacto") or {})},
        publication=publication,
        sample=bool(raw.get("muestra")),
        severities=dict(raw.get("severidades") or {}),
        paths=paths,
        show_corrections=bool(raw.get("correcciones_en_retroalimentacion")),
        open_data=open_data_settings(raw.get("datos_abiertos"), path),
        portal=dict(raw.get("portal") or {}),
    )
    if edition_obj.period_from > edition_obj.period_to:
        raise SettingsError(f"{path}: el periodo empieza ({edition_obj.period_from}) después de terminar ({edition_obj.period_to}).")
    return edition_obj


# --- the settings schema ---------------------------------------------------------------
#
# One declarative description of ``ediciones/<ed>.yaml`` (cerberus). A new setting is one
# entry here (and its default in ``default_settings``); every message names the key and
# its line. Keys the schema does not know are kept, so a newer file still loads.

#: Placeholders the introduction and closing paragraphs may use (filled in publication.py).
PLACEHOLDERS = ("programas", "instituciones", "instancias", "estados", "entidades", "periodo", "sitio")
#: The colophon may also name the book, its place and its date.
COLOPHON_PLACEHOLDERS = PLACEHOLDERS + ("titulo", "lugar", "fecha")

_TEXT = {"type": "string", "nullable": True}
_DATE = {"type": "date", "nullable": True}
_PARAGRAPHS = {"type": "list", "nullable": True, "schema": {"type": "string", "placeholders": True}}
_TEXT_OR_PARAGRAPHS = {"type": ["string", "list"], "nullable": True,
                       "schema": {"type": "string", "placeholders": True}, "placeholders": True}

SCHEMA: dict[str, Any] = {
    "edicion": {"type": ["string", "integer"], "nullable": True},
    "anio": {"type": "integer", "min": 1990, "max": 2200, "nullable": True},
    "muestra": {"type": "boolean", "nullable": True},
    "periodo": {"type": "dict", "nullable": True, "schema": {"desde": _DATE, "hasta": _DATE}},
    "fecha_limite": _DATE,
    "contacto": {"type": "dict", "nullable": True, "allow_unknown": True,
                 "schema": {"area": _TEXT, "correo": _TEXT, "telefono": {"type": ["string", "integer"], "nullable": True}}},
    "publicacion": {"type": "dict", "nullable": True, "allow_unknown": True, "schema": {
        "titulo": _TEXT, "subtitulo": _TEXT, "lugar": _TEXT, "fecha": _DATE, "editor": _TEXT,
        "domicilio": _TEXT, "sitio": _TEXT,
        "creditos": {"type": "list", "nullable": True, "schema": {"type": "dict", "allow_unknown": True, "schema": {
            "rol": {"type": "string", "required": True},
            "nombres": {"type": "list", "required": True, "schema": {"type": "string"}}}}},
        "autoridades": {"type": "list", "nullable": True, "schema": {"type": "dict", "allow_unknown": True, "schema": {
            "nombre": {"type": "string", "required": True}, "cargo": {"type": "string", "required": True}}}},
        "introduccion": _PARAGRAPHS,
        # The printed book's front and back matter (checked further, files included, by _check_book).
        "cierre": _TEXT_OR_PARAGRAPHS,
        "cierre_titulo": _TEXT,
        "logos": {"type": ["string", "list"], "nullable": True, "schema": {"type": "string"}},
        "editor_responsable": _TEXT,
        "telefono": {"type": ["string", "integer"], "nullable": True},
        "isbn": {"type": ["string", "integer"], "nullable": True},
        "colofon": {**_TEXT_OR_PARAGRAPHS, "placeholders": list(COLOPHON_PLACEHOLDERS),
                    "schema": {"type": "string", "placeholders": list(COLOPHON_PLACEHOLDERS)}},
        "contraportada": _TEXT_OR_PARAGRAPHS,
        "cuadros_de_cifras": {"type": "string", "nullable": True, "allowed": list(FIGURES_TABLES)},
    }},
    "correcciones_en_retroalimentacion": {"type": "boolean", "nullable": True},
    # The open data's licence: a key of LICENCES or {titulo, url} (checked further by open_data_settings).
    "datos_abiertos": {"type": "dict", "nullable": True, "allow_unknown": True, "schema": {
        "licencia": {"type": ["string", "dict"], "nullable": True}}},
    # The intake portal: the address bodies reach it at (their links start with it) and the staff page's
    # secret (better kept out of this file: environment variable COMPENDIO_SECRETO_PERSONAL).
    "portal": {"type": "dict", "nullable": True, "schema": {
        "url": {"type": "string", "nullable": True, "regex": r"https?://[^\s/?#]+(/[^\s?#]*)?"},
        "secreto_personal": {"type": "string", "nullable": True, "minlength": 16}}},
    "severidades": {"type": "dict", "nullable": True, "keysrules": {"type": "string"},
                    "valuesrules": {"type": "string"}},
}

_TYPE_NAMES = {"string": "un texto", "integer": "un número entero", "boolean": "sí o no (true o false)",
               "date": "una fecha AAAA-MM-DD", "dict": "una sección con claves", "list": "una lista (líneas con «- »)"}


class _SettingsValidator(__import__("cerberus").Validator):
    def _validate_placeholders(self, constraint, field, value):
        """{'type': ['boolean', 'list']}"""
        if not constraint or not isinstance(value, str):
            return
        known = tuple(constraint) if isinstance(constraint, list) else PLACEHOLDERS
        import string

        try:
            names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
        except ValueError:
            self._error(field, "tiene una llave «{» o «}» sin pareja; escriba los marcadores como {programas}")
            return
        allowed = ", ".join("{" + p + "}" for p in known)
        for name in names:
            if name not in known:
                self._error(field, f"usa el marcador «{{{name}}}», que no existe; use sólo {allowed}")
                return


class _KeepDates(yaml.SafeLoader):
    """A date YAML cannot build (30 February) stays text, so the schema names it with its line."""


def _timestamp(loader, node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_KeepDates.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _lines(node, path=()) -> dict[tuple, int]:
    """Path of keys/indexes → line (1-based) of every node of a composed YAML document."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = getattr(key, "value", None)
            out[path + (k,)] = key.start_mark.line + 1
            out |= {p: line for p, line in _lines(value, path + (k,)).items() if p != path + (k,)}
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out |= _lines(item, path + (i,))
    return out


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(rule_error, value) -> str:
    rule, constraint = rule_error.rule, rule_error.constraint
    if rule == "type":
        kinds = constraint if isinstance(constraint, (list, tuple)) else [constraint]
        want = " o ".join(_TYPE_NAMES.get(k, k) for k in kinds)
        shown = value if not isinstance(value, (dict, list)) else ("una sección" if isinstance(value, dict) else "una lista")
        return f"debe ser {want}; dice «{shown}»"
    if rule == "required":
        return "falta (es obligatoria)"
    if rule == "allowed":
        return f"debe ser {' o '.join(f'«{o}»' for o in constraint)}; dice «{value}»"
    if rule in ("min", "max"):
        return f"debe estar entre {SCHEMA['anio']['min']} y {SCHEMA['anio']['max']}; dice «{value}»"
    if rule == "minlength":
        return f"debe tener al menos {constraint} caracteres (use uno largo y al azar)"
    if rule == "regex":
        return f"debe ser una dirección que empiece con https:// o http://; dice «{value}»"
    return str(rule_error.info[0]) if rule_error.info else f"no es válido ({rule})"


def _value_at(doc, path):
    for part in path:
        try:
            doc = doc[part]
        except (KeyError, IndexError, TypeError):
            return None
    return doc


def read_checked(path: Path) -> dict[str, Any]:
    """Parse ``ediciones/<ed>.yaml`` and check it against ``SCHEMA``.

    Raises ``SettingsError`` naming the key and its line for anything wrong:
    bytes that are not UTF-8, broken YAML, a wrong type, an impossible date,
    an unknown placeholder or severity.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        from .errors import system_reason

        raise SettingsError(f"{path}: no se pudo leer ({system_reason(exc)}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SettingsError(f"{path} (línea {line}): el archivo no está guardado en UTF-8 (tiene un carácter que no "
                            "se puede leer). Ábralo en un editor de texto y guárdelo con codificación UTF-8.") from None
    try:
        node = yaml.compose(text, Loader=_KeepDates)
        raw = yaml.load(text, Loader=_KeepDates)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (línea {mark.line + 1})" if mark else ""
        raise SettingsError(f"{path}{where}: el archivo no es YAML válido. Revise sangrías (con espacios, no "
                            "tabuladores) y que cada clave lleve dos puntos.") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        kind = "una lista" if isinstance(raw, list) else f"el texto «{raw}»"
        raise SettingsError(f"{path} (línea {node.start_mark.line + 1}): el archivo debe ser una serie de claves "
                            f"(edicion:, anio:, periodo:…) y es {kind}. Compare con el que crea «compendio init».")
    raw = {k: (v.date() if isinstance(v, dt.datetime) else v) for k, v in raw.items()}
    for section in ("periodo", "publicacion"):
        if isinstance(raw.get(section), dict):
            raw[section] = {k: (v.date() if isinstance(v, dt.datetime) else v) for k, v in raw[section].items()}
    lines = _lines(node) if node is not None else {}
    checker = _SettingsValidator(SCHEMA, allow_unknown=True)
    if not checker.validate(raw):
        problems = []
        for err in sorted(checker._errors, key=lambda e: e.document_path):
            for leaf in _leaf_errors(err):
                where = leaf.document_path
                line = next((lines[where[:i]] for i in range(len(where), 0, -1) if where[:i] in lines), None)
                problems.append(f"«{_dotted(where)}»{f' (línea {line})' if line else ''} "
                                f"{_explain(leaf, _value_at(raw, where))}")
        problems = list(dict.fromkeys(problems))
        more = f" (y {len(problems) - 3} problema(s) más)" if len(problems) > 3 else ""
        raise SettingsError(f"{path}: " + "; ".join(problems[:3]) + f"{more}. Corríjalo y vuelva a intentar.")
    for key in ("periodo", "publicacion"):
        section = raw.get(key) or {}
        for sub in ("desde", "hasta", "fecha"):
            if isinstance(section.get(sub), str):
                line = lines.get((key, sub))
                raise SettingsError(f"{path}{f' (línea {line})' if line else ''}: «{key}.{sub}» debe ser una fecha "
                                    f"AAAA-MM-DD que exista; dice «{section[sub]}».")
    if isinstance(raw.get("fecha_limite"), str):
        line = lines.get(("fecha_limite",))
        raise SettingsError(f"{path}{f' (línea {line})' if line else ''}: «fecha_limite» debe ser una fecha "
                            f"AAAA-MM-DD que exista; dice «{raw['fecha_limite']}».")
    if raw.get("severidades"):
        from .findings import check_overrides

        line = lines.get(("severidades",))
        check_overrides(raw["severidades"], f"{path}{f' (línea {line})' if line else ''}: severidades")
    return raw


def _leaf_errors(err):
    if err.is_group_error:
        for child in err.child_errors or ():
            yield from _leaf_errors(child)
    else:
        yield err
