"""Sign-in end to end in a real browser: readers see no upload, an analyst signs in, loads and restores.

One app (`streamlit run` on loopback, with a temporary secrets.toml) and one local OpenID Connect
provider (`oidc-provider-mock`, in a thread of this process) serve every test; the reader and the
analyst each get their own browser context (their own cookies). The figures and the load history
are checked in the database file: `st.dataframe` draws its cells on a canvas, and the Data page's
CSV downloads are not used because a click on a deferred `st.download_button` also reruns the page
(`on_click="rerun"`, the default), and on a busy machine that rerun sometimes drops the callable
before the download asks for it (about 1 click in 15 here: the button spins, nothing arrives).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from browser_support import free_port, wait_healthy

from loaders.load import load_extracts

sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("authlib.deprecate")  # it sets its warning to "always" when imported
with warnings.catch_warnings():  # the mock provider imports Authlib modules Authlib calls deprecated
    warnings.simplefilter("ignore", DeprecationWarning)
    oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
# ... and, serving a token, calls Authlib in ways Authlib calls deprecated: not this project's code.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [ROOT / "data" / name for name in ("measures.csv", "deliverables.csv", "budget.csv")]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
if not Path(CHROMIUM).exists():  # the suite's `make test` installs it; say so rather than pass
    pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium)", pytrace=False)

EXCEPTION_BLOCK = '[data-testid="stException"]'
WORD_JOINER = "\u2060"  # what ui.render.escape_markdown puts inside an address (invisible)
ANALYST = "analyst@opcc.example"
READER = "councillor@council.example"
MEASURE = "Adult and child safeguarding referrals"
#: The one measure changed: data/measures.csv has "5,369 (Jan 2019)" and +10.2% on 4,872.
UPLOADED_EXTRACT = (
    "period,theme,measure,polarity,unit,baseline,baseline_period,current,current_period,trend,"
    "headline,exception,comment\n"
    f"2019-01,Protecting people from harm,{MEASURE},higher_is_better,count,\"4,872 (Jan 2018)\",,"
    "\"5,500 (Jan 2019)\",,+12.9%,yes,positive,Revised figure from the force\n"
)
TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Stack:
    app: str       # http://localhost:PORT: the host in redirect_uri, so the auth cookie is sent back
    db_path: Path
    log: Path      # the app's output


def _secrets_toml(app_port: int, provider_port: int) -> str:
    return (
        "[auth]\n"
        f'redirect_uri = "http://localhost:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "opcc-dashboard"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
        "\n[access]\n"
        f'analysts = ["{ANALYST}"]\n'
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("sign_in")
    db_path = folder / "dashboard.duckdb"
    # Load 1: the sample. Load 2: the budget again, so an earlier version (after load 1) is kept
    # from the start and the reader's page would show a Restore control if it offered one.
    for paths in (SAMPLE, SAMPLE[2:]):
        report = load_extracts(paths, db_path)
        assert report.ok, report.to_text()
    users = [
        oidc_provider_mock.User(sub="analyst", claims={"email": ANALYST, "email_verified": True,
                                                       "name": "Ana Lyst"}),
        oidc_provider_mock.User(sub="councillor", claims={"email": READER, "email_verified": True,
                                                          "name": "Con Cillor"}),
    ]
    with oidc_provider_mock.run_server_in_thread(port=0, user_claims=users,
                                                 require_client_registration=False) as provider:
        app_port = free_port()
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(_secrets_toml(app_port, provider.server_port), encoding="utf-8")
        log = (folder / "streamlit.log").open("wb")  # a file, not a pipe nobody reads (it could fill)
        env = {**os.environ, "DASHBOARD_DB": str(db_path), "NO_PROXY": "127.0.0.1,localhost",
               "no_proxy": "127.0.0.1,localhost"}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.port", str(app_port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--secrets.files", str(secrets_file),
             # Others edit this tree while tests run: no reloading of changed modules mid-test.
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://localhost:{app_port}"
        try:
            wait_healthy(base, server)
            yield Stack(base, db_path, folder / "streamlit.log")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _new_tab(browser: object) -> tuple[object, object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    # The provider's page links a stylesheet on a CDN: nothing leaves this machine.
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(("http://localhost", "http://127.0.0.1"))
                  else route.abort())
    return context, context.new_page()


@pytest.fixture(scope="module")
def reader_tab(browser: object) -> Iterator[object]:
    context, tab = _new_tab(browser)
    yield tab
    context.close()


@pytest.fixture(scope="module")
def analyst_tab(browser: object) -> Iterator[object]:
    context, tab = _new_tab(browser)
    yield tab
    context.close()


#: True once the script has finished and no lazily loaded element is still a placeholder.
_SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]');
}"""


