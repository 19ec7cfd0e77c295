"""The panel pack: the Word document against the seed report, the ZIP, the command line, the page."""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from datetime import date
from pathlib import Path

import docx
import pandas as pd
import pytest

from dashboard import pack
from dashboard.db import connect_readonly
from dashboard.export import INSTALL_HINT, Exporter, browser_available

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_REPORT = PROJECT_ROOT.parent / "shared" / "seeds" / "001_104b8f77d4b015be.txt"
PERIOD = date(2019, 1, 1)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

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

needs_browser = pytest.mark.skipif(not browser_available(), reason=f"no Chromium: {INSTALL_HINT}")


@pytest.fixture(scope="module")
def sample_db_path(_sample_db_once: Path) -> Path:
    """The project's sample (data/*.csv) loaded once per session; this module only reads it."""
    return _sample_db_once


@pytest.fixture(scope="module")
def con(sample_db_path: Path):
    connection = connect_readonly(sample_db_path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def built(con, tmp_path_factory: pytest.TempPathFactory):
    """The pack for January 2019, built once with one shared browser; progress recorded."""
    steps: list[tuple[float, str]] = []
    with Exporter() as exporter:
        result = pack.build_panel_pack(con, PERIOD, tmp_path_factory.mktemp("pack"), exporter=exporter,
                                       progress=lambda fraction, message: steps.append((fraction, message)))
    return result, steps


@pytest.fixture(scope="module")
def document(built) -> docx.document.Document:
    return docx.Document(str(built[0].docx_path))


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


# --- the Word document ------------------------------------------------------------------------------


def test_headline_table_has_one_row_per_headline_measure_as_published(document) -> None:
    table = rows(table_after(document, "Police and Crime Plan Performance Headlines"))
    assert table[0] == ["Theme", "Measure", "Baseline", "Current", "Trend", "Comment"]
    assert [tuple(row[1:5]) for row in table[1:]] == EXPECTED_HEADLINES
    assert table[1][0] == table[3][0] == "Protecting people from harm"
    assert document.core_properties.title == "Police and Crime Plan performance: report to Jan 2019"


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
    table = rows(table_after(document, "Police and Crime Plan Performance Headlines"))
    assert [tuple(row[1:5]) for row in table[1:]] == seed


def test_rows_that_disagree_with_their_own_figures_carry_the_check(document) -> None:
    table = table_after(document, "Police and Crime Plan Performance Headlines")
    by_measure = {row.cells[1].text: row for row in table.rows[1:]}
    sexual_offences = by_measure["Positive outcome rate for serious sexual offences"].cells[5].text
    assert "-2.7 pts" in sexual_offences and "⚠" in sexual_offences
    reoffending = by_measure["Integrated Offender Management – reduction in reoffending risk"].cells[5].text
    assert "before the baseline" in reoffending
    assert "⚠" not in by_measure["Adult and child safeguarding referrals"].cells[5].text


def test_exception_tables_hold_the_reported_measures_and_their_narratives(document) -> None:
    positive = rows(table_after(document, "Police and Crime Plan Performance – Positive"))
    assert positive[0] == ["Theme", "Measures", "Current"]
    assert {row[1]: row[2] for row in positive[1:]} == EXPECTED_POSITIVE
    negative = rows(table_after(document, "Police and Crime Plan Performance – Negative"))
    assert negative[0] == ["Theme", "Measures", "Jan 2019"]
    assert {row[1] for row in negative[1:]} == EXPECTED_NEGATIVE
    narratives = [p.text for p in document.paragraphs]
    assert any(p.startswith("Fraud offences. Fraud offences recorded by the police and Action Fraud") for p in narratives)
    assert any(p.startswith("Domestic abuse crimes. The force continues to record") for p in narratives)


def test_rag_summary_gives_number_and_percent_for_each_status(document) -> None:
    table = rows(table_after(document, "Helping and supporting victims"))
    assert table[0] == ["Status", "Meaning", "Number & %"]
    assert [(row[0], row[2]) for row in table[1:]] == [
        ("● Green", "14/14 (100%)"), ("▲ Amber", "0/14 (0%)"), ("■ Red", "0/14 (0%)"), ("○ White", "0/14 (0%)"),
    ]


def test_budget_table_gives_budget_forecast_and_variance_by_entity(document) -> None:
    table = rows(table_after(document, "Financial Implications and Budget Provision"))
    assert table[0][:6] == ["Entity", "Category", "Forecast made", "Budget £'000", "Forecast outturn £'000",
                            "Variance to budget £'000"]
    by_entity = {(row[0], row[1]): row for row in table[1:]}
    assert by_entity[("Force", "Revenue")][2:7] == ["Dec 2018", "188,209", "189,260", "1,052", "Overspend £1,052k"]
    assert by_entity[("OPCC", "Revenue")][3:6] == ["4,891", "4,891", "-"]
    assert by_entity[("Force and OPCC", "Capital")][5:7] == ["-3,980", "Underspend £3,980k"]


@needs_browser
def test_every_chart_is_an_image_with_alt_text_and_a_caption(built, document) -> None:
    result, _ = built
    shapes = document.inline_shapes
    assert len(shapes) == result.charts >= 4
    for shape in shapes:
        assert shape._inline.docPr.get("descr", "").strip()
        assert shape._inline.docPr.get("title", "").strip()
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert len(captions) == result.charts
    for caption in captions:
        assert "Source: " in caption and "Jan 2019" in caption
    assert any("Adult and child safeguarding referrals" in caption for caption in captions)


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


def test_each_image_alt_text_is_its_charts_own_description(con, tmp_path: Path) -> None:
    """The pack's alt text (wp:docPr descr) is, image by image, `chart_meta(fig).alt`, and its
    title the chart's title; every chart has a description of its own, not its title again."""
    content = pack.gather_pack_content(con, PERIOD)
    charts = content.all_charts()
    assert len(charts) >= 4
    path = tmp_path / "pack.docx"
    pack.write_docx(content, {chart.stem: tiny_png() for chart in charts}, path)
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
    pack.write_docx(content, {chart.stem: tiny_png() for chart in kept}, path)
    assert image_alt_texts(path) == [(chart.meta.alt, chart.meta.title) for chart in kept]


@needs_browser
def test_the_built_packs_alt_texts_are_the_charts_descriptions(built, con) -> None:
    """The pack as built with Chromium: every chart an image, each with its chart's alt text."""
    result, _ = built
    charts = pack.gather_pack_content(con, PERIOD).all_charts()
    assert image_alt_texts(result.docx_path) == [(chart.meta.alt, chart.meta.title) for chart in charts]


# --- the ZIP -----------------------------------------------------------------------------------------


@needs_browser
def test_zip_holds_every_chart_as_png_and_svg_and_every_table_as_csv(built) -> None:
    result, _ = built
    with zipfile.ZipFile(result.zip_path) as archive:
        names = set(archive.namelist())
        charts = {Path(n).stem for n in names if n.startswith("charts/")}
        assert len(charts) == result.charts
        for stem in charts:
            assert {f"charts/{stem}.png", f"charts/{stem}.svg"} <= names
            assert archive.read(f"charts/{stem}.png").startswith(PNG_SIGNATURE)
        tables = {n for n in names if n.startswith("tables/")}
        assert len(tables) == result.tables
        assert {"tables/headline-measures.csv", "tables/positive-exceptions.csv", "tables/negative-exceptions.csv",
                "tables/budget.csv", "tables/rag-summary-helping-and-supporting-victims.csv"} <= tables
        headlines = pd.read_csv(io.BytesIO(archive.read("tables/headline-measures.csv")), encoding="utf-8-sig")
    # As published; a leading ' where a spreadsheet would read a formula ('-78.4% (Jun 2018)).
    assert list(headlines["Baseline"]) == [
        f"'{row[1]}" if row[1].startswith(("+", "-")) else row[1] for row in EXPECTED_HEADLINES]
    assert names == {n for n in names if n.startswith(("charts/", "tables/"))}


def test_progress_runs_from_start_to_done(built) -> None:
    _, steps = built
    fractions = [fraction for fraction, _ in steps]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and steps[-1][1] == "Done"
    assert any(message.startswith("Rendering chart") for _, message in steps) or not browser_available()


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


def run_pack(*args: str, browser: str | None = None) -> subprocess.CompletedProcess:
    """`python -m dashboard.pack ARGS` as its own process; `browser` sets BROWSER_PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("BROWSER_PATH", "DASHBOARD_DB")}
    if browser is not None:
        env["BROWSER_PATH"] = browser
    return subprocess.run([sys.executable, "-m", "dashboard.pack", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def written(out: Path) -> set[str]:
    return {p.name for p in out.iterdir()} if out.exists() else set()


@needs_browser
def test_command_line_exits_0_with_every_chart_as_an_image(sample_db_path: Path, con, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_pack("--period", "2019-01", "--out", str(out), "--db", str(sample_db_path))
    assert done.returncode == 0, done.stderr
    assert "warning:" not in done.stderr
    assert written(out) == {"panel-pack-2019-01.docx", "panel-pack-2019-01.zip"}
    charts = pack.gather_pack_content(con, PERIOD).all_charts()
    assert f"({len(charts)} charts, " in done.stdout
    assert image_alt_texts(out / "panel-pack-2019-01.docx") == [(c.meta.alt, c.meta.title) for c in charts]
    with zipfile.ZipFile(out / "panel-pack-2019-01.zip") as archive:
        names = set(archive.namelist())
        assert {f"charts/{c.stem}.png" for c in charts} <= names
        assert all(archive.read(f"charts/{c.stem}.png").startswith(PNG_SIGNATURE) for c in charts)


def test_command_line_exits_1_when_the_pack_is_written_without_chart_images(sample_db_path: Path, tmp_path: Path) -> None:
    """BROWSER_PATH names no browser (export.find_browser tries only that path): the pack is
    still written, tables and all, without images; it says why and exits 1."""
    out, missing = tmp_path / "out", tmp_path / "no-chromium"
    done = run_pack("--period", "2019-01", "--out", str(out), "--db", str(sample_db_path), browser=str(missing))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"warning: Chart images (PNG, SVG) cannot be made here: no browser at {missing}" in done.stderr
    assert "(0 charts, " in done.stdout
    assert written(out) == {"panel-pack-2019-01.docx", "panel-pack-2019-01.zip"}
    document = docx.Document(str(out / "panel-pack-2019-01.docx"))
    assert len(document.inline_shapes) == 0
    text = "\n".join(p.text for p in document.paragraphs)
    assert "[Chart not included: " in text and "apt-get install chromium" in text
    with zipfile.ZipFile(out / "panel-pack-2019-01.zip") as archive:
        names = archive.namelist()
    assert "tables/headline-measures.csv" in names and not [n for n in names if n.startswith("charts/")]


@pytest.mark.parametrize(("period", "database", "message"), [
    ("2019-13", "sample", "expected a month as YYYY-MM"),
    ("January", "sample", "expected a month as YYYY-MM"),
    ("2019-02", "sample", "No measures are loaded for Feb 2019"),
    ("2019-01", "missing", "no database at"),
], ids=["month-13", "not-a-month", "no-measures", "missing-database"])
def test_command_line_exits_2_and_writes_nothing_for_a_bad_request(
    period: str, database: str, message: str, sample_db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    db_file = sample_db_path if database == "sample" else tmp_path / "none.duckdb"
    done = run_pack("--period", period, "--out", str(out), "--db", str(db_file), browser=str(tmp_path / "no-chromium"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert written(out) == set()
    assert not (tmp_path / "none.duckdb").exists()


@needs_browser
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_pack_on_the_sample_data(tmp_path: Path) -> None:
    """`make pack` on a database that does not exist yet loads the sample first, then builds."""
    out, db_file = tmp_path / "out", tmp_path / "fresh.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    done = subprocess.run(
        ["make", "--no-print-directory", "pack", "PERIOD=2019-01", f"OUT={out}", f"DB={db_file}"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "panel-pack-2019-01.docx").is_file()
    with zipfile.ZipFile(out / "panel-pack-2019-01.zip") as archive:
        assert "tables/headline-measures.csv" in archive.namelist()
    assert "Wrote " in done.stdout


# --- the page ----------------------------------------------------------------------------------------------


def test_page_builds_the_pack_and_offers_both_downloads(sample_db_path: Path, monkeypatch, tmp_path: Path) -> None:
    """Built without a browser here (fast): the page says so and still delivers the pack."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DB", str(sample_db_path))
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-browser"))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "panel_pack.py"), default_timeout=60)
    at.query_params["period"] = "2019-01"  # the shared period filter, as a link carries it
    at.run()
    assert not at.exception
    assert any("apt-get install chromium" in info.value for info in at.info)
    at.button(key="build-pack").click().run()
    assert not at.exception
    assert any("Pack for Jan 2019 built" in s.value for s in at.success)
    keys = {button.key for button in at.get("download_button")}
    assert {"pack-docx", "pack-zip"} <= keys


