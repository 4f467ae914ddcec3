"""The portal in a real browser: a body opens its link, uploads a workbook with a wrong sum, sees the cell.

Needs Debian's ``chromium`` and ``chromium-driver`` (.ci/run installs them when missing).
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import chromium, serve
from compiler import board as brd, catalogs as cat, links, portal, register, settings
from compiler.spec import cifras_col
from test_portal import STAFF, wrong_sum


def test_body_uploads_a_wrong_sum_in_chromium_and_sees_the_cell(tmp_path):
    settings.init(tmp_path, "2026")
    ed = settings.load(tmp_path, "2026")
    cats = cat.for_edition(ed)
    (link,), _ = links.ensure(ed, cats, [cats.body("inm")])
    book = tmp_path / "programa INM.xlsx"
    book.write_bytes(wrong_sum(ed))
    with serve(portal.create_app(ed, cats, STAFF)) as base, chromium() as browser:
        browser.get(link.url(base))
        assert "Instituto Nacional de Migración" in browser.find_element(By.TAG_NAME, "h1").text
        browser.find_element(By.ID, "archivos").send_keys(str(book))
        browser.find_element(By.ID, "enviar").click()
        # The click returns before the result page has loaded: wait for it (validation takes a moment).
        result = WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.ID, "resultado")))
        cells = [td.text for td in result.find_elements(By.CSS_SELECTOR, "tr.nivel-error td.celda")]
        assert f"{cifras_col('total')}6" in cells, result.text
        assert "rechazado" in result.text and "programa INM.xlsx" in result.text
        # The staff page shows the live board with the upload in it.
        browser.get(f"{base}/personal/{STAFF}")
        assert "Orientación a personas en contexto de movilidad" in browser.page_source
    entry, = register.load(ed).entries
    assert (entry.origen, entry.estado, entry.nombre_original) == ("portal", "rechazado", "programa INM.xlsx")
    row = next(r for g in brd.build(ed, cats, register.load(ed)).groups for r in g.rows if r.body_id == "inm")
    assert (row.received, row.rejected) == (1, 1)
