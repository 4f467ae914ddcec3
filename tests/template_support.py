"""Shared set-up for the template tests: a fresh edition and its saved workbooks."""

from __future__ import annotations

from pathlib import Path

from compiler import catalogs as cat, settings, template


def edition(root: Path, key: str = "2026"):
    settings.init(root, key)
    return settings.load(root, key)


def saved_template(root: Path, acronym: str | None = None, data: template.ProgramData | None = None,
                   name: str = "plantilla.xlsx") -> Path:
    """Build (and optionally fill) a template through the project's own writer and save it."""
    ed = edition(root)
    cats = cat.load()
    body = template.find_body(cats, acronym) if acronym else None
    wb = template.build_workbook(ed, cats, body)
    if data is not None:
        template.fill(wb, data)
    return template.save(wb, root / name)
