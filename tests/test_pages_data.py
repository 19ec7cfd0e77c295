"""AppTest of the Data page for each role: readers see and download, analysts load and restore."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import Connection
from loaders.load import load_extracts
from ui import roles
from ui.render import WORD_JOINER

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [ROOT / "data" / name for name in ("measures.csv", "deliverables.csv", "budget.csv")]
HOSTILE_UPDATE = "<script>alert('x')</script> **bold** [click](javascript:alert(1))"
HOSTILE_DELIVERABLES = (
    "plan,quarter,theme,ref,deliverable,status,organisation,update\n"
    "2018-21,2018-19 Q4,Helping and supporting victims,1,Victims website,A,NOPCC,"
    f"\"{HOSTILE_UPDATE}\"\n"
)
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "dashboard", "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ANALYST = "analyst@opcc.example"
CHANGE_KEYS = ("data_uploads", "data_load", "data_restore", "data_restore_load", "data_restore_confirm")


@pytest.fixture(scope="module")
def sample_db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "sample.duckdb"
    report = load_extracts(SAMPLE, path)
    assert report.ok, report.to_text()
    return path


@pytest.fixture
def db_copy(sample_db_file, tmp_path, monkeypatch) -> Path:
    """A private copy of the sample database, which the app reads."""
    path = tmp_path / "dashboard.duckdb"
    shutil.copyfile(sample_db_file, path)
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    return path


def _connect_from(monkeypatch: pytest.MonkeyPatch, ip: str, host: str, **headers: str) -> None:
    monkeypatch.setattr(roles, "client_connection", lambda: Connection(ip, {"Host": host, **headers}))


@pytest.fixture
def local_analyst(monkeypatch) -> None:
    """No sign-in configured, browser at the server itself."""
    _connect_from(monkeypatch, "127.0.0.1", "localhost:8501")


def open_data_page(user: dict | None = None, access: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if access is not None:
        at.secrets["auth"] = AUTH
        at.secrets["access"] = access
    if user is not None:
        at.user = user
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [frame.value for frame in at.dataframe]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def change_widgets(at: AppTest) -> list[str]:
    keys = [getattr(w, "key", None) for kind in ("file_uploader", "button", "selectbox", "checkbox")
            for w in at.get(kind)]
    return [k for k in keys if k in CHANGE_KEYS]


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="data_uploads").set_value([(n, c, "text/csv") for n, c in files]).run()
    return at.button(key="data_load").click().run()


def plain(markdown: str) -> str:
    """Text as a reader sees it: the Markdown escapes and invisible link breakers taken away."""
    return markdown.replace("\\", "").replace(WORD_JOINER, "")


def texts(at: AppTest) -> str:
    return "\n".join(t.value for t in at.text)


# --- Readers ---


@pytest.mark.parametrize("ip, host, headers", [
    ("203.0.113.9", "dashboard.example", {}),                       # from the network
    ("127.0.0.1", "dashboard.example", {"X-Forwarded-For": "203.0.113.9"}),  # through a proxy
    ("127.0.0.1", "attacker.example:8501", {}),                     # DNS rebinding
    (None, "localhost:8501", {}),                                   # peer unknown
])
def test_without_sign_in_only_the_local_analyst_may_upload(db_copy, monkeypatch, ip, host, headers) -> None:
    _connect_from(monkeypatch, ip, host, **headers)
    at = open_data_page()
    assert change_widgets(at) == []
    assert "no sign-in configured" in texts(at) and "Deployment section of the README" in texts(at)
    history = next(t for t in tables(at) if "file_sha256" in t.columns)
    assert len(history) == 3  # reading is still everyone's


def test_signed_in_reader_sees_no_controls(db_copy, monkeypatch) -> None:
    _connect_from(monkeypatch, "127.0.0.1", "localhost:8501")  # not enough once sign-in exists
    at = open_data_page(user={"is_logged_in": True, "email": "councillor@council.example"},
                        access={"analysts": [ANALYST]})
    assert change_widgets(at) == []
    assert "Signed in as a reader" in texts(at)
    assert any("councillor@council.example (reader)" in plain(c.value) for c in at.sidebar.caption)


def test_signed_out_visitor_sees_a_sign_in_button(db_copy) -> None:
    at = open_data_page(user={"is_logged_in": False}, access={"analysts": [ANALYST]})
    assert change_widgets(at) == []
    assert at.sidebar.button(key="account_sign_in")
    assert "sign in (in the sidebar)" in texts(at)


def test_readers_must_sign_in_shows_only_the_sign_in_page(db_copy) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["access"] = {"readers_must_sign_in": True}
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button(key="gate_sign_in")
    assert not at.dataframe and not at.get("plotly_chart")
    at.user = {"is_logged_in": True, "email": "councillor@council.example"}
    at.run()
    assert not at.exception
    assert at.title and at.title[0].value == "Overview"


def test_a_reader_cannot_use_a_widget_drawn_for_an_analyst(db_copy, monkeypatch) -> None:
    """Widget state sent after the role was lost (or forged) is refused when the act runs."""
    _connect_from(monkeypatch, "127.0.0.1", "localhost:8501")
    at = open_data_page()
    before = sha256(db_copy)
    at.file_uploader(key="data_uploads").set_value([("deliverables.csv", HOSTILE_DELIVERABLES.encode(),
                                                     "text/csv")]).run()
    button = at.button(key="data_load")
    _connect_from(monkeypatch, "203.0.113.9", "dashboard.example")
    button.click().run()
    assert sha256(db_copy) == before
    assert not at.success


def test_query_parameters_cannot_trigger_a_load(db_copy, monkeypatch) -> None:
    _connect_from(monkeypatch, "203.0.113.9", "dashboard.example")
    before = sha256(db_copy)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key in CHANGE_KEYS + ("restore", "load"):
        at.query_params[key] = "1"
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception and change_widgets(at) == []
    assert sha256(db_copy) == before


# --- Analysts ---


def test_signed_in_analyst_by_email_loads_and_is_recorded(db_copy) -> None:
    at = open_data_page(user={"is_logged_in": True, "email": ANALYST.upper()},
                        access={"analysts": [ANALYST]})
    upload(at, ("deliverables.csv", HOSTILE_DELIVERABLES.encode()))
    assert not at.exception
    assert at.success and plain(at.success[0].value) == "Loaded 1 file (load 2)."
    history = next(t for t in tables(at) if "file_sha256" in t.columns)
    assert history[["load_id", "loaded_by", "source"]].iloc[0].tolist() == [2, ANALYST.upper(), "upload"]


def test_signed_in_analyst_by_group_claim(db_copy) -> None:
    at = open_data_page(user={"is_logged_in": True, "email": "lead@opcc.example", "roles": ["Dashboard.Analyst"]},
                        access={"analyst_groups": ["Dashboard.Analyst"], "group_claim": "roles"})
    assert "data_uploads" in change_widgets(at)


def test_an_unverified_email_is_not_an_analyst(db_copy) -> None:
    at = open_data_page(user={"is_logged_in": True, "email": ANALYST, "email_verified": False},
                        access={"analysts": [ANALYST]})
    assert change_widgets(at) == []


def test_data_page_rejects_a_bad_upload_and_writes_nothing(db_copy, local_analyst) -> None:
    before = sha256(db_copy)
    at = open_data_page()
    upload(at, ("budget.csv", b"financial_year,period,entity,category,budget,forecast_outturn\n"
                              b"2018-19,Smarch 2019,Force,revenue,1,2\n"),
           ("deliverables.csv", HOSTILE_DELIVERABLES.encode()))
    assert not at.exception
    assert at.error and "Nothing loaded" in at.error[0].value and "unchanged" in at.error[0].value
    issues = next(t for t in tables(at) if "expected" in t.columns)
    bad = issues[issues["severity"] == "error"].iloc[0]
    assert (bad["file"], int(bad["line"]), bad["column"], bad["value"]) == ("budget.csv", 2, "period", "Smarch 2019")
    assert sha256(db_copy) == before


def test_a_good_upload_is_seen_by_every_page_and_reveals_no_path(db_copy, local_analyst) -> None:
    at = open_data_page()
    upload(at, ("deliverables.csv", HOSTILE_DELIVERABLES.encode()))
    assert not at.exception
    message = at.success[0].value
    assert "Loaded 1 file" in message and str(db_copy.parent) not in message and "/" not in message
    files = next(t for t in tables(at) if "added" in t.columns and "table" in t.columns)
    assert files[["file", "table", "added", "replaced"]].values.tolist() == [["deliverables.csv", "deliverables", 1, 0]]
    history = next(t for t in tables(at) if "file_sha256" in t.columns)
    assert history["load_id"].iloc[0] == 2
    assert history["loaded_by"].iloc[0].startswith("local analyst (")
    at.switch_page("pages/delivery.py").run()
    assert "2018-19 Q4" in at.selectbox(key="delivery_quarter").options


def test_data_page_lists_warnings_of_a_good_upload(db_copy, local_analyst) -> None:
    at = open_data_page()
    extract = HOSTILE_DELIVERABLES.replace("update\n", "update,notes\n", 1).replace('"\n', '",extra\n')
    upload(at, ("deliverables_q4.csv", extract.encode()))
    assert at.success and not at.error
    issues = next(t for t in tables(at) if "expected" in t.columns)
    assert issues["severity"].tolist() == ["warning"] and issues["column"].tolist() == ["notes"]


def test_an_upload_over_the_cap_is_refused_with_its_size(db_copy, local_analyst, monkeypatch) -> None:
    from ui import data_changes

    monkeypatch.setattr(data_changes, "max_upload_bytes", lambda: 1_000)
    before = sha256(db_copy)
    at = open_data_page()
    upload(at, ("deliverables.csv", HOSTILE_DELIVERABLES.encode() + b"x" * 2_000))
    issues = next(t for t in tables(at) if "expected" in t.columns)
    assert issues[["file", "value"]].values.tolist() == [["deliverables.csv", "2 kB"]]
    assert issues["expected"].iloc[0].startswith("expected an upload of at most 1 kB; load bigger")
    assert sha256(db_copy) == before


def test_analyst_restores_an_earlier_version(db_copy, local_analyst) -> None:
    at = open_data_page()
    assert "data_restore" not in change_widgets(at)  # nothing kept yet
    upload(at, ("deliverables.csv", HOSTILE_DELIVERABLES.encode()))
    at = open_data_page()
    versions = next(t for t in tables(at) if "after_load" in t.columns)
    assert versions["after_load"].tolist() == [1]
    at.selectbox(key="data_restore_load").select(1).run()
    assert at.button(key="data_restore").disabled
    at.checkbox(key="data_restore_confirm").check().run()
    at.button(key="data_restore").click().run()
    assert not at.exception
    assert [plain(m.value) for m in at.success] == [
        "Restored the figures as they were after load 1 (recorded as load 3)."]
    history = next(t for t in tables(at) if "file_sha256" in t.columns)
    assert history[["load_id", "source"]].iloc[0].tolist() == [3, "restore"]
    with duckdb.connect(str(db_copy), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM deliverables WHERE quarter = '2018-19 Q4'").fetchone()[0] == 0
