"""Rows of a CSV or XLSX file, read as a stream: (line number, cells as text).

Memory stays bounded whatever the file's size: CSV text is read one physical line at a time
(each at most `MAX_LINE_CHARS`), a cell may hold at most `MAX_FIELD_CHARS`, and workbooks are
opened in openpyxl's read-only mode, which parses the sheet as it goes.

`header_and_rows` turns either kind of rows into a header and rows read by column name.
"""

import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import BinaryIO

from django.utils.translation import gettext as _

from svrazka.imports.sniff import ImportFileError

# The longest cell Svrazka reads (the csv module's default is 128 KB; notes can be longer).
MAX_FIELD_CHARS = 1024 * 1024
# The longest physical line: a line this long is a single cell or garbage.
MAX_LINE_CHARS = 4 * MAX_FIELD_CHARS
# LinkedIn's notice is three rows; more than this many rows of "Notes:" is not LinkedIn's.
_MAX_PREAMBLE_ROWS = 10
# Separators, in the order that wins a tie.
_DELIMITERS = (",", ";", "\t", "|")

# The limit is global to the csv module; raise it, never lower what someone else raised.
if csv.field_size_limit() < MAX_FIELD_CHARS:
    csv.field_size_limit(MAX_FIELD_CHARS)


# --- CSV -------------------------------------------------------------------------------------


class _Lines:
    """The physical lines of a text stream, counted, with room to put lines back.

    `number` is the number of the last line handed out, so the csv reader (which pulls exactly
    the lines of one row and no more) can tell on which line each row begins.
    """

    def __init__(self, text: io.TextIOBase, encoding: str) -> None:
        self.text = text
        self.encoding = encoding
        self.number = 0
        self._back: list[str] = []
        # When a list, every line handed out is also appended to it (see `_skip_preamble`).
        self.recording: list[str] | None = None

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self._back.pop() if self._back else self._read()
        self.number += 1
        if self.recording is not None:
            self.recording.append(line)
        return line

    def push_back(self, line: str) -> None:
        self._back.append(line)
        self.number -= 1

    def _read(self) -> str:
        try:
            line = self.text.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError:
            # The text is decoded a chunk at a time, hence "near".
            raise ImportFileError(
                _("The file is not valid %(encoding)s near line %(line)s.")
                % {"encoding": self.encoding, "line": self.number + 1}
            ) from None
        if not line:
            raise StopIteration
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                _("Line %(line)s is longer than %(limit)s characters; this is not a CSV file.")
                % {"line": self.number + 1, "limit": MAX_LINE_CHARS}
            )
        return line


def _is_blank(text: str) -> bool:
    return not text.strip().lstrip("\ufeff").strip()


def sniff_delimiter(line: str) -> str:
    """The separator of a header line: the most frequent of , ; tab | outside quotes."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals
    return best if counts[best] else ","


def _next_filled_line(lines: _Lines) -> str | None:
    """The next line that is not blank (blank ones are counted and dropped), or None at the end."""
    for line in lines:
        if not _is_blank(line):
            return line
    return None


def _skip_preamble(lines: _Lines, first: str) -> None:
    """Skip LinkedIn's notice if the file begins with one (`first` is the first filled line).

    Connections.csv begins "Notes:", then a quoted paragraph, then a blank line, then the header.
    The paragraph is read as CSV so that a line break inside its quotes does not end it early.
    If no blank row follows within a few rows, this was not LinkedIn's notice: the lines read
    are put back.
    """
    if first.strip().lstrip("\ufeff").strip().rstrip(",;").casefold() != "notes:":
        lines.push_back(first)
        return
    lines.recording = [first]
    try:
        for count, row in enumerate(csv.reader(lines)):
            if not any(cell.strip() for cell in row):
                return  # the blank row after the notice
            if count >= _MAX_PREAMBLE_ROWS:
                break
    except csv.Error:
        pass  # not LinkedIn's notice; the reader proper will say what is wrong
    finally:
        recorded, lines.recording = lines.recording, None
    for line in reversed(recorded):
        lines.push_back(line)


def iter_csv_rows(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(number of the line where the row begins, cells) for each row that is not blank.

    `stream` is a binary file open at its start; `encoding` is what `sniff.detect` found. The
    separator is the most frequent of , ; tab | in the header line. Raises `ImportFileError`
    for text that is not valid in `encoding`, a cell over `MAX_FIELD_CHARS`, or broken CSV.
    """
    encoding = encoding or "utf-8"
    # newline="" hands the csv module the line ends as they are, which it needs for line breaks
    # inside quoted cells.
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    lines = _Lines(text, encoding)

    first = _next_filled_line(lines)
    if first is None:
        return
    _skip_preamble(lines, first)
    header = _next_filled_line(lines)
    if header is None:
        return
    lines.push_back(header)

    reader = csv.reader(lines, delimiter=sniff_delimiter(header.lstrip("\ufeff")))
    while True:
        start = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if "field limit" in str(e):
                raise ImportFileError(
                    _("A cell near line %(line)s is longer than %(limit)s characters.")
                    % {"line": start, "limit": MAX_FIELD_CHARS}
                ) from None
            raise ImportFileError(
                _("The file cannot be read as CSV near line %(line)s: %(error)s")
                % {"line": start, "error": str(e)}
            ) from None
        if any(cell.strip() for cell in cells):
            yield start, cells


