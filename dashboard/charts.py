"""Conventions every chart follows: title, subtitle, source line, palette, toolbar download.

Figure builders (`build_*_figure`) return a `go.Figure` finished by `finish_figure`, which
records title, subtitle, source and alt text in `layout.meta`, so the print export and the
panel pack can re-style any chart without knowing how it was built.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from dataclasses import asdict, dataclass
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

#: Okabe-Ito hues, distinguishable under the common colour-vision deficiencies, keeping only
#: those at 3:1 or more against white (sky blue and orange fall below), plus a dark purple.
#: tests/test_domain.py checks the contrast of every colour here and in domain.py.
CATEGORICAL_PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#6A3D9A", "#000000",
)
FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
#: Every chart's text: 17:1 on white. Set on the figure itself (with `theme=None` on the page),
#: because Streamlit's chart theme would draw ticks and axis titles at #808495, 3.7:1.
TEXT_COLOUR = "#1A1A1A"
MUTED_TEXT_COLOUR = "#4D4D4D"   # subtitles and notes: 8.5:1 on white
BACKGROUND = "#FFFFFF"
GRID_COLOUR = "#E5E5E5"
ZERO_LINE_COLOUR = "#8C8C8C"
#: WCAG 2.2 AA for text: 4.5:1 against what it is drawn on.
TEXT_CONTRAST = 4.5
FONT_SIZE = 13
TITLE_SIZE = 16
#: Characters per line before a category name wraps, and before a title or subtitle wraps, so
#: that a chart 390 px wide (a phone) still holds them: about 0.6 em a character.
LABEL_CHARS = 22
TITLE_CHARS = 36
SUBTITLE_CHARS = 54
AXIS_TITLE_CHARS = 22
#: The toolbar's image download: scale 3 makes a 1,000 px-wide chart 3,000 px, sharp at A4.
TOOLBAR_IMAGE_SCALE = 3


@dataclass(frozen=True)
class ChartMeta:
    """What a chart says about itself, beyond its marks."""

    title: str
    subtitle: str = ""   # e.g. "Protecting people from harm · report to Jan 2019"
    source: str = ""     # e.g. "measures.csv, loaded 2026-11-24"
    alt: str = ""        # one-sentence description for screen readers and the Word pack


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of '#RRGGBB'."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str = BACKGROUND) -> float:
    """WCAG 2.2 contrast ratio of two '#RRGGBB' colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(fill: str) -> str:
    """The label colour for text drawn on a bar of `fill`: white where it reads at 4.5:1, else
    black (white on the Okabe-Ito vermillion #D55E00 is only 3.9:1; black is 5.4:1)."""
    return "#FFFFFF" if contrast_ratio("#FFFFFF", fill) >= TEXT_CONTRAST else "#000000"


def ink(colour: str, background: str = BACKGROUND) -> str:
    """`colour` darkened just enough to be read as text on `background` (4.5:1): the marks keep
    their palette colour, the words and icons drawn in it stay legible."""
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    shade = 1.0
    while True:
        shown = "#" + "".join(f"{round(c * shade):02X}" for c in rgb)
        if contrast_ratio(shown, background) >= TEXT_CONTRAST or shade <= 0:
            return shown
        shade = max(0.0, shade - 0.02)


def wrap_text(text: object, width: int = LABEL_CHARS) -> str:
    """Text from extracts made safe for Plotly (which renders tags in it) and wrapped at word
    boundaries onto lines of about `width` characters, joined by <br>."""
    lines = textwrap.wrap(" ".join(str(text).split()), width, break_long_words=False) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def wrap_markup(markup: str, width: int) -> str:
    """Markup already safe for Plotly (escaped, e.g. an axis title) wrapped at its spaces; text
    that already has its own line breaks is left as it is."""
    if "<br>" in markup:
        return markup
    return "<br>".join(textwrap.wrap(markup, width, break_long_words=False)) or markup


