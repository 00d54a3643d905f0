"""Helpers every API router uses: pages without counting, ids named in request bodies."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _

from svrazka.lib.paging import Listing


def page(queryset: QuerySet | list | Listing, params, prefetch=()) -> dict:
    """One page of rows and where the next starts. Fetches one row more than asked instead of
    counting the whole (possibly million-row) result; ``prefetch``: lookups for the page's rows."""
    rows = list(queryset[params.offset : params.offset + params.limit + 1])
    more = len(rows) > params.limit
    items = rows[: params.limit]
    prefetch_related_objects(items, *prefetch)
    return {
        "items": items,
        "limit": params.limit,
        "offset": params.offset,
        "next_offset": params.offset + params.limit if more else None,
    }


def referenced(fetch, workspace, pk: int | None, field: str):
    """A row named in a request body: another workspace's id is invalid input (422), not 404."""
    if pk is None:
        return None
    try:
        return fetch(workspace, pk)
    except Http404:
        raise ValidationError(
            {field: _("Unknown id in this workspace: %(id)s.") % {"id": pk}}
        ) from None


def member(workspace, pk: int):
    """A user who is a member of this workspace, by id, or 404."""
    from svrazka.accounts.models import User

    user = User.objects.filter(pk=pk, memberships__workspace=workspace).first()
    if user is None:
        raise Http404
    return user
