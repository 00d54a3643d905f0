"""Writes for accounts and workspaces: sign-up, workspaces, invitations, roles, API tokens."""

import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from svrazka.accounts.models import (
    INVITATION_LIFETIME,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
    hash_secret,
)


def _clean_slug(slug: str) -> str:
    return (slug or "").strip().lower()


@transaction.atomic
def workspace_create(*, slug: str, name: str, owner: User) -> Workspace:
    workspace = Workspace(slug=_clean_slug(slug), name=(name or "").strip())
    workspace.full_clean()
    workspace.save()
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str,
    full_name: str,
    workspace_name: str,
    workspace_slug: str,
    language: str = "",
) -> tuple[User, Workspace]:
    """Create a user and their first workspace, which they own."""
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": _("An account with this email already exists.")})
    user = User(email=email, full_name=full_name.strip(), language=language)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    workspace = workspace_create(slug=workspace_slug, name=workspace_name, owner=user)
    return user, workspace


@transaction.atomic
def user_get_or_create(*, email: str, password: str | None = None) -> tuple[User, bool]:
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is not None:
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user, False
    user = User(email=email)
    user.set_password(password) if password else user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user, True


def invitation_send(*, membership: Membership, email: str, role: str) -> Invitation:
    """Invite someone by email. Admins invite members and viewers; only owners invite admins
    and owners."""
    if not membership.can("manage_members"):
        raise PermissionDenied
    if role in (Role.OWNER, Role.ADMIN) and not membership.can("manage_owners"):
        raise ValidationError({"role": _("Only an owner can invite admins and owners.")})
    email = (email or "").strip().lower()
    workspace = membership.workspace
    if Membership.objects.filter(workspace=workspace, user__email=email).exists():
        raise ValidationError({"email": _("This person is already a member of the workspace.")})
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(workspace=workspace, email=email, accepted_at=None).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation(
            workspace=workspace,
            email=email,
            role=role,
            token_hash=hash_secret(secret),
            invited_by=membership.user,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        invitation.full_clean()
        invitation.save()
        link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[secret])
        context = {"invitation": invitation, "link": link, "inviter": membership.user}
        transaction.on_commit(lambda: _send_invitation(invitation, context))
    return invitation


def _send_invitation(invitation: Invitation, context: dict) -> None:
    # The email goes out in the inviter's language; the page it links to follows the reader's.
    with translation.override(getattr(context["inviter"], "language", "") or None):
        subject = _("%(name)s invites you to %(workspace)s on Svrazka") % {
            "name": context["inviter"],
            "workspace": invitation.workspace.name,
        }
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_for_token(secret: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("workspace")
        .filter(token_hash=hash_secret(secret or ""))
        .first()
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation has expired or was already used."))
    membership, created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitation_revoke(*, membership: Membership, invitation: Invitation) -> None:
    if not membership.can("manage_members") or invitation.workspace_id != membership.workspace_id:
        raise PermissionDenied
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def membership_change_role(*, actor: Membership, target: Membership, role: str) -> Membership:
    if not actor.can("manage_members") or target.workspace_id != actor.workspace_id:
        raise PermissionDenied
    if Role.OWNER in (role, target.role) and not actor.can("manage_owners"):
        raise ValidationError(_("Only an owner can make or unmake owners."))
    if role == Role.ADMIN and not actor.can("manage_owners") and target.role != Role.ADMIN:
        raise ValidationError(_("Only an owner can make admins."))
    if target.role == Role.ADMIN and role != Role.ADMIN and not actor.can("manage_owners"):
        raise ValidationError(_("Only an owner can change an admin's role."))
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    _keep_an_owner(target, new_role=role)
    target.role = role
    target.save(update_fields=["role"])
    return target


@transaction.atomic
def membership_remove(*, actor: Membership, target: Membership) -> None:
    if target.workspace_id != actor.workspace_id:
        raise PermissionDenied
    if target.pk != actor.pk:
        if not actor.can("manage_members"):
            raise PermissionDenied
        if target.role in (Role.OWNER, Role.ADMIN) and not actor.can("manage_owners"):
            raise ValidationError(_("Only an owner can remove admins and owners."))
    _keep_an_owner(target, new_role=None)
    target.delete()


def _keep_an_owner(target: Membership, new_role: str | None) -> None:
    if target.role == Role.OWNER and new_role != Role.OWNER:
        owners = Membership.objects.filter(workspace_id=target.workspace_id, role=Role.OWNER)
        if owners.count() <= 1:
            raise ValidationError(_("A workspace needs at least one owner."))
