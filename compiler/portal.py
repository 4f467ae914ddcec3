"""The intake portal: each body opens its private link, uploads its workbooks and sees the result at once.

A small Starlette application (served by uvicorn, ``compendio portal``) on
UPMRIP's own server, behind the institution's web server. No accounts: each
body holds a private link (``compiler/links.py``); staff hold the staff page's
secret (``portal.secreto_personal`` in the edition's settings, or the
environment variable ``COMPENDIO_SECRETO_PERSONAL``).

An upload is received by the intake stage exactly like ``compendio recibir``
(``intake.receive``, source «portal», reception time now): the same register,
the same superseding rule, the same feedback copy and acuse. Before anything
reaches it, each file must pass, in this order: the size limits, the «.xlsx»
name, the zip signature, the zip-bomb limits (``reader.check_limits``) and a
workbook inside; a file refused there is never stored and is written to the
portal's log (``output/<ed>/portal/bitacora.jsonl``), as is every other request
the portal refuses (unknown link, missing form token, too many requests).

Nothing from the request reaches a filesystem path: the intake names stored
files itself, downloads are looked up by a file's SHA-256 among the register's
entries of that body and served from the paths the register holds. Every page
is rendered by Jinja2 with autoescape, in Spanish; errors are Spanish pages.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
import json
import os
import re
import secrets
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.routing import Route

from . import board as brd, console, dispatch, intake, links, register as reg
from .catalogs import Body, Catalogs
from .errors import CompendioError, UnreadableWorkbook
from .feedback import feedback_path
from .findings import title as code_title
from .reader import DAMAGED_ZIP, check_limits
from .render import template_dir
from .settings import Edition
from .textsafe import CONTROL_CHARS

#: One workbook filled in the template is a few hundred KB; 10 MB leaves room for a long «Tabla».
MAX_FILE_BYTES = 10 * 2**20
#: A whole upload request (every file and the form): the web server's client_max_body_size should match.
MAX_REQUEST_BYTES = 30 * 2**20
#: Files per upload. Below the intake's process-pool threshold (8 files with findings), so a web
#: worker thread never forks a pool; a body with more programs uploads them in rounds.
MAX_FILES_PER_REQUEST = 7
#: Per link (and per address for unknown links): a bucket of this many requests, refilled per minute.
RATE_BURST = 20
RATE_PER_MINUTE = 20
#: Intake runs at a time (each one reads, validates and writes a workbook: CPU and memory bound).
INTAKE_WORKERS = 2
STAFF_ENV = "COMPENDIO_SECRETO_PERSONAL"
STAFF_FILE = "secreto-personal.txt"
LOG_FILE = "bitacora.jsonl"
CSRF_COOKIE = "compendio_csrf"
CSRF_FIELD = "csrf"
ZIP_MAGIC = b"PK\x03\x04"
MAX_NAME = 120
_SHA = re.compile(r"^[0-9a-f]{64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,200}$")
SEVERITY_LABELS = {"error": "Error", "advertencia": "Advertencia", "nota": "Nota"}
STATE_LABELS = {intake.VIGENTE: "vigente", intake.SUSTITUIDO: "sustituido por un envío posterior",
                intake.RETIRADO: "retirado", intake.YA_RECIBIDO: "ya se había recibido", intake.COPIA: "copia"}
#: Headers on every answer. No Referer: a page's address is its secret.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class RequestTooLarge(HTTPException):
    def __init__(self):
        super().__init__(413)


# --- limits ----------------------------------------------------------------------------------

class Bucket:
    """A token bucket: ``burst`` requests at once, refilled at ``per_minute``."""

    def __init__(self, burst: int, per_minute: float):
        self.burst, self.rate = burst, per_minute / 60.0
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> float:
        """0 if allowed, else the seconds to wait."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate if self.rate else 3600.0


class Limiter:
    def __init__(self, burst: int, per_minute: float):
        self.burst, self.per_minute = burst, per_minute
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) > 10_000:  # unknown addresses cannot grow memory without end
                    self._buckets.clear()
                bucket = self._buckets[key] = Bucket(self.burst, self.per_minute)
            wait = bucket.take()
        if wait:
            raise HTTPException(429, headers={"Retry-After": str(int(wait) + 1)})


