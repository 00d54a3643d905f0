"""One door to every file format: what a file is (`describe`), and its rows as `ContactRecord`s
(`open_records`), read as a stream so that memory stays bounded whatever the file's size.

Formats: vCard (`vcard`), CSV and XLSX in a known layout (`layouts.recognise`: LinkedIn, Google,
Outlook, Thunderbird) or through a column mapping (`layouts.apply_mapping`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from svrazka.imports import layouts, sniff, tabular, vcard
from svrazka.imports.models import Format
from svrazka.imports.records import ContactRecord

HEAD_BYTES = 64 * 1024
MAX_COLUMNS = 200


@dataclass
class Described:
    format: str
    encoding: str = ""
    header: list[str] = field(default_factory=list)
    needs_mapping: bool = False
    signature: str = ""
    guessed_mapping: dict[str, str] = field(default_factory=dict)


@dataclass
class Problem:
    """A row that could not even be read as a contact (a ragged row, a broken card)."""

    message: str
    excerpt: str = ""


def needs_mapping(fmt: str) -> bool:
    return fmt in (Format.CSV, Format.XLSX)


def targets() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in layouts.TARGETS]


def signature(header: list[str]) -> str:
    return layouts.header_signature(header)


def _error(message: str) -> ValidationError:
    return ValidationError(message, code="file")


def _head(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read(HEAD_BYTES)


def _detect(path: str, filename: str):
    try:
        return sniff.detect(_head(path), filename)
    except sniff.ImportFileError as e:
        raise _error(e.message) from None


def _rows(path: str, detected) -> Iterator:
    """(line, cells) of a CSV or XLSX file, after its header is found by the caller."""
    if detected.kind == "xlsx":
        return tabular.iter_xlsx_rows(path)
    return tabular.iter_csv_rows(open(path, "rb"), detected.encoding)  # noqa: SIM115


def _read_header(path: str, detected) -> list[str]:
    try:
        for _line, cells in _rows(path, detected):
            if any(c.strip() for c in cells):
                header = [c.strip().lstrip("\ufeff") for c in cells]
                if len(header) > MAX_COLUMNS:
                    raise _error(
                        _("The file has %(n)s columns; Svrazka reads at most %(max)s.")
                        % {"n": len(header), "max": MAX_COLUMNS}
                    )
                return header
    except sniff.ImportFileError as e:
        raise _error(e.message) from None
    raise _error(_("The file has no rows."))


def describe(path: str, filename: str, requested: str = Format.AUTO) -> Described:
    """What the file is, or ValidationError with the reason in the user's language."""
    detected = _detect(path, filename)
    if detected.kind == "vcard":
        if requested not in (Format.AUTO, Format.VCARD):
            raise _error(_("This file is a vCard, not what you chose. Choose “vCard”."))
        return Described(format=Format.VCARD, encoding=detected.encoding)
    if requested == Format.VCARD:
        raise _error(_("This file is not a vCard: it does not begin with BEGIN:VCARD."))
    if requested == Format.XLSX and detected.kind != "xlsx":
        raise _error(_("This file is not an Excel workbook (.xlsx)."))
    header = _read_header(path, detected)
    base = Described(
        format=Format.XLSX if detected.kind == "xlsx" else Format.CSV,
        encoding=detected.encoding if detected.kind != "xlsx" else "",
        header=header,
        signature=layouts.header_signature(header),
    )
    layout = layouts.recognise(header)
    if requested in (Format.LINKEDIN, Format.GOOGLE, Format.OUTLOOK, Format.THUNDERBIRD):
        if layout is None or layout.key != requested:
            raise _error(
                _("The columns of this file are not those of a %(format)s export: %(columns)s")
                % {"format": Format(requested).label, "columns": ", ".join(header[:8])}
            )
    if layout is not None and requested not in (Format.CSV, Format.XLSX):
        base.format = layout.key
        return base
    base.needs_mapping = True
    base.guessed_mapping = {str(i): key for i, key in layouts.guess_mapping(header).items()}
    return base


def clean_mapping(mapping: dict, ncols: int, header: list[str] | None = None) -> dict[str, str]:
    """A mapping from the form or the API: keys are column indexes (or header names), values
    target keys. ValidationError for an unknown column or field, or no name column at all."""
    known = dict(layouts.TARGETS)
    result: dict[str, str] = {}
    names = {h.strip().casefold(): i for i, h in enumerate(header or [])}
    for column, target in mapping.items():
        column = str(column).strip()
        if column.isdigit() and int(column) < ncols:
            index = int(column)
        elif column.casefold() in names:
            index = names[column.casefold()]
        else:
            raise _error(_("The file has no column “%(column)s”.") % {"column": column[:60]})
        if target not in known:
            raise _error(
                _("“%(target)s” is not a field Svrazka imports. Fields: %(fields)s")
                % {"target": str(target)[:40], "fields": ", ".join(known)}
            )
        if target != "ignore":
            result[str(index)] = target
    name_fields = {"given_name", "family_name", "full_name", "organisation"}
    if not name_fields & set(result.values()):
        raise _error(_("Choose at least one column with a name or an organisation."))
    return result


