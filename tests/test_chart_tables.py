"""Every chart on every page has its data table, and the table holds the chart's figures.

README: "Every chart has a data table (the "Data table" expander under it)". `ui.render.show_chart`
puts the expander right after the chart; these tests open every page in `ui.navigation.PAGES`
on the sample extracts (loaded by the loader) at the seed report's period (2019-01) and at the
default (latest) period, and for each Plotly chart check, point by point, that the table in the
expander after it carries the plotted figure in the row of that point (matched by the point's
label: theme, measure, quarter, entity, month) and, where the trace is named after a column
(`✔ Better`, `Budget`, `Mean`, `● Green`), in that column, as the table formats it (rounded to
the decimals it shows, `£1,052k`, `+10.2%`, `14/14 (100%)`).
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from report_tables import tables_in_html
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import domain
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PERIODS = ("2019-01", None)  # the seed report's month, and the default (latest) period
#: Pages that must show at least this many charts at 2019-01, so the checks below cannot pass
#: by finding nothing to check.
CHARTS_AT_2019_01 = {"overview": 1, "headlines": 1, "exceptions": 1, "delivery": 1, "budget": 2,
                     "decisions_estates": 1, "framework": 1}

#: A number as tables print it: 4,872 / +10.2 / -2.7 / 1.1 (the unit around it is ignored).
_NUMBER = re.compile(r"(?P<sign>[-+\u2212])?(?P<digits>\d[\d,]*(?:\.\d+)?)(?P<suffix>[km])?(?![\d])")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@pytest.fixture
def sample_app(sample_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-browser"))  # no chart images needed here
    return sample_db


# --- Reading the page --------------------------------------------------------------------------------


def _walk(node):
    """Every node of the element tree in page order."""
    yield node
    children = getattr(node, "children", None) or {}
    for index in sorted(children):
        yield from _walk(children[index])


@dataclass
class ChartOnPage:
    figure: dict
    table: pd.DataFrame | None   # the dataframe in the "Data table" expander after the chart
    problem: str = ""            # why no table was found


def charts_with_tables(at: AppTest) -> list[ChartOnPage]:
    """Each chart, with the table in the expander right after it (its caption may come between)."""
    nodes = list(_walk(at._tree))  # noqa: SLF001 - page order needs the tree itself
    found = []
    for index, node in enumerate(nodes):
        if node.type != "plotly_chart":
            continue
        figure = json.loads(node.proto.spec)
        chart = ChartOnPage(figure, None, "nothing after the chart")
        for after in nodes[index + 1:]:
            if after.type == "caption":
                continue
            if after.type != "expander":
                chart.problem = f"the chart is followed by a {after.type}, not its 'Data table' expander"
                break
            if after.type == "expander":
                if after.label != "Data table":
                    chart.problem = f"the expander after the chart is {after.label!r}, not 'Data table'"
                    break
                frames = [n.value for n in _walk(after) if n.type in ("arrow_data_frame", "dataframe")]
                frames += [t for n in _walk(after) if n.type == "html" for t in tables_in_html(n.proto.body)]
                if not frames:
                    chart.problem = "the 'Data table' expander holds no table"
                    break
                chart.table, chart.problem = frames[0], ""
                break
        found.append(chart)
    return found


# --- What a chart plots -----------------------------------------------------------------------------------


def _plain(text: object) -> str:
    """A Plotly label as a reader sees it: entities unescaped, line breaks as spaces."""
    shown = html.unescape(re.sub(r"<br\s*/?>", " ", str(text)))
    return " ".join(re.sub(r"</?[a-z]+>", "", shown).split())


def _category(value: object) -> str:
    """A category or date coordinate as the table prints it: 2019-01-01 -> 'Jan 2019'."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return datetime.fromisoformat(value[:10]).strftime("%b %Y")
    return _plain(value)


@dataclass(frozen=True)
class Point:
    trace: str
    label: str                # its category (theme, measure, quarter and theme, month), as text
    value: float
    tick_text: str | None     # where the axis writes the value in words (grades)

    def __str__(self) -> str:
        return f"{self.trace or 'trace'} / {self.label}: {self.value}"


def _array(data: object) -> list:
    """A trace's data as a list: Plotly writes numpy arrays as {"dtype": "f8", "bdata": base64}."""
    if isinstance(data, dict) and "bdata" in data:
        values = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        if "shape" in data:
            values = values.reshape([int(n) for n in str(data["shape"]).split(",")])
        return values.tolist()
    if data is None:
        return []
    return list(data) if isinstance(data, (list, tuple)) else [data]


def _axis(layout: dict, trace: dict, letter: str) -> dict:
    name = trace.get(f"{letter}axis", letter)
    return layout.get(f"{letter}axis{name[1:]}", {})


