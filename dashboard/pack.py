"""The quarterly panel pack: a Word document laid out like the report's performance section,
and a ZIP of every chart (PNG and SVG) and table (CSV).

    python -m dashboard.pack --period 2019-01 --out build/pack [--db data/dashboard.duckdb]

The document follows the Commissioner's update report: the headline table by theme (figures
as published, with the dashboard's own checks noted where they disagree), the positive and
negative exception tables with their narratives, each theme's delivery-plan RAG summary
('Number & %' for Green, Amber, Red, White), and budget against forecast outturn by entity.
Each chart is embedded as an image with alt text and a caption naming measure, source and
period. Without a browser the pack is still built, without chart images, and says so.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go

from dashboard import budget, delivery, domain, figures, loads, measures
from dashboard.charts import ChartMeta, chart_meta, file_stem
from dashboard.db import connect_readonly, database_path, missing_database_error
from dashboard.export import ExportError, ExportUnavailable, Exporter
from dashboard.tables import table_to_csv

Progress = Callable[[float, str], None]

#: A4 text width with 2 cm margins is 17 cm; charts fill it.
CHART_WIDTH_CM = 17.0
FONT_NAME = "Arial"
FONT_SIZE_PT = 10
TABLE_FONT_SIZE_PT = 9
FLAG = "⚠"


@dataclass(frozen=True)
class PackChart:
    """A chart in the pack, with the table that carries the same figures."""

    figure: go.Figure
    table: pd.DataFrame
    stem: str = ""   # its file name in the ZIP, unique in the pack (set by `gather_pack_content`)

    @property
    def meta(self) -> ChartMeta:
        return chart_meta(self.figure)


@dataclass(frozen=True)
class PackTable:
    """A table in the ZIP (CSV)."""

    name: str
    table: pd.DataFrame


@dataclass
class PackContent:
    """Everything the pack shows for one report period, gathered before anything is written."""

    period: date
    headlines: pd.DataFrame
    positive: pd.DataFrame
    negative: pd.DataFrame
    quarter: str | None
    rag: pd.DataFrame
    budget: pd.DataFrame
    sources: str
    charts: dict[str, list[PackChart]] = field(default_factory=dict)   # by section

    def all_charts(self) -> list[PackChart]:
        return [chart for charts in self.charts.values() for chart in charts]


@dataclass(frozen=True)
class PackResult:
    """What was written."""

    docx_path: Path
    zip_path: Path
    charts: int            # charts rendered as images (each as PNG and SVG)
    tables: int            # CSV tables in the ZIP
    notes: tuple[str, ...] = ()   # why something is missing, e.g. no browser for chart images


class PackError(ValueError):
    """The pack cannot be built for this period (e.g. nothing loaded for it)."""


# --- Gathering --------------------------------------------------------------------------------------


def list_report_periods(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Report periods with measures loaded, latest first."""
    return sorted(measures.list_periods(con), reverse=True)


