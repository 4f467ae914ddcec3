"""Private links to the intake portal: one random secret per body and edition.

A link is ``<url del portal>/i/<secreto>``; whoever holds it can see that
body's receptions and upload its workbooks, so there are no accounts to
administer. Two files, both under ``output/<ed>/portal/`` (never in git):

- ``enlaces.json``: what the portal reads. Each body's secret is kept only as
  an HMAC-SHA256 under a random key of the file (``clave``), so a copy of the
  portal's files does not give anyone a working link. The secrets are 256
  random bits (``secrets.token_urlsafe(32)``): unlike a password they cannot
  be guessed from a dictionary, so a slow hash (scrypt) would only slow every
  request without making a stolen file any harder to use; HMAC under a secret
  key makes it useless on its own.
- ``enlaces.csv`` (mode 0600): the plaintext links for staff, who must be
  able to send them again (the board's «Enlaces» sheet, the reminder drafts).
  Whoever can read the output folder as the staff account reads it; it is the
  same trust as the register and the agencies' files beside it.

A link never changes once made (a body keeps the one it was sent) unless staff
renew it (``compendio enlaces --renovar SIGLA``), which makes the old one stop
working.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .catalogs import Body, Catalogs
from .dispatch import _locked
from .errors import CompendioError, OutputError, system_reason
from .settings import Edition

FOLDER = "portal"
LOOKUP_FILE = "enlaces.json"
STAFF_FILE = "enlaces.csv"
#: Where the portal answers when the edition's settings do not say (``portal.url``).
DEFAULT_URL = "http://127.0.0.1:8026"
LINK_PREFIX = "/i/"
SECRET_BYTES = 32


@dataclass(frozen=True)
class Link:
    body_id: str
    acronym: str
    institution: str
    secret: str
    created: str  # ISO date-time

    def url(self, base: str) -> str:
        return base.rstrip("/") + LINK_PREFIX + self.secret


def folder(edition: Edition) -> Path:
    return edition.paths.output / FOLDER


def base_url(edition: Edition) -> str:
    return str((edition.portal or {}).get("url") or DEFAULT_URL).rstrip("/")


def _write_private(path: Path, text: str) -> Path:
    """Write atomically with mode 0600 from the start (never readable by others, not even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"No se pudo escribir {path} ({system_reason(exc)}).") from None


def load(edition: Edition) -> list[Link]:
    """The staff's list of links (plaintext), in registry order; empty if none were made."""
    path = folder(edition) / STAFF_FILE
    if not path.exists():
        return []
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        return [Link(r["id"], r["siglas"], r["institucion"], r["secreto"], r["creado"]) for r in rows]
    except (OSError, KeyError, csv.Error) as exc:
        raise CompendioError(f"No se pudo leer la lista de enlaces {path} ({exc}). Restáurela de su respaldo; "
                             f"si se perdió, renueve los enlaces con «compendio enlaces --edition {edition.key} "
                             "--renovar» y envíelos de nuevo.") from None


def _lookup_doc(edition: Edition) -> dict:
    path = folder(edition) / LOOKUP_FILE
    if not path.exists():
        return {"edicion": edition.key, "clave": secrets.token_hex(32), "enlaces": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CompendioError(f"No se pudo leer {path} ({exc}). Renueve los enlaces con «compendio enlaces "
                             f"--edition {edition.key} --renovar» y envíelos de nuevo.") from None


def fingerprint(key: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(key), secret.encode("utf-8"), hashlib.sha256).hexdigest()


def ensure(edition: Edition, catalogs: Catalogs, bodies: Iterable[Body] | None = None,
           renew: bool = False, now: dt.datetime | None = None) -> tuple[list[Link], list[Link]]:
    """Make the links the given bodies (all registered ones, if None) do not have yet.

    With ``renew`` the given bodies get a new link and their old one stops
    working. Returns (every link, the ones made now).
    """
    now = (now or dt.datetime.now()).replace(microsecond=0)
    wanted = list(catalogs.bodies if bodies is None else bodies)
    lookup = folder(edition) / LOOKUP_FILE
    with _locked(lookup):
        doc = _lookup_doc(edition)
        current = {link.body_id: link for link in load(edition)}
        made = []
        for body in wanted:
            if body.id in current and not renew:
                continue
            link = Link(body.id, body.acronym, body.name, secrets.token_urlsafe(SECRET_BYTES), now.isoformat())
            current[body.id] = link
            made.append(link)
        if not made:
            return list(current.values()), []
        order = {b.id: i for i, b in enumerate(catalogs.bodies)}
        links = sorted(current.values(), key=lambda lk: (order.get(lk.body_id, len(order)), lk.body_id))
        doc["enlaces"] = {lk.body_id: fingerprint(doc["clave"], lk.secret) for lk in links}
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["id", "siglas", "institucion", "enlace", "secreto", "creado"])
        base = base_url(edition)
        for lk in links:
            w.writerow([lk.body_id, lk.acronym, lk.institution, lk.url(base), lk.secret, lk.created])
        # The plaintext first: a lookup that names a secret staff cannot read back would be a link nobody can send.
        _write_private(folder(edition) / STAFF_FILE, "\ufeff" + buf.getvalue())
        _write_private(lookup, json.dumps(doc, ensure_ascii=False, indent=1))
    return links, made