class LimitBody:
    """ASGI middleware: refuse a request body over ``limit`` bytes, declared or streamed, before it is parsed."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        too_big = declared is not None and (not declared.isdigit() or int(declared) > self.limit)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise RequestTooLarge()
            return message

        if too_big:
            async def refuse():
                raise RequestTooLarge()
            return await self.app(scope, refuse, send)
        return await self.app(scope, counted, send)


# --- what the pages show ---------------------------------------------------------------------

@dataclass
class Shown:
    """One uploaded file as the result page shows it."""

    name: str
    state: str
    status: str = ""
    findings: list[dict] = field(default_factory=list)
    sha: str | None = None
    feedback: bool = False
    acuse: str | None = None
    refused: str | None = None  # why the file was not received


def safe_name(raw: str | None) -> str:
    """The upload's own name, for messages and the register only: its last part, no control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = CONTROL_CHARS.sub("", name).strip() or "archivo"
    return name[:MAX_NAME]


def precheck(name: str, data: bytes) -> str | None:
    """Why a file must be refused before the intake sees it (None: it may be received)."""
    if not name.lower().endswith(".xlsx"):
        return (f"«{name}» no es un libro .xlsx. Sólo se reciben libros de Excel (.xlsx) llenados en la "
                "plantilla de esta edición.")
    if len(data) > MAX_FILE_BYTES:
        return (f"«{name}» ocupa {len(data) / 2**20:,.1f} MB; el máximo por archivo es "
                f"{MAX_FILE_BYTES // 2**20:,} MB. Guarde la plantilla sin imágenes ni hojas agregadas.")
    if not data:
        return f"«{name}» está vacío."
    if not data.startswith(ZIP_MAGIC):
        return (f"«{name}» no es un libro de Excel (.xlsx) aunque se llame así. Ábralo en Excel y guárdelo "
                "como «Libro de Excel (.xlsx)».")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            check_limits(z, Path(name), data)
            names = set(z.namelist())
    except UnreadableWorkbook as exc:
        return str(exc)
    except DAMAGED_ZIP:
        return f"«{name}» está dañado y no se puede abrir. Ábralo en Excel, guárdelo de nuevo y envíelo otra vez."
    if "xl/workbook.xml" not in names:
        return f"«{name}» no es un libro de Excel (.xlsx): no tiene hojas de cálculo."
    return None


def _finding_rows(result: intake.FileResult) -> list[dict]:
    row = {"file": result.original_name or result.path.name}
    out = []
    for f in result.findings:
        out.append({"severity": SEVERITY_LABELS.get(f.severity, f.severity), "level": f.severity,
                    "sheet": f.sheet or "", "cell": f.cell or "", "title": code_title(f.code),
                    "message": console.message(row, {"message": f.message})})
    return out


def _when(iso: str | None) -> str:
    return f"{dt.datetime.fromisoformat(iso):%d/%m/%Y %H:%M}" if iso else ""


def _number(n: int) -> str:
    return f"{n:,}"


# --- the application -------------------------------------------------------------------------

