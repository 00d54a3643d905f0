"""Exports over HTTP: a filtered list of people or organisations as a file (CSV, XLSX, vCard
4.0 or 3.0), and everything stored about one person as JSON (GDPR access request).

Like the pages, these need the "edit" right in the token's workspace (svrazka/exports/views.py
says why); rows come only from that workspace, so another workspace's person id is 404.

Mount this router before the contacts router: its ``/people/{person_id}`` matches any text
in the URL, ``export`` too (the id is checked after the route is chosen).
"""

from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from svrazka.api.schemas import MAX_ID, MAX_QUERY_LENGTH, Invalid, Message, QueryId, Text
from svrazka.contacts import selectors
from svrazka.contacts.selectors import ContactFilters
from svrazka.exports import services
from svrazka.exports.views import file_response, person_data_response

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
ExportFormat = Literal["csv", "xlsx", "vcard4", "vcard3"]
ERRORS = {401: Message, 403: Message, 404: Message, 422: Invalid}

FILE_CONTENT = {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    services.FORMATS["xlsx"].content_type: {"schema": {"type": "string", "format": "binary"}},
    "text/vcard": {"schema": {"type": "string", "format": "binary"}},
}


def _file_response_doc(what: str) -> dict:
    return {
        "responses": {
            200: {
                "description": f"The {what} as a file (an attachment named like "
                f"svrazka-{what}-2026-12-04.csv).",
                "content": FILE_CONTENT,
            }
        }
    }


class PersonExportParams(Schema):
    format: ExportFormat = Field("csv", description="csv, xlsx, vcard4 or vcard3.")
    q: Text = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description="Names, other spelling, email or phone; Cyrillic or Latin.",
    )
    country: Text = Field("", max_length=2, description="ISO 3166 country code, e.g. BG.")
    cause: QueryId | None = Field(None, description="Cause id.")
    tag: QueryId | None = Field(None, description="Tag id.")
    organisation: QueryId | None = Field(None, description="Affiliated with this organisation.")


class OrganisationExportParams(Schema):
    format: ExportFormat = Field("csv", description="csv, xlsx, vcard4 or vcard3.")
    q: Text = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description="Name, short name, EIK, PIC, VAT, email or city; Cyrillic or Latin.",
    )
    kind: Text = Field("", max_length=20, description="Organisation type, e.g. ngo.")
    country: Text = Field("", max_length=2, description="ISO 3166 country code, e.g. BG.")
    cause: QueryId | None = Field(None, description="Cause id.")
    tag: QueryId | None = Field(None, description="Tag id.")
    unverified_months: int | None = Field(
        None, ge=0, le=1200, description="Not verified for this many months (or never)."
    )


def _require_export_right(request) -> None:
    if not request.auth.can("edit"):
        raise PermissionDenied(_("Your role in this workspace does not allow exports."))


def _too_large(exc: services.ExportTooLarge) -> ValidationError:
    return ValidationError({"format": str(exc)})


def build_router() -> Router:
    """A new router with the export routes (the tests mount their own copy)."""
    router = Router(tags=["Exports"])

    @router.get(
        "/people/export",
        response={200: None, **ERRORS},
        summary="Export people",
        description="The people of the list with these filters, in id order, as CSV (UTF-8 "
        "with BOM; a cell that a spreadsheet would run as a formula gets a leading '), XLSX "
        "(at most 1,048,575 rows) or vCards. Streamed.",
        openapi_extra=_file_response_doc("people"),
    )
    def export_people(request, params: Query[PersonExportParams]):
        _require_export_right(request)
        filters = ContactFilters(
            q=params.q.strip(),
            country=params.country,
            cause=params.cause,
            tag=params.tag,
            organisation=params.organisation,
        )
        try:
            export = services.people_export(
                workspace=request.auth.workspace, filters=filters, fmt=params.format
            )
        except services.ExportTooLarge as e:
            raise _too_large(e) from None
        return file_response(export)

    @router.get(
        "/organisations/export",
        response={200: None, **ERRORS},
        summary="Export organisations",
        description="The organisations of the list with these filters, in id order, as CSV, "
        "XLSX or vCards (see Export people). Streamed.",
        openapi_extra=_file_response_doc("organisations"),
    )
    def export_organisations(request, params: Query[OrganisationExportParams]):
        _require_export_right(request)
        filters = ContactFilters(
            q=params.q.strip(),
            kind=params.kind,
            country=params.country,
            cause=params.cause,
            tag=params.tag,
            unverified_months=params.unverified_months,
        )
        try:
            export = services.organisations_export(
                workspace=request.auth.workspace, filters=filters, fmt=params.format
            )
        except services.ExportTooLarge as e:
            raise _too_large(e) from None
        return file_response(export)

    @router.get(
        "/people/{person_id}/data",
        response={200: dict, **ERRORS},
        summary="Everything stored about a person (GDPR)",
        description="The person's fields, emails, phones, affiliations, causes, tags, history, "
        "interactions, tasks and partnership roles, as a JSON attachment: the answer to a "
        "data subject's access request.",
    )
    def person_data(request, person_id: PathId):
        _require_export_right(request)
        person = selectors.get_person(request.auth.workspace, person_id)
        return person_data_response(request.auth.workspace, person)

    return router


router = build_router()
