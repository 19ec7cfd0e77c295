"""The summary's variation and assurance icons: our own small SVGs, never the only cue.

Making Data Count draws each variation and assurance as an icon. Ours are drawn here, in the
shapes the SPC chart already gives its points (`dashboard.spc`: a diamond for improvement, a
square for concern, a triangle up or down for a neutral measure's high or low), with a mark
inside (✔, ✖, a letter P, F or ?), so shape and mark say what colour says. The words always
stand beside the icon in the same cell, so the icon is decorative to a screen reader (`alt=""`):
read aloud it would only repeat them. Colours are the Okabe-Ito better/worse
colours of `dashboard.domain`, darkened where needed (`charts.ink`) so a white mark on them reads
at 4.5:1.
"""

from __future__ import annotations

import base64

from dashboard import domain, spc
from dashboard.charts import TEXT_COLOUR, ink

#: The icon's size on the page: a little taller than the table's text, beside which it sits.
SIZE_PX = 20
IMPROVEMENT_FILL = ink(domain.DIRECTION_STYLES[domain.BETTER].colour)
CONCERN_FILL = ink(domain.DIRECTION_STYLES[domain.WORSE].colour)
NEUTRAL_FILL = ink(domain.DIRECTION_STYLES[domain.HIGHER].colour)
WHITE = "#FFFFFF"

_TICK = f'<path d="M7 12.5l3.2 3.2L17 8.8" fill="none" stroke="{WHITE}" stroke-width="2.6" stroke-linecap="round"/>'
_CROSS = (f'<path d="M8.5 8.5l7 7M15.5 8.5l-7 7" fill="none" stroke="{WHITE}" stroke-width="2.6" '
          'stroke-linecap="round"/>')
_WAVE = (f'<path d="M5.5 12c2-3.2 4.5-3.2 6.5 0s4.5 3.2 6.5 0" fill="none" stroke="{NEUTRAL_FILL}" '
         'stroke-width="2.2" stroke-linecap="round"/>')

#: Each variation's shape and mark (SVG elements in a 24 x 24 box).
_VARIATION_SHAPES: dict[str, str] = {
    spc.COMMON_CAUSE: f'<circle cx="12" cy="12" r="10" fill="{WHITE}" stroke="{NEUTRAL_FILL}" stroke-width="2"/>'
                      + _WAVE,
    spc.SPECIAL_IMPROVEMENT: f'<path d="M12 1.5L22.5 12 12 22.5 1.5 12z" fill="{IMPROVEMENT_FILL}"/>' + _TICK,
    spc.SPECIAL_CONCERN: f'<rect x="2.5" y="2.5" width="19" height="19" rx="1.5" fill="{CONCERN_FILL}"/>' + _CROSS,
    spc.SPECIAL_HIGH: f'<path d="M12 2.5L22.5 21H1.5z" fill="{NEUTRAL_FILL}"/>',
    spc.SPECIAL_LOW: f'<path d="M12 21.5L22.5 3H1.5z" fill="{NEUTRAL_FILL}"/>',
}


def _letter(letter: str, colour: str) -> str:
    return (f'<text x="12" y="16.6" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
            f'font-size="13" font-weight="700" fill="{colour}">{letter}</text>')


#: Each assurance's circle and letter: P passing, F failing, ? hit and miss, – none.
_ASSURANCE_SHAPES: dict[str | None, str] = {
    spc.ASSURANCE_PASS: f'<circle cx="12" cy="12" r="11" fill="{IMPROVEMENT_FILL}"/>' + _letter("P", WHITE),
    spc.ASSURANCE_FAIL: f'<circle cx="12" cy="12" r="11" fill="{CONCERN_FILL}"/>' + _letter("F", WHITE),
    spc.ASSURANCE_HIT_AND_MISS: (f'<circle cx="12" cy="12" r="10" fill="{WHITE}" stroke="{TEXT_COLOUR}" '
                                 'stroke-width="2"/>' + _letter("?", TEXT_COLOUR)),
    None: (f'<circle cx="12" cy="12" r="10" fill="{WHITE}" stroke="{NEUTRAL_FILL}" stroke-width="2" '
           'stroke-dasharray="3 2.2"/>' + _letter("–", NEUTRAL_FILL)),
}


def _svg(body: str) -> str:
    """A standalone SVG document in a 24 x 24 box."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE_PX}" height="{SIZE_PX}" '
            f'viewBox="0 0 24 24">{body}</svg>')


def _img(kind: str, svg: str) -> str:
    """The icon as an <img> of its SVG: Streamlit's HTML sanitiser keeps images but drops inline
    <svg>. `alt=""` marks it decorative (the words beside it say the same), so a screen reader
    skips it rather than repeat them."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img class="mdc-icon mdc-{kind}" src="data:image/svg+xml;base64,{data}" alt="" aria-hidden="true" '
            f'width="{SIZE_PX}" height="{SIZE_PX}" style="vertical-align:-0.3em;margin-right:0.35em">')


def variation_svg(variation: str) -> str:
    """The variation's icon as an SVG document; a variation it does not know is a programming error."""
    return _svg(_VARIATION_SHAPES[variation])


def assurance_svg(assurance: str | None) -> str:
    """The assurance's icon as an SVG document; None (no target, or a neutral measure) has its own."""
    return _svg(_ASSURANCE_SHAPES[assurance])


def variation_icon(variation: str) -> str:
    """The variation's icon, as the markup a report table puts before its words."""
    return _img(variation.replace(" ", "-"), variation_svg(variation))


def assurance_icon(assurance: str | None) -> str:
    """The assurance's icon, as the markup a report table puts before its words."""
    return _img((assurance or "none").replace(" ", "-"), assurance_svg(assurance))
