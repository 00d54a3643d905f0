"""What an uploaded file is, judged from its first bytes only: an Excel workbook, a vCard, a
CSV file (and in which encoding), or something that is not a contact list at all.

`detect` never sees more than the head of the file (`reading.HEAD_BYTES`, 64 KB), so that memory
stays bounded whatever the file's size. A wrong guess about the encoding shows up later, while the
rows are read, as an `ImportFileError` naming the line (`tabular.iter_csv_rows`).
"""

import codecs
from dataclasses import dataclass

from django.utils.translation import gettext as _


class ImportFileError(Exception):
    """A file that cannot be read at all; `message` is for people (in their language)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Detected:
    # "xlsx", "vcard" or "csv"
    kind: str
    # A Python codec name for text files ("utf-8", "utf-8-sig", "utf-16", "windows-1251", ...);
    # "" for workbooks.
    encoding: str = ""


# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one). The codecs
# named here read and drop the mark themselves.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Control characters that text files do contain: tab, line feed, vertical tab (Excel for Mac
# writes it for a line break inside a cell), form feed, carriage return, and the old DOS
# end-of-file mark.
_TEXT_CONTROLS = frozenset("\t\n\x0b\x0c\r\x1a")
# More control characters than this share of the text means the file is not text.
_MAX_CONTROL_SHARE = 0.05


def _binary_magic(head: bytes) -> str | None:
    """The reason to refuse a file whose first bytes are those of a known binary format."""
    if head.startswith(_OLE2_MAGIC):
        # Excel 97-2003 workbooks, and also password-protected .xlsx files, are OLE2 containers.
        return _(
            "This is an old Excel workbook (.xls) or a password-protected one, which Svrazka "
            "cannot read. Save it as .xlsx or .csv and upload it again."
        )
    if head.startswith(b"%PDF-"):
        return _("This is a PDF document, not a contact list. Upload a CSV, Excel or vCard file.")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _("This is a PNG image, not a contact list. Upload a CSV, Excel or vCard file.")
    if head.startswith(b"\xff\xd8\xff"):
        return _("This is a JPEG image, not a contact list. Upload a CSV, Excel or vCard file.")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _("This is a GIF image, not a contact list. Upload a CSV, Excel or vCard file.")
    if head.startswith(b"\x1f\x8b"):
        return _("This is a compressed (gzip) file. Unpack it and upload the contact list inside.")
    return None


def _zip_kind(head: bytes, filename: str) -> Detected:
    """An .xlsx workbook, or the reason to refuse another kind of ZIP file.

    The names of the files inside a ZIP archive are stored uncompressed in each entry's local
    header, so the head shows the first few of them: a workbook has "xl/..." parts.
    """
    name = filename.lower()
    # Word and PowerPoint files may embed a workbook ("word/embeddings/..."): look at them first.
    if b"word/" in head or b"ppt/" in head:
        raise ImportFileError(
            _("This is a document, not a contact list. Upload a CSV, Excel or vCard file.")
        )
    if b"xl/" in head or (name.endswith((".xlsx", ".xlsm")) and b"[Content_Types].xml" in head):
        return Detected("xlsx")
    if b"application/vnd.oasis.opendocument.spreadsheet" in head:
        raise ImportFileError(
            _(
                "This is an OpenDocument spreadsheet (.ods), which Svrazka cannot read. "
                "Save it as .xlsx or .csv and upload it again."
            )
        )
    if b"application/vnd.oasis.opendocument" in head:
        raise ImportFileError(
            _("This is a document, not a contact list. Upload a CSV, Excel or vCard file.")
        )
    if name.endswith((".xlsx", ".xlsm")):
        # A ZIP file that claims to be a workbook: let the workbook reader say what is wrong.
        return Detected("xlsx")
    raise ImportFileError(_("This is a ZIP archive. Unpack it and upload the contact list inside."))


def _utf16_without_bom(head: bytes) -> str | None:
    """The UTF-16 ("utf-16-le" or "utf-16-be") whose NUL bytes fall on one side of each pair.

    Text in UTF-16 without a byte-order mark (written by some Windows tools) has a NUL byte in
    every character of the ASCII range: the header, commas, digits, line ends. Cyrillic letters
    have 0x04 there instead, so a modest share suffices.
    """
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even = head[0 : pairs * 2 : 2].count(0)
    odd = head[1 : pairs * 2 : 2].count(0)
    if odd >= pairs * 0.1 and even * 10 <= odd:
        return "utf-16-le"
    if even >= pairs * 0.1 and odd * 10 <= even:
        return "utf-16-be"
    return None


def _decodes(head: bytes, encoding: str) -> str | None:
    """The head decoded, or None if it is not valid in `encoding`.

    An incremental decoder is told that more is to come (`final=False`), so a character that the
    64 KB cut splits in two (up to 3 bytes of UTF-8, a half UTF-16 pair) is not an error.
    """
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return None


def _looks_cyrillic(head: bytes) -> bool:
    """Whether text that is not UTF-8 reads better as Windows-1251 (Cyrillic) than cp1252.

    In both, letters beyond ASCII are mostly bytes 0xC0-0xFF. What tells them apart is how they
    sit: Cyrillic words are made of such bytes only ("Йордан" is six in a row), while Western
    European words have an accented letter here and there among ASCII ones ("Müller").
    """
    high = in_runs = run = 0
    for byte in head:
        if byte >= 0xC0:
            high += 1
            run += 1
        else:
            if run >= 2:
                in_runs += run
            run = 0
    if run >= 2:
        in_runs += run
    non_ascii = sum(1 for byte in head if byte >= 0x80)
    return high > 0 and high >= non_ascii * 0.6 and in_runs >= high * 0.5


def _encoding(head: bytes) -> str:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    if b"\x00" in head:
        raise ImportFileError(
            _("This file is not text (it contains NUL bytes). Upload a CSV, Excel or vCard file.")
        )
    if _decodes(head, "utf-8") is not None:
        return "utf-8"
    if _looks_cyrillic(head):
        return "windows-1251"
    # cp1252 leaves five bytes undefined; Latin-1 reads every byte.
    return "windows-1252" if _decodes(head, "windows-1252") is not None else "latin-1"


def _is_vcard(text: str) -> bool:
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff").strip()
        if line:
            return line.upper() == "BEGIN:VCARD"
    return False


def detect(head: bytes, filename: str) -> Detected:
    """What the file is, from its first bytes (`head`, about 64 KB) and its name.

    Raises `ImportFileError` for an empty file or one that is not a contact list.
    """
    if not head:
        raise ImportFileError(_("The file is empty."))
    if head.startswith(_ZIP_MAGICS):
        return _zip_kind(head, filename)
    reason = _binary_magic(head)
    if reason:
        raise ImportFileError(reason)

    encoding = _encoding(head)
    text = _decodes(head, encoding)
    if text is None:
        # Only a byte-order mark or the NUL pattern chose this encoding, and the bytes disagree.
        raise ImportFileError(
            _("The file is not valid %(encoding)s text.") % {"encoding": encoding}
        )
    if text:
        controls = sum(1 for ch in text if (ch < " " or ch == "\x7f") and ch not in _TEXT_CONTROLS)
        if "\x00" in text or controls > len(text) * _MAX_CONTROL_SHARE:
            raise ImportFileError(
                _("This file is not text. Upload a CSV, Excel (.xlsx) or vCard file.")
            )
    if _is_vcard(text):
        return Detected("vcard", encoding)
    return Detected("csv", encoding)
