"""The accessible (tagged, PDF/UA) Compendio laid out on both cores.

WeasyPrint lays out one document on one core. As for the draft
(``draft.lay_out``), the body is cut in two at an objective boundary, each
half is laid out, tagged, in its own process, and the front matter is laid
out with the page numbers the halves report. Here the parts are merged with
pikepdf so that the result is the same accessible document the single
process makes:

* structure: WeasyPrint builds the tree page by page under one ``Document``
  element, so the parts' ``Document`` children follow each other; each part's
  parent-tree keys (``StructParents`` of its pages, ``StructParent`` of its
  link annotations) are moved past the keys already used, and the parent
  tree is rebuilt with them. Marked-content ids are per page and stay as they are.
* links and bookmarks: the named destinations of every part go into one
  name tree (the parts' real anchors replace the empty targets the front
  carried for its contents' links); the outline is rebuilt from the
  bookmarks WeasyPrint reported, at their heights.
* page numbers: the parts are laid out without them (they cannot know where
  they start); they are stamped in the final build's face and place and
  marked as pagination artifacts, outside the structure.
* language, document info, XMP metadata (with the PDF/UA identifier),
  ``MarkInfo`` and viewer preferences come from the front matter, laid out
  from the same ``<head>``.
"""

from __future__ import annotations

import io

from . import draft, render
from .publication import Publication


class MergeError(Exception):
    """The parts are not laid out as this module expects; the caller lays the book out in one process."""


def write(publication: Publication, out, *, progress=None, roots=None) -> int:
    """Write the tagged Compendio to ``out`` atomically; returns its number of pages.

    ``roots``: the folders the layout may read (``render.LocalFetcher``), the templates' by default."""
    import pikepdf

    book = draft.lay_out(publication, tagged=True, progress=progress, roots=roots)
    if progress is not None:
        progress.stage("Uniendo las partes con su estructura")
    sources: list = []  # the parts stay open until saved: the copies are read from them lazily
    try:
        pdf = merge(book, sources)
    except (KeyError, AttributeError, TypeError, ValueError, pikepdf.PdfError) as exc:
        raise MergeError(str(exc)) from exc
    with render.atomic_write(out) as tmp:
        pdf.save(tmp, deterministic_id=True)
    return book.total


def _kids(element) -> list:
    import pikepdf

    k = element.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def _document(root):
    """The ``Document`` element WeasyPrint puts at the top of the tree."""
    kids = _kids(root.StructTreeRoot)
    if len(kids) != 1 or kids[0].get("/S") != "/Document":
        raise ValueError("estructura inesperada")
    return kids[0]


def _only_empty_spans(element) -> bool:
    """The front's empty link targets for its contents (``draft.lay_out``): a Div of Spans with no content."""
    kids = _kids(element)
    return (element.get("/S") == "/Div" and bool(kids)
            and all(hasattr(k, "get") and k.get("/S") == "/Span" and not _kids(k) for k in kids))


def _copy(pdf, obj):
    """``obj`` of another PDF brought into ``pdf`` (direct arrays and dictionaries item by item)."""
    import pikepdf

    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return pdf.copy_foreign(obj)
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copy(pdf, x) for x in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({k: _copy(pdf, v) for k, v in obj.items()})
    return obj