def _wait_for_page(tab: object, title: str, timeout_ms: int = TIMEOUT_MS) -> None:
    tab.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=timeout_ms)
    tab.wait_for_function(_SETTLED, timeout=timeout_ms)


def _open_data_page(tab: object, stack: Stack) -> None:
    tab.goto(f"{stack.app}/data")
    _wait_for_page(tab, "Data", timeout_ms=60_000)  # the first request may meet a cold server
    tab.get_by_role("heading", name="Earlier versions", exact=True).first.wait_for()
    assert tab.locator(EXCEPTION_BLOCK).count() == 0, tab.locator(EXCEPTION_BLOCK).first.inner_text()


def _sidebar_text(tab: object) -> str:
    return tab.get_by_test_id("stSidebar").inner_text().replace(WORD_JOINER, "")


def _change_controls(tab: object) -> dict[str, int]:
    """How many of the analyst's controls the page shows (each should be 0 for a reader)."""
    return {
        "Extract files": tab.get_by_test_id("stFileUploader").count()
        + tab.locator('input[type="file"]').count(),
        "Check and load": tab.get_by_role("button", name="Check and load").count(),
        "Restore": tab.get_by_role("button", name="Restore", exact=True).count(),
        "Restore the figures": tab.get_by_text("Restore the figures as they were after load").count(),
    }


def _sign_in(tab: object, stack: Stack, sub: str) -> None:
    """Through the sidebar's button and the provider's form, back to the app signed in."""
    _open_data_page(tab, stack)
    tab.get_by_test_id("stSidebar").get_by_role("button", name="Sign in").click()
    tab.get_by_role("heading", name="Authorize Client").wait_for()
    assert tab.url.startswith("http://127.0.0.1:"), tab.url  # at the provider, not the app
    tab.locator('input[name="sub"]').fill(sub)
    tab.get_by_role("button", name="Authorize", exact=True).click()
    tab.wait_for_url(f"{stack.app}/**")
    tab.get_by_test_id("stSidebar").get_by_text("Signed in as").first.wait_for()
    _open_data_page(tab, stack)


def _choose(tab: object, combobox: object, option: str, attempts: int = 5) -> None:
    """Pick an option of a selectbox, opening its list again if something closed it."""
    for _ in range(attempts):
        # A scroll closes an open list (react-aria), so scroll first and let it settle.
        combobox.scroll_into_view_if_needed()
        tab.wait_for_timeout(300)
        combobox.click()
        item = tab.get_by_role("listbox").get_by_role("option", name=option, exact=True)
        try:
            item.wait_for(timeout=3_000)
        except sync_api.TimeoutError:
            tab.keyboard.press("Escape")
            continue
        item.click()
        sync_api.expect(combobox).to_have_value(option)
        return
    raise AssertionError(f"the selectbox did not open to offer {option!r}")


def _wait_for_success(tab: object, stack: Stack, message: str) -> None:
    """The success message of a load or restore (a child process: allow for a loaded machine)."""
    try:
        tab.get_by_test_id("stAlertContentSuccess").filter(has_text=message).wait_for(timeout=90_000)
    except sync_api.TimeoutError:
        alerts = [a.inner_text() for a in tab.get_by_role("alert").all()]
        raise AssertionError(f"no {message!r}; alerts shown: {alerts}; "
                             f"app output: {stack.log.read_text(errors='replace')[-3000:]}") from None


def _load_log(db_path: Path) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            "SELECT load_id, loaded_by, load_source, restored_load_id, file_name FROM load_log "
            "ORDER BY load_id, file_name").fetchall()


def _current_figure(db_path: Path) -> tuple[str, float]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("SELECT current_text, current_value FROM measures "
                           "WHERE measure = ? AND period = DATE '2019-01-01'", [MEASURE]).fetchone()


