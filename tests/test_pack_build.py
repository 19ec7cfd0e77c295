"""The panel pack, beyond tests/test_pack.py: the description --help prints, an output folder
that does not exist yet, the browser started on a thread of its own while the figures are read,
and the chart images' width.

Each test here makes what it checks itself: mutmut runs, for a mutant, only the tests that
called the mutated function, and a module-scoped fixture (tests/test_pack.py's documents) calls
it in the first test that asks for it only."""

from __future__ import annotations

import struct
import threading
import zlib
from datetime import date
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from dashboard import domain, pack, reports
from dashboard.db import connect_readonly
from dashboard.export import ExportUnavailable


class NoBrowser:
    """An exporter without a browser: the pack is written without chart images."""

    def available(self) -> bool:
        return False

    def unavailable_reason(self) -> str:
        return "No browser in this test."

    def close(self) -> None:
        pass


def test_help_describes_the_pack_in_the_docstrings_first_paragraph_only(capsys) -> None:
    """--help prints the module docstring's first paragraph as the description: not its usage
    example or the paragraphs about the document that follow."""
    with pytest.raises(SystemExit) as raised:
        pack.main(["--help"])
    assert raised.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    description = text.split(" [--meeting MEETING] ", 1)[1].split(" options: ", 1)[0]
    assert description == ("The quarterly panel pack: a Word document laid out like the report's performance section, "
                           "and a ZIP of every chart (PNG and SVG) and table (CSV).")


