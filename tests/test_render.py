"""ui.render.escape_markdown: names from links and extracts shown literally in Markdown-rendered text.

Streamlit's Markdown is GitHub-flavoured: it links bare `www.x`, `https://x` and `a@x.y` even
when their characters are backslash-escaped, so escape_markdown puts an invisible word joiner
inside each. The real renderer is checked in tests/test_browser.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.render import WORD_JOINER, escape_markdown

#: What GitHub-flavoured Markdown (remark-gfm) links without any brackets.
AUTOLINK_TRIGGERS = re.compile(r"(?i)www\.|://|[-.\w+]@")


def shown(escaped: str) -> str:
    """The text a reader sees: backslash escapes read, word joiners invisible."""
    return re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "")


@pytest.mark.parametrize("text", [
    "www.evil.example/login",
    "WWW.EVIL.EXAMPLE",
    "https://evil.example",
    "HTTP://evil.example/a?b=c",
    "see:https://www.evil.example",
    "a@evil.example",
    "mailto:a@evil.example",
    "xmpp:a@evil.example/x",
    "Area: 'https://evil.example' has nothing to show here; showing all.",
    "(www.evil.example)",
    "x_www.evil.example",
])
def test_bare_addresses_are_broken_but_read_the_same(text: str) -> None:
    escaped = escape_markdown(text)
    assert not AUTOLINK_TRIGGERS.search(escaped.replace("\\", "")), escaped
    assert WORD_JOINER in escaped
    assert shown(escaped) == text


def test_markdown_specials_are_still_escaped() -> None:
    assert escape_markdown("[link](javascript:alert(1)) <b>x</b>") == (
        r"\[link\]\(javascript\:alert\(1\)\) \<b\>x\</b\>")
    assert escape_markdown("1. first") == r"1\. first"
    assert escape_markdown("- item") == r"\- item"


def test_ordinary_names_get_no_word_joiner() -> None:
    for text in ("Recorded crime: Burglary", "Report to Jan 2019 · all themes", "3.5% pts", "Newark and Sherwood"):
        assert WORD_JOINER not in escape_markdown(text)


@given(st.text().filter(lambda t: WORD_JOINER not in t))
def test_the_reader_sees_the_text_with_its_whitespace_collapsed(text: str) -> None:
    escaped = escape_markdown(text)
    assert shown(escaped) == " ".join(text.split())
    assert not AUTOLINK_TRIGGERS.search(escaped.replace("\\", ""))
