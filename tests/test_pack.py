"""The panel pack, without a browser: the Word document against the seed report, its layout, the
ZIP, the command line in process. These are the fast tests mutation testing runs; the pack as
Chromium renders it, as a process, through make and on its page is tests/test_pack_end_to_end.py."""

from __future__ import annotations

import re
import time
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import docx
import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from dashboard import budget, delivery, domain, loads, measures, pack, pack_summary, reports
from dashboard import summary as dashboard_summary
from dashboard.summary import notes as summary_notes
from dashboard.charts import ChartMeta, finish_figure
from dashboard.db import connect_readonly
from dashboard.export import (
    ExportFailed,
    ExportTimeout,
    ExportUnavailable,
    Exporter,
)
from dashboard.tables import table_to_csv
from loaders.provenance import Actor
from loaders.publish import publish_report
from pack_support import (EXPECTED_HEADLINES, PERIOD, StandInExporter, correct_referrals, image_alt_texts,
                          publish_january, rows, stand_in_images, table_after, table_texts, tiny_png)
from pack_support import con, sample_db_path  # noqa: F401  (fixtures)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_REPORT = PROJECT_ROOT.parent / "shared" / "seeds" / "001_104b8f77d4b015be.txt"

EXPECTED_POSITIVE = {
    "Adult and child safeguarding referrals": "+10.2%",
    "Domestic abuse crimes": "+33.5%",
    "Drug trafficking and supply offences": "+11.6%",
    "People killed or seriously injured on the roads": "-40.7%",
    "Compliance with crime recording standards": "+5% pts",
}
EXPECTED_NEGATIVE = {
    "Victim-based crime", "Fraud offences", "Positive outcome rate for victim-based crime",
    "Positive outcome rate for serious sexual offences", "Urgent (Grade 2) response times",
}

@pytest.fixture(scope="module")
def document(stand_in_document) -> docx.document.Document:
    """The January 2019 document; its tables do not depend on how the charts were rendered (the
    pack as Chromium renders it is checked in tests/test_pack_end_to_end.py)."""
    return stand_in_document


# --- the Word document ------------------------------------------------------------------------------


def test_headline_table_has_one_row_per_headline_measure_as_published(document) -> None:
    table = rows(table_after(document, "4. Police and Crime Plan Performance Headlines"))
    assert table[0] == ["Theme", "Measure", "Baseline", "Current", "Trend", "Comment"]
    assert [tuple(row[1:5]) for row in table[1:]] == EXPECTED_HEADLINES
    assert table[1][0] == table[3][0] == "Protecting people from harm"
    assert document.core_properties.title == "Police and Crime Commissioner's Update Report to January 2019"


def test_headline_table_matches_the_seed_report(document) -> None:
    """Cross-check against the report's own text, where the source documents are at hand."""
    if not SEED_REPORT.exists():
        pytest.skip(f"seed report not present at {SEED_REPORT}")
    lines = SEED_REPORT.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Theme | Measure | Baseline"))
    seed = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        seed.append(tuple(cells[1:5]))
    table = rows(table_after(document, "4. Police and Crime Plan Performance Headlines"))
    assert [tuple(row[1:5]) for row in table[1:]] == seed


def test_rows_that_disagree_with_their_own_figures_carry_the_check(document) -> None:
    table = table_after(document, "4. Police and Crime Plan Performance Headlines")
    by_measure = {row.cells[1].text: row for row in table.rows[1:]}
    sexual_offences = by_measure["Positive outcome rate for serious sexual offences"].cells[5].text
    assert "-2.7 pts" in sexual_offences and "⚠" in sexual_offences
    reoffending = by_measure["Integrated Offender Management – reduction in reoffending risk"].cells[5].text
    assert "before the baseline" in reoffending
    assert "⚠" not in by_measure["Adult and child safeguarding referrals"].cells[5].text


def test_exception_tables_hold_the_reported_measures_and_their_narratives(document) -> None:
    positive = rows(table_after(document, "Positive Exception Reporting"))
    assert positive[0] == ["Theme", "Measures", "Current"]
    assert {row[1]: row[2] for row in positive[1:]} == EXPECTED_POSITIVE
    negative = rows(table_after(document, "Negative Exception Reporting"))
    assert negative[0] == ["Theme", "Measures", "Jan 2019"]
    assert {row[1] for row in negative[1:]} == EXPECTED_NEGATIVE
    narratives = [p.text for p in document.paragraphs]
    assert any(re.match(r"5\.\d+\tFraud offences\. Fraud offences recorded by the police and Action Fraud", p)
               for p in narratives)
    assert any(re.match(r"5\.\d+\tDomestic abuse crimes\. The force continues to record", p) for p in narratives)
    # each exception table quotes its own published figure, the headline table its own trend
    assert {row[1]: row[2] for row in negative[1:]}["Positive outcome rate for serious sexual offences"] == "-2.7% pts"
    assert not any("exception report (paragraph" in p or "publishes this measure" in p for p in narratives)


def test_rag_summary_gives_number_and_percent_for_each_status(document) -> None:
    table = rows(table_after(document, "Helping and supporting victims"))
    assert table[0] == ["Status", "Meaning", "Number & %"]
    assert [(row[0], row[2]) for row in table[1:]] == [
        ("● Green", "14/14 (100%)"), ("▲ Amber", "0/14 (0%)"), ("■ Red", "0/14 (0%)"), ("○ White", "0/14 (0%)"),
    ]


def test_budget_table_gives_budget_forecast_and_variance_by_entity(document) -> None:
    table = rows(table_after(document, "6. Financial Implications and Budget Provision"))
    assert table[0][:6] == ["Entity", "Category", "Forecast made", "Budget £'000", "Forecast outturn £'000",
                            "Variance to budget £'000"]
    by_entity = {(row[0], row[1]): row for row in table[1:]}
    assert by_entity[("Force", "Revenue")][2:7] == ["Dec 2018", "188,209", "189,260", "1,052", "Overspend £1,052k"]
    assert by_entity[("OPCC", "Revenue")][3:6] == ["4,891", "4,891", "-"]
    assert by_entity[("Force and OPCC", "Capital")][5:7] == ["-3,980", "Underspend £3,980k"]


def test_each_image_alt_text_is_its_charts_own_description(con, tmp_path: Path) -> None:
    """The pack's alt text (wp:docPr descr) is, image by image, `chart_meta(fig).alt`, and its
    title the chart's title; every chart has a description of its own, not its title again."""
    content = pack.gather_pack_content(con, PERIOD)
    charts = content.all_charts()
    assert len(charts) >= 4
    path = tmp_path / "pack.docx"
    pack.write_docx(content, stand_in_images(charts), path)
    expected = [(chart.meta.alt, chart.meta.title) for chart in charts]
    assert image_alt_texts(path) == expected
    for alt, title in expected:
        assert alt.strip() and alt != title
    alts = dict((title, alt) for alt, title in expected)
    assert alts["Adult and child safeguarding referrals: baseline against current"] == (
        "Adult and child safeguarding referrals: baseline and current as published. "
        "Baseline 4,872 (Jan 2018), current 5,369 (Jan 2019), change +10.2% (✔ Better).")


def test_an_image_whose_chart_is_left_out_takes_no_other_charts_alt_text(con, tmp_path: Path) -> None:
    """Images for some charts only (the others timed out): each image keeps its own chart's alt."""
    content = pack.gather_pack_content(con, PERIOD)
    charts = content.all_charts()
    kept = charts[1::2]
    path = tmp_path / "pack.docx"
    pack.write_docx(content, stand_in_images(kept), path)
    assert image_alt_texts(path) == [(chart.meta.alt, chart.meta.title) for chart in kept]


# --- the ZIP -----------------------------------------------------------------------------------------


# --- without a browser, and bad requests -------------------------------------------------------------------


def test_without_a_browser_the_pack_has_its_tables_and_says_why(con, tmp_path: Path) -> None:
    result = pack.build_panel_pack(con, PERIOD, tmp_path, exporter=Exporter(browser_path=tmp_path / "no-browser"))
    assert result.charts == 0
    assert result.notes and "apt-get install chromium" in result.notes[0]
    document = docx.Document(str(result.docx_path))
    assert len(document.inline_shapes) == 0
    text = "\n".join(p.text for p in document.paragraphs)
    assert "apt-get install chromium" in text
    assert "[Chart not included: " in text
    with zipfile.ZipFile(result.zip_path) as archive:
        names = archive.namelist()
    assert "tables/headline-measures.csv" in names
    assert not [n for n in names if n.startswith("charts/")]


def test_a_period_without_measures_is_a_clear_error(con, tmp_path: Path) -> None:
    with pytest.raises(pack.PackError, match=r"No measures are loaded for Feb 2019\. Report periods loaded: .*Jan 2019"):
        pack.build_panel_pack(con, date(2019, 2, 1), tmp_path, exporter=Exporter(browser_path=tmp_path / "none"))


