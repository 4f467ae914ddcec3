"""The reception board: per sector and institution, what was sent, received, accepted and is missing.

Built from the templates under ``intake_templates/<ed>/`` (which body got how
many) and the submissions register (what came back and how it fared). The CLI
prints it; ``write_excel`` makes ``output/<ed>/tablero.xlsx`` for staff to
send around.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import dispatch, printing
from .catalogs import Body, Catalogs
from .model import normalise
from .register import SUSTITUIDO, Entry, Register
from .settings import Edition
from .textsafe import put
from .style import GUINDA, GUINDA_CLARO

NO_SECTOR = "Sin sector identificado"
UNIDENTIFIED = "Archivos que no se pudieron identificar"


@dataclass
class Row:
    """One institution's line (or a subtotal when ``institution`` starts with «Total»)."""

    sector: str
    institution: str
    acronym: str = ""
    templates: int | None = 0  # None: no templates were generated for the edition
    received: int = 0
    accepted: int = 0
    observed: int = 0
    rejected: int = 0
    superseded: int = 0
    duplicates: int = 0
    last_received: dt.datetime | None = None
    registered: bool = True
    body_id: str = ""  # registry id, for rows of registered bodies

    @property
    def expected(self) -> bool:
        return self.templates is None or self.templates > 0

    @property
    def missing(self) -> bool:
        """Sent a template (or expected, when none were generated) and nothing came back."""
        return self.registered and self.expected and self.received == 0

    def add(self, entry: Entry) -> None:
        if entry.current:
            self.received += 1
            self.accepted += entry.estado == "aceptado"
            self.observed += entry.estado == "aceptado con observaciones"
            self.rejected += entry.estado == "rechazado"
            self.duplicates += entry.duplicado
            received = dt.datetime.fromisoformat(entry.recibido)
            self.last_received = max(filter(None, (self.last_received, received)))
        elif entry.situacion == SUSTITUIDO:
            self.superseded += 1


@dataclass
class Group:
    sector: str
    rows: list[Row] = field(default_factory=list)

    def total(self, label: str | None = None) -> Row:
        t = Row(self.sector, label or f"Total {self.sector}", templates=None)
        rows = self.rows
        if any(r.templates is not None for r in rows):
            t.templates = sum(r.templates or 0 for r in rows)
        for name in ("received", "accepted", "observed", "rejected", "superseded", "duplicates"):
            setattr(t, name, sum(getattr(r, name) for r in rows))
        t.last_received = max((r.last_received for r in rows if r.last_received), default=None)
        t.registered = False
        return t

    @property
    def missing(self) -> int:
        return sum(r.missing for r in self.rows)


@dataclass
class Board:
    edition: Edition
    generated: dt.datetime
    templates_found: bool
    groups: list[Group]
    entries: list[Entry]
    #: Files in submissions/<ed>/ that are new or changed since they were last validated.
    pending: list[Path] = field(default_factory=list)
    #: What «Plantillas enviadas» counts: ``dispatch.BASIS_SENT``, ``BASIS_GENERATED`` or ``BASIS_NONE``.
    basis: str = dispatch.BASIS_NONE

    def total(self) -> Row:
        return Group("Total", [r for g in self.groups for r in g.rows]).total("Total general")

    @property
    def missing(self) -> int:
        return sum(g.missing for g in self.groups)


def templates_sent(edition: Edition) -> dict[str, int]:
    """Workbooks generated under intake_templates/<ed>/ per body id, read from each one's stamp.

    Reading the stamp rather than trusting file names keeps the count right
    when staff rename or copy templates (one per program). Generated is not
    sent: the board uses ``dispatch.basis``.
    """
    return {k: len(v) for k, v in dispatch.generated(edition).items()}


