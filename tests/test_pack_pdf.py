"""The panel pack as printed: the Word paper converted to PDF by LibreOffice, read back with
poppler's pdftotext. Front sheet, section order, 'Page N of M' on every page, the headline table
on landscape pages with its header row repeated, each exception table's own figure, and every
word inside the page's margins.

Needs Debian's libreoffice-writer-nogui and poppler-utils (`make office`, part of `make test`);
fails without them, as the browser tests do without Chromium. The pages are also saved as PNG in artifacts/pack-pages/ to look at.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from dashboard import pack
from dashboard.db import connect_readonly
from dashboard.export import Exporter, browser_available

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PERIOD = date(2019, 1, 1)
PAGES_OUT = PROJECT_ROOT / "artifacts" / "pack-pages"
POINTS_PER_CM = 72 / 2.54
MARGIN_PT = pack.MARGIN_CM * POINTS_PER_CM
#: Header and footer sit 1 cm from the page's edge, in the top and bottom margins (a line of
#: 8 pt text reaches a little past that line: words may come to within half a centimetre).
HEADER_EDGE_PT = 1.0 * POINTS_PER_CM
TOLERANCE_PT = 0.5

# `make test` installs them (`make office`); a machine without them fails here and says so,
# rather than passing without having looked at the printed paper.
if not all(shutil.which(tool) for tool in ("soffice", "pdftotext", "pdfinfo")):
    pytest.fail("LibreOffice or poppler-utils missing: run `make office` "
                "(apt-get install libreoffice-writer-nogui poppler-utils)", pytrace=False)


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: tuple[Word, ...]
    text: str   # the page's text in reading layout (pdftotext -layout)

    @property
    def landscape(self) -> bool:
        return self.width > self.height


def _convert(docx_path: Path, out: Path) -> Path:
    """The document as LibreOffice prints it; a profile of its own, so that a LibreOffice already
    running (a person's, another test's) neither blocks nor shares the conversion."""
    profile = out / "lo-profile"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(docx_path)],
        capture_output=True, text=True, timeout=180,
    )
    pdf = out / f"{docx_path.stem}.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    return pdf


def _pages(pdf: Path) -> list[Page]:
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # pdftotext writes XHTML; its entities other than XML's own would stop the XML parser
    boxes = re.sub(r"<!DOCTYPE[^>]*>", "", boxes)
    root = ElementTree.fromstring(boxes)
    namespace = {"x": "http://www.w3.org/1999/xhtml"}
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout.split("\f")
    pages = []
    for number, page in enumerate(root.iterfind(".//x:page", namespace), start=1):
        words = tuple(
            Word(html.unescape(w.text or ""), *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
            for w in page.iterfind("x:word", namespace))
        pages.append(Page(number, float(page.get("width")), float(page.get("height")), words, layout[number - 1]))
    return pages


@pytest.fixture(scope="module")
def printed(_sample_db_once: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Page]:
    """The January 2019 pack, with its chart images where Chromium is here, printed to PDF."""
    out = tmp_path_factory.mktemp("pack-pdf")
    with connect_readonly(_sample_db_once) as con:
        exporter = Exporter() if browser_available() else Exporter(browser_path=out / "no-browser")
        with exporter:
            result = pack.build_panel_pack(con, PERIOD, out, exporter=exporter)
    pdf = _convert(result.docx_path, out)
    if shutil.which("pdftoppm"):
        PAGES_OUT.mkdir(parents=True, exist_ok=True)
        for old in PAGES_OUT.glob("page-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(PAGES_OUT / "page")], check=True, timeout=120)
    return _pages(pdf)


def _lines(page: Page) -> list[str]:
    return [" ".join(line.split()) for line in page.text.splitlines() if line.strip()]


def test_the_front_sheet_prints_each_field_beside_its_label(printed: list[Page]) -> None:
    """Page 1 is the front sheet of seed 001, from data/reports.csv, then the paper's title."""
    lines = _lines(printed[0])
    for label, value in (
        ("Public/Non Public*", "Public"), ("Report to:", "Audit and Scrutiny Panel"),
        ("Date of Meeting:", "8 May 2019"), ("Report of:", "Paddy Tipping Police and Crime Commissioner"),
        ("Report Author:", "Kevin Dennis"), ("E-mail:", "Kevin.dennis@nottinghamshire.pnn.Police.uk"),
        ("Other Contacts:", "Kevin Dennis"), ("Agenda Item:", "13"),
    ):
        assert f"{label} {value}" in lines, label
    assert "For Consideration" in lines
    text = " ".join(lines)
    assert "POLICE AND CRIME COMMISSIONER'S UPDATE REPORT TO JANUARY 2019" in text
    assert text.index("Agenda Item: 13") < text.index("POLICE AND CRIME") < text.index("1. Purpose of the Report")