def describe_sources(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> str:
    """'measures.csv, loaded 24 Nov 2026 21:40 UTC; ...': the files behind `tables` and their loads."""
    return "; ".join(loads.describe_source(con, table) for table in tables)


def _with_published_trend(exceptions: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """The exceptions with the trend as published and the dashboard's check beside them."""
    published = changes[["measure", "trend_text", "check"]].drop_duplicates("measure")
    return exceptions.merge(published, on="measure", how="left")


def _no_measures(con: duckdb.DuckDBPyConnection, period: date) -> PackError:
    periods = ", ".join(domain.format_month(p) for p in list_report_periods(con)) or "none"
    return PackError(f"No measures are loaded for {domain.format_month(period)}. Report periods loaded: {periods}.")


def gather_pack_content(con: duckdb.DuckDBPyConnection, period: date) -> PackContent:
    """Query everything the pack shows; PackError when the period has no measures."""
    changes = measures.query_measure_changes(con, period)
    if changes.empty:
        raise _no_measures(con, period)
    quarter = delivery.quarter_for_period(con, period)
    exceptions = measures.query_exceptions(con, period)
    content = PackContent(
        period=period,
        headlines=measures.headline_rows(changes),
        positive=_with_published_trend(exceptions[exceptions["kind"] == domain.POSITIVE], changes),
        negative=_with_published_trend(exceptions[exceptions["kind"] == domain.NEGATIVE], changes),
        quarter=quarter,
        rag=delivery.query_rag_summary(con, quarter) if quarter else pd.DataFrame(),
        budget=budget.query_budget_summary(con, period),
        sources="; ".join([measures.describe_measures_source(con, period),
                           describe_sources(con, ["deliverables", "budget"])]),
    )
    content.charts = _with_unique_stems(_build_charts(con, content, exceptions))
    return content


def _with_unique_stems(charts: dict[str, list[PackChart]]) -> dict[str, list[PackChart]]:
    """File names from titles, '-2', '-3' added where two titles make the same name."""
    used: set[str] = set()
    named: dict[str, list[PackChart]] = {}
    for section, section_charts in charts.items():
        named[section] = []
        for chart in section_charts:
            base = file_stem(chart.meta.title)
            stem, number = base, 1
            while stem in used:
                number += 1
                stem = f"{base}-{number}"
            used.add(stem)
            named[section].append(replace(chart, stem=stem))
    return named


def _build_charts(
    con: duckdb.DuckDBPyConnection, content: PackContent, exceptions: pd.DataFrame
) -> dict[str, list[PackChart]]:
    month = domain.format_month(content.period)
    measures_source = measures.describe_measures_source(con, content.period)
    charts: dict[str, list[PackChart]] = {"headlines": [], "exceptions": [], "rag": [], "budget": [], "measures": []}

    summary = measures.query_theme_summary(con, content.period)
    charts["headlines"].append(PackChart(
        figures.build_direction_summary_figure(summary, ChartMeta(
            title=f"Measures better and worse by theme, report to {month}",
            subtitle="Current figure against baseline, judged by each measure's polarity",
            source=measures_source,
            alt=_describe_directions(summary, month),
        )),
        measures.summary_table(summary),
    ))
    if exceptions["change"].notna().any():
        charts["exceptions"].append(PackChart(
            figures.build_exceptions_figure(exceptions, ChartMeta(
                title=f"Positive and negative exceptions, report to {month}",
                subtitle="Change computed from baseline and current where published, else the published trend",
                source=measures_source,
                alt=_describe_exceptions(exceptions, month),
            )),
            measures.exception_table(exceptions),
        ))
    if not content.rag.empty:
        themes = ", ".join(dict.fromkeys(str(t) for t in content.rag["theme"]))
        charts["rag"].append(PackChart(
            delivery.build_rag_figure(content.rag, ChartMeta(
                title=f"Deliverables by RAG status, {content.quarter}",
                subtitle=f"{themes} · {content.quarter} (report to {month})",
                source=describe_sources(con, ["deliverables"]),
                alt=delivery.describe_rag(content.rag),
            )),
            delivery.rag_table(content.rag),
        ))
    if not content.budget.empty:
        year = budget.financial_year_of(content.period)
        charts["budget"].append(PackChart(
            budget.build_budget_figure(content.budget, ChartMeta(
                title=f"Budget against forecast outturn, {year}",
                subtitle=f"Each line's latest forecast made by {month} · £ thousands",
                source=describe_sources(con, ["budget"]),
                alt="Budget against forecast outturn. "
                + "; ".join(f"{r.entity} {r.category}: {r.variance_text}" for r in content.budget.itertuples()) + ".",
            )),
            budget.budget_table(content.budget),
        ))
    charts["measures"] = _measure_charts(con, content, month, measures_source)
    return charts


def _measure_charts(
    con: duckdb.DuckDBPyConnection, content: PackContent, month: str, measures_source: str
) -> list[PackChart]:
    """One chart per headline measure: its monthly series (SPC) where loaded, else baseline and current."""
    charts = []
    for row in measures.records(content.headlines):
        series = measures.query_series(con, row["measure"], None, content.period)
        monthly = len(series) >= figures.MIN_SERIES_POINTS
        source = measures.describe_series_source(con, row["measure"]) if monthly else measures_source
        basis = "monthly series, Force" if monthly else "baseline and current as published"
        view = figures.build_measure_view(row, series, ChartMeta(
            title=f"{row['measure']}: {'monthly, Force' if monthly else 'baseline against current'}",
            subtitle=f"{row['theme']} · report to {month}",
            source=source,
            alt=f"{row['measure']}: {basis}. Baseline {row['baseline_shown']}, current {row['current_shown']}, "
            f"change {row['change_shown']} ({row['direction_shown']}).",
        ))
        if view.figure is not None:
            charts.append(PackChart(view.figure, view.table))
    return charts


def _describe_directions(summary: pd.DataFrame, month: str) -> str:
    parts = [f"{r.theme}: {r.better} better, {r.worse} worse, {r.no_change} unchanged, "
             f"{r.not_comparable} not comparable" for r in summary.itertuples()]
    return f"Measures by direction, report to {month}. " + "; ".join(parts) + "."


def _describe_exceptions(exceptions: pd.DataFrame, month: str) -> str:
    parts = [f"{domain.EXCEPTION_STYLES[r.kind].label} {r.measure} {r.change_shown}" for r in exceptions.itertuples()]
    return f"Exceptions, report to {month}: " + "; ".join(parts) + "."


# --- Tables as the report prints them --------------------------------------------------------------------


def report_headline_table(changes: pd.DataFrame) -> pd.DataFrame:
    """Theme, measure, baseline, current, trend and comment as published, and the dashboard's check.

    An exception's comment carries its narrative too, printed in full under the exception
    tables; here it keeps only its first paragraph, the headline comment.
    """
    return pd.DataFrame({
        "Theme": changes["theme"],
        "Measure": changes["measure"],
        "Baseline": [_text(v) for v in changes["baseline_text"]],
        "Current": [_text(v) for v in changes["current_text"]],
        "Trend": [_text(v) for v in changes["trend_text"]],
        "Comment": [_headline_comment(c, e) for c, e in zip(changes["comment"], changes["exception"])],
        "Check": [_text(v) for v in changes["check"]],
    })


def report_exception_table(exceptions: pd.DataFrame, change_heading: str) -> pd.DataFrame:
    """Theme, measure and the change as published (the computed one in Check where they differ)."""
    return pd.DataFrame({
        "Theme": exceptions["theme"],
        "Measures": exceptions["measure"],
        change_heading: [_text(v) or _text(c) for v, c in zip(exceptions["trend_text"], exceptions["change_shown"])],
        "Check": [_text(v) for v in exceptions["check"]],
    })


def rag_key_table(rag: pd.DataFrame, theme: str) -> pd.DataFrame:
    """One theme's status key as the delivery plan prints it: status, meaning, 'Number & %'."""
    part = rag[rag["theme"] == theme].set_index("status")
    rows = []
    for status in domain.RAG_STATUSES:
        summary = part["summary_text"].get(status.code, "–") if not part.empty else "–"
        rows.append({"Status": domain.rag_label(status.code), "Meaning": status.meaning, "Number & %": summary})
    return pd.DataFrame(rows)


def budget_report_table(df: pd.DataFrame) -> pd.DataFrame:
    """Budget, forecast outturn and variance by entity in £'000, as the finance section prints them."""
    return pd.DataFrame({
        "Entity": df["entity"],
        "Category": df["category"].str.capitalize(),
        "Forecast made": [_month(p) for p in df["period"]],
        "Budget £'000": [_thousands(v) for v in df["budget"]],
        "Forecast outturn £'000": [_thousands(v) for v in df["forecast_outturn"]],
        "Variance to budget £'000": [_thousands(v) for v in df["variance"]],
        "Variance": df["variance_text"],
    })


def _headline_comment(comment: object, exception: object) -> str:
    text = _text(comment)
    if _text(exception) in domain.EXCEPTION_KINDS:
        return text.split("\n\n", 1)[0].strip()
    return text


#: Control characters XML (and so Word) cannot hold; Excel puts \x0b in cells with line breaks.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: object) -> str:
    """A cell's text for the document: missing as empty, control characters as spaces."""
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return _NOT_XML.sub(" ", str(value))


def _month(value: object) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%b %Y")


def _thousands(value: object) -> str:
    """188,209 / 1,052 / - as the report's £'000 columns print them."""
    if value is None or pd.isna(value):
        return "–"
    rounded = round(float(value))
    return "-" if rounded == 0 else f"{rounded:,}"


# --- Word document ------------------------------------------------------------------------------------


class _Doc:
    """A python-docx document with the few layouts the pack needs."""

    def __init__(self) -> None:
        import docx
        from docx.shared import Cm, Pt

        self._docx = docx
        self.document = docx.Document()
        section = self.document.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)   # A4
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.0))
        normal = self.document.styles["Normal"]
        normal.font.name = FONT_NAME
        normal.font.size = Pt(FONT_SIZE_PT)
        self.figure_number = 0

    def heading(self, text: str, level: int) -> None:
        self.document.add_heading(text, level=level)

    def paragraph(self, text: str, bold_lead: str = "", italic: bool = False) -> None:
        paragraph = self.document.add_paragraph()
        if bold_lead:
            paragraph.add_run(_text(bold_lead)).bold = True
        paragraph.add_run(_text(text)).italic = italic

    def table(self, df: pd.DataFrame, widths_cm: Sequence[float] | None = None,
              merge_first_column: bool = False, notes: Sequence[str] | None = None) -> None:
        """A table with a repeating header row; text only (nothing in a cell is interpreted).

        `notes` adds a second, italic paragraph to the last cell of a row (e.g. a check).
        `merge_first_column` prints a repeated first-column value once, as the report does.
        """
        from docx.shared import Cm, Pt

        table = self.document.add_table(rows=1, cols=len(df.columns))
        table.style = "Table Grid"
        header = table.rows[0]
        _repeat_as_header(header)
        for cell, name in zip(header.cells, df.columns):
            cell.text = ""
            cell.paragraphs[0].add_run(_text(name)).bold = True
        for index, values in enumerate(df.itertuples(index=False)):
            cells = table.add_row().cells
            for cell, value in zip(cells, values):
                cell.text = _text(value)
            if notes and notes[index]:
                cells[-1].add_paragraph().add_run(_text(notes[index])).italic = True
        if merge_first_column:
            _merge_repeats(table, 0)
        for row in table.rows:
            for position, cell in enumerate(row.cells):
                if widths_cm:
                    cell.width = Cm(widths_cm[position])
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(TABLE_FONT_SIZE_PT)
        self.document.add_paragraph()

    def chart(self, chart: PackChart, png: bytes | None) -> None:
        """The chart image with alt text, and its caption; a plain note where it is missing."""
        from docx.shared import Cm

        meta = chart.meta
        self.figure_number += 1
        if png is not None:
            self.document.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_CM))
            inline = self.document.inline_shapes[-1]._inline  # noqa: SLF001 - python-docx has no alt-text API
            inline.docPr.set("descr", _text(meta.alt or meta.title))
            inline.docPr.set("title", _text(meta.title))
        else:
            self.paragraph(f"[Chart not included: {meta.title}. Its figures are in the table above.]",
                           italic=True)
        caption = self.document.add_paragraph(style="Caption")
        caption.add_run(_text(f"Figure {self.figure_number}: {chart_caption(meta)}"))

    def save(self, path: Path) -> None:
        self.document.save(str(path))


