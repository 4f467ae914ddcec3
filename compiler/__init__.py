"""Compendio: the yearly reporting cycle behind Mexico's Compendio General on the PMM.

The pipeline, top to bottom::

    template.py   field spec → intake workbook (one per program)
    reader.py     filled workbook → Submission (every value keeps its cell)
    validation.py Submission → Report (Findings with stable codes)
    feedback.py   Report → marked copy of the agency's workbook
    publication.py accepted Submissions → Publication (chapters, objectives, programs)
    render.py     Publication → HTML (jinja2) → PDF (WeasyPrint)
"""

__version__ = "0.1.0"
