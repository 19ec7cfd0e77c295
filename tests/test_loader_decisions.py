"""The forward-plan extract (decisions*.csv): what loads, each check's message (file, line,
column, value), all or nothing, Windows-1252, an idempotent reload and the key rule; and the
seed's Appendix B arriving intact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from loaders import load_extracts, validate_extracts
from loaders.contract import DECISIONS, kind_of
from loaders.decisions import parse_cost, parse_decision_date, parse_report_of

HEADER = "period,plan,section,section_title,ref,date,subject,summary,cost,contact,report_of\n"
GOOD = (
    HEADER
    + "2019-01,February 2019,1.0,Business cases,,,None to report.,,,,\n"
    + '2019-01,February 2019,2.0,Contracts (above £250k),2.1,March 2019,Hucknall EMAS Works,Building Contractors,'
      '"£515,000",Ronnie Adams EMSCU,Force\n'
    + "2019-01,February 2019,2.0,Contracts (above £250k),2.2,TBC,Water Services,Contract for Water Services,"
      ">£250k,Ronnie Adams EMSCU,Force\n"
    + "2019-01,February 2019,6.0,Other OPCC Commissioning,6.6,March – September 2019,County domestic abuse support,"
      "Re co-commissioning,£1.4m,Nicola Wade,OPCC\n"
)
MEASURES = ("period,theme,measure,polarity,baseline,current\n"
            "2019-01,Protecting people from harm,Referrals,higher_is_better,\"4,872\",\"5,369\"\n")


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def fetch(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_decisions_file_is_known_by_its_name() -> None:
    assert kind_of(Path("decisions.csv")) is DECISIONS
    assert kind_of(Path("decisions_2019_02.csv")) is DECISIONS
    assert DECISIONS.key == ("period", "section", "ref")


def test_a_good_file_loads_dates_costs_and_the_none_row(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "decisions.csv", GOOD)], db)
    assert report.ok and not report.warnings, report.to_text()
    assert fetch(db, "SELECT section, ref, date_text, date_from, date_to, subject, cost_text, cost_pounds, "
                     "cost_is_lower_bound, report_of, source_line FROM decisions ORDER BY source_line") == [
        ("1.0", "", None, None, None, "None to report.", None, None, None, None, 2),
        ("2.0", "2.1", "March 2019", date(2019, 3, 1), date(2019, 3, 1), "Hucknall EMAS Works", "£515,000",
         515000.0, False, "Force", 3),
        ("2.0", "2.2", "TBC", None, None, "Water Services", ">£250k", 250000.0, True, "Force", 4),
        ("6.0", "6.6", "March – September 2019", date(2019, 3, 1), date(2019, 9, 1),
         "County domestic abuse support", "£1.4m", 1400000.0, False, "OPCC", 5),
    ]
    assert fetch(db, "SELECT DISTINCT plan FROM decisions") == [(date(2019, 2, 1),)]


@pytest.mark.parametrize(("text", "first", "last"), [
    ("March 2019", date(2019, 3, 1), date(2019, 3, 1)),
    ("TBC", None, None),
    ("to be confirmed", None, None),
    ("March – September 2019", date(2019, 3, 1), date(2019, 9, 1)),
    ("Nov 2018 to Jan 2019", date(2018, 11, 1), date(2019, 1, 1)),
    ("Jan-19", date(2019, 1, 1), date(2019, 1, 1)),
])
def test_decision_dates_as_published(text: str, first: date | None, last: date | None) -> None:
    parsed = parse_decision_date(text)
    assert (parsed.text, parsed.first, parsed.last) == (text, first, last)


@pytest.mark.parametrize(("text", "pounds", "lower_bound"), [
    ("£515,000", 515000.0, False),
    ("£400k", 400000.0, False),
    ("£1.4m", 1400000.0, False),
    (">£250k", 250000.0, True),
    ("over £250k", 250000.0, True),
    (">£250", 250.0, True),   # as printed for 2.10-2.12: at least £250, which is true, if weak
    ("Potentially over £250k", None, False),   # 'potentially': not a bound
    ("The proposal will result in a capital receipt.", None, False),
])
def test_costs_keep_their_text_and_give_a_lower_bound_where_they_say_one(
    text: str, pounds: float | None, lower_bound: bool
) -> None:
    cost = parse_cost(text)
    assert (cost.text, cost.pounds, cost.is_lower_bound) == (text, pounds, lower_bound)


def test_report_of_words() -> None:
    assert [parse_report_of(t) for t in ("OPCC", "Force", "Force/OPCC", "force and opcc", "NOPCC")] == [
        "OPCC", "Force", "Force/OPCC", "Force/OPCC", "OPCC"]


ROW = dict(zip(HEADER.strip().split(","), [
    "2019-01", "February 2019", "2.0", "Contracts (above £250k)", "2.1", "March 2019", "Hucknall EMAS Works",
    "Building Contractors", "£515", "Ronnie Adams EMSCU", "Force"]))


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("period", "", 'column period: "": expected a value (the column is required)'),
    ("plan", "Febtember 2019", 'column plan: "Febtember 2019": expected a month'),
    ("section", "two", 'column section: "two": expected a section number such as 2.0 (or 2)'),
    ("section_title", "", 'column section_title: "": expected a value (the column is required)'),
    ("ref", "2a", 'column ref: "2a": expected a reference such as 2.1'),
    ("ref", "3.1", 'column ref: "3.1": expected a reference in section 2.0 (2.1, 2.2, ...)'),
    ("date", "", 'column date: "": expected a value (the column is required)'),
    ("date", "Spring 2019", 'column date: "Spring 2019": expected a month such as March 2019, a span such as '
                            "March – September 2019, or TBC"),
    ("date", "September – March 2019", 'column date: "September – March 2019": expected a month such as March '
                                       "2019, a span such as March – September 2019, or TBC (the span ends "
                                       "before it begins)"),
    ("subject", "", 'column subject: "": expected a value (the column is required)'),
    ("report_of", "Council", 'column report_of: "Council": expected OPCC, Force, or both (Force/OPCC)'),
], ids=["no-period", "plan", "section", "no-title", "ref-form", "ref-section", "no-date", "date", "span",
        "no-subject", "report-of"])
def test_a_bad_cell_names_file_line_column_and_value_and_loads_nothing(
    column: str, value: str, expected: str, tmp_path: Path
) -> None:
    cells = dict(ROW, **{column: value})
    bad = write(tmp_path, "decisions.csv", HEADER + ",".join(cells.values()) + "\n")
    measures = write(tmp_path, "measures.csv", MEASURES)
    db = tmp_path / "db.duckdb"
    report = load_extracts([measures, bad], db)
    assert not report.ok and not db.exists()
    assert report.errors[0].message.startswith(f"decisions.csv, line 2, {expected}"), report.errors[0].message


def test_a_none_to_report_row_holds_only_its_words(tmp_path: Path) -> None:
    bad = HEADER + "2019-01,February 2019,4.0,Workforce Plan,,March 2019,None to report.,,£1k,,\n"
    report = validate_extracts([write(tmp_path, "decisions.csv", bad)])
    assert [(i.line, i.column, i.value) for i in report.errors] == [(2, "date", "March 2019"), (2, "cost", "£1k")]
    assert "a row with ref empty is the section's 'None to report' row" in report.errors[0].expected


def test_rules_across_rows(tmp_path: Path) -> None:
    """One plan per report period, one title per section, and a section that lists decisions
    cannot also say none to report."""
    text = (HEADER
            + "2019-01,February 2019,2.0,Contracts (above £250k),,,None to report.,,,,\n"
            + "2019-01,February 2019,2.0,Contracts (above £250k),2.1,March 2019,Works,,,,Force\n"
            + "2019-01,February 2019,2.0,Contracts,2.2,March 2019,Water,,,,Force\n"
            + "2019-01,March 2019,3.0,Estates,3.1,TBC,Ollerton,,,,Force\n")
    report = validate_extracts([write(tmp_path, "decisions.csv", text)])
    assert [i.message for i in report.errors] == [
        'decisions.csv, line 4, column section_title: "Contracts": expected the title line 2 gives section 2.0 '
        '("Contracts (above £250k)")',
        'decisions.csv, line 5, column plan: "March 2019": expected the plan named on line 2 (February 2019): '
        "one forward plan per report period",
        'decisions.csv, line 2, column ref: "": expected a ref: section 2.0 lists decisions (line 3), so it cannot '
        "also have a 'None to report' row",
    ]


def test_the_key_rule_one_row_per_period_section_and_ref(tmp_path: Path) -> None:
    line = '2019-01,February 2019,2.0,Contracts (above £250k),2.1,March 2019,Works,,,,Force\n'
    none = "2019-01,February 2019,4.0,Workforce,,,None to report.,,,,\n"
    report = validate_extracts([write(tmp_path, "decisions.csv", HEADER + line + none + line + none)])
    assert [i.message for i in report.errors] == [
        'decisions.csv, line 4, column period, section, ref: "period 2019-01, section 2.0, ref 2.1": expected '
        "one row per period + section + ref; line 4 repeats line 2",
        'decisions.csv, line 5, column period, section, ref: "period 2019-01, section 4.0, ref ": expected '
        "one row per period + section + ref; line 5 repeats line 3",
    ]


def test_windows_1252_loads_with_a_warning(tmp_path: Path) -> None:
    """Excel's 'CSV (Comma delimited)': £ is A3 and the en dash 96; both arrive intact."""
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "decisions.csv", GOOD, encoding="cp1252")], db)
    assert report.ok, report.to_text()
    assert [f.encoding for f in report.files] == ["windows-1252"]
    assert any("Windows-1252" in w.expected for w in report.warnings)
    assert fetch(db, "SELECT date_text, cost_text FROM decisions WHERE ref = '6.6'") == [
        ("March – September 2019", "£1.4m")]


