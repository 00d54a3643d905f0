"""The one door to a workspace: every view reaches tenant data through these helpers.

A user who is not a member of a workspace gets 404 for everything in it, as if it did not exist.
A member whose role lacks a right gets 403.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from svrazka.accounts.models import Membership

SESSION_WORKSPACE_KEY = "workspace_slug"


def get_membership(user, slug: str) -> Membership:
    """The user's membership of the workspace with this slug, or 404."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("workspace").get(workspace__slug=slug, user=user)
    except Membership.DoesNotExist:
        raise Http404 from None


def workspace_view(right: str = "view") -> Callable:
    """Decorate a view taking `slug`: sets request.membership and request.workspace,
    answers 404 to outsiders and 403 to members whose role lacks `right`."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs):
            membership = get_membership(request.user, slug)
            if not membership.can(right):
                raise PermissionDenied
            request.membership = membership  # type: ignore[attr-defined]
            request.workspace = membership.workspace  # type: ignore[attr-defined]
            # Written only when it changes: a session saved on every request could overwrite
            # a concurrent change (such as the language switch) with stale values.
            if request.session.get(SESSION_WORKSPACE_KEY) != slug:
                request.session[SESSION_WORKSPACE_KEY] = slug
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