def build(edition: Edition, catalogs: Catalogs, register: Register,
          now: dt.datetime | None = None) -> Board:
    basis, sent = dispatch.basis(edition)
    templates_found = bool(sent)
    bodies = {b.id: b for b in catalogs.bodies}
    rows: dict[tuple, Row] = {}

    def body_row(body: Body) -> Row:
        key = ("id", body.id)
        if key not in rows:
            templates = sent.get(body.id, 0) if templates_found else None
            rows[key] = Row(catalogs.sector(body.sector).name, body.name, body.acronym, templates, body_id=body.id)
        return rows[key]

    for body in catalogs.bodies:
        if not templates_found or sent.get(body.id):
            body_row(body)
    sector_names = {s.key: s.name for s in catalogs.sectors}
    for entry in register.entries:
        if entry.institucion_id in bodies:
            row = body_row(bodies[entry.institucion_id])
        elif entry.institucion:
            key = ("nombre", normalise(entry.institucion))
            if key not in rows:
                rows[key] = Row(sector_names.get(entry.sector or "", NO_SECTOR), entry.institucion,
                                templates=0 if templates_found else None, registered=False)
            row = rows[key]
        else:
            key = ("ilegible",)
            if key not in rows:
                rows[key] = Row(UNIDENTIFIED, "Sin institución (archivo ilegible o sin nombre)",
                                templates=None, registered=False)
            row = rows[key]
        row.add(entry)
    order = [s.name for s in catalogs.sectors] + [NO_SECTOR, UNIDENTIFIED]
    groups = []
    for sector in order:
        members = sorted((r for r in rows.values() if r.sector == sector), key=lambda r: normalise(r.institution))
        if members:
            groups.append(Group(sector, members))
    return Board(edition, now or dt.datetime.now().replace(microsecond=0), templates_found, groups,
                 list(register.entries), pending(edition, register), basis)


def pending(edition: Edition, register: Register) -> list[Path]:
    """Submission files the register does not know in their current form (new, or changed since validated)."""
    from .validation import discover

    seen: dict[str, Entry] = {}
    for e in register.entries:
        for ruta in (e.ruta, *e.otras_rutas):
            if e.presente and (ruta not in seen or seen[ruta].validado < e.validado):
                seen[ruta] = e
    out = []
    for path in discover(edition):
        rel = path.relative_to(edition.paths.submissions).as_posix()
        entry = seen.get(rel)
        if entry is None:
            out.append(path)
            continue
        st = path.stat()
        modified = dt.datetime.fromtimestamp(st.st_mtime).replace(microsecond=0).isoformat()
        if st.st_size != entry.tamano or modified > entry.validado:
            out.append(path)
    return out


# --- Excel -----------------------------------------------------------------

HEADERS = (("Sector", 23), ("Institución", 44), ("Siglas", 11), ("Plantillas enviadas", 12), ("Recibidos", 11),
           ("Aceptados", 11), ("Aceptados con observaciones", 14), ("Rechazados", 11), ("Sin respuesta", 11),
           ("Archivos sustituidos", 12), ("Último envío", 17))
#: What staff read on paper comes first and is what prints (up to «Códigos»); the rest stays on screen.
FILE_HEADERS = (("Ruta", 24), ("Institución", 26), ("Programa", 30), ("Estado", 16), ("Errores", 8),
                ("Advertencias", 12), ("Notas", 7), ("Duplicado", 10), ("Situación", 11), ("Sustituido por", 22),
                ("Recibido", 17), ("Códigos", 22), ("Sector", 16), ("Retroalimentación", 26), ("Validado", 15),
                ("Tamaño (KB)", 9), ("Versión del validador", 10), ("SHA-256", 20))
FILE_PRINTED = [h for h, _ in FILE_HEADERS].index("Códigos") + 1
FILE_WRAPPED = {"Ruta", "Institución", "Programa", "Estado", "Sustituido por", "Códigos", "Retroalimentación", "SHA-256"}
SUBTOTAL_FILL = PatternFill("solid", fgColor=GUINDA_CLARO)
MISSING_FILL = PatternFill("solid", fgColor="FFC7CE")
REJECTED_FONT = Font(color="9C0006", bold=True)
DATETIME = printing.DATETIME
COUNT = printing.COUNT


def row_values(row: Row, subtotal: bool = False, missing_count: int | None = None) -> list:
    """Cells of a board line, as the Excel board and the terminal show them."""
    if subtotal:
        missing = missing_count
    else:
        missing = "Sí" if row.missing else ("No" if row.registered and row.expected else "")
    return [row.sector, row.institution, row.acronym, row.templates, row.received, row.accepted, row.observed,
            row.rejected, missing, row.superseded, row.last_received]


def _header(ws, r: int, headers) -> None:
    printing.header_row(ws, r, headers, height=45)


def _write_line(ws, r: int, values: list, bold: bool = False) -> None:
    for i, v in enumerate(values, start=1):
        c = put(ws, r, i, v)
        if isinstance(v, int):
            c.number_format = COUNT
        elif isinstance(v, dt.datetime):
            c.number_format = DATETIME
        if bold:
            c.font = Font(bold=True)
            c.fill = SUBTOTAL_FILL


