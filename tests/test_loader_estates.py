"""The estates extract (estates*.csv): sites sold, contracts exchanged and each list's published
total; each check's message, all or nothing, Windows-1252, an idempotent reload, the key rule,
and the seed's section 7.12 arriving intact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import estates
from loaders import load_extracts, validate_extracts
from loaders.contract import ESTATES, kind_of

HEADER = "period,list,site,completion_date,status,proposed_use,total_receipt\n"
GOOD = (
    HEADER
    + '2019-01,sold,"Central , Nottingham","9 June, 2016",,Mixed re- development – principally residential,\n'
    + '2019-01,sold,Meadows,"31 July, 2016",,Residential,\n'
    + '2019-01,sold,,,,,"£5,128,400"\n'
    + "2019-01,exchanged,Bingham,,Application submitted,Care home,\n"
    + '2019-01,exchanged,,,,,"£2,104,000"\n'
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


def test_an_estates_file_is_known_by_its_name() -> None:
    assert kind_of(Path("estates.csv")) is ESTATES
    assert kind_of(Path("estates_2019.csv")) is ESTATES
    assert ESTATES.key == ("period", "list", "site")


def test_a_good_file_loads_sites_and_totals_as_published(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "estates.csv", GOOD)], db)
    assert report.ok and not report.warnings, report.to_text()
    assert fetch(db, "SELECT list, site, completion_text, completion_date, status, proposed_use, "
                     "total_receipt_text, total_receipt FROM estates ORDER BY source_line") == [
        ("sold", "Central , Nottingham", "9 June, 2016", date(2016, 6, 9), None,
         "Mixed re- development – principally residential", None, None),
        ("sold", "Meadows", "31 July, 2016", date(2016, 7, 31), None, "Residential", None, None),
        ("sold", "", None, None, None, None, "£5,128,400", 5128400.0),
        ("exchanged", "Bingham", None, None, "Application submitted", "Care home", None, None),
        ("exchanged", "", None, None, None, None, "£2,104,000", 2104000.0),
    ]


ROW = dict(zip(HEADER.strip().split(","), ["2019-01", "sold", "Meadows", "31 July, 2016", "", "Residential", ""]))


@pytest.mark.parametrize(("changes", "expected"), [
    ({"period": ""}, 'column period: "": expected a value (the column is required)'),
    ({"list": "bought"}, 'column list: "bought": expected sold or exchanged'),
    ({"completion_date": ""}, 'column completion_date: "": expected a value (the column is required)'),
    ({"completion_date": "July 2016"}, 'column completion_date: "July 2016": expected the day the sale completed, '
                                       "such as 9 June, 2016, 09/06/2016 or 2016-06-09 (a month alone does not "
                                       "give the day)"),
    ({"completion_date": "31 June, 2016"}, 'column completion_date: "31 June, 2016": expected the day the sale '
                                           "completed"),
    ({"completion_date": "31 March, 2016"}, 'column completion_date: "31 March, 2016": expected a completion on '
                                            "or after 1 April 2016 (the list is of sites sold since then)"),
    ({"status": "Sold"}, 'column status: "Sold": expected an empty cell: a sold site\'s completion date says its '
                         "status"),
    ({"total_receipt": "£500,000"}, 'column total_receipt: "£500,000": expected an empty cell: the report '
                                    "publishes one total per list, not a receipt per site"),
    ({"list": "exchanged", "completion_date": ""}, 'column status: "": expected a value (the column is required)'),
    ({"list": "exchanged", "status": "Permission received"},
     'column completion_date: "31 July, 2016": expected an empty cell: a site whose sale has completed belongs '
     "in the sold list"),
    ({"site": "", "completion_date": "", "proposed_use": "", "total_receipt": "lots"},
     'column total_receipt: "lots": expected a sum of money such as £5,128,400 or £2.1m'),
    ({"site": "", "completion_date": "", "proposed_use": ""},
     'column total_receipt: "": expected a value (the column is required)'),
    ({"site": ""}, 'column total_receipt: "": expected a value (the column is required)'),
], ids=["no-period", "list", "no-completion", "month-only", "no-such-day", "before-list", "status-on-sold",
        "receipt-per-site", "exchanged-no-status", "exchanged-completed", "total-not-money", "total-missing",
        "total-row-with-cells"])
def test_a_bad_cell_names_file_line_column_and_value_and_loads_nothing(
    changes: dict[str, str], expected: str, tmp_path: Path
) -> None:
    cells = dict(ROW, **changes)
    bad = write(tmp_path, "estates.csv", HEADER + ",".join(f'"{v}"' if "," in v else v for v in cells.values()) + "\n")
    measures = write(tmp_path, "measures.csv", MEASURES)
    db = tmp_path / "db.duckdb"
    report = load_extracts([measures, bad], db)
    assert not report.ok and not db.exists()
    assert report.errors[0].message.startswith(f"estates.csv, line 2, {expected}"), report.errors[0].message


def test_a_total_row_holds_only_the_total(tmp_path: Path) -> None:
    bad = HEADER + '2019-01,sold,Meadows,"31 July, 2016",,Residential,\n2019-01,sold,,"1 May, 2017",,Offices,£5\n'
    report = validate_extracts([write(tmp_path, "estates.csv", bad)])
    assert [(i.line, i.column) for i in report.errors] == [(3, "completion_date"), (3, "proposed_use")]
    assert "a row with site empty is its list's total" in report.errors[0].expected


def test_a_total_without_its_sites_is_a_warning(tmp_path: Path) -> None:
    report = validate_extracts([write(tmp_path, "estates.csv", HEADER + '2019-01,exchanged,,,,,"£2,104,000"\n')])
    assert report.ok
    assert [i.message for i in report.warnings] == [
        'estates.csv, line 2, column total_receipt: "£2,104,000": is the total of the exchanged list, but no site '
        "of that list is in this file; loaded"]


def test_the_key_rule_one_row_per_period_list_and_site(tmp_path: Path) -> None:
    """A site once per list, and one total per list (its site is empty)."""
    site = '2019-01,sold,Meadows,"31 July, 2016",,Residential,\n'
    total = "2019-01,sold,,,,,£5\n"
    report = validate_extracts([write(tmp_path, "estates.csv", HEADER + site + total + site + total)])
    assert [i.message for i in report.errors] == [
        'estates.csv, line 4, column period, list, site: "period 2019-01, list sold, site Meadows": expected one '
        "row per period + list + site; line 4 repeats line 2",
        'estates.csv, line 5, column period, list, site: "period 2019-01, list sold, site ": expected one '
        "row per period + list + site; line 5 repeats line 3",
    ]
    # the same site in both lists is two rows (a sale may complete after its contract was listed)
    both = HEADER + site + "2019-01,exchanged,Meadows,,Permission received,Residential,\n"
    assert validate_extracts([write(tmp_path, "estates.csv", both)]).ok


def test_windows_1252_loads_with_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "estates.csv", GOOD, encoding="cp1252")], db)
    assert report.ok, report.to_text()
    assert [f.encoding for f in report.files] == ["windows-1252"]
    assert fetch(db, "SELECT total_receipt_text FROM estates WHERE site = '' ORDER BY source_line") == [
        ("£5,128,400",), ("£2,104,000",)]
    assert fetch(db, "SELECT proposed_use FROM estates WHERE source_line = 2") == [
        ("Mixed re- development – principally residential",)]


def test_reloading_the_same_file_changes_nothing(tmp_path: Path) -> None:
    """The same rows again: none replaced, each keeping the load it came from, no history."""
    db = tmp_path / "db.duckdb"
    path = write(tmp_path, "estates.csv", GOOD)
    assert load_extracts([path], db).ok
    before = fetch(db, "SELECT * FROM estates ORDER BY source_line")
    again = load_extracts([path], db)
    assert again.ok and [(f.added, f.replaced) for f in again.files] == [(0, 0)]
    assert fetch(db, "SELECT * FROM estates ORDER BY source_line") == before
    assert fetch(db, "SELECT count(*) FROM estates_history") == [(0,)]


def test_the_seed_estates_lists_and_totals_arrive_intact(sample_db: Path) -> None:
    """Section 7.12 of R1: ten sites sold, three contracts exchanged, and both totals as published."""
    with duckdb.connect(str(sample_db), read_only=True) as con:
        found = estates.query_estates(con, date(2019, 1, 1))
    assert estates.total(found, estates.SOLD) == ("£5,128,400", 5128400.0)
    assert estates.total(found, estates.EXCHANGED) == ("£2,104,000", 2104000.0)
    sold = estates.list_table(found, estates.SOLD)
    assert len(sold) == 10 and sold.iloc[0].tolist() == [
        "Central , Nottingham", "9 June 2016", "Mixed re- development – principally residential"]
    assert sold.iloc[-1].tolist() == ["Mansfield Woodhouse", "16 January 2019", "Offices"]
    assert estates.list_table(found, estates.EXCHANGED).values.tolist() == [
        ["Bingham", "Application submitted", "Care home"],
        ["Sutton in Ashfield", "Permission received", "Residential"],
        ["Hilltop House site, Eastwood", "Application submitted", "Residential"],
    ]
    assert estates.total_line(found, estates.SOLD) == "Total capital receipt from above completed sales = £5,128,400"
