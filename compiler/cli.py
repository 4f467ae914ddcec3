"""Command line: ``compendio <subcomando>``. The only place that prints or exits.

Each subcommand is a thin shell over a library function; library errors
(``CompendioError``) become a Spanish message and exit code 2.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from . import __version__, console as screen
from .errors import CompendioError, system_reason

LOCALE_DIR = Path(__file__).parent / "locale"


def _click_in_spanish() -> None:
    """Click's own texts (Uso:, Opciones, «Falta la opción»…) come from gettext's default domain.

    The translations live in ``compiler/locale/es/LC_MESSAGES/messages.po``
    (compiled to ``.mo`` next to it). The tool speaks only Spanish, so the
    language is fixed here, at the CLI boundary, whatever the machine's locale.
    """
    gettext.bindtextdomain("messages", str(LOCALE_DIR))
    os.environ["LANGUAGE"] = "es"
    # Type names are not passed through gettext; they show in metavars and errors.
    click.types.IntParamType.name = click.types.IntRange.name = "entero"
    click.types.FloatParamType.name = click.types.FloatRange.name = "número"


_click_in_spanish()

# soft_wrap: a message is never cut into lines at the terminal's width (a narrow terminal or a
# long path would break it mid-phrase); the terminal wraps it, and a pipe gets it whole.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _fresh_consoles() -> None:
    """Size the consoles from the terminal of this run (``COLUMNS`` or the real one), not of the import."""
    global console, err_console
    console, err_console = screen.make(), screen.make(stderr=True)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True,
                        help="Escribe en la salida estándar sólo un documento JSON (la estructura de "
                             "validacion.json), para programas y scripts; el avance va a la salida de errores.")(f)


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)

CONTEXT = {"help_option_names": ["-h", "--help", "--ayuda"], "max_content_width": 100}


def edition_option(f):
    return click.option("--edition", "--edicion", "edition", required=True, metavar="EDICIÓN",
                        help="Edición con la que se trabaja, por ejemplo 2026 o «muestra».")(f)


def root_option(f):
    return click.option("--raiz", "root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                        show_default=True, help="Carpeta del proyecto (la que tiene ediciones/, submissions/, output/).")(f)


def friendly_errors(f):
    """Turn library exceptions into a Spanish message and exit code; never a traceback."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except CompendioError as exc:
            err_console.print(f"[bold red]Error:[/] {escape(str(exc))}")
            sys.exit(exc.exit_code)
        except OSError as exc:  # disk full, no permission… anywhere not already phrased by the library
            where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
            err_console.print(f"[bold red]Error:[/] no se pudo leer o escribir{escape(where)}: {system_reason(exc)}.")
            sys.exit(2)
        except KeyboardInterrupt:
            err_console.print("Interrumpido; no se escribió ningún archivo a medias.")
            sys.exit(130)

    return wrapper


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", message="compendio %(version)s")
def main():
    """Compendio General del Pacto Mundial para una Migración Segura, Ordenada y Regular.

    Ciclo anual: plantillas → validación → compilación del Compendio y del Informe Ejecutivo.
    """
    _fresh_consoles()


@main.command("init", context_settings=CONTEXT)
@edition_option
@click.option("--anio", type=int, default=None, help="Año de la edición (si la edición no es un año).")
@root_option
@friendly_errors
def init_cmd(edition, anio, root):
    """Crea la configuración y las carpetas de una edición (no borra ni reemplaza nada)."""
    from . import settings

    existed = settings.EditionPaths(root, edition).settings.exists()
    path = settings.init(root, edition, anio)
    if existed:
        console.print(f"La edición {edition} ya tenía configuración; se dejó como estaba: {path}")
    else:
        console.print(f"Configuración de la edición {edition} creada: {path}")
        console.print("Revise en ella el periodo, la fecha límite, el contacto y los créditos de la publicación.")
    console.print(f"Carpetas listas: intake_templates/{edition}/, submissions/{edition}/, output/{edition}/")
    console.print(f"Siguiente paso: compendio templates --edition {edition}")


@main.command("templates", context_settings=CONTEXT)
@edition_option
@click.option("--institucion", "acronym", default=None, metavar="SIGLA",
              help="Sólo la plantilla de esta institución (sigla del registro, por ejemplo INM).")
@click.option("--sobrescribir", is_flag=True, help="Reemplaza las plantillas que ya existan.")
@click.option("--desde", "previous", default=None, metavar="EDICIÓN",
              help="Llena una plantilla por cada programa que cada institución informó en esa edición anterior "
                   "(compilada o importada con «compendio importar»), más la de programas nuevos.")
