"""The catalogue of finding codes: one place for each code's severity and message.

A code is stable (tests, the register, the feedback workbook and the JSON
summary key on it); the Spanish text may be reworded freely. Every message
says what is wrong and what to do about it, addressed to the person who
filled the workbook. The cell reference is not part of the message: it travels
in the ``Finding`` and is prefixed where the message is shown out of context
(``describe``).

An edition may change the severity of any code in its settings::

    severidades:
      siglas-sin-definir: nota
      edicion-distinta: advertencia

Codes for files that cannot be read at all stay errors: there is nothing to
accept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import SettingsError
from .model import SEVERITY_ORDER, Finding, Severity


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str  # short Spanish name, for tables and the Observaciones sheet
    template: str  # str.format template; parameters documented by the callers
    #: File-level codes: the workbook could not be used, so they cannot be relaxed.
    fatal: bool = False


_CODES = (
    # --- the file itself -------------------------------------------------
    Code("no-es-xlsx", "error", "No es un libro .xlsx", "{detalle}", fatal=True),
    Code("archivo-con-contrasena", "error", "Protegido con contraseña", "{detalle}", fatal=True),
    Code("archivo-danado", "error", "Archivo dañado", "{detalle}", fatal=True),
    Code("archivo-ilegible", "error", "No se pudo abrir", "{detalle}", fatal=True),
    Code("archivo-demasiado-grande", "error", "Archivo demasiado grande al descomprimirse", "{detalle}", fatal=True),
    Code("no-es-plantilla", "error", "No es la plantilla", "{detalle}", fatal=True),
    Code("sin-sello", "error", "Plantilla sin sello", "{detalle}", fatal=True),
    Code("hoja-faltante", "error", "Falta una hoja", "{detalle}", fatal=True),
    Code("estructura-alterada", "error", "Plantilla alterada", "{detalle}", fatal=True),
    Code("version-no-soportada", "error", "Versión de plantilla no válida", "{detalle}", fatal=True),
    Code("edicion-distinta", "error", "Plantilla de otra edición",
         "El libro es la plantilla de la edición «{encontrada}», no de la edición «{edicion}». "
         "Copie sus datos a la plantilla de la edición «{edicion}» que envió la UPMRIP y envíela de nuevo."),
    Code("formula-sin-valor", "error", "Fórmula sin resultado",
         "La celda tiene una fórmula cuyo resultado no se guardó (el archivo no se abrió ni se guardó en Excel). "
         "Escriba el valor en lugar de la fórmula, o abra el libro en Excel y guárdelo."),
    Code("libro-con-macros", "error", "Libro con macros",
         "El libro contiene macros (código de VBA){extension}. Por seguridad no se aceptan libros con macros: "
         "copie sus datos a la plantilla .xlsx de esta edición, o guárdelo como «Libro de Excel (.xlsx)», "
         "y envíelo de nuevo."),
    Code("caracteres-de-control", "nota", "Caracteres invisibles quitados",
         "El texto tenía caracteres de control invisibles (como los que deja copiar y pegar desde "
         "otro sistema); se quitaron para publicarlo. No hace falta hacer nada, pero revise que el texto se lea bien."),
    Code("valor-con-error", "error", "Celda con error de Excel",
         "La celda muestra el error de Excel «{error}» en lugar de un dato. Escriba el valor, o corrija la "
         "fórmula que lo produce."),
    # --- fields ----------------------------------------------------------
    Code("campo-obligatorio", "error", "Falta un dato obligatorio", "Falta «{campo}»{motivo}. {ayuda}"),
    Code("fecha-invalida", "error", "Fecha no válida",
         "«{campo}» debe ser una fecha (dd/mm/aaaa) y dice «{valor}». Escríbala como fecha, por ejemplo 15/03/2025."),
    Code("numero-invalido", "error", "Número no válido",
         "«{campo}» debe ser un número entero mayor o igual a cero y dice «{valor}». Escriba sólo cifras, sin texto."),
    Code("valor-fuera-de-catalogo", "error", "Valor fuera de la lista",
         "«{valor}» no es una opción de «{campo}». Elija un valor de la lista desplegable{opciones}."),
    Code("texto-demasiado-largo", "error", "Texto demasiado largo",
         "«{campo}» tiene {largo:,} caracteres y el máximo es {maximo:,}. Resúmalo."),
    Code("correo-invalido", "error", "Correo no válido",
         "«{valor}» no es una dirección de correo válida. Escriba una sola dirección, como nombre@institucion.gob.mx."),
    Code("fechas-invertidas", "error", "Fechas invertidas",
         "«{campo}» ({fecha}) es anterior a «{otro}» ({otra_fecha}). Revise ambas fechas."),
    # --- Cifras ----------------------------------------------------------
    Code("cifra-invalida", "error", "Cifra no válida",
         "«{columna}» de la {fila} dice «{valor}»: debe ser un número entero mayor o igual a cero, "
         "sin comas, puntos ni texto{sugerencia}."),
    Code("suma-no-cuadra", "error", "El desglose no suma el total",
         "{suma}, pero el Total dice {total:,}.{vacias} Corrija el total o el desglose por {desglose} de la {fila}."),
    Code("porcentajes-no-suman", "error", "Los porcentajes no suman 100",
         "En la {fila} la unidad es «porcentaje» y el desglose por {desglose} suma {suma}; debe sumar 100 % "
         "(con {margen} puntos de margen por redondeo). Corrija los porcentajes, o escriba cifras y elija la unidad "
         "que cuentan."),
    Code("subgrupo-excede", "error", "Subgrupo mayor que su fila madre",
         "El subgrupo de la {fila} tiene {columna} {valor:,}, más que la {madre}, de la que es parte "
         "({valor_madre:,}). Un subgrupo no puede ser mayor que su total; corrija una de las dos cifras."),
    Code("subgrupos-no-suman", "error", "Los subgrupos no suman el total",
         "La {madre} dice que sus subgrupos{criterio} suman su total, pero {suma}, y su {columna} es {total:,}."
         "{vacias} Corrija las cifras de los subgrupos o la de la fila madre."),
    Code("subgrupo-sin-fila-madre", "error", "Subgrupo sin fila madre",
         "La {fila} dice ser subgrupo de la fila {madre} de Cifras, pero {motivo}. "
         "Escriba el número de la fila de la que es parte, o deje la celda vacía."),
    Code("sin-desglose-sexo", "advertencia", "Personas sin desglose por sexo",
         "La {fila} cuenta {total:,} personas sin ningún desglose por sexo. Si tiene el dato, escriba "
         "cuántas son mujeres, hombres, personas no binarias o sin dato."),
    # --- content ---------------------------------------------------------
    Code("sin-retos", "advertencia", "Sin retos",
         "No se escribió ningún reto. El Compendio publica los retos de cada programa: describa al menos uno."),
    Code("sin-resultados", "advertencia", "Resultados vacíos",
         "Los resultados dicen que no los hay («{extracto}»). Describa lo que se hizo en el periodo, "
         "con cifras si las tiene."),
    Code("resultados-sin-actualizar", "advertencia", "Igual que el año anterior",
         "{que} {son} iguales a {lo} que este programa informó en la edición {anterior}. Escriba {lo} del periodo "
         "de esta edición; si de verdad no cambiaron, dígalo en el texto de los resultados."),
    Code("periodo-fuera-de-edicion", "advertencia", "Fuera del periodo de la edición",
         "«{campo}» es {fecha}, {relacion} periodo de esta edición ({desde} a {hasta}). "
         "Informe sólo resultados de ese periodo, o confirme la fecha."),
    Code("periodo-termina-despues", "error", "El periodo termina después de la edición",
         "«{campo}» es {fecha}, {meses} después del fin del periodo de esta edición ({hasta}). Lo ocurrido después "
         "de esa fecha se informa en la edición siguiente: corrija la fecha e informe sólo resultados hasta el {hasta}."),
    Code("texto-de-relleno", "advertencia", "Texto de relleno",
         "«{campo}» dice «{valor}», que parece texto de relleno{origen}. Escriba la información real{alternativa}."),
    Code("nombre-demasiado-largo", "advertencia", "Nombre muy largo",
         "El nombre del programa tiene {largo:,} caracteres; el máximo es {maximo:,}. Use el nombre oficial "
         "corto y pase la explicación a la descripción."),
    Code("siglas-sin-definir", "advertencia", "Siglas sin desarrollar",
         "Las siglas «{siglas}» no se desarrollan en ninguna parte del reporte. La primera vez que aparezcan, "
         "escriba el nombre completo y las siglas entre paréntesis."),
    Code("institucion-no-registrada", "advertencia", "Institución no registrada",
         "«{valor}» no está en el registro de instituciones del Compendio. Elíjala de la lista desplegable con su "
         "nombre oficial; si es nueva, la UPMRIP la dará de alta en el registro de la edición (ediciones/<edición>/catalogos/organismos.csv)."),
    Code("institucion-distinta-al-sello", "nota", "Plantilla de otra institución",
         "La plantilla se envió a {sello} pero el reporte dice «{valor}». Si es correcto, no hace falta hacer nada."),
    Code("programa-duplicado", "advertencia", "Programa enviado dos veces al mismo tiempo",
         "«{otro}» trae el mismo programa ({institucion}: «{programa}», objetivo {objetivo}) y llegó al mismo "
         "tiempo ({cuando}). Se publica este archivo, el último en el orden del registro; «{otro}» queda "
         "sustituido. Si debía valer el otro, avise a la UPMRIP para que retire este."),
    Code("programa-sustituido", "nota", "Archivo sustituido",
         "Este archivo fue sustituido por «{otro}», del mismo programa ({institucion}: «{programa}», objetivo "
         "{objetivo}), recibido {cuando}{detalle}. Se publica «{otro}»; este ya no cuenta."),
    Code("programa-reenviado", "nota", "Reenvío de un programa",
         "Este archivo sustituye a «{otro}», del mismo programa y objetivo, recibido antes ({cuando}). Se publica "
         "este archivo."),
    Code("indicador-dominante", "advertencia", "Una cifra pesa más que todas las demás",
         "El Total de la {fila} ({total:,} {unidad}) es el {porcentaje} de todo lo que la edición informa en «{unidad}» "
         "({suma:,} en {programas:,} programas). Confirme la cifra y la unidad: si cuenta registros, pasajeros, "
         "servicios o atenciones y no personas distintas, elija esa unidad."),
    Code("posible-reporte-conjunto", "nota", "Posible reporte conjunto",
         "{otra} envió un programa de nombre muy parecido («{programa}», en «{otro}»). Si es el mismo programa, "
         "escriba las siglas de las instituciones coautoras en «Instituciones coautoras»."),
)

CODES: dict[str, Code] = {c.code: c for c in _CODES}
SEVERITIES: tuple[Severity, ...] = tuple(SEVERITY_ORDER)


def check_overrides(overrides: Mapping[str, str], source: str = "severidades") -> dict[str, Severity]:
    """Validate an edition's ``severidades``; raise ``SettingsError`` naming the bad entry."""
    clean: dict[str, Severity] = {}
    for code, severity in (overrides or {}).items():
        if code not in CODES:
            known = ", ".join(sorted(c for c in CODES if not CODES[c].fatal))
            raise SettingsError(f"{source}: «{code}» no es un código de observación. Códigos: {known}.")
        sev = str(severity).strip().lower()
        if sev not in SEVERITIES:
            raise SettingsError(f"{source}: la severidad de «{code}» debe ser error, advertencia o nota; dice «{severity}».")
        if CODES[code].fatal and sev != "error":
            raise SettingsError(f"{source}: «{code}» significa que el archivo no se puede leer; siempre es error.")
        clean[code] = sev  # type: ignore[assignment]
    return clean


def _format_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    return value


class FindingFactory:
    """Builds findings with an edition's severities."""

    def __init__(self, overrides: Mapping[str, str] | None = None):
        self.severities = {c.code: c.severity for c in _CODES} | check_overrides(overrides or {})

    def __call__(self, code: str, sheet: str | None, cell: str | None, value: Any = None, **params: Any) -> Finding:
        spec = CODES[code]
        shown = {k: _format_value(v) for k, v in params.items()}
        if "valor" not in shown:
            shown["valor"] = _format_value(value)
        return Finding(code, self.severities[code], sheet, cell, spec.template.format(**shown), value)


def describe(finding: Finding) -> str:
    """The message with its cell in front, for output that is read out of context."""
    return f"{finding.ref}: {finding.message}" if finding.ref else finding.message


def title(code: str) -> str:
    return CODES[code].title if code in CODES else code