def _summary_sheet(wb: Workbook, board: Board) -> None:
    ws = wb.active
    ws.title = "Tablero"
    ed = board.edition
    ws["A1"] = f"{ed.title}: tablero de recepción de reportes"
    ws["A1"].font = Font(bold=True, size=14, color=GUINDA)
    total = board.total()
    ws["A2"] = (f"Actualizado el {board.generated:%d/%m/%Y a las %H:%M}. Fecha límite de entrega: "
                f"{ed.deadline:%d/%m/%Y}. Programas recibidos: {total.received:,} (aceptados {total.accepted:,}, "
                f"con observaciones {total.observed:,}, rechazados {total.rejected:,}). "
                f"Instituciones sin respuesta: {board.missing:,}."
                + (f" Hay {len(board.pending):,} archivo(s) recibido(s) que todavía no se validan."
                   if board.pending else ""))
    ws["A3"] = (dispatch.describe(board.basis, ed.key) + " «Recibidos» cuenta la versión vigente de cada programa; "
                "las anteriores se cuentan en «Archivos sustituidos».")
    for cell in ("A2", "A3"):
        ws[cell].alignment = Alignment(wrap_text=False)
    header_row = 5
    headers = HEADERS if board.basis != dispatch.BASIS_GENERATED else tuple(
        ("Plantillas generadas (sin envío registrado)", w) if h == "Plantillas enviadas" else (h, w) for h, w in HEADERS)
    _header(ws, header_row, headers)
    r = header_row
    missing_col = [h for h, _ in HEADERS].index("Sin respuesta") + 1
    rejected_col = [h for h, _ in HEADERS].index("Rechazados") + 1
    for group in board.groups:
        for row in group.rows:
            r += 1
            _write_line(ws, r, row_values(row))
            ws.cell(r, missing_col).alignment = Alignment(horizontal="center")
            if row.missing:
                ws.cell(r, missing_col).fill = MISSING_FILL
            if row.rejected:
                ws.cell(r, rejected_col).font = REJECTED_FONT
        r += 1
        _write_line(ws, r, row_values(group.total(), subtotal=True, missing_count=group.missing), bold=True)
    last_filtered = r
    r += 1
    _write_line(ws, r, row_values(total, subtotal=True, missing_count=board.missing), bold=True)
    ws.cell(r, 1).value = "Total general"
    ws.freeze_panes = ws.cell(header_row + 1, 3)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(HEADERS))}{max(last_filtered, header_row + 1)}"
    printing.style_body(ws, header_row + 1, wrap_columns={1, 2}, center_columns={missing_col})
    printing.page_setup(ws, header_row)


def _files_sheet(wb: Workbook, board: Board, catalogs: Catalogs, folder: Path) -> None:
    from .feedback import feedback_path

    ws = wb.create_sheet("Archivos")
    _header(ws, 1, FILE_HEADERS)
    col = {name: i for i, (name, _) in enumerate(FILE_HEADERS, start=1)}
    sectors = {s.key: s.name for s in catalogs.sectors}
    entries = sorted(board.entries, key=lambda e: (normalise(e.institucion or "~"), e.recibido, e.ruta))
    for r, e in enumerate(entries, start=2):
        # The feedback file sits next to the board: a relative link keeps working when the
        # output folder is copied or shared as a whole.
        fb = feedback_path(board.edition.paths.submissions / e.ruta, board.edition) if e.current else None
        link = os.path.relpath(fb, folder) if fb is not None and fb.exists() else None
        by_header = {"Ruta": e.ruta, "Institución": e.institucion or "", "Sector": sectors.get(e.sector or "", ""),
                     "Programa": e.programa or "", "Estado": e.estado, "Situación": e.situacion,
                     "Sustituido por": e.sustituido_por or "", "Duplicado": "Sí" if e.duplicado else "",
                     "Errores": e.errores, "Advertencias": e.advertencias, "Notas": e.notas,
                     "Códigos": ", ".join(e.codigos), "Retroalimentación": Path(link).as_posix() if link else "",
                     "Recibido": dt.datetime.fromisoformat(e.recibido), "Validado": dt.datetime.fromisoformat(e.validado),
                     "Tamaño (KB)": round(e.tamano / 1024, 1), "Versión del validador": e.version_validador,
                     "SHA-256": e.sha256}
        values = [by_header[h] for h, _ in FILE_HEADERS]
        _write_line(ws, r, values)
        ws.cell(r, col["Tamaño (KB)"]).number_format = "#,##0.0"
        if e.estado == "rechazado":
            ws.cell(r, col["Estado"]).font = REJECTED_FONT
        if not e.current:
            for c in range(1, len(values) + 1):
                ws.cell(r, c).font = Font(color="808080", italic=True)
        if link:
            cell = ws.cell(r, col["Retroalimentación"])
            cell.hyperlink = Path(link).as_posix()
            cell.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "B2"
    printing.style_body(ws, 2, wrap_columns={col[h] for h in FILE_WRAPPED}, center_columns={col["Duplicado"]})
    printing.page_setup(ws, 1, last_column=FILE_PRINTED)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(FILE_HEADERS))}{max(len(entries) + 1, 2)}"


