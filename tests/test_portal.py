"""The intake portal as a body and staff use it: HTTP flows through Starlette's TestClient."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import stat
import zipfile

import pytest
from starlette.testclient import TestClient

from compiler import catalogs as cat, dispatch, links, portal, register, settings
from validation_support import CLEAN_CIFRAS, clean

STAFF = "secreto-del-personal-de-prueba-123"


@pytest.fixture
def ed(tmp_path):
    settings.init(tmp_path, "2026")
    return settings.load(tmp_path, "2026")


class Clock:
    """Reception times a minute apart, as a body's correction comes after its first upload."""

    def __init__(self):
        self.now = dt.datetime(2026, 8, 3, 9, 30)

    def __call__(self):
        self.now += dt.timedelta(minutes=1)
        return self.now


@pytest.fixture
def site(ed):
    cats = cat.for_edition(ed)
    every, _ = links.ensure(ed, cats, [cats.body("inm"), cats.body("segob")])
    by_id = {lk.body_id: lk for lk in every}
    client = TestClient(portal.create_app(ed, cats, STAFF, clock=Clock()))
    return client, by_id["inm"].secret, by_id["segob"].secret


def workbook(ed, body="inm", edition=None, **fields) -> bytes:
    from compiler import template

    cats = cat.load()
    wb = template.build_workbook(edition or ed, cats, cats.body(body))
    data = clean(**fields)
    data.cifras[:] = [dict(c) for c in CLEAN_CIFRAS]
    template.fill(wb, data)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def wrong_sum(ed) -> bytes:
    from compiler import template

    cats = cat.load()
    wb = template.build_workbook(ed, cats, cats.body("inm"))
    data = clean()
    data.cifras[:] = [{"indicador": "Personas orientadas", "unidad": "personas", "total": 3105,
                       "mujeres": 1801, "hombres": 1204}]
    template.fill(wb, data)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csrf(client, secret) -> str:
    page = client.get(f"/i/{secret}")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def upload(client, secret, files, token=None):
    token = csrf(client, secret) if token is None else token
    return client.post(f"/i/{secret}/enviar", data={"csrf": token} if token else {},
                       files=[("archivos", (name, data, "application/octet-stream")) for name, data in files])


def log_lines(ed) -> list[dict]:
    path = links.folder(ed) / portal.LOG_FILE
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_links_are_stored_hashed_and_listed_privately_for_staff(ed, site):
    _, secret, _ = site
    lookup = (links.folder(ed) / links.LOOKUP_FILE).read_text(encoding="utf-8")
    assert secret not in lookup and "inm" in lookup
    staff_file = links.folder(ed) / links.STAFF_FILE
    assert secret in staff_file.read_text(encoding="utf-8-sig")
    assert stat.S_IMODE(staff_file.stat().st_mode) == 0o600
    # Made once: asking again keeps the link the body was sent.
    again, made = links.ensure(ed, cat.for_edition(ed), [cat.load().body("inm")])
    assert made == [] and secret in {lk.secret for lk in again}