def plotted_points(figure: dict) -> list[Point]:
    """Every plotted number with the label of its row (text-only traces are labels, not figures)."""
    points = []
    for trace in figure["data"]:
        mode = trace.get("mode", "")
        if trace.get("type", "scatter") == "scatter" and mode == "text":
            continue  # e.g. the budget chart's variance words, placed beside the bars
        horizontal = trace.get("orientation") == "h"
        value_letter, category_letter = ("x", "y") if horizontal else ("y", "x")
        values = _array(trace.get(value_letter))
        categories = [_array(level) if isinstance(level, dict) else level for level in _array(trace.get(category_letter))]
        if categories and isinstance(categories[0], list):   # a multi-category axis (quarter, theme)
            categories = [" ".join(_category(level[i]) for level in categories) for i in range(len(values))]
        else:
            categories = [_category(c) for c in categories]
        texts = trace.get("text")
        texts = _array(texts) if isinstance(texts, (list, dict)) else [texts] * len(values)
        axis = _axis(figure["layout"], trace, value_letter)
        ticks = dict(zip(axis.get("tickvals", []), axis.get("ticktext", [])))
        for value, label, text in zip(values, categories, texts):
            if value is None or text == "no figure":   # nothing drawn (a bar of no height says so)
                continue
            if isinstance(value, str):   # a date axis: the table names the day ('9 June 2016')
                day = pd.Timestamp(value)
                points.append(Point(_plain(trace.get("name") or ""), label, float(day.toordinal()),
                                    f"{day.day} {day:%B %Y}"))
                continue
            points.append(Point(_plain(trace.get("name") or ""), label, float(value), ticks.get(value)))
    return points


# --- Finding a figure in the table --------------------------------------------------------------------------


def numbers_in(cell: object) -> list[tuple[float, float, bool]]:
    """(number, rounding allowed, signed) for each number printed in a cell.

    '+10.2%' -> (10.2, 0.05, signed); 'Overspend £1,052k' -> (1052, 0.5, unsigned): the words
    give its direction, so only its size is compared; '£1.1m' -> (1100, 50, unsigned); 'On budget'
    (the budget tables' words for a variance of exactly nothing) -> (0, 0, signed).
    """
    if isinstance(cell, bool) or cell is None:
        return []
    if isinstance(cell, (int, float)):
        return [] if math.isnan(cell) else [(float(cell), 1e-9, True)]
    if str(cell).strip().lower() == domain.ON_BUDGET:
        return [(0.0, 1e-9, True)]
    found = []
    for match in _NUMBER.finditer(str(cell)):
        digits = match["digits"].replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        scale = 1000.0 if match["suffix"] == "m" else 1.0
        sign = -1.0 if match["sign"] in ("-", "\u2212") else 1.0
        found.append((sign * float(digits) * scale, 0.5 * 10 ** -decimals * scale + 1e-9, bool(match["sign"])))
    return found


def shows(cell: object, point: Point) -> bool:
    """Whether the cell prints the point's figure, at the cell's own rounding."""
    if point.tick_text is not None and point.tick_text in str(cell):
        return True  # a grade axis names its values in words ('Good'); the table says the same
    for number, allowed, signed in numbers_in(cell):
        if signed and abs(number - point.value) <= allowed:
            return True
        if not signed and abs(number - abs(point.value)) <= allowed:
            return True
    return False


def rows_for(point: Point, table: pd.DataFrame) -> list[int]:
    """The rows whose text cells best name the point: the most label text matched wins."""
    label = point.label.lower()
    scores = []
    for position, row in enumerate(table.itertuples(index=False)):
        score = sum(
            len(text) for text in (" ".join(str(cell).split()).lower() for cell in row if isinstance(cell, str))
            if len(text) >= 3 and not _NUMBER.fullmatch(text) and text in label
        )
        scores.append(score)
    best = max(scores, default=0)
    return [position for position, score in enumerate(scores) if score == best and best > 0]


def unmatched(points: list[Point], table: pd.DataFrame) -> list[str]:
    """The points the table does not carry, with what it has in their rows instead."""
    missing = []
    columns = {_plain(column): column for column in table.columns}
    for point in points:
        rows = rows_for(point, table)
        if not rows:
            missing.append(f"{point}: no table row is labelled like {point.label!r}")
            continue
        column = columns.get(point.trace)
        cells = [table.iloc[r][column] for r in rows] if column is not None else [
            cell for r in rows for cell in table.iloc[r]]
        if not any(shows(cell, point) for cell in cells):
            where = f"column {column!r}" if column is not None else "its row"
            missing.append(f"{point}: not in {where} of the table ({cells})")
    return missing


def assert_tables_carry_the_figures(at: AppTest, where: str) -> int:
    charts = charts_with_tables(at)
    for chart in charts:
        title = _plain(chart.figure["layout"].get("title", {}).get("text", ""))
        assert not chart.problem, f"{where}: chart {title!r}: {chart.problem}"
        points = plotted_points(chart.figure)
        assert points, f"{where}: chart {title!r} plots no figures"
        assert not chart.table.empty, f"{where}: chart {title!r} has an empty data table"
        missing = unmatched(points, chart.table)
        assert not missing, f"{where}: chart {title!r}: " + "; ".join(missing)
    return len(charts)


# --- Opening pages and their variants --------------------------------------------------------------------------