def chart_caption(meta: ChartMeta) -> str:
    """'RAG status, 2018-19 Q3. Helping and supporting victims · 2018-19 Q3. Source: ...'."""
    parts = [meta.title]
    if meta.subtitle:
        parts.append(meta.subtitle)
    if meta.source:
        parts.append(f"Source: {meta.source}")
    return ". ".join(p.rstrip(".") for p in parts) + "."


def _repeat_as_header(row) -> None:  # noqa: ANN001 - python-docx row
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()  # noqa: SLF001
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _merge_repeats(table, column: int) -> None:  # noqa: ANN001 - python-docx table
    """Merge runs of equal values down a column, keeping the text once."""
    rows = table.rows[1:]
    start = 0
    for index in range(1, len(rows) + 1):
        if index < len(rows) and rows[index].cells[column].text == rows[start].cells[column].text:
            continue
        if index - start > 1:
            text = rows[start].cells[column].text
            merged = rows[start].cells[column].merge(rows[index - 1].cells[column])
            merged.text = text
        start = index


def write_docx(content: PackContent, images: dict[str, bytes], path: Path, notes: Sequence[str] = ()) -> None:
    """The pack's Word document; `images` maps chart stems to PNG bytes (missing: noted, not embedded)."""
    month = domain.format_month(content.period)
    title = f"Police and Crime Plan performance: report to {month}"
    doc = _Doc()
    # a document title is what screen readers announce and Word's accessibility check asks for
    doc.document.core_properties.title = title
    doc.document.core_properties.subject = "Police and Crime Panel paper: performance section"
    doc.heading(title, level=0)
    doc.paragraph(f"Figures as published in the extracts: {content.sources}. Pack produced "
                  f"{datetime.now(timezone.utc):%d %b %Y %H:%M} UTC.")
    for note in notes:
        doc.paragraph(note, bold_lead=f"{FLAG} ")

    doc.heading("Police and Crime Plan Performance Headlines", level=1)
    table = report_headline_table(content.headlines)
    doc.table(table.drop(columns="Check"), widths_cm=(2.6, 3.4, 2.3, 2.3, 1.8, 4.6),
              merge_first_column=True, notes=list(table["Check"]))
    _charts(doc, content, "headlines", images)

    for kind, df, title, heading in (
        (domain.POSITIVE, content.positive, "Positive Exception Reporting", "Current"),
        (domain.NEGATIVE, content.negative, "Negative Exception Reporting", month),
    ):
        doc.heading(f"Police and Crime Plan Performance – {title}", level=1)
        if df.empty:
            doc.paragraph(f"No {kind} exceptions were reported for {month}.")
            continue
        table = report_exception_table(df, heading)
        doc.table(table.drop(columns="Check"), widths_cm=(4.0, 9.0, 4.0), merge_first_column=True,
                  notes=list(table["Check"]))
        for row in df.itertuples():
            doc.paragraph(_text(row.comment), bold_lead=f"{row.measure}. ")
    _charts(doc, content, "exceptions", images)

    doc.heading(f"Delivery plan: RAG status{f' ({content.quarter})' if content.quarter else ''}", level=1)
    if content.rag.empty:
        doc.paragraph(f"No delivery-plan deliverables are loaded for a quarter up to {month}.")
    else:
        doc.paragraph(f"Each theme's deliverables by RAG status at {content.quarter}, the latest "
                      f"delivery-plan update loaded up to {month}.")
    for theme in dict.fromkeys(str(t) for t in content.rag.get("theme", [])):
        doc.heading(theme, level=2)
        doc.table(rag_key_table(content.rag, theme), widths_cm=(3.0, 10.0, 4.0))
    _charts(doc, content, "rag", images)

    year = budget.financial_year_of(content.period)
    doc.heading(f"Financial Implications and Budget Provision: {year}", level=1)
    if content.budget.empty:
        doc.paragraph(f"No budget figures are loaded for {year} up to {month}.")
    else:
        doc.table(budget_report_table(content.budget), widths_cm=(2.8, 2.0, 2.2, 2.4, 2.6, 2.6, 2.4))
    _charts(doc, content, "budget", images)

    if content.charts.get("measures"):
        doc.heading("Appendix: headline measure charts", level=1)
        _charts(doc, content, "measures", images)
    doc.save(path)