# --- 1 and 2: readers ---


def test_a_reader_who_is_not_signed_in_sees_no_upload(stack: Stack, reader_tab: object) -> None:
    _open_data_page(reader_tab, stack)
    reader_tab.get_by_test_id("stSidebar").get_by_role("button", name="Sign in").wait_for()
    assert reader_tab.get_by_text("sign in (in the sidebar)").count() == 1
    # An earlier version is kept (load 2 replaced load 1's file), yet no control to restore it.
    assert reader_tab.get_by_text("No earlier version is kept yet").count() == 0
    controls = _change_controls(reader_tab)
    assert controls == dict.fromkeys(controls, 0)
    assert "Signed in as" not in _sidebar_text(reader_tab)


def test_a_signed_in_reader_still_sees_no_upload(stack: Stack, reader_tab: object) -> None:
    _sign_in(reader_tab, stack, "councillor")
    reader_tab.get_by_text("Signed in as a reader.").first.wait_for()
    assert f"Signed in as {READER} (reader)" in _sidebar_text(reader_tab)
    assert reader_tab.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").count() == 1
    assert reader_tab.get_by_test_id("stSidebar").get_by_role("button", name="Sign in").count() == 0
    controls = _change_controls(reader_tab)
    assert controls == dict.fromkeys(controls, 0)


# --- 3 and 4: the analyst ---


def test_the_analyst_signs_in_and_uploads_an_extract(stack: Stack, analyst_tab: object) -> None:
    assert _current_figure(stack.db_path) == ("5,369 (Jan 2019)", 5369)
    _sign_in(analyst_tab, stack, "analyst")
    assert f"Signed in as {ANALYST} (analyst)" in _sidebar_text(analyst_tab)
    analyst_tab.get_by_role("heading", name="Upload extracts", exact=True).wait_for()
    # The same look-ups the reader tests expect to find nothing do find the analyst's controls.
    controls = _change_controls(analyst_tab)
    assert all(controls.values()), controls

    analyst_tab.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "measures.csv", "mimeType": "text/csv", "buffer": UPLOADED_EXTRACT.encode()})
    load = analyst_tab.get_by_role("button", name="Check and load")
    sync_api.expect(load).to_be_enabled()
    load.click()
    _wait_for_success(analyst_tab, stack, "Loaded 1 file (load 3).")
    assert analyst_tab.locator(EXCEPTION_BLOCK).count() == 0

    assert _current_figure(stack.db_path) == ("5,500 (Jan 2019)", 5500)
    # The history (the page's table is a canvas; its load_log.csv download is not used: see the
    # module's docstring).
    assert _load_log(stack.db_path)[-1] == (3, ANALYST, "upload", None, "measures.csv")


def test_the_analyst_restores_the_version_after_load_1(stack: Stack, analyst_tab: object) -> None:
    assert _load_log(stack.db_path)[-1][:3] == (3, ANALYST, "upload"), "the upload test did not load"
    _open_data_page(analyst_tab, stack)
    choice = analyst_tab.get_by_role("combobox", name="Restore the figures as they were after load")
    sync_api.expect(choice).to_have_value("2")  # the newest kept version comes first
    _choose(analyst_tab, choice, "1")
    confirm = analyst_tab.get_by_test_id("stCheckbox").filter(
        has_text="I want every page to show the figures as they were after load 1")
    restore = analyst_tab.get_by_role("button", name="Restore", exact=True)
    sync_api.expect(restore).to_be_disabled()  # not before the box is ticked
    confirm.locator("label").click()
    sync_api.expect(restore).to_be_enabled()
    analyst_tab.wait_for_function(_SETTLED)
    restore.click()
    _wait_for_success(analyst_tab, stack, "Restored the figures as they were after load 1 (recorded as load 4).")
    assert analyst_tab.locator(EXCEPTION_BLOCK).count() == 0

    assert _current_figure(stack.db_path) == ("5,369 (Jan 2019)", 5369)
    restores = [row for row in _load_log(stack.db_path) if row[0] == 4]
    assert restores and all(row[1:4] == (ANALYST, "restore", 1) for row in restores), restores