def test_free_text_with_control_characters_still_makes_a_document(tmp_path: Path) -> None:
    """Excel writes a line break inside a cell as \\x0b, which Word's XML cannot hold."""
    doc = pack._Doc()  # noqa: SLF001 - the document writer itself, without a database
    doc.table(pd.DataFrame({"Measure": ["Fraud offences"], "Comment": ["First line\x0bsecond line <b>x</b>"]}))
    doc.paragraph("Narrative\x0cwith a form feed", bold_lead="Fraud offences. ")
    doc.save(tmp_path / "x.docx")
    reopened = docx.Document(str(tmp_path / "x.docx"))
    assert reopened.tables[0].rows[1].cells[1].text == "First line second line <b>x</b>"
    assert reopened.paragraphs[-1].text == "Fraud offences. Narrative with a form feed"


def test_charts_whose_titles_make_the_same_file_name_keep_both() -> None:
    from dashboard.charts import ChartMeta, finish_figure
    import plotly.graph_objects as go

    def chart(title: str) -> pack.PackChart:
        return pack.PackChart(finish_figure(go.Figure(), ChartMeta(title)), pd.DataFrame())

    named = pack._with_unique_stems({"measures": [chart("% residents: change"), chart("Residents change")],  # noqa: SLF001
                                     "budget": [chart("residents - change")]})
    assert [c.stem for c in named["measures"] + named["budget"]] == [
        "residents-change", "residents-change-2", "residents-change-3"]