def test_good_upload_lands_in_register_with_acuse_and_shows_on_both_pages(ed, site):
    client, secret, _ = site
    page = client.get(f"/i/{secret}")
    assert "Instituto Nacional de Migración" in page.text and "31/08/2026" in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and "frame-ancestors 'none'" in page.headers[
        "content-security-policy"]
    r = upload(client, secret, [("Orientación INM.xlsx", workbook(ed))])
    assert r.status_code == 200, r.text
    assert "Resultado de su envío" in r.text and ">aceptado<" in r.text
    assert "Acuse de recibo" in r.text and "Orientación INM.xlsx" in r.text
    entry, = register.load(ed).entries
    assert (entry.origen, entry.estado, entry.nombre_original) == ("portal", "aceptado", "Orientación INM.xlsx")
    stored = ed.paths.submissions / entry.ruta
    assert stat.S_IMODE(stored.stat().st_mode) == 0o444
    acuse = client.get(f"/i/{secret}/acuse/{entry.sha256}")
    assert acuse.status_code == 200 and "Acuse de recibo" in acuse.text
    # The page lists it afterwards; the staff page shows it on the live board.
    assert "Orientación a personas en contexto de movilidad" in client.get(f"/i/{secret}").text
    staff = client.get(f"/personal/{STAFF}")
    assert staff.status_code == 200 and "Orientación a personas en contexto de movilidad" in staff.text
    assert secret in staff.text  # the links per body, for staff to send
    assert client.get(f"/personal/{STAFF}/tablero.xlsx").content.startswith(b"PK")
    assert json.loads(client.get(f"/personal/{STAFF}/estado.json").text)["totals"]["accepted"] == 1
    assert [x["accion"] for x in log_lines(ed)] == ["archivo-recibido"]


def test_wrong_sum_names_sheet_and_cell_and_gives_the_marked_copy(ed, site):
    client, secret, _ = site
    r = upload(client, secret, [("cifras.xlsx", wrong_sum(ed))])
    assert r.status_code == 200
    assert ">rechazado<" in r.text
    row = re.search(r'<tr class="nivel-error"><td>Error</td><td>Cifras</td><td class="celda">([A-Z]+\d+)</td>', r.text)
    assert row, r.text
    entry, = register.load(ed).entries
    fb = client.get(f"/i/{secret}/observaciones/{entry.sha256}")
    assert fb.status_code == 200 and fb.content.startswith(b"PK")
    # A corrected upload supersedes the rejected one, as in the register.
    r2 = upload(client, secret, [("cifras-corregido.xlsx", workbook(ed))])
    assert ">aceptado<" in r2.text
    states = {e.nombre_original: e.situacion for e in register.load(ed).entries}
    assert states == {"cifras.xlsx": "sustituido", "cifras-corregido.xlsx": "vigente"}


def test_wrong_edition_workbook_is_received_and_rejected_with_the_reason(ed, site, tmp_path):
    client, secret, _ = site
    settings.init(tmp_path, "2025")
    old = settings.load(tmp_path, "2025")
    r = upload(client, secret, [("del-anio-pasado.xlsx", workbook(ed, edition=old))])
    assert r.status_code == 200
    assert ">rechazado<" in r.text and "Plantilla de otra edición" in r.text


def bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 2**20))
    return buf.getvalue()


def test_zip_bomb_is_refused_before_anything_is_stored(ed, site):
    client, secret, _ = site
    r = upload(client, secret, [("bomba.xlsx", bomb())])
    assert r.status_code == 400 and "No se recibió" in r.text and "MB" in r.text
    assert not register.exists(ed)
    assert not any(p.is_file() for p in ed.paths.submissions.rglob("*"))
    assert log_lines(ed)[-1]["accion"] == "archivo-rechazado"


def test_not_xlsx_and_hostile_names_are_refused_and_escaped(ed, site):
    client, secret, _ = site
    r = upload(client, secret, [("<img src=x onerror=alert(1)>.xls", b"abc"), ("../../etc/x.xlsx", b"no es zip")])
    assert r.status_code == 400
    assert "<img src=x" not in r.text and "&lt;img src=x onerror=alert(1)&gt;.xls" in r.text
    assert "«x.xlsx»" in r.text  # only the last part of a name ever shows
    assert not register.exists(ed)


def test_wrong_secret_is_a_spanish_404_and_is_logged(ed, site):
    client, _, _ = site
    r = client.get("/i/" + "x" * 43)
    assert r.status_code == 404 and "El enlace no existe" in r.text and "Traceback" not in r.text
    assert client.get("/personal/no-es-el-secreto-del-personal").status_code == 404
    assert client.post("/i/" + "x" * 43 + "/enviar").status_code == 404
    assert [x["accion"] for x in log_lines(ed)] == ["enlace-desconocido", "personal-secreto-incorrecto",
                                                    "enlace-desconocido"]