class Lookup:
    """What the portal holds in memory: body id by secret, compared in constant time."""

    def __init__(self, edition: Edition):
        doc = _lookup_doc(edition)
        self._key = doc["clave"]
        self._prints = dict(doc.get("enlaces") or {})

    def __len__(self) -> int:
        return len(self._prints)

    def find(self, secret: str) -> str | None:
        if not secret or len(secret) > 200:
            return None
        probe = fingerprint(self._key, secret)
        found = None
        for body_id, stored in self._prints.items():
            # Every entry is compared, whatever matched: the time taken says nothing about which one.
            if hmac.compare_digest(probe, stored):
                found = body_id
        return found


def by_body(edition: Edition) -> dict[str, str]:
    """Full link per body id, for the board and the reminder drafts."""
    base = base_url(edition)
    return {lk.body_id: lk.url(base) for lk in load(edition)}


DRAFTS = "correos"
SENT_NOTE = "enlace privado del portal"


def message(edition: Edition, body: Body, url: str):
    """The e-mail draft that gives a body its link (staff open it in their mail client and send it)."""
    from .reminders import draft

    lines = [f"Estimada persona de enlace de {body.name}:", "",
             f"Para el {edition.title} puede enviar los reportes de su institución en esta página:", "",
             f"    {url}", "",
             "Es un enlace privado de su institución: no hace falta usuario ni contraseña, así que no lo comparta "
             "fuera de su equipo. Suba un libro .xlsx por programa, llenado en la plantilla de esta edición; la "
             "página le muestra al momento lo que hay que corregir, con la hoja y la celda, y le da su libro con las "
             "observaciones marcadas y el acuse de recibo. Si corrige un programa, súbalo de nuevo: la versión más "
             "reciente sustituye a la anterior.", "",
             f"La fecha límite de entrega es el {edition.deadline:%d/%m/%Y}."]
    return draft(edition, f"Su enlace para enviar los reportes del {edition.title}", body.emails,
                 dt.datetime.now().replace(microsecond=0), lines)


def write_drafts(edition: Edition, catalogs: Catalogs, chosen: Iterable[Link]) -> tuple[Path, list[str]]:
    """One ``output/<ed>/portal/correos/<id>.eml`` per link, and the link recorded as sent (via «portal»).

    A body is recorded once, with its generated templates (its page offers them
    for download); a body already recorded through the portal is not recorded again.
    Returns the drafts folder and the ids recorded now.
    """
    import email.policy

    from . import dispatch

    out = folder(edition) / DRAFTS
    base = base_url(edition)
    chosen = list(chosen)
    for lk in chosen:
        body = catalogs.body(lk.body_id)
        if body is None:
            continue
        # The draft holds the secret: private like enlaces.csv.
        _write_private(out / f"{lk.body_id}.eml", message(edition, body, lk.url(base)).as_string(policy=email.policy.SMTP))
    already = {s.institucion_id for s in dispatch.load(edition) if s.via == "portal"}
    made = dispatch.generated(edition)
    pairs = []
    for lk in chosen:
        if lk.body_id not in already:
            pairs += [(lk.body_id, t) for t in made.get(lk.body_id, [""])]
    if pairs:
        dispatch.mark_sent(edition, pairs, via="portal", note=SENT_NOTE)
    return out, sorted({b for b, _ in pairs})