def test_command_line_rejects_a_bad_period_and_a_missing_database(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as raised:
        pack.main(["--period", "2019-13", "--out", str(tmp_path)])
    assert raised.value.code == 2
    assert "expected a month as YYYY-MM" in capsys.readouterr().err
    assert pack.main(["--period", "2019-01", "--out", str(tmp_path), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no database at" in capsys.readouterr().err
    not_a_database = tmp_path / "notes.duckdb"
    not_a_database.write_text("period,measure\n")
    assert pack.main(["--period", "2019-01", "--out", str(tmp_path), "--db", str(not_a_database)]) == 2
    assert "cannot open the database" in capsys.readouterr().err
    import duckdb

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert pack.main(["--period", "2019-01", "--out", str(tmp_path), "--db", str(empty)]) == 2
    assert "cannot be read as a dashboard database" in capsys.readouterr().err


# --- the page ----------------------------------------------------------------------------------------------


def test_details_given_for_another_period_are_refused(con) -> None:
    with pytest.raises(pack.PackError, match="The report details given are for Dec 2024, not Jan 2019"):
        pack.gather_pack_content(con, PERIOD, reports.ReportDetails(DEC_2024))
    overridden = pack.gather_pack_content(con, PERIOD, {"agenda_item": "9"}).details
    assert (overridden.agenda_item, overridden.report_to) == ("9", "Audit and Scrutiny Panel")


def test_details_given_to_the_build_are_in_its_paper(con, tmp_path: Path) -> None:
    """The Panel pack page's form reaches the document: its agenda item heads every page."""
    result = pack.build_panel_pack(con, PERIOD, tmp_path, exporter=StandInExporter(), details={"agenda_item": "9"})
    header = docx.Document(str(result.docx_path)).sections[0].header.paragraphs[0].text
    assert header.endswith(" · Agenda Item 9")


def test_free_text_with_control_characters_still_makes_a_document(tmp_path: Path) -> None:
    """Excel writes a line break inside a cell as \\x0b, which Word's XML cannot hold."""
    doc = pack._Doc()  # noqa: SLF001 - the document writer itself, without a database
    doc.table(pd.DataFrame({"Measure": ["Fraud offences"], "Comment": ["First line\x0bsecond line <b>x</b>"]}))
    doc.paragraph("Narrative\x0cwith a form feed", bold_lead="Fraud offences. ")
    doc.save(tmp_path / "x.docx")
    reopened = docx.Document(str(tmp_path / "x.docx"))
    assert reopened.tables[0].rows[1].cells[1].text == "First line second line <b>x</b>"
    assert reopened.paragraphs[-1].text == "Fraud offences. Narrative with a form feed"


def test_a_caption_numbers_the_figure_and_drops_only_its_titles_closing_full_stops(tmp_path: Path) -> None:
    doc = pack._Doc()  # noqa: SLF001 - the document writer itself, without a database
    for title in ("Calls to the MAX.", "Referrals.."):
        doc.chart(pack.PackChart(finish_figure(go.Figure(), ChartMeta(title)), pd.DataFrame()), tiny_png())
    doc.save(tmp_path / "x.docx")
    captions = [p.text for p in docx.Document(str(tmp_path / "x.docx")).paragraphs if p.style.name == "Caption"]
    assert captions == ["Figure 1: Calls to the MAX", "Figure 2: Referrals"]


def test_charts_whose_titles_make_the_same_file_name_keep_both() -> None:
    from dashboard.charts import ChartMeta, finish_figure
    import plotly.graph_objects as go

    def chart(title: str) -> pack.PackChart:
        return pack.PackChart(finish_figure(go.Figure(), ChartMeta(title)), pd.DataFrame())

    named = pack._with_unique_stems({"measures": [chart("% residents: change"), chart("Residents change")],  # noqa: SLF001
                                     "budget": [chart("residents - change")]})
    assert [c.stem for c in named["measures"] + named["budget"]] == [
        "residents-change", "residents-change-2", "residents-change-3"]


# --- the document's layout, written with stand-in images (no browser) ---------------------------------------

DEC_2024 = date(2024, 12, 1)
NOTE = "Rendering 'x' as PNG/SVG took over 20 s and was stopped."


@pytest.fixture(scope="module")
def content(con) -> pack.PackContent:
    """What the pack shows for January 2019 (read only: tests change copies)."""
    return pack.gather_pack_content(con, PERIOD)


@pytest.fixture(scope="module")
def december(con) -> pack.PackContent:
    """December 2024: monthly series, no exceptions, no deliverables or budget for the quarter."""
    return pack.gather_pack_content(con, DEC_2024)


@pytest.fixture(scope="module")
def stand_in_document(content, tmp_path_factory: pytest.TempPathFactory) -> docx.document.Document:
    """The January 2019 document with every chart as a stand-in image and one note."""
    path = tmp_path_factory.mktemp("stand-in") / "pack.docx"
    pack.write_docx(content, stand_in_images(content.all_charts()), path, notes=[NOTE])
    return docx.Document(str(path))


def outline(document) -> list[str]:
    """Every heading, table (its header row), image (its title), caption and paragraph, in order."""
    items = []
    for element in document.element.body.iterchildren():
        if element.tag.endswith("}tbl"):
            table = next(t for t in document.tables if t._tbl is element)
            items.append("table: " + " | ".join(cell.text for cell in table.rows[0].cells))
        elif element.tag.endswith("}p"):
            paragraph = Paragraph(element, document._body)
            style = paragraph.style.name
            if element.xpath(".//wp:docPr"):
                items.append(f"image: {element.xpath('.//wp:docPr')[0].get('title')}")
            elif style == "Title" or style.startswith("Heading") or style == "Caption":
                items.append(f"{style}: {paragraph.text}")
            else:
                items.append(paragraph.text)
    return items


def figure_lines(charts: list[pack.PackChart], first: int, images: bool = True) -> list[str]:
    """The image and its one numbered caption (its title) of each chart; without images, the note
    of each one's absence, with no number or caption."""
    lines = []
    for number, chart in enumerate(charts, start=first):
        title = chart.meta.title
        if images:
            lines += [f"image: {title}", f"Caption: Figure {number}: {title}"]
        else:
            lines.append(f"[Chart not included: {pack.chart_caption(chart.meta)} Its figures are in the pack's ZIP "
                         "of tables.]")
    return lines


def numbered(section: int, texts: list[str], first: int = 1) -> list[str]:
    return [f"{section}.{number}\t{text}" for number, text in enumerate(texts, start=first)]


FRONT_SHEET = "table: For Consideration | "
#: The sample's recommendations tracker, an appendix of a paper whose month its quarter has begun.
TRACKER_TITLE = "Domestic and sexual violence Recommendations Tracker, January - March 2020-21"
PLAN_HEADER = "table: Ref | Date | Subject | Summary of Decision | Cost (£) Where available | Contact Officer | Report of OPCC / Force"


def test_the_document_reads_in_the_reports_order(stand_in_document, content) -> None:
    """Front sheet, title and notes; 1. Purpose, 2. Recommendations (and their reasons), 3. Summary
    of key points, 4. headlines (landscape), 5. exceptions with their narratives, 6. budget; then
    the appendices (RAG by theme, the measure charts) and the sources; paragraphs numbered by
    section, each section's charts after its tables, figures numbered through."""
    charts, details = content.charts, content.details
    (PLAN_2019,) = content.frameworks
    appendix = outline(stand_in_document)
    start = appendix.index(f"Heading 1: Appendix D: {PLAN_2019.heading}")
    framework_intro = appendix[start + 1:start + 3]
    assert framework_intro[0].startswith("The plan's objectives theme by theme, as published.")
    assert framework_intro[1].startswith("60 objectives in 4 themes")
    narratives = {kind: [f"{r.measure}. {r.comment}" for r in df.itertuples()]
                  for kind, df in (("positive", content.positive), ("negative", content.negative))}
    paragraphs = {name: reports.paragraphs(getattr(details, name))
                  for name in ("purpose", "recommendations", "reasons", "summary", "headlines", "financial")}
    positive_intro = ("A number of Police and Crime Plan indicators have shown significant improvement over the "
                      "last 12 months. These include")
    negative_intro = ("A number of Police and Crime Plan indicators have shown notable deterioration in performance "
                      "over the previous 12 months. These include")
    expected = [
        FRONT_SHEET, "",
        "Title: POLICE AND CRIME COMMISSIONER'S UPDATE REPORT TO JANUARY 2019",
        f"⚠ {NOTE}",
        "Heading 1: 1. Purpose of the Report", *numbered(1, paragraphs["purpose"]),
        "Heading 1: 2. Recommendations", *numbered(2, paragraphs["recommendations"]),
        "Heading 2: Reasons for Recommendations", *numbered(2, paragraphs["reasons"], first=2),
        "Heading 1: 3. Summary of Key Points", *numbered(3, [*paragraphs["summary"], *pack.key_points(content)]),
        "",   # the section break to the landscape page
        "Heading 1: 4. Police and Crime Plan Performance Headlines", *numbered(4, paragraphs["headlines"]),
        "table: Theme | Measure | Baseline | Current | Trend | Comment", "",
        *figure_lines(charts["headlines"], 1),
        "",   # and back to portrait
        "Heading 1: 5. Police and Crime Plan Performance – Positive and Negative Exception Reporting",
        "Heading 2: Positive Exception Reporting", f"5.1\t{positive_intro}",
        "table: Theme | Measures | Current", "", *numbered(5, narratives["positive"], first=2),
        "Heading 2: Negative Exception Reporting", f"5.7\t{negative_intro}",
        "table: Theme | Measures | Jan 2019", "", *numbered(5, narratives["negative"], first=8),
        *figure_lines(charts["exceptions"], 2),
        "Heading 1: 6. Financial Implications and Budget Provision: 2018-19", *numbered(6, paragraphs["financial"]),
        "table: Entity | Category | Forecast made | Budget £'000 | Forecast outturn £'000 | "
        "Variance to budget £'000 | Variance", "",
        *figure_lines(charts["budget"], 3),
        "Heading 1: 7. Estates Update",
        "7.1\tPolice station sites sold since 1 April 2016 with their proposed future use, and contracts "
        "exchanged subject to planning, with the total capital receipts as published (no receipt is published "
        "per site).",
        "Heading 2: Police Station Sites Sold Since 1 April 2016",
        "table: POLICE STATION SITE | COMPLETION OF SALE | PROPOSED FUTURE USE", "",
        "Total capital receipt from above completed sales = £5,128,400",
        "Heading 2: Contracts Exchanged subject to planning",
        "table: POLICE STATION SITE | STATUS | PROPOSED FUTURE USE", "",
        "Total capital receipt to be received on completion of above = £2,104,000",
        "Heading 1: Appendices", "A. Delivery Plan RAG Status (2018-19 Q3)", "B. Headline Measure Charts",
        "C. Forward Plan of Key Decisions for the OPCC and the Force",
        f"D. {PLAN_2019.heading}",
        "SOURCES",
        "Heading 1: Appendix A: Delivery Plan RAG Status (2018-19 Q3)",
        "Each theme's deliverables by RAG status at 2018-19 Q3, the latest delivery-plan update loaded up to Jan 2019.",
        "Heading 2: Helping and supporting victims",
        "table: Status | Meaning | Number & %", "",
        *figure_lines(charts["rag"], 4),
        "Heading 1: Appendix B: Headline Measure Charts",
        *figure_lines(charts["measures"], 5),
        "",   # the section break to the landscape pages of the forward plan
        "Heading 1: Appendix C: Forward Plan of Key Decisions for the OPCC and the Force",
        "Decisions of Significant Public Interest: Forward Plan February 2019",
        *[line for heading in ("1.0 Business cases", "2.0 Contracts (above £250k)",
                               "3.0 Estates, ICT and Asset Strategic Planning",
                               "4.0 Workforce Plan and Recruitment Strategies",
                               "5.0 Strategic Issues including Finance", "6.0 Other OPCC Commissioning")
          for line in (f"Heading 2: {heading}", PLAN_HEADER, "")],
        "Costs are as published; a figure in brackets is the amount the text gives, 'at least' where the text "
        "gives only a lower bound.",
        "",   # the plan framework's own landscape pages (its contents: tests/test_pack_framework.py)
        f"Heading 1: Appendix D: {PLAN_2019.heading}",
        *framework_intro,
        *[line for theme in ("1. Protecting people from harm", "2. Helping and supporting victims",
                             "3. Tackling crime and ASB", "4. Transforming services")
          for line in (f"Heading 2: {theme}", "table: Focus area | Ref | Objective | Delivery plan status", "")],
    ]
    got = outline(stand_in_document)
    sources = next(i for i, line in enumerate(got) if line.startswith("Figures as published in the extracts: "))
    assert got[sources].startswith(f"Figures as published in the extracts: {content.sources}; report details: "
                                   f"{details.source}. Pack produced ")
    assert re.fullmatch(r".*Pack produced \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC\.", got[sources])
    assert [*got[:sources], "SOURCES", *got[sources + 1:]] == expected
    assert [len(charts[s]) for s in ("headlines", "exceptions", "budget", "rag")] == [1, 1, 1, 1]
    assert len(paragraphs["purpose"]) == 3 and len(paragraphs["headlines"]) == 4
    assert len(narratives["positive"]) == len(narratives["negative"]) == 5


def test_key_points_are_drawn_from_the_figures(content) -> None:
    """Section 3's points for January 2019: the headline directions and flags, the exceptions, the
    delivery plan and the budget, each pointing to its section."""
    assert pack.key_points(content) == [
        "Of the 12 headline measures reported to Jan 2019, 3 are better than their baseline, 4 worse and 0 "
        "unchanged; 5 cannot yet be compared, a figure being pending, to be confirmed or a composite (section 4). "
        "2 of them are flagged for checking, marked ⚠ in the table: a published trend that does not follow from "
        "baseline and current, or a current figure dated before its baseline.",
        "Exceptions reported: 5 positive and 5 negative, indicators that have seen a significant divergence "
        "from the level or trend expected (section 5).",
        "Delivery plan at 2018-19 Q3: Helping and supporting victims: ● 14/14 (100%) Green (Appendix A).",
        "Forecast outturn against budget for 2018-19: Force revenue: Overspend £1,052k; Force and OPCC revenue: "
        "Overspend £1,100k; Force and OPCC capital: Underspend £3,980k; OPCC revenue: On budget (section 6).",
    ]
    one = replace(content, positive=content.positive.iloc[:1], negative=content.negative.iloc[:0])
    assert pack.key_points(one)[1].startswith("Exceptions reported: 1 positive and 0 negative, indicators")


def test_a_report_without_exceptions_deliverables_budget_or_details_says_so(december, tmp_path: Path) -> None:
    """Each empty section says what is missing for the month; a purpose and recommendations nobody
    wrote are an italic placeholder, never text written for the author; charts without images are
    noted where they would be, without a figure number."""
    path = tmp_path / "december.docx"
    pack.write_docx(december, {}, path)
    document = docx.Document(str(path))
    got = outline(document)
    assert got == [
        FRONT_SHEET, "",
        "Title: POLICE AND CRIME COMMISSIONER'S UPDATE REPORT TO DECEMBER 2024",
        "Heading 1: 1. Purpose of the Report",
        "1.1\t[Purpose not yet written: fill in the purpose column of reports.csv, or the Panel pack page's form "
        "for this pack.]",
        "Heading 1: 2. Recommendations",
        "2.1\t[Recommendations not yet written: fill in the recommendations column of reports.csv, or the Panel "
        "pack page's form for this pack.]",
        "Heading 1: 3. Summary of Key Points",
        "3.1\tOf the 2 headline measures reported to Dec 2024, 2 are better than their baseline, 0 worse and 0 "
        "unchanged (section 4).",
        "3.2\tNo positive or negative exceptions are reported for Dec 2024 (section 5).",
        f"3.3\t{pack_summary.key_point(december.performance, DEC_2024, 'D')}",   # its words: test_pack_summary
        "",
        "Heading 1: 4. Police and Crime Plan Performance Headlines",
        "table: Theme | Measure | Baseline | Current | Trend | Comment", "",
        *figure_lines(december.charts["headlines"], 1, images=False),
        "",
        "Heading 1: 5. Police and Crime Plan Performance – Positive and Negative Exception Reporting",
        "Heading 2: Positive Exception Reporting", "5.1\tNo positive exceptions were reported for Dec 2024.",
        "Heading 2: Negative Exception Reporting", "5.2\tNo negative exceptions were reported for Dec 2024.",
        "Heading 1: 6. Financial Implications and Budget Provision: 2024-25",
        "6.1\tNo budget figures are loaded for 2024-25 up to Dec 2024.",
        "Heading 1: Appendices", "A. Delivery Plan RAG Status", "B. Headline Measure Charts",
        f"C. {TRACKER_TITLE}",
        f"D. {pack_summary.HEADING}",
        got[got.index(f"D. {pack_summary.HEADING}") + 1],
        "Heading 1: Appendix A: Delivery Plan RAG Status",
        "No delivery-plan deliverables are loaded for a quarter up to Dec 2024.",
        "Heading 1: Appendix B: Headline Measure Charts",
        *figure_lines(december.charts["measures"], 2, images=False),
        "",   # the section break to the tracker's landscape pages
        f"Heading 1: Appendix C: {TRACKER_TITLE}",
        got[got.index(f"Heading 1: Appendix C: {TRACKER_TITLE}") + 1],   # what the tracker shows
        "23 recommendations; by status: 23 – Not stated.",
        "table: Theme | Ref | Recommendation | Lead agencies | Status | Update January - March 2020-21", "",
        "",   # the performance summary's landscape pages (its contents: tests/test_pack_summary.py)
        f"Heading 1: Appendix D: {pack_summary.HEADING}",
        *got[got.index(f"Heading 1: Appendix D: {pack_summary.HEADING}") + 1:][:2],
        "table: Measure | Latest month | Latest | Mean | Lower process limit | Upper process limit | Target | "
        "Variation | Assurance | Months since special cause", "",
        *summary_notes(december.performance),   # the sample's rebased series: its limits' notes
        "Heading 2: The words used", "table: Words in the table | Meaning", "",
        "Heading 2: Measures by variation and assurance",
        "table: Variation | Consistently passing (P) | Hit and miss (?) | Consistently failing (F) | "
        "No assurance (–) | Measures", "",
    ]
    placeholders = [p for p in document.paragraphs if "not yet written" in p.text]
    assert len(placeholders) == 2 and all(run.italic for p in placeholders for run in p.runs[1:])
    front = dict((row.cells[0].text, row.cells[1].text) for row in document.tables[0].rows)
    assert front == {"For Consideration": "", "Public/Non Public*": "", "Report to:": "", "Date of Meeting:": "",
                     "Report of:": "", "Report Author:": "", "E-mail:": "", "Other Contacts:": "", "Agenda Item:": ""}
    without_measures = tmp_path / "no-measure-charts.docx"
    pack.write_docx(replace(december, charts={**december.charts, "measures": []}), {}, without_measures)
    got = outline(docx.Document(str(without_measures)))
    assert "Heading 1: Appendix B: Headline Measure Charts" not in got and "B. Headline Measure Charts" not in got


def test_missing_chart_note_is_italic_and_notes_lead_in_bold(tmp_path: Path, december) -> None:
    """A chart left out is an italic note; a pack note starts with a bold warning sign."""
    path = tmp_path / "notes.docx"
    pack.write_docx(december, {}, path, notes=["First.", "Second."])
    paragraphs = docx.Document(str(path)).paragraphs
    leads = [p for p in paragraphs if p.text in ("⚠ First.", "⚠ Second.")]
    assert [(p.runs[0].text, p.runs[0].bold, p.runs[1].text, bool(p.runs[1].italic)) for p in leads] == [
        ("⚠ ", True, "First.", False), ("⚠ ", True, "Second.", False)]
    missing = [p for p in paragraphs if p.text.startswith("[Chart not included")]
    assert missing and all(run.italic for p in missing for run in p.runs)


def test_document_page_fonts_and_properties(stand_in_document) -> None:
    """A4 with 2 cm margins: portrait, the headline table's section landscape, then portrait again;
    Arial 10 pt, headings in Arial too; title, subject and author set for screen readers and Word."""
    from docx.enum.section import WD_ORIENT

    layouts = []
    for section in stand_in_document.sections:
        sizes = [section.page_width, section.page_height, section.left_margin, section.right_margin,
                 section.top_margin, section.bottom_margin]
        layouts.append((section.orientation, [round(size.cm, 2) for size in sizes]))
    portrait, landscape = [21.0, 29.7, 2.0, 2.0, 2.0, 2.0], [29.7, 21.0, 2.0, 2.0, 2.0, 2.0]
    # portrait, the landscape headline table, portrait again, and the forward plan's landscape appendix
    # (then the plan framework's landscape appendix)
    assert layouts == [(WD_ORIENT.PORTRAIT, portrait), (WD_ORIENT.LANDSCAPE, landscape), (WD_ORIENT.PORTRAIT, portrait),
                       (WD_ORIENT.LANDSCAPE, landscape), (WD_ORIENT.LANDSCAPE, landscape)]
    normal = stand_in_document.styles["Normal"].font
    assert (normal.name, normal.size) == ("Arial", Pt(10))
    for name, size in (("Title", 16), ("Heading 1", 12), ("Heading 2", 11)):
        font = stand_in_document.styles[name].font
        assert (font.name, font.size, font.bold) == ("Arial", Pt(size), True)
    properties = stand_in_document.core_properties
    assert properties.subject == "Audit and Scrutiny Panel paper: Police and Crime Plan performance to Jan 2019"
    assert properties.author == "Kevin Dennis"


def field_codes(paragraph) -> list[str]:
    return [text.strip() for text in paragraph._p.xpath(".//w:instrText/text()")]


def test_every_page_has_the_title_in_its_header_and_page_n_of_m_in_its_footer(stand_in_document) -> None:
    """One header and footer, which the landscape and later sections carry on (linked); the footer's
    numbers are Word fields, so each page shows its own."""
    first, *others = stand_in_document.sections
    assert [p.text for p in first.header.paragraphs] == [
        "Police and Crime Commissioner's Update Report to January 2019 · Public · Agenda Item 13"]
    (footer,) = first.footer.paragraphs
    assert field_codes(footer) == ["PAGE", "NUMPAGES"]
    assert re.fullmatch(r"Page \d+ of \d+", footer.text)
    assert all(section.header.is_linked_to_previous and section.footer.is_linked_to_previous for section in others)


def test_charts_fill_the_text_width_with_captions_in_caption_style(stand_in_document, content) -> None:
    """Every image is 17 cm wide, centred and kept with its caption; a caption gives the figure's
    number and title once (the image prints subtitle and source itself)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    assert len(stand_in_document.inline_shapes) == len(content.all_charts())
    assert {shape.width for shape in stand_in_document.inline_shapes} == {Cm(17.0)}
    pictures = [p for p in stand_in_document.paragraphs if p._p.xpath(".//wp:docPr")]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER and p.paragraph_format.keep_with_next for p in pictures)
    captions = [p.text for p in stand_in_document.paragraphs if p.style.name == "Caption"]
    assert captions[0] == "Figure 1: Measures better and worse by theme, report to Jan 2019"
    assert len(captions) == len(pictures) and not any("Source:" in caption for caption in captions)


def test_chart_caption_joins_title_subtitle_and_source_once_each() -> None:
    """'Title. Subtitle. Source: ...': parts missing left out, their own full stops not doubled."""
    assert pack.chart_caption(ChartMeta("RAG status, 2018-19 Q3.", "Victims", "deliverables.csv")) == (
        "RAG status, 2018-19 Q3. Victims. Source: deliverables.csv.")
    assert pack.chart_caption(ChartMeta("Title")) == "Title."
    assert pack.chart_caption(ChartMeta("Title", source="a.csv.")) == "Title. Source: a.csv."
    assert pack.chart_caption(ChartMeta("Title", subtitle="Sub.")) == "Title. Sub."
    # only full stops go: a part ending in another letter keeps it
    assert pack.chart_caption(ChartMeta("Calls to the MAX line", "Force X")) == "Calls to the MAX line. Force X."


def test_an_image_without_a_description_takes_its_title_as_alt_text(december, tmp_path: Path) -> None:
    """A chart with no alt text of its own is described by its title, never left blank."""
    chart = pack.PackChart(finish_figure(go.Figure(), ChartMeta("Untitled data", source="x.csv")), pd.DataFrame(),
                           stem="untitled")
    path = tmp_path / "alt.docx"
    pack.write_docx(replace(december, charts={"measures": [chart]}), {"untitled": tiny_png()}, path)
    assert image_alt_texts(path) == [("Untitled data", "Untitled data")]


def header_cells_and_widths(table) -> list[tuple[str, float]]:
    return [(cell.text, round(cell.width.cm, 2)) for cell in table.rows[0].cells]


def test_tables_have_a_repeating_bold_header_their_widths_and_9pt_text(stand_in_document) -> None:
    """Each table's header row repeats on every page and is bold, and no row splits across two
    pages; columns have fixed widths that fill the text width (25.7 cm on the headline table's
    landscape page, 17 cm elsewhere), in the grid and in every cell; every cell's text is 9 pt."""
    widths = {
        "4. Police and Crime Plan Performance Headlines": [3.2, 4.6, 3.0, 3.0, 2.6, 9.3],
        "Positive Exception Reporting": [4.2, 9.8, 3.0],
        "Negative Exception Reporting": [4.2, 9.8, 3.0],
        "Helping and supporting victims": [3.0, 10.0, 4.0],
        "6. Financial Implications and Budget Provision": [2.8, 2.0, 2.2, 2.4, 2.6, 2.6, 2.4],
    }
    for heading, expected in widths.items():
        table = table_after(stand_in_document, heading)
        assert round(sum(expected), 2) == (25.7 if heading.startswith("4.") else 17.0)
        assert [width for _, width in header_cells_and_widths(table)] == expected, heading
        assert [round(column.width.cm, 2) for column in table.columns] == expected
        assert table._tbl.tblPr.xpath("./w:tblLayout/@w:type") == ["fixed"]
        for row in table.rows:
            assert [round(cell.width.cm, 2) for cell in row.cells] == expected
            assert row._tr.xpath("./w:trPr/w:cantSplit/@w:val") == ["true"]
        header = table.rows[0]
        flags = header._tr.xpath("./w:trPr/w:tblHeader")
        assert len(flags) == 1 and flags[0].get(docx.oxml.ns.qn("w:val")) == "true"
        assert not table.rows[1]._tr.xpath("./w:trPr/w:tblHeader")
        assert all(run.bold for cell in header.cells for run in cell.paragraphs[0].runs if run.text)
        assert all(cell.paragraphs[0].runs for cell in header.cells)
        assert not any(run.bold for row in table.rows[1:] for cell in row.cells for p in cell.paragraphs
                       for run in p.runs)
        sizes = {run.font.size for row in table.rows for cell in row.cells for p in cell.paragraphs for run in p.runs}
        assert sizes == {Pt(9)}
        assert table.style.name == "Table Grid"


def test_an_exception_table_prints_a_repeated_theme_once_and_a_rows_check_under_it(content, tmp_path: Path) -> None:
    """Two negative exceptions of one theme, the second disagreeing with its own figures: the theme
    in one merged cell, the check an italic note in the second row's last cell only."""
    rows = pd.concat([content.negative.iloc[[0]]] * 2, ignore_index=True)
    rows.loc[1, "measure"] = "Another measure"
    rows.loc[1, "check"] = "⚠ Published change disagrees with computed"
    path = tmp_path / "pack.docx"
    pack.write_docx(replace(content, negative=rows), stand_in_images(content.all_charts()), path)
    table = table_after(docx.Document(str(path)), "Negative Exception Reporting")
    merged = [row._tr.tc_lst[0].tcPr.vMerge for row in table.rows[1:]]
    assert [m.val if m is not None else None for m in merged] == ["restart", "continue"]
    first, second = (row.cells[-1] for row in table.rows[1:])
    assert len(first.paragraphs) == 1
    assert [p.text for p in second.paragraphs][1] == "⚠ Published change disagrees with computed"
    assert all(run.italic for run in second.paragraphs[1].runs)


def test_checks_are_an_italic_note_in_the_rows_last_cell(stand_in_document) -> None:
    """A row the dashboard flags carries its check under the last cell, in italics; others none."""
    table = table_after(stand_in_document, "4. Police and Crime Plan Performance Headlines")
    by_measure = {row.cells[1].text: row.cells[-1] for row in table.rows[1:]}
    flagged = by_measure["Positive outcome rate for serious sexual offences"]
    assert len(flagged.paragraphs) == 2
    note = flagged.paragraphs[1]
    assert note.text == "⚠ Published trend ↓ 0.5% pts disagrees with computed -2.7 pts"
    assert all(run.italic for run in note.runs)
    assert not any(run.italic for run in flagged.paragraphs[0].runs)
    assert len(by_measure["Adult and child safeguarding referrals"].paragraphs) == 1
    # The exception table's own -2.7% pts agrees with 11.6% -> 8.9%: no note there.
    negative = table_after(stand_in_document, "Negative Exception Reporting")
    by_measure = {row.cells[1].text: row.cells for row in negative.rows[1:]}
    assert [c.text for c in by_measure["Positive outcome rate for serious sexual offences"]][2] == "-2.7% pts"
    assert all(len(cells[-1].paragraphs) == 1 for cells in by_measure.values())


def test_repeated_themes_print_once_in_a_merged_cell(stand_in_document) -> None:
    """The first column's runs of one theme are merged, the theme's name once; single rows stay."""
    doc = pack._Doc()  # noqa: SLF001 - the document writer itself
    doc.table(pd.DataFrame({"Theme": list("AABCCCD"), "N": list("1234567")}), merge_first_column=True)
    doc.table(pd.DataFrame({"Theme": list("EE"), "N": list("12")}))
    layouts = []
    for table in doc.document.tables:
        states = []
        for row in table.rows[1:]:
            tc_pr = row._tr.tc_lst[0].tcPr
            states.append(tc_pr.vMerge.val if tc_pr is not None and tc_pr.vMerge is not None else None)
        layouts.append((states, [row.cells[0].text for row in table.rows[1:]],
                          [row.cells[1].text for row in table.rows[1:]]))
    assert layouts[0] == (["restart", "continue", None, "restart", "continue", "continue", None],
                            list("AABCCCD"), list("1234567"))
    assert layouts[1] == ([None, None], list("EE"), list("12"))
    headlines = table_after(stand_in_document, "4. Police and Crime Plan Performance Headlines")
    themes = [row.cells[0].text for row in headlines.rows[1:]]
    assert themes[:3] == ["Protecting people from harm"] * 3
    assert all("\n" not in theme for theme in themes)


def test_one_row_table_and_no_rows_merge_nothing() -> None:
    """A single row or an empty table is left as it is."""
    doc = pack._Doc()  # noqa: SLF001
    doc.table(pd.DataFrame({"Theme": ["A"], "N": ["1"]}), merge_first_column=True)
    doc.table(pd.DataFrame({"Theme": [], "N": []}), merge_first_column=True)
    one, empty = doc.document.tables
    assert [c.text for c in one.rows[1].cells] == ["A", "1"] and len(empty.rows) == 1


# --- the report's tables, from hand-made rows ---------------------------------------------------------------


def test_headline_comment_keeps_an_exceptions_first_paragraph_only() -> None:
    """An exception's narrative is printed under the exception tables: the headline table keeps
    its first paragraph; a measure that is no exception keeps its whole comment; missing is empty."""
    changes = pd.DataFrame({
        "theme": ["T", "T", "T"], "measure": ["a", "b", "c"],
        "baseline_text": ["1 (Jan 2018)", None, float("nan")], "current_text": ["2 (Jan 2019)", pd.NA, "x\x0by"],
        "trend_text": ["+100%", None, "\tup\n"],
        "comment": ["Headline. \n\nNarrative.\n\nMore.", "One.\n\nTwo.", None],
        "exception": ["negative", None, "positive"],
        "check": ["", None, "⚠ c"],
    })
    assert pack.report_headline_table(changes).to_dict("records") == [
        {"Theme": "T", "Measure": "a", "Baseline": "1 (Jan 2018)", "Current": "2 (Jan 2019)", "Trend": "+100%",
         "Comment": "Headline.", "Check": ""},
        {"Theme": "T", "Measure": "b", "Baseline": "", "Current": "", "Trend": "", "Comment": "One.\n\nTwo.",
         "Check": ""},
        {"Theme": "T", "Measure": "c", "Baseline": "", "Current": "x y", "Trend": "\tup\n", "Comment": "",
         "Check": "⚠ c"},
    ]


def test_headline_comment_is_kept_whole_where_the_narrative_has_its_own_column() -> None:
    """An extract with `exception_comment` carries the narrative there, so an exception's headline
    comment is printed whole, as a measure's that is no exception is."""
    changes = pd.DataFrame({
        "theme": ["T", "T"], "measure": ["a", "b"], "baseline_text": ["1", "1"], "current_text": ["2", "2"],
        "trend_text": ["+100%", "+100%"], "comment": ["Headline.\n\nMore on it.", "Headline.\n\nMore on it."],
        "exception": ["negative", "negative"], "exception_comment": ["The narrative.", None], "check": ["", ""],
    })
    assert pack.report_headline_table(changes)["Comment"].tolist() == ["Headline.\n\nMore on it.", "Headline."]


def test_text_for_the_document_replaces_what_xml_cannot_hold() -> None:
    """Control characters become spaces (tab, line feed and carriage return stay); numbers are text."""
    changes = pd.DataFrame({
        "theme": ["T"], "measure": ["m"], "baseline_text": ["a\x00b\x08c\x0bd\x0ce\x0ef\x1fg\x7fh"],
        "current_text": ["\t\n\r"], "trend_text": [0], "comment": ["c"], "exception": [None], "check": [1.5],
    })
    row = pack.report_headline_table(changes).iloc[0]
    assert row["Baseline"] == "a b c d e f g\x7fh"
    assert (row["Current"], row["Trend"], row["Check"]) == ("\t\n\r", "0", "1.5")


def test_exception_table_prints_the_published_change_else_the_computed_one() -> None:
    """The change as the exception table published it, under the given heading; where none was
    published, the computed one."""
    exceptions = pd.DataFrame({
        "theme": ["T", "T"], "measure": ["a", "b"], "published": ["+5%", None], "change_shown": ["+4.9%", "+3.0%"],
        "check": [None, "⚠ b"],
    })
    assert pack.report_exception_table(exceptions, "Jan 2019").to_dict("records") == [
        {"Theme": "T", "Measures": "a", "Jan 2019": "+5%", "Check": ""},
        {"Theme": "T", "Measures": "b", "Jan 2019": "+3.0%", "Check": "⚠ b"},
    ]


def test_rag_key_lists_every_status_with_its_meaning() -> None:
    """Green, Amber, Red, White in that order with the plan's meanings; a status or theme
    without a count reads '–'."""
    rag = pd.DataFrame({"theme": ["T", "T", "U"], "status": ["A", "G", "G"],
                        "summary_text": ["1/3 (33%)", "2/3 (67%)", "1/1 (100%)"]})
    expected_meanings = [status.meaning for status in domain.RAG_STATUSES]
    assert pack.rag_key_table(rag, "T").to_dict("list") == {
        "Status": ["● Green", "▲ Amber", "■ Red", "○ White"], "Meaning": expected_meanings,
        "Number & %": ["2/3 (67%)", "1/3 (33%)", "–", "–"],
    }
    assert expected_meanings[0] == "Achieved or adequate progress being made"
    assert list(pack.rag_key_table(rag, "V")["Number & %"]) == ["–"] * 4


def test_budget_table_in_thousands_as_the_finance_section_prints_it() -> None:
    """Whole £'000 with separators, '-' for nothing, '–' for no figure; months as 'Dec 2018'."""
    df = pd.DataFrame({
        "entity": ["Force", "OPCC", "Both"], "category": ["revenue", "capital", "revenue"],
        "period": [date(2018, 12, 1), None, pd.NaT],
        "budget": [188209.4, None, 0.4], "forecast_outturn": [189260.6, float("nan"), -0.4],
        "variance": [1051.5, -3980.0, 1.5], "variance_text": ["Overspend £1,052k", "Underspend £3,980k", "x"],
    })
    assert pack.budget_report_table(df).to_dict("records") == [
        {"Entity": "Force", "Category": "Revenue", "Forecast made": "Dec 2018", "Budget £'000": "188,209",
         "Forecast outturn £'000": "189,261", "Variance to budget £'000": "1,052", "Variance": "Overspend £1,052k"},
        {"Entity": "OPCC", "Category": "Capital", "Forecast made": "", "Budget £'000": "–",
         "Forecast outturn £'000": "–", "Variance to budget £'000": "-3,980", "Variance": "Underspend £3,980k"},
        {"Entity": "Both", "Category": "Revenue", "Forecast made": "", "Budget £'000": "-",
         "Forecast outturn £'000": "-", "Variance to budget £'000": "2", "Variance": "x"},
    ]


# --- what the pack gathers ----------------------------------------------------------------------------------


def test_report_periods_latest_first_and_a_missing_one_named(con, empty_con) -> None:
    """Periods newest first; a period without measures names the loaded ones, or says none."""
    assert pack.list_report_periods(con) == [DEC_2024, PERIOD]
    with pytest.raises(pack.PackError) as raised:
        pack.gather_pack_content(con, date(2019, 2, 1))
    assert str(raised.value) == "No measures are loaded for Feb 2019. Report periods loaded: Dec 2024, Jan 2019."
    with pytest.raises(pack.PackError) as raised:
        pack.gather_pack_content(empty_con, PERIOD)
    assert str(raised.value) == "No measures are loaded for Jan 2019. Report periods loaded: none."


def test_content_names_its_sources_quarter_and_rows(con, content) -> None:
    """Sources of measures, deliverables and budget; the quarter; headline rows; exceptions by kind
    with the published trend and the check beside them."""
    assert content.period == PERIOD and content.quarter == "2018-19 Q3"
    assert content.sources == "; ".join([measures.describe_measures_source(con, PERIOD),
                                         *(loads.describe_source(con, t) for t in ("deliverables", "budget", "decisions",
                                                                                   "estates", "framework"))])
    assert re.fullmatch(r"measures\.csv, loaded .+ UTC; deliverables\.csv, loaded .+ UTC; budget\.csv, loaded .+ UTC; "
                        r"decisions\.csv, loaded .+ UTC; estates\.csv, loaded .+ UTC", content.sources)
    assert pack.describe_sources(con, ["budget", "nothing"]) == (
        loads.describe_source(con, "budget") + "; nothing (no load recorded)")
    assert list(content.headlines["measure"]) == [m for m, *_ in EXPECTED_HEADLINES]
    assert set(content.positive["kind"]) == {"positive"} and set(content.negative["kind"]) == {"negative"}
    # each kind's rows as the exceptions query gives them, numbered afresh, no old index as a column
    exception_columns = list(measures.query_exceptions(con, PERIOD).columns)
    for kind in (content.positive, content.negative):
        assert list(kind.columns) == exception_columns and list(kind.index) == list(range(len(kind)))
    assert set(content.positive["measure"]) == set(EXPECTED_POSITIVE)
    sso = content.negative.set_index("measure").loc["Positive outcome rate for serious sexual offences"]
    # the exception table's own figure, which agrees with baseline and current; the headline
    # table's ↓ 0.5% pts and its check stay with the headline row
    assert (sso["published"], sso["check"]) == ("-2.7% pts", "")
    assert sso["comment"].startswith("Positive outcomes rates for serious sexual offences have reduced steadily")
    headline = content.headlines.set_index("measure").loc["Positive outcome rate for serious sexual offences"]
    assert (headline["trend_text"], headline["check"]) == (
        "↓ 0.5% pts", "⚠ Published trend ↓ 0.5% pts disagrees with computed -2.7 pts")
    assert content.details == reports.query_report_details(con, PERIOD)
    pd.testing.assert_frame_equal(content.summary, measures.query_theme_summary(con, PERIOD))
    pd.testing.assert_frame_equal(content.rag, delivery.query_rag_summary(con, "2018-19 Q3"))
    pd.testing.assert_frame_equal(content.budget, budget.query_budget_summary(con, PERIOD))


def test_a_paper_with_a_tracker_and_series_names_their_files_after_the_others(con, december) -> None:
    """The recommendations tracker's file and the monthly series' files join the sources line;
    the files named before them stay."""
    assert december.trackers and not december.performance.empty
    assert december.sources == "; ".join([measures.describe_measures_source(con, DEC_2024),
                                          pack.describe_sources(con, ["deliverables", "budget", "recommendations"]),
                                          dashboard_summary.describe_source(con, domain.FORCE_AREA)])
    assert re.fullmatch(r"measures_police_uk\.csv, .+; recommendations\.csv, loaded .+ UTC; series_police_uk\.csv, .+",
                        december.sources)


def test_the_rag_charts_subtitle_names_every_theme_once(con, content) -> None:
    two = replace(content, rag=pd.concat([content.rag, content.rag.assign(theme="Tackling crime and ASB")],
                                         ignore_index=True))
    (rag,) = pack._build_charts(con, two, measures.query_exceptions(con, PERIOD))["rag"]  # noqa: SLF001
    assert rag.meta.subtitle == "Helping and supporting victims, Tackling crime and ASB · 2018-19 Q3 (report to Jan 2019)"


def test_section_charts_titles_sources_alt_texts_and_tables(con, content) -> None:
    """The headline, exception, RAG and budget charts: title, subtitle, source and a description
    that gives the figures; each with the table of the same figures."""
    month_source = measures.describe_measures_source(con, PERIOD)
    summary = measures.query_theme_summary(con, PERIOD)
    exceptions = measures.query_exceptions(con, PERIOD)
    (direction,), (excepted,), (rag,), (money,) = (content.charts[s] for s in ("headlines", "exceptions", "rag", "budget"))
    assert direction.meta == ChartMeta(
        title="Measures better and worse by theme, report to Jan 2019",
        subtitle="Current figure against baseline, judged by each measure's polarity", source=month_source,
        alt="Measures by direction, report to Jan 2019. " + "; ".join(
            f"{r.theme}: {r.better} better, {r.worse} worse, {r.no_change} unchanged, {r.not_comparable} not comparable"
            for r in summary.itertuples()) + ".")
    assert direction.meta.alt.startswith("Measures by direction, report to Jan 2019. Protecting people from harm: "
                                         "1 better, 1 worse, 0 unchanged, 1 not comparable; Helping")
    pd.testing.assert_frame_equal(direction.table, measures.summary_table(summary))
    assert excepted.meta == ChartMeta(
        title="Positive and negative exceptions, report to Jan 2019",
        subtitle="Change computed from baseline and current where published, else the published trend",
        source=month_source,
        alt="Exceptions, report to Jan 2019: " + "; ".join(
            f"{domain.EXCEPTION_STYLES[r.kind].label} {r.measure} {r.change_shown}" for r in exceptions.itertuples()) + ".")
    assert excepted.meta.alt.startswith("Exceptions, report to Jan 2019: Positive exception Adult and child "
                                        "safeguarding referrals +10.2%; Negative exception ")
    pd.testing.assert_frame_equal(excepted.table, measures.exception_table(exceptions))
    assert rag.meta == ChartMeta(
        title="Deliverables by RAG status, 2018-19 Q3",
        subtitle="Helping and supporting victims · 2018-19 Q3 (report to Jan 2019)",
        source=loads.describe_source(con, "deliverables"),
        alt="RAG status of deliverables. Helping and supporting victims, 2018-19 Q3: 14 Green of 14.")
    pd.testing.assert_frame_equal(rag.table, delivery.rag_table(content.rag))
    assert money.meta == ChartMeta(
        title="Budget against forecast outturn, 2018-19",
        subtitle="Each line's latest forecast made by Jan 2019 · £ thousands",
        source=loads.describe_source(con, "budget"),
        alt="Budget against forecast outturn. Force revenue: Overspend £1,052k; Force and OPCC revenue: "
            "Overspend £1,100k; Force and OPCC capital: Underspend £3,980k; OPCC revenue: On budget.")
    pd.testing.assert_frame_equal(money.table, budget.budget_table(content.budget))
    assert [c.stem for c in (direction, excepted, rag, money)] == [
        "measures-better-and-worse-by-theme-report-to-jan-2019",
        "positive-and-negative-exceptions-report-to-jan-2019",
        "deliverables-by-rag-status-2018-19-q3", "budget-against-forecast-outturn-2018-19"]


def test_measure_charts_one_per_headline_measure_with_a_figure(content) -> None:
    """Baseline against current where no monthly series is loaded and both are figures; a measure
    whose current figure is pending (the PEEL grades, victim services) or a composite with no
    single figure (the budget headline) has no chart: no empty 'no figure' charts."""
    expected = [m for m, baseline, current, _ in EXPECTED_HEADLINES
                if "Pending" not in current and not m.startswith("Achieving a balanced budget")]
    assert len(expected) == 7
    assert [c.meta.title for c in content.charts["measures"]] == [f"{m}: baseline against current" for m in expected]
    knife = next(c for c in content.charts["measures"] if c.meta.title.startswith("Violent knife crime"))
    assert knife.meta.subtitle == "Protecting people from harm · report to Jan 2019"
    assert knife.meta.source == content.charts["headlines"][0].meta.source
    assert list(knife.table["Value"]) == ["806 (Jan 2018)", "881 (Jan 2019)", "+9.3% (✖ Worse)"]


def test_measure_charts_use_the_monthly_series_where_loaded(con, december) -> None:
    """A measure with a monthly series is charted from it (SPC), sourced from the series file."""
    (first, second) = december.charts["measures"]
    assert (first.meta.title, first.meta.source) == (
        "Recorded crime: all crime: monthly, Force", measures.describe_series_source(con, "Recorded crime: all crime"))
    # the sample's illustrative target (data/targets.csv) adds its assurance to the subtitle and alt text
    assert first.meta.subtitle.startswith("Tackling crime and ASB · report to Dec 2024 · Assurance: target 10,500 ")
    assert first.meta.alt.startswith("Recorded crime: all crime: monthly series, Force. Baseline 134,619 (Dec 2023), "
                                     "current 123,798 (Dec 2024), change -8.0% (✔ Better). Target 11,000 from ")
    assert first.meta.source.startswith("series_police_uk.csv, loaded ")
    assert {"Month", "Value", "Mean"} <= set(first.table.columns)
    assert (first.table["Month"].iloc[0], first.table["Month"].iloc[-1], len(first.table)) == ("Jan 2023", "Dec 2024", 24)
    assert second.meta.title == "Recorded crime: all crime excluding anti-social behaviour: monthly, Force"
    assert december.charts["exceptions"] == december.charts["rag"] == december.charts["budget"] == []
    assert december.quarter is None and december.rag.empty and december.budget.empty


# --- the ZIP's tables -----------------------------------------------------------------------------------------


def test_pack_tables_are_the_report_tables_then_each_charts_data(content) -> None:
    """Headlines, exceptions (the negative one headed by the month), a RAG key per theme, the budget,
    then each chart's data once, named after its chart."""
    tables = pack.pack_tables(content)
    assert [t.name for t in tables] == [
        "headline-measures", "positive-exceptions", "negative-exceptions",
        "rag-summary-helping-and-supporting-victims", "budget",
        "forward-plan", "estates-sold", "estates-exchanged",   # dashboard/pack_records.py
        "framework-2019-20",                                   # dashboard/pack_framework.py
        *(f"{chart.stem}-data" for chart in content.all_charts()),
    ]
    by_name = {t.name: t.table for t in tables}
    pd.testing.assert_frame_equal(by_name["headline-measures"], pack.report_headline_table(content.headlines))
    pd.testing.assert_frame_equal(by_name["positive-exceptions"], pack.report_exception_table(content.positive, "Current"))
    pd.testing.assert_frame_equal(by_name["negative-exceptions"], pack.report_exception_table(content.negative, "Jan 2019"))
    pd.testing.assert_frame_equal(by_name["rag-summary-helping-and-supporting-victims"],
                                  pack.rag_key_table(content.rag, "Helping and supporting victims"))
    pd.testing.assert_frame_equal(by_name["budget"], pack.budget_report_table(content.budget))
    for chart in content.all_charts():
        assert by_name[f"{chart.stem}-data"] is chart.table


def test_a_chart_named_like_a_report_table_does_not_replace_it(december) -> None:
    """A chart whose data would take a report table's file name is left to the report table."""
    clash = pack.PackChart(finish_figure(go.Figure(), ChartMeta("Budget")), pd.DataFrame({"x": [1]}), stem="budget")
    # without the tracker's and the performance summary's tables, which follow the budget's
    december = replace(december, trackers=[], performance=december.performance.iloc[:0])
    tables = pack.pack_tables(replace(december, charts={"budget": [clash]}))
    assert [t.name for t in tables] == ["headline-measures", "positive-exceptions", "negative-exceptions", "budget",
                                        "budget-data"]
    assert [t.name for t in pack.pack_tables(replace(december, charts={}))][-1] == "budget"


def test_zip_holds_charts_by_format_and_tables_as_csv(tmp_path: Path) -> None:
    """charts/NAME.png and .svg with the rendered bytes, tables/NAME.csv as the CSV download, compressed."""
    tables = [pack.PackTable("one", pd.DataFrame({"a": [1, 2]})), pack.PackTable("two", pd.DataFrame({"b": ["=x"]}))]
    images = {"chart-a": {"png": b"PNG-A", "svg": b"<svg>a</svg>"}, "chart-b": {"png": b"PNG-B"}}
    path = tmp_path / "pack.zip"
    pack.write_zip(tables, images, path)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["charts/chart-a.png", "charts/chart-a.svg", "charts/chart-b.png",
                                      "tables/one.csv", "tables/two.csv"]
        assert archive.read("charts/chart-a.svg") == b"<svg>a</svg>" and archive.read("charts/chart-b.png") == b"PNG-B"
        assert archive.read("tables/two.csv") == table_to_csv(tables[1].table)
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}


def test_pack_file_names_carry_the_month() -> None:
    assert pack.pack_file_stem(date(2019, 1, 1)) == "panel-pack-2019-01"
    assert pack.pack_file_stem(date(2024, 12, 1)) == "panel-pack-2024-12"


# --- building with a stand-in renderer (no browser) ---------------------------------------------------------




def built_with(con, tmp_path: Path, exporter: StandInExporter, period: date = DEC_2024):
    steps: list[tuple[float, str]] = []
    result = pack.build_panel_pack(con, period, tmp_path, exporter=exporter,
                                   progress=lambda fraction, message: steps.append((fraction, message)))
    return result, steps


def test_stand_in_renderer_every_chart_in_the_docx_and_zip(con, december, tmp_path: Path) -> None:
    """Each chart rendered once as PNG and SVG, embedded in the document and filed in the ZIP; the
    renderer given is started early and left open for its owner; progress names each chart."""
    exporter = StandInExporter()
    result, steps = built_with(con, tmp_path, exporter, date(2024, 12, 17))
    charts = december.all_charts()
    titles = [chart.meta.title for chart in charts]
    assert exporter.rendered == [(title, ("png", "svg")) for title in titles]
    assert (exporter.started, exporter.closed) == (1, 0)
    assert result.docx_path == tmp_path / "panel-pack-2024-12.docx"
    assert result.zip_path == tmp_path / "panel-pack-2024-12.zip"
    assert (result.charts, result.tables, result.notes) == (len(charts), len(pack.pack_tables(december)), ())
    assert image_alt_texts(result.docx_path) == [(chart.meta.alt, chart.meta.title) for chart in charts]
    with zipfile.ZipFile(result.zip_path) as archive:
        names = archive.namelist()
        assert [n for n in names if n.startswith("charts/")] == [
            f"charts/{chart.stem}.{fmt}" for chart in charts for fmt in ("png", "svg")]
        assert archive.read(f"charts/{charts[0].stem}.svg") == f"<svg>{titles[0]}</svg>".encode()
        assert archive.read(f"charts/{charts[0].stem}.png") == tiny_png()
        assert [n for n in names if n.startswith("tables/")] == [f"tables/{t.name}.csv" for t in pack.pack_tables(december)]
    assert [message for _, message in steps] == [
        "Reading the figures",
        *(f"Rendering chart {i} of {len(charts)}: {title}" for i, title in enumerate(titles, start=1)),
        "Writing the Word document", "Writing the ZIP of charts and tables", "Done",
    ]
    fractions = [fraction for fraction, _ in steps]
    assert fractions == sorted(set(fractions)) and 0 < fractions[0] and fractions[-1] == 1.0


def test_a_chart_that_fails_is_left_out_and_the_rest_go_on(con, december, tmp_path: Path) -> None:
    """A render that times out or fails leaves that chart out, says why, and the others are made."""
    titles = [chart.meta.title for chart in december.all_charts()]
    exporter = StandInExporter(fail={titles[0]: ExportTimeout("first timed out"), titles[2]: ExportFailed("third failed")})
    result, _ = built_with(con, tmp_path, exporter)
    assert result.notes == ("first timed out", "third failed")
    assert result.charts == 1 and [title for title, _ in exporter.rendered] == [titles[1]]
    assert [title for _, title in image_alt_texts(result.docx_path)] == [titles[1]]
    text = "\n".join(p.text for p in docx.Document(str(result.docx_path)).paragraphs)
    assert "⚠ first timed out" in text and "⚠ third failed" in text
    assert f"[Chart not included: {titles[0]}." in text


def test_a_renderer_that_becomes_unavailable_stops_the_rendering(con, december, tmp_path: Path) -> None:
    """Once the browser is gone, no more charts are tried: those made so far are kept, with the reason."""
    titles = [chart.meta.title for chart in december.all_charts()]
    exporter = StandInExporter(fail={titles[1]: ExportUnavailable("browser gone")})
    result, _ = built_with(con, tmp_path, exporter)
    assert result.notes == ("browser gone",)
    assert [title for title, _ in exporter.rendered] == [titles[0]] and result.charts == 1


def test_a_renderer_that_cannot_start_gives_its_reason(con, tmp_path: Path) -> None:
    """A browser that fails to start: no images, its error as the note; one not installed: the reason."""
    failing = StandInExporter(start_error=ExportUnavailable("Chromium would not start"))
    result, _ = built_with(con, tmp_path, failing)
    assert (result.charts, result.notes, failing.rendered) == (0, ("Chromium would not start",), [])
    absent = StandInExporter(available=False)
    result, _ = built_with(con, tmp_path / "absent", absent)
    assert (result.charts, result.notes, absent.started) == (0, ("No stand-in browser here.",), 0)


def test_command_line_builds_with_its_own_renderer_and_closes_it(sample_db_path: Path, tmp_path: Path, monkeypatch,
                                                                 capsys) -> None:
    """`main` with every chart made: exit 0, what it wrote on stdout, progress on stderr, no warning;
    the database from DASHBOARD_DB when --db is not given; the renderer it started is closed."""
    StandInExporter.instances.clear()
    monkeypatch.setattr(pack, "Exporter", StandInExporter)
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db_path))
    out = tmp_path / "out"
    assert pack.main(["--period", " 2024-12 ", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    docx_path, zip_path = out / "panel-pack-2024-12.docx", out / "panel-pack-2024-12.zip"
    with connect_readonly(sample_db_path) as con:
        content = pack.gather_pack_content(con, DEC_2024)
    tables = len(pack.pack_tables(content))
    assert captured.out == f"Wrote {docx_path} and {zip_path} ({len(content.all_charts())} charts, {tables} tables)\n"
    progress = captured.err.splitlines()
    assert progress[0] == "[  2%] Reading the figures" and progress[-1] == "[100%] Done"
    assert all(re.fullmatch(r"\[ *\d+%\] .+", line) for line in progress)
    assert "warning" not in captured.err
    (exporter,) = StandInExporter.instances
    assert (exporter.started, exporter.closed) == (1, 1)


def test_command_line_warns_and_exits_1_for_each_missing_chart(sample_db_path: Path, tmp_path: Path, monkeypatch,
                                                               capsys) -> None:
    """Charts left out: the pack is still written, each reason a warning line, exit 1."""
    monkeypatch.setattr(pack, "Exporter", lambda: StandInExporter(available=False))
    assert pack.main(["--period", "2024-12", "--out", str(tmp_path), "--db", str(sample_db_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Wrote {tmp_path / 'panel-pack-2024-12.docx'} and ")
    assert " (0 charts, " in captured.out
    assert captured.err.splitlines()[-1] == "warning: No stand-in browser here."


def test_command_line_help_and_required_arguments(capsys) -> None:
    """--help names the command, what it makes and each option; --period and --out are required."""
    with pytest.raises(SystemExit) as raised:
        pack.main(["--help"])
    assert raised.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert text.startswith("usage: python -m dashboard.pack [-h] --period PERIOD --out OUT [--db DB]")
    assert "The quarterly panel pack: a Word document laid out like the report's performance section, and a ZIP" in text
    assert "--period PERIOD report month, YYYY-MM" in text
    assert "--out OUT folder to write the .docx and .zip into" in text
    assert "--db DB database (default: " in text
    for argv, missing in ((["--out", "x"], "--period"), (["--period", "2019-01"], "--out")):
        with pytest.raises(SystemExit) as raised:
            pack.main(argv)
        assert raised.value.code == 2
        assert f"the following arguments are required: {missing}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        pack.main(["--period", "2019-13", "--out", "x"])
    assert "argument --period: expected a month as YYYY-MM (e.g. 2019-01), got '2019-13'" in capsys.readouterr().err


def test_command_line_names_the_loaded_periods_for_a_month_without_measures(sample_db_path: Path, tmp_path: Path,
                                                                           capsys) -> None:
    """A month with nothing loaded: exit 2, the error names the months that are, nothing written."""
    out = tmp_path / "out"
    assert pack.main(["--period", "2019-02", "--out", str(out), "--db", str(sample_db_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == "error: No measures are loaded for Feb 2019. Report periods loaded: Dec 2024, Jan 2019.\n"
    assert captured.out == "" and list(out.iterdir()) == []


def test_measure_charts_carry_the_target_in_words(december) -> None:
    """The sample's force-wide target reaches the pack's chart: drawn, in the alt text after the
    chart's own description, and as columns of its data table. (Known changes the same way:
    tests/test_spc_rebase.py; the sample's is on a measure the December paper does not chart.)"""
    charts = {chart.meta.title: chart for chart in december.charts["measures"]}
    crime = charts["Recorded crime: all crime: monthly, Force"]
    assert crime.meta.alt.startswith("Recorded crime: all crime: monthly series, Force. Baseline ")
    assert " Target 11,000 from Apr 2023, then 10,500 from Apr 2024; assurance: target 10,500 against process limits " in crime.meta.alt
    assert {"Target", "Assurance"} <= set(crime.table.columns)
    assert crime.table["Target"].iloc[-1] == "10,500"
    assert any(trace.name == "Target" for trace in crime.figure.data)


# --- publication from the command line (the pack with stand-in images) -------------------------------------

ANALYST = Actor("j.smith", "command line")
JAN_2019 = PERIOD


@pytest.fixture()
def stand_in_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack, "Exporter", StandInExporter)


def test_as_reported_needs_a_publication(stand_in_renderer, sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert pack.main(["--period", "2019-01", "--out", str(out), "--db", str(sample_db), "--as-reported"]) == 2
    assert capsys.readouterr().err == (
        "error: The Jan 2019 report has not been published to the Panel, so there are no figures "
        "'as reported'; publish it with --publish.\n")
    assert not out.exists()
    with pytest.raises(SystemExit) as stopped:
        pack.main(["--period", "2019-01", "--out", str(tmp_path), "--db", str(sample_db), "--meeting", "2019-05-08"])
    assert stopped.value.code == 2
    assert "error: --meeting goes with --publish" in capsys.readouterr().err


@pytest.mark.parametrize("meeting", ["8 May 2019", "2019-05", "2019-02-30"])
def test_a_meeting_that_is_not_a_day_is_refused_before_anything_is_built(
        meeting: str, stand_in_renderer, sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stopped:
        pack.main(publish_january(sample_db, tmp_path / "out", meeting))
    assert stopped.value.code == 2
    assert (f"argument --meeting: expected a day as YYYY-MM-DD (e.g. 2019-05-08), got {meeting!r}"
            in capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_as_reported_reads_the_latest_publication_of_that_report(stand_in_renderer, sample_db: Path, tmp_path: Path) -> None:
    """Published twice, corrected between: --as-reported builds from the second publication's figures;
    the meeting's day may come with spaces around it, as pasted."""
    assert pack.main(publish_january(sample_db, tmp_path / "first", " 2019-05-08 ")) == 0
    correct_referrals(sample_db, tmp_path / "correction")
    assert publish_report(sample_db, JAN_2019, ANALYST, date(2019, 6, 12)).ok
    with duckdb.connect(str(sample_db), read_only=True) as con:
        meetings = [row[0] for row in con.execute("SELECT meeting_date FROM published_reports ORDER BY meeting_date").fetchall()]
    assert meetings == [date(2019, 5, 8), date(2019, 6, 12)]
    assert pack.main(["--period", "2019-01", "--out", str(tmp_path / "reported"), "--db", str(sample_db), "--as-reported"]) == 0
    text = " | ".join(c for t in table_texts(tmp_path / "reported" / "panel-pack-2019-01.docx") for row in t for c in row)
    assert "5,412 (Jan 2019)" in text and "5,369 (Jan 2019)" not in text



def test_command_line_publish_prints_what_it_published_after_what_it_wrote(
        stand_in_renderer, sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert pack.main(publish_january(sample_db, tmp_path / "out")) == 0
    out = capsys.readouterr().out
    wrote, published = out.split("\n", 1)
    assert wrote.startswith(f"Wrote {tmp_path / 'out' / 'panel-pack-2019-01.docx'} and ")
    assert published == ("Published the Jan 2019 report for the meeting on 8 May 2019 with the figures of load 1. "
                         "Later loads that change them are shown as revisions.\n")


def test_command_line_help_names_every_option(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stopped:
        pack.main(["--help"])
    assert stopped.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert text.startswith("usage: python -m dashboard.pack [-h] --period PERIOD --out OUT [--db DB]")
    for expected in (
        "--period PERIOD report month, YYYY-MM",
        "--out OUT folder to write the .docx and .zip into",
        "--publish publish the report to the Panel with this pack (its figures are frozen)",
        "--as-reported the figures as the report was published to the Panel, not the latest",
        "--meeting MEETING with --publish: the meeting, YYYY-MM-DD",
    ):
        assert expected in text


def test_command_line_publishing_again_without_new_figures_is_refused_on_stderr_with_exit_1(
        stand_in_renderer, sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert pack.main(publish_january(sample_db, tmp_path / "first")) == 0
    capsys.readouterr()
    assert pack.main(publish_january(sample_db, tmp_path / "again")) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("Wrote ") and captured.out.count("\n") == 1
    assert "The Jan 2019 report is already published with the figures of " in captured.err


def test_the_front_sheet_has_bold_labels_at_its_widths_and_the_headline_themes_are_merged(
        stand_in_document) -> None:
    front = stand_in_document.tables[0]
    assert [round(column.width.cm, 2) for column in front.columns] == list(pack.FRONT_SHEET_WIDTHS_CM)
    assert not front.rows[0]._tr.xpath("./w:trPr/w:tblHeader")  # no header row: a label and its value
    assert all(run.bold for row in front.rows for run in row.cells[0].paragraphs[0].runs if run.text)
    assert not any(run.bold for row in front.rows for run in row.cells[1].paragraphs[0].runs)
    headlines = table_after(stand_in_document, "4. Police and Crime Plan Performance Headlines")
    merged = [row._tr.tc_lst[0].tcPr.vMerge for row in headlines.rows[1:4]]
    assert [m.val if m is not None else None for m in merged] == ["restart", "continue", "continue"]


def test_the_appendices_list_keeps_with_its_sources_and_the_chart_appendix_opens_a_page(
        content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list of appendices is kept with the sources line under it (a page never starts with
    the sources alone) and nothing else is; Appendix B opens a page; without a source for the
    report details the line names only the extracts; and the time is UTC whatever the machine's
    own time zone (here twelve hours ahead)."""
    bare = replace(content, details=replace(content.details, source=""))
    path = tmp_path / "pack.docx"
    monkeypatch.setenv("TZ", "Etc/GMT-12")
    time.tzset()
    try:
        before = datetime.now(timezone.utc)
        pack.write_docx(bare, {}, path)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    paragraphs = docx.Document(str(path)).paragraphs
    texts = [p.text for p in paragraphs]
    start = texts.index("Appendices")
    sources = next(i for i, text in enumerate(texts) if text.startswith("Figures as published in the extracts: "))
    listed = paragraphs[start + 1:sources]
    assert [p.text[:2] for p in listed] == ["A.", "B.", "C.", "D."]
    assert all(p.paragraph_format.keep_with_next for p in listed)
    assert paragraphs[sources].paragraph_format.keep_with_next is None
    stamps = {f"{moment:%d %b %Y %H:%M}" for moment in (before, before + timedelta(minutes=1))}
    assert texts[sources] in {f"Figures as published in the extracts: {content.sources}. Pack produced {stamp} UTC."
                              for stamp in stamps}
    appendix_b = paragraphs[texts.index("Appendix B: Headline Measure Charts")]
    assert appendix_b.paragraph_format.page_break_before is True


def test_without_a_title_report_to_or_agenda_item_the_paper_says_what_it_is(content, tmp_path: Path) -> None:
    bare = replace(content, details=replace(content.details, title="", report_to="", agenda_item=""))
    pack.write_docx(bare, {}, tmp_path / "bare.docx")
    document = docx.Document(str(tmp_path / "bare.docx"))
    default = reports.default_title(content.period)
    assert document.core_properties.title == default
    assert document.core_properties.subject == "Police and Crime Panel paper: Police and Crime Plan performance to Jan 2019"
    assert document.sections[0].header.paragraphs[0].text == " · ".join(
        part for part in (default, bare.details.public_text) if part)
    titled = replace(content, details=replace(content.details, title="Performance to January", agenda_item="7"))
    pack.write_docx(titled, {}, tmp_path / "titled.docx")
    document = docx.Document(str(tmp_path / "titled.docx"))
    assert document.core_properties.title == "Performance to January"
    assert document.sections[0].header.paragraphs[0].text.endswith(" · Agenda Item 7")