def test_one_body_cannot_download_another_bodys_feedback(ed, site):
    client, inm, segob = site
    upload(client, inm, [("cifras.xlsx", wrong_sum(ed))])
    entry, = register.load(ed).entries
    assert client.get(f"/i/{inm}/observaciones/{entry.sha256}").status_code == 200
    assert client.get(f"/i/{segob}/observaciones/{entry.sha256}").status_code == 404
    assert client.get(f"/i/{inm}/observaciones/..%2F..%2Fregistro.json").status_code == 404


def test_oversize_file_and_request_are_refused(ed, site, monkeypatch):
    client, secret, _ = site
    big = b"PK\x03\x04" + os.urandom(portal.MAX_FILE_BYTES)
    r = upload(client, secret, [("grande.xlsx", big)])
    assert r.status_code == 400 and "el máximo por archivo es 10 MB" in r.text
    huge = os.urandom(portal.MAX_REQUEST_BYTES + 1024)
    r = client.post(f"/i/{secret}/enviar", content=huge,
                    headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413 and "Envío demasiado grande" in r.text
    assert not register.exists(ed)


def test_missing_or_wrong_csrf_token_is_refused(ed, site):
    client, secret, _ = site
    r = upload(client, secret, [("a.xlsx", workbook(ed))], token="")
    assert r.status_code == 403 and "El formulario caducó" in r.text
    r = upload(client, secret, [("a.xlsx", workbook(ed))], token="A" * 43)
    assert r.status_code == 403
    assert not register.exists(ed)
    assert log_lines(ed)[-1]["accion"] == "formulario-sin-ficha"


def test_rate_limit_per_link(ed):
    cats = cat.for_edition(ed)
    every, _ = links.ensure(ed, cats, [cats.body("inm"), cats.body("segob")])
    inm, segob = (lk.secret for lk in every)
    client = TestClient(portal.create_app(ed, cats, STAFF, rate_burst=3, rate_per_minute=0.001))
    assert [client.get(f"/i/{inm}").status_code for _ in range(4)] == [200, 200, 200, 429]
    r = client.get(f"/i/{inm}")
    assert "Demasiadas solicitudes" in r.text and int(r.headers["retry-after"]) > 0
    assert client.get(f"/i/{segob}").status_code == 200  # another body's link has its own bucket


def test_server_error_is_a_spanish_page(ed, site, monkeypatch):
    client, secret, _ = site
    monkeypatch.setattr(portal.intake, "receive", lambda *a, **k: 1 / 0)
    client = TestClient(client.app, raise_server_exceptions=False)
    r = upload(client, secret, [("a.xlsx", workbook(ed))])
    assert r.status_code == 500 and "No se pudo completar" in r.text and "ZeroDivision" not in r.text


def test_template_download_through_the_link_is_recorded_as_sent(ed, site):
    from compiler import template

    client, secret, _ = site
    template.generate(ed, cat.for_edition(ed), [cat.load().body("inm")])
    page = client.get(f"/i/{secret}")
    assert f"/i/{secret}/plantilla/0" in page.text
    r = client.get(f"/i/{secret}/plantilla/0")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    assert dispatch.sent(ed) == {"inm": 1}
    assert [s.via for s in dispatch.load(ed)] == ["portal"]


def test_board_and_reminders_list_each_bodys_link(ed, site):
    import datetime as dt

    from openpyxl import load_workbook

    from compiler import board as brd, reminders

    client, secret, _ = site
    cats = cat.for_edition(ed)
    board = brd.build(ed, cats, register.load(ed))
    wb = load_workbook(brd.write_excel(board, cats))
    urls = [row[2] for row in wb["Enlaces"].iter_rows(min_row=2, values_only=True)]
    assert f"{links.DEFAULT_URL}/i/{secret}" in urls
    due = [d for d in reminders.overdue(board, cats) if d.body_id == "inm"]
    folder = reminders.write(board, cats, due, dt.date(2026, 9, 15)).parent
    assert f"/i/{secret}" in (folder / "inm.eml").read_text(encoding="utf-8").replace("=\n", "")


def test_enlaces_command_writes_drafts_and_records_them_as_sent_once(ed):
    from click.testing import CliRunner

    from compiler.cli import main

    root = ed.paths.root
    run = lambda: CliRunner().invoke(main, ["enlaces", "--edition", "2026", "--raiz", str(root),  # noqa: E731
                                            "--institucion", "INM"])
    first = run()
    assert first.exit_code == 0, first.output
    secret = links.load(ed)[0].secret
    draft = (links.folder(ed) / links.DRAFTS / "inm.eml").read_text(encoding="utf-8")
    assert secret in draft.replace("=\n", "")
    assert stat.S_IMODE((links.folder(ed) / links.DRAFTS / "inm.eml").stat().st_mode) == 0o600
    assert run().exit_code == 0
    assert [s.via for s in dispatch.load(ed)] == ["portal"]
    renewed = CliRunner().invoke(main, ["enlaces", "--edition", "2026", "--raiz", str(root), "--institucion", "INM",
                                        "--renovar"])
    assert renewed.exit_code == 0 and links.load(ed)[0].secret != secret
    assert links.Lookup(ed).find(secret) is None and links.Lookup(ed).find(links.load(ed)[0].secret) == "inm"


def test_readme_command_starts_the_portal_on_the_sample_edition(tmp_path):
    """``compendio portal --edition muestra`` (the README's command) serves the staff page and a body's page."""
    import shutil
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    from browser_support import free_port

    repo = Path(__file__).resolve().parents[1]
    readme = (repo / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- comando-portal -->", 1)[1].split("```")[1].strip()
    assert command.endswith("compendio portal --edition muestra")
    (tmp_path / "ediciones").mkdir()
    shutil.copy(repo / "ediciones" / "muestra.yaml", tmp_path / "ediciones")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != portal.STAFF_ENV}
    proc = subprocess.Popen([sys.executable, "-m", "compiler", "portal", "--edition", "muestra", "--raiz", str(tmp_path),
                             "--puerto", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**env, "COLUMNS": "300"})
    try:
        for _ in range(150):
            try:
                home = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("the portal did not start")
        assert "enlace privado" in home.text
        ed = settings.load(tmp_path, "muestra")
        secret = (links.folder(ed) / portal.STAFF_FILE).read_text(encoding="utf-8").strip()
        staff = httpx.get(f"http://127.0.0.1:{port}/personal/{secret}", timeout=10)
        assert staff.status_code == 200 and "Enlaces privados por institución" in staff.text
        body = links.load(ed)[0]
        assert httpx.get(f"http://127.0.0.1:{port}/i/{body.secret}", timeout=10).status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"/personal/{secret}" in out and "Traceback" not in out


def test_portal_settings_are_checked_and_name_the_key(tmp_path):
    from compiler.errors import SettingsError

    settings.init(tmp_path, "2026")
    path = settings.EditionPaths(tmp_path, "2026").settings
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "portal:\n  url: compendio.segob\n  secreto_personal: corto\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        settings.load(tmp_path, "2026")
    message = str(err.value)
    assert "portal.secreto_personal" in message and "al menos 16 caracteres" in message
    path.write_text(text + "portal:\n  url: https://compendio.example.gob.mx/\n  secreto_personal: "
                    "una-frase-larga-del-personal\n", encoding="utf-8")
    ed = settings.load(tmp_path, "2026")
    assert links.base_url(ed) == "https://compendio.example.gob.mx"
    assert portal.staff_secret(ed) == ("una-frase-larga-del-personal", f"«portal.secreto_personal» de {path}")