def title_markup(meta: ChartMeta) -> str:
    """The screen title: title and subtitle escaped and wrapped to fit a phone-wide chart."""
    title = wrap_text(meta.title, TITLE_CHARS) if meta.title else ""
    subtitle = f"<br><sup>{wrap_text(meta.subtitle, SUBTITLE_CHARS).replace('<br>', '</sup><br><sup>')}</sup>" \
        if meta.subtitle else ""
    return f"{title}{subtitle}"


def unit_axis(unit: str) -> dict:
    """Tick format for an axis of `unit` (domain's units), so a tick reads as the tables do:
    per cent with '%', money (held in £ thousands) as '£1,052k', counts with thousands commas."""
    if unit == "percent":
        return {"ticksuffix": "%"}
    if unit == "money":
        return {"tickprefix": "£", "ticksuffix": "k", "tickformat": ",d"}
    if unit in ("count", "number"):
        return {"tickformat": ","}
    return {}


def money_ticks_k(low_k: float, high_k: float, most: int = 5) -> dict:
    """Ticks for a money axis held in £ thousands: the finest round step (1, 2, 2.5 or 5 in a
    power of ten, £1k at least) giving at most `most` ticks in [low, high], written short
    ('£50m', '−£2.5m', '£500k') so that they fit side by side on a phone, where '£100,000k'
    would need three times the room. The bars' own labels keep every thousand."""
    exponent = 0
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * 10 ** exponent
            values = [i * step for i in range(math.ceil(low_k / step), math.floor(high_k / step) + 1)]
            if len(values) <= most:
                return {"tickvals": values, "ticktext": [_short_money(v) for v in values]}
        exponent += 1


def _short_money(value_k: float) -> str:
    if value_k == 0:
        return "£0"
    sign = "−" if value_k < 0 else ""
    size = abs(value_k)
    if size >= 1000:
        return f"{sign}£{size / 1000:,.{0 if (size / 1000).is_integer() else 1}f}m"
    return f"{sign}£{size:,.0f}k"