def test_every_page_says_page_n_of_m_and_carries_the_header(printed: list[Page]) -> None:
    total = len(printed)
    assert total >= 8
    for page in printed:
        lines = _lines(page)
        assert f"Page {page.number} of {total}" in lines, page.number
        assert lines[0] == "Police and Crime Commissioner's Update Report to January 2019 · Public · Agenda Item 13"


def test_sections_print_in_the_reports_order(printed: list[Page]) -> None:
    text = " ".join(" ".join(_lines(page)) for page in printed)
    headings = [
        "1. Purpose of the Report", "2. Recommendations", "3. Summary of Key Points",
        "4. Police and Crime Plan Performance Headlines",
        "5. Police and Crime Plan Performance – Positive and Negative Exception Reporting",
        "Positive Exception Reporting", "Negative Exception Reporting",
        "6. Financial Implications and Budget Provision: 2018-19", "Appendices",
        "Appendix A: Delivery Plan RAG Status (2018-19 Q3)", "Appendix B: Headline Measure Charts",
    ]
    places, start = [], 0
    for heading in headings:   # each after the one before ('5. ... Negative Exception Reporting' holds the next)
        start = text.find(heading, start + 1)
        places.append(start)
    assert -1 not in places, dict(zip(headings, places))
    assert "1.1 This report presents the Audit and Scrutiny (Panel)" in text
    assert "2.1 The Panel to note the contents of this update report" in text


def test_the_headline_table_is_on_landscape_pages_with_its_header_on_each(printed: list[Page]) -> None:
    """The table's pages are landscape; where it runs onto a second page its header row repeats."""
    pages = [page for page in printed if any("Adult and child safeguarding" in line or "Achieving a balanced budget"
                                             in line for line in _lines(page)) and page.landscape]
    assert len(pages) >= 2
    header = re.compile(r"^Theme +Measure +Baseline +Current +Trend +Comment$")
    for page in pages:
        assert any(header.match(line) for line in _lines(page)), page.number
    assert all(not page.landscape for page in printed if page.number < pages[0].number)
    words = {word.text for page in pages for word in page.words}
    assert {"Requires", "Improvement", "Pending:", "+10.2%", "TBC", "+£0.1m", "-£1.0m"} <= words


def test_each_exception_table_quotes_its_own_figure(printed: list[Page]) -> None:
    """Serious sexual offences: ↓ 0.5% pts in the headline table, -2.7% pts in the negative one."""
    lines = [line for page in printed for line in _lines(page)]
    negative = lines.index("Negative Exception Reporting")
    (headline_row,) = [line for line in lines[:negative] if "11.6% (Jan 18) 8.9% (Jan 19)" in line]
    (exception_row,) = [line for line in lines[negative:] if "Positive outcome rate for serious sexual offences" in line
                        and not re.match(r"(5\.\d+|Figure \d+:) ", line)]   # the row, not narrative or caption
    assert "↓ 0.5% pts" in headline_row and exception_row.endswith("-2.7% pts")
    assert not any("exception report (paragraph" in line for line in lines)


def test_every_word_is_inside_the_page_margins(printed: list[Page]) -> None:
    """Text, tables included, stays within 2 cm of each side, portrait and landscape; only the
    header and footer sit in the top and bottom margins, 1 cm from the edge."""
    outside = []
    for page in printed:
        for word in page.words:
            if (word.x_min < MARGIN_PT - TOLERANCE_PT or word.x_max > page.width - MARGIN_PT + TOLERANCE_PT
                    or word.y_min < HEADER_EDGE_PT / 2 or word.y_max > page.height - HEADER_EDGE_PT / 2):
                outside.append((page.number, word.text, round(word.x_min), round(word.x_max)))
    assert outside == []
    for page in printed:
        in_top_margin = [w.text for w in page.words if w.y_min < MARGIN_PT - TOLERANCE_PT]
        in_bottom_margin = [w.text for w in page.words if w.y_max > page.height - MARGIN_PT + TOLERANCE_PT]
        assert " ".join(in_top_margin) == (
            "Police and Crime Commissioner's Update Report to January 2019 · Public · Agenda Item 13"), page.number
        assert " ".join(in_bottom_margin) == f"Page {page.number} of {len(printed)}", page.number