def _links_sheet(wb: Workbook, board: Board) -> None:
    """«Enlaces»: each body's private link to the portal, for staff to send (only when links were made)."""
    from . import links

    made = links.load(board.edition)
    if not made:
        return
    ws = wb.create_sheet("Enlaces")
    _header(ws, 1, (("Siglas", 11), ("Institución", 44), ("Enlace privado al portal", 90), ("Creado", 17)))
    base = links.base_url(board.edition)
    for r, lk in enumerate(made, start=2):
        _write_line(ws, r, [lk.acronym, lk.institution, lk.url(base), dt.datetime.fromisoformat(lk.created)])
    ws.freeze_panes = "A2"
    printing.style_body(ws, 2, wrap_columns={2})
    printing.page_setup(ws, 1)


def write_excel(board: Board, catalogs: Catalogs, path: Path | None = None) -> Path:
    """``output/<ed>/tablero.xlsx``: «Tablero» (summary) and «Archivos» (every register entry)."""
    from .errors import OutputError
    from .template import save

    path = path or board.edition.paths.output / "tablero.xlsx"
    wb = Workbook()
    _summary_sheet(wb, board)
    _files_sheet(wb, board, catalogs, path.parent)
    _links_sheet(wb, board)
    wb.properties.title = f"Tablero de recepción — {board.edition.title}"
    wb.properties.language = "es-MX"
    try:
        return save(wb, path)
    except OutputError as exc:  # atomic writes report the system's reason in strerror
        raise OutputError(f"No se pudo escribir el tablero {path} ({getattr(exc, 'strerror', None) or exc}). "
                          "Si lo tiene abierto en Excel, ciérrelo y vuelva a intentarlo.") from None



def document(board: Board) -> dict:
    """``status --json``: validacion.json's shape (edition, validated_at, validator_version, totals, files)
    read from the register, plus the board's line for each institution.

    The register keeps each file's finding codes, not their messages: a file's ``codes`` stand where
    validacion.json has ``findings`` (``compendio validate --json`` gives the messages).
    """
    from . import __version__

    files = [{"file": e.ruta, "sha256": e.sha256, "institution": e.institucion, "program": e.programa,
              "status": e.estado, "superseded_by": e.sustituido_por if e.situacion == SUSTITUIDO else None,
              "errors": e.errores, "warnings": e.advertencias, "notes": e.notas, "codes": list(e.codigos),
              "situation": e.situacion, "received": e.recibido, "validated": e.validado, "present": e.presente}
             for e in sorted(board.entries, key=Entry._order)]
    total = board.total()

    def line(row: Row) -> dict:
        return {"sector": row.sector, "institution": row.institution, "acronym": row.acronym or None,
                "templates": row.templates, "received": row.received, "accepted": row.accepted,
                "accepted_with_observations": row.observed, "rejected": row.rejected,
                "superseded": row.superseded, "missing": row.missing}

    return {"edition": board.edition.key, "validated_at": max((e.validado for e in board.entries), default=None),
            "validator_version": __version__,
            "totals": {"files": sum(1 for e in board.entries if e.current), "accepted": total.accepted,
                       "accepted_with_observations": total.observed, "rejected": total.rejected,
                       "superseded": total.superseded, "templates": total.templates,
                       "missing_bodies": board.missing, "pending_files": len(board.pending)},
            "files": files,
            "bodies": [line(r) for g in board.groups for r in g.rows],
            "pending": [p.relative_to(board.edition.paths.submissions).as_posix() for p in board.pending]}