def _charts(doc: _Doc, content: PackContent, section: str, images: dict[str, bytes]) -> None:
    for chart in content.charts.get(section, []):
        doc.chart(chart, images.get(chart.stem))


# --- ZIP --------------------------------------------------------------------------------------------------


def pack_tables(content: PackContent) -> list[PackTable]:
    """Every table in the pack, once each, for the ZIP."""
    month = domain.format_month(content.period)
    tables = [
        PackTable("headline-measures", report_headline_table(content.headlines)),
        PackTable("positive-exceptions", report_exception_table(content.positive, "Current")),
        PackTable("negative-exceptions", report_exception_table(content.negative, month)),
    ]
    for theme in dict.fromkeys(str(t) for t in content.rag.get("theme", [])):
        tables.append(PackTable(f"rag-summary-{file_stem(theme)}", rag_key_table(content.rag, theme)))
    tables.append(PackTable("budget", budget_report_table(content.budget)))
    names = {t.name for t in tables}
    for chart in content.all_charts():
        if f"{chart.stem}-data" not in names:
            tables.append(PackTable(f"{chart.stem}-data", chart.table))
    return tables


def write_zip(tables: Sequence[PackTable], images: dict[str, dict[str, bytes]], path: Path) -> None:
    """charts/NAME.png, charts/NAME.svg and tables/NAME.csv."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for stem, formats in images.items():
            for fmt, data in formats.items():
                archive.writestr(f"charts/{stem}.{fmt}", data)
        for table in tables:
            archive.writestr(f"tables/{table.name}.csv", table_to_csv(table.table))


# --- Building the pack ----------------------------------------------------------------------------------


def pack_file_stem(period: date) -> str:
    """'panel-pack-2019-01'."""
    return f"panel-pack-{period:%Y-%m}"


def build_panel_pack(
    con: duckdb.DuckDBPyConnection,
    period: date,
    out_dir: Path,
    exporter: Exporter | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """Write the Word document and the ZIP for `period` into `out_dir`.

    `exporter` renders the chart images (one is started and closed here when not given).
    Without a browser, or when a chart times out, the pack is built without those images and
    `PackResult.notes` (and the document itself) say why.
    """
    report = progress or (lambda fraction, message: None)
    period = date(period.year, period.month, 1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if period not in list_report_periods(con):
        raise _no_measures(con, period)  # before a browser is started for nothing
    own_exporter = exporter is None
    exporter = exporter or Exporter()
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-browser") as pool:
            # the browser takes seconds to start: let it start while the figures are read
            warming = pool.submit(exporter.start) if exporter.available() else None
            report(0.02, "Reading the figures")
            content = gather_pack_content(con, period)
            images, notes = _render_charts(content.all_charts(), exporter, report, warming)
    finally:
        if own_exporter:
            exporter.close()
    report(0.85, "Writing the Word document")
    stem = pack_file_stem(period)
    docx_path, zip_path = out_dir / f"{stem}.docx", out_dir / f"{stem}.zip"
    write_docx(content, {s: f["png"] for s, f in images.items() if "png" in f}, docx_path, notes)
    report(0.95, "Writing the ZIP of charts and tables")
    tables = pack_tables(content)
    write_zip(tables, images, zip_path)
    report(1.0, "Done")
    return PackResult(docx_path, zip_path, charts=len(images), tables=len(tables), notes=tuple(notes))


def _render_charts(
    charts: Sequence[PackChart], exporter: Exporter, report: Progress, warming: Future | None
) -> tuple[dict[str, dict[str, bytes]], list[str]]:
    images: dict[str, dict[str, bytes]] = {}
    notes: list[str] = []
    if not charts:
        return images, notes
    if warming is None:
        return images, [exporter.unavailable_reason()]
    try:
        warming.result()
    except ExportError as error:
        return images, [str(error)]
    for index, chart in enumerate(charts):
        report(0.1 + 0.75 * index / len(charts), f"Rendering chart {index + 1} of {len(charts)}: {chart.meta.title}")
        try:
            images[chart.stem] = exporter.render_formats(chart.figure, ("png", "svg"))
        except ExportUnavailable as error:
            return images, [str(error)]
        except ExportError as error:  # a timeout or a crash: that chart is left out, the rest go on
            notes.append(str(error))
    return images, notes


# --- Command line -------------------------------------------------------------------------------------


def _parse_period(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM (e.g. 2019-01), got {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m dashboard.pack --period YYYY-MM --out DIR [--db FILE]`; 1 when charts are missing."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.pack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--period", required=True, type=_parse_period, help="report month, YYYY-MM")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the .docx and .zip into")
    parser.add_argument("--db", type=Path, default=None, help=f"database (default: {database_path()})")
    args = parser.parse_args(argv)
    db_file = args.db or database_path()
    if missing := missing_database_error(db_file):
        print(f"error: {missing}", file=sys.stderr)
        return 2
    try:
        con = connect_readonly(db_file)
    except duckdb.Error as error:
        print(f"error: cannot open the database {db_file}: {error}", file=sys.stderr)
        return 2
    try:
        result = build_panel_pack(con, args.period, args.out,
                                  progress=lambda f, m: print(f"[{f:4.0%}] {m}", file=sys.stderr))
    except PackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except duckdb.Error as error:
        print(f"error: the database {db_file} cannot be read as a dashboard database "
              f"(load extracts into it with make load): {error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(f"Wrote {result.docx_path} and {result.zip_path} ({result.charts} charts, {result.tables} tables)")
    for note in result.notes:
        print(f"warning: {note}", file=sys.stderr)
    return 1 if result.notes else 0


if __name__ == "__main__":
    raise SystemExit(main())
