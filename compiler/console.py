"""What the terminal shows: one line per file, full findings, compact tables, the machine format.

Everything here renders; only ``cli.py`` decides what to print and when. The
rules a person at an 80-column terminal (or a script reading a pipe) relies on:

- **one line per file**, never wider than the terminal: its state, its name
  (shortened in the middle with «…», never folded over two lines) and, for a
  rejected file, its first error's message cut to what is left of the line;
- **full findings** (code, sheet!cell, message) for ``revisar`` and for a few
  named files, each message on one logical line: the terminal wraps it, the
  tool never inserts a line break (so ``grep`` and copy-paste keep it whole);
- width comes from the real terminal (rich reads ``COLUMNS`` or asks the
  terminal); when the output is not a terminal there is no colour and no box
  drawing;
- ``--json`` prints one JSON document and nothing else on standard output.

The rows rendered are ``validation.summary_rows`` dictionaries, the same ones
``validacion.json`` holds, so the terminal and the file never disagree.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from rich.cells import cell_len
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

#: More files than this is a long batch: a progress bar, then only the files with something to say.
LONG_BATCH = 20
#: Naming at most this many files on the command line shows every finding of each.
FULL_FINDINGS_MAX = 5
ELLIPSIS = "…"
#: Cells a wide terminal keeps for the message before it gives the rest to the file name.
MESSAGE_ROOM = 80

#: Short states for the one-line listing («Obs.» as on the reception board); the summary line spells them out.
LABELS = {"aceptado": "aceptado", "aceptado con observaciones": "con obs.", "rechazado": "rechazado"}
STYLES = {"aceptado": "green", "aceptado con observaciones": "yellow", "rechazado": "bold red",
          "sustituido": "dim"}
SEVERITY_STYLES = {"error": "red", "advertencia": "yellow", "nota": "cyan"}


def make(stderr: bool = False) -> Console:
    """A console sized from the real terminal now (``COLUMNS`` wins), no highlighting of numbers or paths.

    ``soft_wrap``: rich never cuts a message into lines (a path or a phrase stays whole; the terminal
    wraps it). What must fit the width is made to fit here, not wrapped.
    """
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def fit(width: int, *texts: str) -> str:
    """The first of ``texts`` (longest wording first) that fits in ``width`` cells, else the last."""
    return next((t for t in texts if cell_len(t) <= width), texts[-1])


# --- text that fits ---------------------------------------------------------------------------

def one_line(text: Any) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    return " ".join(str(text or "").split())


def _take(text: str, width: int, from_end: bool = False) -> str:
    """The longest head (or tail) of ``text`` that is at most ``width`` cells."""
    out, used = [], 0
    for ch in (reversed(text) if from_end else text):
        w = cell_len(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(reversed(out) if from_end else out)


def clip(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` cells, ending in «…» when something was cut."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    return _take(text, width - 1).rstrip() + ELLIPSIS


def shorten(name: str, width: int) -> str:
    """Fit a file name in ``width`` cells by cutting its middle: the start and the extension stay readable."""
    if cell_len(name) <= width:
        return name
    if width <= 1:
        return ELLIPSIS[:width]
    # The start says whose and which program; the end keeps the extension.
    tail = max(1, (width - 1) // 4)
    head = width - 1 - tail
    return _take(name, head) + ELLIPSIS + _take(name, tail, from_end=True)


# --- one line per file ------------------------------------------------------------------------

def state(row: dict) -> str:
    return "sustituido" if row.get("superseded_by") else row["status"]


def label(row: dict) -> str:
    s = state(row)
    return LABELS.get(s, s)


def message(row: dict, finding: dict) -> str:
    """A finding's message on one line, without the file name the line already shows."""
    name = row["file"].rsplit("/", 1)[-1]
    text = one_line(finding["message"])
    if text.startswith(f"{name}: "):
        text = text.removeprefix(f"{name}: ")
        text = text[:1].upper() + text[1:]
    return text


def first_message(row: dict) -> str:
    """What to say after the name: the first error (rejected), the first warning (observed), or the newer file.

    The cell is left to the full findings: on one line, the reason matters more than where it is.
    """
    if row.get("superseded_by"):
        return f"lo sustituye {row['superseded_by']}"
    wanted = {"rechazado": "error", "aceptado con observaciones": "advertencia"}.get(row["status"])
    finding = next((f for f in row.get("findings", ()) if f["severity"] == wanted), None)
    return message(row, finding) if finding else ""


def _ref(finding: dict) -> str:
    if finding.get("sheet") and finding.get("cell"):
        return f"{finding['sheet']}!{finding['cell']}"
    return finding.get("sheet") or ""


