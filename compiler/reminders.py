"""After the deadline: who still owes programs, as a list and as ready-to-send e-mail drafts.

Built from the reception board (``board.build``): a registered body is
overdue when it sent nothing back or when one of its programs in force is
rejected. The drafts are addressed to the liaison e-mails of the registry
(column «correos» of ``ediciones/<ed>/catalogos/organismos.csv``).
"""

from __future__ import annotations

import csv
import datetime as dt
import email.policy
import email.utils
import io
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from . import links
from .atomic import write_text
from .board import Board
from .catalogs import Catalogs
from .errors import OutputError, system_reason
from .model import normalise

FOLDER = "recordatorios"
LIST_FILE = "recordatorios.csv"


@dataclass(frozen=True)
class Due:
    body_id: str
    label: str
    emails: tuple[str, ...]
    missing: bool  # nothing received
    rejected: int  # programs in force that are rejected
    files: tuple[str, ...] = ()  # the rejected files

    @property
    def reason(self) -> str:
        if self.missing:
            return "no ha enviado ningún programa"
        return f"{self.rejected:,} programa(s) rechazado(s) sin corregir"


def overdue(board: Board, catalogs: Catalogs) -> list[Due]:
    """Registered bodies with nothing received or with rejected programs in force."""
    bodies = {b.id: b for b in catalogs.bodies}
    rejected_files: dict[str, list[str]] = {}
    for e in board.entries:
        if e.current and e.estado == "rechazado" and e.institucion_id:
            rejected_files.setdefault(e.institucion_id, []).append(e.ruta)
    out = []
    for group in board.groups:
        for row in group.rows:
            if not row.body_id or not (row.missing or row.rejected):
                continue
            body = bodies.get(row.body_id)
            label = f"{row.acronym} — {row.institution}" if row.acronym else row.institution
            out.append(Due(row.body_id, label, body.emails if body else (), row.missing, row.rejected,
                           tuple(rejected_files.get(row.body_id, ()))))
    return out


def draft(edition, subject: str, to: tuple[str, ...], when: dt.datetime, lines: list[str]) -> EmailMessage:
    """An unsent e-mail from the edition's contact (mail clients open it as a draft), signed by the area."""
    contact = edition.contact.get("correo", "")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = contact
    if to:
        msg["To"] = ", ".join(to)
    msg["Date"] = email.utils.format_datetime(when.astimezone())
    msg["X-Unsent"] = "1"  # mail clients open it as a draft
    lines = [*lines, "", f"Quedamos atentos: {edition.contact.get('area', 'UPMRIP')}" + (f", {contact}" if contact else "") + "."]
    msg.set_content("\n".join(lines) + "\n")
    return msg


def message(board: Board, due: Due, today: dt.date, link: str | None = None) -> EmailMessage:
    ed = board.edition
    lines = [f"Estimada persona de enlace de {due.label.split(' — ')[-1]}:", "",
             f"La fecha límite para enviar los reportes del {ed.title} fue el {ed.deadline:%d/%m/%Y}."]
    if due.missing:
        lines.append("Todavía no hemos recibido ningún programa de su institución. Le pedimos enviar un archivo por "
                     "programa, llenado en la plantilla de esta edición.")
    else:
        lines.append(f"{due.rejected:,} de sus programas tiene(n) errores que impiden publicarlo(s):")
        lines += [f"  • {Path(f).name}" for f in due.files]
        lines.append("Cada uno tiene su archivo de retroalimentación con las celdas que hay que corregir; "
                     "corríjalos y envíelos de nuevo.")
    if link:
        lines += ["", "Puede enviar sus archivos en el enlace privado de su institución, donde verá al momento lo que "
                      f"haya que corregir: {link}"]
    return draft(ed, f"Recordatorio: reporte para el {ed.title}", due.emails,
                 dt.datetime.combine(today, dt.time(9, 0)), lines)


def _slug(text: str) -> str:
    return normalise(text).replace(" ", "-")[:40] or "institucion"


def write(board: Board, catalogs: Catalogs, due: list[Due], today: dt.date) -> Path:
    """``output/<ed>/recordatorios/recordatorios.csv`` and one ``<id>.eml`` draft per body; returns the list."""
    folder = board.edition.paths.output / FOLDER
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "institucion", "motivo", "correos", "borrador", "enlace"])
    portal_links = links.by_body(board.edition)
    try:
        for d in due:
            name = f"{_slug(d.body_id)}.eml"
            link = portal_links.get(d.body_id)
            write_text(folder / name, message(board, d, today, link).as_string(policy=email.policy.SMTP))
            w.writerow([d.body_id, d.label, d.reason, "; ".join(d.emails), name, link or ""])
        return write_text(folder / LIST_FILE, "\ufeff" + buf.getvalue())
    except OSError as exc:
        raise OutputError(f"No se pudieron escribir los recordatorios en {folder} ({system_reason(exc)}).") from None