class Portal:
    """The portal's state: the edition, its catalogs, the link lookup, the limits and the log."""

    def __init__(self, edition: Edition, catalogs: Catalogs, staff_secret: str, *,
                 rate_burst: int = RATE_BURST, rate_per_minute: float = RATE_PER_MINUTE, url: str | None = None,
                 clock=dt.datetime.now):
        self.edition, self.catalogs = edition, catalogs
        self.clock = clock  # reception time of an upload
        #: Where links point: the settings' «portal.url», else where this server listens.
        self.url = links.base_url(edition) if (edition.portal or {}).get("url") or not url else url.rstrip("/")
        self.staff_secret = staff_secret
        self.limiter = Limiter(rate_burst, rate_per_minute)
        self.intakes = threading.Semaphore(INTAKE_WORKERS)
        self._log_lock = threading.Lock()
        self._lookup: links.Lookup | None = None
        self._lookup_stamp: float | None = None
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir() / "portal")),
                                      autoescape=True, undefined=jinja2.StrictUndefined)
        self.env.filters["n"] = _number
        self.env.filters["fecha"] = _when

    # links -------------------------------------------------------------------
    def lookup(self) -> links.Lookup:
        """The link lookup, read again when ``compendio enlaces`` changed it (no restart needed)."""
        path = links.folder(self.edition) / links.LOOKUP_FILE
        stamp = path.stat().st_mtime if path.exists() else None
        if self._lookup is None or stamp != self._lookup_stamp:
            self._lookup, self._lookup_stamp = links.Lookup(self.edition), stamp
        return self._lookup

    def body_for(self, request: Request, secret: str) -> Body:
        body_id = self.lookup().find(secret) if _TOKEN.match(secret) else None
        body = self.catalogs.body(body_id) if body_id else None
        if body is None:
            self.limiter.check("direccion:" + _client(request))
            self.log(request, "enlace-desconocido", motivo="enlace privado que no existe o se renovó")
            raise HTTPException(404)
        self.limiter.check("enlace:" + body.id)
        return body

    def check_staff(self, request: Request, secret: str) -> None:
        if not hmac.compare_digest(secret.encode("utf-8", "replace"), self.staff_secret.encode("utf-8")):
            self.limiter.check("direccion:" + _client(request))
            self.log(request, "personal-secreto-incorrecto")
            raise HTTPException(404)

    # log -----------------------------------------------------------------------
    def log(self, request: Request | None, action: str, **fields: Any) -> None:
        """One line of ``output/<ed>/portal/bitacora.jsonl``: what the portal did or refused, and for whom."""
        line = {"cuando": dt.datetime.now().replace(microsecond=0).isoformat(), "accion": action,
                "direccion": _client(request) if request is not None else None, **fields}
        path = links.folder(self.edition) / LOG_FILE
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        with self._log_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, data)  # one write per line: lines from two processes never interleave
            finally:
                os.close(fd)

    # pages -----------------------------------------------------------------------
    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        html = self.env.get_template(name).render(edition=self.edition, root=root, **context)
        response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
        return response

    def sender(self, body: Body) -> str:
        return f"{body.acronym or body.name} (portal)"

    def entries_of(self, body: Body, register: reg.Register | None = None) -> list[reg.Entry]:
        register = register or reg.load(self.edition)
        mine = [e for e in register.entries
                if e.institucion_id == body.id or (e.origen == "portal" and e.remitente == self.sender(body))]
        return sorted(mine, key=reg.Entry._order, reverse=True)

    def feedback_of(self, entry: reg.Entry) -> Path | None:
        if not entry.current or entry.ruta.startswith("/"):
            return None
        path = feedback_path(self.edition.paths.submissions / entry.ruta, self.edition)
        return path if path.is_file() else None

    def acuse_of(self, entry: reg.Entry) -> Path | None:
        if not entry.acuse:
            return None
        out = self.edition.paths.output.resolve()
        path = (out / entry.acuse).resolve()
        return path if path.is_relative_to(out) and path.is_file() else None

    def templates_of(self, body: Body) -> list[str]:
        return dispatch.generated(self.edition).get(body.id, [])

    def body_page(self, request: Request, body: Body, secret: str, results: list[Shown] | None = None,
                  status: int = 200, notice: str | None = None) -> HTMLResponse:
        entries = [{"entry": e, "feedback": self.feedback_of(e) is not None, "acuse": self.acuse_of(e) is not None,
                    "state": STATE_LABELS.get(e.situacion, e.situacion)} for e in self.entries_of(body)]
        token = request.cookies.get(CSRF_COOKIE)
        if not token or not _TOKEN.match(token):
            token = secrets.token_urlsafe(32)
        response = self.page(request, "organismo.html.j2", status, body=body, entries=entries, results=results,
                             base=f"{request.scope.get('root_path', '')}{links.LINK_PREFIX}{secret}", csrf=token,
                             templates=self.templates_of(body), notice=notice,
                             max_file_mb=MAX_FILE_BYTES // 2**20, max_files=MAX_FILES_PER_REQUEST,
                             overdue=dt.date.today() > self.edition.deadline)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    # the upload --------------------------------------------------------------------
    async def upload(self, request: Request, body: Body, secret: str) -> HTMLResponse:
        form = await request.form(max_files=MAX_FILES_PER_REQUEST + 1, max_fields=5, max_part_size=64 * 1024)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get(CSRF_FIELD)
        if not (cookie and isinstance(sent, str) and hmac.compare_digest(cookie.encode(), sent.encode())):
            self.log(request, "formulario-sin-ficha", institucion_id=body.id)
            raise HTTPException(403)
        uploads = [f for f in form.getlist("archivos") if hasattr(f, "read")]
        if not uploads or all(not getattr(f, "filename", "") for f in uploads):
            return self.body_page(request, body, secret, status=400, notice="Elija al menos un libro .xlsx para enviar.")
        if len(uploads) > MAX_FILES_PER_REQUEST:
            self.log(request, "demasiados-archivos", institucion_id=body.id, archivos=len(uploads))
            return self.body_page(request, body, secret, status=400,
                                  notice=f"Envíe como máximo {MAX_FILES_PER_REQUEST} archivos a la vez.")
        shown: list[Shown | None] = []
        incoming: list[intake.Incoming] = []
        now = self.clock().replace(microsecond=0)
        for upload in uploads:
            name = safe_name(upload.filename)
            data = await upload.read(MAX_FILE_BYTES + 1)
            why = precheck(name, data)
            if why is not None:
                self.log(request, "archivo-rechazado", institucion_id=body.id, archivo=name, bytes=len(data),
                         motivo=why)
                shown.append(Shown(name, "no recibido", refused=why))
                continue
            shown.append(None)
            incoming.append(intake.Incoming(data, name, sender=self.sender(body), received=now))
        if incoming:
            batch = await run_in_threadpool(self._receive, incoming, now)
            received = iter(batch.results)
            shown = [s if s is not None else self._show(next(received)) for s in shown]
            for r in batch.results:
                self.log(request, "archivo-recibido", institucion_id=body.id, archivo=r.original_name,
                         sha256=r.entry.sha256 if r.entry else None, estado=r.status, situacion=r.state,
                         ruta=r.entry.ruta if r.entry else None)
        status = 200 if incoming else 400
        return self.body_page(request, body, secret, results=shown, status=status)

    def _receive(self, incoming: list[intake.Incoming], now: dt.datetime) -> intake.Batch:
        with self.intakes:
            return intake.receive(self.edition, self.catalogs, incoming, source="portal", now=now)

    def _show(self, r: intake.FileResult) -> Shown:
        acuse = r.acuse.read_text(encoding="utf-8") if r.acuse is not None and r.acuse.is_file() else None
        entry = r.entry
        return Shown(r.original_name or r.path.name, STATE_LABELS.get(r.state, r.state),
                     r.status if r.state != intake.YA_RECIBIDO else (entry.estado if entry else ""),
                     _finding_rows(r), entry.sha256 if entry else None,
                     feedback=(r.feedback is not None) or (entry is not None and self.feedback_of(entry) is not None),
                     acuse=acuse)

    # downloads -------------------------------------------------------------------------
    def entry_by_sha(self, sha: str, body: Body | None) -> reg.Entry:
        if not _SHA.match(sha):
            raise HTTPException(404)
        pool = self.entries_of(body) if body is not None else reg.load(self.edition).entries
        entry = next((e for e in pool if e.sha256 == sha), None)
        if entry is None:
            raise HTTPException(404)
        return entry

    def download(self, path: Path | None, media: str) -> FileResponse:
        if path is None:
            raise HTTPException(404)
        return FileResponse(path, media_type=media, filename=path.name, headers=SECURITY_HEADERS)

    def staff_page(self, request: Request) -> HTMLResponse:
        register = reg.load(self.edition)
        board = brd.build(self.edition, self.catalogs, register)
        listed = [(lk, lk.url(self.url)) for lk in links.load(self.edition)]
        files = sorted(register.entries, key=reg.Entry._order, reverse=True)
        return self.page(request, "personal.html.j2", board=board, total=board.total(), links=listed,
                         files=[{"entry": e, "feedback": self.feedback_of(e) is not None,
                                 "acuse": self.acuse_of(e) is not None} for e in files],
                         base=f"{request.scope.get('root_path', '')}/personal/{request.path_params['secret']}",
                         summary=(self.edition.paths.output / "validacion.xlsx").is_file())


