"""The quarterly panel pack: a Word document laid out like the report's performance section,
and a ZIP of every chart (PNG and SVG) and table (CSV).

    python -m dashboard.pack --period 2019-01 --out build/pack [--db data/dashboard.duckdb]

The document is a paper a committee clerk can table, in the shape of the Commissioner's
update report: a front sheet (from the report-details extract, `dashboard.reports`), then
numbered sections: 1. Purpose, 2. Recommendations, 3. Summary of key points, 4. the headline
table by theme (figures as published, with the dashboard's own checks noted where they
disagree; on a landscape page), 5. the positive and negative exception tables, each with its
own published figure, and their narratives, 6. budget against forecast outturn by entity;
then appendices: each theme's delivery-plan RAG summary ('Number & %' for Green, Amber, Red,
White) and the headline measures' charts. Every page has the paper's title in its header and
'Page N of M' in its footer; table rows never split across pages and header rows repeat.
Each chart is an image with alt text and one numbered caption. Without a browser the pack is
still built, without chart images, and says so.
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

from dashboard import assurance, budget, delivery, domain, figures, loads, measures, reports, summary
from dashboard import decisions, estates, pack_records
from dashboard import pack_framework, pack_recommendations, pack_revisions, pack_summary, revisions
from dashboard.charts import ChartMeta, chart_meta, file_stem
from dashboard.db import connect_readonly, database_path, missing_database_error
from dashboard.export import ExportError, ExportUnavailable, Exporter
from dashboard.tables import table_to_csv
from loaders.provenance import command_line_actor
from loaders.publish import frozen_path, publish_report

Progress = Callable[[float, str], None]
#: Report details for one pack: overrides of the loaded ones, or the whole set (see gather_pack_content).
Details = dict[str, object] | reports.ReportDetails | None

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
    details: reports.ReportDetails
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)   # headline directions per theme
    charts: dict[str, list[PackChart]] = field(default_factory=dict)   # by section
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)   # the forward plan (an appendix)
    estates: pd.DataFrame = field(default_factory=pd.DataFrame)     # sites sold, contracts exchanged
    trackers: list[pack_recommendations.TrackerContent] = field(default_factory=list)   # appendices
    frameworks: list[pack_framework.FrameworkContent] = field(default_factory=list)     # appendices
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame)   # to earlier published reports
    performance: pd.DataFrame = field(default_factory=pd.DataFrame)  # the performance summary (an appendix)

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


def _no_measures(con: duckdb.DuckDBPyConnection, period: date) -> PackError:
    periods = ", ".join(domain.format_month(p) for p in list_report_periods(con)) or "none"
    return PackError(f"No measures are loaded for {domain.format_month(period)}. Report periods loaded: {periods}.")


def gather_pack_content(
    con: duckdb.DuckDBPyConnection, period: date, details: Details = None
) -> PackContent:
    """Query everything the pack shows; PackError when the period has no measures.

    `details`, for this pack only: a dict fills or overrides the loaded report details (front
    sheet, purpose, ...; `reports.with_overrides`); a `ReportDetails` (the Panel pack page's
    form, filled from the loaded ones) is used as it is.
    """
    changes = measures.query_measure_changes(con, period)
    if changes.empty:
        raise _no_measures(con, period)
    quarter = delivery.quarter_for_period(con, period)
    exceptions = measures.query_exceptions(con, period)
    content = PackContent(
        period=period,
        headlines=measures.headline_rows(changes),
        positive=exceptions[exceptions["kind"] == domain.POSITIVE].reset_index(drop=True),
        negative=exceptions[exceptions["kind"] == domain.NEGATIVE].reset_index(drop=True),
        quarter=quarter,
        rag=delivery.query_rag_summary(con, quarter) if quarter else pd.DataFrame(),
        budget=budget.query_budget_summary(con, period),
        sources="; ".join([measures.describe_measures_source(con, period),
                           describe_sources(con, ["deliverables", "budget"])]),
        details=_report_details(con, period, details),
        summary=measures.query_theme_summary(con, period),
    )
    content.charts = _with_unique_stems(_build_charts(con, content, exceptions))
    _gather_records(con, content)
    content.trackers = pack_recommendations.gather_trackers(con, period)
    if content.trackers:
        content.sources += "; " + loads.describe_source(con, "recommendations")
    content.frameworks = pack_framework.gather_framework(con, period)
    if content.frameworks:
        content.sources += "; " + loads.describe_source(con, "framework")
    content.revisions = pack_revisions.gather_revisions(con, period)
    content.performance = pack_summary.gather_summary(con, period)
    if not content.performance.empty:
        content.sources += "; " + summary.describe_source(con, domain.FORCE_AREA)
    return content


def _gather_records(con: duckdb.DuckDBPyConnection, content: PackContent) -> None:
    """The forward plan and estates lists the period's own paper gives, and their sources (an
    earlier report's plan is not this paper's: it is left out, not carried forward)."""
    if content.period in decisions.list_periods(con):
        content.decisions = decisions.query_decisions(con, content.period)
        content.sources += "; " + loads.describe_source(con, "decisions")
    if content.period in estates.list_periods(con):
        content.estates = estates.query_estates(con, content.period)
        content.sources += "; " + loads.describe_source(con, "estates")


def _report_details(con: duckdb.DuckDBPyConnection, period: date, details: Details) -> reports.ReportDetails:
    if isinstance(details, reports.ReportDetails):
        if details.period != period:
            raise PackError(f"The report details given are for {domain.format_month(details.period)}, "
                            f"not {domain.format_month(period)}.")
        return details
    return reports.with_overrides(reports.query_report_details(con, period), details)


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
    # in the order the paper prints them: sections 4, 5 and 6, then Appendices A and B
    charts: dict[str, list[PackChart]] = {"headlines": [], "exceptions": [], "budget": [], "rag": [], "measures": []}

    summary = content.summary
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
    """One chart per headline measure: its monthly series (SPC) where loaded, else baseline and
    current where both are figures. A measure whose current figure is pending (or whose figures
    are a composite) gets no chart: one bar and a 'no figure' label tell a reader nothing the
    headline table does not."""
    charts = []
    for row in measures.records(content.headlines):
        series = measures.query_series(con, row["measure"], None, content.period)
        known = {"targets": assurance.targets_for(con, row["measure"], domain.FORCE_AREA),
                 "changes": assurance.changes_for(con, row["measure"], domain.FORCE_AREA)} if len(series) else {}
        monthly = len(series) >= figures.MIN_SERIES_POINTS
        if not monthly and (row["baseline_value"] is None or row["current_value"] is None):
            continue
        source = measures.describe_series_source(con, row["measure"]) if monthly else measures_source
        basis = "monthly series, Force" if monthly else "baseline and current as published"
        view = figures.build_measure_view(row, series, ChartMeta(
            title=f"{row['measure']}: {'monthly, Force' if monthly else 'baseline against current'}",
            subtitle=f"{row['theme']} · report to {month}",
            source=source,
            alt=f"{row['measure']}: {basis}. Baseline {row['baseline_shown']}, current {row['current_shown']}, "
            f"change {row['change_shown']} ({row['direction_shown']}).",
        ), **known)
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

    An extract from before the `exception_comment` column carried an exception's narrative in
    its comment, after the headline comment; such a comment keeps its first paragraph here.
    """
    return pd.DataFrame({
        "Theme": changes["theme"],
        "Measure": changes["measure"],
        "Baseline": [_text(v) for v in changes["baseline_text"]],
        "Current": [_text(v) for v in changes["current_text"]],
        "Trend": [_text(v) for v in changes["trend_text"]],
        "Comment": [_headline_comment(c, e, n) for c, e, n in zip(
            changes["comment"], changes["exception"], changes.get("exception_comment", [None] * len(changes)))],
        "Check": [_text(v) for v in changes["check"]],
    })


