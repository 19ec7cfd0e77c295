"""Reading extract files: which files, which encoding, which records on which lines.

Excel writes CSV as UTF-8 (often with a BOM) or as Windows-1252; both are accepted. Line
numbers are the file's physical lines where a record starts, so a quoted newline inside a
cell moves every later record down, exactly as an editor shows the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from loaders.contract import ERROR, WARNING, FileKind, LoadIssue, kind_of, normalise_header

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
WINDOWS_1252 = "windows-1252"
_BOM = b"\xef\xbb\xbf"
_HEAD_BYTES = 1 << 20


def expand_paths(paths: Sequence[Path | str]) -> tuple[list[Path], list[LoadIssue]]:
    """Files to load: named files as given, folders expanded to their recognised CSV files."""
    files: list[Path] = []
    issues: list[LoadIssue] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and kind_of(p))
            if not found:
                issues.append(_file_issue(path, "a folder holding measures*.csv, series*.csv, "
                                          "deliverables*.csv or budget*.csv files"))
            files.extend(found)
        elif not path.is_file():
            issues.append(_file_issue(path, "a file or folder that exists"))
        elif kind_of(path) is None:
            issues.append(_file_issue(path, "a file named measures*.csv, series*.csv, "
                                      "deliverables*.csv or budget*.csv"))
        else:
            files.append(path)
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return unique, issues


def _file_issue(path: Path, expected: str) -> LoadIssue:
    return LoadIssue(str(path), None, None, None, f"expected {expected}", ERROR)


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else Windows-1252."""
    try:
        data.decode(UTF8)
    except UnicodeDecodeError:
        return WINDOWS_1252
    return UTF8_BOM if data.startswith(_BOM) else UTF8


def decode(data: bytes, encoding: str) -> str:
    # Five bytes are undefined in Windows-1252; a replacement mark beats refusing the file.
    return data.decode(encoding, errors="replace" if encoding == WINDOWS_1252 else "strict")


@dataclass(frozen=True)
class Record:
    line: int  # physical line where the record starts
    cells: list[str]


@dataclass(frozen=True)
class SourceFile:
    """An extract file read once: its bytes, encoding, fingerprint and decoded text."""

    path: Path
    kind: FileKind
    data: bytes
    encoding: str

    @property
    def name(self) -> str:
        return self.path.name

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def text(self) -> str:
        return decode(self.data, self.encoding)

    @cached_property
    def head(self) -> str:
        """The first MiB as text: enough for the header without decoding a big file twice."""
        if len(self.data) <= _HEAD_BYTES:
            return self.text
        return self.data[:_HEAD_BYTES].decode(self.encoding, errors="ignore")

    def encoding_warning(self) -> LoadIssue | None:
        if self.encoding != WINDOWS_1252:
            return None
        return LoadIssue(
            self.name, None, None, None,
            "not valid UTF-8, so read as Windows-1252 (Excel's \"CSV (Comma delimited)\"); "
            "check that £ and other accented characters look right",
            WARNING,
        )


def read_source(path: Path, kind: FileKind) -> SourceFile:
    data = path.read_bytes()
    return SourceFile(path, kind, data, detect_encoding(data))


class BrokenCsv(Exception):
    """A record the CSV rules cannot read (a quote left open, text after a closing quote)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason

    def issue(self, file: str) -> LoadIssue:
        return LoadIssue(file, self.line, None, None, f"expected {self.reason}", ERROR)


_BROKEN_REASONS = {
    "unexpected end of data": "a closing double quote for the value opened on this line "
                              "(the file ends inside it)",
    "',' expected after '\"'": "a comma after a closing double quote (a quote inside a value "
                               "is written twice: \"\")",
}


def _raw_records(text: str, strict: bool = True) -> Iterator[Record]:
    """Every record with its starting line; blank lines come through as empty lists.

    Strict, as Excel writes CSV: a quote left open would otherwise swallow the rest of the file
    into one cell without a word."""
    body = text[1:] if text.startswith("\ufeff") else text
    reader = csv.reader(io.StringIO(body, newline=""), strict=strict)
    next_line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = _BROKEN_REASONS.get(str(exc), f"a well-formed CSV record ({exc})")
            raise BrokenCsv(next_line, reason) from None
        yield Record(next_line, cells)
        next_line = reader.line_num + 1


def is_blank(cells: Sequence[str | None]) -> bool:
    """A record of empty or all-space cells (a blank line, or `,,,`) holds nothing."""
    return all(cell is None or not cell.strip() for cell in cells)


def records(text: str) -> Iterator[Record]:
    """The records holding something, header first. Raises BrokenCsv on a broken record."""
    return (r for r in _raw_records(text) if not is_blank(r.cells))


def data_record_lines(text: str) -> list[int]:
    """Start line of each record after the header, blank lines left out as DuckDB does.

    Used on the error path of the fast series reader, whose rows are numbered by record; that
    reader has accepted the file's structure already, so this one need not judge it.
    """
    lines = [r.line for r in _raw_records(text, strict=False) if r.cells]
    return lines[1:]


@dataclass(frozen=True)
class Header:
    line: int
    names: list[str]  # normalised
    raw: list[str]


def read_header(text: str) -> Header | None:
    for record in records(text):
        return Header(record.line, [normalise_header(c) for c in record.cells], record.cells)
    return None


def match_columns(source: SourceFile, header: Header) -> tuple[dict[str, int], list[LoadIssue]]:
    """Position of each known column; issues for missing, unknown and repeated columns."""
    kind = source.kind
    positions: dict[str, int] = {}
    issues: list[LoadIssue] = []
    known = set(kind.column_names)
    for index, (name, raw) in enumerate(zip(header.names, header.raw)):
        if not name:
            continue  # Excel leaves an empty header over trailing empty columns
        if name in positions:
            issues.append(LoadIssue(source.name, header.line, name, raw,
                                    "each column named once in the header", ERROR))
        elif name in known:
            positions[name] = index
        else:
            issues.append(LoadIssue(source.name, header.line, raw.strip(), raw,
                                    f"not a column of {kind.prefix} files; ignored", WARNING))
    for name in kind.required:
        if name not in positions:
            issues.append(LoadIssue(source.name, header.line, name, None,
                                    f"missing required column {name!r}; the header has: "
                                    + ", ".join(c.strip() for c in header.raw if c.strip()),
                                    ERROR))
    return positions, issues


def utf8_copy(source: SourceFile, folder: Path) -> Path:
    """A path DuckDB can read as UTF-8: the file itself, or a transcoded copy in `folder`."""
    if source.encoding in (UTF8, UTF8_BOM):
        return source.path
    copy = folder / f"{source.path.stem}.utf8.csv"
    copy.write_text(source.text, encoding=UTF8, newline="")
    return copy
