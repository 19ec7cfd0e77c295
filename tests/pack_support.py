"""What the panel pack's tests share: the report they check against and reading the document back."""

from __future__ import annotations

import struct
import zlib
from datetime import date
from pathlib import Path

import docx
import pytest

from dashboard.charts import chart_meta
from dashboard.db import connect_readonly
from loaders.load import load_extracts
from loaders.provenance import Actor

DATA = Path(__file__).resolve().parent.parent / "data"

PERIOD = date(2019, 1, 1)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# Fixtures: a test module takes them by importing their names.

@pytest.fixture(scope="module")
def sample_db_path(_sample_db_once: Path) -> Path:
    """The project's sample (data/*.csv) loaded once per session; the pack's tests only read it."""
    return _sample_db_once


@pytest.fixture(scope="module")
def con(sample_db_path: Path):
    connection = connect_readonly(sample_db_path)
    yield connection
    connection.close()

#: The headline table of the report to January 2019 (section 5), as published.
EXPECTED_HEADLINES = [
    ("Police Effectiveness: Protecting vulnerable people", "Requires Improvement (2017)", "Pending: (Apr 2019)", "TBC"),
    ("Adult and child safeguarding referrals", "4,872 (Jan 2018)", "5,369 (Jan 2019)", "+10.2%"),
    ("Violent knife crime recorded by police", "806 (Jan 2018)", "881 (Jan 2019)", "+9.3%"),
    ("Victim Services: Improvement in cope/recover outcomes", "89.4% (Sep 2018)", "Pending (Apr 2019)", "TBC"),
    ("Repeat victims of domestic abuse presenting to police", "33.2% (Jan 18)", "32.7% (Jan 19)", "↓ 0.5% pts"),
    ("Positive outcome rate for serious sexual offences", "11.6% (Jan 18)", "8.9% (Jan 19)", "↓ 0.5% pts"),
    ("Police Effectiveness: Preventing / tackling crime and ASB", "Good (2017)", "Pending: (Apr 2019)", "TBC"),
    ("% residents experiencing crime in last 12 months", "17.3% (Jun 2018)", "19.4% (Dec 2018)", "↑ 2.1% pts"),
    ("Integrated Offender Management – reduction in reoffending risk", "-78.4% (Jun 2018)", "-76.8% (Jan 2018)", "-1.6% pts"),
    ("Police efficiency: Reducing crime and keeping people safe", "Requires Improvement (2017)", "Pending: (Apr 2019)", "TBC"),
    ("% residents feeling the police 'do a good job'", "45.6% (Jun 2018)", "46.0% (Dec 2018)", "↑ 0.4% pt"),
    ("Achieving a balanced budget: Budget vs Spend", "+£1.0m rev -£3.0m cap (Nov 2018)", "+£1.1m rev -£4.0m cap (Jan 2019)", "+£0.1m -£1.0m"),
]


def table_after(document, heading: str):
    """The first table following the paragraph whose text starts with `heading`."""
    body = document.element.body
    found = False
    for element in body.iterchildren():
        if element.tag.endswith("}p") and "".join(element.itertext()).startswith(heading):
            found = True
        elif found and element.tag.endswith("}tbl"):
            return next(t for t in document.tables if t._tbl is element)
    raise AssertionError(f"no table after {heading!r}")


def rows(table) -> list[list[str]]:
    return [[cell.paragraphs[0].text for cell in row.cells] for row in table.rows]


def image_alt_texts(path: Path) -> list[tuple[str | None, str | None]]:
    """(descr, title) of every image's wp:docPr in the document, in document order."""
    body = docx.Document(str(path)).element.body
    return [(pr.get("descr"), pr.get("title")) for pr in body.xpath(".//wp:docPr")]


def tiny_png() -> bytes:
    """A valid 1 x 1 PNG: enough for python-docx to embed, no browser needed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


def stand_in_images(charts) -> dict[str, bytes]:  # noqa: ANN001 - PackChart items
    """A tiny PNG for each chart, by its stem: what write_docx takes as the rendered images."""
    return {chart.stem: tiny_png() for chart in charts}


class StandInExporter:
    """Renders each chart as a tiny PNG and an SVG naming its title; `fail` maps titles to the error
    their render raises; `start_error` is raised by `start`."""

    instances: list[StandInExporter] = []

    def __init__(self, fail: dict[str, Exception] | None = None, start_error: Exception | None = None,
                 available: bool = True) -> None:
        self.fail = fail or {}
        self.start_error = start_error
        self._available = available
        self.started = self.closed = 0
        self.rendered: list[tuple[str, tuple[str, ...]]] = []
        StandInExporter.instances.append(self)

    def available(self) -> bool:
        return self._available

    def unavailable_reason(self) -> str:
        return "No stand-in browser here."

    def start(self) -> None:
        self.started += 1
        if self.start_error is not None:
            raise self.start_error

    def close(self) -> None:
        self.closed += 1

    def render_formats(self, fig, formats):
        title = chart_meta(fig).title
        if title in self.fail:
            raise self.fail[title]
        self.rendered.append((title, tuple(formats)))
        return {"png": tiny_png(), "svg": f"<svg>{title}</svg>".encode()}


def publish_january(db: Path, out: Path, meeting: str = "2019-05-08") -> list[str]:
    """`python -m dashboard.pack`'s arguments that publish the January 2019 report with its pack."""
    return ["--period", "2019-01", "--out", str(out), "--db", str(db), "--publish", "--meeting", meeting]


def table_texts(path: Path) -> list[list[list[str]]]:
    """Every table of a Word document, cell by cell."""
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in docx.Document(str(path)).tables]


def correct_referrals(db: Path, folder: Path) -> None:
    text = (DATA / "measures.csv").read_text(encoding="utf-8")
    folder.mkdir(exist_ok=True)
    (folder / "measures.csv").write_text(text.replace('"5,369 (Jan 2019)"', '"5,412 (Jan 2019)"'), encoding="utf-8")
    assert load_extracts([folder / "measures.csv"], db, Actor("a.analyst", "upload")).ok

