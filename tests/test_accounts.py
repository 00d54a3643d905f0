"""Accounts and workspaces through the pages people use: sign-up, sign-in and its throttle,
sign-out, password reset, invitations, roles, several workspaces per person, the interface
language, new workspaces, API tokens and the management commands.

Each write is checked for its response, what is stored, its side effects (mail, session), the
wrong method and the wrong user. alice owns "ngo", bob is a member, vera a viewer; oscar owns
"other" (see conftest.py).
"""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from svrazka.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
    hash_secret,
)
from tests.conftest import PASSWORD, client_for

NEW_PASSWORD = "a brand new passphrase 2025"


def anonymous(language: str = "en") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def signed_in_as(client: Client) -> int | None:
    """The id of the user the client's session is signed in as, or None."""
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


def membership(user, workspace) -> Membership:
    return Membership.objects.get(user=user, workspace=workspace)


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Workspace.objects.count(), Membership.objects.count()


# --- sign-up -------------------------------------------------------------------------------

SIGNUP = {
    "full_name": "Carol Founder",
    "email": "Carol@Example.org",
    "password": PASSWORD,
    "workspace_name": "Green Future",
}


@pytest.mark.argon2
@pytest.mark.django_db
def test_signup_creates_user_and_owned_workspace_and_signs_in():
    client = anonymous()
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert response.url == "/w/green-future/"
    user = User.objects.get(email="carol@example.org")  # stored lower-case
    assert user.full_name == "Carol Founder"
    assert user.password.startswith("argon2")
    assert user.check_password(PASSWORD)
    assert user.language == "en"
    workspace = Workspace.objects.get(slug="green-future")
    assert workspace.name == "Green Future"
    assert membership(user, workspace).role == Role.OWNER
    assert Membership.objects.filter(workspace=workspace).count() == 1
    assert signed_in_as(client) == user.pk
    dashboard = client.get(response.url)
    assert dashboard.status_code == 200
    assert "Welcome to Svrazka" in dashboard.content.decode()