def month_axis(first: object, last: object) -> dict:
    """A monthly date axis: month over year on two lines ('Jan' / '2019'), never turned on end,
    a tick every 1, 2, 3, 4, 6 or 12 months so that there are at most five (about 35 px each,
    and months differ in length: they fit a phone-wide chart beside its labels), each on the
    first of a month (auto ticks on a short span fall mid-month and repeat a month's name)."""
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((k for k in (1, 2, 3, 4, 6, 12) if -(-months // k) <= 5), 12 * -(-months // 60))
    return {"tickformat": "%b<br>%Y", "tickangle": 0, "dtick": f"M{step}",
            "tick0": start.replace(day=1).strftime("%Y-%m-%d")}


def legend_below(fig: go.Figure) -> go.Figure:
    """A horizontal legend at the foot of the figure. Placed against the container (not the
    plot), Plotly reserves its rows as margin, so tick labels and axis titles stay above it at
    any width, however many rows the legend wraps onto."""
    fig.update_layout(legend={
        "orientation": "h", "traceorder": "normal", "x": 0, "xanchor": "left", "xref": "container",
        "y": 0, "yanchor": "bottom", "yref": "container", "title": {"text": ""},
        "font": {"color": TEXT_COLOUR},
    })
    return fig


def file_stem(title: str) -> str:
    """A file name from a chart title: 'RAG status by theme' -> 'rag-status-by-theme'."""
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return stem[:80] or "chart"


def plotly_config(title: str) -> dict:
    """`st.plotly_chart(config=...)`: the toolbar's PNG download at print resolution."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": "png",
            "filename": file_stem(title),
            "scale": TOOLBAR_IMAGE_SCALE,
        },
    }


#: The trace types the dashboard draws; a figure's own types are added to its template too.
DRAWN_TRACE_TYPES = frozenset({"bar", "scatter"})
#: Subplot kinds of plotly_white's layout that a 2-D chart has none of.
_OTHER_SUBPLOTS = ("geo", "map", "mapbox", "polar", "scene", "smith", "ternary")


@lru_cache(maxsize=32)
def screen_template(trace_types: frozenset[str]) -> go.layout.Template:
    """plotly_white with only what a chart of these trace types uses: its layout without the
    map, polar, 3-D and ternary subplots' defaults, and the trace defaults of these types only.

    A chart looks exactly as under the whole template (the defaults left out apply to traces
    and subplots it does not have), but every chart sent to a browser carried plotly_white's
    defaults for 24 trace types, 4.8 kB of its 11.8 kB, and copying a figure validated them
    all (7 of 13 ms a copy; issue 13's profile)."""
    white = pio.templates["plotly_white"]
    layout = white.layout.to_plotly_json()
    if not trace_types - {"bar", "scatter", "scattergl", "histogram", "box", "heatmap", "table"}:
        for kind in _OTHER_SUBPLOTS:
            layout.pop(kind, None)
    data = {kind: white.data[kind] for kind in sorted(trace_types) if kind in white.data}
    return go.layout.Template(layout=layout, data=data)


def finish_figure(fig: go.Figure, meta: ChartMeta) -> go.Figure:
    """Apply the shared layout and record the chart's meta for export."""
    text = {"color": TEXT_COLOUR}
    fig.update_layout(
        # The template set, not left to the process default (Streamlit installs its own, with
        # no automargin): the figure then looks the same on the page, in a test and in print.
        # plotly_white, less the defaults of trace types and subplots the chart has not got.
        template=screen_template(DRAWN_TRACE_TYPES | {trace.type for trace in fig.data}),
        # Sat on the plot (paper y=1) with automargin, the title pushes the plot down by as
        # many lines as it wraps onto (against the container, Plotly lifts it off the top).
        title={"text": title_markup(meta), "x": 0, "xanchor": "left", "xref": "container",
               "y": 1, "yanchor": "bottom", "yref": "paper", "automargin": True, "pad": {"l": 10, "b": 14},
               "font": {"size": TITLE_SIZE, **text}},
        font={"family": FONT_FAMILY, "size": FONT_SIZE, **text},
        colorway=list(CATEGORICAL_PALETTE),
        paper_bgcolor=BACKGROUND,
        plot_bgcolor=BACKGROUND,
        margin={"t": 40, "l": 10, "r": 10, "b": 20},
        hoverlabel={"font": {"color": TEXT_COLOUR}, "bgcolor": BACKGROUND},
        meta=asdict(meta),
    )
    # automargin: tick labels and axis titles push the margins instead of being cut off
    # color: the axis's default for its tick labels and title (a colour the builder set stays)
    axes = {"showgrid": True, "gridcolor": GRID_COLOUR, "zerolinecolor": ZERO_LINE_COLOUR, "automargin": True,
            "color": TEXT_COLOUR}
    # x tick labels a little below the axis, so the first one never touches the lowest y tick
    # label at the plot's corner
    fig.update_xaxes(**axes, ticklabelstandoff=6)
    fig.update_yaxes(**axes)
    # axis titles at the text size (Plotly's default is 1.2 times it): a wrapped title then fits
    # the plot's width on a phone (a size a builder set stays)
    fig.for_each_xaxis(lambda axis: None if axis.title.font.size else axis.update(title_font_size=FONT_SIZE))
    fig.for_each_yaxis(lambda axis: None if axis.title.font.size else axis.update(title_font_size=FONT_SIZE))
    # an axis title longer than a phone-wide plot wraps (a y title reads up the side: its own length)
    fig.for_each_xaxis(lambda axis: axis.update(title_text=wrap_markup(axis.title.text, AXIS_TITLE_CHARS))
                       if axis.title.text else None)
    return fig


def chart_meta(fig: go.Figure) -> ChartMeta:
    """The meta `finish_figure` recorded."""
    meta = fig.layout.meta or {}
    return ChartMeta(**{k: meta.get(k, "") for k in ("title", "subtitle", "source", "alt")})