@root_option
@friendly_errors
def templates_cmd(edition, acronym, sobrescribir, previous, root):
    """Genera una plantilla de Excel por institución registrada, más una en blanco.

    Quedan en intake_templates/<edición>/<sector>/<SIGLA>.xlsx; la plantilla en blanco (la institución se elige
    de una lista) queda en intake_templates/<edición>/. Una plantilla que ya existe no se toca sin --sobrescribir.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import catalogs as cat, settings, template

    ed = settings.load(root, edition)
    cats = cat.for_edition(ed)
    if previous:
        _templates_from(ed, cats, previous, acronym, sobrescribir)
        return
    bodies = [template.find_body(cats, acronym)] if acronym else [None, *cats.bodies]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True,
                  disable=len(bodies) == 1 or not console.is_terminal) as progress:
        task = progress.add_task("Generando plantillas", total=len(bodies))
        written, kept = template.generate(ed, cats, bodies, overwrite=sobrescribir,
                                          on_progress=lambda body, path: progress.advance(task))
    where = ed.paths.templates
    if len(bodies) == 1:
        path = (written or kept)[0]
        if written:
            console.print(f"Plantilla escrita: {path}")
        else:
            console.print(f"[yellow]La plantilla ya existía y no se modificó:[/] {path}\n"
                          "Use --sobrescribir para reemplazarla.")
        _links_made(ed, cats, bodies)
        return
    console.print(f"Plantillas escritas: {len(written):,} en {where} "
                  f"({len(cats.bodies):,} instituciones del registro y una en blanco).")
    if kept:
        console.print(f"[yellow]{len(kept):,} ya existían y se conservaron sin cambios[/] "
                      "(use --sobrescribir para reemplazarlas).")
    _links_made(ed, cats)


def _links_made(ed, cats, bodies=None) -> None:
    """Templates come with each body's private link to the portal (made once; kept afterwards)."""
    from . import links

    _, made = links.ensure(ed, cats, bodies)
    if made:
        console.print(f"Enlaces privados del portal creados: {len(made):,} (lista para el personal en "
                      f"{links.folder(ed) / links.STAFF_FILE}; envíelos con «compendio enlaces --edition {ed.key}»).")


def _templates_from(ed, cats, previous, acronym, overwrite) -> None:
    from . import prefill, template

    with console.status(f"Llenando plantillas desde la edición {previous}…"):
        written, kept, carried = prefill.generate(ed, cats, previous, acronym, overwrite=overwrite)
    console.print(f"Plantillas escritas: {len(written):,} en {ed.paths.templates} — {carried:,} programas de {previous} "
                  f"ya llenados (con la hoja «{prefill.reference_sheet_name(previous)}») y las plantillas para programas "
                  "nuevos de cada institución, más la plantilla en blanco.")
    if kept:
        console.print(f"[yellow]{len(kept):,} ya existían y se conservaron sin cambios[/] "
                      "(use --sobrescribir para reemplazarlas).")
    _links_made(ed, cats, [template.find_body(cats, acronym)] if acronym else None)


@main.command("enlaces", context_settings=CONTEXT)
@edition_option
@click.option("--institucion", "acronyms", multiple=True, metavar="SIGLA",
              help="Sólo el enlace de esta institución (se puede repetir). Sin esta opción: todas.")
@click.option("--renovar", is_flag=True,
              help="Hace un enlace nuevo para las instituciones indicadas; el anterior deja de funcionar.")
@root_option
@friendly_errors
def enlaces_cmd(edition, acronyms, renovar, root):
    """Enlaces privados del portal: crea los que falten y escribe un borrador de correo por institución.

    Cada institución tiene un enlace propio a su página del portal («compendio portal»). La lista para el personal
    queda en output/<edición>/portal/enlaces.csv (sólo la lee la cuenta del personal) y los borradores (.eml) en
    output/<edición>/portal/correos/. Al escribir los borradores, el envío queda registrado (vía «portal») en el
    registro de plantillas enviadas.
    """
    from . import catalogs as cat, links, settings, template

    ed = settings.load(root, edition)
    cats = cat.for_edition(ed)
    if renovar and not acronyms:
        raise CompendioError("Indique con --institucion qué enlaces renovar (un enlace renovado deja de funcionar "
                             "para quien ya lo tenía).")
    bodies = [template.find_body(cats, a) for a in acronyms] or None
    every, made = links.ensure(ed, cats, bodies, renew=renovar)
    wanted = {b.id for b in bodies} if bodies else None
    chosen = [lk for lk in every if wanted is None or lk.body_id in wanted]
    drafts, recorded = links.write_drafts(ed, cats, chosen)
    verb = "renovados" if renovar else "creados"
    console.print(f"Enlaces privados: {len(chosen):,} ({len(made):,} {verb} ahora). Lista para el personal: "
                  f"{links.folder(ed) / links.STAFF_FILE}")
    console.print(f"Borradores de correo con cada enlace: {drafts}")
    if recorded:
        console.print(f"Registrados como enviados (vía portal): {len(recorded):,} institución(es).")
    if links.base_url(ed) == links.DEFAULT_URL:
        console.print(f"[yellow]Los enlaces empiezan con {links.DEFAULT_URL}, que sólo sirve en este equipo.[/] "
                      f"Escriba la dirección pública del portal en «portal: url:» de {ed.paths.settings} y vuelva a "
                      "ejecutar este comando (los enlaces no cambian, sólo su dirección).")


@main.command("portal", context_settings=CONTEXT)
@edition_option
@click.option("--puerto", type=click.IntRange(1, 65535), default=8026, show_default=True,
              help="Puerto en el que escucha.")
@click.option("--direccion", "host", default="127.0.0.1", show_default=True, metavar="DIRECCIÓN",
              help="Dirección en la que escucha (127.0.0.1: sólo este equipo, detrás del servidor web de la institución).")
