"""Shared set-up for the template tests: a fresh edition and its saved workbooks."""

from __future__ import annotations

from pathlib import Path

from compiler import catalogs as cat, settings, spec, template


def with_spec_examples(fields: dict) -> dict:
    """Test data plus the spec's worked example for every required field it leaves out (and the
    template does not pre-fill), so a new required field needs no edit to the tests' programs."""
    out = dict(fields)
    for f in spec.PROGRAM_FIELDS:
        if f.required and f.id not in out and f.id not in template.PREFILLED_FIELDS:
            out[f.id] = [f.example] if f.repeat > 1 else f.example
    return out


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
