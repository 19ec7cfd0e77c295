"""The dashboard's words, explained once in plain English: the glossary, the tooltips, the pages'
"How to read this page" notes and the pack all use these texts.

Written for a Panel member who is not an analyst: short sentences, no formulae.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import spc
from dashboard.domain import RAG_BY_CODE, RAG_STATUSES


@dataclass(frozen=True)
class Term:
    name: str
    meaning: str


TERMS: dict[str, Term] = {
    term.name.lower(): term
    for term in (
        Term("Polarity", "Whether a higher figure is good news or bad news for a measure. More "
             "safeguarding referrals is better (higher is better); more burglaries is worse "
             "(lower is better). Some measures are neutral: a change is neither good nor bad."),
        Term("Better / worse", "The current figure against the baseline, judged by the measure's "
             "polarity. A fall in burglary is ✔ Better; a fall in referrals is ✖ Worse. It says "
             "which way a figure moved, not whether the change is large or lasting."),
        Term("Not comparable", "The dashboard cannot say better or worse: the baseline or the "
             "current figure is missing, pending, a grade, or measured in a different unit."),
        Term("Published trend", "The change as the report printed it (for example +10.2%). The "
             "dashboard also computes the change from the baseline and current figures."),
        Term("Computed change", "The change the dashboard works out from the published baseline "
             "and current figures. Where it does not round to the published trend, the row is "
             "flagged ⚠ for checking and both are shown."),
        Term("Exception", "A measure the report draws to the Panel's attention: a positive "
             "exception is notably good news, a negative exception notably bad news."),
        Term("Analyst's call", "Exceptions as the report's authors chose them: the exception "
             "column of the extract, as published to the Panel."),
        Term("Detection rule", "Exceptions the dashboard finds by itself: statistical process "
             "control on a monthly series where one is loaded, otherwise a threshold on the change. "
             "It can disagree with the analyst's call; both are shown, neither replaces the other."),
        Term("Special cause", "A pattern in a monthly series unlikely to be chance: a point beyond "
             "a process limit, a run of points on one side of the average, a steady run up or down, "
             "or two of three points near a limit. Common cause is the month-to-month noise any "
             "series has."),
        Term("Process limits", "The range a monthly series would normally stay within if nothing "
             "had changed, worked out from the series itself (the average plus or minus about three "
             "typical month-to-month moves). They are not targets."),
        Term("Variation", "What the latest month of a monthly series says, in Making Data Count's "
             "words: common cause (nothing unusual), or special cause improvement or concern (an "
             "unusual pattern in the good or the bad direction, by the measure's polarity); a neutral "
             "measure's special cause is just high or low. Shown as an icon and in words."),
        Term("Assurance", "Whether a measure will meet its target if nothing changes, judged from "
             "where the target lies against the process limits: consistently passing, hit and miss, "
             "or consistently failing. A measure with no target, or a neutral one, has no assurance. "
             "Shown as an icon and in words."),
        Term("Target", "A level a measure is meant to reach, loaded by an analyst with the "
             "name of the document that set it. It is drawn on a measure's chart as a dotted "
             "line and can change from a given month. Process limits are not targets."),
        Term("Known change", "A change in how a measure is counted or recorded (for example a "
             "national counting rule), from a given month. The series' average and process limits "
             "are worked out afresh from that month, so the old and new ways of counting are not "
             "mixed; the chart shows the change as a dashed line with its reason."),
        Term("Months since special cause", "How many months ago the latest special cause point "
             "of the series was: 0 means the latest month is one; none means no month of the series "
             "is."),
        Term("RAG", "Red, Amber, Green: the delivery plan's status of each deliverable. "
             + " ".join(f"{s.icon} {s.label}: {s.meaning.lower()}." for s in RAG_STATUSES if s.code != "W")
             + " Each status is written as a word and a symbol as well as a colour."),
        Term("White", f"{RAG_BY_CODE['W'].icon} White: {RAG_BY_CODE['W'].meaning.lower()}, so it has "
             "no Red, Amber or Green status yet."),
        Term("Forward plan", "The list of key decisions the Commissioner and the Force expect to "
             "take in the coming months, published with the report. A date of TBC means the plan "
             "has not fixed one yet; a section with nothing in it says \"None to report\"."),
        Term("Lower bound", "A cost published as more than an amount (>£250k) is shown as \"at "
             "least\" that amount: the true cost is not known, only that it is no less."),
        Term("Capital receipt", "Money received from selling land or buildings, here police "
             "station sites. The report publishes one total per list, not a receipt per site."),
        Term("Forecast outturn", "What the year's spending is expected to be by the year end, as "
             "forecast in the month shown. Variance is forecast minus budget: above zero an "
             "overspend, below zero an underspend."),
        Term("Lead agency", "An organisation a recommendation names to take it forward (the PCC, a "
             "council, the Police, ...). A recommendation with several leads is listed and counted "
             "under each of them, so the agencies' counts add up to more than the recommendations."),
        Term("Not stated", "The tracker printed no status word for the recommendation in that "
             "quarter. The dashboard shows – Not stated and does not guess a status from the update."),
        Term("Lead", "Who leads a plan activity. In the 2016-18 plan the first letter of each "
             "reference says so: C the Commissioner, F the Force, P partners (F03 is a Force "
             "activity). Where a plan publishes no lead, the dashboard says – Not published and "
             "does not guess one."),
        Term("Pledge", "One of the Commissioner's 7 pledges, which the 2016-18 plan's activities "
             "support: PL1 neighbourhood police teams up to PL7 Nottingham Citizens, whose 10 asks "
             "are numbered PL7.1 to PL7.10. An activity supporting two pledges is counted under "
             "each, so the pledges' counts can add up to more than the activities."),
        Term("Revised marker", "The star (*) the 2016-18 plan puts beside an activity that was "
             "revised to support one of the new pledges."),
        Term("Published", "A report is published when an analyst marks it as the one put to the "
             "Panel for a meeting. The dashboard then keeps its figures exactly as they stood, so "
             "what the Panel was told can always be shown again."),
        Term("Revised", "A figure marked ✎ Revised has changed since its report was published: a "
             "later extract corrected it (late recording or reclassification of crimes, for "
             "example). The mark says what the Panel was told, what the figure is now, and when "
             "and by whom the change was loaded."),
        Term("As reported", "The figures of a published report exactly as the Panel was shown "
             "them, before any later correction. Latest shows today's figures instead, with each "
             "revised one marked."),
    )
}


#: Each variation of a monthly series' latest month, as the summary, its icons and the pack name
#: it (the label) and explain it (the meaning). Keys are dashboard.spc's variation labels.
VARIATION_WORDS: dict[str, Term] = {
    spc.COMMON_CAUSE: Term("Common cause", "Nothing unusual: the latest month is within the series' "
                           "normal month-to-month variation."),
    spc.SPECIAL_IMPROVEMENT: Term("Special cause improvement", "The latest month is part of an unusual "
                                  "pattern in the good direction for this measure."),
    spc.SPECIAL_CONCERN: Term("Special cause concern", "The latest month is part of an unusual pattern "
                              "in the bad direction for this measure."),
    spc.SPECIAL_HIGH: Term("Special cause high", "The latest month is part of an unusually high "
                           "pattern; the measure is neutral, so this is neither good nor bad."),
    spc.SPECIAL_LOW: Term("Special cause low", "The latest month is part of an unusually low pattern; "
                          "the measure is neutral, so this is neither good nor bad."),
}
#: The side of the mean a special cause is on, added to improvement and concern (Making Data
#: Count's icons say it with H and L): +1 higher values, -1 lower values.
VARIATION_SIDE_WORDS: dict[int, str] = {1: "higher values", -1: "lower values"}
#: Each assurance, named and explained. The meanings are dashboard.spc's (ASSURANCE_MEANINGS),
#: the words for "none" its NO_ASSURANCE_* labels, so the chart, the summary and the pack agree.
ASSURANCE_WORDS: dict[str, Term] = {
    spc.ASSURANCE_PASS: Term("Consistently passing", spc.ASSURANCE_MEANINGS[spc.ASSURANCE_PASS]),
    spc.ASSURANCE_HIT_AND_MISS: Term("Hit and miss", spc.ASSURANCE_MEANINGS[spc.ASSURANCE_HIT_AND_MISS]),
    spc.ASSURANCE_FAIL: Term("Consistently failing", spc.ASSURANCE_MEANINGS[spc.ASSURANCE_FAIL]),
    spc.NO_ASSURANCE_NO_TARGET: Term("No target", "No target is set for this measure in this area, so "
                                     "there is nothing to judge against."),
    spc.NO_ASSURANCE_NEUTRAL: Term("No assurance (neutral measure)", "The measure is neutral: a higher "
                                   "or lower figure is neither good nor bad, so a target is not judged."),
}


def term(name: str) -> Term:
    """A term by name, any case; a missing term is a programming error, so it raises."""
    return TERMS[name.lower()]


def meaning(name: str) -> str:
    """A term's meaning, for a widget's `help=` tooltip."""
    return term(name).meaning


def terms(*names: str) -> list[Term]:
    """Several terms, in the order asked."""
    return [term(name) for name in names]


#: Each page's short note on how to read it: what is shown, in what order, and the terms it uses.
HOW_TO_READ: dict[str, tuple[str, tuple[str, ...]]] = {
    "overview": (
        "The chosen report at a glance. The totals count the report's headline measures by "
        "whether they got better or worse, and the exceptions the report draws attention to. "
        "The table gives the same counts theme by theme, with the delivery plan's RAG status "
        "beside each theme. The chart draws the table's counts.",
        ("Polarity", "Better / worse", "Not comparable", "Exception", "RAG", "Forecast outturn"),
    ),
    "headlines": (
        "One table per theme, as the report sets them out: each headline measure's baseline, "
        "current figure and the change between them, the trend as published, a check where the "
        "two disagree, and the report's comment. Choose a measure below the tables to see its "
        "chart; a monthly series is drawn with its process limits.",
        ("Polarity", "Better / worse", "Not comparable", "Published trend", "Computed change",
         "Special cause", "Process limits", "Target", "Known change"),
    ),
    "exceptions": (
        "The measures the report draws to the Panel's attention. Choose positive, negative or "
        "both, and whose call: the report's authors (analyst's call) or the dashboard's own "
        "detection rule. The chart shows each exception's change; the table gives every figure "
        "and the narrative as published.",
        ("Exception", "Analyst's call", "Detection rule", "Special cause", "Published trend"),
    ),
    "delivery": (
        "The delivery plan's deliverables and their RAG status in the quarter of the chosen "
        "report, counted by theme, then how the counts moved over the year, then every "
        "deliverable with its latest update, and the deliverables whose status changed.",
        ("RAG", "White"),
    ),
    "budget": (
        "The budget for the financial year against the latest forecast outturn, line by line, "
        "then how the forecast moved month by month. Figures are in £ thousands as published.",
        ("Forecast outturn",),
    ),
    "recommendations": (
        "A review's recommendations and what the tracker says of each in the chosen quarter: how "
        "many stand at each status, in all and under each lead agency (chart and table), the "
        "recommendations with no update in the latest quarter, the tracker's table with every "
        "update in full, and one recommendation with all its updates, quarter by quarter.",
        ("Lead agency", "Not stated"),
    ),
    "decisions_estates": (
        "Two records the report appends. First the forward plan of key decisions, section by "
        "section as published: each decision's date, subject, summary, cost as published (with "
        "its figure where the text gives one), contact officer and whether the OPCC or the Force "
        "reports it; sections with nothing in them say so. Then the estates update: police "
        "station sites sold and contracts exchanged, with each list's total capital receipt as "
        "published, and a timeline of the completed sales.",
        ("Forward plan", "Lower bound", "Capital receipt"),
    ),
    "framework": (
        "A plan's framework, theme by theme: the 2016-18 plan's activities and the 2019/20 "
        "delivery plan's objectives, as published. Choose the plan, and for the 2016-18 plan a "
        "lead or a pledge. The charts count the activities in each theme by lead, and by pledge "
        "(their tables give every count). Where a delivery-plan deliverable is the same as an "
        "objective (same plan and theme, same number or same words), the objective shows that "
        "deliverable's latest RAG status; the page says so plainly where none matches.",
        ("Lead", "Pledge", "Revised marker", "RAG"),
    ),
    "summary": (
        "Every measure with a monthly series in the chosen area, one row each: its latest month and "
        "figure, the average and process limits of its series, its target where one is set, what the "
        "latest month's variation says and whether the target will be met (assurance), each as an "
        "icon and in words, and how long ago the series last showed special cause. Choose concerns, "
        "improvements or failing targets to see only those. The chart counts the measures by "
        "variation and assurance; its table gives every count.",
        ("Variation", "Assurance", "Target", "Known change", "Special cause", "Process limits",
         "Months since special cause", "Polarity"),
    ),
    "revisions": (
        "Every change to a report since it was published to the Panel: which figure, what the "
        "Panel was told, what it is now, and which load changed it, when, by whom and from "
        "which file. Choose a report to see only its changes. A monthly series with a revised "
        "month is drawn as it stood at publication (dashed) beside the latest (solid).",
        ("Published", "Revised", "As reported"),
    ),
    "panel_pack": (
        "Builds the report as a Word paper for the Panel: front sheet, numbered sections, the "
        "headline tables, exceptions, delivery plan and budget, each chart with its table. "
        "Check the front-sheet fields before downloading.",
        ("Exception", "RAG", "Forecast outturn"),
    ),
    "data": (
        "Which extracts are loaded, when and by whom, and how many rows each table holds. "
        "Analysts can load new extracts here or return to an earlier load; readers can see the "
        "history but not change it.",
        (),
    ),
}
