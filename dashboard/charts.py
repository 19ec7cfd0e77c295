"""Conventions every chart follows: title, subtitle, source line, palette, toolbar download.

Figure builders (`build_*_figure`) return a `go.Figure` finished by `finish_figure`, which
records title, subtitle, source and alt text in `layout.meta`, so the print export and the
panel pack can re-style any chart without knowing how it was built.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import plotly.graph_objects as go

#: Okabe-Ito hues, distinguishable under the common colour-vision deficiencies, keeping only
#: those at 3:1 or more against white (sky blue and orange fall below), plus a dark purple.
#: tests/test_domain.py checks the contrast of every colour here and in domain.py.
CATEGORICAL_PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#6A3D9A", "#000000",
)
FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
#: The toolbar's image download: scale 3 makes a 1,000 px-wide chart 3,000 px, sharp at A4.
TOOLBAR_IMAGE_SCALE = 3


@dataclass(frozen=True)
class ChartMeta:
    """What a chart says about itself, beyond its marks."""

    title: str
    subtitle: str = ""   # e.g. "Protecting people from harm · report to Jan 2019"
    source: str = ""     # e.g. "measures.csv, loaded 2026-11-24"
    alt: str = ""        # one-sentence description for screen readers and the Word pack


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


def finish_figure(fig: go.Figure, meta: ChartMeta) -> go.Figure:
    """Apply the shared layout and record the chart's meta for export."""
    subtitle = f"<br><sup>{meta.subtitle}</sup>" if meta.subtitle else ""
    fig.update_layout(
        title={"text": f"{meta.title}{subtitle}", "x": 0, "xanchor": "left"},
        font={"family": FONT_FAMILY, "size": 13, "color": "#1A1A1A"},
        colorway=list(CATEGORICAL_PALETTE),
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        margin={"t": 80, "l": 10, "r": 10, "b": 60},
        meta=asdict(meta),
    )
    fig.update_xaxes(showgrid=True, gridcolor="#E5E5E5", zerolinecolor="#8C8C8C")
    fig.update_yaxes(showgrid=True, gridcolor="#E5E5E5", zerolinecolor="#8C8C8C")
    return fig


def chart_meta(fig: go.Figure) -> ChartMeta:
    """The meta `finish_figure` recorded."""
    meta = fig.layout.meta or {}
    return ChartMeta(**{k: meta.get(k, "") for k in ("title", "subtitle", "source", "alt")})
