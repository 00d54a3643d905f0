"""Bearer-token authentication for the JSON API.

A token belongs to one user in one workspace. Each request is allowed as that user's *current*
membership there, so a changed role takes effect at once and a removed member's tokens stop
working. Handlers read ``request.auth`` (a Membership) for the workspace and the rights.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from svrazka.accounts.models import ApiToken, Membership, hash_secret

# last_used_at is a hint for the owner ("used 3 minutes ago"), not an audit log: one write a
# minute per token is enough and keeps reads free of writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str) -> Membership | None:
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        api_token = (
            ApiToken.objects.select_related("workspace", "user")
            .filter(key_hash=hash_secret(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        membership = Membership.objects.filter(
            workspace_id=api_token.workspace_id, user_id=api_token.user_id
        ).first()
        if membership is None:
            return None
        # Already loaded with the token: spare the handlers two queries.
        membership.workspace = api_token.workspace
        membership.user = api_token.user
        _touch(api_token)
        return membership


def _touch(api_token: ApiToken) -> None:
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)


def require_edit(request) -> None:
    """Writes need the "edit" right in the token's workspace."""
    if not request.auth.can("edit"):
        raise PermissionDenied(_("Your role in this workspace does not allow changes."))
