"""The batch summary: validacion.xlsx and validacion.json."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


from .atomic import write_text
from .files import sha256, shown
from .model import Report
from .settings import Edition

# --- batch summary ------------------------------------------------------------------------

def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _shown(value: Any) -> Any:
    """The value found as the agency typed it, for the summary workbook."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) > 300:
        return value[:299] + "…"
    return value


def display(path: Path, edition: Edition) -> str:
    """A file's name as staff see it: relative to the edition's submissions folder."""
    return shown(path, edition.paths.submissions if edition.paths else None)


def summary_rows(reports: list[Report], edition: Edition,
                 superseded: dict[Path, Path] | None = None) -> list[dict[str, Any]]:
    """One row per file: what the terminal table, validacion.xlsx and validacion.json show.

    ``superseded`` (path → path of the file in force) comes from the intake stage.
    """
    gone = superseded or {}
    rows = []
    for r in reports:
        sub = r.submission
        rows.append({
            "file": display(r.path, edition),
            "sha256": sub.sha256 if sub else sha256(r.path),
            "institution": (sub.value("institucion") if sub else None),
            "program": (sub.value("nombre_programa") if sub else None),
            "status": r.status,
            "superseded_by": display(gone[r.path], edition) if r.path in gone else None,
            "errors": len(r.errors),
            "warnings": len(r.warnings),
            "notes": len(r.findings) - len(r.errors) - len(r.warnings),
            "findings": [{"code": f.code, "severity": f.severity, "sheet": f.sheet, "cell": f.cell,
                          "value": _json_value(f.value), "message": f.message} for f in r.findings],
        })
    return rows


def summary_document(rows: list[dict[str, Any]], edition: Edition, when: dt.datetime | None = None) -> dict[str, Any]:
    """The machine format of a batch: ``validacion.json`` and every ``--json`` output share it."""
    from . import __version__

    when = (when or dt.datetime.now()).replace(microsecond=0)
    count = {s: sum(1 for r in rows if r["status"] == s) for s in ("aceptado", "aceptado con observaciones", "rechazado")}
    return {"edition": edition.key, "validated_at": when.isoformat(), "validator_version": __version__,
            "totals": {"files": len(rows), "accepted": count["aceptado"],
                       "accepted_with_observations": count["aceptado con observaciones"],
                       "rejected": count["rechazado"]},
            "files": rows}


def write_summary(reports: list[Report], edition: Edition, when: dt.datetime | None = None,
                  superseded: dict[Path, Path] | None = None,
                  kept: list[dict[str, Any]] = ()) -> tuple[Path, Path]:
    """``output/<ed>/validacion.xlsx`` and ``validacion.json``, each written atomically.

    ``kept``: rows of an earlier summary (``summary_rows``' format) for files not checked in
    this run; with them the rows follow the files' order in the edition's folder.
    """
    import json

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from . import printing
    from .errors import OutputError
    from .findings import title
    from .template import save
    from .textsafe import append, clean

    when = (when or dt.datetime.now()).replace(microsecond=0)
    rows = summary_rows(reports, edition, superseded)
    shown_findings = {row["file"]: [(f.sheet, f.cell, f.severity, f.code, _shown(f.value), f.message) for f in r.findings]
                      for row, r in zip(rows, reports)}
    if kept:
        for row in kept:
            shown_findings[row["file"]] = [(f["sheet"], f["cell"], f["severity"], f["code"], f["value"], f["message"])
                                           for f in row["findings"]]
        rows = sorted([*kept, *rows], key=lambda row: row["file"])
    out = edition.paths.output
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("aceptado", "aceptado con observaciones", "rechazado")}
    doc = summary_document(rows, edition, when)

    wb = Workbook()
    ws = wb.active
    ws.title = "Resumen"
    from .style import STATUS_COLOURS as status_fill
    ws.append([f"Validación de la edición {edition.key}: {len(rows):,} archivos — {counts['aceptado']:,} aceptados, "
               f"{counts['aceptado con observaciones']:,} aceptados con observaciones, {counts['rechazado']:,} rechazados "
               f"({when:%d/%m/%Y %H:%M})"])
    ws["A1"].font = Font(bold=True, size=12)
    headers = (("Archivo", 32), ("Institución", 32), ("Programa", 40), ("Estado", 20), ("Errores", 9),
               ("Advertencias", 12), ("Notas", 8), ("Sustituido por", 26))
    printing.header_row(ws, 2, headers)
    for r in rows:
        append(ws, [r["file"], r["institution"], r["program"], r["status"], r["errors"], r["warnings"], r["notes"],
                   r["superseded_by"]])
        ws.cell(ws.max_row, 4).fill = PatternFill("solid", fgColor=status_fill[r["status"]])
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:H{max(ws.max_row, 2)}"
    printing.style_body(ws, 3, wrap_columns={1, 2, 3, 4, 8})
    wo = wb.create_sheet("Observaciones")
    oh = (("Archivo", 28), ("Hoja", 10), ("Celda", 7), ("Gravedad", 11), ("Código", 22), ("Observación", 24),
          ("Valor encontrado", 22), ("Qué hay que corregir", 62))
    printing.header_row(wo, 1, oh)
    for row in rows:
        for sheet, cell, severity, code, value, message in shown_findings[row["file"]]:
            append(wo, [row["file"], sheet, cell, severity, code, title(code), value, message])
    wo.freeze_panes = "A2"
    wo.auto_filter.ref = f"A1:H{max(wo.max_row, 1)}"
    printing.style_body(wo, 2, wrap_columns={1, 5, 6, 7, 8}, center_columns={2, 3})
    printing.page_setup(ws, 2)  # staff print the summary: landscape, all columns on the page width
    printing.page_setup(wo, 1)
    xlsx, js = out / "validacion.xlsx", out / "validacion.json"
    try:
        save(wb, xlsx)
        write_text(js, clean(json.dumps(doc, ensure_ascii=False, indent=1)))
    except OutputError as exc:  # atomic writes report the system's reason in strerror
        raise OutputError(f"No se pudo escribir el resumen de validación en {out} ({getattr(exc, 'strerror', None) or exc}).") from None
    return xlsx, js
