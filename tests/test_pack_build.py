"""The panel pack, beyond tests/test_pack.py: the description --help prints, an output folder
that does not exist yet, the browser started on a thread of its own while the figures are read,
and the chart images' width.

Each test here makes what it checks itself: mutmut runs, for a mutant, only the tests that
called the mutated function, and a module-scoped fixture (tests/test_pack.py's documents) calls
it in the first test that asks for it only."""

from __future__ import annotations

import struct
import threading
import zlib
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.shared import Cm

from dashboard import pack
from dashboard.db import connect_readonly
from dashboard.export import ExportUnavailable


class NoBrowser:
    """An exporter without a browser: the pack is written without chart images."""

    def available(self) -> bool:
        return False

    def unavailable_reason(self) -> str:
        return "No browser in this test."

    def close(self) -> None:
        pass


def test_help_describes_the_pack_in_the_docstrings_first_paragraph_only(capsys) -> None:
    """--help prints the module docstring's first paragraph as the description: not its usage
    example or the paragraphs about the document that follow."""
    with pytest.raises(SystemExit) as raised:
        pack.main(["--help"])
    assert raised.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    description = text.split(" [--db DB] ", 1)[1].split(" options: ", 1)[0]
    assert description == ("The quarterly panel pack: a Word document laid out like the report's performance section, "
                           "and a ZIP of every chart (PNG and SVG) and table (CSV).")


def test_out_may_name_a_folder_whose_parents_do_not_exist_yet(sample_db: Path, tmp_path: Path, monkeypatch,
                                                              capsys) -> None:
    """--out build/packs/2024: the missing folders are made, parents and all, and the pack written there."""
    monkeypatch.setattr(pack, "Exporter", NoBrowser)
    out = tmp_path / "build" / "packs" / "2024"
    assert pack.main(["--period", "2024-12", "--out", str(out), "--db", str(sample_db)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["panel-pack-2024-12.docx", "panel-pack-2024-12.zip"]
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Wrote {out / 'panel-pack-2024-12.docx'} and {out / 'panel-pack-2024-12.zip'} (0 charts, ")
    assert captured.err.splitlines()[-1] == "warning: No browser in this test."


class ThreadRecordingExporter(NoBrowser):
    """Available, but it cannot start; it records the thread `start` ran on."""

    def __init__(self) -> None:
        self.start_thread: threading.Thread | None = None

    def available(self) -> bool:
        return True

    def start(self) -> None:
        self.start_thread = threading.current_thread()
        raise ExportUnavailable("This stand-in browser never starts.")


def test_the_browser_starts_on_its_own_named_thread(sample_db: Path, tmp_path: Path) -> None:
    """The browser is started on a worker thread (the figures are read meanwhile), named
    pack-browser so that a hang there is easy to find in a thread dump."""
    exporter = ThreadRecordingExporter()
    with connect_readonly(sample_db) as con:
        result = pack.build_panel_pack(con, date(2024, 12, 1), tmp_path, exporter=exporter)
    assert result.notes == ("This stand-in browser never starts.",)
    assert exporter.start_thread is not None and exporter.start_thread is not threading.main_thread()
    assert exporter.start_thread.name.startswith("pack-browser_")


def one_pixel_png() -> bytes:
    """A valid 1 x 1 PNG: python-docx embeds it at its own size unless told a width."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


def test_every_chart_image_is_17_cm_wide(sample_db: Path, tmp_path: Path) -> None:
    """Each chart image fills the A4 text width (17 cm between 2 cm margins), whatever the
    image's own size."""
    with connect_readonly(sample_db) as con:
        content = pack.gather_pack_content(con, date(2024, 12, 1))
    charts = content.all_charts()
    path = tmp_path / "pack.docx"
    pack.write_docx(content, {chart.stem: one_pixel_png() for chart in charts}, path)
    shapes = docx.Document(str(path)).inline_shapes
    assert len(shapes) == len(charts) > 0
    assert [shape.width for shape in shapes] == [Cm(17.0)] * len(charts)
