"""Patch an .xlsx package in place: styles, comments and a new first sheet.

Loading and saving a workbook with openpyxl rebuilds every part of it (about
0.1 s for our template, most of it binding the «Instrucciones» sheet's merged
ranges) and drops what openpyxl does not model. The feedback copy only needs
a few cells restyled and commented and one sheet added, so this edits the
package's XML parts directly: every part it does not need to touch is copied
as it came, byte for byte.

Anything unexpected in the package raises ``Unpatchable``; the caller then
falls back to openpyxl.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DC = "http://purl.org/dc/elements/1.1/"
RT_COMMENTS = REL_NS + "/comments"
RT_VML = REL_NS + "/vmlDrawing"
RT_WORKSHEET = REL_NS + "/worksheet"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_M = f"{{{MAIN}}}"

#: Children of <worksheet> that must come after <legacyDrawing> (ECMA-376 CT_Worksheet order).
_AFTER_LEGACY = {f"{_M}{n}" for n in ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                                       "webPublishItems", "tableParts", "extLst")}
_CELL = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
#: XML 1.0 forbids most control characters; a value carrying one must not break the copy.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAB_SELECTED = re.compile(rb'(<(?:\w+:)?sheetView\b[^>]*?)\stabSelected="(?:1|true)"')


class Unpatchable(Exception):
    """The package is not laid out as this module expects."""


def xml_text(value: str) -> str:
    """Text safe to put in an XML part."""
    return _ILLEGAL_XML.sub("", value)


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def split_cell(coord: str) -> tuple[int, int]:
    """'F6' → (row 6, column 6)."""
    m = _CELL.match(coord)
    if not m:
        raise Unpatchable(coord)
    return int(m.group(2)), column_index(m.group(1))


@dataclass
class SheetEntry:
    name: str
    state: str
    part: str | None  # None: not a worksheet (a chartsheet), or its part is missing
    element: etree._Element


def _parse(data: bytes) -> etree._Element:
    try:
        return etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False,
                                                             remove_blank_text=False))
    except etree.XMLSyntaxError as exc:
        raise Unpatchable(str(exc)) from None


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


class Package:
    """An .xlsx read into memory; parts are bytes until asked for as XML."""

    def __init__(self, data: bytes):
        self.parts = _Parts(data)
        self._xml: dict[str, etree._Element] = {}
        types = self.xml("[Content_Types].xml")
        main = [o.get("PartName", "").lstrip("/") for o in types if o.get("ContentType", "").endswith(".main+xml")
                and "spreadsheetml" in o.get("ContentType", "")]
        self.workbook_part = main[0] if main else "xl/workbook.xml"
        wb = self.xml(self.workbook_part)
        sheets = wb.find(f"{_M}sheets")
        if sheets is None:
            raise Unpatchable("no <sheets>")
        rels = self.rels(self.workbook_part)
        self.sheets: list[SheetEntry] = []
        for el in sheets:
            rel = rels.get(el.get(f"{{{REL_NS}}}id"))
            part = rel[1] if rel and rel[0] == RT_WORKSHEET and rel[1] in self.parts else None
            self.sheets.append(SheetEntry(el.get("name"), el.get("state") or "visible", part, el))
        self._styles: Styles | None = None

    # --- parts ---------------------------------------------------------------------

    def xml(self, name: str) -> etree._Element:
        if name not in self._xml:
            if name not in self.parts:
                raise Unpatchable(f"missing part {name}")
            self._xml[name] = _parse(self.parts[name])
        return self._xml[name]

    def new_xml(self, name: str, root: etree._Element) -> None:
        self._xml[name] = root
        self.parts[name] = b""
        self.touch(name)

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, resolved target part) of one part."""
        path = _rels_path(part)
        if path not in self.parts:
            return {}
        return {r.get("Id"): (r.get("Type"), _resolve(part, r.get("Target", "")))
                for r in self.xml(path) if r.get("TargetMode") != "External"}

    def add_rel(self, part: str, rel_type: str, target_part: str) -> str:
        path = _rels_path(part)
        if path not in self.parts:
            self.new_xml(path, etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL}))
        root = self.xml(path)
        self.touch(path)
        used = {r.get("Id") for r in root}
        n = len(used) + 1
        while f"rId{n}" in used:
            n += 1
        etree.SubElement(root, f"{{{PKG_REL}}}Relationship", Id=f"rId{n}", Type=rel_type,
                         Target="/" + target_part)
        return f"rId{n}"

    def add_override(self, part: str, content_type: str) -> None:
        types = self.xml("[Content_Types].xml")
        self.touch("[Content_Types].xml")
        etree.SubElement(types, f"{{{CT_NS}}}Override", PartName="/" + part, ContentType=content_type)

    def ensure_default(self, extension: str, content_type: str) -> None:
        types = self.xml("[Content_Types].xml")
        if not any(d.get("Extension", "").lower() == extension for d in types.iter(f"{{{CT_NS}}}Default")):
            self.touch("[Content_Types].xml")
            types.insert(0, etree.Element(f"{{{CT_NS}}}Default", Extension=extension, ContentType=content_type))

    def free_name(self, pattern: str) -> str:
        n = 1
        while pattern.format(n) in self.parts:
            n += 1
        return pattern.format(n)

    def sheet(self, name: str) -> SheetEntry | None:
        return next((s for s in self.sheets if s.name == name), None)

    @property
    def styles(self) -> "Styles":
        if self._styles is None:
            part = next((target for kind, target in self.rels(self.workbook_part).values()
                         if kind == REL_NS + "/styles"), None)
            if part is None or part not in self.parts:
                raise Unpatchable("no styles part")
            self._styles = Styles(self.xml(part), lambda: self.touch(part))
        return self._styles

    # --- document properties ----------------------------------------------------------

    def core_part(self) -> str | None:
        root_rels = self.rels("")
        for kind, target in root_rels.values():
            if kind.endswith("/metadata/core-properties"):
                return target if target in self.parts else None
        return None

    def identifier(self) -> str | None:
        part = self.core_part()
        if part is None:
            return None
        el = self.xml(part).find(f"{{{DC}}}identifier")
        return el.text if el is not None else None

    def set_identifier(self, value: str) -> None:
        part = self.core_part()
        if part is None:
            raise Unpatchable("no core properties")
        root = self.xml(part)
        self.touch(part)
        el = root.find(f"{{{DC}}}identifier")
        if el is None:
            el = etree.SubElement(root, f"{{{DC}}}identifier")
        el.text = value

    # --- sheets ------------------------------------------------------------------------

    def add_first_sheet(self, name: str, sheet_xml: bytes, defined_names: list[tuple[str, str, bool]]) -> None:
        """Insert a worksheet as the first tab, selected; ``defined_names`` are (name, formula, hidden)
        local to it. Names local to the other sheets follow them to their new positions."""
        part = self.free_name("xl/worksheets/sheet{}.xml")
        self.parts[part] = sheet_xml
        self.add_override(part, CT_WORKSHEET)
        rid = self.add_rel(self.workbook_part, RT_WORKSHEET, part)
        wb = self.xml(self.workbook_part)
        self.touch(self.workbook_part)
        sheets = wb.find(f"{_M}sheets")
        ids = [int(s.get("sheetId", "0")) for s in sheets if s.get("sheetId", "0").isdigit()]
        el = etree.Element(f"{_M}sheet", nsmap={"r": REL_NS})
        el.set("name", name)
        el.set("sheetId", str(max(ids, default=0) + 1))
        el.set(f"{{{REL_NS}}}id", rid)
        sheets.insert(0, el)
        names = wb.find(f"{_M}definedNames")
        if names is None:
            names = etree.Element(f"{_M}definedNames")
            sheets.addnext(names)
        for dn in names:
            local = dn.get("localSheetId")
            if local is not None and local.isdigit():
                dn.set("localSheetId", str(int(local) + 1))
        for i, (dn_name, formula, hidden) in enumerate(defined_names):
            dn = etree.Element(f"{_M}definedName", name=dn_name, localSheetId="0")
            if hidden:
                dn.set("hidden", "1")
            dn.text = formula
            names.insert(i, dn)
        for view in wb.iter(f"{_M}workbookView"):
            view.set("activeTab", "0")
            view.set("firstSheet", "0")
        for entry in self.sheets:
            if entry.part is None:
                continue
            if entry.part in self._xml:
                for sv in self._xml[entry.part].iter(f"{_M}sheetView"):
                    if "tabSelected" in sv.attrib:
                        del sv.attrib["tabSelected"]
                        self.touch(entry.part)
            else:
                self.parts[entry.part] = _TAB_SELECTED.sub(rb"\1", self.parts[entry.part], count=1)
        self.sheets.insert(0, SheetEntry(name, "visible", part, el))

    def worksheet(self, entry: SheetEntry) -> "Worksheet":
        if entry.part is None:
            raise Unpatchable(entry.name)
        return Worksheet(self, entry.part)

    # --- writing -------------------------------------------------------------------------

    def save(self) -> bytes:
        for name, root in self._xml.items():
            if name in self.parts.dirty_xml:
                self.parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return self.parts.save()

    def touch(self, name: str) -> None:
        """The parsed part ``name`` was edited: serialise it on save."""
        self.parts.dirty_xml.add(name)


