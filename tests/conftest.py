"""Shared fixtures. The people in the tests: alice owns the workspace "ngo", bob is a member,
vera a viewer, and oscar owns another workspace ("other") and has no access to "ngo"."""

import os
import shutil

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from svrazka.accounts import services as accounts
from svrazka.accounts.models import Membership, Role

PASSWORD = "correct horse battery staple 42"

# What a property test promises is its property, not how fast an example runs: on a busy
# machine (two test workers, two cores) an example can take over Hypothesis's default 200 ms,
# which failed a test once for no fault of the code.
hypothesis_settings.register_profile("svrazka", deadline=None)
hypothesis_settings.load_profile("svrazka")


def pytest_configure(config):
    # Chromium and PostgreSQL are not optional in CI: a missing one is an error, never a skip.
    if os.environ.get("CI") == "true" and not shutil.which("chromium"):
        raise pytest.UsageError("CI=true but Chromium is not installed (apt-get install chromium)")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can see a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is slow by design; tests marked `argon2` keep it, the rest hash cheaply."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    """Files tests save (attachments, scans, raw mail) go to a folder of their own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def alice(db):
    user, _ = accounts.user_get_or_create(email="alice@example.org", password=PASSWORD)
    user.full_name = "Alice Owner"
    user.save()
    return user


@pytest.fixture
def workspace(alice):
    return accounts.workspace_create(slug="ngo", name="Our NGO", owner=alice)


@pytest.fixture
def bob(workspace):
    user, _ = accounts.user_get_or_create(email="bob@example.org", password=PASSWORD)
    Membership.objects.create(workspace=workspace, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def vera(workspace):
    user, _ = accounts.user_get_or_create(email="vera@example.org", password=PASSWORD)
    Membership.objects.create(workspace=workspace, user=user, role=Role.VIEWER)
    return user


@pytest.fixture
def oscar(db):
    user, _ = accounts.user_get_or_create(email="oscar@example.org", password=PASSWORD)
    return user


@pytest.fixture
def other_workspace(oscar):
    return accounts.workspace_create(slug="other", name="Other NGO", owner=oscar)


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="svrazka.accounts.backends.EmailBackend")
    return client


@pytest.fixture
def alice_client(alice, workspace):
    return client_for(alice)


@pytest.fixture
def bob_client(bob):
    return client_for(bob)


@pytest.fixture
def vera_client(vera):
    return client_for(vera)


@pytest.fixture
def oscar_client(oscar, other_workspace):
    return client_for(oscar)
