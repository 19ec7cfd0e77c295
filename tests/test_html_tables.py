"""The report tables' HTML: semantic, escaped, labelled for the phone cards, read back whole."""

from __future__ import annotations

import math

import pandas as pd
from report_tables import tables_in_html

from dashboard.html_tables import cell_text, table_html

FRAME = pd.DataFrame({
    "Measure": ["Adult and child safeguarding referrals", "<b>bold</b> & [link](javascript:x)"],
    "Baseline": ["4,872 (Jan 2018)", None],
    "Change": ["+10.2%", math.nan],
    "Comment": ["First paragraph.\n\nSecond paragraph.", ""],
})


def test_a_caption_header_cells_with_scope_and_a_row_header() -> None:
    text = table_html(FRAME, "Headline measures", numeric=["Baseline", "Change"], wide=["Comment"])
    assert "<caption>Headline measures</caption>" in text
    assert '<th scope="col">Measure</th>' in text and '<th scope="col" class="num">Baseline</th>' in text
    assert '<th scope="col" class="wide">Comment</th>' in text
    assert text.count('<th scope="row">') == 2  # the first column names each row
    assert text.count('<td class="num">') == 4


def test_every_cell_carries_its_column_label_for_the_phone_cards_hidden_from_screen_readers() -> None:
    text = table_html(FRAME, "t")
    assert text.count('<span class="cell-label" aria-hidden="true">Change</span>') == 2
    assert text.count('class="cell-label"') == FRAME.size


def test_extract_text_is_escaped_never_html() -> None:
    text = table_html(FRAME, "<i>caption</i>")
    assert "<b>" not in text and "&lt;b&gt;bold&lt;/b&gt; &amp; [link](javascript:x)" in text
    assert "<i>" not in text and "&lt;i&gt;caption&lt;/i&gt;" in text


def test_paragraphs_survive_as_line_breaks() -> None:
    assert "First paragraph.<br><br>Second paragraph." in table_html(FRAME, "t")


def test_a_chosen_row_header_column() -> None:
    text = table_html(FRAME, "t", row_header="Change")
    assert '<th scope="row"><span class="cell-label" aria-hidden="true">Change</span>+10.2%</th>' in text
    assert '<td><span class="cell-label" aria-hidden="true">Measure</span>Adult' in text


def test_the_table_reads_back_as_the_frame_with_missing_values_blank() -> None:
    (back,) = tables_in_html(table_html(FRAME, "Headline measures"))
    assert back.attrs["caption"] == "Headline measures"
    assert list(back.columns) == list(FRAME.columns)
    assert back.iloc[0].tolist() == ["Adult and child safeguarding referrals", "4,872 (Jan 2018)", "+10.2%",
                                     "First paragraph.\n\nSecond paragraph."]
    assert back.iloc[1].tolist() == ["<b>bold</b> & [link](javascript:x)", "", "", ""]


def test_an_empty_frame_is_a_table_with_its_header() -> None:
    (back,) = tables_in_html(table_html(FRAME.iloc[0:0], "None"))
    assert list(back.columns) == list(FRAME.columns) and back.empty


def test_cell_text() -> None:
    assert [cell_text(v) for v in (None, math.nan, pd.NA, 3.0, 2.5, 7, "x")] == ["", "", "", "3", "2.5", "7", "x"]
