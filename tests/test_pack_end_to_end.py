"""The panel pack end to end: built with Chromium, as its own process (exit codes 0, 1 and 2),
through `make pack`, and on its page. Slower than tests/test_pack.py, and left out of mutation
testing's runner for that reason (pyproject.toml)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import docx
import pandas as pd
import pytest

from dashboard import pack, reports
from dashboard.db import connect_readonly
from dashboard.export import INSTALL_HINT, Exporter, browser_available
from pack_support import EXPECTED_HEADLINES, PERIOD, PNG_SIGNATURE, image_alt_texts
from pack_support import con, sample_db_path  # noqa: F401  (fixtures)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

needs_browser = pytest.mark.skipif(not browser_available(), reason=f"no Chromium: {INSTALL_HINT}")


@pytest.fixture(scope="module")
def document(built) -> docx.document.Document:
    return docx.Document(str(built[0].docx_path))


@pytest.fixture(scope="module")
def built(con, tmp_path_factory: pytest.TempPathFactory):
    """The pack for January 2019, built once with one shared browser; progress recorded."""
    steps: list[tuple[float, str]] = []
    with Exporter() as exporter:
        result = pack.build_panel_pack(con, PERIOD, tmp_path_factory.mktemp("pack"), exporter=exporter,
                                       progress=lambda fraction, message: steps.append((fraction, message)))
    return result, steps


@needs_browser
def test_every_chart_is_an_image_with_alt_text_and_a_caption(built, document) -> None:
    result, _ = built
    shapes = document.inline_shapes
    assert len(shapes) == result.charts >= 4
    for shape in shapes:
        assert shape._inline.docPr.get("descr", "").strip()
        assert shape._inline.docPr.get("title", "").strip()
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    # one caption per image, its number and title: the image itself prints subtitle and source
    assert captions == [f"Figure {n}: {shape._inline.docPr.get('title')}" for n, shape in enumerate(shapes, start=1)]
    assert not any("Source: " in caption for caption in captions)
    assert any("Adult and child safeguarding referrals" in caption for caption in captions)


@needs_browser
def test_the_built_packs_alt_texts_are_the_charts_descriptions(built, con) -> None:
    """The pack as built with Chromium: every chart an image, each with its chart's alt text."""
    result, _ = built
    charts = pack.gather_pack_content(con, PERIOD).all_charts()
    assert image_alt_texts(result.docx_path) == [(chart.meta.alt, chart.meta.title) for chart in charts]


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


def test_page_form_fills_the_front_sheet_from_the_extract_and_overrides_it_for_one_pack(
    sample_db_path: Path, monkeypatch, tmp_path: Path
) -> None:
    """The form starts from reports.csv's row for the period; a field changed (agenda item) and
    one cleared (other contacts) go into this pack's front sheet only; the database is unchanged."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DB", str(sample_db_path))
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-browser"))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "panel_pack.py"), default_timeout=60)
    at.query_params["period"] = "2019-01"
    at.run()
    assert not at.exception
    key = "pack-details-2019-01"
    assert at.text_input(key=f"{key}-report_to").value == "Audit and Scrutiny Panel"
    assert at.text_input(key=f"{key}-agenda_item").value == "13"
    assert at.date_input(key=f"{key}-meeting_date").value == date(2019, 5, 8)
    assert at.text_area(key=f"{key}-purpose").value.startswith("This report presents the Audit and Scrutiny")
    at.text_input(key=f"{key}-agenda_item").set_value("7")
    at.text_input(key=f"{key}-other_contacts").set_value("  ")
    at.button(key="build-pack").click().run()
    assert not at.exception
    document = docx.Document(io.BytesIO(at.session_state["panel_pack_built"]["docx"]))
    front = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert (front["Agenda Item:"], front["Other Contacts:"], front["Report to:"]) == ("7", "", "Audit and Scrutiny Panel")
    assert document.sections[0].header.paragraphs[0].text.endswith("Agenda Item 7")
    with connect_readonly(sample_db_path) as con:
        assert reports.query_report_details(con, PERIOD).agenda_item == "13"

