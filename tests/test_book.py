"""The printed book's settings: front and back matter, figures tables, the free table's place and header."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
import yaml
from PIL import Image

from compiler import catalogs as cat
from compiler import publication, reader, render, settings, template
from compiler.errors import SettingsError
from compiler.template import ProgramData

import publication_data as data
from template_support import with_spec_examples


def configure(root, **publicacion):
    """Change keys of ``publicacion`` in the edition's YAML, as staff do, and load it again."""
    path = root / "ediciones" / "2026.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["publicacion"].update(publicacion)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return settings.load(root, "2026")


def one_program(root, edition, *, resultados="Se orientó a 3,179 personas en los módulos.", cifras=(), table=None,
                header=None):
    catalogs = cat.load()
    wb = template.build_workbook(edition, catalogs, catalogs.body("inm"))
    fields = with_spec_examples(data.PROGRAMS[0][1])
    fields["resultados"] = resultados
    pd = ProgramData(fields=fields, cifras=list(cifras), table_header=header)
    if table:
        pd.table_title, pd.table_rows, pd.table_note = table
    template.fill(wb, pd)
    path = edition.paths.submissions / "uno.xlsx"
    template.save(wb, path)
    return publication.build([reader.read(path)], edition, catalogs)


def html_of(pub):
    return render.render_html(pub)


def test_front_and_back_matter_read_as_the_finished_book(tmp_path):
    edition, catalogs, subs = data.submissions(tmp_path)
    html = html_of(publication.build(subs, edition, catalogs))
    assert "Titular de la UPMRIP" not in html  # no placeholder credits
    assert "Editor responsable: Dirección de Relaciones Internacionales e Interinstitucionales de la UPMRIP." in html
    assert "Tel. 55 5128 0000." in html
    assert "ISBN" not in html  # only when there is one
    assert 'class="colophon"' in html and "se terminó de editar en Ciudad de México el 1 de diciembre de 2026" in html
    assert 'class="back-cover"' in html
    # the default closing: four paragraphs, no forced heading, no contents entry
    closing = html.split('id="cierre"')[1].split("</section>")[0]
    assert closing.count("<p>") == 4 and "<h1" not in closing and 'href="#cierre"' not in html
    # the cover never leaves a short last word alone on a line
    assert "Ordenada\u00a0y\u00a0Regular" in html

    edition = configure(tmp_path, isbn="978-607-000-000-0", editor_responsable="Ana Pérez Ruiz", telefono="55 0000 1111",
                        cierre_titulo="Consideraciones finales", colofon=[], contraportada=["Texto de contraportada."])
    html = html_of(publication.build(subs, edition, catalogs))
    assert "ISBN: 978-607-000-000-0" in html and "Editor responsable: Ana Pérez Ruiz." in html
    assert "Tel. 55 0000 1111." in html
    assert '<h1 class="part-title">Consideraciones finales</h1>' in html and 'href="#cierre"' in html
    assert 'class="colophon"' not in html and "Texto de contraportada." in html


def test_logos_from_the_edition_folder_reach_the_pdf(tmp_path):
    edition, catalogs, subs = data.submissions(tmp_path)
    folder = tmp_path / "ediciones" / "2026" / "logos"
    folder.mkdir(parents=True)
    Image.new("RGB", (120, 40), (97, 18, 50)).save(folder / "segob.png")
    edition = configure(tmp_path, logos=["logos/segob.png"])
    pub = publication.build(subs[:2], edition, catalogs)
    html = html_of(pub)
    uri = (folder / "segob.png").resolve().as_uri()
    assert html.count(f'src="{uri}"') == 2  # cover and back cover
    fetcher = render.LocalFetcher([render.template_dir(), edition.paths.folder])
    out = tmp_path / "libro.pdf"
    render.write_document(render.render_document(html, fetcher=fetcher), out)
    assert not fetcher.refused
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True).stdout
    assert len([l for l in listing.splitlines()[2:] if " 120 " in l]) >= 2


@pytest.mark.parametrize("logo, message", [
    ("no-existe.png", "no se encuentra el logotipo"),
    ("../../fuera.png", "debe estar dentro de la carpeta"),
    ("logo.gif", "PNG, JPG o SVG"),
])
def test_a_bad_logo_is_a_clear_message(tmp_path, logo, message):
    data.make_edition(tmp_path)
    (tmp_path / "fuera.png").write_bytes(b"")
    with pytest.raises(SettingsError, match=message):
        configure(tmp_path, logos=[logo])


def test_unknown_figures_tables_choice_is_refused(tmp_path):
    data.make_edition(tmp_path)
    with pytest.raises(SettingsError, match="cuadros_de_cifras.*«siempre».*«con desglose».*«nunca»"):
        configure(tmp_path, cuadros_de_cifras="a veces")


BROKEN_DOWN = [{"indicador": "Personas orientadas", "unidad": "personas", "total": 3179, "mujeres": 1500,
                "hombres": 1679}]
TOTALS_ONLY = [{"indicador": "Personas orientadas", "unidad": "personas", "total": 3179},
               {"indicador": "Folletos entregados", "unidad": "documentos", "total": 25000}]
