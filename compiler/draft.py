"""``compile --borrador``: a quick proof, laid out on both cores and merged.

WeasyPrint lays out one document on one core. For proofreading, the body is
cut in two at an objective boundary of about equal weight; each half is laid
out in its own process (untagged: the draft is not the accessible
publication). Then the front matter is laid out with the real page numbers in
its contents, the parts are merged with pypdf, the page numbers are stamped in
the final build's face and place, and the contents' links and the bookmarks
are rebuilt for the merged pages.

Everything the reader checks stays right: page numbers, contents, footnote
numbers (they come from the publication), bookmarks, running headers.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import render
from .publication import Chapter, Publication

#: The parts leave page numbers to the overlay, which knows the whole document.
NO_FOOTER = "@page { @bottom-center { content: none; } }"
#: Named pages printed without a number (``@bottom-center { content: none }`` in compendio.css).
NUMBERLESS_PAGES = ("cover", "front")
#: The front matter prints the numbers the parts reported.
TOC_NUMBERS = ".toc .pg::before { content: none; }"


@dataclass
class LaidOut:
    pdf: bytes
    pages: int
    anchors: dict[str, int]  # anchor → page index within the part
    bookmarks: list[tuple[int, str, int]]  # (level, label, page index)
    tops: list[float]  # each bookmark's height on its page, CSS px from the top
    page_names: list[str]  # each page's named page (CSS ``page:``), "" for the default


def _weight(chapter: Chapter, objective) -> int:
    total = 400  # the objective's heading
    for p in objective.programs:
        total += 300 + sum(len(t) for s in p.sections for b in s.blocks for t in b.items)
        total += sum(len(t) for s in p.sections for t in s.items)
        if p.figures:
            total += 180 * (len(p.figures.rows) + 1)
        if p.table:
            total += 150 * (len(p.table.rows) + 2)
    return total


def split(publication: Publication, parts: int = 2) -> list[list[tuple[Chapter, tuple, bool]]]:
    """The chapters cut into ``parts`` runs of objectives of about equal weight."""
    units = [(ch, ob, _weight(ch, ob)) for ch in publication.chapters for ob in ch.objectives]
    total = sum(w for *_, w in units) or 1
    out: list[list[tuple[Chapter, tuple, bool]]] = [[] for _ in range(parts)]
    acc = 0
    for ch, ob, w in units:
        index = min(parts - 1, int(parts * (acc + w / 2) / total))
        acc += w
        run = out[index]
        if run and run[-1][0] is ch:
            run[-1] = (ch, run[-1][1] + (ob,), run[-1][2])
        else:
            started = any(c is ch for part in out[:index] for c, _, _ in part)
            run.append((ch, (ob,), started))
    return [p for p in out if p]


def _lay_out(html: str, tagged: bool = False, roots: list | None = None) -> LaidOut:
    document = render.render_document(html, draft=not tagged, fetcher=render.LocalFetcher(roots) if roots else None)
    anchors: dict[str, int] = {}
    bookmarks: list[tuple[int, str, int]] = []
    tops: list[float] = []
    names = [getattr(getattr(getattr(page, "_page_box", None), "page_type", None), "name", "") or ""
             for page in document.pages]
    for i, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, i)
        for level, label, position, _state in page.bookmarks:
            bookmarks.append((level, label, i))
            tops.append(position[1])  # CSS px from the page's top
    buffer = io.BytesIO()
    with render._weasyprint_quiet(), render._fixed_timestamps(document):
        document.write_pdf(buffer, pdf_identifier=b"compendio-parte", **render.pdf_options(draft=not tagged))
    return LaidOut(buffer.getvalue(), len(document.pages), anchors, bookmarks, tops, names)


def _guess_back_start(front_pages: int) -> int:
    """The page the back matter is guessed to start on before the body is laid out (a body of even
    length: it is right half the time, and a wrong guess costs one more short layout, beside the front's)."""
    return front_pages + 1


def _count_pages(html: str, tagged: bool = False, roots: list | None = None) -> int:
    """Pages of ``html`` once laid out, without writing the PDF (painting is half the cost)."""
    fetcher = render.LocalFetcher(roots) if roots else None
    return len(render.render_document(html, draft=not tagged, fetcher=fetcher).pages)


@dataclass
class Parts:
    """The whole book laid out in pieces: the front matter (with the real page numbers in its
    contents) and the body parts; ``positions`` is each anchor's page number in the merged book."""
    front: LaidOut
    parts: list[LaidOut]
    front_pages: int
    positions: dict[str, int]
    #: What ``lay_out(meanwhile=…)`` returned.
    early: Any = None

    @property
    def total(self) -> int:
        return self.front_pages + sum(p.pages for p in self.parts)

    def numbered(self) -> list[int]:
        """Indexes of the book's pages that carry a page number: the body's, except the named pages
        whose @page rule clears it in compendio.css (the back cover is a «cover» page)."""
        out = []
        for part, start in zip(self.parts, self.starts):
            out += [start + i for i, name in enumerate(part.page_names) if name not in NUMBERLESS_PAGES]
        return out

    @property
    def starts(self) -> list[int]:
        out, start = [], self.front_pages
        for part in self.parts:
            out.append(start)
            start += part.pages
        return out

    def bookmarks(self) -> list[tuple[int, str, int, float]]:
        """(level, label, page index in the book, CSS px from the page's top)."""
        out = [(lvl, label, page, top) for (lvl, label, page), top in zip(self.front.bookmarks, self.front.tops)]
        for part, offset in zip(self.parts, self.starts):
            out += [(lvl, label, offset + page, top) for (lvl, label, page), top in zip(part.bookmarks, part.tops)]
        return out


def lay_out(publication: Publication, *, tagged: bool, progress=None, roots: list | None = None,
            meanwhile: Callable[[list[LaidOut]], Any] | None = None) -> Parts:
    """Lay out the body in parallel parts and the front matter with the page numbers they report.

    ``roots``: the folders the layout may read (``render.LocalFetcher``), the templates' by default.
    ``meanwhile(body)`` runs in this process while the front matter is laid out once the body parts
    are (the merge of the body, say); its result is ``Parts.early``."""
    runs = split(publication)
    part_html = [render.render_html(publication, front=False, intro=(i == 0), chapter_parts=run,
                                    back=False, extra_css=NO_FOOTER)
                 for i, run in enumerate(runs)]
    anchor_names = (["introduccion", "cierre", "anexos", "glosario", "entidades"]
                    + [c.anchor for c in publication.chapters]
                    + [o.anchor for c in publication.chapters for o in c.objectives])

    def front_html(numbers: dict[str, int]) -> str:
        if tagged:
            # The numbers stay generated content, as target-counter() makes them in one process: the
            # contents then have the same structure (and the same tags) as the single-process build.
            toc, css = {}, "".join(f'.toc .pg[data-ref="#{name}"]::before {{ content: "{n}"; }}'
                                   for name, n in numbers.items() if name.replace("-", "").isalnum())
        else:
            toc, css = numbers, TOC_NUMBERS
        return render.render_html(publication, front=True, intro=False, chapter_parts=[], back=False,
                                  toc_pages=toc, anchors=anchor_names, extra_css=css)

    def side(first_page: int) -> str:
        return "right" if first_page % 2 else "left"

    def back_html(first_page: int) -> str:
        """The back matter, short: the back cover must fall on a left page (``break-before: left``), so
        the part is laid out starting on the side the book gives it. Only the blank page before the
        back cover depends on that side; its anchors are on the same pages either way."""
        return render.render_html(publication, front=False, intro=False, chapter_parts=[], back=True,
                                  extra_css=NO_FOOTER + f" html {{ break-before: {side(first_page)}; }}")

    def back(first_page: int) -> LaidOut:
        return _lay_out(back_html(first_page), tagged, roots)

    def place(front_pages: int, parts: list[LaidOut]) -> dict[str, int]:
        numbers, start = {}, front_pages
        for part in parts:
            for name, index in part.anchors.items():
                numbers.setdefault(name, start + index + 1)
            start += part.pages
        return numbers

    stage = progress.stage if progress is not None else (lambda *a, **k: None)
    stage(f"Componiendo las páginas en {len(part_html)} procesos (WeasyPrint)")
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(part_html), mp_context=context) as pool:
        futures = [pool.submit(_lay_out, h, tagged, roots) for h in part_html]
        # While the parts are laid out: the front's length (three-digit numbers are the widest; only
        # its page count is needed, so it is not written), and the back matter on a guessed side.
        front_pages = _count_pages(front_html({a: 999 for a in anchor_names}), tagged, roots)
        guessed = _guess_back_start(front_pages)
        closing = back(guessed)
        body = [f.result() for f in futures]
        body_pages = sum(p.pages for p in body)
        stage("Índice con números de página")
        # The front needs the parts' page numbers; in the other worker, the back matter again if the
        # guess put it on the wrong side; in this process, ``meanwhile``.
        final = pool.submit(_lay_out, front_html(place(front_pages, [*body, closing])), tagged, roots)
        redo = (pool.submit(_lay_out, back_html(front_pages + body_pages + 1), tagged, roots)
                if side(front_pages + body_pages + 1) != side(guessed) else None)
        early = meanwhile(body) if meanwhile is not None else None
        if redo is not None:
            closing = redo.result()
        final_front = final.result()
    if final_front.pages != front_pages:
        if (final_front.pages - front_pages) % 2:
            closing = back(final_front.pages + body_pages + 1)
        front_pages = final_front.pages
        final_front = _lay_out(front_html(place(front_pages, [*body, closing])), tagged, roots)
    parts = [*body, closing]
    return Parts(final_front, parts, front_pages, place(front_pages, parts), early)


