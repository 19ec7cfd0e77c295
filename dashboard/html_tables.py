"""Small report tables as semantic HTML: text that wraps, a caption, header cells with scope.

Streamlit's `st.dataframe` draws cells on a canvas inside a fixed-width grid: long comments are
cut off, wide tables scroll sideways, and a browser's find cannot reach the figures. A report
table (headline measures, exceptions, RAG summaries, budget) is short, so it is written here as a
plain `<table>` whose figures are the page's own text. On a narrow screen the stylesheet in
`ui/static/dashboard.css` turns each row into a card; every cell then shows its column's name
from a label span that screen readers skip (they already have the header cells).

Every value is escaped: extract text is shown literally, never as HTML.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

#: Classes the stylesheet knows: a figure column (right-aligned, no wrapping inside a figure),
#: and a column of free text that needs room (Comment, narrative).
NUMERIC_CLASS = "num"
WIDE_CLASS = "wide"
LABEL_CLASS = "cell-label"
TABLE_CLASS = "report-table"
#: An icon and the first word after it, kept on one line.
ICON_CLASS = "with-icon"


def cell_text(value: Any) -> str:
    """A cell's value as the text a reader sees: missing values are blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a count read back as a float (pandas' missing values)
    return str(value)


def _escaped(text: str) -> str:
    """Escaped text whose line breaks survive (a comment's paragraphs)."""
    lines = [html.escape(line, quote=False) for line in text.splitlines()]
    return "<br>".join(lines)


def _classes(column: str, numeric: set[str], wide: set[str]) -> str:
    names = [name for name, chosen in ((NUMERIC_CLASS, column in numeric), (WIDE_CLASS, column in wide)) if chosen]
    return f' class="{" ".join(names)}"' if names else ""


def _cell(tag: str, column: str, value: Any, attributes: str, icon: str = "") -> str:
    label = f'<span class="{LABEL_CLASS}" aria-hidden="true">{html.escape(column, quote=False)}</span>'
    text = _escaped(cell_text(value))
    if icon:
        # the icon stays on the line of its first word: a narrow column never leaves it alone
        first, space, rest = text.partition(" ")
        text = f'<span class="{ICON_CLASS}">{icon}{first}</span>{space}{rest}'
    return f"<{tag}{attributes}>{label}{text}</{tag}>"


def table_html(
    df: pd.DataFrame,
    caption: str,
    *,
    numeric: Iterable[str] = (),
    wide: Iterable[str] = (),
    row_header: str | None = None,
    icons: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """`df` as an HTML table with `caption`; `row_header` (default: the first column) names each row.

    `numeric` columns are right-aligned figures; `wide` columns are free text given room.
    `icons` puts markup before a column's words, one per row: the dashboard's own icons
    (`dashboard.summary_icons`), never extract text, which stays escaped like every value.
    """
    numeric_set, wide_set = set(numeric), set(wide)
    columns = [str(column) for column in df.columns]
    header_column = row_header if row_header is not None else (columns[0] if columns else None)
    head = "".join(
        f'<th scope="col"{_classes(column, numeric_set, wide_set)}>{html.escape(column, quote=False)}</th>'
        for column in columns
    )
    icons = dict(icons or {})
    for column, markup in icons.items():
        if len(markup) != len(df):
            raise ValueError(f"{len(markup)} icons for the {len(df)} rows of column {column!r}")
    rows = []
    for position, values in enumerate(df.itertuples(index=False, name=None)):
        cells = []
        for column, value in zip(columns, values):
            attributes = _classes(column, numeric_set, wide_set)
            icon = icons[column][position] if column in icons else ""
            if column == header_column:
                cells.append(_cell("th", column, value, f' scope="row"{attributes}', icon))
            else:
                cells.append(_cell("td", column, value, attributes, icon))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="{TABLE_CLASS}"><table>'
        f"<caption>{html.escape(caption, quote=False)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
