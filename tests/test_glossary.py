"""The glossary: every term the issue names is explained, every page has its note, and the
pages' notes only use terms the glossary has."""

from __future__ import annotations

import pytest

from dashboard import domain, glossary
from ui.navigation import PAGES

REQUIRED = ("Polarity", "Better / worse", "Not comparable", "Published trend", "Computed change",
            "Analyst's call", "Detection rule", "Special cause", "Process limits", "RAG", "White")


@pytest.mark.parametrize("name", REQUIRED)
def test_each_term_is_explained_in_plain_words(name: str) -> None:
    meaning = glossary.meaning(name)
    assert len(meaning.split()) >= 12 and meaning.endswith(".")
    assert glossary.meaning(name.upper()) == meaning  # any case


def test_every_page_has_a_how_to_read_note() -> None:
    assert set(glossary.HOW_TO_READ) == {spec.url_path for spec in PAGES}
    for note, names in glossary.HOW_TO_READ.values():
        assert note.endswith(".")
        assert [t.name for t in glossary.terms(*names)] == list(names)


def test_rag_wording_comes_from_the_statuses() -> None:
    """One place for the RAG meanings: the glossary quotes the domain's."""
    for status in domain.RAG_STATUSES:
        term = "White" if status.code == "W" else "RAG"
        assert status.meaning.lower() in glossary.meaning(term)
        assert status.icon in glossary.meaning(term)


def test_an_unknown_term_is_an_error() -> None:
    with pytest.raises(KeyError):
        glossary.term("synergy")
