"""Program continuity across editions: which 2026 program is which 2025 one.

A program continues when the same body reports it under the same normalised
name and the same main objective (the key issue 9's register uses, kept
here in one small place so both can share it).
"""

from __future__ import annotations

from typing import Any

from .model import normalise


def objective_number(value: Any) -> int | None:
    """7, 7.0, «7» or «7. Abordar …» → 7."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if value == value else None  # NaN
    head = str(value).strip().lstrip("'").split(".", 1)[0].strip()
    return int(head) if head.isdigit() else None


def continuity_key(institution: Any, name: Any, objective: Any) -> tuple[str, str, int | None]:
    """(normalised institution, normalised program name, main objective number)."""
    def clean(v: Any) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return ""
        return normalise(str(v).lstrip("'"))
    return clean(institution), clean(name), objective_number(objective)