def file_line(row: dict, width: int, state_width: int = 0, name_column: int = 0) -> Text:
    """``estado  nombre  mensaje`` in at most ``width`` cells; the name is shortened, never wrapped.

    ``state_width`` and ``name_column`` align the columns of a listing (the widest state and name shown).
    """
    lab = label(row)
    state_width = max(state_width, cell_len(lab))
    room = max(width - state_width - 2, 12)
    name, message = row["file"], first_message(row)
    name_column = max(name_column, cell_len(name))
    if message:
        # A narrow terminal shares the line; a wide one gives the name all it needs while the message keeps 80.
        name_width = min(name_column, max(16, room * 9 // 20, room - 2 - MESSAGE_ROOM))
        message_width = room - name_width - 2
    else:
        name_width, message_width = min(cell_len(name), room), 0
    line = Text(lab.ljust(state_width), style=STYLES.get(state(row), ""))
    line.append("  ")
    if message and message_width >= 8:
        line.append(shorten(name, name_width).ljust(name_width))
        line.append("  ")
        line.append(clip(message, message_width), style="dim" if state(row) == "sustituido" else "")
    else:
        line.append(shorten(name, name_width))
    return line


def shown_rows(rows: list[dict], everything: bool) -> list[dict]:
    """A long batch lists only files with something to say, unless every file was asked for."""
    if everything or len(rows) <= LONG_BATCH:
        return rows
    return [r for r in rows if r["status"] != "aceptado" or r.get("superseded_by")]


def file_lines(rows: list[dict], width: int) -> list[Text]:
    state_width = max((cell_len(label(r)) for r in rows), default=0)
    name_column = max((cell_len(r["file"]) for r in rows), default=0)
    return [file_line(r, width, state_width, name_column) for r in rows]


def totals(rows: Iterable[dict]) -> dict[str, int]:
    rows = list(rows)
    count = {s: sum(r["status"] == s for r in rows) for s in LABELS}
    return {"files": len(rows), "accepted": count["aceptado"],
            "accepted_with_observations": count["aceptado con observaciones"], "rejected": count["rechazado"],
            "superseded": sum(bool(r.get("superseded_by")) for r in rows)}


def _counted(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def summary_line(rows: list[dict], width: int = 10_000) -> Text:
    """``N archivos: … aceptados, … con observaciones, … rechazados.`` on one line of ``width`` at most."""
    t = totals(rows)
    for observed, superseded in ((("aceptado con observaciones", "aceptados con observaciones"),
                                  ("sustituido por un envío posterior", "sustituidos por un envío posterior")),
                                 (("con observaciones",) * 2, ("sustituido", "sustituidos")),
                                 (("con obs.",) * 2, ("sust.",) * 2)):
        parts = [(_counted(t["files"], "archivo", "archivos") + ": ", ""),
                 (_counted(t["accepted"], "aceptado", "aceptados"), STYLES["aceptado"]), (", ", ""),
                 (_counted(t["accepted_with_observations"], *observed), STYLES["aceptado con observaciones"]),
                 (", ", ""), (_counted(t["rejected"], "rechazado", "rechazados"), STYLES["rechazado"])]
        if t["superseded"]:
            parts.append((", " + _counted(t["superseded"], *superseded), ""))
        parts.append((".", ""))
        line = Text.assemble(*parts)
        if line.cell_len <= width:
            break
    return line


def print_files(console: Console, rows: list[dict], everything: bool = False) -> None:
    """The compact listing: one line per file shown, then how many were left out and why."""
    shown = shown_rows(rows, everything)
    for line in file_lines(shown, console.width):
        console.print(line, soft_wrap=True)  # already fits: never let rich fold it
    hidden = len(rows) - len(shown)
    if hidden:
        console.print(fit(console.width, f"(No se muestran {hidden:,} archivos aceptados sin observaciones; "
                                         "--todos los lista.)", f"({hidden:,} aceptados sin observaciones: --todos)"))


# --- full findings ----------------------------------------------------------------------------

def print_findings(console: Console, rows: list[dict]) -> None:
    """Every finding of every file: severity, code, sheet!cell and the whole message on one logical line."""
    for row in rows:
        console.print(file_line(dict(row, findings=[]), console.width), soft_wrap=True)
        findings = row.get("findings", [])
        if not findings:
            console.print("  sin observaciones", style="dim")
            continue
        code_width = max(cell_len(f["code"]) for f in findings)
        ref_width = max(cell_len(_ref(f) or "—") for f in findings)
        for f in findings:
            line = Text("  ")
            line.append(f["severity"].ljust(12), style=SEVERITY_STYLES.get(f["severity"], ""))
            line.append(f"{f['code'].ljust(code_width)}  {(_ref(f) or '—').ljust(ref_width)}  ")
            line.append(message(row, f))
            console.print(line, soft_wrap=True)  # the terminal wraps; no line break is ever inserted


# --- tables, progress, JSON -------------------------------------------------------------------

#: Cells between two columns of a ``table``.
COLUMN_GAP = 1


def table(console: Console, title: str | None = None, caption: str | None = None) -> Table:
    """A compact table: aligned columns one space apart, no box drawing (a bold, underlined header on a
    terminal; plain text when piped), so its width is the sum of its columns and fits 80 columns."""
    return Table(title=title, caption=caption, title_justify="left", caption_justify="left", box=None,
                 show_edge=False, pad_edge=False, padding=(0, COLUMN_GAP, 0, 0), header_style="bold underline",
                 title_style="bold", caption_style="dim")


def fixed_width(labels: Iterable[str]) -> int:
    """Cells that columns headed ``labels`` (numbers, narrower than their heading) take in a ``table``."""
    return sum(cell_len(lab) + COLUMN_GAP for lab in labels)


def progress(console: Console, total: int, *, always: bool = False) -> Progress:
    """A transient bar on ``console`` (stderr), shown only on a terminal and, unless ``always``, for long batches."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console, transient=True,
                    disable=not console.is_terminal or (total <= LONG_BATCH and not always))


def dumps(doc: dict) -> str:
    """The machine format: UTF-8 JSON, keys in a stable order, two-space indent; no character a pipe
    cannot carry (the writers' own rule, ``textsafe.clean``)."""
    from .textsafe import clean

    return clean(json.dumps(doc, ensure_ascii=False, indent=2))


__all__ = ["FULL_FINDINGS_MAX", "LONG_BATCH", "clip", "dumps", "file_line", "file_lines", "fit", "first_message", "make",
           "one_line", "print_files", "print_findings", "progress", "shorten", "shown_rows", "summary_line",
           "fixed_width", "table", "totals"]