def test_reloading_the_same_file_changes_nothing(tmp_path: Path) -> None:
    """The same rows again: none replaced, each keeping the load it came from, no history."""
    db = tmp_path / "db.duckdb"
    path = write(tmp_path, "decisions.csv", GOOD)
    assert load_extracts([path], db).ok
    before = fetch(db, "SELECT * FROM decisions ORDER BY source_line")
    again = load_extracts([path], db)
    assert again.ok and [(f.added, f.replaced) for f in again.files] == [(0, 0)]
    assert fetch(db, "SELECT * FROM decisions ORDER BY source_line") == before
    assert fetch(db, "SELECT count(*) FROM decisions_history") == [(0,)]


def test_the_seed_forward_plan_arrives_intact(sample_db: Path) -> None:
    """Appendix B of R1: sections 1.0-6.0, 21 decisions and three 'None to report' sections;
    decision 2.1 at £515,000; every cost and date as published."""
    rows = fetch(sample_db, "SELECT section, section_title, ref, date_text, subject, cost_text, cost_pounds, "
                            "cost_is_lower_bound, contact, report_of FROM decisions ORDER BY source_line")
    assert [r[0] for r in rows if r[2] == ""] == ["1.0", "4.0", "5.0"]
    assert sorted({r[0] for r in rows}) == ["1.0", "2.0", "3.0", "4.0", "5.0", "6.0"]
    decisions = {r[2]: r for r in rows if r[2]}
    assert len(decisions) == 21
    assert decisions["2.1"][3:] == ("March 2019", "Hucknall EMAS Works", "£515,000", 515000.0, False,
                                    "Ronnie Adams EMSCU", "Force")
    assert decisions["2.6"][5:8] == ("Potentially over £250k", None, None)
    assert decisions["2.2"][5:8] == (">£250k", 250000.0, True)
    assert decisions["3.1"][5] == "The proposal will result in a capital receipt."
    assert decisions["3.2"][9] == "Force/OPCC"
    assert decisions["6.6"][3] == "March – September 2019"
    assert dict((r[0], r[1]) for r in rows)["2.0"] == "Contracts (above £250k)"
    assert rows[0][4].startswith("None to report with the exception of those noted under 2.0 Contracts")