def open_page(path: str, period: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if period:
        at.query_params["period"] = period
    at.run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_variants(at: AppTest, path: str):
    """The page as opened, then each choice that draws another chart: every measure on Theme
    headlines, each source on Exceptions (the detection rule finds others), each plan on Plan
    framework."""
    yield "as opened"
    if path == "pages/headlines.py" and at.get("selectbox"):
        try:
            chooser = at.selectbox(key="headline_measure")
        except KeyError:
            return
        for measure in chooser.options:
            at.selectbox(key="headline_measure").set_value(measure).run()
            assert not at.exception, [e.value for e in at.exception]
            yield f"measure {measure!r}"
    if path == "pages/exceptions.py":
        try:
            sources = at.radio(key="exceptions_source").options
        except KeyError:
            return
        for source in sources:
            at.radio(key="exceptions_source").set_value(source).run()
            assert not at.exception, [e.value for e in at.exception]
            yield f"source {source!r}"
    if path == "pages/framework.py":
        try:
            plans = at.selectbox(key="framework_plan").options
        except KeyError:
            return
        for plan in plans:   # the 2016-18 plan draws the pledge chart too
            at.selectbox(key="framework_plan").set_value(plan).run()
            assert not at.exception, [e.value for e in at.exception]
            yield f"plan {plan!r}"


@pytest.mark.parametrize("period", PERIODS, ids=["2019-01", "default"])
@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_every_chart_has_a_data_table_with_its_figures(spec, period, sample_app: Path) -> None:
    at = open_page(spec.path, period)
    charts = 0
    for variant in page_variants(at, spec.path):
        charts += assert_tables_carry_the_figures(at, f"{spec.url_path} at {period or 'the default period'}, {variant}")
    if period == "2019-01":
        assert charts >= CHARTS_AT_2019_01.get(spec.url_path, 0), f"{spec.url_path}: only {charts} chart(s) found"


def test_the_performance_summarys_matrix_has_its_table_in_december_2024(sample_app: Path) -> None:
    """The summary draws its chart only for a month its series reach (the sample's Dec 2024, not
    the Jan 2019 report both runs above open on), so it is opened there too."""
    at = open_page("pages/summary.py", "2024-12")
    assert assert_tables_carry_the_figures(at, "summary at 2024-12") == 1


# --- The matcher itself: it must notice a wrong figure ----------------------------------------------------------


def test_the_matcher_notices_a_figure_missing_or_changed_in_the_table() -> None:
    """A table that rounds as the chart's figure would is accepted; one figure off by more than
    its rounding, in the wrong column, in the wrong row or with the wrong sign is not."""
    figure = {
        "layout": {},
        "data": [
            {"type": "bar", "name": "✔ Better", "orientation": "h", "x": [3, 0], "y": ["Theme A", "Theme<br>B"]},
            {"type": "bar", "name": "Change", "orientation": "h", "x": [10.24, -2.7], "y": ["Theme A", "Theme<br>B"]},
        ],
    }
    points = plotted_points(figure)
    good = pd.DataFrame({"Theme": ["Theme A", "Theme B"], "✔ Better": [3, 0], "Change": ["+10.2%", "-2.7 pts"]})
    assert unmatched(points, good) == []
    assert len(unmatched(points, good.assign(Change=["+10.3%", "-2.7 pts"]))) == 1        # beyond rounding
    assert len(unmatched(points, good.assign(Change=["+10.2%", "+2.7 pts"]))) == 1        # sign
    assert len(unmatched(points, good.assign(**{"✔ Better": [0, 3]}))) == 2               # rows swapped
    assert len(unmatched(points, good.assign(Theme=["Theme A", "Theme C"]))) == 2         # no row for B
    swapped = good.rename(columns={"✔ Better": "Other"}).assign(Other=[3, 0], Change=["+10.2% (3)", "-2.7 (0)"])
    assert unmatched(points, swapped) == []   # no column named after the trace: anywhere in the row
    assert len(unmatched(points, good.assign(**{"✔ Better": [4, 0]}))) == 1


def _chart_without_a_table() -> None:
    import pandas as pd
    import plotly.graph_objects as go
    import streamlit as st

    from dashboard.charts import ChartMeta, finish_figure
    from ui.render import show_chart

    fig = finish_figure(go.Figure(go.Bar(x=["Baseline", "Current"], y=[4872, 5369])), ChartMeta("Referrals"))
    show_chart(fig, pd.DataFrame({"Figure": ["Baseline", "Current"], "Value": ["4,872", "5,369"]}), "with", "c")
    st.plotly_chart(fig, key="bare")
    st.caption("a caption")
    with st.expander("What the statuses mean"):
        st.dataframe(pd.DataFrame({"Figure": ["Baseline", "Current"], "Value": ["4,872", "5,369"]}))


def test_a_chart_without_its_data_table_is_noticed() -> None:
    """show_chart's chart is found with its table; a bare chart followed by another expander is not."""
    at = AppTest.from_function(_chart_without_a_table, default_timeout=30).run()
    assert not at.exception
    with_table, bare = charts_with_tables(at)
    assert not with_table.problem and unmatched(plotted_points(with_table.figure), with_table.table) == []
    assert bare.table is None and "'What the statuses mean'" in bare.problem
