"""The screen template: plotly_white less only what a chart cannot use, so it looks the same and
sends and copies less (issue 13)."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from dashboard.charts import DRAWN_TRACE_TYPES, ChartMeta, finish_figure, screen_template

META = ChartMeta(title="A chart", subtitle="sub", source="source", alt="alt")


def test_a_bar_and_line_chart_keeps_every_default_it_can_use() -> None:
    white = pio.templates["plotly_white"]
    template = screen_template(DRAWN_TRACE_TYPES)
    assert set(template.data.to_plotly_json()) == {"bar", "scatter"}
    assert template.data.bar == white.data.bar and template.data.scatter == white.data.scatter
    kept = template.layout.to_plotly_json()
    whole = white.layout.to_plotly_json()
    # every cartesian default is kept as it is; only map, polar, 3-D and ternary subplots go
    assert {k: whole[k] for k in kept} == kept
    assert set(whole) - set(kept) == {"geo", "polar", "scene", "ternary"}


def test_a_figure_gets_the_defaults_of_its_own_trace_types() -> None:
    pie = finish_figure(go.Figure(go.Pie(labels=["a", "b"], values=[1, 2])), META)
    assert pie.layout.template.data.pie == pio.templates["plotly_white"].data.pie
    polar = screen_template(frozenset({"bar", "scatter", "scatterpolar"}))
    assert polar.layout.polar == pio.templates["plotly_white"].layout.polar  # a polar chart keeps its subplot


def test_a_finished_chart_sends_less_than_under_the_whole_template() -> None:
    fig = finish_figure(go.Figure(go.Bar(x=["Q1", "Q2"], y=[3, 4])), META)
    whole = go.Figure(fig)
    whole.update_layout(template="plotly_white")
    assert len(pio.to_json(fig, validate=False)) < len(pio.to_json(whole, validate=False)) - 3000
    assert fig.layout.template.layout.paper_bgcolor == "white"  # still plotly_white's look


def test_changing_one_figure_leaves_the_shared_template_alone() -> None:
    fig = finish_figure(go.Figure(go.Scatter(x=[1, 2], y=[1, 2])), META)
    fig.layout.template.layout.font.size = 99
    assert screen_template(DRAWN_TRACE_TYPES).layout.font.size is None
