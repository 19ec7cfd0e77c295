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
import io
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")


class Unfingerprintable(TypeError):
    """An argument that cannot be pickled, so its contents cannot be summed up."""


def _columns(frame: pd.DataFrame) -> tuple:
    """Each column's values. pandas' own accessor where it has one (30 times faster than a
    Series per column, which a 20-column frame felt: 0.6 ms), else the public way."""
    column = getattr(frame, "_get_column_array", None)
    if column is None:
        return tuple(frame.iloc[:, position].array for position in range(frame.shape[1]))
    return tuple(column(position) for position in range(frame.shape[1]))


class _ContentPickler(pickle.Pickler):
    """Pickles a DataFrame or Series as its contents only (labels, dtypes, index, values), not as
    pandas lays it out in memory: a frame copied through st.cache_data's pickle, or with its
    blocks consolidated, pickles as the original does."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, pd.DataFrame):
            return (tuple, ((
                "DataFrame", tuple(obj.columns), tuple(str(t) for t in obj.dtypes), obj.index, _columns(obj)),))
        if isinstance(obj, pd.Series):
            return (tuple, (("Series", obj.name, str(obj.dtype), obj.index, obj.array),))
        return NotImplemented


def fingerprint(value: Any) -> str:
    """A digest of `value`'s contents: the BLAKE2b of its pickle.

    A pickle is the recipe for rebuilding the value, so two values with the same pickle hold the
    same contents (a DataFrame's column names, dtypes, index and values; every field of a
    dataclass; lists, dicts, dates, ...): a key never matches a different argument. The pickle
    keeps no memo (`fast`), so a value shared twice pickles as two equal values do; and frames
    pickle by content (`_ContentPickler`). Equal contents built another way (a dict's keys in
    another order) may still pickle differently, which costs a rebuild, never a wrong result.
    About 0.1-0.4 ms for a report's frames, where hashing them column by column (pandas'
    hash_pandas_object, with lists in cells) took several times longer.
    """
    buffer = io.BytesIO()
    pickler = _ContentPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError) as error:
        raise Unfingerprintable(f"cannot fingerprint a {type(value).__name__}: {error}") from error
    return hashlib.blake2b(buffer.getbuffer(), digest_size=20).hexdigest()


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