def _leaves(tree, key: str) -> list[tuple[object, object]]:
    """The (key, value) pairs of a number tree (``/Nums``) or name tree (``/Names``), flat or with kids."""
    out = []
    flat = list(tree.get(key, []))
    out += [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
    for kid in tree.get("/Kids", []):
        out += _leaves(kid, key)
    return out


def _nums(tree) -> list[tuple[int, object]]:
    return [(int(k), v) for k, v in _leaves(tree, "/Nums")]


def _names(tree) -> list[tuple[str, object]]:
    return [(str(k), v) for k, v in _leaves(tree, "/Names")]


def merge(book: "draft.Parts", sources: list):
    """The parts of ``book`` as one tagged PDF (a ``pikepdf.Pdf``); the parts opened are added to
    ``sources``, which must outlive it until it is saved."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(book.front.pdf))
    tree_root = pdf.Root.StructTreeRoot
    document = _document(pdf.Root)
    entries = _nums(tree_root.ParentTree)
    next_key = max((k for k, _ in entries), default=-1) + 1
    dests = dict(_names(pdf.Root.Names.Dests)) if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names else {}
    front_names = set(dests)
    kids = pikepdf.Array([k for k in _kids(document) if not _only_empty_spans(k)])
    for laid in book.parts:
        src = pikepdf.open(io.BytesIO(laid.pdf))
        sources.append(src)
        first = len(pdf.pages)
        pdf.pages.extend(src.pages)
        offset = next_key
        for page in pdf.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        for kid in _kids(_document(src.Root)):
            copied = _copy(pdf, kid)
            copied.P = document
            kids.append(copied)
        for key, value in _nums(src.Root.StructTreeRoot.ParentTree):
            entries.append((key + offset, _copy(pdf, value)))
            next_key = max(next_key, key + offset + 1)
        if "/Names" in src.Root and "/Dests" in src.Root.Names:
            for name, dest in _names(src.Root.Names.Dests):
                if name in front_names or name not in dests:
                    dests[name] = _copy(pdf, dest)
                    front_names.discard(name)
    document.K = kids
    entries.sort(key=lambda e: e[0])
    flat = pikepdf.Array()
    for key, value in entries:
        flat.append(key)
        flat.append(value)
    tree_root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=flat))
    tree_root.ParentTreeNextKey = next_key
    if dests:
        names = pikepdf.Array()
        for name in sorted(dests):
            names.append(pikepdf.String(name))
            names.append(dests[name])
        if "/Names" not in pdf.Root:
            pdf.Root.Names = pikepdf.Dictionary()
        pdf.Root.Names.Dests = pdf.make_indirect(pikepdf.Dictionary(Names=names))
    _stamp_numbers(pdf, book.numbered())
    _outline(pdf, book)
    return pdf


def _outline(pdf, book: "draft.Parts") -> None:
    import pikepdf

    with pdf.open_outline() as outline:
        outline.root.clear()
        parents: dict[int, object] = {}
        for level, label, page, top in book.bookmarks():
            height = float(pdf.pages[page].mediabox[3])
            item = pikepdf.OutlineItem(label, page, "XYZ", left=0, top=round(height - top * 0.75, 2))
            parent = next((parents[lv] for lv in range(level - 1, 0, -1) if lv in parents), None)
            (parent.children if parent is not None else outline.root).append(item)
            parents[level] = item
            for deeper in [lv for lv in parents if lv > level]:
                del parents[deeper]


def _stamp_numbers(pdf, pages: list[int]) -> None:
    """Each body page's number, as a pagination artifact (it is not content to read aloud)."""
    import pikepdf

    digits = draft.digits_font()
    font_file = pdf.make_stream(digits.data)
    font_file.Length1 = len(digits.data)
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/Carlito-Digits"), Flags=32,
        FontBBox=digits.bbox, ItalicAngle=0, Ascent=digits.ascent, Descent=digits.descent,
        CapHeight=digits.ascent, StemV=80, FontFile2=font_file))
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType, BaseFont=pikepdf.Name("/Carlito-Digits"),
        FirstChar=ord(draft.DIGITS[0]), LastChar=ord(draft.DIGITS[-1]), Widths=digits.widths,
        Encoding=pikepdf.Name.WinAnsiEncoding, FontDescriptor=descriptor))
    widths = dict(zip(draft.DIGITS, digits.widths))
    for index in pages:
        page = pdf.pages[index]
        text = str(index + 1)
        width = sum(widths[c] for c in text) * draft.FOOTER_SIZE / 1000
        x = float(page.mediabox[2]) / 2 - width / 2
        if "/Resources" not in page.obj:
            page.obj.Resources = pikepdf.Dictionary()
        if "/Font" not in page.obj.Resources:
            page.obj.Resources.Font = pikepdf.Dictionary()
        fonts = page.obj.Resources.Font
        name = "/FNum"
        while name in fonts:
            name += "x"
        fonts[name] = font
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(
            f"\nQ q /Artifact <</Type /Pagination /Subtype /Footer>> BDC {draft.FOOTER_GREY} g BT {name} "
            f"{draft.FOOTER_SIZE} Tf {x:.2f} {draft.FOOTER_BASELINE} Td ({text}) Tj ET EMC Q\n".encode()))
