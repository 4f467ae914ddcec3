"""Exceptions for inputs the tool cannot use at all.

Data problems inside a readable workbook are ``Finding`` values, not
exceptions. These are for everything else; the CLI turns them into a Spanish
message and an exit code, the library never exits or prints.
"""

from __future__ import annotations

from pathlib import Path


class CompendioError(Exception):
    """Base: ``str(err)`` is a complete Spanish message for the user."""

    exit_code = 2


class SettingsError(CompendioError):
    """The edition's settings file is missing or wrong."""


class CatalogError(CompendioError):
    """A reference catalog (CSV) is missing or malformed."""


class UnreadableWorkbook(CompendioError):
    """A file that is not a readable template of ours.

    ``code`` is a stable finding code (``no-es-xlsx``, ``archivo-danado``…) so
    the validator can report it like any other finding.
    """

    def __init__(self, code: str, path: Path | str, message: str, sheet: str | None = None, cell: str | None = None):
        super().__init__(message)
        self.code = code
        self.path = Path(path)
        self.sheet = sheet
        self.cell = cell


class OutputError(CompendioError):
    """An output could not be written."""