def _client(request: Request | None) -> str:
    return request.client.host if request is not None and request.client else "desconocida"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_TEXTS = {
    400: ("Solicitud incompleta", "El formulario llegó incompleto. Vuelva a la página de su enlace e inténtelo de nuevo."),
    403: ("El formulario caducó", "No se pudo comprobar que el envío salió de su página (falta la ficha del "
                                  "formulario o no coincide). Vuelva a abrir su enlace privado y envíe los archivos desde ahí."),
    404: ("Página no encontrada", "El enlace no existe o ya no es válido. Revise que lo copió completo del correo de "
                                  "la UPMRIP; si se renovó, use el más reciente o pida uno nuevo."),
    405: ("Acción no permitida", "Esa dirección no acepta esta acción. Vuelva a abrir su enlace privado."),
    413: ("Envío demasiado grande", f"El envío pasa de {MAX_REQUEST_BYTES // 2**20:,} MB en total o de "
                                    f"{MAX_FILE_BYTES // 2**20:,} MB por archivo. Envíe menos archivos a la vez o "
                                    "guarde la plantilla sin imágenes ni hojas agregadas."),
    429: ("Demasiadas solicitudes", "Se recibieron demasiadas solicitudes desde este enlace en poco tiempo. Espere "
                                    "un minuto y vuelva a intentarlo."),
    500: ("No se pudo completar la operación", "Ocurrió un problema en el servidor y su envío no se registró. "
                                               "Inténtelo de nuevo en unos minutos; si se repite, escriba a la UPMRIP."),
}