def describe_mapping(header: list[str], mapping: dict) -> list[str]:
    labels = dict(layouts.TARGETS)
    return [
        f"{header[int(i)] if int(i) < len(header) else i} → {labels.get(t, t)}"
        for i, t in sorted(mapping.items(), key=lambda kv: int(kv[0]))
    ]


def preview(job, rows: int = 5) -> list[list[str]]:
    """The first data rows of a CSV or XLSX job, for the mapping screen."""
    detected = _detect(job.file.path, job.filename)
    result: list[list[str]] = []
    try:
        body = _rows(job.file.path, detected)
        seen_header = False
        for _line, cells in body:
            if not any(c.strip() for c in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            result.append(cells)
            if len(result) >= rows:
                break
    except sniff.ImportFileError:
        pass
    return result


class RecordSource:
    """The rows of a job's file as (line, ContactRecord | Problem), with how far it has read."""

    def __init__(self, job):
        self.job = job
        self.path = job.file.path
        self.stream = None
        self._xlsx_rows = 0
        self.rows_read = 0  # rows (or cards) read so far, and given out by `raw`

    def bytes_read(self) -> int:
        if self.stream is not None and not self.stream.closed:
            try:
                raw = getattr(self.stream, "buffer", self.stream)  # text or binary stream
                return raw.tell()
            except (OSError, ValueError):
                return 0
        if self._xlsx_rows:
            return self._xlsx_rows
        return 0

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()

    def converter(self) -> "Converter":
        """What turns this file's raw table rows into records (see `raw`)."""
        header = tuple(self.job.header or ())
        if not needs_mapping(self.job.detected_format) and _layout(header) is not None:
            return Converter(header=header, mapping=None)
        mapping = tuple(sorted((int(i), t) for i, t in (self.job.mapping or {}).items()))
        return Converter(header=(), mapping=mapping)

    def raw(self) -> Iterator[tuple[int, ContactRecord | Problem | list[str]]]:
        """The rows as read: a vCard's record, a problem, or a table row's cells (as many as
        the header has), for `converter()` to make a record of, here or in another process."""
        fmt = self.job.detected_format
        try:
            for row in self._cards() if fmt == Format.VCARD else self._table():
                self.rows_read += 1
                yield row
        except sniff.ImportFileError as e:
            raise _error(e.message) from None

    def __iter__(self) -> Iterator[tuple[int, ContactRecord | Problem]]:
        convert = self.converter()
        for line, item in self.raw():
            yield line, convert(item) if isinstance(item, list) else item

    def _cards(self):
        self.stream = open(self.path, encoding=self.job.encoding or "utf-8", errors="replace")  # noqa: SIM115
        for line, item in vcard.iter_records(self.stream):
            if isinstance(item, vcard.VCardError):
                yield line, Problem(str(item))
            else:
                yield line, item

    def _table(self):
        detected = _detect(self.path, self.job.filename)
        if detected.kind == "xlsx":
            rows = tabular.iter_xlsx_rows(self.path)
        else:
            self.stream = open(self.path, "rb")  # noqa: SIM115
            rows = tabular.iter_csv_rows(self.stream, detected.encoding)
        header = None
        for line, cells in rows:
            if header is None:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                yield (
                    line,
                    Problem(
                        _("This row has %(found)s columns; the header has %(expected)s.")
                        % {"found": len(cells), "expected": len(header)},
                        " ".join(c for c in cells[:4] if c)[:300],
                    ),
                )
                continue
            yield line, cells + [""] * (len(header) - len(cells))


@dataclass(frozen=True)
class Converter:
    """A table row's cells as a `ContactRecord`: through the column mapping (index -> field)
    when there is one, else through the layout its header is recognised as. Plain data, so
    that worker processes can be handed it."""

    header: tuple[str, ...]
    mapping: tuple[tuple[int, str], ...] | None

    def __call__(self, cells: list[str]) -> ContactRecord:
        if self.mapping is not None:
            return layouts.apply_mapping(dict(self.mapping), cells)
        return _layout(self.header).record_of(self.header, cells)


@lru_cache(maxsize=8)
def _layout(header: tuple[str, ...]) -> layouts.Layout | None:
    return layouts.recognise(list(header))


@contextmanager
def open_records(job):
    source = RecordSource(job)
    try:
        yield source
    finally:
        source.close()
