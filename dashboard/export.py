"""Print-ready static charts (PNG and SVG) rendered on the server through Debian's Chromium.

`print_figure` restyles any finished chart for paper: white, fonts legible at A4 width, title,
subtitle and source line taken from the meta `charts.finish_figure` recorded. `Exporter` keeps
one kaleido browser open for its whole life, so only the first image pays Chromium's start-up
(seconds); later ones take a fraction of a second.

Why not `kaleido.start_sync_server`: that process-wide server cannot be restarted while a
render hangs (its `close()` waits for the stuck render forever), and concurrent callers can
receive each other's images. The exporter runs the same `kaleido.Kaleido` on an event loop of
its own, cuts every call off at a deadline, and on a hang kills its browser and starts afresh.
It never downloads a browser: without one it raises `ExportUnavailable` saying what to install.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import os
import shutil
import signal
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import plotly.graph_objects as go

from dashboard.charts import FONT_FAMILY, chart_meta, file_stem, wrap_markup

ImageFormat = Literal["png", "svg"]

#: Debian's package; kaleido would find it by itself, naming it keeps the search predictable.
DEBIAN_CHROMIUM = "/usr/bin/chromium"
BROWSER_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install Debian's chromium: apt-get install chromium"

#: Layout size in CSS pixels. 900 px across an A4 text width (about 17 cm) puts 16 px text at
#: about 8.5 pt once printed; scale 2.5 gives a 2,250 px PNG, sharp at 300 dpi over 19 cm.
PRINT_WIDTH_PX = 900
PRINT_HEIGHT_PX = 540
PRINT_SCALE = 2.5
PRINT_FONT_SIZE = 16
SCREEN_FONT_SIZE = 13  # what charts.finish_figure sets; print text grows by 16/13
SCREEN_HEIGHT_PX = 450  # Plotly's (and st.plotly_chart's) height for a figure that names none
PRINT_TITLE_SIZE = 22
PRINT_SOURCE_SIZE = 13
PRINT_TEXT_COLOUR = "#1A1A1A"
PRINT_MUTED_COLOUR = "#4D4D4D"
_SOURCE_MARGIN_PX = 110  # room under the plot for tick labels, axis title and the source line
_LEGEND_ROW_PX = 27      # and for each row of a horizontal legend between them
_SOURCE_LINE_PX = 30     # the source line's own height at the foot of the image
_AXIS_LINE_PX = 21       # a line of 16 px text under the plot
_SOURCE_EXTRA_LINE_PX = 17
_DEFAULT_TOP_PX = 98     # a one-line title and a one-line subtitle
_TITLE_LINE_PX = 30
#: Characters per line before a title (22 px bold), subtitle (16 px) or source (13 px) wraps.
_TITLE_CHARS = 62
_SUBTITLE_CHARS = 92
_SOURCE_CHARS = 120
_AXIS_TITLE_CHARS = 70   # an x-axis title (16 px) across the plot

#: Seconds an export may take before it is abandoned. Start-up is Chromium launching; a
#: render is one image once it runs (typically 0.1 to 0.3 s).
DEFAULT_STARTUP_TIMEOUT_S = 45.0
DEFAULT_RENDER_TIMEOUT_S = 20.0


class ExportError(RuntimeError):
    """A chart image could not be made; the message says why, in words for the reader."""


class ExportUnavailable(ExportError):
    """No browser to render with: the message says what to install."""


class ExportTimeout(ExportError):
    """An export ran past its deadline and was cut off."""


class ExportFailed(ExportError):
    """The renderer failed (e.g. the browser crashed); it is restarted for the next export."""


# --- Print style ----------------------------------------------------------------------------------


def print_figure(fig: go.Figure) -> go.Figure:
    """A copy of `fig` in print style; the screen figure is left untouched."""
    printed = go.Figure(fig)
    meta = chart_meta(fig)
    # long titles, subtitles and source lines wrap; the layout grows to keep the plot's size
    title, title_lines = _wrapped(meta.title, _TITLE_CHARS)
    subtitle, subtitle_lines = _wrapped(meta.subtitle, _SUBTITLE_CHARS)
    source, source_lines = _wrapped(f"Source: {meta.source}" if meta.source else "", _SOURCE_CHARS)
    top = 72 + (_TITLE_LINE_PX + 6) * max(title_lines - 1, 0) + 26 * subtitle_lines
    source_px = _SOURCE_LINE_PX + _SOURCE_EXTRA_LINE_PX * max(source_lines - 1, 0)
    legend_below = fig.layout.legend.orientation == "h" and fig.layout.showlegend is not False
    legend_px = _legend_rows(fig) * _LEGEND_ROW_PX + 14 if legend_below else 0
    bottom = _SOURCE_MARGIN_PX + legend_px + (source_px - _SOURCE_LINE_PX) + _extra_axis_lines(fig) * _AXIS_LINE_PX
    height = max(int(fig.layout.height or PRINT_HEIGHT_PX), 360) + _extra_axis_lines(fig) * _AXIS_LINE_PX
    printed.update_layout(
        template="plotly_white",
        width=PRINT_WIDTH_PX,
        height=height + legend_px + (top - _DEFAULT_TOP_PX) + (source_px - _SOURCE_LINE_PX),
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        font={"family": FONT_FAMILY, "size": PRINT_FONT_SIZE, "color": PRINT_TEXT_COLOUR},
        margin={"t": top, "l": _side_margin(fig, "l", 20), "r": _side_margin(fig, "r", 70), "b": bottom},
    )
    if meta.title:
        printed.update_layout(title={
            "text": f"<b>{title}</b>",
            "x": 0, "xref": "container", "xanchor": "left", "pad": {"l": 20},
            # plotly lifts a wrapped title by half a line per extra line: put that back
            "y": 1 - (16 + _TITLE_LINE_PX / 2 * max(title_lines - 1, 0)) / printed.layout.height,
            "yref": "container", "yanchor": "top",
            "automargin": False,  # the top margin is set above, for exactly these lines
            "font": {"size": PRINT_TITLE_SIZE, "color": PRINT_TEXT_COLOUR},
            "subtitle": {"text": subtitle, "font": {"size": PRINT_FONT_SIZE, "color": PRINT_MUTED_COLOUR}},
        })
    if legend_below:
        # on screen a legend below the plot floats where it fits; on paper it gets a row of
        # its own between the axis title and the source line
        printed.update_layout(legend={
            "orientation": "h", "x": 20 / PRINT_WIDTH_PX, "xanchor": "left", "xref": "container",
            "y": source_px / printed.layout.height, "yanchor": "bottom", "yref": "container",
            "font": {"size": PRINT_FONT_SIZE - 1},
        })
    printed.update_xaxes(tickfont={"size": PRINT_FONT_SIZE - 1}, title_font={"size": PRINT_FONT_SIZE})
    printed.for_each_xaxis(lambda axis: axis.update(title_text=_print_axis_title(axis.title.text))
                           if axis.title.text else None)
    printed.update_yaxes(tickfont={"size": PRINT_FONT_SIZE - 1}, title_font={"size": PRINT_FONT_SIZE})
    if meta.source:
        printed.add_annotation(
            text=source,
            xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom",
            # paper y=0 is the plot's bottom edge: shift down to the foot of the image
            yshift=-(bottom - 8), showarrow=False, align="left",
            font={"size": PRINT_SOURCE_SIZE, "color": PRINT_MUTED_COLOUR},
        )
    return printed


def _extra_axis_lines(fig: go.Figure) -> int:
    """Lines under the plot beyond one of tick labels and one of axis title: a wrapped x-axis
    title, category labels on two lines (fewer where there is no title). The bottom margin is
    set for them, so that the axis never pushes the plot up into the legend and source line."""
    title_lines = max((_print_axis_title(a.title.text).count("<br>") + 1 for a in _x_axes(fig) if a.title.text),
                      default=0)
    tick_lines = 1
    for axis in _x_axes(fig):
        if axis.tickformat and "<br>" in axis.tickformat:
            tick_lines = max(tick_lines, axis.tickformat.count("<br>") + 1)
    for trace in fig.data:
        if getattr(trace, "orientation", None) != "h" and trace.x is not None:
            labels = [x for x in trace.x if isinstance(x, str)]
            tick_lines = max([tick_lines, *(label.count("<br>") + 1 for label in labels)])
    return title_lines - 1 + tick_lines - 1  # -1: no axis title, where the margin allowed one


def _print_axis_title(markup: str) -> str:
    """An x-axis title wrapped for the print width (on screen it wraps for a phone)."""
    return wrap_markup(markup.replace("<br>", " "), _AXIS_TITLE_CHARS)


def _x_axes(fig: go.Figure) -> list:
    return list(fig.select_xaxes())


def _wrapped(text: str, width: int) -> tuple[str, int]:
    """Text from extracts escaped (Plotly renders tags in text) and wrapped: (markup, lines)."""
    lines = textwrap.wrap(" ".join(text.split()), width)
    return "<br>".join(_literal(line) for line in lines), len(lines)


def _literal(text: str) -> str:
    return html.escape(text, quote=False)


def _legend_rows(fig: go.Figure) -> int:
    """Rows a horizontal legend takes at print size. Plotly lines its items up in columns as wide
    as the widest item (about 0.6 em a character, plus the symbol) across the plot's width, not
    the image's; the plot's width depends on its tick labels, so this counts on no more than
    60% of the image: a row too many is white space, a row too few pushes the plot up into
    the source line."""
    names = [str(t.name) for t in fig.data if t.showlegend is not False and t.name]
    if not names:
        return 1
    item_px = max(len(n) for n in names) * 0.6 * (PRINT_FONT_SIZE - 1) + 50
    per_row = max(1, int(PRINT_WIDTH_PX * 0.6 // item_px))
    return -(-len(names) // per_row)


def _side_margin(fig: go.Figure, side: str, minimum: int) -> int:
    """A figure that reserves room at a side (e.g. for line labels) keeps it, grown with the font;
    the right side always keeps some room for data labels drawn outside the bars."""
    reserved = getattr(fig.layout.margin, side) or 0
    return max(minimum, round(reserved * PRINT_FONT_SIZE / SCREEN_FONT_SIZE))


def image_options(fig: go.Figure, fmt: ImageFormat) -> dict[str, Any]:
    """kaleido's size options for a print-styled figure (SVG is vector: scale 1)."""
    return {
        "format": fmt,
        "width": int(fig.layout.width or PRINT_WIDTH_PX),
        "height": int(fig.layout.height or PRINT_HEIGHT_PX),
        "scale": PRINT_SCALE if fmt == "png" else 1,
    }