class _Parts(dict):
    """The package's parts by name: read (inflated) when first asked for; on save, the parts never
    changed are copied compressed as they came, without inflating and deflating them again."""

    def __init__(self, data: bytes):
        super().__init__()
        self.data = data
        self.dirty_xml: set[str] = set()
        self._changed: set[str] = set()
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            self.infos = [i for i in self._zip.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise Unpatchable(str(exc)) from None
        self._names = {i.filename for i in self.infos}
        if len(self._names) != len(self.infos) or any(i.flag_bits & 0x1 for i in self.infos):
            raise Unpatchable("duplicate or encrypted members")

    def __contains__(self, name) -> bool:
        return name in self._names

    def __getitem__(self, name: str) -> bytes:
        if not dict.__contains__(self, name):
            if name not in self._names:
                raise KeyError(name)
            try:
                dict.__setitem__(self, name, self._zip.read(name))
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
                raise Unpatchable(str(exc)) from None
        return dict.__getitem__(self, name)

    def __setitem__(self, name: str, value: bytes) -> None:
        if name in self._names and dict.__contains__(self, name) and dict.__getitem__(self, name) == value:
            return
        dict.__setitem__(self, name, value)
        self._names.add(name)
        self._changed.add(name)

    def items(self):
        return ((name, self[name]) for name in sorted(self._names))

    def changed(self, name: str) -> bool:
        return name in self._changed

    def _raw(self, info: zipfile.ZipInfo) -> bytes:
        try:
            return raw_member(self.data, info)
        except zipfile.BadZipFile as exc:
            raise Unpatchable(str(exc)) from None

    def save(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for info in self.infos:
                name = info.filename
                if name in self._changed:
                    z.writestr(_fresh(info), dict.__getitem__(self, name))
                    continue
                # An unchanged part: its compressed bytes, under a header zipfile writes for it.
                copy_info = _fresh(info)
                copy_info.compress_type, copy_info.CRC = info.compress_type, info.CRC
                copy_info.compress_size, copy_info.file_size = info.compress_size, info.file_size
                copy_info.header_offset = z.fp.tell()
                z.fp.write(copy_info.FileHeader())
                z.fp.write(self._raw(info))
                z.filelist.append(copy_info)
                z.NameToInfo[name] = copy_info
                z.start_dir = z.fp.tell()
            for name in sorted(self._changed - {i.filename for i in self.infos}):
                z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), dict.__getitem__(self, name))
        return out.getvalue()