def report_exception_table(exceptions: pd.DataFrame, change_heading: str) -> pd.DataFrame:
    """Theme, measure and the change as the exception table itself publishes it (not the
    headline table's trend, which may differ); the computed change where nothing was published.
    Check notes where the published figure disagrees with baseline and current."""
    return pd.DataFrame({
        "Theme": exceptions["theme"],
        "Measures": exceptions["measure"],
        change_heading: [_text(v) or _text(c) for v, c in zip(exceptions["published"], exceptions["change_shown"])],
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


def _headline_comment(comment: object, exception: object, narrative: object = None) -> str:
    text = _text(comment)
    if _text(exception) in domain.EXCEPTION_KINDS and not _text(narrative):
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

#: A4 portrait with 2 cm margins leaves 17 cm of text width; landscape leaves 25.7 cm.
PORTRAIT_TEXT_CM = 17.0
LANDSCAPE_TEXT_CM = 25.7
MARGIN_CM = 2.0
#: Column widths (cm) of each table the paper prints; each set fills its page's text width.
#: The headline table is printed on a landscape page so that its Comment column has room.
HEADLINE_WIDTHS_CM = (3.2, 4.6, 3.0, 3.0, 2.6, 9.3)
EXCEPTION_WIDTHS_CM = (4.2, 9.8, 3.0)
RAG_WIDTHS_CM = (3.0, 10.0, 4.0)
BUDGET_WIDTHS_CM = (2.8, 2.0, 2.2, 2.4, 2.6, 2.6, 2.4)
FRONT_SHEET_WIDTHS_CM = (5.5, 11.5)
#: Hanging indent of a numbered paragraph ('1.1' then the text).
NUMBER_INDENT_CM = 1.0
HEADER_FONT_SIZE_PT = 8
TITLE_SIZE_PT = 16


class _Doc:
    """A python-docx document with the few layouts the paper needs."""

    def __init__(self) -> None:
        import docx
        from docx.shared import Pt, RGBColor

        self._docx = docx
        self.document = docx.Document()
        _page_setup(self.document.sections[0], landscape=False)
        normal = self.document.styles["Normal"]
        normal.font.name = FONT_NAME
        normal.font.size = Pt(FONT_SIZE_PT)
        # Committee papers print their headings in the body font, in black, the title in
        # capitals at a modest size: Word's default blue display type reads as a brochure.
        for name, size in (("Title", TITLE_SIZE_PT), ("Heading 1", 12), ("Heading 2", 11)):
            style = self.document.styles[name]
            style.font.name = FONT_NAME
            style.font.size = Pt(size)
            style.font.bold = True
            style.font.color.rgb = RGBColor(0, 0, 0)
            _set_east_asian_font(style, FONT_NAME)
        self.figure_number = 0
        self.text_width_cm = PORTRAIT_TEXT_CM

    def heading(self, text: str, level: int, new_page: bool = False) -> None:
        heading = self.document.add_heading(_text(text), level=level)
        heading.paragraph_format.keep_with_next = True
        if new_page:
            heading.paragraph_format.page_break_before = True

    def paragraph(self, text: str, bold_lead: str = "", italic: bool = False, keep_with_next: bool = False) -> None:
        paragraph = self.document.add_paragraph()
        if keep_with_next:
            paragraph.paragraph_format.keep_with_next = True
        if bold_lead:
            paragraph.add_run(_text(bold_lead)).bold = True
        paragraph.add_run(_text(text)).italic = italic

    def numbered(self, number: str, text: str, bold_lead: str = "", italic: bool = False) -> None:
        """'5.2  **Fraud offences** recorded by ...': the report's numbered paragraph, hanging."""
        from docx.shared import Cm

        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(NUMBER_INDENT_CM)
        paragraph.paragraph_format.first_line_indent = Cm(-NUMBER_INDENT_CM)
        paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(NUMBER_INDENT_CM))
        paragraph.add_run(f"{number}\t")
        if bold_lead:
            paragraph.add_run(_text(bold_lead)).bold = True
        paragraph.add_run(_text(text)).italic = italic

    def new_section(self, landscape: bool) -> None:
        """A new page in the given orientation; header and footer carry on from the last one."""
        from docx.enum.section import WD_SECTION

        _page_setup(self.document.add_section(WD_SECTION.NEW_PAGE), landscape)
        self.text_width_cm = LANDSCAPE_TEXT_CM if landscape else PORTRAIT_TEXT_CM

    def header_and_footer(self, header_text: str) -> None:
        """The paper's title (and agenda item) at the head of every page, 'Page N of M' at its foot."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        section = self.document.sections[0]
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        header.add_run(_text(header_text)).font.size = Pt(HEADER_FONT_SIZE_PT)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for part in ("Page ", "PAGE", " of ", "NUMPAGES"):
            if part.isupper():
                _field(footer, part, size_pt=HEADER_FONT_SIZE_PT)
            else:
                footer.add_run(part).font.size = Pt(HEADER_FONT_SIZE_PT)

    def table(self, df: pd.DataFrame, widths_cm: Sequence[float] | None = None,
              merge_first_column: bool = False, notes: Sequence[str] | None = None,
              bold_first_column: bool = False, header: bool = True) -> None:
        """A table whose header row repeats on every page and whose rows never split across
        pages; text only (nothing in a cell is interpreted).

        `notes` adds a second, italic paragraph to the last cell of a row (e.g. a check).
        `merge_first_column` prints a repeated first-column value once, as the report does.
        Without `header` the table has no header row (the front sheet).
        """
        from docx.shared import Cm, Pt

        table = self.document.add_table(rows=1 if header else 0, cols=len(df.columns))
        table.style = "Table Grid"
        table.autofit = False   # a fixed layout: columns keep the widths given, not fitted to their text
        if header:
            header_row = table.rows[0]
            _repeat_as_header(header_row)
            for cell, name in zip(header_row.cells, df.columns):
                cell.text = ""
                cell.paragraphs[0].add_run(_text(name)).bold = True
        for index, values in enumerate(df.itertuples(index=False)):
            cells = table.add_row().cells
            for position, (cell, value) in enumerate(zip(cells, values)):
                cell.text = ""
                cell.paragraphs[0].add_run(_text(value)).bold = bold_first_column and position == 0
            if notes and notes[index]:
                cells[-1].add_paragraph().add_run(_text(notes[index])).italic = True
        if merge_first_column:
            _merge_repeats(table, 0)
        if widths_cm:
            for column, width in zip(table.columns, widths_cm):
                column.width = Cm(width)   # the grid, which LibreOffice lays out by
        for row in table.rows:
            _cannot_split(row)
            for position, cell in enumerate(row.cells):
                if widths_cm:
                    cell.width = Cm(widths_cm[position])   # each cell, which Word lays out by
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(TABLE_FONT_SIZE_PT)
        self.document.add_paragraph()

    def chart(self, chart: PackChart, png: bytes | None) -> None:
        """The chart image with alt text and one numbered caption; a plain note where it is missing.

        The image already prints the chart's title, subtitle and source (the print style), so
        the caption gives its number and title only.
        """
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm

        meta = chart.meta
        if png is None:
            # no image prints the chart's subtitle and source, so the note gives them
            self.paragraph(f"[Chart not included: {chart_caption(meta)} Its figures are in the pack's ZIP of "
                           "tables.]", italic=True)
            return
        self.figure_number += 1
        picture = self.document.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True   # the caption stays under its image
        picture.add_run().add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_CM))
        inline = self.document.inline_shapes[-1]._inline  # noqa: SLF001 - python-docx has no alt-text API
        inline.docPr.set("descr", _text(meta.alt or meta.title))
        inline.docPr.set("title", _text(meta.title))
        caption = self.document.add_paragraph(style="Caption")
        caption.add_run(_text(f"Figure {self.figure_number}: {meta.title.rstrip('.')}"))

    def save(self, path: Path) -> None:
        self.document.save(str(path))


def chart_caption(meta: ChartMeta) -> str:
    """'RAG status, 2018-19 Q3. Helping and supporting victims · 2018-19 Q3. Source: ...': the
    chart's words in one line, for where no image prints them (a chart left out of the pack)."""
    parts = [meta.title]
    if meta.subtitle:
        parts.append(meta.subtitle)
    if meta.source:
        parts.append(f"Source: {meta.source}")
    return ". ".join(p.rstrip(".") for p in parts) + "."


def _set_east_asian_font(style, name: str) -> None:  # noqa: ANN001 - python-docx style
    """The theme font a heading style names for its other scripts is replaced too, so every
    run of a heading is in `name` (python-docx sets only the ASCII font)."""
    from docx.oxml.ns import qn

    fonts = style.element.rPr.rFonts
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _page_setup(section, landscape: bool) -> None:  # noqa: ANN001 - python-docx section
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long = Cm(21.0), Cm(29.7)   # A4
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    section.header_distance = section.footer_distance = Cm(1.0)


def _field(paragraph, instruction: str, size_pt: float) -> None:  # noqa: ANN001 - python-docx paragraph
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in on each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    def run_with(child) -> None:  # noqa: ANN001
        run = paragraph.add_run()
        run.font.size = Pt(size_pt)
        run._r.append(child)  # noqa: SLF001

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run_with(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run("1").font.size = Pt(size_pt)   # shown until the reader updates fields
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _repeat_as_header(row) -> None:  # noqa: ANN001 - python-docx row
    _row_flag(row, "w:tblHeader")


def _cannot_split(row) -> None:  # noqa: ANN001 - python-docx row
    """A row moves whole to the next page rather than break its comment across two."""
    _row_flag(row, "w:cantSplit")


def _row_flag(row, tag: str) -> None:  # noqa: ANN001 - python-docx row
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()  # noqa: SLF001
    flag = OxmlElement(tag)
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


def front_sheet_table(details: reports.ReportDetails) -> pd.DataFrame:
    """The front sheet as the reports print it: 'For Consideration', 'Public/Non Public*', 'Report to:', ..."""
    return pd.DataFrame(details.front_sheet(), columns=["Field", "Value"])


def key_points(content: PackContent) -> list[str]:
    """Section 3's points drawn from the figures: headline directions, exceptions, the delivery
    plan, the budget and the performance summary, each naming where the paper gives the detail."""
    month = domain.format_month(content.period)
    points = []
    summary = content.summary
    if not summary.empty:
        total = int(summary["measures"].sum())
        better, worse, same, open_ = (int(summary[c].sum()) for c in ("better", "worse", "no_change", "not_comparable"))
        flagged = int(summary["flagged"].sum())
        text = (f"Of the {total} headline measures reported to {month}, {better} are better than their "
                f"baseline, {worse} worse and {same} unchanged")
        text += (f"; {open_} cannot yet be compared, a figure being pending, to be confirmed or a composite"
                 if open_ else "") + " (section 4)."
        if flagged:
            text += (f" {flagged} of them {'are' if flagged != 1 else 'is'} flagged for checking, marked ⚠ in the "
                     "table: a published trend that does not follow from baseline and current, or a current "
                     "figure dated before its baseline.")
        points.append(text)
    positive, negative = len(content.positive), len(content.negative)
    if positive or negative:
        points.append(f"Exceptions reported: {positive} positive and {negative} negative, indicators that have "
                      "seen a significant divergence from the level or trend expected (section 5).")
    else:
        points.append(f"No positive or negative exceptions are reported for {month} (section 5).")
    if not content.rag.empty:
        rag = "; ".join(f"{theme}: {text}" for theme, text in measures.rag_text_by_theme(content.rag).items())
        points.append(f"Delivery plan at {content.quarter}: {rag} (Appendix A).")
    if not content.budget.empty:
        year = budget.financial_year_of(content.period)
        lines = "; ".join(f"{r.entity} {r.category}: {r.variance_text}" for r in content.budget.itertuples())
        points.append(f"Forecast outturn against budget for {year}: {lines} (section 6).")
    if not content.performance.empty:
        points.append(pack_summary.key_point(content.performance, content.period, summary_letter(content)))
    return points


def _appendices(content: PackContent) -> list[tuple[str, str]]:
    """The paper's appendices in order, as (letter, name)."""
    names = [f"Delivery Plan RAG Status{f' ({content.quarter})' if content.quarter else ''}"]
    if content.charts.get("measures"):
        names.append("Headline Measure Charts")
    if not content.decisions.empty:
        names.append("Forward Plan of Key Decisions for the OPCC and the Force")
    names += [tracker.title for tracker in content.trackers]
    names += [plan.heading for plan in content.frameworks]
    if not content.performance.empty:
        names.append(pack_summary.HEADING)
    return [(chr(ord("A") + index), name) for index, name in enumerate(names)]


def summary_letter(content: PackContent) -> str:
    """The performance summary's appendix letter: the last appendix, when there is a summary."""
    return _appendices(content)[-1][0]


def _numbered_paragraphs(doc: _Doc, section: int, texts: Sequence[str], start: int = 1) -> int:
    """Paragraphs numbered section.1, section.2, ...; returns the next number."""
    number = start
    for text in texts:
        doc.numbered(f"{section}.{number}", text)
        number += 1
    return number


def _missing(doc: _Doc, section: int, number: int, what: str, column: str) -> int:
    """An italic placeholder where the paper's own words are missing: the pack never writes a
    purpose or a recommendation on the author's behalf."""
    doc.numbered(f"{section}.{number}", f"[{what} not yet written: fill in the {column} column of "
                 "reports.csv, or the Panel pack page's form for this pack.]", italic=True)
    return number + 1


def write_docx(content: PackContent, images: dict[str, bytes], path: Path, notes: Sequence[str] = ()) -> None:
    """The paper as a Word document; `images` maps chart stems to PNG bytes (missing: noted, not embedded).

    Laid out as the Commissioner's update report: a front sheet, then numbered sections
    (1. Purpose, 2. Recommendations, 3. Summary of key points, 4. Performance headlines,
    5. Positive and negative exception reporting, 6. Financial implications) and appendices.
    """
    details = content.details
    month = domain.format_month(content.period)
    title = details.title or reports.default_title(content.period)
    doc = _Doc()
    # a document title is what screen readers announce and Word's accessibility check asks for
    doc.document.core_properties.title = title
    doc.document.core_properties.subject = (
        f"{details.report_to or 'Police and Crime Panel'} paper: Police and Crime Plan performance to {month}")
    if details.author:
        doc.document.core_properties.author = details.author
    doc.header_and_footer(" · ".join(part for part in (
        title, details.public_text, f"Agenda Item {details.agenda_item}" if details.agenda_item else "") if part))

    doc.table(front_sheet_table(details), widths_cm=FRONT_SHEET_WIDTHS_CM, header=False, bold_first_column=True)
    doc.heading(details.heading, level=0)
    for note in notes:
        doc.paragraph(note, bold_lead=f"{FLAG} ")

    doc.heading("1. Purpose of the Report", level=1)
    if _numbered_paragraphs(doc, 1, reports.paragraphs(details.purpose)) == 1:
        _missing(doc, 1, 1, "Purpose", "purpose")

    doc.heading("2. Recommendations", level=1)
    number = _numbered_paragraphs(doc, 2, reports.paragraphs(details.recommendations))
    if number == 1:
        number = _missing(doc, 2, number, "Recommendations", "recommendations")
    reasons = reports.paragraphs(details.reasons)
    if reasons:
        doc.heading("Reasons for Recommendations", level=2)
        _numbered_paragraphs(doc, 2, reasons, start=number)

    doc.heading("3. Summary of Key Points", level=1)
    _numbered_paragraphs(doc, 3, [*reports.paragraphs(details.summary), *key_points(content)])

    # The headline table's six columns need a landscape page for Comment to read as prose.
    doc.new_section(landscape=True)
    doc.heading("4. Police and Crime Plan Performance Headlines", level=1)
    _numbered_paragraphs(doc, 4, reports.paragraphs(details.headlines))
    table = report_headline_table(content.headlines)
    doc.table(table.drop(columns="Check"), widths_cm=HEADLINE_WIDTHS_CM,
              merge_first_column=True, notes=list(table["Check"]))
    _charts(doc, content, "headlines", images)

    doc.new_section(landscape=False)
    doc.heading("5. Police and Crime Plan Performance – Positive and Negative Exception Reporting", level=1)
    number = 1
    for kind, df, heading, column, intro in (
        (domain.POSITIVE, content.positive, "Positive Exception Reporting", "Current",
         "A number of Police and Crime Plan indicators have shown significant improvement over the "
         "last 12 months. These include"),
        (domain.NEGATIVE, content.negative, "Negative Exception Reporting", month,
         "A number of Police and Crime Plan indicators have shown notable deterioration in "
         "performance over the previous 12 months. These include"),
    ):
        doc.heading(heading, level=2)
        if df.empty:
            doc.numbered(f"5.{number}", f"No {kind} exceptions were reported for {month}.")
            number += 1
            continue
        doc.numbered(f"5.{number}", intro)
        number += 1
        table = report_exception_table(df, column)
        doc.table(table.drop(columns="Check"), widths_cm=EXCEPTION_WIDTHS_CM, merge_first_column=True,
                  notes=list(table["Check"]))
        for row in df.itertuples():
            doc.numbered(f"5.{number}", _text(row.comment), bold_lead=f"{row.measure}. ")
            number += 1
    _charts(doc, content, "exceptions", images)

    year = budget.financial_year_of(content.period)
    doc.heading(f"6. Financial Implications and Budget Provision: {year}", level=1)
    number = _numbered_paragraphs(doc, 6, reports.paragraphs(details.financial))
    if content.budget.empty:
        doc.numbered(f"6.{number}", f"No budget figures are loaded for {year} up to {month}.")
    else:
        doc.table(budget_report_table(content.budget), widths_cm=BUDGET_WIDTHS_CM)
    _charts(doc, content, "budget", images)

    section = 7
    if not content.estates.empty:
        pack_records.write_estates_section(doc, content.estates, section)
        section += 1
    if not content.revisions.empty:
        pack_revisions.write_revisions_section(doc, content.revisions, section)

    appendices = _appendices(content)
    letters = iter(letter for letter, _ in appendices[2 if content.charts.get("measures") else 1:])
    plan_letter = next(letters) if not content.decisions.empty else ""
    tracker_letters = [next(letters) for _ in content.trackers]
    framework_letters = [next(letters) for _ in content.frameworks]
    # The list of appendices and the sources move to a new page together, never the sources alone.
    doc.heading("Appendices", level=1)
    for letter, name in appendices:
        doc.paragraph(name, bold_lead=f"{letter}. ", keep_with_next=True)
    doc.paragraph(f"Figures as published in the extracts: {content.sources}"
                  + (f"; report details: {details.source}" if details.source else "")
                  + f". Pack produced {datetime.now(timezone.utc):%d %b %Y %H:%M} UTC.")

    doc.heading(f"Appendix A: {appendices[0][1]}", level=1)
    if content.rag.empty:
        doc.paragraph(f"No delivery-plan deliverables are loaded for a quarter up to {month}.")
    else:
        doc.paragraph(f"Each theme's deliverables by RAG status at {content.quarter}, the latest "
                      f"delivery-plan update loaded up to {month}.")
    for theme in dict.fromkeys(str(t) for t in content.rag.get("theme", [])):
        doc.heading(theme, level=2)
        doc.table(rag_key_table(content.rag, theme), widths_cm=RAG_WIDTHS_CM)
    _charts(doc, content, "rag", images)

    if content.charts.get("measures"):
        doc.heading("Appendix B: Headline Measure Charts", level=1, new_page=True)
        _charts(doc, content, "measures", images)
    if not content.decisions.empty:
        pack_records.write_forward_plan_appendix(doc, content.decisions, plan_letter)
    for tracker, letter in zip(content.trackers, tracker_letters):
        pack_recommendations.write_tracker_appendix(doc, tracker, letter)
    for plan, letter in zip(content.frameworks, framework_letters):
        pack_framework.write_framework_appendix(doc, plan, letter)
    if not content.performance.empty:
        pack_summary.write_summary_appendix(doc, content.performance, content.period, next(letters))
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
    tables.extend(pack_records.record_tables(content.decisions, content.estates))
    tables.extend(pack_recommendations.tracker_tables(content.trackers))
    tables.extend(pack_framework.framework_tables(content.frameworks))
    tables.extend(pack_revisions.revision_tables(content.revisions))
    tables.extend(pack_summary.summary_tables(content.performance))
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
    details: Details = None,
) -> PackResult:
    """Write the Word document and the ZIP for `period` into `out_dir`.

    `exporter` renders the chart images (one is started and closed here when not given).
    `details` fills or overrides the loaded report details for this pack only.
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
            content = gather_pack_content(con, period, details)
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
    """`python -m dashboard.pack --period YYYY-MM --out DIR [--db FILE]`; 1 when charts are missing.

    `--publish [--meeting DATE]` then publishes the report to the Panel with this pack;
    `--as-reported` builds the pack from the figures of its latest publication."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.pack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--period", required=True, type=_parse_period, help="report month, YYYY-MM")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the .docx and .zip into")
    parser.add_argument("--db", type=Path, default=None, help=f"database (default: {database_path()})")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--publish", action="store_true",
                      help="publish the report to the Panel with this pack (its figures are frozen)")
    mode.add_argument("--as-reported", action="store_true",
                      help="the figures as the report was published to the Panel, not the latest")
    parser.add_argument("--meeting", type=_parse_day, default=None, help="with --publish: the meeting, YYYY-MM-DD")
    args = parser.parse_args(argv)
    if args.meeting is not None and not args.publish:
        parser.error("--meeting goes with --publish")
    db_file = args.db or database_path()
    if missing := missing_database_error(db_file):
        print(f"error: {missing}", file=sys.stderr)
        return 2
    try:
        source = _reported_file(db_file, args.period) if args.as_reported else db_file
        con = connect_readonly(source)
    except PackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
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
    if args.publish:
        published = publish_report(db_file, args.period, command_line_actor(), args.meeting, result.docx_path)
        print(published.to_text(), end="", file=sys.stdout if published.ok else sys.stderr)
        if not published.ok:
            return 1
    return 1 if result.notes else 0


def _parse_day(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD (e.g. 2019-05-08), got {text!r}") from None


def _reported_file(db_file: Path, period: date) -> Path:
    """The frozen database of `period`'s latest publication."""
    with connect_readonly(db_file) as con:
        publication = revisions.latest_publication(con, period)
    if publication is None:
        raise PackError(f"The {domain.format_month(period)} report has not been published to the Panel, "
                        "so there are no figures 'as reported'; publish it with --publish.")
    return frozen_path(db_file, publication.frozen_file)


if __name__ == "__main__":
    raise SystemExit(main())
