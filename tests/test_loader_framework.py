"""The plan-framework extract (framework*.csv): what loads (the lead read from the ref's letter,
the revised marker, pledges as published), each check's message (file, line, column, value),
all or nothing, Windows-1252, an idempotent reload and the key rule; and the seeds' two
frameworks arriving intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from loaders import load_extracts, validate_extracts
from loaders.contract import FRAMEWORK, kind_of
from loaders.framework import PLEDGE_CODES, opening_pledge, parse_plan, parse_pledges, parse_ref

HEADER = "plan,plan_title,theme_no,theme,focus_area,ref,lead,revised,activity,pledges\n"
PLAN_16 = "2016-18,Revised Police and Crime Plan (2016-18) - Strategic Framework"
THEME_1 = '1,"Protect, support and respond to victims, witnesses and vulnerable people"'
GOOD = (
    HEADER
    + f"{PLAN_16},{THEME_1},,F03,,,PL2: Review existing DA information sharing protocols to ensure real time "
      "information sharing.,PL2\n"
    + f"{PLAN_16},{THEME_1},,C02,,*,\"*PL7.3. Continue to improve BME community experiences of policing\",PL7.3\n"
    + f"{PLAN_16},{THEME_1},,P03,Partners,,PL7.9. Increase reporting of hate crime.,PL7.9\n"
    + f"{PLAN_16},4,Reduce the impact of drugs and alcohol on levels of crime and anti-social behaviour,,C04,,,"
      "New: Review the Night time Levy – consider options with Partners,\n"
    + "2019/20,Nottinghamshire Police and Crime Delivery Plan 2019/20 – V1.4,1,Protecting People from Harm,"
      "\"Protecting young people from harm, with a focus on tackling serious violence and exploitation\",4,,,"
      "Embed 'Schools and Early Intervention Officers' to improve youth engagement,\n"
)
ROW = dict(zip(HEADER.strip().split(","), [
    "2016-18", "Revised Police and Crime Plan (2016-18) - Strategic Framework", "1", "Protect", "", "F03", "",
    "", "PL2: Review existing DA information sharing protocols.", "PL2"]))


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def fetch(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_framework_file_is_known_by_its_name() -> None:
    assert kind_of(Path("framework.csv")) is FRAMEWORK
    assert kind_of(Path("framework_2019_20.csv")) is FRAMEWORK
    assert FRAMEWORK.key == ("plan", "theme_no", "ref")


def test_a_good_file_loads_leads_markers_and_pledges_as_published(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "framework.csv", GOOD)], db)
    assert report.ok and not report.warnings, report.to_text()
    assert fetch(db, "SELECT plan, theme_no, theme, focus_area, ref, lead, lead_from_ref, revised, pledges, "
                     "source_line FROM framework ORDER BY source_line") == [
        ("2016-18", 1, "Protect, support and respond to victims, witnesses and vulnerable people", None, "F03",
         "Force", True, False, "PL2", 2),
        ("2016-18", 1, "Protect, support and respond to victims, witnesses and vulnerable people", None, "C02",
         "Commissioner", True, True, "PL7.3", 3),
        ("2016-18", 1, "Protect, support and respond to victims, witnesses and vulnerable people", None, "P03",
         "Partners", True, False, "PL7.9", 4),
        ("2016-18", 4, "Reduce the impact of drugs and alcohol on levels of crime and anti-social behaviour", None,
         "C04", "Commissioner", True, False, None, 5),
        # the 2019/20 plan names no lead and its theme takes the dashboard's spelling
        ("2019-20", 1, "Protecting people from harm",
         "Protecting young people from harm, with a focus on tackling serious violence and exploitation", "4",
         None, False, False, None, 6),
    ]
    # the text is kept as published, marker and pledge prefix included
    assert fetch(db, "SELECT activity FROM framework WHERE ref = 'C02'") == [
        ("*PL7.3. Continue to improve BME community experiences of policing",)]


@pytest.mark.parametrize(("text", "expected"), [
    ("2016-18", "2016-18"), ("2019/20", "2019-20"), ("2019-2020", "2019-20"), (" 2018 – 21 ", "2018-21"),
    ("1999-01", "1999-01")])
def test_plan_years(text: str, expected: str) -> None:
    assert parse_plan(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("F03", ("F03", "Force")), ("c01", ("C01", "Commissioner")), ("P06", ("P06", "Partners")), ("4", ("4", None)),
    ("15", ("15", None))])
def test_a_refs_letter_is_its_lead(text: str, expected: tuple) -> None:
    assert parse_ref(text) == expected


def test_pledge_codes_as_published() -> None:
    assert PLEDGE_CODES[:7] == tuple(f"PL{n}" for n in range(1, 8))
    assert PLEDGE_CODES[7:] == tuple(f"PL7.{n}" for n in range(1, 11))
    assert parse_pledges("PL4; pl7.3") == "PL4;PL7.3"
    assert opening_pledge("* PL7.2. Force to work closely") == "PL7.2"
    assert opening_pledge("PL4 - New: Force to ensure") == "PL4"
    assert opening_pledge("PL7.10 - New: Commit to spend 1 day") == "PL7.10"
    assert opening_pledge("New: Review the Night time Levy") is None


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("plan", "", 'column plan: "": expected a value (the column is required)'),
    ("plan", "next year", 'column plan: "next year": expected the plan\'s years, such as 2016-18 or 2019-20'),
    ("plan", "2019-18", 'column plan: "2019-18": expected the plan\'s years, such as 2016-18 or 2019-20 (also '
                        "2019/20) (the plan must end one to ten years after it starts)"),
    ("theme_no", "one", 'column theme_no: "one": expected the theme\'s number in the plan, such as 1'),
    ("theme", "", 'column theme: "": expected a value (the column is required)'),
    ("ref", "", 'column ref: "": expected a value (the column is required)'),
    ("ref", "X03", 'column ref: "X03": expected a reference whose letter is the lead, C (Commissioner), F (Force) '
                   "or P (Partners), then its number, such as F03; or the objective's number, such as 4 (X is not "
                   "a lead's letter)"),
    ("ref", "F-3", 'column ref: "F-3": expected a reference whose letter is the lead'),
    ("lead", "Commissioner", 'column lead: "Commissioner": expected Force, the lead the ref\'s letter names (F03), '
                             "or empty"),
    ("revised", "maybe", 'column revised: "maybe": expected * (the plan\'s revised marker) or yes, or empty when '
                         "not revised"),
    ("activity", "", 'column activity: "": expected a value (the column is required)'),
    ("pledges", "PL8", 'column pledges: "PL8": expected pledge codes PL1 to PL7 or PL7.1 to PL7.10, separated by ; '
                       "(or empty: no pledge) (PL8 is not one of the plan's pledge codes)"),
    ("pledges", "PL2;PL2", 'column pledges: "PL2;PL2": expected pledge codes PL1 to PL7'),
    ("pledges", "PL4", 'column pledges: "PL4": expected the pledge the activity\'s text opens with (PL2), as '
                       "published"),
    ("pledges", "", 'column pledges: "": expected the pledge the activity\'s text opens with (PL2), as published'),
], ids=["no-plan", "plan", "plan-backwards", "theme-no", "no-theme", "no-ref", "ref-letter", "ref-form", "lead",
        "revised", "no-activity", "pledge-code", "pledge-twice", "pledge-not-the-texts", "pledge-missing"])
def test_a_bad_cell_names_file_line_column_and_value_and_changes_nothing(
    column: str, value: str, expected: str, tmp_path: Path
) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([write(tmp_path, "framework.csv", GOOD)], db).ok
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    cells = dict(ROW, **{column: value})
    bad = write(tmp_path, "framework_new.csv", HEADER + ",".join(cells.values()) + "\n")
    report = load_extracts([bad], db)
    assert not report.ok
    assert report.errors[0].message.startswith(f"framework_new.csv, line 2, {expected}"), report.errors[0].message
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert fetch(db, "SELECT count(*), count(DISTINCT load_id) FROM framework") == [(5, 1)]


def test_a_bad_file_beside_good_ones_loads_nothing(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    good = write(tmp_path, "framework.csv", GOOD)
    bad = write(tmp_path, "framework_bad.csv", HEADER + ",".join(dict(ROW, ref="Z1").values()) + "\n")
    report = load_extracts([good, bad], db)
    assert not report.ok and not db.exists()
    assert [(i.file, i.line, i.column, i.value) for i in report.errors] == [("framework_bad.csv", 2, "ref", "Z1")]


def test_rules_across_rows_one_title_per_plan_and_one_name_per_theme(tmp_path: Path) -> None:
    text = (HEADER
            + f"{PLAN_16},{THEME_1},,F03,,,PL2: Review.,PL2\n"
            + f"{PLAN_16},1,Protect and support victims,,F04,,,PL2: Develop an IT system.,PL2\n"
            + "2016-18,Police and Crime Plan,2,Criminal justice,,F01,,,Set up a data quality team.,\n")
    report = validate_extracts([write(tmp_path, "framework.csv", text)])
    assert [i.message for i in report.errors] == [
        'framework.csv, line 3, column theme: "Protect and support victims": expected the name line 2 gives '
        'theme 1 of plan 2016-18 ("Protect, support and respond to victims, witnesses and vulnerable people")',
        'framework.csv, line 4, column plan_title: "Police and Crime Plan": expected the title line 2 gives plan '
        '2016-18 ("Revised Police and Crime Plan (2016-18) - Strategic Framework")',
    ]


def test_the_key_rule_one_row_per_plan_theme_and_ref(tmp_path: Path) -> None:
    """The 2016-18 plan starts its refs again in every theme: C01 of theme 1 and of theme 2 are two rows."""
    line = f"{PLAN_16},{THEME_1},,C01,,,PL2: Re-commission victim services.,PL2\n"
    other_theme = f"{PLAN_16},2,Improve the criminal justice process,,C01,,,PL2: Lead on the victim's code.,PL2\n"
    report = validate_extracts([write(tmp_path, "framework.csv", HEADER + line + other_theme + line)])
    assert [i.message for i in report.errors] == [
        'framework.csv, line 4, column plan, theme_no, ref: "plan 2016-18, theme_no 1, ref C01": expected one row '
        "per plan + theme_no + ref; line 4 repeats line 2"]


def test_windows_1252_loads_with_a_warning(tmp_path: Path) -> None:
    """Excel's 'CSV (Comma delimited)': the en dash is 96 there, and arrives intact."""
    db = tmp_path / "db.duckdb"
    report = load_extracts([write(tmp_path, "framework.csv", GOOD, encoding="cp1252")], db)
    assert report.ok, report.to_text()
    assert [f.encoding for f in report.files] == ["windows-1252"]
    assert any("Windows-1252" in w.expected for w in report.warnings)
    assert fetch(db, "SELECT activity FROM framework WHERE ref = 'C04'") == [
        ("New: Review the Night time Levy – consider options with Partners",)]