def create_app(edition: Edition, catalogs: Catalogs, staff_secret: str, *, rate_burst: int = RATE_BURST,
               rate_per_minute: float = RATE_PER_MINUTE, url: str | None = None, clock=dt.datetime.now) -> Starlette:
    """The portal as an ASGI application (uvicorn serves it; tests drive it with Starlette's TestClient)."""
    if len(staff_secret or "") < 16:
        raise CompendioError("El secreto de la página del personal debe tener al menos 16 caracteres.")
    portal = Portal(edition, catalogs, staff_secret, rate_burst=rate_burst, rate_per_minute=rate_per_minute, url=url,
                    clock=clock)

    async def home(request: Request):
        return portal.page(request, "inicio.html.j2")

    async def style(request: Request):
        return FileResponse(template_dir() / "portal" / "portal.css", media_type="text/css",
                            headers={**SECURITY_HEADERS, "Cache-Control": "max-age=3600"})

    async def body_page(request: Request):
        secret = request.path_params["secret"]
        return portal.body_page(request, portal.body_for(request, secret), secret)

    async def body_upload(request: Request):
        secret = request.path_params["secret"]
        return await portal.upload(request, portal.body_for(request, secret), secret)

    async def body_feedback(request: Request):
        body = portal.body_for(request, request.path_params["secret"])
        return portal.download(portal.feedback_of(portal.entry_by_sha(request.path_params["sha"], body)), XLSX)

    async def body_acuse(request: Request):
        body = portal.body_for(request, request.path_params["secret"])
        return portal.download(portal.acuse_of(portal.entry_by_sha(request.path_params["sha"], body)),
                               "text/plain; charset=utf-8")

    async def body_template(request: Request):
        body = portal.body_for(request, request.path_params["secret"])
        made = portal.templates_of(body)
        n = request.path_params["n"]
        if not 0 <= n < len(made):
            raise HTTPException(404)
        path = portal.edition.paths.templates / made[n]
        # The body took its template through its link: that is a sending, recorded as one.
        dispatch.mark_sent(portal.edition, [(body.id, made[n])], via="portal", note="descargada desde el portal")
        portal.log(request, "plantilla-descargada", institucion_id=body.id, plantilla=made[n])
        return portal.download(path, XLSX)

    async def staff(request: Request):
        portal.check_staff(request, request.path_params["secret"])
        return await run_in_threadpool(portal.staff_page, request)

    async def staff_board(request: Request):
        portal.check_staff(request, request.path_params["secret"])

        def write() -> Path:
            board = brd.build(portal.edition, portal.catalogs, reg.load(portal.edition))
            return brd.write_excel(board, portal.catalogs)

        return portal.download(await run_in_threadpool(write), XLSX)

    async def staff_json(request: Request):
        portal.check_staff(request, request.path_params["secret"])
        board = await run_in_threadpool(brd.build, portal.edition, portal.catalogs, reg.load(portal.edition))
        return JSONResponse(brd.document(board), headers=SECURITY_HEADERS)

    async def staff_summary(request: Request):
        portal.check_staff(request, request.path_params["secret"])
        path = portal.edition.paths.output / "validacion.xlsx"
        return portal.download(path if path.is_file() else None, XLSX)

    async def staff_links(request: Request):
        portal.check_staff(request, request.path_params["secret"])
        path = links.folder(portal.edition) / links.STAFF_FILE
        return portal.download(path if path.is_file() else None, "text/csv; charset=utf-8")

    async def staff_feedback(request: Request):
        portal.check_staff(request, request.path_params["secret"])
        return portal.download(portal.feedback_of(portal.entry_by_sha(request.path_params["sha"], None)), XLSX)

    async def staff_acuse(request: Request):
        portal.check_staff(request, request.path_params["secret"])
        return portal.download(portal.acuse_of(portal.entry_by_sha(request.path_params["sha"], None)),
                               "text/plain; charset=utf-8")

    async def error(request: Request, exc: Exception):
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        if code not in ERROR_TEXTS:
            code = 500 if code >= 500 else 400
        if code == 413:
            portal.log(request, "envio-demasiado-grande", motivo=f"más de {MAX_REQUEST_BYTES:,} bytes")
        if code == 500:
            portal.log(request, "error-del-servidor", motivo=f"{type(exc).__name__}: {exc}"[:500])
        heading, text = ERROR_TEXTS[code]
        headers = {**SECURITY_HEADERS, **(getattr(exc, "headers", None) or {})}
        html = portal.env.get_template("error.html.j2").render(edition=portal.edition, heading=heading, text=text,
                                                               code=code, root=request.scope.get("root_path", ""))
        return HTMLResponse(html, status_code=code, headers=headers)

    secret = "/i/{secret:str}"
    staff_base = "/personal/{secret:str}"
    routes = [
        Route("/", home),
        Route("/estilo.css", style),
        Route(secret, body_page),
        Route(secret + "/enviar", body_upload, methods=["POST"]),
        Route(secret + "/observaciones/{sha:str}", body_feedback),
        Route(secret + "/acuse/{sha:str}", body_acuse),
        Route(secret + "/plantilla/{n:int}", body_template),
        Route(staff_base, staff),
        Route(staff_base + "/tablero.xlsx", staff_board),
        Route(staff_base + "/estado.json", staff_json),
        Route(staff_base + "/validacion.xlsx", staff_summary),
        Route(staff_base + "/enlaces.csv", staff_links),
        Route(staff_base + "/observaciones/{sha:str}", staff_feedback),
        Route(staff_base + "/acuse/{sha:str}", staff_acuse),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: error, Exception: error})
    app.state.portal = portal
    return LimitBody(app, MAX_REQUEST_BYTES)


def staff_secret(edition: Edition, create: bool = False) -> tuple[str | None, str]:
    """The staff page's secret and where it came from: the environment, the settings, or a private file.

    With ``create`` and none set, a random one is written to ``output/<ed>/portal/secreto-personal.txt``
    (0600) so the portal can start; staff read it there (``compendio portal`` prints the address).
    """
    if os.environ.get(STAFF_ENV):
        return os.environ[STAFF_ENV], f"la variable de entorno {STAFF_ENV}"
    configured = (edition.portal or {}).get("secreto_personal")
    if configured:
        return str(configured), f"«portal.secreto_personal» de {edition.paths.settings}"
    path = links.folder(edition) / STAFF_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip(), str(path)
    if not create:
        return None, ""
    value = secrets.token_urlsafe(24)
    links._write_private(path, value + "\n")
    return value, str(path)


def staff_url(edition: Edition, secret: str) -> str:
    return f"{links.base_url(edition)}/personal/{secret}"

