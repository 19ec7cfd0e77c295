"""The panel pack's performance summary appendix (dashboard/pack_summary.py): the Performance
summary page's table for the whole force on a landscape page, the key to its words, the counts by
variation and assurance, section 3's point on it, the CSVs in the ZIP, and a paper whose month
comes before every series without it. Extracts: tests/fixtures/summary (see tests/test_summary.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import duckdb
import pytest
from docx.enum.section import WD_ORIENT

from dashboard import glossary, pack, pack_summary, spc, summary
from dashboard.tables import table_to_csv
from loaders.load import load_extracts

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "summary"
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1))"
DEC_2024 = date(2024, 12, 1)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("pack-summary") / "summary.duckdb"
    assert load_extracts(sorted(FIXTURES.glob("*.csv")), db).ok
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def rows(con):
    return pack_summary.gather_summary(con, DEC_2024)


def cells(table) -> list[list[str]]:  # noqa: ANN001 - python-docx table
    return [[cell.text for cell in row.cells] for row in table.rows]


def write_appendix(rows, path: Path) -> docx.document.Document:
    doc = pack._Doc()   # noqa: SLF001 - the pack's own document type, as pack.write_docx uses it
    pack_summary.write_summary_appendix(doc, rows, DEC_2024, "E")
    doc.save(path)
    return docx.Document(str(path))


def test_the_paper_carries_the_force_wide_summary(con, rows) -> None:
    """The whole force's series, not an area's: Burglary's Force figures, not its City series."""
    assert rows["measure"].tolist() == summary.query_summary(con, DEC_2024)["measure"].tolist()
    assert summary.row_records(rows)[3]["latest_value"] == 104   # Force; City's December is 41


def test_the_appendix_prints_the_pages_table_key_and_counts(rows, tmp_path: Path) -> None:
    document = write_appendix(rows, tmp_path / "summary.docx")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Appendix E: Performance Summary: Monthly Series, Force", "The words used",
                        "Measures by variation and assurance"]
    assert document.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    text = [p.text for p in document.paragraphs]
    assert summary.describe_summary(rows) in text
    table, key, matrix = (cells(t) for t in document.tables)
    assert table[0] == list(summary.TABLE_COLUMNS)
    assert table[1:] == summary.summary_table(rows).values.tolist()   # the page's table, cell for cell
    burglary = next(row for row in table if row[0] == "Burglary")
    assert burglary[6:] == ["50 (from Apr 2023)", "Special cause concern (higher values)", "Consistently failing",
                            "0 (the latest month)"]
    assert [row[0] for row in table].count(HOSTILE) == 1   # extract text printed literally
    assert key[0] == ["Words in the table", "Meaning"]
    assert [row[0] for row in key[1:]] == ["Special cause improvement", "Common cause", "Special cause concern",
                                           "Hit and miss", "Consistently passing", "No target", "Consistently failing",
                                           "No assurance (neutral measure)"]
    assert key[1][1] == glossary.VARIATION_WORDS[spc.SPECIAL_IMPROVEMENT].meaning
    assert matrix[1:] == [["Common cause", "1", "0", "0", "3", "4"], ["Special cause improvement", "0", "1", "0", "0", "1"],
                          ["Special cause concern", "0", "0", "1", "0", "1"]]
    for printed in document.tables:
        assert sum(c.width.cm for c in printed.rows[0].cells) == pytest.approx(pack.LANDSCAPE_TEXT_CM, abs=0.01)


def test_widths_fill_the_landscape_page() -> None:
    for widths, columns in ((pack_summary.WIDTHS_CM, summary.TABLE_COLUMNS), (pack_summary.KEY_WIDTHS_CM, "ab"),
                            (pack_summary.MATRIX_WIDTHS_CM, "abcdef")):
        assert len(widths) == len(columns)
        assert sum(widths) == pytest.approx(pack.LANDSCAPE_TEXT_CM)


def test_a_short_series_is_noted_under_the_table(con, tmp_path: Path) -> None:
    document = write_appendix(pack_summary.gather_summary(con, date(2023, 6, 1)), tmp_path / "short.docx")
    notes = [p for p in document.paragraphs if "trial limits" in p.text]
    assert len(notes) == 6 and all(run.italic for p in notes for run in p.runs)


def test_the_key_point_in_section_3(rows) -> None:
    assert pack_summary.key_point(rows, DEC_2024, "E") == (
        "Of the 6 measures with a monthly series for the whole force, the latest month (Dec 2024) shows special "
        "cause concern in 1, special cause improvement in 1 and common cause variation in 4; 4 of them have a "
        "target, 1 consistently failing it (Appendix E).")
    one = rows[rows["measure"] == "Robbery"]
    assert pack_summary.key_point(one, DEC_2024, "F") == (
        "Of the 1 measure with a monthly series for the whole force, the latest month (Dec 2024) shows special "
        "cause concern in 0, special cause improvement in 0 and common cause variation in 1; none has a target "
        "set (Appendix F).")


def test_the_zip_holds_the_table_and_the_counts(rows) -> None:
    table, matrix = pack_summary.summary_tables(rows)
    assert table.name == "performance-summary" and matrix.name == "performance-summary-by-variation-and-assurance"
    assert table_to_csv(table.table) == table_to_csv(summary.summary_table(rows))
    assert matrix.table["Measures"].sum() == len(rows)
    assert pack_summary.summary_tables(rows.iloc[:0]) == []


def test_the_whole_paper_puts_it_last_and_names_it_in_section_3(con, tmp_path: Path) -> None:
    content = pack.gather_pack_content(con, DEC_2024)
    assert content.sources.endswith("; " + summary.describe_source(con))
    assert pack.summary_letter(content) == "C"   # after the RAG appendix and the measures' charts
    assert pack.key_points(content)[-1] == pack_summary.key_point(content.performance, DEC_2024, "C")
    names = [t.name for t in pack.pack_tables(content)]
    assert {"performance-summary", "performance-summary-by-variation-and-assurance"} <= set(names)
    path = tmp_path / "paper.docx"
    pack.write_docx(content, {}, path)
    headings = [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == "Heading 1"]
    assert headings[-1] == "Appendix C: Performance Summary: Monthly Series, Force"
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert "C. Performance Summary: Monthly Series, Force" in texts
    assert any(t.startswith("Every measure with a monthly series for the whole force, up to Dec 2024, ") for t in texts)


def test_a_paper_before_every_series_has_no_summary(con, tmp_path: Path) -> None:
    folder = tmp_path / "earlier"
    folder.mkdir()
    (folder / "measures.csv").write_text("period,theme,measure,polarity\n2022-06,Tackling crime and ASB,Burglary,"
                                         "lower_is_better\n", encoding="utf-8")
    db = tmp_path / "earlier.duckdb"
    assert load_extracts([*sorted(FIXTURES.glob("*.csv")), folder / "measures.csv"], db).ok
    with duckdb.connect(str(db), read_only=True) as connection:
        content = pack.gather_pack_content(connection, date(2022, 6, 1))
    assert content.performance.empty
    assert not any("Appendix" in point and "monthly series" in point for point in pack.key_points(content))
    assert pack_summary.HEADING not in [name for _, name in pack._appendices(content)]   # noqa: SLF001
    assert not [t for t in pack.pack_tables(content) if t.name.startswith("performance-summary")]
