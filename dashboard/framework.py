"""A plan's strategic framework, theme by theme: the 2016-18 plan's activities with their lead,
revised marker and pledges, the 2019/20 delivery plan's objectives under their focus areas;
counts per theme, lead and pledge; and the delivery-plan deliverable each objective matches,
with its latest RAG status.

An activity with two pledges is listed, and counted, under each. A lead is the one the ref's
letter names, or the one published: where the plan names none the dashboard says so
(`Not published`) and infers nothing. Loaded from `framework*.csv` (loaders/framework.py).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.graph_objects as go

from dashboard import domain
from dashboard.charts import CATEGORICAL_PALETTE, ChartMeta, finish_figure, legend_below, text_on, wrap_text
from dashboard.db import query, table_exists
from loaders import values
from loaders.framework import LEADS_BY_LETTER, PLEDGE_CODES, parse_plan, pledge_codes


@dataclass(frozen=True)
class Lead:
    name: str
    letter: str      # printed on its bar segment beside the count, so colour is never the only cue
    colour: str


#: The leads the 2016-18 plan's ref letters name, in its key's order, and the word for none.
NOT_PUBLISHED = "Not published"
LEADS: tuple[Lead, ...] = tuple(
    Lead(name, letter, colour) for (letter, name), colour in zip(LEADS_BY_LETTER.items(), CATEGORICAL_PALETTE)
) + (Lead(NOT_PUBLISHED, "–", "#6B6B6B"),)
LEAD_BY_NAME: dict[str, Lead] = {lead.name: lead for lead in LEADS}

#: The Commissioner's 7 pledges, as the 2016-18 plan names them. Pledge 7's sub-codes (PL7.1
#: to PL7.10) are the Nottingham Citizens' 10 Asks, which the plan numbers but does not name.
PLEDGES: dict[str, str] = {
    "PL1": "Neighbourhood Police Teams",
    "PL2": "Better Services for Victims",
    "PL3": "Cybercrime",
    "PL4": "Safeguarding Young People",
    "PL5": "Protect Residents From Terrorism",
    "PL6": "Public Inquiry - Historic Abuse",
    "PL7": "Nottingham Citizens",
}
NO_PLEDGE = "No pledge"
#: Chart colour for the pledge bars (one series: the bars' labels carry the counts).
PLEDGE_COLOUR = CATEGORICAL_PALETTE[0]

_COLUMNS = """plan, plan_title, theme_no, theme, focus_area, ref, lead, lead_from_ref, revised, activity, pledges,
               source_file, source_line"""


def has_framework(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a framework is loaded (a database loaded before the table existed has none)."""
    if not table_exists(con, "framework"):
        return False
    return int(query(con, "SELECT count(*) AS n FROM framework")["n"].iloc[0]) > 0


