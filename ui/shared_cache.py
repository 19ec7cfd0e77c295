"""One process-wide memo for what every session's page builds alike: figures and report tables.

Twenty councillors opening the same report build the same charts and tables from the same
figures. Built once and handed to every session, a Plotly figure costs a session nothing
(building one with its template and layout takes 20-50 ms of the interpreter that every session
shares). `ui.data.cached_view` keys each result by the database version it was read from, the
function and a fingerprint of its arguments' contents, so a swapped-in load, another filter or a
frame filtered differently never meets an old result.

Results are shared, not copied: whoever receives one must not change it (the renderers copy a
figure before retitling it, and only read tables). No Streamlit here, so it can be tested bare.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Unfingerprintable(TypeError):
    """An argument that cannot be pickled, so its contents cannot be summed up."""


def fingerprint(value: Any) -> str:
    """A digest of `value`'s contents: the BLAKE2b of its pickle.

    A pickle is the recipe for rebuilding the value, so two values with the same pickle hold the
    same contents (values, index, column names and dtypes of a DataFrame; every field of a
    dataclass; lists, dicts, dates, ...): a key never matches a different argument. Equal
    contents built in a different order (a dict's keys) may pickle differently, which costs a
    rebuild, never a wrong result. About 0.1 ms for a report's frames, where hashing them
    column by column (pandas' hash_pandas_object, with lists in cells) took ten times longer.
    """
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        raise Unfingerprintable(f"cannot fingerprint a {type(value).__name__}: {error}") from error
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class SharedCache:
    """A thread-safe LRU memo that computes each key once, however many threads ask at once."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
            key_lock = self._computing.setdefault(key, threading.Lock())
        # One thread computes; the others asking for the same key wait for its result rather
        # than each building the same figure (20 readers arriving at once).
        with key_lock:
            with self._lock:
                if key in self._values:
                    self.hits += 1
                    return self._values[key]
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:
                self.misses += 1
                self._values[key] = value
                self._values.move_to_end(key)
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
                self._computing.pop(key, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)
