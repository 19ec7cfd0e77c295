"""Static chart export: print style, PNG/SVG through Chromium, no-browser and timeout paths;
table CSV/Excel bytes; the Streamlit download buttons without a browser."""

from __future__ import annotations

import asyncio
import io
import os
import struct
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import export
from dashboard.charts import ChartMeta, chart_meta, finish_figure
from dashboard.export import (
    INSTALL_HINT,
    PRINT_SCALE,
    PRINT_WIDTH_PX,
    Exporter,
    ExportFailed,
    ExportTimeout,
    ExportUnavailable,
    browser_available,
    export_file_name,
    find_browser,
    print_figure,
)
from dashboard.tables import excel_sheet_name, table_to_csv, table_to_excel

META = ChartMeta(
    title="Adult and child safeguarding referrals",
    subtitle="Protecting people from harm · report to Jan 2019",
    source="measures.csv, loaded 24 Nov 2026",
    alt="Referrals rose from 4,872 in January 2018 to 5,369 in January 2019.",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

needs_browser = pytest.mark.skipif(not browser_available(), reason=f"no Chromium: {INSTALL_HINT}")


def sample_figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=["Jan 2018", "Jan 2019"], y=[4872, 5369], name="Referrals"))
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return finish_figure(fig, META)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    return struct.unpack(">II", data[16:24])


def _still_running(pid: int, wait_s: float = 5.0) -> bool:
    """Whether `pid` runs after up to `wait_s` (a killed orphan is reaped by init a moment later)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="module")
def exporter():
    with Exporter() as shared:
        yield shared


# --- print style (no browser needed) ----------------------------------------------------------------


def test_print_figure_adds_title_subtitle_and_source_without_touching_the_screen_figure() -> None:
    fig = sample_figure()
    before = fig.to_json()
    printed = print_figure(fig)
    assert fig.to_json() == before
    assert META.title in printed.layout.title.text
    assert printed.layout.title.subtitle.text == META.subtitle
    sources = [a.text for a in printed.layout.annotations if a.text.startswith("Source:")]
    assert sources == [f"Source: {META.source}"]
    assert chart_meta(printed) == META


def test_print_titles_show_names_from_extracts_literally() -> None:
    """Plotly renders tags in titles; a measure named with a tag must print as typed."""
    hostile = ChartMeta("Fraud <i>offences</i>", "Tackling crime & ASB <br>", "x<b>.csv", "alt")
    printed = print_figure(finish_figure(go.Figure(go.Bar(x=[1], y=[1])), hostile))
    assert printed.layout.title.text == "<b>Fraud &lt;i&gt;offences&lt;/i&gt;</b>"
    assert printed.layout.title.subtitle.text == "Tackling crime &amp; ASB &lt;br&gt;"
    assert printed.layout.annotations[-1].text == "Source: x&lt;b&gt;.csv"


def test_long_titles_wrap_and_the_image_grows_to_keep_the_plot() -> None:
    long = ChartMeta("Integrated Offender Management – reduction in reoffending risk: baseline against current",
                     "Tackling crime and ASB · report to Jan 2019", "measures.csv")
    short = ChartMeta("Reoffending", long.subtitle, long.source)
    wrapped = print_figure(finish_figure(go.Figure(go.Bar(x=[1], y=[1])), long))
    single = print_figure(finish_figure(go.Figure(go.Bar(x=[1], y=[1])), short))
    assert wrapped.layout.title.text.count("<br>") == 1
    assert wrapped.layout.height - wrapped.layout.margin.t == single.layout.height - single.layout.margin.t
    assert wrapped.layout.margin.t > single.layout.margin.t


def test_print_style_ignores_the_screen_theme() -> None:
    """A dark-themed screen figure still prints white, at the fixed print width and font."""
    fig = sample_figure()
    fig.update_layout(template="plotly_dark", paper_bgcolor="#111111", plot_bgcolor="#222222",
                      width=430, font={"size": 9, "color": "#EEEEEE"})
    printed = print_figure(fig)
    assert printed.layout.paper_bgcolor == "#FFFFFF" and printed.layout.plot_bgcolor == "#FFFFFF"
    assert printed.layout.width == PRINT_WIDTH_PX
    assert printed.layout.font.size >= 14 and printed.layout.font.color == "#1A1A1A"
    assert printed.layout.template.layout.paper_bgcolor == "white"


def test_export_file_name_comes_from_the_title() -> None:
    assert export_file_name(sample_figure(), "svg") == "adult-and-child-safeguarding-referrals.svg"


# --- rendering through Chromium ---------------------------------------------------------------------


@needs_browser
def test_png_is_a_png_wide_enough_to_print_at_a4(exporter: Exporter) -> None:
    data = exporter.to_png(sample_figure())
    assert data.startswith(PNG_SIGNATURE)
    width, height = png_size(data)
    assert width == int(PRINT_WIDTH_PX * PRINT_SCALE)
    assert width >= 1800
    assert height > 700


@needs_browser
def test_svg_parses_as_xml_and_holds_title_subtitle_and_source(exporter: Exporter) -> None:
    data = exporter.to_svg(sample_figure())
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    text = " ".join(t for element in root.iter() for t in [element.text or ""] if t.strip())
    assert META.title in text
    assert META.subtitle in text
    assert META.source in text


@needs_browser
def test_images_are_the_same_whether_or_not_the_page_was_reloaded(
    exporter: Exporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser page is reused between images and reloaded only now and then."""
    monkeypatch.setattr(export, "RELOAD_EVERY", 2)
    images = [exporter.to_png(sample_figure()) for _ in range(3)]
    assert images[0] == images[1] == images[2]
    both = exporter.render_formats(sample_figure(), ("png", "svg"))
    assert both["png"] == images[0] and both["svg"].lstrip().startswith(b"<svg")


