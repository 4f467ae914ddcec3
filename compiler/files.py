"""Two small rules about files, each written once: a file's fingerprint and how a path is shown."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(source: Path | str | bytes) -> str:
    """Hex sha256 of a file's bytes (or of the bytes given); "" if the file cannot be read."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    try:
        return hashlib.sha256(Path(source).read_bytes()).hexdigest()
    except OSError:
        return ""


def shown(path: Path | str, base: Path | str | None, absolute_outside: bool = False) -> str:
    """A path as people read it: relative to ``base`` (e.g. submissions/<ed>/) when inside it.

    Outside it, its name (or, with ``absolute_outside``, its absolute path: a key that must not collide).
    """
    path = Path(path)
    if base is not None:
        try:
            return path.resolve().relative_to(Path(base).resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return path.resolve().as_posix() if absolute_outside else path.name
