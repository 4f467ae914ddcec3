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

import pikepdf

from . import draft, render
from .publication import Publication


class MergeError(Exception):
    """The parts are not laid out as this module expects; the caller lays the book out in one process."""


#: What a part laid out otherwise than expected makes pikepdf or this module raise.
_MERGE_ERRORS = (KeyError, AttributeError, TypeError, ValueError, pikepdf.PdfError)


def write(publication: Publication, out, *, progress=None, roots=None) -> int:
    """Write the tagged Compendio to ``out`` atomically; returns its number of pages.

    ``roots``: the folders the layout may read (``render.LocalFetcher``), the templates' by default."""
    def merge_body(body: list) -> _Merged | MergeError:
        # While the front matter is laid out: the body is merged in this process.
        try:
            return _Merged(body)
        except _MERGE_ERRORS as exc:
            return MergeError(str(exc))

    book = draft.lay_out(publication, tagged=True, progress=progress, roots=roots, meanwhile=merge_body)
    if progress is not None:
        progress.stage("Uniendo las partes con su estructura")
    if isinstance(book.early, MergeError):
        raise book.early
    try:
        pdf = book.early.finish(book)
        with render.atomic_write(out) as tmp:
            pdf.save(tmp, deterministic_id=True)
    except _MERGE_ERRORS as exc:
        raise MergeError(str(exc)) from exc
    finally:
        book.early.close()
    return book.total


def _kids(element) -> list:
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


class _Merged:
    """The book being merged: the body parts first (while the front is laid out), then the back
    matter and the front. The first body part is the base document, so its objects are not copied."""

    def __init__(self, body: list) -> None:
        self._sources: list = []  # the parts stay open until saved: the copies are read from them lazily
        self.pdf = pikepdf.open(io.BytesIO(body[0].pdf))
        self.document = _document(self.pdf.Root)
        self.kids = list(_kids(self.document))
        self.entries = _nums(self.pdf.Root.StructTreeRoot.ParentTree)
        self.next_key = max((k for k, _ in self.entries), default=-1) + 1
        self.dests = self._dests(self.pdf)
        for laid in body[1:]:
            self.add(laid)

    @staticmethod
    def _dests(pdf) -> dict:
        return dict(_names(pdf.Root.Names.Dests)) if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names else {}

    def _bring(self, laid, at: int | None = None) -> tuple[object, list]:
        """The pages of ``laid`` inserted at ``at`` (appended by default) with their parent-tree keys
        moved past those used, and its named destinations; returns its opened document and its
        ``Document`` element's copied kids."""
        src = pikepdf.open(io.BytesIO(laid.pdf))
        self._sources.append(src)
        offset = self.next_key
        first = len(self.pdf.pages) if at is None else at
        for i, page in enumerate(src.pages):
            self.pdf.pages.insert(first + i, page)
        for page in self.pdf.pages[first:first + len(src.pages)]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        kids = []
        for kid in _kids(_document(src.Root)):
            copied = _copy(self.pdf, kid)
            copied.P = self.document
            kids.append(copied)
        for key, value in _nums(src.Root.StructTreeRoot.ParentTree):
            self.entries.append((key + offset, _copy(self.pdf, value)))
            self.next_key = max(self.next_key, key + offset + 1)
        for name, dest in self._dests(src).items():  # the first part to name an anchor keeps it
            self.dests.setdefault(name, _copy(self.pdf, dest))
        return src, kids

    def add(self, laid) -> None:
        """A part after those already here."""
        _, kids = self._bring(laid)
        self.kids += kids

    def finish(self, book: draft.Parts):
        """The whole book: the back matter (``book.parts[-1]``), then the front matter before the body,
        with the document's language, information, metadata and viewer preferences taken from it."""
        self.add(book.parts[-1])
        src, kids = self._bring(book.front, at=0)
        # The front carried empty targets for its contents' links; the parts have the real anchors.
        self.kids = [k for k in kids if not _only_empty_spans(k)] + self.kids
        pdf, root = self.pdf, self.pdf.Root
        for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata"):
            if key in src.Root:
                root[key] = _copy(pdf, src.Root[key])
            elif key in root:
                del root[key]
        pdf.docinfo = pdf.copy_foreign(src.docinfo) if src.docinfo.is_indirect else _copy(pdf, src.docinfo)
        self.document.K = pikepdf.Array(self.kids)
        self.entries.sort(key=lambda e: e[0])
        flat = pikepdf.Array()
        for key, value in self.entries:
            flat.append(key)
            flat.append(value)
        tree_root = root.StructTreeRoot
        tree_root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=flat))
        tree_root.ParentTreeNextKey = self.next_key
        if self.dests:
            names = pikepdf.Array()
            for name in sorted(self.dests):
                names.append(pikepdf.String(name))
                names.append(self.dests[name])
            if "/Names" not in root:
                root.Names = pikepdf.Dictionary()
            root.Names.Dests = pdf.make_indirect(pikepdf.Dictionary(Names=names))
        _stamp_numbers(pdf, book.numbered())
        _outline(pdf, book)
        return pdf

    def close(self) -> None:
        for src in self._sources:
            src.close()


def _outline(pdf, book: draft.Parts) -> None:
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