class _Hang:
    """A coroutine step that only a deadline's cancellation ends in time.

    `reached` is set when an export gets to it, `cancelled` when the deadline cancels it, so a
    test knows the export was cut off by its deadline without measuring how long anything took.
    Should no deadline ever come, it gives up after `GIVE_UP_S` and lets the export finish, so
    the test fails (no ExportTimeout) rather than hangs.
    """

    GIVE_UP_S = 120.0

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.cancelled = threading.Event()

    async def __call__(self) -> None:
        self.reached.set()
        never = asyncio.Event()  # set by nobody but the give-up timer
        give_up = asyncio.get_running_loop().call_later(self.GIVE_UP_S, never.set)
        try:
            await never.wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        finally:
            give_up.cancel()


def _executable(tmp_path: Path) -> Path:
    """A file `find_browser` accepts; the stand-in kaleido classes below never run it."""
    path = tmp_path / "stand-in-browser"
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(0o755)
    return path


def test_a_render_that_never_finishes_is_cut_off_and_the_renderer_restarted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The first browser's render hangs: the deadline cancels it, that browser is closed, and the
    next export starts one new browser (and only one) and gets its image."""
    hang = _Hang()
    starts: list[object] = []
    closed: list[object] = []

    class StandInKaleido:
        def __init__(self, **options: object) -> None:
            starts.append(self)

        async def open(self) -> None:
            return None

        async def calc_fig(self, fig: dict, opts: dict) -> bytes:
            if self is starts[0]:
                await hang()
            return PNG_SIGNATURE + b"stand-in"

        async def close(self) -> None:
            closed.append(self)

    monkeypatch.setattr(export, "_kaleido_class", lambda kaleido: StandInKaleido)
    exporter = Exporter(browser_path=_executable(tmp_path), render_timeout=0.2)
    try:
        with pytest.raises(ExportTimeout, match=r"took over 0.2 s and was stopped"):
            exporter.to_png(sample_figure())
        assert hang.reached.is_set()
        assert hang.cancelled.wait(30), "the hung render was not cancelled"
        assert closed == starts and len(starts) == 1   # the hung browser is gone, no other started yet
        assert exporter.to_png(sample_figure()) == PNG_SIGNATURE + b"stand-in"
        assert exporter.to_png(sample_figure()) == PNG_SIGNATURE + b"stand-in"
        assert len(starts) == 2   # one restart, kept open for the export after it
    finally:
        exporter.close()
    assert closed == starts


def test_a_start_that_never_answers_is_cancelled_at_its_deadline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The browser's start-up hangs: the deadline cancels it, the session is closed, and the
    next export tries exactly one new start."""
    hang = _Hang()
    starts: list[object] = []
    closed: list[object] = []

    class NeverStarts:
        def __init__(self, **options: object) -> None:
            starts.append(self)

        async def open(self) -> None:
            await hang()

        async def close(self) -> None:
            closed.append(self)

    monkeypatch.setattr(export, "_kaleido_class", lambda kaleido: NeverStarts)
    exporter = Exporter(browser_path=_executable(tmp_path), startup_timeout=0.2)
    with pytest.raises(ExportTimeout, match=r"did not start within 0.2 s and was stopped"):
        exporter.to_png(sample_figure())
    assert hang.cancelled.wait(30), "the hung start was not cancelled"
    assert closed == starts and len(starts) == 1
    with pytest.raises(ExportTimeout):
        exporter.to_svg(sample_figure())
    assert len(starts) == 2