#: Where WeasyPrint puts the final build's page number (bottom-centre box, 9 pt, grey): PDF points.
FOOTER_BASELINE = 30.35
FOOTER_SIZE = 9
FOOTER_GREY = 0.302  # #4d4d4d
DIGITS = "0123456789"


@dataclass
class DigitsFont:
    """Carlito's ten digits as a small TrueType subset, with the metrics a PDF font needs (per 1000 em)."""
    data: bytes
    widths: list[int]
    bbox: list[int]
    ascent: int
    descent: int


def digits_font() -> DigitsFont:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(render.template_dir() / "fonts" / "Carlito-Regular.ttf", lazy=True)
    for table in ("GDEF", "GPOS", "GSUB"):  # ten digits need no layout tables, and parsing them is most of the time
        if table in font:
            del font[table]
    options = subset.Options()
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=DIGITS)
    font.recalcTimestamp = False  # keep Carlito's own date: the same book gives the same bytes
    data = io.BytesIO()
    with render._weasyprint_quiet():  # fontTools warns about Carlito's old «created» date
        subsetter.subset(font)
        font.save(data)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    head, hhea = font["head"], font["hhea"]
    return DigitsFont(data.getvalue(), [round(font["hmtx"][cmap[ord(c)]][0] * scale) for c in DIGITS],
                      [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
                      round(hhea.ascent * scale), round(hhea.descent * scale))


def _digits_font(writer):
    """The digits font as pypdf objects, to stamp page numbers in the same face as the final build."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        StreamObject,
    )

    digits = digits_font()
    stream = StreamObject()
    stream.set_data(digits.data)
    stream[NameObject("/Length1")] = NumberObject(len(digits.data))
    descriptor = DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"),
        NameObject("/FontName"): NameObject("/Carlito-Digits"),
        NameObject("/Flags"): NumberObject(32),
        NameObject("/FontBBox"): ArrayObject([NumberObject(v) for v in digits.bbox]),
        NameObject("/ItalicAngle"): NumberObject(0),
        NameObject("/Ascent"): NumberObject(digits.ascent),
        NameObject("/Descent"): NumberObject(digits.descent),
        NameObject("/CapHeight"): NumberObject(digits.ascent),
        NameObject("/StemV"): NumberObject(80),
        NameObject("/FontFile2"): writer._add_object(stream),
    })
    widths = digits.widths
    font_dict = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/TrueType"),
        NameObject("/BaseFont"): NameObject("/Carlito-Digits"),
        NameObject("/FirstChar"): NumberObject(ord(DIGITS[0])),
        NameObject("/LastChar"): NumberObject(ord(DIGITS[-1])),
        NameObject("/Widths"): ArrayObject([NumberObject(w) for w in widths]),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        NameObject("/FontDescriptor"): writer._add_object(descriptor),
    })
    return writer._add_object(font_dict), dict(zip(DIGITS, widths))


def _stamp_number(writer, page, number: int, font_ref, widths) -> None:
    """Draw the page number where the final build has it, after the page's own content."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

    text = str(number)
    width = sum(widths[c] for c in text) * FOOTER_SIZE / 1000
    x = float(page.mediabox.width) / 2 - width / 2
    resources = page[NameObject("/Resources")].get_object()
    if "/Font" not in resources:
        resources[NameObject("/Font")] = DictionaryObject()
    resources["/Font"].get_object()[NameObject("/FNum")] = font_ref

    def stream(data: bytes):
        obj = StreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    # The page's content may leave its coordinate transform in place: wrap it in q … Q first.
    before = stream(b"q\n")
    after = stream(f"\nQ q {FOOTER_GREY} g BT /FNum {FOOTER_SIZE} Tf {x:.2f} {FOOTER_BASELINE} Td ({text}) Tj ET Q\n"
                   .encode())
    contents = page.get("/Contents")
    if contents is None:
        items = []
    elif isinstance(contents.get_object(), ArrayObject):
        items = list(contents.get_object())
    else:
        items = [contents]
    page[NameObject("/Contents")] = ArrayObject([before, *items, after])


def write(publication: Publication, html: str | None, out, *, progress=None) -> int:
    """Write the draft PDF to ``out`` atomically; returns its number of pages.

    ``html`` (the whole final HTML) is not needed: the parts are rendered from the publication.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    book = lay_out(publication, tagged=False, progress=progress)
    final_front, parts, front_pages, total = book.front, book.parts, book.front_pages, book.total
    stage = progress.stage if progress is not None else (lambda *a, **k: None)

    stage("Uniendo y numerando las páginas")
    writer = PdfWriter()
    for laid in (final_front, *parts):
        writer.append(PdfReader(io.BytesIO(laid.pdf)), import_outline=False)
    font_ref, widths = _digits_font(writer)
    for i in book.numbered():
        _stamp_number(writer, writer.pages[i], i + 1, font_ref, widths)

    positions = book.positions
    # The contents' links pointed at empty anchors in the front; send them to the real pages.
    for page in writer.pages[:front_pages]:
        for ref in page.get("/Annots", []) or []:
            annot = ref.get_object()
            dest = annot.get("/Dest")
            if annot.get("/Subtype") == "/Link" and isinstance(dest, (str, TextStringObject)) and str(dest) in positions:
                target = writer.pages[positions[str(dest)] - 1]
                annot[NameObject("/Dest")] = ArrayObject([target.indirect_reference, NameObject("/Fit")])
    names = writer._root_object.get("/Names")
    if names is not None and "/Dests" in names.get_object():
        del names.get_object()[NameObject("/Dests")]

    parents: dict[int, object] = {}
    for level, label, page, _top in book.bookmarks():
        parent = next((parents[lv] for lv in range(level - 1, 0, -1) if lv in parents), None)
        parents[level] = writer.add_outline_item(title=label, page_number=page, parent=parent)
        for deeper in [lv for lv in parents if lv > level]:
            del parents[deeper]

    writer.add_metadata({"/Title": f"{publication.title}. {publication.subtitle} (borrador)",
                         "/Author": publication.author,
                         "/CreationDate": f"D:{publication.date:%Y%m%d}000000Z",
                         "/ModDate": f"D:{publication.date:%Y%m%d}000000Z",
                         "/Producer": "Compendio (borrador) con WeasyPrint y pypdf"})
    writer._root_object[NameObject("/Lang")] = TextStringObject(publication.lang)
    writer._root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    with render.atomic_write(out) as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
    return total
