"""The panel pack's recommendations-tracker appendix: in a paper whose month the tracker's quarter
has begun, laid out as the tracker is (Theme once per run, Ref, Recommendation, Lead agencies one
per line, Status, the quarter's update), on landscape pages with a repeated header, inside the
margins as LibreOffice prints it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import docx
import duckdb
import pytest
from docx.oxml.ns import qn

from dashboard import pack, pack_recommendations
from loaders import load_extracts

ROOT = Path(__file__).resolve().parent.parent
DEC_2024 = date(2024, 12, 1)
TITLE = "Domestic and sexual violence Recommendations Tracker, January - March 2020-21"
COLUMNS = ["Theme", "Ref", "Recommendation", "Lead agencies", "Status", "Update January - March 2020-21"]


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    db = tmp_path_factory.mktemp("pack-recommendations") / "sample.duckdb"
    report = load_extracts(sorted((ROOT / "data").glob("*.csv")), db)
    assert report.ok, report.to_text()
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def december_docx(con, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pack-recommendations-docx") / "pack.docx"
    pack.write_docx(pack.gather_pack_content(con, DEC_2024), {}, path)
    return path


def _table_after(document, heading: str):  # noqa: ANN001, ANN202 - python-docx objects
    body = list(document.element.body.iterchildren())
    paragraph = next(p for p in document.paragraphs if p.text == heading)
    start = body.index(paragraph._p)
    table = next(el for el in body[start:] if el.tag == qn("w:tbl"))
    return next(t for t in document.tables if t._tbl is table)


def test_a_paper_shows_the_tracker_only_once_its_quarter_has_begun(con) -> None:
    assert pack.gather_pack_content(con, date(2019, 1, 1)).trackers == []
    (tracker,) = pack.gather_pack_content(con, DEC_2024).trackers
    assert (tracker.review, tracker.quarter, len(tracker.rows)) == ("Domestic and sexual violence", "2020-21 Q4", 23)
    names = [t.name for t in pack.pack_tables(pack.gather_pack_content(con, DEC_2024))]
    assert "recommendations-domestic-and-sexual-violence-2020-21-q4" in names


def test_the_appendix_is_laid_out_as_the_tracker(december_docx: Path) -> None:
    document = docx.Document(str(december_docx))
    texts = [p.text for p in document.paragraphs]
    # the next letter after the paper's other appendices, listed under that letter too
    (heading,) = [t for t in texts if t.startswith("Appendix ") and t.endswith(f": {TITLE}")]
    letter = heading.removeprefix("Appendix ")[0]
    assert f"{letter}. {TITLE}" in texts
    table = _table_after(document, heading)
    assert [c.text for c in table.rows[0].cells] == COLUMNS
    body = table.rows[1:]
    assert len(body) == 23
    assert [r.cells[1].text for r in body] == [str(n) for n in range(1, 24)]
    # the section's name once, beside its run of rows (a merged cell), as the tracker prints it
    first_cells = [r._tr.tc_lst[0].tcPr.vMerge.val for r in body]
    assert first_cells[0] == "restart" and set(first_cells[1:]) == {"continue"}
    assert body[0].cells[3].text == "PCC\nCity Council\nCounty Council\nViolence Reduction Unit\nCCGs"
    assert {r.cells[4].text for r in body} == {"– Not stated"}
    assert body[7].cells[5].text.endswith("in March 20201 for additional funding for specialist DSVA posts for "
                                          "specific protected characteristics including male survivors and BAME survivors.")
    # fixed widths that fill a landscape page's text, a header that repeats, rows that never split
    assert sum(pack_recommendations.TRACKER_WIDTHS_CM) == pytest.approx(pack.LANDSCAPE_TEXT_CM)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in body)
    section = document.sections[-1]
    assert section.page_width > section.page_height


@pytest.mark.skipif(not all(shutil.which(t) for t in ("soffice", "pdftotext")),
                    reason="LibreOffice or poppler-utils missing: make office")
def test_the_printed_appendix_fits_its_landscape_pages(december_docx: Path, tmp_path: Path) -> None:
    """As LibreOffice prints it: every word of the tracker's pages inside the margins, each of
    them landscape with the tracker's header row at its top, up to the next appendix."""
    from test_pack_pdf import HEADER_EDGE_PT, MARGIN_PT, TOLERANCE_PT, _convert, _pages

    pages = _pages(_convert(december_docx, tmp_path))
    start = next(i for i, p in enumerate(pages) if f": {TITLE}" in " ".join(p.text.split())
                 and "Appendix" in p.text and "Lead agencies" in p.text)
    # The tracker runs until the next appendix begins (the performance summary follows it).
    end = next((i for i, p in enumerate(pages) if i > start and "Appendix" in p.text and TITLE not in p.text),
               len(pages))
    tracker_pages = pages[start:end]
    assert len(tracker_pages) >= 2
    for page in tracker_pages:
        assert page.landscape, page.number
        assert "Lead agencies" in page.text and "Update January - March 2020-21" in page.text, page.number
        outside = [w.text for w in page.words
                   if w.x_min < MARGIN_PT - TOLERANCE_PT or w.x_max > page.width - MARGIN_PT + TOLERANCE_PT
                   or w.y_min < HEADER_EDGE_PT / 2 or w.y_max > page.height - HEADER_EDGE_PT / 2]
        assert outside == [], page.number
    text = " ".join(" ".join(p.text.split()) for p in tracker_pages)
    assert "Action is sequential and not expected to begin until later in 2021." in text
