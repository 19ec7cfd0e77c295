"""The panel pack's estates section and forward-plan appendix (dashboard/pack_records.py): laid
out as the update report lays them out, figures as published, tables that fit the page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import duckdb
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT

from dashboard import pack, pack_records
from loaders.load import load_extracts

ROOT = Path(__file__).resolve().parent.parent
PERIOD = pd.Timestamp("2019-01-01").date()


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> pack.PackContent:
    db = tmp_path_factory.mktemp("records") / "sample.duckdb"
    names = ("measures.csv", "reports.csv", "decisions.csv", "estates.csv")
    assert load_extracts([ROOT / "data" / n for n in names], db).ok
    con = duckdb.connect(str(db), read_only=True)
    try:
        return pack.gather_pack_content(con, PERIOD)
    finally:
        con.close()


@pytest.fixture(scope="module")
def document(content, tmp_path_factory: pytest.TempPathFactory) -> docx.document.Document:
    path = tmp_path_factory.mktemp("records-doc") / "pack.docx"
    pack.write_docx(content, {}, path)
    return docx.Document(str(path))


def cells(table) -> list[list[str]]:  # noqa: ANN001 - python-docx table
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_column_widths_fill_the_text_width() -> None:
    assert sum(pack_records.PLAN_WIDTHS_CM) == pytest.approx(pack.LANDSCAPE_TEXT_CM)
    assert sum(pack_records.ESTATES_WIDTHS_CM) == pytest.approx(pack.PORTRAIT_TEXT_CM)
    assert len(pack_records.PLAN_WIDTHS_CM) == len(pack_records.PLAN_COLUMNS)


def test_the_estates_tables_and_their_published_totals(document) -> None:
    tables = [cells(t) for t in document.tables if t.rows[0].cells[0].text == "POLICE STATION SITE"]
    sold, exchanged = tables
    assert sold[0] == ["POLICE STATION SITE", "COMPLETION OF SALE", "PROPOSED FUTURE USE"]
    assert sold[1] == ["Central , Nottingham", "9 June 2016", "Mixed re- development – principally residential"]
    assert len(sold) == 11 and sold[-1][0] == "Mansfield Woodhouse"
    assert exchanged[0][1] == "STATUS" and exchanged[3] == ["Hilltop House site, Eastwood", "Application submitted",
                                                           "Residential"]
    text = [p.text for p in document.paragraphs]
    assert "Total capital receipt from above completed sales = £5,128,400" in text
    assert "Total capital receipt to be received on completion of above = £2,104,000" in text


def test_the_forward_plan_appendix_section_by_section(document) -> None:
    """Each section a table of its own with the plan's seven columns; costs as published with
    their figure under them; 'None to report' across its section's table."""
    plan = [t for t in document.tables if t.rows[0].cells[0].text == "Ref"]
    assert len(plan) == 6
    assert all(cells(t)[0] == list(pack_records.PLAN_COLUMNS) for t in plan)
    business = plan[0]
    assert len(business.rows) == 2 and len({id(c._tc) for c in business.rows[1].cells}) == 1   # one merged cell
    assert business.rows[1].cells[0].text.startswith("None to report with the exception of those noted under 2.0")
    assert cells(plan[3])[1][0] == cells(plan[4])[1][0] == "None to report."
    contracts = {row[0]: row for row in cells(plan[1])[1:]}
    assert contracts["2.1"] == ["2.1", "March 2019", "Hucknall EMAS Works", "Building Contractors", "£515,000",
                                "Ronnie Adams EMSCU", "Force"]
    assert contracts["2.2"][4] == ">£250k\n(at least £250,000)"
    assert contracts["2.6"][4] == "Potentially over £250k"
    assert list(contracts) == [f"2.{n}" for n in range(1, 13)]
    assert cells(plan[5])[-1][1] == "March – September 2019"
    assert document.sections[-1].orientation == WD_ORIENT.LANDSCAPE


def test_the_zip_carries_the_forward_plan_and_both_lists(content, tmp_path: Path) -> None:
    tables = {t.name: t.table for t in pack.pack_tables(content)}
    plan = tables["forward-plan"]
    assert plan["Section"].nunique() == 6 and len(plan) == 24
    assert plan.loc[plan["Ref"] == "2.1", "Cost (£) Where available"].tolist() == ["£515,000"]
    sold = tables["estates-sold"]
    assert sold.iloc[-1].tolist()[:2] == ["Total capital receipt from above completed sales", "£5,128,400"]
    assert tables["estates-exchanged"].iloc[-1].tolist()[:2] == [
        "Total capital receipt to be received on completion of above", "£2,104,000"]
    path = tmp_path / "pack.zip"
    pack.write_zip(pack.pack_tables(content), {}, path)
    with zipfile.ZipFile(path) as archive:
        read = pd.read_csv(io.BytesIO(archive.read("tables/estates-sold.csv")), encoding="utf-8-sig")
    assert "£5,128,400" in read.iloc[-1].tolist()


def test_a_pack_without_the_extracts_has_neither(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([ROOT / "data" / "measures.csv"], db).ok
    with duckdb.connect(str(db), read_only=True) as con:
        bare = pack.gather_pack_content(con, PERIOD)
    path = tmp_path / "pack.docx"
    pack.write_docx(bare, {}, path)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "Estates Update" not in text and "Forward Plan" not in text
    assert not any(t.name.startswith(("forward-plan", "estates")) for t in pack.pack_tables(bare))