def test_reloading_the_same_file_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    path = write(tmp_path, "framework.csv", GOOD)
    assert load_extracts([path], db).ok
    before = fetch(db, "SELECT * FROM framework ORDER BY source_line")
    again = load_extracts([path], db)
    assert again.ok and [(f.added, f.replaced) for f in again.files] == [(0, 0)]
    assert fetch(db, "SELECT * FROM framework ORDER BY source_line") == before
    assert fetch(db, "SELECT count(*) FROM framework_history") == [(0,)]


def test_the_2016_18_framework_arrives_intact(sample_db: Path) -> None:
    """Appendix A of the 2016-18 plan: 7 themes, 115 activities led by the Commissioner (45), the
    Force (50) and Partners (20), 14 revised, and the pledge codes as published; F03 of theme 1
    led by the Force for PL2."""
    themes = fetch(sample_db, "SELECT theme_no, theme, count(*) FROM framework WHERE plan = '2016-18' "
                              "GROUP BY ALL ORDER BY theme_no")
    assert [(n, count) for n, _, count in themes] == [(1, 26), (2, 10), (3, 21), (4, 12), (5, 15), (6, 13), (7, 18)]
    assert themes[6][1] == "Spending your money wisely"
    assert fetch(sample_db, "SELECT lead, count(*) FROM framework WHERE plan = '2016-18' GROUP BY ALL ORDER BY lead"
                 ) == [("Commissioner", 45), ("Force", 50), ("Partners", 20)]
    assert fetch(sample_db, "SELECT count(*) FROM framework WHERE plan = '2016-18' AND revised") == [(14,)]
    assert fetch(sample_db, "SELECT lead, pledges, activity FROM framework WHERE plan = '2016-18' AND theme_no = 1 "
                            "AND ref = 'F03'") == [
        ("Force", "PL2", "PL2: Review existing DA information sharing protocols to ensure real time information "
                         "sharing.")]
    pledges = dict(fetch(sample_db, "SELECT pledges, count(*) FROM framework WHERE plan = '2016-18' "
                                    "AND pledges IS NOT NULL GROUP BY ALL"))
    assert sorted(pledges) == sorted(["PL1", "PL2", "PL3", "PL4", "PL5", "PL6", *[f"PL7.{n}" for n in range(1, 11)]])
    assert pledges["PL7.3"] == 2 and pledges["PL1"] == 18 and pledges["PL2"] == 14
    assert fetch(sample_db, "SELECT count(*) FROM framework WHERE plan = '2016-18' AND pledges IS NULL") == [(42,)]
    # a row the PDF layout broke over two lines is one activity
    assert fetch(sample_db, "SELECT activity FROM framework WHERE plan = '2016-18' AND theme_no = 1 AND ref = 'F06'"
                 ) == [("PL4 - New: Force to ensure there is a mechanism to identify children's safeguarding issues "
                        "and deliver appropriate support in a Domestic Abuse Context",)]


