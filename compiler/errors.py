"""Exceptions for inputs the tool cannot use at all.

Data problems inside a readable workbook are ``Finding`` values, not
exceptions. These are for everything else; the CLI turns them into a Spanish
message and an exit code, the library never exits or prints.
"""

from __future__ import annotations

import errno
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


#: The system's reasons in Spanish: the operating system words them in English.
_REASONS = {
    errno.ENOSPC: "el disco está lleno; libere espacio e intente de nuevo",
    errno.EDQUOT: "se agotó la cuota de disco de su usuario; libere espacio e intente de nuevo",
    errno.EACCES: "no tiene permiso para escribir ahí; pida acceso o elija otra carpeta",
    errno.EPERM: "la operación no está permitida en esa carpeta; pida acceso o elija otra carpeta",
    errno.EROFS: "la carpeta es de sólo lectura; elija otra carpeta",
    errno.ENOENT: "no existe el archivo o la carpeta",
    errno.EISDIR: "es una carpeta, no un archivo",
    errno.ENOTDIR: "una parte de la ruta no es una carpeta",
    errno.EEXIST: "ya existe",
    errno.EBUSY: "el archivo está en uso por otro programa; ciérrelo e intente de nuevo",
    errno.ETXTBSY: "el archivo está en uso por otro programa; ciérrelo e intente de nuevo",
    errno.EMFILE: "hay demasiados archivos abiertos; cierre otros programas e intente de nuevo",
    errno.ENAMETOOLONG: "el nombre o la ruta es demasiado largo; use una carpeta con una ruta más corta",
    errno.EIO: "error de lectura o escritura del disco; revise la unidad o la conexión de red",
    errno.EFBIG: "el archivo es demasiado grande para esa unidad",
    errno.ENOMEM: "no hay memoria suficiente",
}


def system_reason(exc: BaseException) -> str:
    """The reason of an ``OSError`` in Spanish, never the system's English text."""
    code = getattr(exc, "errno", None)
    if code in _REASONS:
        return _REASONS[code]
    if isinstance(exc, OSError):
        return f"error del sistema {code}" if code else "error del sistema al leer o escribir"
    return "error del sistema"


def is_disk_problem(exc: BaseException) -> bool:
    """A fault of the place being written (full, read-only, forbidden), not of the data."""
    return isinstance(exc, OSError) and getattr(exc, "errno", None) in (
        errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO, errno.EFBIG)
