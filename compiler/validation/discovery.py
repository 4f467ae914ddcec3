"""Which files of an edition's submissions folder are checked."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable


from ..settings import Edition

#: Extensions picked up under submissions/<ed>/. Other spreadsheet formats are
#: included so an agency that sent one hears why it was refused.
SUBMISSION_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv"}


# --- discovery -----------------------------------------------------------------

def _is_candidate(path: Path) -> bool:
    name = path.name
    # «~$libro.xlsx» is Excel's lock file; «.~…» our own temporary files.
    return path.is_file() and path.suffix.lower() in SUBMISSION_SUFFIXES and not name.startswith(("~$", "."))


def discover(edition: Edition) -> list[Path]:
    """Every submission file under submissions/<ed>/, at any depth, sorted."""
    folder = edition.paths.submissions
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.rglob("*") if _is_candidate(p)), key=lambda p: p.as_posix())


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders searched like the submissions folder."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted((q for q in p.rglob("*") if _is_candidate(q)), key=lambda q: q.as_posix())
        else:
            out.append(p)
    seen: set[Path] = set()
    unique = []
    folders: dict[Path, Path] = {}
    for p in out:
        real = _real(p, folders)
        if real not in seen:
            seen.add(real)
            unique.append(p)
    return unique


def _real(path: Path, folders: dict[Path, Path]) -> Path:
    """``path.resolve()``, its folder resolved once for all its files (``folders``): resolving asks
    the system about every folder of the path: for 550 files, as long as checking five of them."""
    if path.name in ("", ".", "..") or path.is_symlink():
        return path.resolve()
    folder = folders.get(path.parent)
    if folder is None:
        folder = folders[path.parent] = path.parent.resolve()
    return folder / path.name