def list_plans(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The plans with a framework loaded, the latest first."""
    return [str(p) for p in query(con, "SELECT DISTINCT plan FROM framework ORDER BY plan DESC")["plan"]]


def pledge_parent(code: str) -> str:
    """'PL7.3' -> 'PL7'; 'PL2' -> 'PL2'."""
    return code.split(".")[0]


def pledge_label(code: str) -> str:
    """'PL1 Neighbourhood Police Teams'; 'PL7.3 Nottingham Citizens, ask 3'."""
    if code == NO_PLEDGE:
        return code
    parent, _, ask = code.partition(".")
    name = PLEDGES.get(parent, "")
    return f"{code} {name}, ask {ask}" if ask else f"{code} {name}".strip()


def _supports(codes: list[str], pledge: str) -> bool:
    """An activity supports `pledge` when it names it, or names one of its sub-codes (PL7 holds PL7.3)."""
    return any(code == pledge or pledge_parent(code) == pledge for code in codes)


def query_plan(con: duckdb.DuckDBPyConnection, plan: str) -> pd.DataFrame:
    """Every activity or objective of `plan`, theme by theme in the order published."""
    df = query(con, f"SELECT {_COLUMNS} FROM framework WHERE plan = ? ORDER BY theme_no, source_file, source_line",
               [plan])
    df["pledge_list"] = [pledge_codes(p if isinstance(p, str) else None) for p in df["pledges"]]
    df["lead_shown"] = [lead if isinstance(lead, str) and lead else NOT_PUBLISHED for lead in df["lead"]]
    return df


def filter_framework(df: pd.DataFrame, lead: str | None = None, pledge: str | None = None) -> pd.DataFrame:
    """The rows led by `lead` (`Not published` for those without one) and supporting `pledge`
    (a pledge holds its sub-codes); None keeps every row."""
    keep = pd.Series(True, index=df.index)
    if lead is not None:
        keep &= df["lead_shown"] == lead
    if pledge is not None:
        keep &= pd.Series([_supports(codes, pledge) for codes in df["pledge_list"]], index=df.index, dtype=bool)
    return df[keep].reset_index(drop=True)


def list_leads(df: pd.DataFrame) -> list[str]:
    """The leads the plan names, in the plan key's order (C, F, P), then any other published."""
    named = [str(v) for v in dict.fromkeys(df["lead"].dropna()) if str(v)]
    known = [lead.name for lead in LEADS if lead.name in named]
    return known + sorted(set(named) - set(known))


def list_pledges(df: pd.DataFrame) -> list[str]:
    """The plan's pledges, each followed by the sub-codes its activities name (PL7, PL7.1, ...)."""
    named = {code for codes in df["pledge_list"] for code in codes}
    parents = {pledge_parent(code) for code in named}
    return [code for code in PLEDGE_CODES if code in parents or code in named]


def themes(df: pd.DataFrame) -> list[tuple[int, str]]:
    """(number, name) of each theme, in plan order."""
    return list(dict.fromkeys(zip(df["theme_no"].astype(int), df["theme"].astype(str))))


def theme_label(number: int, name: str) -> str:
    return f"{number}. {name}"


def item_words(df: pd.DataFrame) -> tuple[str, str]:
    """What the plan calls its rows: objectives under focus areas (2019/20), else strategic activities."""
    if df["focus_area"].notna().any():
        return ("objective", "objectives")
    return ("activity", "activities")


def _count(n: int, words: tuple[str, str]) -> str:
    return f"{n} {words[0] if n == 1 else words[1]}"


# --- Counts ---------------------------------------------------------------------------------------------


def count_by_theme_and_lead(df: pd.DataFrame, plan_themes: list[tuple[int, str]]) -> pd.DataFrame:
    """Per theme of the plan (zeros kept) and lead, how many rows of `df`."""
    rows = []
    for number, name in plan_themes:
        part = df[df["theme_no"].astype(int) == number]
        for lead in LEADS:
            rows.append({"theme_no": number, "theme": theme_label(number, name), "lead": lead.name,
                         "n": int((part["lead_shown"] == lead.name).sum()), "total": len(part)})
    return pd.DataFrame(rows, columns=["theme_no", "theme", "lead", "n", "total"])


def _leads_shown(counts: pd.DataFrame) -> list[str]:
    """The lead columns worth a column: those with any row, or the plan's three when none has any."""
    present = [lead.name for lead in LEADS if counts.loc[counts["lead"] == lead.name, "n"].sum() > 0]
    return present or [lead.name for lead in LEADS[:-1]]


def theme_lead_table(counts: pd.DataFrame, words: tuple[str, str] = ("activity", "activities")) -> pd.DataFrame:
    """The chart's table: one row per theme, its count, and a column per lead."""
    leads = _leads_shown(counts)
    if counts.empty:
        return pd.DataFrame(columns=["Theme", words[1].capitalize(), *leads])
    wide = counts.pivot(index="theme", columns="lead", values="n")
    order = list(dict.fromkeys(counts["theme"]))
    table = wide.reindex(index=order, columns=leads).reset_index().rename(columns={"theme": "Theme"})
    table.columns.name = None
    totals = counts.drop_duplicates("theme").set_index("theme")["total"]
    table.insert(1, words[1].capitalize(), [int(totals[t]) for t in order])
    return table


#: Height of one wrapped line of a category label, in print's larger type (16 px) with its leading.
_LINE_PX = 24


def _row_px(labels) -> int:  # noqa: ANN001 - any iterable of wrapped labels
    """A category row's height: a category axis spaces its rows evenly, so every row must hold
    the label with the most lines (the 2016-18 plan's theme names wrap onto six)."""
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    return max(48, _LINE_PX * lines + 20)


def build_theme_lead_figure(counts: pd.DataFrame, meta: ChartMeta) -> go.Figure:
    """Horizontal stacked bars: per theme, the activities of each lead. Each segment carries the
    lead's letter and its count, so colour is never the only cue."""
    fig = go.Figure()
    if counts.empty or counts["total"].max() == 0:
        fig.add_annotation(text="Nothing to show", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        return finish_figure(fig, meta)
    order = list(dict.fromkeys(counts["theme"]))
    label_of = {t: wrap_text(t) for t in order}
    for name in _leads_shown(counts):
        lead = LEAD_BY_NAME[name]
        part = counts[(counts["lead"] == name) & (counts["n"] > 0)]
        fig.add_trace(go.Bar(
            name=name, orientation="h",
            x=part["n"].astype(int).tolist(), y=[label_of[t] for t in part["theme"]],
            marker={"color": lead.colour, "line": {"color": "#FFFFFF", "width": 1}},
            text=[f"{lead.letter} {int(n)}" for n in part["n"]], textposition="inside",
            insidetextanchor="middle", textangle=0, textfont={"color": text_on(lead.colour)},
            hovertemplate=f"<b>{html.escape(name)}</b><br>%{{y}}: %{{x}}<extra></extra>",
        ))
    totals = counts.drop_duplicates("theme")["total"]
    fig.update_layout(barmode="stack", height=max(300, 160 + len(order) * _row_px(label_of.values())),
                      uniformtext={"minsize": 11, "mode": "hide"})
    fig.update_xaxes(title_text="Number", rangemode="tozero", dtick=max(1, int(totals.max()) // 5 or 1))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[label_of[t] for t in order])
    return legend_below(finish_figure(fig, meta))


def count_by_pledge(df: pd.DataFrame, pledges: list[str]) -> pd.DataFrame:
    """Per pledge (PL1 to PL7, a pledge's sub-codes counted under it; an activity with two pledges
    under each) and for those with none, how many rows of `df`."""
    parents = [code for code in pledges if "." not in code]
    rows = []
    for code in parents:
        supporting = [codes for codes in df["pledge_list"] if _supports(codes, code)]
        subs = {sub: sum(sub in codes for codes in supporting) for sub in pledges if pledge_parent(sub) == code
                and "." in sub}
        rows.append({"pledge": code, "label": pledge_label(code), "n": len(supporting),
                     "sub_codes": ", ".join(f"{sub}: {n}" for sub, n in subs.items() if n)})
    rows.append({"pledge": NO_PLEDGE, "label": NO_PLEDGE, "n": int(sum(not codes for codes in df["pledge_list"])),
                 "sub_codes": ""})
    return pd.DataFrame(rows, columns=["pledge", "label", "n", "sub_codes"])


def pledge_table(counts: pd.DataFrame, words: tuple[str, str] = ("activity", "activities")) -> pd.DataFrame:
    table = pd.DataFrame({"Pledge": counts["label"], words[1].capitalize(): counts["n"].astype(int)})
    if counts["sub_codes"].astype(bool).any():
        table["Of which, by sub-code"] = counts["sub_codes"].replace("", "–")
    return table


def build_pledge_figure(counts: pd.DataFrame, meta: ChartMeta, words: tuple[str, str] = ("activity", "activities")
                        ) -> go.Figure:
    """Horizontal bars: the activities supporting each pledge, and those supporting none; each
    bar labelled with its count."""
    fig = go.Figure()
    if counts.empty or counts["n"].max() == 0:
        fig.add_annotation(text="Nothing to show", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        return finish_figure(fig, meta)
    labels = [wrap_text(label) for label in counts["label"]]
    fig.add_trace(go.Bar(
        name=words[1].capitalize(), orientation="h", x=counts["n"].astype(int).tolist(), y=labels,
        marker={"color": PLEDGE_COLOUR}, text=[str(int(n)) for n in counts["n"]], textposition="outside",
        cliponaxis=False, hovertemplate="%{y}: %{x}<extra></extra>", showlegend=False,
    ))
    fig.update_layout(height=max(300, 140 + len(labels) * _row_px(labels)))
    top = int(counts["n"].max())
    fig.update_xaxes(title_text="Number", rangemode="tozero", range=[0, top * 1.15 + 1],
                     dtick=max(1, top // 5 or 1))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    return finish_figure(fig, meta)


def describe_theme_leads(counts: pd.DataFrame) -> str:
    """One sentence per bar, for screen readers and the Word pack."""
    parts = []
    for theme, group in counts.groupby("theme", sort=False):
        shown = ", ".join(f"{r.lead} {int(r.n)}" for r in group.itertuples() if r.n > 0) or "none"
        parts.append(f"{theme}: {shown}")
    return "By theme and lead. " + "; ".join(parts) + "." if parts else "Nothing to show."


def describe_pledges(counts: pd.DataFrame) -> str:
    parts = [f"{r.label}: {int(r.n)}" for r in counts.itertuples()]
    return "By pledge. " + "; ".join(parts) + "." if parts else "Nothing to show."


def summary_line(df: pd.DataFrame) -> str:
    """'115 activities in 7 themes; by lead: Commissioner 45, Force 50, Partners 20; 73 support a
    pledge; 14 revised (*).'"""
    words = item_words(df) if not df.empty else ("activity", "activities")
    n_themes = df["theme_no"].nunique()
    parts = [f"{_count(len(df), words)} in {n_themes} theme{'' if n_themes == 1 else 's'}"]
    leads = [(lead.name, int((df["lead_shown"] == lead.name).sum())) for lead in LEADS]
    named = [f"{name} {n}" for name, n in leads if n and name != NOT_PUBLISHED]
    unnamed = dict(leads)[NOT_PUBLISHED]
    if named:
        parts.append("by lead: " + ", ".join(named) + (f", {NOT_PUBLISHED.lower()} {unnamed}" if unnamed else ""))
    elif len(df):
        parts.append("no lead is published for them")
    pledged = int(sum(bool(codes) for codes in df["pledge_list"]))
    if pledged:
        parts.append(f"{pledged} support a pledge")
    revised = int(df["revised"].astype(bool).sum())
    if revised:
        parts.append(f"{revised} revised (*)")
    return "; ".join(parts) + "."


# --- The link to the delivery plan --------------------------------------------------------------------

_TYPOGRAPHIC = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def text_key(text: object) -> str:
    """Text as the link compares it: case, runs of spaces and typographic quotes and dashes aside."""
    return " ".join(str(text).translate(_TYPOGRAPHIC).split()).lower()


def _plan_key(plan: object) -> str:
    try:
        return parse_plan(str(plan))
    except values.ParseError:
        return " ".join(str(plan).split()).lower()


def link_deliverables(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> pd.DataFrame:
    """For each row of `df` (a plan's framework), the delivery-plan deliverable it matches (same
    plan and theme, and the same ref or the same text) in its latest quarter loaded: `df` with
    `status`, `quarter`, `deliverable_ref`, `deliverable` and `matched_by` ('ref and text',
    'ref', 'text'), empty where nothing matches."""
    delivered = query(con, "SELECT plan, theme, ref, deliverable, status, quarter, quarter_start FROM deliverables")
    linked = df.copy()
    for column in ("status", "quarter", "deliverable_ref", "deliverable", "matched_by"):
        linked[column] = None
    if delivered.empty or df.empty:
        return linked
    delivered["plan_key"] = [_plan_key(p) for p in delivered["plan"]]
    delivered["theme_key"] = [text_key(t) for t in delivered["theme"]]
    delivered["text_key"] = [text_key(t) for t in delivered["deliverable"]]
    delivered["ref"] = delivered["ref"].astype(str).str.strip()
    for index, row in df.iterrows():
        same = delivered[(delivered["plan_key"] == row["plan"]) & (delivered["theme_key"] == text_key(row["theme"]))]
        if same.empty:
            continue
        by_ref = (same["ref"] == str(row["ref"])).to_numpy(dtype=bool)
        by_text = (same["text_key"] == text_key(row["activity"])).to_numpy(dtype=bool)
        found = same.assign(score=by_ref.astype(int) * 2 + by_text.astype(int)).loc[by_ref | by_text]
        if found.empty:
            continue
        best = found.sort_values(["quarter_start", "score"], ascending=False).iloc[0]
        linked.loc[index, ["status", "quarter", "deliverable_ref", "deliverable"]] = [
            best["status"], best["quarter"], best["ref"], best["deliverable"]]
        linked.loc[index, "matched_by"] = {3: "ref and text", 2: "ref", 1: "text"}[int(best["score"])]
    return linked


def status_text(row: pd.Series) -> str:
    """'● Green, 2019-20 Q3 (deliverable 4, same ref)': icon and word, never colour alone."""
    if not isinstance(row.get("status"), str):
        return "–"
    how = {"ref and text": "same ref and text", "ref": "same ref", "text": "same text"}[row["matched_by"]]
    return f"{domain.rag_label(row['status'])}, {row['quarter']} (deliverable {row['deliverable_ref']}, {how})"


def link_summary(linked: pd.DataFrame, plan: str) -> str:
    """Plain words: how many rows a deliverable matches and their latest statuses, or that none does."""
    words = item_words(linked) if not linked.empty else ("activity", "activities")
    matched = linked[linked["status"].notna()]
    if matched.empty:
        return (f"No delivery-plan deliverable matches {'an' if words[0][0] in 'aeiou' else 'a'} {words[0]} of "
                f"the {plan} plan (a deliverable of the same plan and theme with the same ref or the same "
                "text), so no RAG status is shown beside them.")
    by_status = ", ".join(f"{domain.rag_label(s.code)} {int((matched['status'] == s.code).sum())}"
                          for s in domain.RAG_STATUSES if (matched["status"] == s.code).any())
    quarters = ", ".join(dict.fromkeys(str(q) for q in matched["quarter"]))
    return (f"{len(matched)} of the {_count(len(linked), words)} shown match a delivery-plan deliverable of "
            f"the same plan and theme (same ref or same text). Their latest status ({quarters}): {by_status}.")


def framework_table(linked: pd.DataFrame, with_theme: bool = False) -> pd.DataFrame:
    """The framework as the plan prints it: Ref, Lead, Revised, the activity, its pledges, and the
    matching deliverable's latest status where one matches. Texts in full."""
    words = item_words(linked) if not linked.empty else ("activity", "activities")
    table = pd.DataFrame({
        "Ref": linked["ref"],
        "Lead": [lead if lead != NOT_PUBLISHED else f"– {NOT_PUBLISHED}" for lead in linked["lead_shown"]],
        "Revised": ["* Revised" if r else "" for r in linked["revised"]],
        words[0].capitalize(): linked["activity"],
        "Pledges": ["; ".join(codes) or "–" for codes in linked["pledge_list"]],
        "Delivery plan status": [status_text(row) for _, row in linked.iterrows()],
    })
    if with_theme:
        table.insert(0, "Theme", [theme_label(int(n), str(t)) for n, t in zip(linked["theme_no"], linked["theme"])])
        if linked["focus_area"].notna().any():
            table.insert(1, "Focus area", linked["focus_area"].fillna("–"))
    return table


def lead_legend() -> pd.DataFrame:
    """What each ref letter means."""
    return pd.DataFrame({
        "Ref letter": [lead.letter for lead in LEADS[:-1]],
        "Lead": [lead.name for lead in LEADS[:-1]],
    })


def pledge_legend() -> pd.DataFrame:
    return pd.DataFrame({"Pledge": list(PLEDGES), "Name": list(PLEDGES.values())})


def overview_line(con: duckdb.DuckDBPyConnection) -> str | None:
    """The Overview's line: each plan's size and the objectives linked to a delivery-plan status."""
    if not has_framework(con):
        return None
    lines = []
    for plan in list_plans(con):
        linked = link_deliverables(con, query_plan(con, plan))
        words = item_words(linked)
        n_themes = linked["theme_no"].nunique()
        matched = linked[linked["status"].notna()]
        line = f"{plan} plan framework: {_count(len(linked), words)} in {n_themes} themes"
        if matched.empty:
            line += ", none matched to a delivery-plan deliverable"
        else:
            by_status = ", ".join(f"{domain.rag_label(s.code)} {int((matched['status'] == s.code).sum())}"
                                  for s in domain.RAG_STATUSES if (matched["status"] == s.code).any())
            line += f", {len(matched)} with a delivery-plan status ({by_status})"
        lines.append(line)
    return ". ".join(lines) + "."


def query_linked(con: duckdb.DuckDBPyConnection, plan: str) -> pd.DataFrame:
    """`plan`'s framework with each row's matching deliverable and latest status (link_deliverables)."""
    return link_deliverables(con, query_plan(con, plan))