def test_out_may_name_a_folder_whose_parents_do_not_exist_yet(sample_db: Path, tmp_path: Path, monkeypatch,
                                                              capsys) -> None:
    """--out build/packs/2024: the missing folders are made, parents and all, and the pack written there."""
    monkeypatch.setattr(pack, "Exporter", NoBrowser)
    out = tmp_path / "build" / "packs" / "2024"
    assert pack.main(["--period", "2024-12", "--out", str(out), "--db", str(sample_db)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["panel-pack-2024-12.docx", "panel-pack-2024-12.zip"]
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Wrote {out / 'panel-pack-2024-12.docx'} and {out / 'panel-pack-2024-12.zip'} (0 charts, ")
    assert captured.err.splitlines()[-1] == "warning: No browser in this test."


class ThreadRecordingExporter(NoBrowser):
    """Available, but it cannot start; it records the thread `start` ran on."""

    def __init__(self) -> None:
        self.start_thread: threading.Thread | None = None

    def available(self) -> bool:
        return True

    def start(self) -> None:
        self.start_thread = threading.current_thread()
        raise ExportUnavailable("This stand-in browser never starts.")


def test_the_browser_starts_on_its_own_named_thread(sample_db: Path, tmp_path: Path) -> None:
    """The browser is started on a worker thread (the figures are read meanwhile), named
    pack-browser so that a hang there is easy to find in a thread dump."""
    exporter = ThreadRecordingExporter()
    with connect_readonly(sample_db) as con:
        result = pack.build_panel_pack(con, date(2024, 12, 1), tmp_path, exporter=exporter)
    assert result.notes == ("This stand-in browser never starts.",)
    assert exporter.start_thread is not None and exporter.start_thread is not threading.main_thread()
    assert exporter.start_thread.name.startswith("pack-browser_")


def one_pixel_png() -> bytes:
    """A valid 1 x 1 PNG: python-docx embeds it at its own size unless told a width."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


def test_every_chart_image_is_17_cm_wide(sample_db: Path, tmp_path: Path) -> None:
    """Each chart image fills the A4 text width (17 cm between 2 cm margins), whatever the
    image's own size."""
    with connect_readonly(sample_db) as con:
        content = pack.gather_pack_content(con, date(2024, 12, 1))
    charts = content.all_charts()
    path = tmp_path / "pack.docx"
    pack.write_docx(content, {chart.stem: one_pixel_png() for chart in charts}, path)
    shapes = docx.Document(str(path)).inline_shapes
    assert len(shapes) == len(charts) > 0
    assert [shape.width for shape in shapes] == [Cm(17.0)] * len(charts)


# --- The Word document's building blocks, each on a document of its own ------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def test_a_field_is_begin_instruction_separate_placeholder_end_at_the_given_size() -> None:
    """PAGE as Word writes a field: fldChar begin, the instruction ' PAGE ' (spaces kept),
    fldChar separate, '1' until the reader updates it, fldChar end; every run at the size given."""
    paragraph = docx.Document().add_paragraph()
    pack._field(paragraph, "PAGE", size_pt=8)
    parts = []
    for run in paragraph.runs:
        (child,) = [c for c in run._r if c.tag != f"{W}rPr"]
        name = child.tag.removeprefix(W)
        if name == "fldChar":
            parts.append(("fldChar", child.get(f"{W}fldCharType")))
        elif name == "instrText":
            parts.append(("instrText", child.text, child.get(XML_SPACE)))
        else:
            parts.append((name, child.text))
    assert parts == [("fldChar", "begin"), ("instrText", " PAGE ", "preserve"), ("fldChar", "separate"),
                     ("t", "1"), ("fldChar", "end")]
    assert [run.font.size for run in paragraph.runs] == [Pt(8)] * 5


def cm(*lengths) -> list[float]:
    """Lengths in cm to 0.01 (Word stores them in twentieths of a point)."""
    return [round(length.cm, 2) for length in lengths]


@pytest.mark.parametrize("landscape, orientation, width, height", [
    (False, WD_ORIENT.PORTRAIT, 21.0, 29.7),
    (True, WD_ORIENT.LANDSCAPE, 29.7, 21.0),
], ids=["portrait", "landscape"])
def test_a_page_is_a4_with_2_cm_margins_either_way_round(landscape, orientation, width, height) -> None:
    section = docx.Document().sections[0]
    pack._page_setup(section, landscape)
    assert section.orientation == orientation
    assert cm(section.page_width, section.page_height) == [width, height]
    assert cm(section.left_margin, section.right_margin, section.top_margin, section.bottom_margin) == [2.0] * 4
    assert cm(section.header_distance, section.footer_distance) == [1.0, 1.0]


def test_a_heading_style_names_the_font_for_every_script_and_no_theme_font() -> None:
    """Theme fonts dropped, the font named for each script; again on the same style, no change
    (theme fonts already gone are not an error)."""
    style = docx.Document().styles["Heading 1"]
    for _ in range(2):
        pack._set_east_asian_font(style, "Arial")
        assert dict(style.element.rPr.rFonts.attrib) == {
            f"{W}{a}": "Arial" for a in ("ascii", "hAnsi", "eastAsia", "cs")}


def test_row_flags_repeat_the_header_and_keep_a_row_on_one_page() -> None:
    table = docx.Document().add_table(rows=2, cols=1)
    pack._repeat_as_header(table.rows[0])
    pack._cannot_split(table.rows[1])
    flags = [[(c.tag.removeprefix(W), c.get(f"{W}val")) for c in row._tr.trPr] for row in table.rows]
    assert flags == [[("tblHeader", "true")], [("cantSplit", "true")]]


def test_the_documents_styles_page_and_counters_start_as_the_paper_needs() -> None:
    """A4 portrait; body in Arial 10 pt; title and headings in Arial, bold, black, 16/12/11 pt, for
    every script; no figure numbered yet; the text 17 cm wide."""
    doc = pack._Doc()
    section = doc.document.sections[0]
    assert cm(section.page_width, section.page_height, section.left_margin) == [21.0, 29.7, 2.0]
    normal = doc.document.styles["Normal"].font
    assert (normal.name, normal.size) == ("Arial", Pt(10))
    for name, size in (("Title", 16), ("Heading 1", 12), ("Heading 2", 11)):
        style = doc.document.styles[name]
        assert (style.font.name, style.font.size, style.font.bold, style.font.color.rgb) == (
            "Arial", Pt(size), True, RGBColor(0, 0, 0)), name
        assert style.element.rPr.rFonts.get(f"{W}eastAsia") == "Arial"
    assert (doc.figure_number, doc.text_width_cm) == (0, 17.0)


def test_a_heading_keeps_with_the_next_paragraph_and_can_start_a_page() -> None:
    doc = pack._Doc()
    doc.heading("Purpose\x0b of the report", level=1)
    doc.heading("Appendix A", level=2, new_page=True)
    first, second = doc.document.paragraphs
    assert (first.text, first.style.name, second.style.name) == ("Purpose  of the report", "Heading 1", "Heading 2")
    assert (first.paragraph_format.keep_with_next, first.paragraph_format.page_break_before) == (True, None)
    assert (second.paragraph_format.keep_with_next, second.paragraph_format.page_break_before) == (True, True)


def test_a_numbered_paragraph_hangs_its_number_and_leads_in_bold() -> None:
    doc = pack._Doc()
    doc.numbered("5.2", "recorded by the force.", bold_lead="Fraud offences ", italic=True)
    doc.numbered("5.3", "Plain.")
    first, second = doc.document.paragraphs
    formats = first.paragraph_format
    assert cm(formats.left_indent, formats.first_line_indent) == [1.0, -1.0]
    assert cm(*[stop.position for stop in formats.tab_stops]) == [1.0]
    assert [(r.text, r.bold, r.italic) for r in first.runs] == [
        ("5.2\t", None, None), ("Fraud offences ", True, None), ("recorded by the force.", None, True)]
    assert [(r.text, r.bold, r.italic) for r in second.runs] == [("5.3\t", None, None), ("Plain.", None, False)]


def test_a_new_section_starts_a_page_in_its_orientation_and_sets_the_text_width() -> None:
    doc = pack._Doc()
    doc.new_section(landscape=True)
    assert doc.text_width_cm == 25.7
    landscape = doc.document.sections[-1]
    assert (landscape.start_type, landscape.orientation, cm(landscape.page_width)) == (
        WD_SECTION.NEW_PAGE, WD_ORIENT.LANDSCAPE, [29.7])
    doc.new_section(landscape=False)
    assert doc.text_width_cm == 17.0
    assert (doc.document.sections[-1].orientation, len(doc.document.sections)) == (WD_ORIENT.PORTRAIT, 3)


def test_the_header_names_the_paper_and_the_footer_numbers_the_pages() -> None:
    """Header: the text, right-aligned, 8 pt. Footer, centred, 8 pt: 'Page ', PAGE, ' of ', NUMPAGES."""
    doc = pack._Doc()
    doc.header_and_footer("POLICE AND CRIME PLAN · Item\x0c 6")
    section = doc.document.sections[0]
    header = section.header.paragraphs[0]
    assert (header.text, header.alignment) == ("POLICE AND CRIME PLAN · Item  6", WD_ALIGN_PARAGRAPH.RIGHT)
    assert [run.font.size for run in header.runs] == [Pt(8)]
    footer = section.footer.paragraphs[0]
    assert footer.alignment == WD_ALIGN_PARAGRAPH.CENTER
    instructions = [t.text for t in footer._p.iter(f"{W}instrText")]
    assert instructions == [" PAGE ", " NUMPAGES "]
    texts = [r.text for r in footer.runs if r.text]
    assert texts == ["Page ", "1", " of ", "1"]
    assert {run.font.size for run in footer.runs} == {Pt(8)}


def test_numbered_paragraphs_count_on_from_the_start_and_return_the_next_number() -> None:
    doc = pack._Doc()
    assert pack._numbered_paragraphs(doc, 3, ["First.", "Second."]) == 3
    assert pack._numbered_paragraphs(doc, 4, ["Later."], start=5) == 6
    assert pack._numbered_paragraphs(doc, 2, []) == 1
    assert [p.text for p in doc.document.paragraphs] == ["3.1\tFirst.", "3.2\tSecond.", "4.5\tLater."]


def test_missing_words_are_an_italic_placeholder_naming_where_to_write_them() -> None:
    doc = pack._Doc()
    assert pack._missing(doc, 1, 2, "Purpose", "purpose") == 3
    (paragraph,) = doc.document.paragraphs
    assert paragraph.text == ("1.2\t[Purpose not yet written: fill in the purpose column of reports.csv, "
                              "or the Panel pack page's form for this pack.]")
    assert paragraph.runs[-1].italic is True


# --- Section 3's key points, from the figures -------------------------------------------------------------

JAN_2019 = date(2019, 1, 1)


def content_with(summary_rows=(), positive=0, negative=0, rag=None, budget_rows=(), quarter="2018-19 Q3"):
    """A PackContent for January 2019 holding only what key_points reads."""
    summary = pd.DataFrame(list(summary_rows), columns=["theme", "measures", "better", "worse", "no_change",
                                                        "not_comparable", "flagged"])
    return pack.PackContent(
        period=JAN_2019, headlines=pd.DataFrame(), positive=pd.DataFrame({"measure": ["p"] * positive}),
        negative=pd.DataFrame({"measure": ["n"] * negative}), quarter=quarter,
        rag=rag if rag is not None else pd.DataFrame(),
        budget=pd.DataFrame(list(budget_rows), columns=["entity", "category", "variance_text"]),
        sources="", details=reports.ReportDetails(period=JAN_2019), summary=summary)


def test_key_points_count_the_headline_directions_across_themes() -> None:
    points = pack.key_points(content_with(
        [("A", 5, 2, 1, 1, 1, 0), ("B", 4, 1, 2, 0, 1, 0)]))
    assert points[0] == ("Of the 9 headline measures reported to Jan 2019, 3 are better than their baseline, "
                         "3 worse and 1 unchanged; 2 cannot yet be compared, a figure being pending, to be "
                         "confirmed or a composite (section 4).")


def test_key_points_leave_out_what_is_none_and_count_the_flags_in_the_singular_or_plural() -> None:
    one = pack.key_points(content_with([("A", 3, 2, 1, 0, 0, 1)]))[0]
    assert one == ("Of the 3 headline measures reported to Jan 2019, 2 are better than their baseline, 1 worse "
                   "and 0 unchanged (section 4). 1 of them is flagged for checking, marked ⚠ in the table: a "
                   "published trend that does not follow from baseline and current, or a current figure dated "
                   "before its baseline.")
    two = pack.key_points(content_with([("A", 3, 2, 1, 0, 0, 1), ("B", 1, 1, 0, 0, 0, 1)]))[0]
    assert two.endswith(" (section 4). 2 of them are flagged for checking, marked ⚠ in the table: a published "
                        "trend that does not follow from baseline and current, or a current figure dated before "
                        "its baseline.")


@pytest.mark.parametrize("positive, negative", [(2, 3), (1, 0), (0, 1)], ids=["2-3", "1-0", "0-1"])
def test_key_points_count_the_exceptions(positive, negative) -> None:
    points = pack.key_points(content_with(positive=positive, negative=negative))
    assert points == [f"Exceptions reported: {positive} positive and {negative} negative, indicators that have "
                      "seen a significant divergence from the level or trend expected (section 5)."]


def test_key_points_say_when_no_exceptions_are_reported() -> None:
    assert pack.key_points(content_with()) == ["No positive or negative exceptions are reported for Jan 2019 (section 5)."]


def test_key_points_give_the_delivery_plan_by_theme_and_the_budget_by_line() -> None:
    rag = pd.DataFrame({
        "theme": ["Victims", "Victims", "Crime"], "status": ["G", "A", "G"], "n": [3, 0, 2],
        "summary_text": ["3/3 (100%)", "0/3 (0%)", "2/2 (100%)"]})
    points = pack.key_points(content_with(rag=rag, budget_rows=[("Force", "revenue", "£1.1m overspend"),
                                                               ("OPCC", "capital", "on budget")]))
    green = domain.RAG_BY_CODE["G"]
    assert points[1] == (f"Delivery plan at 2018-19 Q3: Victims: {green.icon} 3/3 (100%) {green.label}; "
                         f"Crime: {green.icon} 2/2 (100%) {green.label} (Appendix A).")
    assert points[2] == ("Forecast outturn against budget for 2018-19: Force revenue: £1.1m overspend; "
                         "OPCC capital: on budget (section 6).")


def test_a_run_of_repeated_values_is_merged_down_its_column_and_nothing_else() -> None:
    """Theme names repeated down a table print once: A, B, B, C, C, C becomes A, one B over two
    rows and one C over three; a value met once (A, first, or between runs) is left alone."""
    document = docx.Document()
    values = ["A", "B", "B", "C", "C", "C", "D"]
    table = document.add_table(rows=len(values) + 1, cols=2)
    for row, value in zip(table.rows[1:], values):
        row.cells[0].text = value
    pack._merge_repeats(table, 0)  # noqa: SLF001
    cells = [row._tr.tc_lst[0] for row in table.rows[1:]]  # noqa: SLF001 - the cells as stored, not as resolved
    assert [tc.vMerge for tc in cells] == [None, "restart", "continue", "restart", "continue", "continue", None]
    assert [row.cells[0].text for row in table.rows[1:]] == values
    assert all(row._tr.tc_lst[1].vMerge is None for row in table.rows)  # noqa: SLF001
