"""The panel pack's plan-framework appendix (dashboard/pack_framework.py): which plan a paper
presents, a landscape table per theme as the plan prints it (focus area once beside its
objectives; lead, revised marker and pledges where the plan publishes them), each matched
objective's latest RAG status in words, widths that fill the page, and its table in the ZIP."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import duckdb
import pytest
from docx.enum.section import WD_ORIENT

from dashboard import pack, pack_framework
from loaders.load import load_extracts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("pack-framework") / "sample.duckdb"
    assert load_extracts([ROOT / "data" / n for n in ("measures.csv", "deliverables.csv", "framework.csv")], db).ok
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def write_appendix(content: pack_framework.FrameworkContent, path: Path) -> docx.document.Document:
    doc = pack._Doc()   # noqa: SLF001 - the pack's own document type, as pack.write_docx uses it
    pack_framework.write_framework_appendix(doc, content, "E")
    doc.save(path)
    return docx.Document(str(path))


def cells(table) -> list[list[str]]:  # noqa: ANN001 - python-docx table
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_text_width_is_the_packs_landscape_width() -> None:
    assert pack_framework.TEXT_WIDTH_CM == pack.LANDSCAPE_TEXT_CM


@pytest.mark.parametrize(("period", "plan"), [
    (date(2019, 1, 1), "2019-20"),    # the May 2019 paper appends the 2019/20 plan (Appendix D)
    (date(2018, 6, 1), "2019-20"),    # 2018-19: the 2019/20 plan is next year's
    (date(2017, 1, 1), "2016-18"),    # 2016-17, within the 2016-18 plan
    (date(2016, 1, 1), "2016-18"),    # 2015-16: the 2016-18 plan is next year's
    (date(2015, 1, 1), None),
    (date(2024, 12, 1), None),        # no loaded plan is in force in 2024-25 or 2025-26
])
def test_the_plan_a_paper_presents(con, period: date, plan: str | None) -> None:
    assert pack_framework.plan_for_period(con, period) == plan
    assert [c.plan for c in pack_framework.gather_framework(con, period)] == ([plan] if plan else [])


def test_the_2019_20_appendix_theme_by_theme_with_the_linked_statuses(con, tmp_path: Path) -> None:
    content, = pack_framework.gather_framework(con, date(2019, 1, 1))
    document = write_appendix(content, tmp_path / "framework.docx")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "Appendix E: Plan Framework: Nottinghamshire Police and Crime Delivery Plan 2019/20 – V1.4",
        "1. Protecting people from harm", "2. Helping and supporting victims", "3. Tackling crime and ASB",
        "4. Transforming services"]
    assert document.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    text = " ".join(p.text for p in document.paragraphs)
    assert "60 objectives in 4 themes; no lead is published for them." in text
    assert "15 of the 60 objectives shown match a delivery-plan deliverable" in text
    tables = [cells(t) for t in document.tables]
    assert len(tables) == 4
    assert tables[0][0] == ["Focus area", "Ref", "Objective", "Delivery plan status"]   # no lead, marker or pledge
    assert len(tables[0]) == 16
    first = tables[0][1]
    assert first[0] == "Protecting young people from harm, with a focus on tackling serious violence and exploitation"
    assert first[1:] == ["1", "Fund targeted engagement and awareness raising initiatives with young people to reduce "
                              "risk of harm and divert children and young people from crime and ASB",
                         "● Green, 2019-20 Q3 (deliverable 1, same ref and text)"]
    # the focus area printed once beside its five objectives: one merged cell
    merges = [r._tr.tc_lst[0].tcPr.vMerge.val for r in document.tables[0].rows[1:]]  # noqa: SLF001
    assert merges == ["restart", *["continue"] * 4] * 3
    assert {row[3] for row in tables[1][1:]} == {"–"}
    for table in document.tables:
        widths = [cell.width.cm for cell in table.rows[0].cells]
        assert sum(widths) == pytest.approx(pack.LANDSCAPE_TEXT_CM, abs=0.01)


def test_the_2016_18_appendix_prints_lead_marker_and_pledges(con, tmp_path: Path) -> None:
    content, = pack_framework.gather_framework(con, date(2017, 1, 1))
    document = write_appendix(content, tmp_path / "framework.docx")
    tables = [cells(t) for t in document.tables]
    assert len(tables) == 7
    assert tables[0][0] == ["Ref", "Lead", "Revised", "Activity", "Pledges", "Delivery plan status"]
    rows = {row[0]: row for row in tables[0][1:]}
    assert rows["F03"][1:3] == ["Force", ""] and rows["F03"][4:] == ["PL2", "–"]
    assert rows["C02"][2] == "* Revised" and rows["C02"][3].startswith("*PL7.3. Continue to improve BME")
    text = " ".join(p.text for p in document.paragraphs)
    assert "No delivery-plan deliverable matches an activity of the 2016-18 plan" in text
    for table in document.tables:
        assert sum(cell.width.cm for cell in table.rows[0].cells) == pytest.approx(pack.LANDSCAPE_TEXT_CM, abs=0.01)


def test_the_zip_table_holds_every_row_with_its_theme(con) -> None:
    contents = pack_framework.gather_framework(con, date(2019, 1, 1))
    table, = pack_framework.framework_tables(contents)
    assert table.name == "framework-2019-20"
    assert len(table.table) == 60
    assert table.table.columns.tolist()[:3] == ["Theme", "Focus area", "Ref"]