def raw_member(data: bytes | memoryview, info: zipfile.ZipInfo) -> bytes | memoryview:
    """A member's compressed bytes, found through its local header in the zip's ``data``
    (a slice of the same type: a memoryview stays a view). Raises ``zipfile.BadZipFile``."""
    start = info.header_offset
    header = bytes(data[start:start + 30])
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    offset = start + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    raw = data[offset:offset + info.compress_size]
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated member {info.filename}")
    return raw


def _fresh(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A member's name, date and attributes, without its streaming flags (sizes go in the header)."""
    fresh = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    fresh.external_attr, fresh.create_system = info.external_attr, info.create_system
    fresh.compress_type = zipfile.ZIP_DEFLATED
    return fresh


class Styles:
    """The stylesheet, grown by appending fonts, fills and cell formats."""

    def __init__(self, root: etree._Element, touch):
        self.root = root
        self._touch = touch
        self._restyled: dict[tuple[int, int], int] = {}

    def _list(self, tag: str) -> etree._Element:
        el = self.root.find(f"{_M}{tag}")
        if el is None:
            raise Unpatchable(f"styles without <{tag}>")
        return el

    def _append(self, tag: str, child: etree._Element) -> int:
        parent = self._list(tag)
        self._touch()
        parent.append(child)
        parent.set("count", str(len(parent)))
        return len(parent) - 1

    def add_font(self, *, bold: bool = False, size: float | None = None, color: str | None = None,
                 underline: bool = False) -> int:
        font = etree.Element(f"{_M}font")
        if bold:
            etree.SubElement(font, f"{_M}b", val="1")
        if underline:
            etree.SubElement(font, f"{_M}u", val="single")
        etree.SubElement(font, f"{_M}sz", val=f"{size or 11:g}")
        if color:
            etree.SubElement(font, f"{_M}color", rgb="FF" + color)
        etree.SubElement(font, f"{_M}name", val="Calibri")
        etree.SubElement(font, f"{_M}family", val="2")
        return self._append("fonts", font)

    def add_fill(self, color: str) -> int:
        fill = etree.Element(f"{_M}fill")
        pattern = etree.SubElement(fill, f"{_M}patternFill", patternType="solid")
        etree.SubElement(pattern, f"{_M}fgColor", rgb="FF" + color)
        etree.SubElement(pattern, f"{_M}bgColor", indexed="64")
        return self._append("fills", fill)

    def add_xf(self, *, font: int = 0, fill: int = 0, wrap: bool = False, vertical: str | None = None) -> int:
        xf = etree.Element(f"{_M}xf", numFmtId="0", fontId=str(font), fillId=str(fill), borderId="0", xfId="0")
        if font:
            xf.set("applyFont", "1")
        if fill:
            xf.set("applyFill", "1")
        if wrap or vertical:
            xf.set("applyAlignment", "1")
            align = etree.SubElement(xf, f"{_M}alignment")
            if vertical:
                align.set("vertical", vertical)
            if wrap:
                align.set("wrapText", "1")
        return self._append("cellXfs", xf)

    def with_fill(self, style: int, fill: int) -> int:
        """A copy of cell format ``style`` (font, borders, protection, alignment) with another fill."""
        key = (style, fill)
        if key not in self._restyled:
            xfs = self._list("cellXfs")
            if not 0 <= style < len(xfs):
                style = 0
            xf = copy.deepcopy(xfs[style]) if len(xfs) else etree.Element(f"{_M}xf", numFmtId="0", fontId="0",
                                                                          borderId="0", xfId="0")
            xf.set("fillId", str(fill))
            xf.set("applyFill", "1")
            self._restyled[key] = self._append("cellXfs", xf)
        return self._restyled[key]


class Worksheet:
    """One worksheet part: its merged ranges, its cells, its comments."""

    def __init__(self, package: Package, part: str):
        self.package = package
        self.part = part
        self.root = package.xml(part)
        self.data = self.root.find(f"{_M}sheetData")
        if self.data is None:
            raise Unpatchable(f"{part} without <sheetData>")
        self.merged: list[tuple[int, int, int, int]] = []
        merge_cells = self.root.find(f"{_M}mergeCells")
        for mc in merge_cells if merge_cells is not None else ():
            ref = (mc.get("ref") or "").replace("$", "")
            if ":" in ref:
                (r1, c1), (r2, c2) = (split_cell(x) for x in ref.split(":"))
                self.merged.append((r1, c1, r2, c2))
        self._rows: dict[int, etree._Element] | None = None
        self._comments: etree._Element | None = None
        self._vml: str | None = None

    def share_formula(self, column: str, first: int, last: int) -> None:
        """Store the formulas of ``column``, rows ``first``..``last``, as one shared formula.

        That is how Excel itself saves a formula filled down: the first cell keeps
        the text, the others only name it, and every reader (Excel, LibreOffice,
        openpyxl) moves its relative references to each row. The part is then
        written, inflated and parsed with the text once instead of once per row.
        The caller vouches that each cell's formula is the first one's moved down;
        cached values (``<v>``) stay as they are.
        """
        col = column_index(column)
        formulas = [self.cell(r, col, f"{column}{r}").find(f"{_M}f") for r in range(first, last + 1)]
        if any(f is None or f.get("t") is not None for f in formulas):
            raise Unpatchable(f"{column}{first}:{column}{last} is not one plain formula per cell")
        used = [int(s) for f in self.data.iter(f"{_M}f") if (s := f.get("si") or "").isdigit()]
        si = str(max(used, default=-1) + 1)
        master, *others = formulas
        master.attrib.update({"t": "shared", "ref": f"{column}{first}:{column}{last}", "si": si})
        for f in others:
            f.text = None
            f.attrib.update({"t": "shared", "si": si})

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        """A cell inside a merged range stands for the range's top-left cell."""
        for r1, c1, r2, c2 in self.merged:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return r1, c1
        return row, col

    def cell(self, row: int, col: int, coord: str) -> etree._Element:
        """The <c> element of a cell (to be edited), created in order if the sheet has none."""
        self.package.touch(self.part)
        if self._rows is None:
            self._rows = {}
            for r in self.data:
                if r.get("r", "").isdigit():
                    self._rows[int(r.get("r"))] = r
                else:
                    raise Unpatchable("row without number")  # implicit numbering: leave it to openpyxl
        row_el = self._rows.get(row)
        if row_el is None:
            row_el = etree.Element(f"{_M}row", r=str(row))
            after = [r for r in self._rows if r < row]
            if after:
                self._rows[max(after)].addnext(row_el)
            else:
                self.data.insert(0, row_el)
            self._rows[row] = row_el
        before = None
        for c in row_el.iterchildren(f"{_M}c"):
            ref = c.get("r")
            if ref is None:
                raise Unpatchable("cell without reference")
            if ref == coord:
                return c
            if before is None and split_cell(ref)[1] > col:
                before = c
        c = etree.Element(f"{_M}c", r=coord)
        if before is not None:
            before.addprevious(c)
        else:
            row_el.append(c)
        return c

    # --- comments ----------------------------------------------------------------------

    def _comment_parts(self) -> tuple[etree._Element, str]:
        """The sheet's comments part and VML drawing, created if it has none."""
        if self._comments is not None:
            return self._comments, self._vml
        rels = self.package.rels(self.part)
        comments = next((t for k, t in rels.values() if k == RT_COMMENTS), None)
        legacy = self.root.find(f"{_M}legacyDrawing")
        vml = rels.get(legacy.get(f"{{{REL_NS}}}id"), (None, None))[1] if legacy is not None else None
        if legacy is not None and (vml is None or vml not in self.package.parts):
            raise Unpatchable("legacy drawing without its part")
        if comments is None:
            comments = self.package.free_name("xl/comments/comment{}.xml")
            root = etree.Element(f"{_M}comments", nsmap={None: MAIN})
            etree.SubElement(root, f"{_M}authors")
            etree.SubElement(root, f"{_M}commentList")
            self.package.new_xml(comments, root)
            self.package.add_override(comments, CT_COMMENTS)
            self.package.add_rel(self.part, RT_COMMENTS, comments)
        if vml is None:
            vml = self.package.free_name("xl/drawings/commentsDrawing{}.vml")
            self.package.parts[vml] = _new_vml(_free_idmap(self.package))
            self.package.ensure_default("vml", CT_VML)
            rid = self.package.add_rel(self.part, RT_VML, vml)
            legacy = etree.Element(f"{_M}legacyDrawing", nsmap={"r": REL_NS})
            legacy.set(f"{{{REL_NS}}}id", rid)
            self.package.touch(self.part)
            later = next((ch for ch in self.root if ch.tag in _AFTER_LEGACY), None)
            if later is not None:
                later.addprevious(legacy)
            else:
                self.root.append(legacy)
        self._comments, self._vml, self._comments_part = self.package.xml(comments), vml, comments
        return self._comments, self._vml

    def comments(self) -> dict[str, tuple[str, str]]:
        """Existing comments: cell → (text, author)."""
        rels = self.package.rels(self.part)
        part = next((t for k, t in rels.values() if k == RT_COMMENTS), None)
        if part is None:
            return {}
        root = self.package.xml(part)
        authors = [a.text or "" for a in root.iter(f"{_M}author")]
        out = {}
        for c in root.iter(f"{_M}comment"):
            text_el = c.find(f"{_M}text")
            text = "".join(t.text or "" for t in text_el.iter(f"{_M}t")) if text_el is not None else ""
            i = int(c.get("authorId", "0") or 0)
            out[(c.get("ref") or "").replace("$", "")] = (text, authors[i] if 0 <= i < len(authors) else "")
        return out

    def set_comment(self, row: int, col: int, coord: str, text: str, author: str, width: int, height: int) -> None:
        root, vml = self._comment_parts()
        self.package.touch(self._comments_part)
        authors = root.find(f"{_M}authors")
        names = [a.text or "" for a in authors]
        if author in names:
            author_id = names.index(author)
        else:
            etree.SubElement(authors, f"{_M}author").text = author
            author_id = len(names)
        comment_list = root.find(f"{_M}commentList")
        existing = next((c for c in comment_list if (c.get("ref") or "").replace("$", "") == coord), None)
        if existing is None:
            existing = etree.SubElement(comment_list, f"{_M}comment", ref=coord)
            self._add_shape(vml, row, col, width, height)
        else:
            for child in list(existing):
                existing.remove(child)
        existing.set("authorId", str(author_id))
        body = etree.SubElement(existing, f"{_M}text")
        run = etree.SubElement(body, f"{_M}r")
        t = etree.SubElement(run, f"{_M}t")
        t.text = xml_text(text)
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")

    def _add_shape(self, vml: str, row: int, col: int, width: int, height: int) -> None:
        """The note's box in the VML drawing (Excel shows no comment without one)."""
        data = self.package.parts[vml]
        end = data.rfind(b"</xml>")
        if end < 0:
            raise Unpatchable("VML drawing without </xml>")
        used = [int(x) for x in re.findall(rb"_x0000_s(\d+)", data)]
        block = int((re.search(rb'<o:idmap[^>]*data="(\d+)', data) or re.search(rb'idmap[^>]*data="(\d+)', data)
                     or [None, b"1"])[1])
        shape_id = max(used, default=1024 * block) + 1
        prefix = b"" if b"_x0000_t202" in data else _SHAPETYPE
        shape = (f'<v:shape xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                 f'xmlns:x="urn:schemas-microsoft-com:office:excel" id="_x0000_s{shape_id}" type="#_x0000_t202" '
                 f'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:{width}px;height:{height}px;'
                 f'z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
                 '<v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
                 '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
                 '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
                 f'<x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData></v:shape>').encode()
        self.package.parts[vml] = data[:end] + prefix + shape + data[end:]


_SHAPETYPE = (b'<v:shapetype xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
              b'id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              b'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _free_idmap(package: Package) -> int:
    used = [int(x) for name, data in package.parts.items() if name.endswith(".vml")
            for x in re.findall(rb'idmap[^>]*data="(\d+)', data)]
    return max(used, default=0) + 1


def _new_vml(block: int) -> bytes:
    return (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            b'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            + f'<o:idmap v:ext="edit" data="{block}"/>'.encode() + b'</o:shapelayout>' + _SHAPETYPE + b'</xml>')
