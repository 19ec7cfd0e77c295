"""The panel pack's estates section and forward-plan appendix, laid out as the update report
lays them out: the estates update's two tables each followed by its published total, and the
forward plan's sections each as a table of its own (a section with nothing in it prints its
'None to report' words across the table). Written into `dashboard.pack`'s document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from dashboard import decisions, estates

if TYPE_CHECKING:   # pack imports this module
    from dashboard.pack import PackTable, _Doc

#: The plan's seven columns on a landscape page (25.7 cm of text): summary widest, as printed.
PLAN_WIDTHS_CM = (1.3, 2.6, 4.4, 6.4, 3.6, 4.4, 3.0)
PLAN_COLUMNS = ("Ref", "Date", "Subject", "Summary of Decision", "Cost (£) Where available",
                "Contact Officer", "Report of OPCC / Force")
#: An estates table on a portrait page (17 cm).
ESTATES_WIDTHS_CM = (5.5, 4.5, 7.0)
ESTATES_HEADING = "Estates Update"


def plan_table(rows: pd.DataFrame) -> pd.DataFrame:
    """A section's decisions as the appendix prints them; a cost's figure under its text where
    the text gives one ('>£250k' / 'at least £250,000'), since the text alone is what was published."""
    shown = decisions.decision_table(rows)
    cost = [text if figure in ("–", text) else f"{text}\n({figure})"
            for text, figure in zip(shown["Cost (£) where available"], shown["Cost as a figure"])]
    return pd.DataFrame({
        "Ref": shown["Ref"], "Date": shown["Date"], "Subject": shown["Subject"],
        "Summary of Decision": shown["Summary of decision"], "Cost (£) Where available": cost,
        "Contact Officer": shown["Contact officer"], "Report of OPCC / Force": shown["Report of OPCC / Force"],
    }, columns=list(PLAN_COLUMNS))


def write_estates_section(doc: _Doc, found: pd.DataFrame, number: int) -> None:
    """Section `number`: each list as a table, its total line under it, as published."""
    doc.heading(f"{number}. {ESTATES_HEADING}", level=1)
    doc.numbered(f"{number}.1", "Police station sites sold since 1 April 2016 with their proposed future "
                                "use, and contracts exchanged subject to planning, with the total capital "
                                "receipts as published (no receipt is published per site).")
    for code, spec in estates.LISTS.items():
        doc.heading(spec.title, level=2)
        table = estates.list_table(found, code)
        if table.empty:
            doc.paragraph("No site in this list.")
        else:
            doc.table(table.rename(columns=str.upper), widths_cm=ESTATES_WIDTHS_CM)
        doc.paragraph(estates.total_line(found, code))


def write_forward_plan_appendix(doc: _Doc, plan: pd.DataFrame, letter: str) -> None:
    """The forward plan on landscape pages, a table per section as the appendix prints it."""
    doc.new_section(landscape=True)
    doc.heading(f"Appendix {letter}: Forward Plan of Key Decisions for the OPCC and the Force", level=1)
    doc.paragraph(decisions.plan_title(plan), bold_lead="")
    for section in decisions.sections(plan):
        doc.heading(section.heading, level=2)
        if section.none_to_report is not None:
            blank = pd.DataFrame([[section.none_to_report] + [""] * (len(PLAN_COLUMNS) - 1)],
                                 columns=list(PLAN_COLUMNS))
            doc.table(blank, widths_cm=PLAN_WIDTHS_CM)
            _span_first_row(doc, section.none_to_report)
        else:
            doc.table(plan_table(section.decisions), widths_cm=PLAN_WIDTHS_CM)
    doc.paragraph("Costs are as published; a figure in brackets is the amount the text gives, "
                  "'at least' where the text gives only a lower bound.", italic=True)


def _span_first_row(doc: _Doc, text: str) -> None:
    """The last table's one body row merged across its columns, holding `text` (as the plan
    prints 'None to report' across its section's table)."""
    table = doc.document.tables[-1]
    cells = table.rows[1].cells
    merged = cells[0].merge(cells[-1])
    runs = [run for paragraph in merged.paragraphs for run in paragraph.runs]
    font_size = runs[0].font.size if runs else None
    for paragraph in merged.paragraphs[1:]:
        paragraph._element.getparent().remove(paragraph._element)  # noqa: SLF001 - python-docx has no remove
    first = merged.paragraphs[0]
    for run in first.runs:
        run._element.getparent().remove(run._element)  # noqa: SLF001
    run = first.add_run(text)
    run.font.size = font_size


def record_tables(plan: pd.DataFrame, found: pd.DataFrame) -> list[PackTable]:
    """The forward plan and the estates lists for the pack's ZIP."""
    from dashboard.pack import PackTable

    tables = []
    if not plan.empty:
        rows = []
        for section in decisions.sections(plan):
            body = (pd.DataFrame([[""] * len(PLAN_COLUMNS)], columns=list(PLAN_COLUMNS))
                    .assign(**{"Subject": section.none_to_report}) if section.none_to_report is not None
                    else plan_table(section.decisions))
            rows.append(body.assign(Section=section.heading))
        tables.append(PackTable("forward-plan", pd.concat(rows, ignore_index=True)[["Section", *PLAN_COLUMNS]]))
    if not found.empty:
        for code, spec in estates.LISTS.items():
            table = estates.list_table(found, code)
            total = estates.total(found, code)
            if total:
                table = pd.concat([table, pd.DataFrame([{spec.columns[0]: spec.total_label,
                                                         spec.columns[1]: total[0]}])], ignore_index=True)
            tables.append(PackTable(f"estates-{code}", table.fillna("")))
    return tables