@needs_browser
def test_a_real_render_cut_off_mid_way_kills_its_browser_and_the_next_one_works(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Chromium itself: the first render is made to hang (deterministically, before it reaches
    the browser); the deadline stops it, that browser process is killed, a new one renders."""
    hang = _Hang()
    starts: list[object] = []
    real_class = export._kaleido_class  # noqa: SLF001

    def hanging_first(kaleido):  # noqa: ANN001, ANN202
        class HangsFirst(real_class(kaleido)):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, **kwargs)
                starts.append(self)

            async def calc_fig(self, *args: object, **kwargs: object) -> bytes:
                if self is starts[0]:
                    await hang()
                return await super().calc_fig(*args, **kwargs)

        return HangsFirst

    monkeypatch.setattr(export, "_kaleido_class", hanging_first)
    with Exporter(render_timeout=1.0) as exporter:
        exporter.start()
        first_browser = exporter._session._kaleido.subprocess  # noqa: SLF001
        with pytest.raises(ExportTimeout, match=r"took over 1 s and was stopped"):
            exporter.to_png(sample_figure())
        assert hang.cancelled.wait(30)
        assert not _still_running(first_browser.pid)
        assert exporter.to_png(sample_figure()).startswith(PNG_SIGNATURE)
        assert len(starts) == 2


@needs_browser
def test_a_crashed_browser_is_reported_and_replaced(exporter: Exporter) -> None:
    import signal

    exporter.to_png(sample_figure())
    browser = exporter._session._kaleido.subprocess  # noqa: SLF001 - the browser this exporter started
    os.killpg(browser.pid, signal.SIGKILL)
    browser.wait(timeout=5)
    with pytest.raises(ExportFailed, match="The chart renderer has been restarted: try again"):
        exporter.to_png(sample_figure())
    assert exporter.to_png(sample_figure()).startswith(PNG_SIGNATURE)


def test_a_browser_that_hangs_on_start_is_cut_off_and_killed(tmp_path: Path) -> None:
    """A known kaleido failure: the browser never answers. The export stops at its deadline
    (without one it would wait until this browser exits after 120 s, and then fail otherwise),
    the browser is killed, and it was started once: no retries behind the reader's back."""
    starts = tmp_path / "browser-starts"
    fake = tmp_path / "hanging-browser"
    fake.write_text(f"#!/bin/sh\necho $$ >> {starts}\nexec sleep 120\n")
    fake.chmod(0o755)
    with pytest.raises(ExportTimeout, match=r"did not start within 1 s and was stopped"):
        Exporter(browser_path=fake, startup_timeout=1.0).to_png(sample_figure())
    pids = starts.read_text().split()
    assert len(pids) == 1
    assert not _still_running(int(pids[0]))


def test_no_browser_says_what_to_install(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-chromium"
    exporter = Exporter(browser_path=missing)
    assert not exporter.available()
    with pytest.raises(ExportUnavailable, match="apt-get install chromium") as raised:
        exporter.to_svg(sample_figure())
    assert str(missing) in str(raised.value)
    assert "Tables still download" in str(raised.value)


def test_browser_path_setting_is_the_only_one_tried(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A wrong BROWSER_PATH shows up as 'no browser' rather than silently using another."""
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "nowhere"))
    assert find_browser() is None
    assert not browser_available()


# --- tables -------------------------------------------------------------------------------------------

TABLE = pd.DataFrame({
    "Measure": ["Adult and child safeguarding referrals", "=HYPERLINK(\"x\")"],
    "Baseline": ["4,872 (Jan 2018)", "£1.0m"],
    "Change": [10.2, -2.7],
})


def test_csv_round_trips_with_the_pound_sign() -> None:
    data = table_to_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8
    expected = TABLE.copy()
    expected.loc[1, "Measure"] = "'=HYPERLINK(\"x\")"  # a formula is written as text (tests/test_csv_formulas.py)
    assert pd.read_csv(io.BytesIO(data), encoding="utf-8-sig").equals(expected)


def test_excel_holds_the_table_with_text_kept_as_text() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(table_to_excel(TABLE, "Headline measures: Jan 2019")))
    sheet = workbook.active
    assert sheet.title == "Headline measures Jan 2019"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Measure", "Baseline", "Change"]
    assert rows[1] == ["Adult and child safeguarding referrals", "4,872 (Jan 2018)", 10.2]
    assert sheet["A3"].data_type == "s"  # a formula-looking comment is not a formula


def test_excel_sheet_names_are_valid() -> None:
    assert excel_sheet_name("Budget [revenue] / capital?") == "Budget revenue capital"
    assert len(excel_sheet_name("x" * 50)) == 31
    assert excel_sheet_name("///") == "Table"


# --- Streamlit downloads without a browser --------------------------------------------------------------


def _downloads_app() -> None:
    import plotly.graph_objects as go
    import pandas as pd

    from dashboard.charts import ChartMeta, finish_figure
    from ui.downloads import render_chart_downloads

    fig = finish_figure(go.Figure(go.Bar(x=["a"], y=[1])), ChartMeta("Referrals", "Jan 2019", "measures.csv"))
    render_chart_downloads(fig, pd.DataFrame({"x": ["a"], "y": [1]}), "referrals")


def test_without_a_browser_the_page_says_so_and_still_offers_the_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "nowhere"))
    at = AppTest.from_function(_downloads_app, default_timeout=30).run()
    assert not at.exception
    assert any("apt-get install chromium" in info.value for info in at.info)
    keys = {button.key for button in at.get("download_button")}
    assert {"referrals-csv", "referrals-xlsx"} <= keys
    assert not keys & {"referrals-png", "referrals-svg"}


@needs_browser
def test_with_a_browser_the_chart_buttons_are_offered() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_downloads_app, default_timeout=30).run()
    assert not at.exception
    keys = {button.key for button in at.get("download_button")}
    assert {"referrals-png", "referrals-svg", "referrals-csv", "referrals-xlsx"} <= keys
    assert not at.info


def test_a_failed_chart_download_is_explained_beside_its_button_on_the_next_run() -> None:
    """Streamlit only says a deferred file failed; the reason is kept for the button's next run."""
    from ui.downloads import _chart_builder

    class HangingExporter:
        def render(self, fig: go.Figure, fmt: str) -> bytes:
            raise ExportTimeout("Rendering 'Referrals' as PNG took over 20 s and was stopped.")

    failures: dict[str, str] = {}
    build = _chart_builder(HangingExporter(), sample_figure(), "png", "referrals-png", failures)
    with pytest.raises(ExportTimeout):
        build()
    assert failures == {"referrals-png": "Rendering 'Referrals' as PNG took over 20 s and was stopped."}


def _table_downloads_app() -> None:
    import pandas as pd

    from ui.downloads import render_table_downloads

    render_table_downloads(pd.DataFrame({"Theme": ["Tackling crime and ASB"], "Measures": [3]}), "Measures by theme", "themes")


def test_table_downloads_offer_csv_and_excel() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_table_downloads_app, default_timeout=30).run()
    assert not at.exception
    assert {button.key for button in at.get("download_button")} == {"themes-csv", "themes-xlsx"}