def export_file_name(fig: go.Figure, fmt: ImageFormat) -> str:
    """'rag-status-by-theme.png' from the chart's title."""
    return f"{file_stem(chart_meta(fig).title)}.{fmt}"


# --- Browser ----------------------------------------------------------------------------------------


def find_browser(browser_path: str | os.PathLike[str] | None = None) -> str | None:
    """The Chromium to render with: the path given, else BROWSER_PATH, else one on the system.

    A path given or set in BROWSER_PATH is the only one tried, so a wrong setting shows up
    instead of silently falling back. Nothing is ever downloaded.
    """
    named = browser_path or os.environ.get("BROWSER_PATH")
    if named:
        return str(named) if _is_executable(Path(named)) else None
    if _is_executable(Path(DEBIAN_CHROMIUM)):
        return DEBIAN_CHROMIUM
    for name in BROWSER_NAMES:
        if found := shutil.which(name):
            return found
    return None


def browser_available(browser_path: str | os.PathLike[str] | None = None) -> bool:
    """Whether a Chromium is installed to render charts with."""
    return find_browser(browser_path) is not None


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


# --- The browser session ---------------------------------------------------------------------------

#: kaleido reloads its page, plotly.js included, after every image: most of a warm export's
#: time. Images come out the same without it (tested), so the page is reloaded only every
#: RELOAD_EVERY images, which bounds whatever a long-lived page might accumulate.
RELOAD_EVERY = 100


