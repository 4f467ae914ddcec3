"""Publication → HTML (jinja2) → PDF (WeasyPrint), safely and reproducibly.

* Every value from agencies goes through jinja2's autoescape; the only raw
  insertion is the project's own stylesheet.
* WeasyPrint may fetch nothing but the project's own template files: the
  fetcher refuses every other URL (network, other files, data: URIs).
* Outputs are written to a temporary file in the target folder and renamed.

The Informe Ejecutivo reuses ``environment()``, ``template_dir()``,
``LocalFetcher`` and ``atomic_write``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import mimetypes
import os
from functools import lru_cache
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup

from .atomic import atomic_write, write_text  # noqa: F401 - re-exported for the draft and tests
from .errors import OutputError
from .publication import Publication, is_figure, number
from .textsafe import clean_html

#: WeasyPrint's variant for a tagged, accessible PDF.
PDF_VARIANT = "pdf/ua-1"


def template_dir() -> Path:
    """``compiler/templates`` when installed, ``templates/`` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "compendio.html.j2").is_file():
            return candidate
    raise OutputError("No se encontraron las plantillas del Compendio (carpeta templates/). Reinstale el programa.")


@lru_cache(maxsize=4)
def _environment(directory: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,  # agency text never reaches the layout as markup
        finalize=clean_html,  # nor a character no PDF text can hold
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["cifra"] = number
    # Figures in the free table line up on the right like those of the Cifras table.
    env.tests["cifra"] = is_figure
    return env


def environment() -> jinja2.Environment:
    return _environment(str(template_dir()))


def base_url() -> str:
    """Where relative URLs in the HTML (fonts) resolve: the templates folder."""
    return template_dir().as_uri() + "/"


def stylesheet(name: str = "compendio.css") -> str:
    return (template_dir() / name).read_text(encoding="utf-8")


def render_html(publication: Publication, *, base: str | None = None, front: bool = True, intro: bool = True,
                chapter_parts: list | None = None, back: bool = True, toc_pages: dict[str, int] | None = None,
                anchors: list[str] | None = None, extra_css: str = "") -> str:
    """The complete HTML of the Compendio, stylesheet inlined.

    The keyword arguments select a part of it, for the draft laid out in
    parallel: ``chapter_parts`` is a list of (chapter, objectives, continued),
    ``toc_pages`` prints known page numbers in the contents, ``anchors`` adds
    empty targets so the contents' links exist in a part that lacks them.
    """
    template = environment().get_template("compendio.html.j2")
    css = stylesheet()
    # A stylesheet of ours never contains this; checked so a bad edit cannot break out.
    for sheet in (css, extra_css):
        if "</style" in sheet.lower():
            raise OutputError("La hoja de estilos del Compendio contiene «</style»; corrija templates/compendio.css.")
    if chapter_parts is None:
        chapter_parts = [(ch, ch.objectives, False) for ch in publication.chapters]
    return template.render(pub=publication, css=Markup(css), base_url=base or base_url(), show_front=front,
                           show_intro=intro, chapter_parts=chapter_parts, show_back=back, toc_pages=toc_pages or {},
                           draft_anchors=anchors or [], extra_css=Markup(extra_css))


# --- fetching ----------------------------------------------------------------------

def _fetcher_base():
    from weasyprint.urls import URLFetcher

    return URLFetcher


class LocalFetcher(_fetcher_base()):
    """Serves files under the allowed folders (the templates) and refuses everything else.

    WeasyPrint turns the refusal into a logged warning and leaves the resource
    out, so a stray URL can never make rendering reach the network.
    """

    def __init__(self, roots: list[Path] | None = None):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, timeout=1)
        self.roots = [Path(r).resolve() for r in (roots or [template_dir()])]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        from weasyprint.urls import URLFetcherResponse

        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            self.refused.append(url)
            raise ValueError(f"URL no permitida: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            self.refused.append(url)
            raise ValueError(f"Archivo fuera de las plantillas: {url}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".ttf":
            mime = "font/ttf"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})


# --- writing -------------------------------------------------------------------------

@contextlib.contextmanager
def _weasyprint_quiet():
    """Keep WeasyPrint's and fontTools' warnings (refused URLs, the fonts' old
    «created» dates) off the user's terminal; they are not the user's to fix."""
    loggers = [logging.getLogger(name) for name in ("weasyprint", "fontTools")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def pdf_options(draft: bool = False) -> dict:
    """Options for ``write_pdf``: tagged PDF/UA for the final build."""
    if draft:
        return {}
    return {"pdf_variant": PDF_VARIANT}


def render_document(html: str, *, draft: bool = False, fetcher: LocalFetcher | None = None):
    """Lay out the HTML; returns WeasyPrint's ``Document``."""
    from weasyprint import HTML

    fetcher = fetcher or LocalFetcher()
    with _weasyprint_quiet():
        return HTML(string=html, base_url=base_url(), url_fetcher=fetcher).render(**pdf_options(draft))


def html_to_pdf(html: str, out_path: Path, *, draft: bool = False) -> int:
    """Render and write the PDF atomically; returns the number of pages."""
    document = render_document(html, draft=draft)
    write_document(document, out_path, draft=draft)
    return len(document.pages)


@contextlib.contextmanager
def _fixed_timestamps(document) -> Iterator[None]:
    """fontTools stamps each embedded font subset with «now» unless SOURCE_DATE_EPOCH
    is set: pin it to the document's date so the same input gives the same bytes."""
    created = getattr(document.metadata, "created", None) or "2000-01-01T00:00:00Z"
    try:
        epoch = str(int(dt.datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()))
    except ValueError:
        epoch = "946684800"
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def write_document(document, out_path: Path, *, draft: bool = False) -> Path:
    with atomic_write(out_path) as tmp, _weasyprint_quiet(), _fixed_timestamps(document):
        # A fixed identifier keeps the bytes identical for identical inputs.
        ident = (document.metadata.title or "compendio").encode("utf-8")[:32]
        document.write_pdf(tmp, pdf_identifier=ident, **pdf_options(draft))
    return out_path
