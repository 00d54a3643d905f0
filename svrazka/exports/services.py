"""Exports of people and organisations: a filtered list as CSV, XLSX or vCards.

``people_export`` / ``organisations_export`` prepare an export (the header and labels in the
active language, the XLSX row limit checked) and return its pieces to stream;
``export_people`` / ``export_organisations`` write one to a binary stream. The rows are those
of the list with the same filters (``contacts.selectors.people_list`` /
``organisations_list``), in id order.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.contacts.selectors import ContactFilters, organisations_list, people_list
from svrazka.exports import tables
from svrazka.exports.writers import (
    XLSX_MAX_DATA_ROWS,
    Counted,
    ExportTooLarge,
    csv_pieces,
    too_many_rows_message,
    vcard_pieces,
    xlsx_pieces,
)


@dataclass(frozen=True)
class Format:
    content_type: str
    extension: str
    vcard_version: str = ""


FORMATS = {
    "csv": Format("text/csv; charset=utf-8", "csv"),
    "xlsx": Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "vcard4": Format("text/vcard; charset=utf-8", "vcf", "4.0"),
    "vcard3": Format("text/vcard; charset=utf-8", "vcf", "3.0"),
}
KINDS = ("people", "organisations")

__all__ = [
    "FORMATS",
    "Export",
    "ExportTooLarge",
    "UnknownFormat",
    "export_organisations",
    "export_people",
    "organisations_export",
    "people_export",
]


class UnknownFormat(ValueError):
    pass


@dataclass
class Export:
    """An export ready to be written: iterate ``pieces`` (bytes); ``rows`` counts the rows
    (people or organisations) written so far."""

    kind: str
    fmt: str
    filename: str
    content_type: str
    pieces: Iterator[bytes]
    counter: Counted

    @property
    def rows(self) -> int:
        return self.counter.count


def filename(kind: str, fmt: str) -> str:
    """svrazka-people-2026-12-04.csv"""
    return f"svrazka-{kind}-{timezone.localdate().isoformat()}.{FORMATS[fmt].extension}"


def _encoded(pieces: Iterator[str]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece.encode("utf-8")


def _format(fmt: str) -> Format:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise UnknownFormat(
            _("Unknown export format “%(format)s”; use one of: %(formats)s.")
            % {"format": fmt, "formats": ", ".join(FORMATS)}
        ) from None


def _prepare(*, workspace, kind: str, queryset, fmt: str) -> Export:
    spec = _format(fmt)
    if fmt == "xlsx" and queryset.order_by().values("pk")[: XLSX_MAX_DATA_ROWS + 1].count() > (
        XLSX_MAX_DATA_ROWS
    ):
        raise ExportTooLarge(too_many_rows_message())
    people = kind == "people"
    if spec.vcard_version:
        records = (tables.people_records if people else tables.organisations_records)(
            workspace=workspace, queryset=queryset
        )
        counter = Counted(records)
        pieces = _encoded(vcard_pieces(counter, spec.vcard_version))
    else:
        header = tables.people_header() if people else tables.organisations_header()
        rows = (tables.people_rows if people else tables.organisations_rows)(
            workspace=workspace, queryset=queryset
        )
        counter = Counted(rows)
        if fmt == "xlsx":
            pieces = xlsx_pieces(counter, header, sheet_name=str(header_title(kind)))
        else:
            pieces = _encoded(csv_pieces(counter, header))
    return Export(
        kind=kind,
        fmt=fmt,
        filename=filename(kind, fmt),
        content_type=spec.content_type,
        pieces=pieces,
        counter=counter,
    )


def header_title(kind: str) -> str:
    return _("People") if kind == "people" else _("Organisations")


def people_export(*, workspace, filters: ContactFilters, fmt: str) -> Export:
    """The people of the list with these filters, as ``fmt`` (csv, xlsx, vcard4, vcard3).

    Raises UnknownFormat, or ExportTooLarge for an XLSX of more rows than Excel holds."""
    queryset = people_list(workspace=workspace, filters=filters)
    return _prepare(workspace=workspace, kind="people", queryset=queryset, fmt=fmt)


def organisations_export(*, workspace, filters: ContactFilters, fmt: str) -> Export:
    """The organisations of the list with these filters (see ``people_export``)."""
    queryset = organisations_list(workspace=workspace, filters=filters)
    return _prepare(workspace=workspace, kind="organisations", queryset=queryset, fmt=fmt)


def _write(export: Export, out: BinaryIO) -> int:
    for piece in export.pieces:
        out.write(piece)
    return export.rows


def export_people(*, workspace, filters: ContactFilters, fmt: str, out: BinaryIO) -> int:
    """Write the people of the filtered list to a binary stream; returns how many."""
    return _write(people_export(workspace=workspace, filters=filters, fmt=fmt), out)


def export_organisations(*, workspace, filters: ContactFilters, fmt: str, out: BinaryIO) -> int:
    """Write the organisations of the filtered list to a binary stream; returns how many."""
    return _write(organisations_export(workspace=workspace, filters=filters, fmt=fmt), out)
