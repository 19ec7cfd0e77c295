"""The pack and publication: the paper published is kept, "as reported" rebuilds it exactly,
and a later paper lists the revisions to earlier ones."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from pathlib import Path

import docx
import duckdb
import pytest

from dashboard import pack, pack_records, pack_revisions
from dashboard.db import connect_readonly
from loaders.load import load_extracts
from loaders.provenance import Actor
from loaders.publish import frozen_path, publish_report
from pack_support import StandInExporter, correct_referrals, publish_january, table_texts

DATA = Path(__file__).resolve().parent.parent / "data"
ANALYST = Actor("j.smith", "command line")
JAN_2019, DEC_2024 = date(2019, 1, 1), date(2024, 12, 1)


@pytest.fixture(autouse=True)
def stand_in_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts as stand-in images: what is kept and rebuilt here is the document's text and tables
    (tests/test_pack_end_to_end.py builds the pack with Chromium)."""
    monkeypatch.setattr(pack, "Exporter", StandInExporter)


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "dashboard.duckdb"
    assert load_extracts(sorted(DATA.glob("*.csv")), path, ANALYST).ok
    return path


def test_publishing_with_the_pack_keeps_it_and_as_reported_rebuilds_its_tables_exactly(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    published_out, latest_out, reported_out = tmp_path / "published", tmp_path / "latest", tmp_path / "reported"
    assert pack.main(publish_january(db, published_out)) == 0
    assert "Published the Jan 2019 report for the meeting on 8 May 2019" in capsys.readouterr().out
    with duckdb.connect(str(db), read_only=True) as con:
        pack_file, pack_sha = con.execute("SELECT pack_file, pack_sha256 FROM published_reports").fetchone()
    kept = frozen_path(db, pack_file)
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == pack_sha
    assert kept.read_bytes() == (published_out / "panel-pack-2019-01.docx").read_bytes()

    correct_referrals(db, tmp_path / "correction")
    assert pack.main(["--period", "2019-01", "--out", str(latest_out), "--db", str(db)]) == 0
    assert pack.main(["--period", "2019-01", "--out", str(reported_out), "--db", str(db), "--as-reported"]) == 0
    kept_tables = table_texts(kept)
    assert table_texts(reported_out / "panel-pack-2019-01.docx") == kept_tables
    latest = table_texts(latest_out / "panel-pack-2019-01.docx")
    assert latest != kept_tables
    text = lambda tables: " | ".join(c for t in tables for row in t for c in row)  # noqa: E731
    assert "5,369 (Jan 2019)" in text(kept_tables) and "5,412 (Jan 2019)" not in text(kept_tables)
    assert "5,412 (Jan 2019)" in text(latest)


def test_the_next_paper_lists_revisions_to_the_published_one(db: Path, tmp_path: Path) -> None:
    assert publish_report(db, JAN_2019, ANALYST, date(2019, 5, 8)).ok
    with connect_readonly(db) as con:
        assert pack.gather_pack_content(con, DEC_2024).revisions.empty  # nothing revised yet
    correct_referrals(db, tmp_path / "correction")
    with connect_readonly(db) as con:
        later = pack.gather_pack_content(con, DEC_2024)
        same = pack.gather_pack_content(con, JAN_2019)
    assert same.revisions.empty  # a paper lists revisions to earlier papers, not to itself
    table = pack_revisions.revisions_table(later.revisions)
    assert table.values.tolist() == [[
        "Jan 2019", "Headline measures: Adult and child safeguarding referrals", "Current",
        "5,369 (Jan 2019)", "5,412 (Jan 2019)",
        f"{later.revisions['Loaded'].iloc[0]} by a.analyst (load 2, measures.csv)"]]
    path = tmp_path / "pack.docx"
    pack.write_docx(later, {}, path)
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "7. Revisions to Previously Reported Figures" in headings
    assert any(p.text.startswith("7.1\tSince the Panel was given the Jan 2019 report, 1 figure in it has been revised")
               for p in document.paragraphs)
    assert [t.name for t in pack.pack_tables(later)].count("revisions-to-previously-reported-figures") == 1


def test_revisions_follow_the_estates_section_when_the_paper_has_both(db: Path, tmp_path: Path) -> None:
    assert publish_report(db, JAN_2019, ANALYST, date(2019, 5, 8)).ok
    correct_referrals(db, tmp_path / "correction")
    with connect_readonly(db) as con:
        later = pack.gather_pack_content(con, DEC_2024)
        with_estates = pack.gather_pack_content(con, JAN_2019)
    assert not later.revisions.empty and later.estates.empty and not with_estates.estates.empty
    path = tmp_path / "pack.docx"
    pack.write_docx(dataclasses.replace(later, estates=with_estates.estates), {}, path)
    headings = [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == "Heading 1"]
    numbered = [h for h in headings if h[:1].isdigit()]
    assert numbered[-2:] == [f"7. {pack_records.ESTATES_HEADING}", f"8. {pack_revisions.HEADING}"]