# --- XLSX ------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A workbook cell as the text a person sees: dates as YYYY-MM-DD, 42.0 as 42."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Phone numbers typed into Excel become floats: 359888123456.0 -> "359888123456".
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _damaged() -> ImportFileError:
    return ImportFileError(
        _("This Excel file is damaged or is not a workbook. Open it in Excel and save it again.")
    )


def iter_xlsx_rows(
    path_or_stream: str | os.PathLike[str] | BinaryIO,
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each row of the workbook's first sheet that is not blank.

    Cells are text (`cell_text`), without the empty cells at the end of the row. Formulas give
    the value Excel last computed. Raises `ImportFileError` for a damaged file.
    """
    # Imported here: openpyxl takes a moment to import and only workbooks need it.
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path_or_stream, read_only=True, data_only=True)
    except Exception:  # a damaged file makes openpyxl, zipfile or the XML parser raise anything
        raise _damaged() from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("This workbook has no sheets."))
        sheet = workbook.worksheets[0]
        # The dimension a workbook declares can be wrong (some programs write "A1"); forgetting
        # it makes openpyxl read every row there is, each as wide as it is.
        sheet.reset_dimensions()
        try:
            # Missing rows come as empty tuples, so counting gives Excel's row numbers.
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in row]
                while cells and not cells[-1].strip():
                    cells.pop()
                if cells:
                    yield number, cells
        except ImportFileError:
            raise
        except Exception:
            raise _damaged() from None
    finally:
        workbook.close()


# --- header and rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """A row that cannot be read as a contact at all (not fatal to the file)."""

    line: int
    message: str
    excerpt: str = ""


class Row(Mapping[str, str]):
    """One data row, read by header name (the first column of a repeated name wins).

    `cells` has exactly as many cells as the header; `line` is where the row begins.
    """

    __slots__ = ("line", "cells", "_index")

    def __init__(self, line: int, cells: list[str], index: Mapping[str, int]) -> None:
        self.line = line
        self.cells = cells
        self._index = index

    def __getitem__(self, name: str) -> str:
        return self.cells[self._index[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"Row(line={self.line}, {dict(self)!r})"


def clean_header(cells: list[str]) -> list[str]:
    """Header names without a byte-order mark or surrounding spaces."""
    return [cell.replace("\ufeff", "").strip() for cell in cells]


def _excerpt(cells: list[str]) -> str:
    return " ".join(cell.strip() for cell in cells[:6] if cell.strip())[:200]


def header_and_rows(
    rows: Iterable[tuple[int, list[str]]],
) -> tuple[list[str], Iterator[Row | RowProblem]]:
    """The first row that is not blank, as the header, and the rows after it.

    A row shorter than the header is padded with empty cells. A row longer than the header is a
    `RowProblem`, unless the cells past the header are all empty (a trailing separator), which
    are dropped. Blank rows are skipped. For a file without rows: ([], nothing).
    """
    source = iter(rows)
    header: list[str] = []
    for _line, cells in source:
        if any(cell.strip() for cell in cells):
            header = clean_header(cells)
            break
    if not header:
        return [], iter(())

    index: dict[str, int] = {}
    for i, name in enumerate(header):
        if name and name not in index:
            index[name] = i
    width = len(header)

    def body() -> Iterator[Row | RowProblem]:
        for line, cells in source:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > width:
                if any(cell.strip() for cell in cells[width:]):
                    yield RowProblem(
                        line,
                        _("This row has %(found)s columns; the header has %(expected)s.")
                        % {"found": len(cells), "expected": width},
                        _excerpt(cells),
                    )
                    continue
                cells = cells[:width]
            elif len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            yield Row(line, cells, index)

    return header, body()