def _kaleido_class(kaleido: Any) -> type:
    """kaleido.Kaleido, reloading its page every RELOAD_EVERY images instead of after each one.

    The hook is kaleido's (1.x) own tab hand-back; a kaleido without it is used unchanged.
    """
    base = kaleido.Kaleido
    if not hasattr(base, "_return_kaleido_tab"):
        return base

    class ReusingKaleido(base):
        _images = 0

        async def _return_kaleido_tab(self, tab: Any) -> None:
            self._images += 1
            if self._images % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return ReusingKaleido



class _KaleidoSession:
    """One kaleido browser driven from an event-loop thread of its own."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chart-export", daemon=True)
        self._thread.start()
        self._kaleido: Any = None

    def open(self, browser_path: str, startup_timeout: float) -> None:
        """Launch the browser; TimeoutError if it does not answer within the deadline."""
        import kaleido  # imported here: it registers encoders and checks plotly at import

        async def open_browser() -> Any:
            # mathjax=False: the default points at a CDN, unreachable offline
            # one tab: two rendered no faster on two cores, and garbled the browser's pipe once
            self._kaleido = _kaleido_class(kaleido)(n=1, mathjax=False, timeout=None, path=browser_path)
            await self._kaleido.open()
            return self._kaleido

        self.run(open_browser(), startup_timeout)

    def run(self, coroutine: Any, timeout: float) -> Any:
        """Run on the session's loop; on a missed deadline cancel it and raise TimeoutError."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def render(self, fig_dict: dict, options: Sequence[dict[str, Any]], timeout: float) -> list[bytes]:
        """One figure in several formats, one after the other in the browser's tab."""

        async def render_all() -> list[bytes]:
            return await asyncio.gather(*(self._kaleido.calc_fig(fig_dict, opts=opts) for opts in options))

        return self.run(render_all(), timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Close the browser politely, then make sure its whole process group is gone."""
        try:
            if self._kaleido is not None:
                self.run(self._kaleido.close(), timeout)
        except Exception:  # noqa: BLE001 - a wedged browser is killed below either way
            pass
        finally:
            self._kill_browser()
            # an abandoned render may still report its cancellation: nobody is listening
            self._loop.set_exception_handler(lambda loop, context: None)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)

    def _kill_browser(self) -> None:
        process = getattr(self._kaleido, "subprocess", None)
        if process is None or process.poll() is not None:
            return
        try:
            # the browser runs in a session of its own (kaleido's launcher sets
            # start_new_session), so its group id is the launcher's pid
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=5)


# --- The exporter ------------------------------------------------------------------------------------


class Exporter:
    """Renders figures to PNG/SVG through one browser kept open until `close()`."""

    def __init__(
        self,
        browser_path: str | os.PathLike[str] | None = None,
        render_timeout: float = DEFAULT_RENDER_TIMEOUT_S,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT_S,
    ) -> None:
        self._browser_path = browser_path
        self.render_timeout = render_timeout
        self.startup_timeout = startup_timeout
        self._session: _KaleidoSession | None = None
        # one render at a time: the browser has one tab, and Streamlit sessions share this object
        self._lock = threading.Lock()

    def available(self) -> bool:
        """Whether a browser is installed (it is started only on the first export)."""
        return find_browser(self._browser_path) is not None

    def unavailable_reason(self) -> str:
        """The plain message shown where chart images cannot be made."""
        named = self._browser_path or os.environ.get("BROWSER_PATH")
        where = f"no browser at {named}" if named else "Chromium is not installed"
        return (f"Chart images (PNG, SVG) cannot be made here: {where}. To enable them, {INSTALL_HINT}. "
                "Tables still download, and each chart's toolbar can save a PNG.")

    def to_png(self, fig: go.Figure) -> bytes:
        """A print-style PNG, at least 2,000 px wide."""
        return self.render(fig, "png")

    def to_svg(self, fig: go.Figure) -> bytes:
        """A print-style SVG (vector; its text stays text)."""
        return self.render(fig, "svg")

    def render(self, fig: go.Figure, fmt: ImageFormat) -> bytes:
        """Render `fig` in print style; ExportUnavailable or ExportTimeout when it cannot."""
        return self.render_formats(fig, (fmt,))[fmt]

    def render_formats(self, fig: go.Figure, formats: Sequence[ImageFormat] = ("png", "svg")) -> dict[str, bytes]:
        """`fig` in print style in each format (styled and serialised once for all of them)."""
        printed = print_figure(fig)
        return self._render(fig, printed.to_dict(), [image_options(printed, fmt) for fmt in formats])

    def render_screen(self, fig: go.Figure, width: int, fmt: ImageFormat = "svg") -> bytes:
        """`fig` as the page draws it in a column `width` px wide (`theme=None`, the figure's own
        height), not restyled for print: what a reader sees on a phone or a wide screen."""
        height = int(fig.layout.height or SCREEN_HEIGHT_PX)
        options = {"format": fmt, "width": int(width), "height": height, "scale": 1}
        return self._render(fig, fig.to_dict(), [options])[fmt]

    def _render(self, fig: go.Figure, fig_dict: dict, options: list[dict[str, Any]]) -> dict[str, bytes]:
        formats = [opts["format"] for opts in options]
        kinds = "/".join(fmt.upper() for fmt in formats)
        # a render may queue behind another render, or behind the browser's start-up
        waited = self.startup_timeout + self.render_timeout
        if not self._lock.acquire(timeout=waited):
            raise ExportTimeout(f"Chart export is busy with other charts; try again in a moment "
                                f"(waited {waited:g} s).")
        try:
            session = self._session or self._start()
            try:
                images = session.render(fig_dict, options, self.render_timeout)
            except concurrent.futures.TimeoutError:
                self._restart_after_hang()
                raise ExportTimeout(
                    f"Rendering '{chart_meta(fig).title or 'chart'}' as {kinds} took over "
                    f"{self.render_timeout:g} s and was stopped. The chart renderer has been restarted: "
                    "try again, or use the chart toolbar's own PNG download.") from None
            except Exception as error:  # noqa: BLE001 - choreographer/kaleido raise assorted errors
                # the browser crashed or the page broke: start a fresh one for the next export
                self._restart_after_hang()
                raise ExportFailed(
                    f"Rendering '{chart_meta(fig).title or 'chart'}' as {kinds} failed "
                    f"({type(error).__name__}: {error}). The chart renderer has been restarted: try again."
                ) from error
        finally:
            self._lock.release()
        return {fmt: image if isinstance(image, bytes) else str(image).encode("utf-8")
                for fmt, image in zip(formats, images)}

    def start(self) -> None:
        """Launch the browser now instead of on the first export (e.g. while data is read)."""
        with self._lock:
            if self._session is None:
                self._start()

    def close(self) -> None:
        """Shut the browser down (safe to call twice)."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def __enter__(self) -> Exporter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> _KaleidoSession:
        browser = find_browser(self._browser_path)
        if browser is None:
            raise ExportUnavailable(self.unavailable_reason())
        session = _KaleidoSession()
        try:
            session.open(browser, self.startup_timeout)
        except concurrent.futures.TimeoutError:
            session.close(timeout=1.0)
            raise ExportTimeout(
                f"The chart renderer ({browser}) did not start within {self.startup_timeout:g} s and "
                f"was stopped. If this persists, reinstall it: {INSTALL_HINT}.") from None
        except Exception as error:  # noqa: BLE001 - kaleido/choreographer raise assorted errors
            session.close(timeout=1.0)
            raise ExportUnavailable(
                f"The chart renderer ({browser}) failed to start: {error}. {INSTALL_HINT}.") from error
        self._session = session
        return session

    def _restart_after_hang(self) -> None:
        """Drop the session (its browser killed); the next export starts a new one."""
        session, self._session = self._session, None
        if session is not None:
            session.close(timeout=1.0)