def test_the_2019_20_delivery_plan_arrives_intact(sample_db: Path) -> None:
    """Appendix D of R1: 4 themes, each with 3 focus areas of 5 objectives, numbered 1-15 in its
    theme; no lead and no pledge is published for them, so none is stored."""
    themes = fetch(sample_db, "SELECT theme_no, theme, count(*), count(DISTINCT focus_area), min(ref::INT), "
                              "max(ref::INT) FROM framework WHERE plan = '2019-20' GROUP BY ALL ORDER BY theme_no")
    assert themes == [
        (1, "Protecting people from harm", 15, 3, 1, 15),
        (2, "Helping and supporting victims", 15, 3, 1, 15),
        (3, "Tackling crime and ASB", 15, 3, 1, 15),
        (4, "Transforming services", 15, 3, 1, 15),
    ]
    assert fetch(sample_db, "SELECT count(*) FROM framework WHERE plan = '2019-20' AND (lead IS NOT NULL OR "
                            "pledges IS NOT NULL OR revised)") == [(0,)]
    assert fetch(sample_db, "SELECT DISTINCT plan_title FROM framework WHERE plan = '2019-20'") == [
        ("Nottinghamshire Police and Crime Delivery Plan 2019/20 – V1.4",)]
    assert fetch(sample_db, "SELECT focus_area, activity FROM framework WHERE plan = '2019-20' AND theme_no = 4 "
                            "AND ref = '15'") == [
        ("Improving community engagement and public trust and confidence in policing",
         "Introduce a new model and accountability arrangements for dealing with complaints against the police")]