REPEATS_TEXT = [{"indicador": "Personas orientadas", "unidad": "personas", "total": 3179}]


@pytest.mark.parametrize("choice, cifras, printed", [
    ("siempre", TOTALS_ONLY, True),
    ("siempre", BROKEN_DOWN, True),
    ("siempre", REPEATS_TEXT, False),  # one row whose only figure the results already quote
    ("con desglose", TOTALS_ONLY, False),
    ("con desglose", BROKEN_DOWN, True),
    ("nunca", BROKEN_DOWN, False),
])
def test_figures_tables_follow_the_edition_choice(tmp_path, choice, cifras, printed):
    edition = configure(data.make_edition(tmp_path).paths.root, cuadros_de_cifras=choice)
    pub = one_program(tmp_path, edition, cifras=cifras)
    assert (pub.programs[0].figures is not None) is printed


def test_a_new_edition_prints_figures_tables_only_with_a_breakdown(tmp_path):
    assert data.make_edition(tmp_path).publication["cuadros_de_cifras"] == "con desglose"


TABLE = ("Iniciativas presentadas", [["Iniciativa", "Estado", "Personas"], ["Reforma A", "Aprobada", 1200],
                                     ["Reforma B", "En comisión", 35]], "Fuente: registro legislativo.")


def test_the_table_marker_places_the_free_table_after_its_lead_in(tmp_path):
    edition = data.make_edition(tmp_path)
    pub = one_program(tmp_path, edition, table=TABLE,
                      resultados="Se presentaron dos iniciativas:\n[TABLA]\nAmbas se discutirán en el siguiente periodo.")
    program = pub.programs[0]
    assert program.table_in_results
    html = html_of(pub)
    article = html.split(f'id="{program.anchor}"')[1]
    lead, table, after = (article.index("Se presentaron dos iniciativas:"), article.index('<table class="free">'),
                          article.index("Ambas se discutirán"))
    assert lead < table < after
    assert "[TABLA]" not in html and article.count('<table class="free">') == 1

    pub = one_program(tmp_path, edition, table=TABLE, resultados="Sin marcador en el texto.")
    article = html_of(pub).split(f'id="{pub.programs[0].anchor}"')[1]
    assert article.index("Sin marcador en el texto.") < article.index('<table class="free">')


def test_header_row_is_the_agencys_choice_and_aligns_with_its_column(tmp_path):
    edition = data.make_edition(tmp_path)
    html = html_of(one_program(tmp_path, edition, table=TABLE))
    assert ('<thead><tr><th scope="col">Iniciativa</th><th scope="col">Estado</th>'
            '<th scope="col" class="num">Personas</th></tr></thead>') in html

    grid = ("Metas", [["Meta 1", "Cumplida"], ["Meta 2", "En proceso"]], "")
    pub = one_program(tmp_path, edition, table=grid, header="No")
    assert pub.programs[0].table.header == () and len(pub.programs[0].table.rows) == 2
    article = html_of(pub).split('<table class="free">')[1].split("</table>")[0]
    assert "<thead>" not in article and "<td>Meta 1</td>" in article


def test_template_offers_the_header_choice_and_old_workbooks_keep_a_header(tmp_path):
    from openpyxl import load_workbook

    from compiler import geometry as g

    edition = data.make_edition(tmp_path)
    wb = template.build_workbook(edition, cat.load(), None)
    ws = wb[g.TABLA]
    assert ws[g.TABLA_HEADER_CHOICE_CELL].value == "Sí"
    assert any(g.TABLA_HEADER_CHOICE_CELL in str(dv.sqref) for dv in ws.data_validations.dataValidation)
    # a workbook made before the choice existed has the cell empty: its first row stays the header
    pub = one_program(tmp_path, edition, table=TABLE)
    path = edition.paths.submissions / "uno.xlsx"
    old = load_workbook(path)
    old[g.TABLA][g.TABLA_HEADER_CHOICE_CELL] = None
    old.save(path)
    assert reader.read(path).table.header_row is True
    assert pub.programs[0].table.header[0] == "Iniciativa"


def test_narrow_columns_hyphenate_in_spanish(tmp_path):
    import pyphen

    assert pyphen.language_fallback("es_MX")
    css = render.stylesheet()
    assert "hyphens: auto" in css
    html = (f'<html lang="es-MX"><head><style>{css}</style></head><body><table style="width:2.2cm" class="free">'
            '<tbody><tr><td>Proponente internacionalización</td></tr></tbody></table></body></html>')
    out = tmp_path / "angosta.pdf"
    render.write_document(render.render_document(html, draft=True), out, draft=True)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert any(line.endswith(("-", "\u2010")) for line in text.splitlines()), text


def test_instructions_explain_the_marker_and_the_header_choice(tmp_path):
    edition = data.make_edition(tmp_path)
    ws = template.build_workbook(edition, cat.load(), None)["Instrucciones"]
    text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "[TABLA] solo, en una línea propia" in text and "¿La primera fila es encabezado?" in text
