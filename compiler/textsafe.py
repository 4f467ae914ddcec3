"""One sanitiser for every string the tool writes: workbooks, CSV, JSON, HTML/PDF.

The reader returns whatever a workbook holds. Excel stores control characters
as ``_x0007_`` and gives them back; XML (xlsx, HTML) cannot hold most of them,
and openpyxl refuses them with ``IllegalCharacterError``. Every writer passes
agency text through ``clean`` so that no string the reader returns can stop a
run; spreadsheets also get ``neutralise`` so that no text runs as a formula.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

#: C0 controls except tab, line feed and carriage return; DEL and the C1 block; lone
#: surrogates (cannot be encoded) and the two XML non-characters.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

#: What a spreadsheet reads as the start of a formula: the ASCII signs, their
#: full-width (＝＋－＠) and small (﹦﹢﹣﹫) forms, which some spreadsheets fold to
#: ASCII, and a leading tab or carriage return that hides one.
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20",
                  "\ufe66", "\ufe62", "\ufe63", "\ufe6b", "\t", "\r")


def has_control(value: Any) -> bool:
    return isinstance(value, str) and CONTROL_CHARS.search(value) is not None


def clean(value: Any) -> Any:
    """``value`` without the characters no writer can store; non-strings unchanged."""
    if isinstance(value, str) and CONTROL_CHARS.search(value):
        return CONTROL_CHARS.sub("", value)
    return value


def neutralise(value: Any) -> Any:
    """Clean, and prefix an apostrophe to text a spreadsheet would run as a formula."""
    value = clean(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def put(ws, row: int, column: int, value: Any):
    """Write ``value`` into an openpyxl cell, cleaned; text stays text (openpyxl would take «=…» for a formula)."""
    cell = ws.cell(row, column)
    cell.value = clean(value)
    if cell.data_type == "f" and isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def append(ws, values: list) -> None:
    """``ws.append`` through ``put``."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for i, v in enumerate(values, start=1):
        put(ws, row, i, v)


#: Shown in the PDF for a character none of the shipped fonts can draw (an emoji, a rare script).
REPLACEMENT = "\ufffd"
#: Characters beyond Latin Extended-A: only these need a look at the fonts' coverage.
_BEYOND_LATIN = re.compile("[^\x00-\u017f]")
#: Invisible characters (joiners, variation selectors, combining marks) are left to the layout.
_INVISIBLE = {"Mn", "Me", "Cf", "Zs", "Zl", "Zp", "Cc"}


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """Code points the PDF's fonts (templates/fonts) can draw."""
    from fontTools.ttLib import TTFont

    from .render import template_dir

    points: set[int] = set()
    for font in sorted((template_dir() / "fonts").glob("*.ttf")):
        points |= set(TTFont(font, lazy=True).getBestCmap())
    return frozenset(points)


def _visible(match: re.Match) -> str:
    ch = match.group(0)
    if ord(ch) in _drawable() or unicodedata.category(ch) in _INVISIBLE:
        return ch
    return REPLACEMENT


def drawable(text: str) -> str:
    """``text`` with every character the fonts cannot draw replaced by a visible «�»."""
    return _BEYOND_LATIN.sub(_visible, text) if _BEYOND_LATIN.search(text) else text


def clean_html(value: Any) -> Any:
    """jinja2 ``finalize``: every printed value cleaned and drawable, markup kept as markup."""
    if isinstance(value, str):
        from markupsafe import Markup

        cleaned = drawable(CONTROL_CHARS.sub("", value))
        if cleaned != value:
            return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value
