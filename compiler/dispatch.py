"""Templates sent: which institution was sent which template, when and how.

A template *generated* under ``intake_templates/<ed>/`` has not necessarily
gone out. What went out is recorded here, in ``output/<ed>/envios.json``, by
whoever sent it: staff with ``compendio enviar``, and later the reminders and
the portal's links through ``mark_sent``. The board's «Plantillas enviadas»
and the Informe's response rate read ``sent``; when nothing was recorded they
say so and fall back to the generated templates, never silently.

The file is rewritten atomically under an exclusive lock (the reminders and
the portal may record at the same time as staff), so no record is lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .atomic import write_text
from .errors import CompendioError
from .settings import Edition

DISPATCH_FILE = "envios.json"
#: How a template went out.
VIAS = ("correo", "portal", "manual", "recordatorio")

#: Which count the board and the Informe used for «sent».
BASIS_SENT = "enviadas"
BASIS_GENERATED = "generadas"
BASIS_NONE = "ninguna"


@dataclass(frozen=True)
class Sending:
    """One template that went out to one institution."""

    institucion_id: str
    enviado: str  # ISO date-time, as recorded (never a file's mtime)
    via: str
    #: The template file, relative to intake_templates/<ed>/; empty if staff marked the institution only.
    plantilla: str = ""
    nota: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.institucion_id, self.plantilla


def path_of(edition: Edition) -> Path:
    return edition.paths.output / DISPATCH_FILE


def load(edition: Edition) -> list[Sending]:
    """Every recorded sending, in the order recorded (reminders add a record for the same template)."""
    path = path_of(edition)
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [Sending(**item) for item in raw["envios"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CompendioError(f"No se pudo leer el registro de plantillas enviadas {path} ({exc}). "
                             "Restáurelo de su respaldo o bórrelo y vuelva a registrar los envíos con "
                             "«compendio enviar».") from None


def sent(edition: Edition) -> dict[str, int]:
    """Templates sent per institution id: distinct templates, however many times each was re-sent."""
    keys = {s.key for s in load(edition)}
    out: dict[str, int] = {}
    for body_id, _ in sorted(keys):
        out[body_id] = out.get(body_id, 0) + 1
    return out


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive lock on ``<path>.lock``; the system releases it if the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path.with_name(f".{path.name}.lock"), "a+b")
    try:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        except ImportError:  # Windows
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
        yield
    finally:
        fh.close()


def mark_sent(edition: Edition, sendings: Iterable[tuple[str, str]], via: str = "manual",
              when: dt.datetime | None = None, note: str = "") -> list[Sending]:
    """Record that each (institution id, template path relative to intake_templates/<ed>/) went out.

    Returns the new records. Sending the same template again (a reminder) adds
    a record but does not count as another template in ``sent``.
    """
    if via not in VIAS:
        raise CompendioError(f"«{via}» no es una vía de envío; use una de: {', '.join(VIAS)}.")
    when = (when or dt.datetime.now()).replace(microsecond=0)
    new = [Sending(body_id, when.isoformat(), via, template, note) for body_id, template in sendings]
    path = path_of(edition)
    with _locked(path):
        records = load(edition) + new
        doc = {"edicion": edition.key, "envios": [asdict(s) for s in records]}
        write_text(path, json.dumps(doc, ensure_ascii=False, indent=1))
    return new


def generated(edition: Edition) -> dict[str, list[str]]:
    """Generated templates per institution id (read from each workbook's stamp), paths relative to the folder."""
    from python_calamine import CalamineError, CalamineWorkbook

    from .errors import UnreadableWorkbook
    from .reader import read_stamp

    out: dict[str, list[str]] = {}
    folder = edition.paths.templates
    if not folder.exists():
        return out
    for path in sorted(folder.rglob("*.xlsx")):
        if path.name.startswith((".~", "~$")):
            continue  # temporary and Excel lock files
        try:
            stamp = read_stamp(CalamineWorkbook.from_path(str(path)), path)
        except (CalamineError, UnreadableWorkbook, OSError, ValueError):
            continue
        if stamp.institution_id:
            out.setdefault(stamp.institution_id, []).append(path.relative_to(folder).as_posix())
    return out


def selection(edition: Edition, catalogs, acronyms: Iterable[str] = ()) -> tuple[list[tuple[str, str]], list[str]]:
    """What ``compendio enviar`` records: the generated templates of the named institutions (all, if none named).

    Returns the (institution id, template) pairs and the ids of named
    institutions that have no generated template (recorded with no template:
    staff say they sent it some other way).
    """
    from .errors import CompendioError
    from .template import find_body

    made = generated(edition)
    acronyms = list(acronyms)
    if not acronyms:
        if not made:
            raise CompendioError(f"No hay plantillas generadas en {edition.paths.templates}. Genérelas con "
                                 f"«compendio templates --edition {edition.key}» o indique --institucion.")
        return [(b, t) for b, templates in made.items() for t in templates], []
    pairs, bare = [], []
    for acronym in acronyms:
        body = find_body(catalogs, acronym)
        if made.get(body.id):
            pairs += [(body.id, t) for t in made[body.id]]
        else:
            pairs.append((body.id, ""))
            bare.append(body.id)
    return pairs, bare


def basis(edition: Edition) -> tuple[str, dict[str, int]]:
    """What «sent» means for this edition: recorded sendings, else generated templates, else nothing.

    Returns (basis, templates per institution id).
    """
    recorded = sent(edition)
    if recorded:
        return BASIS_SENT, recorded
    made = {k: len(v) for k, v in generated(edition).items()}
    return (BASIS_GENERATED, made) if made else (BASIS_NONE, {})


def describe(basis_name: str, edition_key: str) -> str:
    """One Spanish sentence saying which count was used, for the board and the terminal."""
    if basis_name == BASIS_SENT:
        return "«Plantillas enviadas» cuenta las registradas como enviadas (output/{0}/envios.json).".format(edition_key)
    if basis_name == BASIS_GENERATED:
        return ("Ninguna plantilla está registrada como enviada (compendio enviar --edition {0}); «Plantillas enviadas» "
                "cuenta las generadas en intake_templates/{0}/.").format(edition_key)
    return "No se generaron ni se registraron plantillas enviadas: se espera un reporte de cada institución del registro."
