"""Atomic output: every file the tool writes appears whole or not at all.

A temporary file in the target's folder is renamed onto the target only once
it is complete, so an interrupted run never leaves a half-written workbook or
PDF, and a reader sees the old file or the new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from .errors import OutputError, system_reason


@contextlib.contextmanager
def atomic_files(paths: Iterable[Path], suffix: str | None = None) -> Iterator[list[Path]]:
    """Yield one temporary path next to each of ``paths``; rename them all into place only
    when the block finished, so a set of files (the open data) is replaced whole or not at all."""
    paths = [Path(p) for p in paths]
    temps: list[Path] = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".~", suffix=suffix or path.suffix, dir=path.parent)
            os.close(fd)
            temps.append(Path(tmp))
    except OSError as exc:
        _discard(temps)
        raise _output_error(f"No se puede escribir en {path.parent}: {system_reason(exc)}.", exc) from None
    try:
        yield temps
        mode = 0o666 & ~_umask()
        for tmp, path in zip(temps, paths):
            # mkstemp makes the file private (0600); a publication is for everyone to read.
            os.chmod(tmp, mode)
            os.replace(tmp, path)
    except OSError as exc:
        _discard(temps)
        where = paths[0] if len(paths) == 1 else f"los archivos de {paths[0].parent}"
        raise _output_error(f"No se pudo escribir {where}: {system_reason(exc)}. "
                            "Si el archivo está abierto en otro programa, ciérrelo e intente de nuevo.", exc) from None
    except BaseException:
        _discard(temps)
        raise


@contextlib.contextmanager
def atomic_write(path: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place only on success."""
    with atomic_files([Path(path)], suffix) as (tmp,):
        yield tmp


def _discard(temps: list[Path]) -> None:
    for tmp in temps:
        tmp.unlink(missing_ok=True)


def _output_error(message: str, cause: OSError) -> OutputError:
    """Keep the system's reason so callers can phrase their own, fuller message."""
    err = OutputError(message)
    err.strerror = system_reason(cause)
    return err


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    return path
