"""A browser-less Streamlit client: Streamlit's own websocket protocol, as its frontend speaks it.

The frontend opens a websocket on `/_stcore/stream` (subprotocol `streamlit`), sends a
`BackMsg` whose `rerun_script` names the page (`page_name`, the page's url_path) and the link's
query string, and reads `ForwardMsg`s until `script_finished`. Like the frontend, it keeps the
hashes of the cacheable elements it has received and sends them with every rerun, so the
server sends a short reference instead of an element the client already holds
(`streamlit/runtime/forward_msg_cache.py`). Element exceptions arrive as
`delta.new_element.exception`: `PageRun.exceptions` lists them, and `run_page` raises on one.

Used by `benchmarks/bench_concurrency.py` and `tests/test_serve.py`.
"""

from __future__ import annotations

import asyncio
import http.cookies
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

FINISHED = ForwardMsg.ScriptFinishedStatus
#: A page run that has not finished after this long is an error, not a slow figure.
RUN_TIMEOUT_S = 120.0


class PageError(RuntimeError):
    """A page run showed an exception element, or did not finish."""


@dataclass
class PageRun:
    page: str
    seconds: float
    bytes_received: int
    messages: int
    exceptions: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # markdown, text, HTML and captions, in order


def element_text(msg: ForwardMsg) -> str | None:
    """The visible text of a text-like element (markdown, heading, text, caption, HTML), else None."""
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return None
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind in ("markdown", "heading", "text", "html", "metric"):
        part = getattr(element, kind)
        return getattr(part, "body", None) or getattr(part, "label", None)
    return None


def sticky_cookie(base: str, cookie: str | None = None) -> tuple[str | None, dict[str, str]]:
    """GET `base`/ as a browser loads the app's page first: the proxy's cookie (if any) and the
    response's headers. With `cookie`, sends it, as a browser does on its next visit."""
    request = urllib.request.Request(f"{base}/", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        headers = {k.lower(): v for k, v in response.headers.items()}
        jar = http.cookies.SimpleCookie()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar.load(value)
    cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
    return cookies or cookie, headers


class Session:
    """One reader's session: one websocket, page runs one after another."""

    def __init__(self, base: str, cookie: str | None = None) -> None:
        self.base = base
        self.cookie = cookie
        self._ws: ClientConnection | None = None
        self._cached: set[str] = set()
        self.response_headers: dict[str, str] = {}
        #: Called with each ForwardMsg and its size in bytes (e.g. to see what a page sends).
        self.on_message: Callable[[ForwardMsg, int], None] | None = None

    async def __aenter__(self) -> Session:
        url = self.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self._ws = await connect(url, subprotocols=["streamlit"], additional_headers=headers,
                                 max_size=None, open_timeout=30, ping_interval=None)
        self.response_headers = {k.lower(): v for k, v in self._ws.response.headers.raw_items()}
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def run_page(self, page: str, query_string: str = "", raise_on_exception: bool = True) -> PageRun:
        """Ask for `page` (its url_path) with `query_string`; wait for the run to finish."""
        assert self._ws is not None, "use the session as `async with Session(...)`"
        back = BackMsg()
        back.rerun_script.page_name = page
        back.rerun_script.query_string = query_string
        back.rerun_script.cached_message_hashes.extend(sorted(self._cached))
        start = time.perf_counter()
        await self._ws.send(back.SerializeToString())
        run = PageRun(page, 0.0, 0, 0)
        deadline = start + RUN_TIMEOUT_S
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise PageError(f"{page}?{query_string}: no script_finished within {RUN_TIMEOUT_S:.0f} s")
            data = await asyncio.wait_for(self._ws.recv(), timeout=remaining)
            run.bytes_received += len(data)
            run.messages += 1
            msg = ForwardMsg()
            msg.ParseFromString(data)
            if self.on_message is not None:
                self.on_message(msg, len(data))
            if msg.metadata.cacheable and msg.hash:
                self._cached.add(msg.hash)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "exception":
                    run.exceptions.append(f"{element.exception.type}: {element.exception.message}\n"
                                          + "\n".join(element.exception.stack_trace))
                text = element_text(msg)
                if text:
                    run.texts.append(text)
            elif kind == "page_not_found":
                raise PageError(f"{page}: page not found")
            elif kind == "script_finished":
                status = msg.script_finished
                if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    continue  # the script asked for a rerun (st.rerun): its next run follows
                if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    raise PageError(f"{page}: the script did not compile")
                break
        run.seconds = time.perf_counter() - start
        if run.exceptions and raise_on_exception:
            raise PageError(f"{page}?{query_string} showed an exception:\n" + "\n\n".join(run.exceptions))
        return run
