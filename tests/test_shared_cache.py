"""Figures and tables built once for every session (`ui.data.cached_view`, `ui/shared_cache.py`):
keyed by the database version and the arguments' contents, built once however many sessions
ask at once, and built anew after a load swaps a new file in."""

from __future__ import annotations

import os
import pickle
import shutil
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from dashboard.charts import ChartMeta
from ui import data
from ui.shared_cache import SharedCache, Unfingerprintable, fingerprint

FRAME = pd.DataFrame({"theme": ["A", "B"], "count": [3, 4], "leads": [["C", "F"], ["P"]]})


def test_equal_contents_share_a_fingerprint_and_any_difference_does_not() -> None:
    same = pickle.loads(pickle.dumps(FRAME))  # as st.cache_data hands each session its own copy
    assert fingerprint((same, ChartMeta("t", "s", "src", "alt"))) == fingerprint((FRAME, ChartMeta("t", "s", "src", "alt")))
    changed_value = FRAME.copy()
    changed_value.loc[1, "count"] = 5
    changed_list = FRAME.copy()
    changed_list.at[0, "leads"] = ["C"]
    renamed = FRAME.rename(columns={"count": "total"})
    retyped = FRAME.astype({"count": "float64"})
    reindexed = FRAME.set_axis([5, 6])
    fingerprints = {fingerprint(f) for f in (FRAME, changed_value, changed_list, renamed, retyped, reindexed,
                                             FRAME.iloc[:1], FRAME.iloc[::-1])}
    assert len(fingerprints) == 8
    assert fingerprint(ChartMeta("t", "s", "src", "alt")) != fingerprint(ChartMeta("t", "s", "src", "other"))
    assert fingerprint((1, 2)) != fingerprint((1.0, 2)) != fingerprint(("1", 2))


def test_what_cannot_be_summed_up_is_refused_not_cached() -> None:
    with pytest.raises(Unfingerprintable):
        fingerprint((threading.Lock(),))


def test_twenty_sessions_asking_at_once_build_once() -> None:
    cache = SharedCache()
    built = []

    def build() -> object:
        built.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it builds
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("key", build))) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert len(results) == 20 and all(result is results[0] for result in results)
    assert cache.misses == 1 and cache.hits == 19


def test_a_failed_build_is_not_kept_and_the_oldest_entry_goes_first() -> None:
    cache = SharedCache(max_entries=2)
    with pytest.raises(ZeroDivisionError):
        cache.get_or_compute("bad", lambda: 1 / 0)
    assert cache.get_or_compute("bad", lambda: "built now") == "built now"
    cache.get_or_compute("second", lambda: 2)
    cache.get_or_compute("bad", lambda: "not again")  # used again: now the newest
    cache.get_or_compute("third", lambda: 3)  # evicts "second", the least recently used
    assert cache.get_or_compute("bad", lambda: "rebuilt") == "built now"
    assert cache.get_or_compute("second", lambda: "rebuilt") == "rebuilt"
    assert len(cache) == 2


def test_cached_view_is_shared_per_database_version_and_rebuilt_after_a_swap(
        sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    data.clear_caches()
    built: list[int] = []

    def summary(frame: pd.DataFrame) -> dict:
        built.append(len(frame))
        return {"rows": len(frame)}

    first = data.cached_view(summary, FRAME)
    assert data.cached_view(summary, pickle.loads(pickle.dumps(FRAME))) is first  # another session's copy
    assert data.cached_view(summary, FRAME.iloc[:1]) == {"rows": 1}  # other rows: built anew
    assert built == [2, 1]

    # A load swaps a new file in (os.replace): a new version, so the same arguments build again.
    replacement = tmp_path / "new.duckdb"
    shutil.copyfile(sample_db, replacement)
    os.replace(replacement, sample_db)
    again = data.cached_view(summary, FRAME)
    assert again is not first and built == [2, 1, 2]
    assert data.cached_view(summary, FRAME) is again
    data.clear_caches()
    assert data.cached_view(summary, FRAME) is not again
