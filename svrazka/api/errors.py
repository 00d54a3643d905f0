"""How the API answers when something goes wrong: always JSON, never a 5xx for bad input.

    401 {"detail": "..."}                                  no or bad token
    403 {"detail": "..."}                                  role does not allow it
    404 {"detail": "..."}                                  not in this workspace (or nowhere)
    409 {"detail": "...", "current_version": n}            stale version
    422 {"detail": [{"loc": [field], "msg": "..."}]}       invalid data

Messages go through gettext, so they follow the request's language (Accept-Language).
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from svrazka.contacts.services import EditConflict


def validation_error_detail(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": [field], "msg": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"loc": [NON_FIELD_ERRORS], "msg": str(message)} for message in exc.messages]


def register(api: NinjaAPI) -> None:
    @api.exception_handler(DjangoValidationError)
    def invalid(request, exc: DjangoValidationError):
        return api.create_response(request, {"detail": validation_error_detail(exc)}, status=422)

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc: PermissionDenied):
        message = str(exc) or _("You do not have permission to do this.")
        return api.create_response(request, {"detail": message}, status=403)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc: AuthenticationError):
        response = api.create_response(
            request, {"detail": _("A valid API token is required.")}, status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="svrazka"'
        return response

    @api.exception_handler(EditConflict)
    def conflict(request, exc: EditConflict):
        return api.create_response(
            request,
            {
                "detail": _(
                    "Someone else changed this record since you loaded it. "
                    "Load it again and repeat your change."
                ),
                # An agreement's versions are numbered; other records carry a version counter.
                "current_version": getattr(exc.current, "version", None)
                or getattr(exc.current, "number", None),
            },
            status=409,
        )

    @api.exception_handler(IntegrityError)
    def integrity(request, exc: IntegrityError):
        # Validation catches these first; this covers two writers racing for the same name.
        return api.create_response(
            request, {"detail": _("This conflicts with an existing record.")}, status=409
        )
