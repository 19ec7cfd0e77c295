"""The shared vocabulary: contrast of every colour, directions, formats, theme names."""

import pytest

from dashboard import charts, domain


def _relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(hex_colour: str) -> float:
    return 1.05 / (_relative_luminance(hex_colour) + 0.05)


ALL_MARK_COLOURS = (
    [s.colour for s in domain.RAG_STATUSES]
    + [s.colour for s in domain.DIRECTION_STYLES.values()]
    + [s.colour for s in domain.EXCEPTION_STYLES.values()]
    + list(charts.CATEGORICAL_PALETTE)
)


@pytest.mark.parametrize("colour", ALL_MARK_COLOURS)
def test_mark_colours_reach_3_to_1_against_white(colour: str) -> None:
    """WCAG 2.2 non-text contrast: chart marks need 3:1 against the white background."""
    assert contrast_with_white(colour) >= 3.0


def test_contrast_helper_matches_known_values() -> None:
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#FFFFFF") == pytest.approx(1.0)


def test_every_rag_status_and_direction_has_words_and_an_icon() -> None:
    """Colour is never the only cue."""
    for status in domain.RAG_STATUSES:
        assert status.label and status.icon
        assert domain.rag_label(status.code) == f"{status.icon} {status.label}"
    for style in domain.DIRECTION_STYLES.values():
        assert style.label and style.icon


def test_grades_score_best_highest() -> None:
    assert domain.grade_score("Outstanding") == 5
    assert domain.grade_score("Inadequate") == 1
    assert domain.format_value(2, domain.GRADE) == "Requires Improvement"


def test_formats_match_the_reports() -> None:
    assert domain.format_value(4872, domain.COUNT) == "4,872"
    assert domain.format_value(33.2, domain.PERCENT) == "33.2%"
    assert domain.format_money_k(188209) == "£188.2m"
    assert domain.format_money_k(1052, signed=True) == "+£1.1m"
    assert domain.format_money_k(-36) == "-£36k"
    assert domain.format_change(10.2345, "percent") == "+10.2%"
    assert domain.format_change(-2.7, "points") == "-2.7 pts"
    assert domain.format_change(-1, "steps") == "-1 step"
    assert domain.rag_summary_text(14, 14) == "14/14 (100%)"
    assert domain.rag_summary_text(0, 0) == "0/0 (0%)"


def test_canonical_theme_maps_report_short_names() -> None:
    assert domain.canonical_theme("Supporting victims") == "Helping and supporting victims"
    assert domain.canonical_theme("  tackling crime  and ASB ") == "Tackling crime and ASB"
    assert domain.canonical_theme("A new theme") == "A new theme"
    assert domain.theme_sort_key("Protecting people from harm") < domain.theme_sort_key("Zeta")