@root_option
@friendly_errors
def portal_cmd(edition, puerto, host, root):
    """Inicia el portal de recepción: cada institución sube sus libros en su enlace privado y ve el resultado al momento.

    Cada archivo se recibe igual que con «compendio recibir» (mismo registro, retroalimentación y acuse). La página
    del personal (tablero, descargas, enlaces) usa el secreto de «portal.secreto_personal» de la configuración o de
    la variable de entorno COMPENDIO_SECRETO_PERSONAL; si no hay ninguno se crea uno en output/<edición>/portal/.
    """
    import uvicorn

    from . import catalogs as cat, links, portal, settings

    ed = settings.load(root, edition)
    cats = cat.for_edition(ed)
    every, made = links.ensure(ed, cats)
    secret, source = portal.staff_secret(ed, create=True)
    base = f"http://{host}:{puerto}"
    app = portal.create_app(ed, cats, secret, url=base)
    console.print(f"Portal de recepción de la edición {edition} en {base}/ (Ctrl+C para detenerlo).")
    if made:
        console.print(f"Se crearon {len(made):,} enlaces privados que faltaban.")
    console.print(f"Página del personal: {base}/personal/{escape(secret)}  (secreto tomado de {escape(source)})")
    console.print(f"Enlaces de las {len(every):,} instituciones: {links.folder(ed) / links.STAFF_FILE}")
    uvicorn.run(app, host=host, port=puerto, log_level="warning", proxy_headers=True,
                forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"))


@main.command("enviar", context_settings=CONTEXT)
@edition_option
@click.option("--institucion", "acronyms", multiple=True, metavar="SIGLA",
              help="Sólo las plantillas de esta institución (se puede repetir). Sin esta opción: todas las generadas.")
@click.option("--via", type=click.Choice(["correo", "portal", "manual", "recordatorio"]), default="manual",
              show_default=True, help="Cómo se enviaron.")
@click.option("--fecha", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]), default=None, metavar="AAAA-MM-DD",
              help="Cuándo se enviaron (por omisión, ahora).")
@click.option("--nota", default="", help="Aclaración que se guarda con el envío.")
@root_option
@friendly_errors
def enviar_cmd(edition, acronyms, via, fecha, nota, root):
    """Registra las plantillas que se enviaron a las instituciones.

    Una plantilla generada no cuenta como enviada hasta que se registra aquí (o la registran los recordatorios o el
    portal). El tablero («Plantillas enviadas») y la tasa de respuesta del Informe usan este registro
    (output/<edición>/envios.json).
    """
    from . import catalogs as cat, dispatch, settings

    ed = settings.load(root, edition)
    cats = cat.for_edition(ed)
    pairs, bare = dispatch.selection(ed, cats, acronyms)
    new = dispatch.mark_sent(ed, pairs, via=via, when=fecha, note=nota)
    bodies = {s.institucion_id for s in new}
    console.print(f"Registradas como enviadas ({via}): {len(new):,} plantilla(s) a {len(bodies):,} institución(es), "
                  f"en {dispatch.path_of(ed)}.")
    if bare:
        names = ", ".join((cats.body(b).acronym or cats.body(b).name) for b in bare)
        console.print(f"[yellow]Sin plantilla generada:[/] {names}; se registró la institución como atendida "
                      "sin archivo de plantilla.")


class _CompileProgress:
    """Rich progress for ``compile``: one line per stage, a bar when the total is known."""

    def __init__(self, progress):
        self.progress = progress
        self.task = None

    def stage(self, name, total=None):
        if self.task is not None:
            t = self.progress.tasks[self.task]
            self.progress.update(self.task, completed=t.total if t.total else 1, total=t.total or 1)
        self.task = self.progress.add_task(name, total=total)

    def advance(self, n=1):
        if self.task is not None:
            self.progress.advance(self.task, n)

    def finish(self):
        self.stage("Listo", total=1)
        self.progress.advance(self.task)


class _Bar:
    """Rich progress for the intake stage: one transient bar per stage."""

    def __init__(self, progress):
        self.progress, self.task = progress, None

    def stage(self, name, total=None):
        self.task = self.progress.add_task(name, total=total)

    def advance(self, n=1):
        if self.task is not None:
            self.progress.advance(self.task, n)


