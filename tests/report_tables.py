"""Reading the dashboard's HTML report tables back as data frames, in AppTest and from HTML text."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd

LABEL_CLASS = "cell-label"


class _TableParser(HTMLParser):
    """Collects each <table>'s caption, header and body cells; the phone-card labels are skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_label = 0
        self._in_caption = False
        self._section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table":
            self.tables.append({"caption": "", "head": [], "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr" and self._section == "tbody":
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "span" and LABEL_CLASS in classes:
            self._in_label += 1
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag == "span" and self._in_label:
            self._in_label -= 1
        elif tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell)
            target = self.tables[-1]["head"] if self._section == "thead" else self.tables[-1]["rows"][-1]
            target.append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None and not self._in_label:
            self._cell.append(data)


def tables_in_html(text: str) -> list[pd.DataFrame]:
    """Every report table in `text`, cells as text, the caption in `frame.attrs['caption']`."""
    parser = _TableParser()
    parser.feed(text)
    frames = []
    for table in parser.tables:
        frame = pd.DataFrame(table["rows"], columns=table["head"]) if table["rows"] else pd.DataFrame(columns=table["head"])
        frame.attrs["caption"] = table["caption"]
        frames.append(frame)
    return frames


def html_bodies(at) -> list[str]:  # noqa: ANN001 - streamlit.testing AppTest or an element tree node
    """The body of every `st.html` element, in page order (the stylesheet left out)."""
    return [node.proto.body for node in at.get("html") if "<table" in node.proto.body]


def report_tables(at) -> list[pd.DataFrame]:  # noqa: ANN001
    """Every report table the page drew with `show_report_table`, in page order."""
    return [frame for body in html_bodies(at) for frame in tables_in_html(body)]
