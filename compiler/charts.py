"""Charts for the Informe Ejecutivo: matplotlib → SVG, each with its data and a text alternative.

A ``Chart`` carries the numbers it was drawn from (so tests and the annex
tables can check them) and an ``alt`` text that says the same in words for
screen readers. Labels are Spanish and numbers use the es-MX format (3,179).
Text stays text (``svg.fonttype: none``), set in the Compendio's face: WeasyPrint
lays it out with the document's own fonts, where glyphs drawn as outlines took
it seconds to paint (one path per letter). The accessible text lives in
``alt`` and in the tables next to each chart.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: charts are only ever written to SVG

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from babel.numbers import format_decimal  # noqa: E402

from . import style  # noqa: E402

GUINDA = f"#{style.GUINDA}"
DORADO = f"#{style.DORADO}"
GRIS = "#6F7271"
TEXT = "#222222"
WIDTH_IN = 6.3  # the text block of an A4/Letter page with 2.5 cm margins
LOCALE = "es_MX"


def fmt(n: float | int) -> str:
    """es-MX number: 3,179."""
    return format_decimal(n, locale=LOCALE)


@dataclass
class Chart:
    key: str
    title: str
    #: (label, value) for a single series; for grouped charts, one value per series.
    labels: list[str]
    series: dict[str, list[int]]
    unit: str
    svg: str = ""
    alt: str = ""
    note: str = ""

    @property
    def data(self) -> list[tuple[str, list[int]]]:
        return [(label, [s[i] for s in self.series.values()]) for i, label in enumerate(self.labels)]


_FONT_FAMILY: str | None = None


def _font_family() -> str:
    """Use the Compendio's text face when its files are bundled, so charts match the page."""
    global _FONT_FAMILY
    if _FONT_FAMILY is None:
        _FONT_FAMILY = "DejaVu Sans"
        here = Path(__file__).resolve().parent
        for folder in (here / "templates" / "fonts", here.parent / "templates" / "fonts"):
            files = sorted(p for p in folder.glob("*") if p.suffix.lower() in (".ttf", ".otf")) if folder.is_dir() else []
            regular = [p for p in files if "regular" in p.name.lower()] or files
            if regular:
                for p in files:
                    try:
                        font_manager.fontManager.addfont(str(p))
                    except (OSError, RuntimeError):
                        continue
                try:
                    _FONT_FAMILY = font_manager.FontProperties(fname=str(regular[0])).get_name()
                except (OSError, RuntimeError):
                    pass
                break
    return _FONT_FAMILY


def _style() -> dict:
    return {
        "font.family": _font_family(),
        "font.size": 8.5,
        "axes.edgecolor": GRIS,
        "axes.labelcolor": TEXT,
        "xtick.color": TEXT,
        "ytick.color": TEXT,
        "svg.fonttype": "none",
        "svg.hashsalt": "compendio",  # stable ids: same data, same SVG
    }


def _to_svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE so it can sit inside HTML too


def _describe(chart: Chart, kind: str) -> str:
    names = list(chart.series)
    parts = []
    for label, values in chart.data:
        if len(names) == 1:
            parts.append(f"{label}: {fmt(values[0])}")
        else:
            parts.append(f"{label}: " + ", ".join(f"{fmt(v)} en {n}" for n, v in zip(names, values)))
    return f"{kind} «{chart.title}» ({chart.unit}). " + "; ".join(parts) + "."


def bar_chart(key: str, title: str, items: list[tuple[str, int]], unit: str, *,
              color: str = GUINDA, note: str = "", highlight: set[str] | None = None) -> Chart:
    """Horizontal bars, first item on top, value printed at the end of each bar."""
    chart = Chart(key, title, [i[0] for i in items], {unit: [int(i[1]) for i in items]}, unit, note=note)
    values = chart.series[unit]
    with plt.rc_context(_style()):
        height = max(1.2, 0.24 * len(items) + 0.5)
        fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
        y = range(len(items))
        colors = [DORADO if highlight and label in highlight else color for label in chart.labels]
        ax.barh(list(y), values, color=colors, height=0.7)
        ax.set_yticks(list(y), chart.labels)
        ax.invert_yaxis()
        top = max(values, default=0) or 1
        ax.set_xlim(0, top * 1.15)
        for yi, v in zip(y, values):
            ax.text(v + top * 0.01, yi, fmt(v), va="center", ha="left", fontsize=8, color=TEXT)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt(int(x))))
        ax.set_xlabel(unit.capitalize())
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="y", length=0)
        chart.svg = _to_svg(fig)
    chart.alt = _describe(chart, "Gráfica de barras")
    return chart


def grouped_bar_chart(key: str, title: str, labels: list[str], series: dict[str, list[int]], unit: str,
                      *, note: str = "") -> Chart:
    """Horizontal bars, one colour per series (e.g. two editions side by side)."""
    chart = Chart(key, title, list(labels), {k: [int(x) for x in v] for k, v in series.items()}, unit, note=note)
    colors = [GRIS, GUINDA, DORADO]
    n = len(series)
    with plt.rc_context(_style()):
        height = max(1.5, 0.3 * len(labels) + 0.8)
        fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
        bar = 0.8 / n
        top = max((max(v, default=0) for v in chart.series.values()), default=0) or 1
        for j, (name, values) in enumerate(chart.series.items()):
            ys = [i - 0.4 + bar * (j + 0.5) for i in range(len(labels))]
            ax.barh(ys, values, height=bar * 0.95, color=colors[j % len(colors)], label=name)
            for yi, v in zip(ys, values):
                ax.text(v + top * 0.01, yi, fmt(v), va="center", ha="left", fontsize=6.5, color=TEXT)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt(int(x))))
        ax.set_xlabel(unit.capitalize())
        ax.legend(loc="lower right", frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="y", length=0)
        chart.svg = _to_svg(fig)
    chart.alt = _describe(chart, "Gráfica de barras agrupadas")
    return chart
