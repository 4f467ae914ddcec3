"""HTML (golden file, escaping) and PDF (text, TOC, footnotes, annexes, metadata) of the Compendio."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from compiler import publication, render
from compiler.errors import OutputError

import publication_data as data
import regen_golden

GOLDEN = Path(__file__).parent / "golden" / "compendio.html"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    edition, catalogs, subs = data.submissions(tmp_path_factory.mktemp("render"), sample=True)
    pub = publication.build(subs, edition, catalogs)
    return pub, render.render_html(pub)


@pytest.fixture(scope="module")
def pdf(small, tmp_path_factory):
    pub, html = small
    path = tmp_path_factory.mktemp("pdf") / "compendio.pdf"
    pages = render.html_to_pdf(html, path)
    reader = PdfReader(path)
    assert len(reader.pages) == pages
    return path, reader, [p.extract_text() for p in reader.pages]


def starts(text: str, head: str) -> bool:
    """Whether a page begins with ``head``, the sample watermark aside (it is drawn first)."""
    return text.replace("DATOS FICTICIOS", "").lstrip().startswith(head)


def test_html_matches_golden(tmp_path):
    expected = GOLDEN.read_text(encoding="utf-8")
    assert regen_golden.golden_html(tmp_path) == expected, (
        "El HTML cambió. Si el cambio es intencional: python -m tests.regen_golden y revise git diff tests/golden")


def test_agency_text_never_becomes_markup(small):
    _, html = small
    body = html.split("</style>")[-1]  # after our own stylesheet(s)
    assert "<img" not in body and "<script" not in body and "</style>" not in body
    assert "&lt;img src=http://x.invalid/a.png&gt;" in body
    assert "{{ 7*7 }}" in body and "49" not in body  # printed literally, never evaluated
    links = re.findall(r'href="([^"]*)"', body)
    assert not [u for u in links if "x.invalid" in u or u.startswith("javascript")]


def test_fetcher_serves_only_the_templates(tmp_path):
    fetcher = render.LocalFetcher()
    font = render.template_dir() / "fonts" / "Carlito-Regular.ttf"
    assert fetcher.fetch(font.as_uri()).read()[:4] == b"\x00\x01\x00\x00"
    secret = tmp_path / "secreto.txt"
    secret.write_text("x")
    for url in ("http://x.invalid/a.png", "https://example.org/", secret.as_uri(),
                (render.template_dir() / ".." / ".." / "etc" / "passwd").as_uri(), "data:text/plain,hola"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 5


def test_rendering_never_fetches_from_the_network(tmp_path):
    html = ('<html><head><style>@import url("http://x.invalid/a.css"); p { background: url(http://x.invalid/b.png) }'
            '</style></head><body><p>Hola</p><img src="http://x.invalid/c.png"></body></html>')
    fetcher = render.LocalFetcher()
    doc = render.render_document(html, draft=True, fetcher=fetcher)
    assert len(doc.pages) == 1
    assert sorted(fetcher.refused) == ["http://x.invalid/a.css", "http://x.invalid/b.png", "http://x.invalid/c.png"]


def test_pdf_headings_numbering_and_hostile_text(pdf):
    _, _, texts = pdf
    text = "\n".join(texts)
    assert "1. ANUARIO DE MIGRACIÓN Y REMESAS – CONSEJO NACIONAL DE POBLACIÓN (CONAPO)." in text
    assert "2. MÓDULOS DE ORIENTACIÓN EN PUNTOS DE INTERNACIÓN – INM." in text
    assert "1. SEMBRANDO VIDA GUATEMALA – SRE/AMEXCID." in text
    assert "<img src=http://x.invalid/a.png>" in text  # shown as text, not as an image
    assert "3,179" in text and "25,000" in text


def test_pdf_introduction_counts_match_headings(pdf, small):
    pub, _ = small
    _, _, texts = pdf
    text = " ".join(" ".join(t.split()) for t in texts)
    # Every program has exactly one RESULTADOS section: count them in the PDF itself.
    programs_in_body = len(re.findall(r"\bRESULTADOS\b", text))
    assert programs_in_body == pub.figures.programs
    assert f"se documentan {programs_in_body} programas" in text
    for p in pub.programs:
        if "HOSTIL" not in p.heading:  # its long «words» may break anywhere
            assert " ".join(p.heading.split()) in text
    assert f"{len(pub.glossary)} instancias y 2 gobiernos estatales" in text


def test_toc_page_numbers_point_at_their_pages(pdf, small):
    pub, _ = small
    _, reader, texts = pdf
    toc_page = next(i for i, t in enumerate(texts) if starts(t, "Contenido"))
    toc = " ".join(texts[toc_page].split())
    checks = {"Introducción": "INTRODUCCIÓN", "Anexos": "ANEXOS",
              "Entidades federativas participantes": "Entidades federativas participantes"}
    for ch in pub.chapters:
        checks[f"Capítulo {ch.number}. {ch.title}"] = f"CAPÍTULO {ch.number}"
        for ob in ch.objectives:
            checks[f"Objetivo {ob.number}. {ob.title}"] = f"OBJETIVO {ob.number}"
    for entry, marker in checks.items():
        m = re.search(re.escape(entry) + r" (\d+)", toc)
        assert m, f"{entry} no está en el índice"
        page = int(m.group(1))
        assert marker in texts[page - 1], f"{entry}: la página {page} no tiene «{marker}»"
        # the printed page number is the PDF's page number
        assert texts[page - 1].rstrip().endswith(str(page))


def test_bookmarks_for_chapters_and_objectives(pdf, small):
    pub, _ = small
    _, reader, _ = pdf
    titles = []

    def walk(items, depth):
        for x in items:
            if isinstance(x, list):
                walk(x, depth + 1)
            else:
                titles.append((depth, x.title))

    walk(reader.outline, 0)
    assert (0, "Capítulo 1 Dependencias de la Administración Pública Federal") in titles
    assert sum(1 for d, t in titles if d == 1 and t.startswith("Objetivo ")) == sum(len(c.objectives) for c in pub.chapters)
    assert not any(t.startswith(("1. ", "2. ")) for _, t in titles), "programs are not bookmarked"


def test_footnotes_at_the_foot_of_their_page(pdf):
    _, _, texts = pdf
    page = next(t for t in texts if "ANUARIO DE MIGRACIÓN" in t)
    assert "Segundo párrafo con más detalle.1" in page
    assert "1. www.gob.mx/conapo" in page
    inm = next(t for t in texts if "MÓDULOS DE ORIENTACIÓN" in t)
    assert "2. https://www.gob.mx/inm" in inm and "3. Informe anual del INM, 2026." in inm
    assert "detalle.2,3" in inm


def test_annexes_glossary_and_states(pdf, small):
    pub, _ = small
    _, _, texts = pdf
    glossary = next(t for t in texts if "Glosario de instituciones participantes" in t and "Nombre" in t)
    flat = " ".join(glossary.split())
    for g in pub.glossary:
        if "Hostil" not in g.name:
            assert f"{g.name} {g.acronym}" in flat
    states = next(t for t in texts if starts(t, "Entidades federativas participantes"))
    assert "Baja California" in states and "Chiapas" in states


def test_sample_watermark_on_every_page(pdf):
    _, _, texts = pdf
    assert all("DATOS FICTICIOS" in t for t in texts)


def test_accessible_pdf_metadata(pdf):
    _, reader, _ = pdf
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "es-MX"
    assert root["/MarkInfo"]["/Marked"] == True and "/StructTreeRoot" in root
    assert b"pdfuaid:part=\"1\"" in reader.xmp_metadata.stream.get_data()
    meta = reader.metadata
    assert meta.title.startswith("Compendio General 2026")
    assert "Unidad de Política Migratoria" in meta.author
    assert meta["/CreationDate"] == "D:20261201000000Z"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # Letter


def test_same_html_gives_the_same_bytes(small, pdf, tmp_path):
    _, html = small
    path, _, _ = pdf
    again = tmp_path / "otra.pdf"
    render.html_to_pdf(html, again)
    assert again.read_bytes() == path.read_bytes()


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "salida.pdf"
    with pytest.raises(RuntimeError):
        with render.atomic_write(target) as tmp:
            tmp.write_bytes(b"%PDF-a medias")
            raise RuntimeError("falla a la mitad")
    assert list(tmp_path.iterdir()) == []
    blocked = tmp_path / "no-es-carpeta"
    blocked.write_text("x")
    with pytest.raises(OutputError, match="No se puede escribir"):
        render.write_text(blocked / "a.html", "x")


def test_draft_has_right_page_numbers_contents_and_bookmarks(small, tmp_path):
    from compiler import draft

    pub, html = small
    runs = draft.split(pub)
    assert len(runs) == 2
    out = tmp_path / "borrador.pdf"
    pages = draft.write(pub, html, out)
    reader = PdfReader(out)
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == pages
    toc = " ".join(next(t for t in texts if starts(t, "Contenido")).split())
    for ch in pub.chapters:
        page = int(re.search(re.escape(f"Capítulo {ch.number}. {ch.title}") + r" (\d+)", toc).group(1))
        assert f"CAPÍTULO {ch.number}" in texts[page - 1]
        assert texts[page - 1].rstrip().endswith(str(page)), "stamped page number"
    toc_index = next(i for i, t in enumerate(texts) if starts(t, "Contenido"))
    pages_of = {p.indirect_reference.idnum: i + 1 for i, p in enumerate(reader.pages)}
    targets = {pages_of[a.get_object()["/Dest"][0].idnum] for a in reader.pages[toc_index]["/Annots"]}
    assert targets == {int(n) for n in re.findall(r" (\d+)(?= |$)", toc)}, "contents links go to their pages"
    assert "detalle.2,3" in "".join(texts) and "3. Informe anual del INM, 2026." in "".join(texts)
    assert all("Compendio General 2026" in t for t in texts[4:-1])  # running header in both parts (not the back cover)
    top = [x.title for x in reader.outline if not isinstance(x, list)]
    assert top[:3] == ["Contenido", "Introducción", "Capítulo 1 Dependencias de la Administración Pública Federal"]
    assert "Anexos" in top


def _structure(pdf) -> tuple[list[str], list[str]]:
    """The structure tree as a depth-first list of tag types (and content references), and every
    reference that does not lead back to its element through the parent tree."""
    import pikepdf

    def kids(e):
        k = e.get("/K")
        return [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [k]

    nums = {}

    def collect(tree):
        flat = list(tree.get("/Nums", []))
        nums.update({int(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)})
        for kid in tree.get("/Kids", []):
            collect(kid)

    root = pdf.Root.StructTreeRoot
    collect(root.ParentTree)
    tags, broken = [], []

    def walk(e, depth, page):
        page = e.get("/Pg", page)
        for k in kids(e):
            if isinstance(k, pikepdf.Dictionary) and "/S" in k:
                tags.append(f"{depth}{k.S}")
                if k.P.objgen != e.objgen:
                    broken.append(f"parent of {k.S}")
                walk(k, depth + 1, page)
            elif isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR":
                tags.append(f"{depth}OBJR")
                if nums.get(int(k.Obj.StructParent)).objgen != e.objgen:
                    broken.append(f"annotation {int(k.Obj.StructParent)}")
            else:
                mcid = int(k.MCID) if isinstance(k, pikepdf.Dictionary) else int(k)
                tags.append(f"{depth}mcid")
                refs = nums.get(int(page.StructParents))
                if refs is None or mcid >= len(refs) or refs[mcid].objgen != e.objgen:
                    broken.append(f"mcid {mcid} on page {int(page.StructParents)}")

    walk(root, 0, None)
    return tags, broken


def test_tagged_book_on_two_cores_has_the_single_process_structure(small, pdf, tmp_path):
    """The accessible book laid out in parallel parts is the same document: tags, parent tree, text,
    page numbers, contents links, bookmarks, language and PDF/UA metadata."""
    import pikepdf

    from compiler import tagged

    pub, _ = small
    path, reader, texts = pdf
    out = tmp_path / "paralelo.pdf"
    assert tagged.write(pub, out) == len(texts)
    again = tmp_path / "otra-vez.pdf"
    tagged.write(pub, again)
    assert again.read_bytes() == out.read_bytes()  # the same book, byte for byte
    single, merged = pikepdf.open(path), pikepdf.open(out)
    tags, broken = _structure(merged)
    assert broken == []
    assert tags == _structure(single)[0]
    assert len(tags) > 500

    parallel_reader = PdfReader(out)
    assert [p.extract_text() for p in parallel_reader.pages] == texts  # page numbers stamped where they were
    assert [(x.title, parallel_reader.get_destination_page_number(x)) for x in parallel_reader.outline
            if not isinstance(x, list)] == [(x.title, reader.get_destination_page_number(x))
                                            for x in reader.outline if not isinstance(x, list)]

    def toc_targets(p):
        names = list(p.Root.Names.Dests.Names)
        dests = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
        toc = next(i for i, t in enumerate(texts) if starts(t, "Contenido"))
        return [(str(a.Dest), p.pages.index(pikepdf.Page(dests[str(a.Dest)][0])))
                for a in p.pages[toc].obj.Annots if "/Dest" in a]

    assert toc_targets(merged) == toc_targets(single) != []
    assert merged.Root.Lang == "es-MX" and merged.Root.MarkInfo.Marked
    assert merged.Root.ViewerPreferences.DisplayDocTitle
    assert b'pdfuaid:part="1"' in merged.Root.Metadata.read_bytes()
    assert str(merged.docinfo.Title) == str(single.docinfo.Title)
    # The stamped numbers are pagination artifacts, outside the structure.
    numbered = merged.pages[next(i for i, t in enumerate(texts) if starts(t, "INTRODUCCIÓN"))]
    content = b"".join(c.read_bytes() for c in numbered.obj.Contents)
    assert "/Artifact <</Type /Pagination /Subtype /Footer>> BDC".encode() in content


def test_back_matter_guessed_on_the_wrong_side_gives_the_same_book(small, pdf, tmp_path, monkeypatch):
    """The back matter is laid out beside the body on a guessed side and again if the guess was wrong:
    either way the back cover is on an even page and the book is the single-process one."""
    import pikepdf

    from compiler import draft, tagged

    pub, _ = small
    path, _, texts = pdf
    books = []
    for shift in (1, 2):  # one of the two guesses is wrong for this book
        monkeypatch.setattr(draft, "_guess_back_start", lambda front_pages, shift=shift: front_pages + shift)
        out = tmp_path / f"libro-{shift}.pdf"
        assert tagged.write(pub, out) == len(texts)
        books.append(out.read_bytes())
    assert books[0] == books[1]
    merged = pikepdf.open(tmp_path / "libro-1.pdf")
    assert _structure(merged)[0] == _structure(pikepdf.open(path))[0]
    assert len(merged.pages) % 2 == 0  # the back cover, last, on a left-hand page
