"""Publishing a report to the Panel, and every later change to it listed as a revision."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import revisions
from loaders.__main__ import main
from loaders.load import load_extracts
from loaders.provenance import Actor
from loaders.publish import frozen_path, publish_report
from loaders.restore import restore_version

DATA = Path(__file__).resolve().parent.parent / "data"
JAN_2019 = date(2019, 1, 1)
ANALYST = Actor("j.smith", "command line")
REFERRALS = "Adult and child safeguarding referrals"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "dashboard.duckdb"
    assert load_extracts([DATA / "measures.csv", DATA / "deliverables.csv", DATA / "budget.csv"], path, ANALYST).ok
    return path


def corrected_measures(folder: Path, old: str = '"5,369 (Jan 2019)"', new: str = '"5,412 (Jan 2019)"') -> Path:
    text = (DATA / "measures.csv").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = folder / "measures.csv"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_publishing_freezes_the_database_and_records_who_and_when(db: Path) -> None:
    report = publish_report(db, JAN_2019, ANALYST, date(2019, 5, 8))
    assert report.ok, report.message
    assert report.message.startswith("Published the Jan 2019 report for the meeting on 8 May 2019 with the figures of load 1.")
    frozen = frozen_path(db, report.frozen_file)
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT period, as_of_load_id, published_by, meeting_date, frozen_file, frozen_sha256 "
                          "FROM published_reports").fetchall()
    assert row == [(JAN_2019, 1, "j.smith", date(2019, 5, 8), frozen.name, hashlib.sha256(frozen.read_bytes()).hexdigest())]
    with duckdb.connect(str(frozen), read_only=True) as con:
        assert con.execute("SELECT current_text FROM measures WHERE measure = ?", [REFERRALS]).fetchone() == (
            "5,369 (Jan 2019)",)
        assert con.execute("SELECT max(load_id) FROM load_log").fetchone() == (1,)


def test_a_corrected_figure_is_a_revision_with_old_and_new_value_load_file_and_who(db: Path, tmp_path: Path) -> None:
    assert publish_report(db, JAN_2019, ANALYST, date(2019, 5, 8)).ok
    folder = tmp_path / "correction"
    folder.mkdir()
    assert load_extracts([corrected_measures(folder)], db, Actor("a.analyst", "upload")).ok
    with duckdb.connect(str(db), read_only=True) as con:
        found = revisions.revisions(con)
        publication = revisions.latest_publication(con, JAN_2019)
    assert found[list(revisions.REVISION_COLUMNS[:7])].values.tolist() == [
        ["Jan 2019", "Headline measures", REFERRALS, "Current", "5,369 (Jan 2019)", "5,412 (Jan 2019)", 2]]
    assert (found["Loaded by"].iloc[0], found["File"].iloc[0]) == ("a.analyst", "measures.csv")
    sentence = revisions.revision_sentence(found.iloc[0], publication)
    assert sentence.startswith("Revised: 5,369 (Jan 2019) reported to the Panel on 8 May 2019, now 5,412 (Jan 2019), loaded ")
    assert sentence.endswith(" by a.analyst.")
    # The frozen report still says what the Panel was told.
    with duckdb.connect(str(frozen_path(db, publication.frozen_file)), read_only=True) as con:
        assert con.execute("SELECT current_text FROM measures WHERE measure = ?", [REFERRALS]).fetchone() == (
            "5,369 (Jan 2019)",)


def test_an_identical_reload_after_publishing_makes_no_revision(db: Path) -> None:
    assert publish_report(db, JAN_2019, ANALYST).ok
    assert load_extracts([DATA / "measures.csv", DATA / "deliverables.csv", DATA / "budget.csv"], db, ANALYST).ok
    with duckdb.connect(str(db), read_only=True) as con:
        assert revisions.revisions(con).empty


def test_other_records_revisions_are_listed_by_field(db: Path, tmp_path: Path) -> None:
    assert publish_report(db, JAN_2019, ANALYST).ok
    text = (DATA / "budget.csv").read_text(encoding="utf-8")
    changed = tmp_path / "budget.csv"
    changed.write_text(text.replace('"188,209","189,260"', '"188,209","189,999"'), encoding="utf-8")
    assert load_extracts([changed], db, ANALYST).ok
    with duckdb.connect(str(db), read_only=True) as con:
        found = revisions.revisions(con)
    assert found[["Record", "Figure", "Field", "Reported to the Panel", "Now"]].values.tolist() == [
        ["Budget", "Dec 2018 · Force · revenue", "Forecast outturn", "189,260", "189,999"]]


def test_a_restore_keeps_the_publication_and_the_revision_it_makes(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "correction"
    folder.mkdir()
    assert load_extracts([corrected_measures(folder)], db, ANALYST).ok  # load 2
    assert publish_report(db, JAN_2019, ANALYST).ok                   # the Panel sees 5,412
    assert restore_version(db, 1, ANALYST).ok                         # back to 5,369 (load 3)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT period, as_of_load_id FROM published_reports").fetchall() == [(JAN_2019, 2)]
        found = revisions.revisions(con)
    assert found[["Figure", "Reported to the Panel", "Now", "Load"]].values.tolist() == [
        [REFERRALS, "5,412 (Jan 2019)", "5,369 (Jan 2019)", 3]]


def test_cli_publish_exit_codes(db: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--publish", "2019-01", "--meeting", "2019-05-08", "--db", str(db)]) == 0
    assert "Published the Jan 2019 report" in capsys.readouterr().out
    assert main(["--publish", "Jan 2019", "--db", str(db)]) == 1
    assert "already published with the figures of load 1" in capsys.readouterr().err
    assert main(["--publish", "2030-01", "--db", str(db)]) == 1
    assert "Nothing is loaded for Jan 2030" in capsys.readouterr().err
    for wrong in (["--publish", "soon"], ["--meeting", "2019-05-08"], ["--publish", "2019-01", str(DATA)]):
        with pytest.raises(SystemExit) as stopped:
            main([*wrong, "--db", str(db)])
        assert stopped.value.code == 2
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM published_reports").fetchone() == (1,)


def test_cli_exports_the_history_as_csv(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert publish_report(db, JAN_2019, ANALYST, date(2019, 5, 8)).ok
    folder = tmp_path / "correction"
    folder.mkdir()
    assert load_extracts([corrected_measures(folder)], db, ANALYST).ok
    out = tmp_path / "history"
    assert main(["--export-history", str(out), "--db", str(db)]) == 0
    assert f"Wrote {out / 'measures_history.csv'}" in capsys.readouterr().out
    import csv
    with open(out / "measures_history.csv", newline="", encoding="utf-8") as handle:
        kept = list(csv.DictReader(handle))
    assert [(r["measure"], r["current_text"], r["load_id"], r["superseded_by"]) for r in kept] == [
        (REFERRALS, "5,369 (Jan 2019)", "1", "2")]
    with open(out / "published_reports.csv", newline="", encoding="utf-8") as handle:
        assert [(r["period"], r["as_of_load_id"], r["meeting_date"]) for r in csv.DictReader(handle)] == [
            ("2019-01-01", "1", "2019-05-08")]
    assert main(["--export-history", str(out), "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "no database at" in capsys.readouterr().err


def test_a_revision_names_the_file_that_carried_the_new_figure(tmp_path: Path) -> None:
    """A load of several files: each revision names its own row's file, not every file of the load;
    a row added since publication is one revision, not one per field."""
    db = tmp_path / "dashboard.duckdb"
    assert load_extracts([DATA / "measures.csv", DATA / "framework.csv"], db, ANALYST).ok
    assert publish_report(db, JAN_2019, ANALYST).ok
    folder = tmp_path / "correction"
    folder.mkdir()
    framework = (DATA / "framework.csv").read_text(encoding="utf-8")
    assert framework.count("Nottinghamshire Police and Crime Delivery Plan 2019/20") > 1
    (folder / "framework.csv").write_text(framework.replace(
        "Nottinghamshire Police and Crime Delivery Plan 2019/20", "Delivery Plan 2019/20"), encoding="utf-8")
    assert load_extracts([corrected_measures(folder), DATA / "budget.csv", folder / "framework.csv"], db, ANALYST).ok
    with duckdb.connect(str(db), read_only=True) as con:
        found = revisions.revisions(con)
    by_record = found.groupby("Record")
    assert by_record["File"].unique().map(list).to_dict() == {
        "Budget": ["budget.csv"], "Headline measures": ["measures.csv"], "Plan framework": ["framework.csv"]}
    assert set(found.loc[found["Record"] == "Plan framework", "Field"]) == {"Plan title"}
    budget = found[found["Record"] == "Budget"]
    assert set(budget["Field"]) == {revisions.WHOLE_ROW}   # the budget was not loaded when the report went
    assert set(budget["Reported to the Panel"]) == {revisions.NOT_REPORTED}
    assert set(budget["Now"]) == {revisions.ADDED}