@pytest.mark.django_db
def test_signup_in_bulgarian_keeps_the_language_and_transliterates_the_slug():
    client = anonymous("bg")
    data = {**SIGNUP, "workspace_name": "Зелено бъдеще"}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302
    user = User.objects.get(email="carol@example.org")
    assert user.language == "bg"
    slug = response.url.strip("/").split("/")[1]
    assert re.fullmatch(r"[a-z0-9-]+", slug)
    assert Workspace.objects.get(slug=slug).name == "Зелено бъдеще"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "ALICE@example.org"}, "An account with this email already exists."),
        ({"password": "x7$Lq"}, "This password is too short."),
        ({"password": "password"}, "This password is too common."),
        ({"password": "12345678901234"}, "This password is entirely numeric."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"workspace_name": ""}, "This field is required."),
    ],
)
def test_bad_signup_is_400_with_a_message_and_creates_nothing(alice, workspace, change, message):
    before = counts()
    client = anonymous()
    response = client.post("/accounts/signup/", {**SIGNUP, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before
    assert signed_in_as(client) is None


@pytest.mark.django_db
def test_signup_page_answers_get_and_refuses_other_methods():
    assert anonymous().get("/accounts/signup/").status_code == 200
    assert anonymous().put("/accounts/signup/").status_code == 405
    assert anonymous().delete("/accounts/signup/").status_code == 405


# --- sign-in, throttle, sign-out -----------------------------------------------------------


def _login(client: Client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"email": email, "password": password, **extra})


def test_login_with_the_right_password_in_any_case(alice, workspace):
    client = anonymous()
    response = _login(client, "  ALICE@Example.ORG ", PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in_as(client) == alice.pk
    assert client.get("/").url == "/w/ngo/"


def test_login_follows_a_local_next_but_not_a_foreign_one(alice, workspace):
    client = anonymous()
    assert _login(client, "alice@example.org", PASSWORD, next="/w/ngo/members/").url == (
        "/w/ngo/members/"
    )
    client = anonymous()
    response = _login(client, "alice@example.org", PASSWORD, next="https://evil.example/x")
    assert response.url == "/"


def test_login_with_a_wrong_password_is_400_with_a_message(alice):
    client = anonymous()
    response = _login(client, "alice@example.org", "not the password at all")
    assert response.status_code == 400
    assert "The email or the password is wrong." in response.content.decode()
    assert signed_in_as(client) is None


def test_login_of_an_unknown_email_gives_the_same_message(db):
    response = _login(anonymous(), "nobody@example.org", PASSWORD)
    assert response.status_code == 400
    assert "The email or the password is wrong." in response.content.decode()


def test_after_five_failures_even_the_right_password_is_refused(alice, bob):
    client = anonymous()
    for _ in range(5):
        assert _login(client, "alice@example.org", "wrong guess").status_code == 400

    response = _login(client, "alice@example.org", PASSWORD)
    assert response.status_code == 400
    assert "Too many failed attempts" in response.content.decode()
    assert signed_in_as(client) is None
    # The lock is on alice's account: bob, from the same address, still signs in.
    other = anonymous()
    assert _login(other, "bob@example.org", PASSWORD).status_code == 302
    assert signed_in_as(other) == bob.pk


def test_fewer_failures_than_the_limit_do_not_lock_and_success_resets_the_count(alice):
    client = anonymous()
    for _ in range(4):
        _login(client, "alice@example.org", "wrong guess")
    assert _login(client, "alice@example.org", PASSWORD).status_code == 302
    client = anonymous()
    for _ in range(4):
        _login(client, "alice@example.org", "wrong guess")
    assert _login(client, "alice@example.org", PASSWORD).status_code == 302


def test_logout_is_post_only(alice_client, alice):
    response = alice_client.get("/accounts/logout/")
    assert response.status_code == 405
    assert signed_in_as(alice_client) == alice.pk

    response = alice_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert signed_in_as(alice_client) is None
    assert alice_client.get("/w/ngo/").status_code == 302  # back to the login page


# --- password reset ------------------------------------------------------------------------


@pytest.mark.argon2
def test_password_reset_by_email_link(alice, workspace):
    client = anonymous()
    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Reset your Svrazka password"
    link = re.search(
        r"https?://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body
    )
    assert link, message.body

    # Django moves the token from the URL into the session, then asks for the new password.
    response = client.get(link.group(1))
    assert response.status_code == 302
    assert response.url.endswith("/set-password/")
    form = client.get(response.url)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.content.decode()
    response = client.post(
        response.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert alice.password.startswith("argon2")
    assert _login(anonymous(), "alice@example.org", PASSWORD).status_code == 400
    fresh = anonymous()
    assert _login(fresh, "alice@example.org", NEW_PASSWORD).status_code == 302
    assert signed_in_as(fresh) == alice.pk
    # The link works once.
    assert "no longer valid" in anonymous().get(link.group(1), follow=True).content.decode()


def _reset_password(client: Client, email: str, new_password: str) -> None:
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": email})
    link = re.search(r"https?://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    set_password = client.get(link.group(1)).url
    response = client.post(
        set_password, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302


def test_a_password_reset_lifts_the_login_lock(alice):
    """The lock message says "Wait 15 minutes, or reset your password": a reset must unlock."""
    client = anonymous()
    for _ in range(5):
        _login(client, "alice@example.org", "wrong guess")
    locked = _login(client, "alice@example.org", PASSWORD)
    assert "Too many failed attempts" in locked.content.decode()

    _reset_password(anonymous(), "alice@example.org", NEW_PASSWORD)
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)

    fresh = anonymous()
    response = _login(fresh, "alice@example.org", NEW_PASSWORD)
    assert "Too many failed attempts" not in response.content.decode()
    assert response.status_code == 302
    assert signed_in_as(fresh) == alice.pk


def test_password_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(db):
    response = anonymous().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/sent/"
    assert mail.outbox == []


# --- invitations ---------------------------------------------------------------------------


def _invite(client, django_capture_on_commit_callbacks, email="carol@example.org", role="member"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/w/ngo/members/invite/", {"email": email, "role": role})


def _link_path(message) -> str:
    match = re.search(r"https?://\S+?(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_owner_invites_and_a_new_person_joins_by_the_link(
    alice, alice_client, workspace, django_capture_on_commit_callbacks
):
    response = _invite(alice_client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == "/w/ngo/members/"

    invitation = Invitation.objects.get(workspace=workspace)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "carol@example.org",
        Role.MEMBER,
        alice,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.org"]
    assert "Our NGO" in message.subject
    path = _link_path(message)
    token = path.split("/")[2]
    assert invitation.token_hash == hash_secret(token)  # only the hash is stored
    assert token not in invitation.token_hash

    visitor = anonymous()
    page = visitor.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Join Our NGO" in html
    assert 'name="full_name"' in html and 'name="password"' in html

    response = visitor.post(path, {"full_name": "Carol Newcomer", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/w/ngo/"
    carol = User.objects.get(email="carol@example.org")
    assert carol.full_name == "Carol Newcomer"
    assert carol.check_password(PASSWORD)
    assert membership(carol, workspace).role == Role.MEMBER
    assert signed_in_as(visitor) == carol.pk
    invitation.refresh_from_db()
    assert invitation.accepted_by == carol and invitation.accepted_at is not None

    # Once used, the link is gone: for carol and for anyone else.
    again = visitor.get(path)
    assert again.status_code == 410
    assert "no longer valid" in again.content.decode()
    assert anonymous().get(path).status_code == 410
    assert anonymous().post(path, {"full_name": "X", "password": PASSWORD}).status_code == 410
    assert Membership.objects.filter(workspace=workspace).count() == 2


def test_someone_with_an_account_signs_in_then_joins(
    oscar, alice_client, workspace, django_capture_on_commit_callbacks
):
    _invite(
        alice_client, django_capture_on_commit_callbacks, email="oscar@example.org", role="viewer"
    )
    path = _link_path(mail.outbox[0])
    visitor = anonymous()

    response = visitor.get(path)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"
    assert User.objects.filter(email="oscar@example.org").count() == 1

    response = _login(visitor, "oscar@example.org", PASSWORD, next=path)
    assert response.url == path
    page = visitor.get(path)
    assert page.status_code == 200
    assert 'name="password"' not in page.content.decode()  # just a "Join" button
    assert not Membership.objects.filter(user=oscar, workspace=workspace).exists()

    response = visitor.post(path)
    assert response.status_code == 302
    assert response.url == "/w/ngo/"
    assert membership(oscar, workspace).role == Role.VIEWER
    assert oscar.check_password(PASSWORD)  # his account is untouched
    assert visitor.post(path).status_code == 410


def test_accepting_an_invitation_needs_a_good_password(
    alice_client, workspace, django_capture_on_commit_callbacks
):
    _invite(alice_client, django_capture_on_commit_callbacks)
    path = _link_path(mail.outbox[0])
    response = anonymous().post(path, {"full_name": "Carol", "password": "short"})
    assert response.status_code == 400
    assert "This password is too short." in response.content.decode()
    assert not User.objects.filter(email="carol@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_unknown_invitation_token_is_404(db):
    assert anonymous().get("/invitations/not-a-real-token/").status_code == 404


def test_an_expired_invitation_is_410(alice_client, workspace, django_capture_on_commit_callbacks):
    _invite(alice_client, django_capture_on_commit_callbacks)
    path = _link_path(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    visitor = anonymous()
    response = visitor.get(path)
    assert response.status_code == 410
    assert "no longer valid" in response.content.decode()
    response = visitor.post(path, {"full_name": "Carol", "password": PASSWORD})
    assert response.status_code == 410
    assert not User.objects.filter(email="carol@example.org").exists()
    assert signed_in_as(visitor) is None


def test_a_member_cannot_invite(bob_client, workspace, django_capture_on_commit_callbacks):
    response = _invite(bob_client, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_outsider_cannot_invite(oscar_client, workspace, django_capture_on_commit_callbacks):
    response = _invite(oscar_client, django_capture_on_commit_callbacks)
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_invite_is_post_only(alice_client):
    assert alice_client.get("/w/ngo/members/invite/").status_code == 405


def test_an_admin_invites_members_but_not_owners_or_admins(
    bob, workspace, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=bob).update(role=Role.ADMIN)
    admin_client = client_for(bob)

    for role in ("owner", "admin"):
        response = _invite(admin_client, django_capture_on_commit_callbacks, role=role)
        assert response.status_code == 400
        assert "Only an owner can invite admins and owners." in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []

    response = _invite(admin_client, django_capture_on_commit_callbacks, role="viewer")
    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.VIEWER
    assert len(mail.outbox) == 1


def test_inviting_an_existing_member_is_400(alice_client, bob, django_capture_on_commit_callbacks):
    response = _invite(alice_client, django_capture_on_commit_callbacks, email="BOB@example.org")
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_revoking_an_invitation_makes_the_link_410(
    alice_client, bob_client, workspace, django_capture_on_commit_callbacks
):
    _invite(alice_client, django_capture_on_commit_callbacks)
    path = _link_path(mail.outbox[0])
    invitation = Invitation.objects.get()
    revoke = f"/w/ngo/invitations/{invitation.pk}/revoke/"

    assert alice_client.get(revoke).status_code == 405
    assert bob_client.post(revoke).status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert anonymous().get(path).status_code == 200

    response = alice_client.post(revoke)
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert anonymous().get(path).status_code == 410
    assert not User.objects.filter(email="carol@example.org").exists()


def test_a_second_invitation_replaces_the_first(
    alice_client, workspace, django_capture_on_commit_callbacks
):
    _invite(alice_client, django_capture_on_commit_callbacks)
    _invite(alice_client, django_capture_on_commit_callbacks)
    first, second = _link_path(mail.outbox[0]), _link_path(mail.outbox[1])
    assert first != second
    assert anonymous().get(first).status_code == 410
    assert anonymous().get(second).status_code == 200


# --- roles ---------------------------------------------------------------------------------


def _role(client, target: Membership, role: str, **kw):
    return client.post(f"/w/ngo/members/{target.pk}/role/", {"role": role}, **kw)


def _remove(client, target: Membership, **kw):
    return client.post(f"/w/ngo/members/{target.pk}/remove/", **kw)


def test_owner_makes_a_member_admin(alice_client, bob, workspace):
    target = membership(bob, workspace)
    assert alice_client.get(f"/w/ngo/members/{target.pk}/role/").status_code == 405
    response = _role(alice_client, target, "admin")
    assert response.status_code == 302
    assert response.url == "/w/ngo/members/"
    target.refresh_from_db()
    assert target.role == Role.ADMIN


def test_a_member_cannot_change_roles(bob_client, vera, workspace):
    target = membership(vera, workspace)
    assert _role(bob_client, target, "admin").status_code == 403
    own = Membership.objects.get(user__email="bob@example.org")
    assert _role(bob_client, own, "owner").status_code == 403
    target.refresh_from_db()
    own.refresh_from_db()
    assert (target.role, own.role) == (Role.VIEWER, Role.MEMBER)


def test_an_unknown_role_changes_nothing(alice_client, bob, workspace):
    target = membership(bob, workspace)
    response = _role(alice_client, target, "emperor", follow=True)
    assert "Unknown role." in response.content.decode()
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_an_admin_cannot_make_admins_or_owners(bob, vera, workspace):
    Membership.objects.filter(user=bob).update(role=Role.ADMIN)
    admin_client = client_for(bob)
    target = membership(vera, workspace)
    response = _role(admin_client, target, "admin", follow=True)
    assert "Only an owner can make admins." in response.content.decode()
    response = _role(admin_client, target, "owner", follow=True)
    assert "Only an owner can make or unmake owners." in response.content.decode()
    target.refresh_from_db()
    assert target.role == Role.VIEWER
    # ...but may move members and viewers between those two roles.
    assert _role(admin_client, target, "member").status_code == 302
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_an_admin_cannot_demote_another_admin(bob, vera, workspace):
    """Admins manage members and viewers (members.html; they may not invite or remove admins):
    demoting a fellow admin would be removing their admin rights."""
    Membership.objects.filter(user__in=[bob, vera]).update(role=Role.ADMIN)
    target = membership(vera, workspace)
    _role(client_for(bob), target, "viewer")
    target.refresh_from_db()
    assert target.role == Role.ADMIN


def test_the_last_owner_cannot_be_demoted(alice, alice_client, workspace):
    own = membership(alice, workspace)
    response = _role(alice_client, own, "member", follow=True)
    assert response.status_code == 200
    assert "A workspace needs at least one owner." in response.content.decode()
    own.refresh_from_db()
    assert own.role == Role.OWNER


def test_the_last_owner_cannot_leave_or_be_removed(alice, alice_client, workspace):
    own = membership(alice, workspace)
    response = _remove(alice_client, own, follow=True)
    assert response.status_code == 200
    assert "A workspace needs at least one owner." in response.content.decode()
    assert Membership.objects.filter(pk=own.pk, role=Role.OWNER).exists()


def test_with_two_owners_one_may_step_down(alice, alice_client, bob, workspace):
    Membership.objects.filter(user=bob).update(role=Role.OWNER)
    own = membership(alice, workspace)
    assert _role(alice_client, own, "member").status_code == 302
    own.refresh_from_db()
    assert own.role == Role.MEMBER


def test_a_member_can_leave(bob, bob_client, workspace):
    own = membership(bob, workspace)
    assert bob_client.get(f"/w/ngo/members/{own.pk}/remove/").status_code == 405
    response = _remove(bob_client, own)
    assert response.status_code == 302
    assert response.url == "/"
    assert not Membership.objects.filter(pk=own.pk).exists()
    assert User.objects.filter(pk=bob.pk).exists()
    assert bob_client.get("/w/ngo/").status_code == 404


def test_a_member_cannot_remove_someone_else(bob_client, vera, workspace):
    target = membership(vera, workspace)
    assert _remove(bob_client, target).status_code == 403
    assert Membership.objects.filter(pk=target.pk).exists()


def test_owner_removes_a_member(alice_client, bob, workspace):
    target = membership(bob, workspace)
    response = _remove(alice_client, target)
    assert response.status_code == 302
    assert response.url == "/w/ngo/members/"
    assert not Membership.objects.filter(pk=target.pk).exists()


# --- one person, several workspaces --------------------------------------------------------


def _menu(response) -> str:
    match = re.search(
        r'<details class="menu" id="workspace-menu">(.*?)</details>',
        response.content.decode(),
        re.S,
    )
    assert match, "no workspace menu on the page"
    return match.group(1)


def test_home_goes_to_the_last_used_workspace(alice, alice_client, other_workspace):
    Membership.objects.create(workspace=other_workspace, user=alice, role=Role.MEMBER)

    assert alice_client.get("/w/other/").status_code == 200
    response = alice_client.get("/")
    assert response.status_code == 302
    assert response.url == "/w/other/"

    assert alice_client.get("/w/ngo/members/").status_code == 200
    assert alice_client.get("/").url == "/w/ngo/"


def test_the_header_menu_lists_every_workspace_of_the_user(
    alice, alice_client, oscar, other_workspace
):
    Membership.objects.create(workspace=other_workspace, user=alice, role=Role.MEMBER)
    menu = _menu(alice_client.get("/w/ngo/"))
    assert "Our NGO" in menu
    assert "Other NGO" in menu
    assert 'href="/w/other/"' in menu
    # oscar only sees his own.
    oscar_menu = _menu(client_for(oscar).get("/w/other/"))
    assert "Other NGO" in oscar_menu
    assert "Our NGO" not in oscar_menu


def test_home_without_a_workspace_offers_to_create_one(oscar):
    response = client_for(oscar).get("/")
    assert response.status_code == 302
    assert response.url == "/workspaces/new/"


def test_home_for_a_visitor_is_the_welcome_page(db):
    response = anonymous().get("/")
    assert response.status_code == 200
    assert 'href="/accounts/signup/"' in response.content.decode()


# --- interface language --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_browser_language_is_used_for_a_visitor():
    assert html_lang(anonymous("bg").get("/accounts/login/")) == "bg"
    assert html_lang(anonymous("en").get("/accounts/login/")) == "en"


@pytest.mark.django_db
def test_a_visitor_switches_to_english_despite_a_bulgarian_browser():
    client = anonymous("bg")
    response = client.post("/accounts/language/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert html_lang(client.get("/accounts/login/")) == "en"


@pytest.mark.django_db
def test_language_switch_rejects_unknown_languages_get_and_foreign_next():
    client = anonymous("bg")
    assert client.post("/accounts/language/", {"language": "fr"}).status_code == 400
    assert client.get("/accounts/language/").status_code == 405
    assert html_lang(client.get("/accounts/login/")) == "bg"
    response = client.post(
        "/accounts/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_a_signed_in_users_choice_is_saved_and_used_at_the_next_sign_in(alice, alice_client):
    response = alice_client.post("/accounts/language/", {"language": "bg", "next": "/w/ngo/"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "bg"
    assert html_lang(alice_client.get("/w/ngo/")) == "bg"

    # Another browser, which asks for English, signs in: alice's choice wins.
    elsewhere = anonymous("en")
    assert html_lang(elsewhere.get("/accounts/login/")) == "en"
    assert _login(elsewhere, "alice@example.org", PASSWORD).status_code == 302
    assert html_lang(elsewhere.get("/w/ngo/")) == "bg"


# --- new workspaces ------------------------------------------------------------------------


def test_a_user_creates_a_second_workspace(alice, alice_client, workspace):
    response = alice_client.post(
        "/workspaces/new/", {"name": "Second NGO", "slug": "second", "default_country": "BG"}
    )
    assert response.status_code == 302
    assert response.url == "/w/second/"
    second = Workspace.objects.get(slug="second")
    assert second.name == "Second NGO"
    assert membership(alice, second).role == Role.OWNER
    assert Membership.objects.filter(workspace=second).count() == 1
    assert membership(alice, workspace).role == Role.OWNER  # the first one is untouched


def test_a_workspace_without_a_slug_gets_one_from_its_name(alice_client, alice):
    response = alice_client.post(
        "/workspaces/new/", {"name": "Fresh Start", "slug": "", "default_country": "BG"}
    )
    assert response.status_code == 302
    assert response.url == "/w/fresh-start/"
    assert membership(alice, Workspace.objects.get(slug="fresh-start")).role == Role.OWNER


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ngo", "This address is taken."),
        (" ngo ", "This address is taken."),
        ("NGO", "lowercase"),
        ("Bad Slug!", "lowercase"),
    ],
)
def test_a_taken_or_bad_slug_is_400(alice_client, slug, message):
    before = counts()
    response = alice_client.post(
        "/workspaces/new/", {"name": "Copycat", "slug": slug, "default_country": "BG"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_workspace_create_needs_sign_in_and_get_or_post(alice_client, db):
    before = counts()
    response = anonymous().post("/workspaces/new/", {"name": "Sneaky", "slug": "sneaky"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert counts() == before
    assert alice_client.put("/workspaces/new/").status_code == 405


# --- API tokens ----------------------------------------------------------------------------


def _new_token(client, name="website form") -> str:
    response = client.post("/w/ngo/api-tokens/", {"name": name})
    assert response.status_code == 200
    match = re.search(
        r'<code class="secret" id="new-token">([^<]+)</code>', response.content.decode()
    )
    assert match, "the new token is not shown"
    return match.group(1)


def test_creating_a_token_shows_the_secret_once_and_stores_only_its_hash(alice, alice_client):
    secret = _new_token(alice_client)
    token = ApiToken.objects.get()
    assert (token.user, token.workspace.slug, token.name) == (alice, "ngo", "website form")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.key_hash, token.prefix)
    assert secret.startswith(token.prefix)
    assert token.revoked_at is None

    again = alice_client.get("/w/ngo/api-tokens/").content.decode()
    assert secret not in again
    assert token.prefix in again


def test_revoking_a_token(alice_client, bob_client):
    secret = _new_token(alice_client)
    token = ApiToken.objects.get()
    revoke = f"/w/ngo/api-tokens/{token.pk}/revoke/"
    api = Client()
    auth = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/organisations", headers=auth).status_code == 200

    assert alice_client.get(revoke).status_code == 405
    assert bob_client.post(revoke).status_code == 404  # not bob's token
    token.refresh_from_db()
    assert token.revoked_at is None

    response = alice_client.post(revoke)
    assert response.status_code == 302
    assert response.url == "/w/ngo/api-tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert alice_client.post(revoke).status_code == 404  # already revoked
    assert api.get("/api/v1/organisations", headers=auth).status_code == 401
    assert token.prefix not in alice_client.get("/w/ngo/api-tokens/").content.decode()


def test_tokens_are_listed_only_for_their_owner(alice_client, bob_client):
    _new_token(alice_client)
    prefix = ApiToken.objects.get().prefix
    assert prefix not in bob_client.get("/w/ngo/api-tokens/").content.decode()


# --- management commands -------------------------------------------------------------------


def _run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.mark.argon2
@pytest.mark.django_db
def test_create_workspace_command_creates_user_workspace_and_owner():
    output = _run(
        "create_workspace", slug="green", name="Green", owner="Dora@Example.org", password=PASSWORD
    )
    assert "green" in output
    dora = User.objects.get(email="dora@example.org")
    assert dora.check_password(PASSWORD)
    assert dora.password.startswith("argon2")
    workspace = Workspace.objects.get(slug="green")
    assert workspace.name == "Green"
    assert membership(dora, workspace).role == Role.OWNER
    assert counts() == (1, 1, 1)


def test_create_workspace_command_for_an_existing_user_duplicates_nothing(alice, workspace):
    before_users = User.objects.count()
    _run("create_workspace", slug="second", name="Second", owner="alice@example.org")
    second = Workspace.objects.get(slug="second")
    assert membership(alice, second).role == Role.OWNER
    assert User.objects.count() == before_users
    after_first = counts()

    _run("create_workspace", slug="second", name="Second", owner="ALICE@example.org")
    _run("create_workspace", slug="ngo", name="Our NGO", owner="alice@example.org")
    assert counts() == after_first
    assert Membership.objects.filter(user=alice).count() == 2
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)  # no --password: the password is left alone


def test_create_workspace_command_rejects_a_bad_slug(db):
    with pytest.raises(CommandError):
        _run("create_workspace", slug="Bad Slug!", name="X", owner="x@example.org")
    assert counts() == (0, 0, 0)


def test_create_api_token_command_prints_a_working_token(alice, workspace):
    secret = _run("create_api_token", email="Alice@example.org", workspace="ngo").strip()
    token = ApiToken.objects.get()
    assert token.key_hash == hash_secret(secret)
    assert (token.user, token.workspace) == (alice, workspace)
    response = Client().get("/api/v1/organisations", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_create_api_token_command_refuses_a_non_member(oscar, workspace):
    with pytest.raises(CommandError):
        _run("create_api_token", email="oscar@example.org", workspace="ngo")
    with pytest.raises(CommandError):
        _run("create_api_token", email="alice@example.org", workspace="no-such-workspace")
    assert not ApiToken.objects.exists()