def _intake_table(batch, title):
    """The batch as the terminal shows it: one line per file."""
    from rich.table import Table

    style = {"aceptado": "green", "aceptado con observaciones": "yellow", "rechazado": "bold red"}
    short = {"aceptado con observaciones": "con observaciones"}
    table = Table(title=title, title_justify="left",
                  caption="Detalle de cada observación: validacion.xlsx y la retroalimentación de cada archivo.",
                  caption_justify="left")
    one_line = {"no_wrap": True, "overflow": "ellipsis"}
    # Fixed widths from the terminal's: rich would otherwise squeeze the numbers to nothing.
    free = max(console.width - 17 - 2 * 5 - 19, 30)
    for name, kw in (("Archivo", {"overflow": "fold", "width": free * 35 // 100}),
                     ("Institución", one_line | {"width": free * 15 // 100}),
                     ("Programa", one_line | {"width": free * 50 // 100}), ("Estado", one_line | {"width": 17}),
                     ("Err.", {"justify": "right", "width": 5}), ("Adv.", {"justify": "right", "width": 5})):
        table.add_column(name, **kw)
    from rich.markup import escape

    from .feedback import display_path

    for r in batch.results:
        sub = r.report.submission
        who = (sub.value("siglas") or sub.value("institucion")) if sub else None
        program = sub.value("nombre_programa") if sub else (r.entry.programa if r.entry else None)
        name = display_path(r.path, batch.edition)
        if r.original_name and r.original_name != r.path.name:
            name = f"{r.original_name} → {name}"
        name, program = escape(name), escape(str(program or "—"))
        if r.state in ("ya recibido", "copia"):
            status = "ya recibido" if r.state == "ya recibido" else "copia idéntica"
            table.add_row(name, escape(str(who or (r.entry.institucion if r.entry else "") or "—")), program,
                          f"[dim]{status}[/]", "", "")
            continue
        status = short.get(r.status, r.status) + (" (sustituido)" if r.state == "sustituido" else "")
        table.add_row(name, escape(str(who or "—")), program, f"[{style[r.status]}]{status}[/]",
                      f"{len(r.report.errors):,}", f"{len(r.report.warnings):,}")
    return table


def _intake_counts(batch) -> str:
    st = batch.stats
    return (f"{st['revisados']:,} archivos: [green]{st['aceptados']:,} aceptados[/], "
            f"[yellow]{st['con_observaciones']:,} aceptados con observaciones[/], "
            f"[bold red]{st['rechazados']:,} rechazados[/]"
            + (f", {st['sustituidos']:,} sustituidos por un envío posterior" if st["sustituidos"] else "") + ".")


@main.command("validate", context_settings=CONTEXT)
@edition_option
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[ARCHIVOS O CARPETAS]...")
@click.option("--sin-retroalimentacion", "no_feedback", is_flag=True,
              help="No escribe las copias marcadas de los libros (sólo el resumen).")
@click.option("--codigos", "list_codes", is_flag=True,
              help="Sólo muestra los códigos de observación y su gravedad en esta edición (para «severidades»).")
@click.option("--todos", "everything", is_flag=True,
              help=f"Una línea por cada archivo, también los aceptados (con más de {screen.LONG_BATCH} archivos "
                   "sólo se listan los rechazados y los que tienen observaciones).")
@json_option
@root_option
@friendly_errors
def validate_cmd(edition, paths, no_feedback, list_codes, everything, as_json, root):
    """Valida los reportes recibidos: todos los libros de submissions/<edición>/ o los ARCHIVOS indicados.

    Escribe output/<edición>/validacion.xlsx y validacion.json, la retroalimentación de cada archivo con
    observaciones y el registro de envíos. En la terminal, una línea por archivo con su estado y el primer
    error; con pocos ARCHIVOS indicados, cada observación completa.
    Código de salida: 0 todo aceptado, 1 hay rechazados, 2 no se pudo validar.
    """
    import json

    from . import catalogs as cat, settings, validation

    ed = settings.load(root, edition)
    if list_codes:
        from .findings import CODES, FindingFactory

        severities = FindingFactory(ed.severities).severities
        table = screen.table(console, f"Códigos de observación — edición {edition}",
                             f"Cambie la gravedad en {ed.paths.settings}, sección «severidades» (por ejemplo "
                             "«siglas-sin-definir: nota»). Los marcados con * no se pueden cambiar.")
        for name in ("Código", "Gravedad", "Qué señala"):
            table.add_column(name)
        for code in CODES.values():
            changed = " (cambiada)" if severities[code.code] != code.severity else ""
            table.add_row(code.code + (" *" if code.fatal else ""), severities[code.code] + changed, code.title)
        console.print(table, soft_wrap=False)  # a table (and its caption) fits the terminal
        return
    _check_exist(paths)
    from . import intake

    cats = cat.for_edition(ed)
    files = validation.expand(paths) if paths else validation.discover(ed)
    if not files:
        where = ", ".join(str(p) for p in paths) if paths else str(ed.paths.submissions)
        raise CompendioError(f"No hay libros que validar en {where}. Copie ahí los archivos .xlsx recibidos "
                             f"(pueden ir en subcarpetas), o recíbalos con: compendio recibir --edition {edition} FUENTE")
    with screen.progress(err_console, len(files)) as progress:
        batch = intake.validate(ed, cats, files, feedback=not no_feedback, progress=_Bar(progress))
    xlsx, js = batch.summary
    rejected = not batch.valid
    if as_json:
        # The very document written to validacion.json, so a script and the file never disagree.
        click.echo(screen.dumps(json.loads(js.read_text(encoding="utf-8"))))
        sys.exit(1 if rejected else 0)
    gone = {r.path: r.superseded_by for r in batch.results if r.superseded_by is not None}
    rows = validation.summary_rows(batch.reports, ed, superseded=gone)
    console.print(f"Validación — edición {edition}", style="bold")
    if paths and len(files) <= screen.FULL_FINDINGS_MAX:
        screen.print_findings(console, rows)
    else:
        screen.print_files(console, rows, everything)
    console.print(screen.summary_line(rows, console.width))
    console.print(f"Resumen: {_shown(xlsx)} y {js.name}")
    if batch.stats["retroalimentacion"]:
        console.print(f"Retroalimentación para {batch.stats['retroalimentacion']:,} archivo(s) en "
                      f"{_shown(ed.paths.feedback)}")
    if rejected and not (paths and len(files) <= screen.FULL_FINDINGS_MAX):
        console.print(screen.fit(console.width, f"Cada observación de un archivo: compendio validate --edition {edition} "
                                                "ARCHIVO", f"Detalle: compendio validate --edition {edition} ARCHIVO"))
    if rejected:
        sys.exit(1)


def _check_exist(paths):
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise CompendioError(f"No existe: {', '.join(missing)}. Revise la ruta (puede ser un archivo o una carpeta).")


@main.command("recibir", context_settings=CONTEXT)
@edition_option
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FUENTE...")
@click.option("--sin-retroalimentacion", "no_feedback", is_flag=True,
              help="No escribe las copias marcadas de los libros.")
@root_option
@friendly_errors
def recibir_cmd(edition, sources, no_feedback, root):
    """Recibe reportes: libros .xlsx, carpetas de adjuntos o correos guardados (.eml; .msg con el complemento).

    Copia cada libro nuevo a submissions/<edición>/<sector>/ con un nombre único, anota en el registro la
    fecha de recepción (la del correo, si no la de ahora), el remitente, el nombre original y la huella, lo
    valida y escribe su acuse de recibo en output/<edición>/acuses/. Nunca reemplaza un archivo; el mismo
    archivo dos veces se informa como ya recibido.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import catalogs as cat, intake, settings

    ed = settings.load(root, edition)
    _check_exist(sources)
    from rich.markup import escape

    items, skipped, origin = intake.read_sources(sources)
    for name, why in skipped:
        console.print(f"[yellow]Se omitió[/] {escape(name)}: {escape(why)}.")
    if not items:
        raise CompendioError("No se encontró ningún libro que recibir en " + ", ".join(map(str, sources)) + ".")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        batch = intake.receive(ed, cat.for_edition(ed), items, origin, feedback=not no_feedback,
                               progress=_Bar(progress), skipped=skipped)
    console.print(_intake_table(batch, f"Recepción — edición {edition}"))
    console.print(_intake_counts(batch))
    if batch.stats["ya_recibidos"]:
        console.print(f"{batch.stats['ya_recibidos']:,} archivo(s) ya se habían recibido (mismo contenido); no se copiaron.")
    console.print(f"Guardados en {ed.paths.submissions}; acuses de recibo en {ed.paths.output / intake.ACUSES}")
    if not batch.valid:
        sys.exit(1)


@main.command("revisar", context_settings=CONTEXT)
@edition_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="ARCHIVOS O CARPETAS...")
@root_option
@friendly_errors
def revisar_cmd(edition, paths, root):
    """Revisa libros en cualquier carpeta sin registrarlos: no toca el registro, el resumen ni el tablero.

    La retroalimentación queda en output/<edición>/revisiones/. Código de salida: 0 sin errores, 1 hay errores.
    """
    from . import catalogs as cat, intake, settings

    from rich.markup import escape

    ed = settings.load(root, edition)
    _check_exist(paths)
    from . import validation

    files = validation.expand(paths)
    if not files:
        raise CompendioError("No hay libros que revisar en " + ", ".join(map(str, paths)) + ".")
    batch = intake.review(ed, cat.for_edition(ed), files)
    console.print(f"Revisión (sin registrar) — edición {edition}", style="bold")
    screen.print_findings(console, validation.summary_rows(batch.reports, ed))
    for r in batch.results:
        if r.feedback:
            console.print(f"Retroalimentación de {escape(r.path.name)}: {escape(_shown(r.feedback))}")
    console.print(_intake_counts(batch) + " Nada quedó registrado.")
    if not batch.valid:
        sys.exit(1)


@main.command("compile", context_settings=CONTEXT)
@edition_option
@click.option("--guardar-html", "keep_html", is_flag=True,
              help="Conserva el HTML final junto al PDF (para revisar o comparar).")
@click.option("--borrador", is_flag=True,
              help="Borrador rápido para revisión: PDF sin etiquetas de accesibilidad, compuesto en paralelo.")
@click.option("--sin-informe", "no_companions", is_flag=True,
              help="Sólo el Compendio: no genera el Informe Ejecutivo ni los datos abiertos.")
@json_option
@root_option
@friendly_errors
def compile_cmd(edition, keep_html, borrador, no_companions, as_json, root):
    """Arma el Compendio General (PDF) con los reportes aceptados de la edición."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from . import settings, validation
    from .compilation import compile_edition

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    # Progress goes to stderr (stdout stays the result, for a pipe or --json) and only to a terminal.
    with Progress(*columns, console=err_console, transient=False, disable=not err_console.is_terminal) as progress:
        reporter = _CompileProgress(progress)
        result = compile_edition(root, edition, progress=reporter, keep_html=keep_html, draft=borrador,
                                 companions=not no_companions)
        reporter.finish()
    ed = settings.load(root, edition)
    if as_json:
        rows = validation.summary_rows(result.reports, ed)
        shown = {r.path: row["file"] for r, row in zip(result.reports, rows)}
        doc = validation.summary_document(rows, ed)
        doc["compendio"] = {
            "pdf": str(result.pdf) if result.pdf else None, "html": str(result.html) if result.html else None,
            "pages": result.pages, "programs": result.programs, "accepted_files": result.accepted,
            "draft": borrador, "companions": [str(p) for p in result.companions],
            "replaced": {shown.get(old, old.name): shown.get(new, new.name)
                         for old, new in sorted(result.replaced.items())},
            "corrections": {"applied": sum(o.applied for o in result.corrections),
                            "not_applied": sum(not o.applied for o in result.corrections),
                            "report": str(result.corrections_report) if result.corrections_report else None},
            "seconds": round(result.seconds, 1)}
        click.echo(screen.dumps(doc))
        sys.exit(0 if result.pdf else 1)
    if result.rejected:
        console.print(f"{len(result.rejected):,} archivo(s) rechazado(s); no se incluyen en el Compendio:",
                      style="bold yellow")
        rejected = validation.summary_rows(sorted(result.rejected, key=lambda r: str(r.path)), ed)
        screen.print_files(console, rejected, everything=True)
    if result.replaced:
        console.print(f"[yellow]{len(result.replaced):,} archivo(s) reemplazado(s) por uno más reciente del mismo "
                      "programa; se publica sólo el más reciente:[/]")
        half = max((console.width - 3) // 2, 12)
        for old, new in sorted(result.replaced.items()):
            console.print(f"{screen.shorten(old.name, half)} → {screen.shorten(new.name, half)}",
                          soft_wrap=True, markup=False)
    if result.pdf is None:
        err_console.print(f"[bold red]No hay reportes aceptados en la edición {edition}; no se escribió ningún archivo.[/] "
                          f"Revise submissions/{edition}/ y valide con: compendio validate --edition {edition}")
        sys.exit(1)
    _print_corrections(result.corrections, result.corrections_report)
    if result.html:
        console.print(f"HTML final: {result.html}")
    for path in result.companions:
        console.print(f"También: {path}")
    kind = "borrador " if borrador else ""
    console.print(f"[bold green]Compendio {kind}escrito:[/] {result.pdf} — {result.pages:,} páginas, "
                  f"{result.programs:,} programas, {result.seconds:,.1f} s.")


@main.command("importar", context_settings=CONTEXT)
@edition_option
@click.argument("ruta", type=click.Path(path_type=Path), metavar="RUTA")
@root_option
@friendly_errors
def importar_cmd(edition, ruta, root):
    """Lee un Compendio ya publicado (su texto .txt o su PDF) y escribe sus datos abiertos.

    Deja programas, cifras y retos en output/<edición>/datos/, como «compile», para que la edición siguiente
    se compare con ella y sus plantillas se llenen desde ella (compendio templates --desde). El informe de la
    importación (lo que no se pudo colocar, las inconsistencias del texto y las instituciones que no están en
    el registro) queda en output/<edición>/importacion.txt y .json.
    """
    from . import catalogs as cat, importer

    ed = importer.edition_for(root, edition)
    cats = cat.load()
    result, written = importer.import_edition(ruta, ed, cats)
    for line in importer.report_lines(result, cats):
        console.print(line, markup=False, highlight=False)
    console.print(f"[bold green]Importada la edición {edition}:[/] {len(result.programs):,} programas en "
                  f"{ed.paths.output / 'datos'}; informe en {ed.paths.output / importer.REPORT_TXT}")
    console.print(f"Siguiente paso: compendio templates --edition <nueva> --desde {edition}")


def _status_previous(ed, reg) -> None:
    """Per body: programs of the previous edition continued, new and not reported again (yet)."""
    from . import yearly

    found = yearly.body_comparison(ed, reg)
    if found is None:
        return
    key, rows = found
    table = screen.table(console, f"Comparación con la edición {key}",
                         f"{key}: programas de la edición anterior · Cont.: continúan · Nuevos · Sin reporte: de {key} "
                         "que aún no se reciben")
    table.add_column("Institución", no_wrap=True, overflow="ellipsis", max_width=max(20, console.width - screen.fixed_width((key, "Cont.", "Nuevos", "Sin reporte")) - 1))
    for label in (key, "Cont.", "Nuevos", "Sin reporte"):
        table.add_column(label, justify="right")
    for name, before, cont, new, gone in rows:
        table.add_row(name, f"{before:,}", f"{cont:,}", f"{new:,}", f"{gone:,}")
    table.add_row("Total", *(f"{sum(r[i] for r in rows):,}" for i in range(1, 5)), style="bold")
    console.print(table, soft_wrap=False)  # a table (and its caption) fits the terminal


def _print_corrections(outcomes, report) -> None:
    if not outcomes:
        return
    applied = sum(o.applied for o in outcomes)
    console.print(f"Correcciones editoriales: {applied:,} aplicada(s), {len(outcomes) - applied:,} sin aplicar "
                  f"(detalle en {report}).")
    for o in outcomes:
        if not o.applied:
            c = o.correction
            console.print(f"  [yellow]• Fila {c.row} ({c.name}, {c.slot}): no se aplicó. {o.reason}[/]")


@main.command("correcciones", context_settings=CONTEXT)
@edition_option
@click.option("--exportar", is_flag=True,
              help="Escribe (o completa) ediciones/EDICIÓN/correcciones.xlsx con cada texto publicado de los "
                   "programas aceptados, para que el equipo editorial escriba las correcciones.")
@root_option
@friendly_errors
def correcciones_cmd(edition, exportar, root):
    """Pase editorial: exporta los textos para corregir, o revisa qué correcciones se aplicarán."""
    from . import catalogs as cat
    from . import corrections, settings
    from .compilation import _Silent, discover, validate

    ed = settings.load(root, edition)
    cats = cat.for_edition(ed)
    checked = validate(discover(ed), ed, cats, _Silent())
    if not checked.accepted:
        err_console.print(f"[bold red]No hay reportes aceptados en la edición {edition}.[/]")
        sys.exit(1)
    if exportar:
        path, rows, kept = corrections.export(checked.accepted, ed)
        kept_text = f"; se conservaron {kept:,} corrección(es) ya escritas" if kept else ""
        console.print(f"[bold green]Libro de correcciones escrito:[/] {path} — {rows:,} textos de "
                      f"{len(checked.accepted):,} programas{kept_text}.")
        return
    _, outcomes = corrections.apply(checked.accepted, corrections.read(ed))
    if not outcomes:
        console.print(f"No hay correcciones escritas en {corrections.corrections_path(ed)}.")
        return
    _print_corrections(outcomes, corrections.write_report(outcomes, ed))


@main.command("status", context_settings=CONTEXT)
@edition_option
@click.option("--hoy", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="AAAA-MM-DD",
              help="Fecha con la que se calcula lo vencido (por omisión, hoy).")
@click.option("--sector", "sector_key", default=None, metavar="CLAVE",
              help="Sólo un sector en la terminal (apf, estatal, legislativo, judicial, autonomo, osc); "
                   "el tablero de Excel siempre los trae todos.")
@json_option
@root_option
@friendly_errors
def status_cmd(edition, hoy, sector_key, as_json, root):
    """Tablero de recepción: plantillas enviadas, recibidas, aceptadas, rechazadas y faltantes."""
    from . import board as brd, catalogs as cat, register, settings

    ed = settings.load(root, edition)
    if as_json:
        cats = cat.for_edition(ed)
        known = register.exists(ed)
        board = brd.build(ed, cats, register.load(ed) if known else register.Register(ed.key))
        if known:
            brd.write_excel(board, cats)
        click.echo(screen.dumps(brd.document(board)))
        return
    if not register.exists(ed):
        console.print(f"Todavía no se ha validado ningún archivo de la edición {edition} "
                      f"(no existe {ed.paths.register}).")
        console.print(f"Reciba los reportes con [bold]compendio recibir --edition {edition} FUENTE[/] o, si ya están "
                      f"en submissions/{edition}/, valídelos con: [bold]compendio validate --edition {edition}[/]")
        return
    cats = cat.for_edition(ed)
    if sector_key and sector_key not in {s.key for s in cats.sectors}:
        raise CompendioError(f"«{sector_key}» no es un sector. Use una de estas claves: "
                             + ", ".join(s.key for s in cats.sectors) + ".")
    board = brd.build(ed, cats, register.load(ed))
    path = brd.write_excel(board, cats)

    def n(v):
        return "—" if v is None else f"{v:,}"

    def line(row, missing, style=None):
        name = f"{row.acronym} — {row.institution}" if row.acronym else row.institution
        return (name, n(row.templates), n(row.received), n(row.accepted), n(row.observed), n(row.rejected), missing)

    table = screen.table(console, f"Recepción de reportes — {ed.title}",
                         "Env.: plantillas enviadas (o generadas, si no se registró ningún envío) · Rec.: programas "
                         "recibidos (versión vigente) · Acep.: aceptados · Obs.: aceptados con observaciones · "
                         "Rech.: rechazados · Falta: sin respuesta")
    labels = ("Env.", "Rec.", "Acep.", "Obs.", "Rech.", "Falta")
    table.add_column("Institución", no_wrap=True, overflow="ellipsis", min_width=20,
                     max_width=max(20, console.width - screen.fixed_width(labels) - 1))
    for label in labels:
        table.add_column(label, justify="right", no_wrap=True, min_width=len(label))
    shown = [g for g in board.groups if not sector_key or g.sector == cats.sector(sector_key).name]
    for group in shown:
        table.add_row(f"[bold]{group.sector}[/]")
        for row in group.rows:
            missing = "Sí" if row.missing else ""
            table.add_row(*line(row, missing), style="red" if row.missing else None)
        table.add_row(*line(group.total(), n(group.missing)), style="bold", end_section=True)
    if not sector_key:
        table.add_row(*line(board.total(), n(board.missing)), style="bold")
    if shown:
        console.print(table, soft_wrap=False)  # a table (and its caption) fits the terminal
    else:
        console.print(f"No hay instituciones del sector «{sector_key}» con plantillas ni envíos.")
    _status_previous(ed, register.load(ed))
    if board.basis != brd.dispatch.BASIS_SENT:
        console.print(f"[yellow]{brd.dispatch.describe(board.basis, ed.key)}[/]")
    duplicates = sum(r.duplicates for g in board.groups for r in g.rows)
    if duplicates:
        console.print(f"[yellow]{duplicates:,} programa(s) llegaron dos veces al mismo tiempo:[/] se publica el último "
                      "en el orden del registro (hoja «Archivos» del tablero, columna «Duplicado»); si debía valer "
                      f"el otro, retire el publicado de submissions/{edition}/ y vuelva a validar.")
    if board.pending:
        names = ", ".join(p.name for p in board.pending[:3]) + (" …" if len(board.pending) > 3 else "")
        console.print(f"[yellow]{len(board.pending):,} archivo(s) de submissions/{edition}/ todavía no se validan[/] "
                      f"({names}); este tablero no los cuenta. Ejecute: compendio validate --edition {edition}")
    console.print(f"Tablero para compartir: {path}")
    from . import links

    if links.load(ed):
        console.print(f"Enlaces privados del portal: hoja «Enlaces» del tablero y {links.folder(ed) / links.STAFF_FILE} "
                      "(son secretos: compártalos sólo con cada institución).")
    from . import reminders

    today = dt.date.today() if hoy is None else hoy.date()
    if today > ed.deadline:
        due = reminders.overdue(board, cats)
        if due:
            written = reminders.write(board, cats, due, today)
            console.print(f"[bold yellow]Venció la fecha límite ({ed.deadline:%d/%m/%Y}):[/] {len(due):,} institución(es) "
                          "con programas faltantes o rechazados:")
            for d in due[:15]:
                console.print(f"  • {d.label}: {d.reason}" + ("" if d.emails else " [yellow](sin correo en el registro)[/]"))
            if len(due) > 15:
                console.print(f"  … y {len(due) - 15:,} más (vea la lista).")
            console.print(f"Lista de recordatorios y borradores de correo (.eml) en {written.parent}")
            if any(not d.emails for d in due):
                console.print(f"Agregue los correos de enlace en la columna «correos» de {cat.edition_bodies_file(ed)}.")


@main.command("generar", context_settings=CONTEXT)
@edition_option
@click.option("-n", "--programas", type=click.IntRange(1, 20_000), default=30, show_default=True,
              help="Cuántos reportes ficticios escribir.")
@click.option("--semilla", type=int, default=1, show_default=True,
              help="Semilla: la misma semilla da los mismos archivos.")
@click.option("--errores", is_flag=True,
              help="Siembra un error conocido de cada tipo y escribe su lista en errores-sembrados.json.")
@click.option("--destino", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Carpeta de salida (vacía). Por omisión, submissions/<edición>/, sólo si la edición es de muestra.")
@click.option("--generado", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="AAAA-MM-DD",
              help="Fecha que se anota en el sello de cada libro (por omisión, hoy); fíjela para repetir archivos idénticos.")
@root_option
@friendly_errors
def generar_cmd(edition, programas, semilla, errores, destino, generado, root):
    """Escribe reportes FICTICIOS llenos (para la muestra, pruebas y mediciones de rendimiento).

    Los textos y cifras se inventan con la forma de una edición real: sectores, objetivos, longitudes, desgloses.
    Nunca escribe en la carpeta de una edición real ni en una carpeta que ya tenga libros.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import catalogs as cat, settings, sample

    ed = settings.load(root, edition)
    target = sample.check_destination(root, ed, destino)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Escribiendo reportes ficticios", total=programas)
        result = sample.generate(ed, cat.for_edition(ed), programas, semilla, target,
                                defects=sample.DEFECT_CODES if errores else (),
                                generated=generado.date() if generado else None,
                                progress=lambda: progress.advance(task))
    console.print(f"Reportes ficticios escritos: {len(result.files):,} en {target}")
    if errores:
        planted = [x for x in result.planted if x.planted]
        console.print(f"Errores sembrados: {len(planted):,} (lista en {target / sample.PLANTED_FILE})")


@main.command("ciclo", context_settings=CONTEXT)
@edition_option
@root_option
@click.pass_context
@friendly_errors
def ciclo_cmd(ctx, edition, root):
    """Corre el ciclo completo de una edición: plantillas → validación → compilación.

    Un archivo rechazado es un resultado normal de la validación: el ciclo sigue y compila lo aceptado.
    Con --edition muestra, si faltan la configuración o los reportes de muestra, primero los crea.
    Las plantillas que ya existen se conservan (no se reemplazan sin «compendio templates --sobrescribir»).
    """
    from . import catalogs as cat, sample

    if edition == "muestra":
        for line in sample.ensure_sample(root, cat.load()):
            console.print(f"Muestra: {line}")
    stages = (("templates", "Plantillas"), ("validate", "Validación"), ("compile", "Compilación"))
    summary, worst = [], 0
    for i, (name, label) in enumerate(stages, start=1):
        command = main.commands[name]
        console.rule(f"[bold]{i}/{len(stages)} {label}[/]")
        params = {p.name for p in command.params}
        code = 0
        try:
            ctx.invoke(command, **{k: v for k, v in (("edition", edition), ("root", root)) if k in params})
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        if code == 0:
            summary.append(f"{label}: lista")
        elif name == "validate" and code == 1:
            summary.append(f"{label}: lista, con archivos rechazados (cada institución tiene su retroalimentación "
                           f"en output/{edition}/retroalimentacion/)")
        else:
            summary.append(f"{label}: no terminó (código {code}); vea el mensaje de arriba")
            worst = max(worst, code)
    console.rule("[bold]Resumen del ciclo[/]")
    for line in summary:
        console.print(f"  • {line}")
    if edition == "muestra":
        console.print("La edición de muestra tiene datos FICTICIOS y errores sembrados a propósito "
                      f"(lista en submissions/muestra/{sample.PLANTED_FILE}).")
    if worst:
        sys.exit(worst)


# Click writes these placeholders in English whatever the catalog says.
for _command in (main, *main.commands.values()):
    _command.options_metavar = "[OPCIONES]"
main.subcommand_metavar = "SUBCOMANDO [ARGUMENTOS]..."


if __name__ == "__main__":  # pragma: no cover
    main()
