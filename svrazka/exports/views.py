"""Downloads: a filtered list of people or organisations as CSV, XLSX or vCards, and one
person's complete data as JSON (GDPR).

Both need the "edit" right (members, admins, owners): a viewer may read records one page at a
time, but taking the whole contact database, or everything about a person, out of Svrazka is
a processing of personal data that the people who maintain it answer for. Viewers get 403,
other workspaces' members 404, as everywhere.
"""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from svrazka.accounts.access import workspace_view
from svrazka.contacts import selectors
from svrazka.contacts.views import _filters as list_filters
from svrazka.exports import gdpr, services

EXPORT_RIGHT = "edit"


def file_response(export: services.Export) -> StreamingHttpResponse:
    """The export streamed as a download, never cached."""
    response = StreamingHttpResponse(export.pieces, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    add_never_cache_headers(response)
    return response


def person_data_response(workspace, person) -> HttpResponse:
    """One person's data as a JSON attachment."""
    data = gdpr.person_data(workspace, person)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    name = f"svrazka-person-{person.pk}-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = content_disposition_header(True, name)
    add_never_cache_headers(response)
    return response


def _export(request: HttpRequest, prepare, list_url: str) -> HttpResponse:
    _form, filters = list_filters(request)
    fmt = request.GET.get("format", "csv")
    try:
        export = prepare(workspace=request.workspace, filters=filters, fmt=fmt)
    except (services.UnknownFormat, services.ExportTooLarge) as e:
        messages.error(request, str(e))
        query = request.GET.copy()
        query.pop("format", None)
        back = reverse(list_url, args=[request.workspace.slug])
        return redirect(f"{back}?{query.urlencode()}" if query else back)
    return file_response(export)


@workspace_view(EXPORT_RIGHT)
@require_GET
def person_export(request: HttpRequest) -> HttpResponse:
    """The people list with the same filters (q, country, cause, tag, organisation) as a file;
    ``format`` csv (default), xlsx, vcard4 or vcard3."""
    return _export(request, services.people_export, "person_list")


@workspace_view(EXPORT_RIGHT)
@require_GET
def organisation_export(request: HttpRequest) -> HttpResponse:
    """The organisations list with the same filters as a file (see ``person_export``)."""
    return _export(request, services.organisations_export, "organisation_list")


@workspace_view(EXPORT_RIGHT)
@require_GET
def person_data(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything stored about one person, as JSON (GDPR access request)."""
    person = selectors.get_person(request.workspace, pk)
    return person_data_response(request.workspace, person)
