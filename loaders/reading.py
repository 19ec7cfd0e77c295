"""Reading extract files: which files, which encoding, which records on which lines.

Excel writes CSV as UTF-8 (often with a BOM) or as Windows-1252; both are accepted. A file
that is partly UTF-8 and partly not, a UTF-16 file, and a cell holding a control character
are refused (`SourceFile.content_issues`). Line numbers are the file's physical lines where a
record starts, so a quoted newline inside a cell moves every later record down, exactly as
an editor shows the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from loaders.contract import (
    CONTROL_CHARACTERS,
    ERROR,
    MAX_COLUMNS,
    MAX_LISTED_ISSUES,
    WARNING,
    FileKind,
    LoadIssue,
    escaped,
    kind_of,
    normalise_header,
)

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
WINDOWS_1252 = "windows-1252"
UTF16 = "utf-16"
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
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
    # One file given twice (or through two links) is read once, under the first name given:
    # a link's own name says what it holds (measures_q3.csv -> export.csv is a measures file).
    unique: dict[Path, Path] = {}
    for path in files:
        unique.setdefault(path.resolve(), path.absolute())
    return list(unique.values()), issues


def _file_issue(path: Path, expected: str) -> LoadIssue:
    return LoadIssue(str(path), None, None, None, f"expected {expected}", ERROR)


#: A UTF-8 character of two to four bytes (RFC 3629: no overlongs, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def detect_encoding(data: bytes) -> str:
    """How to read the bytes: UTF-16 when they look like it (refused); UTF-8 (with or without
    BOM) when they are valid UTF-8, or when they hold UTF-8 characters beside bytes that are
    not (refused too: `SourceFile.content_issues` says where); else Windows-1252."""
    return _detect(data)[0]


def _detect(data: bytes) -> tuple[str, int | None]:
    """The encoding, and in a UTF-8 file the offset of the first byte that is not UTF-8."""
    if _looks_like_utf16(data):
        return UTF16, None
    utf8 = UTF8_BOM if data.startswith(_BOM) else UTF8
    if data.isascii():  # ASCII is UTF-8: a check in C, where decoding a big file makes a copy of it
        return utf8, None
    try:
        data.decode(UTF8)
    except UnicodeDecodeError as exc:
        # Everything before the first bad byte decoded, so a non-ASCII byte there began a UTF-8
        # character; failing that, look for one after it.
        if data[:exc.start].isascii() and not _UTF8_MULTIBYTE.search(data, exc.start):
            return WINDOWS_1252, None
        return utf8, exc.start
    return utf8, None


def _looks_like_utf16(data: bytes) -> bool:
    """A UTF-16 byte-order mark, or (no mark) NUL bytes in every other position: the high
    bytes of ASCII text stored two bytes a character."""
    if data.startswith(_UTF16_BOMS):
        return True
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    many, few = max(even, odd), min(even, odd)
    return many * 3 >= pairs and few * 10 <= many


def decode(data: bytes, encoding: str) -> str:
    # Five bytes are undefined in Windows-1252; a replacement mark beats refusing the file.
    return data.decode(encoding, errors="replace" if encoding == WINDOWS_1252 else "strict")


#: In UTF-8 and in Windows-1252 the control characters (contract.CONTROL_CHARACTERS) are the
#: bytes of the same values, and no other character's bytes include them, so the file's bytes
#: can be searched before they are decoded.
_CONTROL = re.compile(f"[{re.escape(CONTROL_CHARACTERS)}]")
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if chr(b) not in CONTROL_CHARACTERS)
_SHOWN_CHARS = 80


def _excerpt(cell: str, at: int) -> str:
    """The cell escaped, or for a long cell the stretch around position `at`."""
    if len(cell) <= _SHOWN_CHARS:
        return escaped(cell)
    start = max(0, at - _SHOWN_CHARS // 3)
    stop = start + _SHOWN_CHARS
    return (("…" if start else "") + escaped(cell[start:stop])
            + ("…" if stop < len(cell) else ""))


@dataclass(frozen=True)
class RecordCount:
    """What a file's bytes say of its records, without reading them as CSV: how many records
    follow the header (blank lines left out, as DuckDB's reader leaves them), and the bytes
    in the longest record. Exact for a well-formed file; for any other the CSV readers
    disagree with it, which sends a series file to the careful path."""

    data_records: int
    longest: int


_SCAN_SLICE = 1 << 18


def count_records(data: bytes) -> RecordCount:
    """Records end at a line feed, carriage return or CR LF outside double quotes; a quote
    inside a quoted cell is written twice, so the quotes before a line end are even in number
    exactly when it is outside quotes. A few passes of numpy over the bytes (tens of
    milliseconds for a million rows)."""
    size = len(data)
    if size == 0:
        return RecordCount(0, 0)
    import numpy as np  # here: only a series file is counted, and the command's other uses need no numpy

    byte = np.frombuffer(data, dtype=np.uint8)
    has_quotes = b'"' in data
    # In slices that fit the CPU's cache: a third faster than whole-file passes.
    end_parts, quote_parts = [], []
    for offset in range(0, size, _SCAN_SLICE):
        part = byte[offset:offset + _SCAN_SLICE]
        end_parts.append(np.flatnonzero(part == 10) + offset)
        if has_quotes:
            quote_parts.append(np.flatnonzero(part == 34) + offset)
    ends = np.concatenate(end_parts)
    first_return = data.find(b"\r")
    if first_return >= 0 and not data.startswith(b"\n", first_return + 1):
        # A carriage return alone ends a line too (Excel's "CSV (Macintosh)"). Looked for only
        # when the first one is alone: in a file of CR LF line ends a stray one counts as text,
        # and should DuckDB's reader disagree the file takes the careful path.
        at = np.flatnonzero(byte == 13)
        lone = at[(at + 1 >= size) | (byte[np.minimum(at + 1, size - 1)] != 10)]
        ends = np.union1d(ends, lone)
    if has_quotes:
        ends = ends[(np.searchsorted(np.concatenate(quote_parts), ends) & 1) == 0]
    last = size - 1 - int(ends[-1]) if len(ends) else size  # bytes after the last line end
    if not len(ends):
        return RecordCount(0, last)
    lengths = np.diff(ends, prepend=-1) - 1  # bytes of each record before its line end
    short = np.flatnonzero(lengths <= 1)
    # Blank: nothing before the line end, or only the CR of a CR LF.
    blank = int(np.count_nonzero(lengths[short] == 0)) + int(np.count_nonzero(
        (lengths[short] == 1) & (byte[ends[short]] == 10) & (byte[ends[short] - 1] == 13)))
    records = len(ends) - blank + (1 if last > 0 else 0)
    return RecordCount(max(records - 1, 0), max(int(lengths.max()), last))


@dataclass(frozen=True)
class Record:
    line: int  # physical line where the record starts
    cells: list[str]


_UTF16_EXPECTED = ("expected UTF-8 or Windows-1252 text, but the file is saved as UTF-16 "
                   "(Excel's 'Unicode text'); save it as 'CSV UTF-8 (Comma delimited)'")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, decoded by surrogateescape


@dataclass(frozen=True)
class SourceFile:
    """An extract file read once: its bytes, encoding, fingerprint and decoded text."""

    path: Path
    kind: FileKind
    data: bytes
    encoding: str
    #: In a file read as UTF-8, the offset of the first byte that is not UTF-8 (an error).
    bad_byte_at: int | None = None

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
        """The first MiB as text, to the end of a line: enough for the header without
        decoding a big file twice (a header longer than that is read whole)."""
        if len(self.data) <= _HEAD_BYTES:
            return self.text
        cut = self.data.find(b"\n", _HEAD_BYTES)
        if cut < 0:
            return self.text
        return decode(self.data[:cut + 1], self.encoding)

    @cached_property
    def record_count(self) -> RecordCount:
        return count_records(self.data)

    def content_issues(self) -> list[LoadIssue]:
        """What stops the file being read at all, before its header: saved as UTF-16, a byte
        that is not UTF-8 in a UTF-8 file, a control character in any cell."""
        if self.encoding == UTF16:
            return [LoadIssue(self.name, None, None, None, _UTF16_EXPECTED, ERROR)]
        if self.bad_byte_at is not None:
            return [self._not_utf8_issue()]
        # One pass in C over the bytes: what is left after deleting every other byte.
        if self.data.translate(None, _NOT_CONTROL_BYTES):
            return self._control_issues()
        return []

    def _not_utf8_issue(self) -> LoadIssue:
        byte = self.data[self.bad_byte_at]
        shown = f"\\x{byte:02x}"
        found, more_lines = find_cells(self.data.decode(self.encoding, errors="surrogateescape"),
                                       _NOT_UTF8, 1)
        try:
            char = bytes([byte]).decode(WINDOWS_1252)
            in_utf8 = " ".join(f"{b:02X}" for b in char.encode(UTF8))
            as_1252 = f" (it is Windows-1252 for {char}, which UTF-8 writes as {in_utf8})"
        except UnicodeDecodeError:
            as_1252 = ""
        expected = (f"UTF-8 throughout, like the file's other non-ASCII text: the byte {shown} is "
                    f"not UTF-8{as_1252}")
        if more_lines:
            expected += (f"; {more_lines:,} more line{'s hold' if more_lines > 1 else ' holds'} "
                         "such bytes")
        expected += "; save the file again as 'CSV UTF-8 (Comma delimited)'"
        if not found:  # not inside any record (cannot happen; say where the byte is all the same)
            line = 1 + len(re.findall(rb"\r\n?|\n", self.data[:self.bad_byte_at]))
            return LoadIssue(self.name, line, None, shown, expected, ERROR)
        cell = found[0]
        return LoadIssue(self.name, cell.line, cell.column, cell.shown, expected, ERROR)

    def _control_issues(self) -> list[LoadIssue]:
        found, more_lines = find_cells(self.text, _CONTROL, MAX_LISTED_ISSUES - 1)
        issues = [
            LoadIssue(self.name, cell.line, cell.column, cell.shown,
                      "no control characters in a cell (this one holds "
                      f"{', '.join(escaped(c) for c in sorted(set(_CONTROL.findall(cell.text))))}; "
                      "only tab, and line breaks inside double quotes, are allowed)",
                      ERROR)
            for cell in found
        ]
        if more_lines:
            issues.append(LoadIssue(
                self.name, None, None, None,
                f"{more_lines:,} more line{'s' if more_lines > 1 else ''} with control characters "
                "are not listed; fix those above and load again to see them", ERROR))
        return issues

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
    return SourceFile(path, kind, data, *_detect(data))


class BrokenCsv(Exception):
    """A record the CSV rules cannot read (a quote left open, text after a closing quote, a
    cell longer than the csv module's field limit). `cell` is the position of the cell at
    fault when known, `value` the start of it as a message shows it."""

    def __init__(self, line: int, reason: str, cell: int | None = None,
                 value: str | None = None) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason
        self.cell = cell
        self.value = value

    def issue(self, file: str, header: Header | None = None) -> LoadIssue:
        """The error, naming the cell's column when `header` (the file's) has one there."""
        column = None
        if header is not None and self.cell is not None and self.cell < len(header.names):
            column = escaped(header.names[self.cell]) or None
        if self.value is None:
            return LoadIssue(file, self.line, column, None, f"expected {self.reason}", ERROR)
        return LoadIssue(file, self.line, column, self.value, self.reason, ERROR)


_OPEN_QUOTE = ("a closing double quote for the value opened on this line "
               "(the file ends inside it)")
_BROKEN_REASONS = {
    "unexpected end of data": _OPEN_QUOTE,
    "',' expected after '\"'": "a comma after a closing double quote (a quote inside a value "
                               "is written twice: \"\")",
}
_LINE_END = re.compile(r"\r\n?|\n")
_UNQUOTED_CELL_END = re.compile(r"[,\r\n]")


def _broken(body: str, line: int, exc: csv.Error) -> BrokenCsv:
    """What the csv module refused, and where: for a quote left open or a cell past the field
    limit, which cell it is (the csv module does not say)."""
    message = str(exc)
    if message == "unexpected end of data" or message.startswith("field larger than field limit"):
        located = _locate_long_or_open_cell(body, line)
        if located is not None:
            return located
    return BrokenCsv(line, _BROKEN_REASONS.get(message, f"a well-formed CSV record ({exc})"))


def _line_offset(text: str, line: int) -> int:
    """Where physical line `line` starts (lines end as the csv module ends them)."""
    if line <= 1:
        return 0
    for number, end in enumerate(_LINE_END.finditer(text), start=2):
        if number == line:
            return end.end()
    return len(text)


def _locate_long_or_open_cell(body: str, line: int) -> BrokenCsv | None:
    """Walk the record starting on `line` cell by cell: the first cell whose quote is never
    closed, or that is longer than the csv module's field limit."""
    limit = csv.field_size_limit()
    pos, index = _line_offset(body, line), 0
    while pos <= len(body):
        if body.startswith('"', pos):
            close = pos + 1
            while True:
                close = body.find('"', close)
                if close < 0:  # the rest of the file: no value worth showing
                    return BrokenCsv(line, _OPEN_QUOTE, index)
                if not body.startswith('"', close + 1):
                    break
                close += 2
            cell, stop = body[pos + 1:close], close + 1
        else:
            end = _UNQUOTED_CELL_END.search(body, pos)
            stop = end.start() if end else len(body)
            cell = body[pos:stop]
        if len(cell) > limit:
            spans = len(_LINE_END.findall(cell))
            to_line = f", running to line {line + spans:,}" if spans else ""
            first_line = _LINE_END.split(cell, maxsplit=1)[0]
            shown = _excerpt(first_line, 0) + ("…" if spans and len(first_line) <= _SHOWN_CHARS else "")
            return BrokenCsv(line, f"a cell of at most {limit:,} characters (this one has "
                             f"{len(cell):,}{to_line})", index, shown)
        if not body.startswith(",", stop):
            return None
        pos, index = stop + 1, index + 1
    return None


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
            raise _broken(body, next_line, exc) from None
        yield Record(next_line, cells)
        next_line = reader.line_num + 1


@dataclass(frozen=True)
class FoundCell:
    """A cell holding what was searched for: where it is, and the cell as a message shows it."""

    line: int
    column: str | None  # the header's name for it (None in the header, or past its width)
    text: str
    shown: str


def find_cells(text: str, pattern: re.Pattern[str], limit: int) -> tuple[list[FoundCell], int]:
    """The first `limit` cells (header included) in which `pattern` occurs, in file order, and
    how many more lines hold it. Only the records on lines where it occurs are looked into."""
    lines: list[int] = []  # each physical line holding a match, ascending
    starts: list[int] = []  # where the first match on each of them is
    line, pos = 1, 0
    for match in pattern.finditer(text):
        start = match.start()
        line += text.count("\n", pos, start) + text.count("\r", pos, start) - text.count("\r\n", pos, start)
        pos = start
        if not lines or lines[-1] != line:
            lines.append(line)
            starts.append(start)
    found: list[FoundCell] = []
    names: list[str] | None = None
    pending = 0  # lines[pending] is the next line to look at
    try:
        for record, last_line in _record_spans(text):
            in_header = names is None and not is_blank(record.cells)
            if pending < len(lines) and lines[pending] <= last_line:
                for index, cell in enumerate(record.cells):
                    hit = pattern.search(cell)
                    if hit is None:
                        continue
                    column = None
                    if not in_header and names is not None and index < len(names) and names[index]:
                        column = escaped(names[index])
                    found.append(FoundCell(record.line, column, cell, _excerpt(cell, hit.start())))
                while pending < len(lines) and lines[pending] <= last_line:
                    pending += 1
            if in_header:
                names = [normalise_header(c) for c in record.cells]
            if len(found) >= limit or pending == len(lines):
                break
    except BrokenCsv:  # a cell past the field limit: the lines left are named without columns
        while pending < len(lines) and len(found) < limit:
            physical = _physical_line(text, starts[pending])
            found.append(FoundCell(lines[pending], None, physical,
                                   _excerpt(physical, pattern.search(physical).start())))
            pending += 1
    return found[:limit], len(lines) - pending


def _physical_line(text: str, at: int) -> str:
    """The physical line holding position `at`, without its line end."""
    start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
    ends = [e for e in (text.find("\n", at), text.find("\r", at)) if e >= 0]
    return text[start:min(ends, default=len(text))]


def _record_spans(text: str) -> Iterator[tuple[Record, float]]:
    """Each record (blank ones too) with the last physical line it takes."""
    previous = None
    try:
        for record in _raw_records(text, strict=False):
            if previous is not None:
                yield previous, record.line - 1
            previous = record
    except BrokenCsv as broken:
        if previous is not None:
            yield previous, broken.line - 1
        raise
    if previous is not None:
        yield previous, float("inf")


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
    if len(header.names) > MAX_COLUMNS:
        return positions, [LoadIssue(
            source.name, header.line, None, None,
            f"expected a header of at most {MAX_COLUMNS:,} columns, as many as an Excel sheet "
            f"has (this one has {len(header.names):,})", ERROR)]
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


#: Characters DuckDB's readers take for a glob in a path: `series[12].csv` would read
#: series1.csv and series2.csv instead of itself.
_GLOB_CHARACTERS = re.compile(r"[*?\[\]{}\\]")


def utf8_copy(source: SourceFile, folder: Path) -> Path:
    """A path DuckDB reads as this file's bytes in UTF-8: the file itself, or in `folder` a
    copy (transcoded, for a file not in UTF-8; as read, for a path DuckDB would take for a
    glob), named by the file's hash so that no name in the load can make it a glob again."""
    utf8 = source.encoding in (UTF8, UTF8_BOM)
    if utf8 and not _GLOB_CHARACTERS.search(str(source.path)):
        return source.path
    safe = folder / f"extract-{source.sha256[:32]}.csv"
    if safe.exists():
        return safe
    if utf8:
        safe.write_bytes(source.data)
    else:
        safe.write_text(source.text, encoding=UTF8, newline="")
    return safe
