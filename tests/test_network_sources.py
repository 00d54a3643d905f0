"""Where we found our partners: sources against partnership outcomes, evaluations and health."""

from datetime import timedelta

import pytest
from django.utils import timezone

from svrazka.network import sources
from svrazka.partnerships.models import Evaluation, Partnership, PartnershipPartner
from svrazka.touchpoints.models import Health
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


def partner(ws, org, status):
    p = Partnership.objects.create(workspace=ws, title=f"{org.name} {status}", status=status)
    PartnershipPartner.objects.create(workspace=ws, partnership=p, organisation=org)
    return p


@pytest.fixture
def record(workspace, alice):
    conf_a = make_organisation(workspace, alice, name="От конференция А", where_found="conference")
    conf_b = make_organisation(workspace, alice, name="От конференция Б", where_found="conference")
    make_organisation(workspace, alice, name="От конференция В", where_found="conference")
    platform = make_organisation(workspace, alice, name="От платформа", where_found="platform")
    make_organisation(workspace, alice, name="Без източник")
    done = partner(workspace, conf_a, "completed")
    partner(workspace, conf_b, "ended")
    partner(workspace, conf_b, "completed")
    partner(workspace, platform, "active")
    Evaluation.objects.create(
        workspace=workspace, partnership=done, organisation=conf_a, ratings={"trust": 5, "goals": 4}
    )
    Health.objects.create(
        workspace=workspace,
        subject="organisation",
        object_id=platform.pk,
        score=80,
        computed_at=timezone.now() - timedelta(hours=1),
    )
    return conf_a, conf_b, platform


def test_rows_by_source(workspace, record):
    rows = {r.key: r for r in sources.by_source(workspace)}
    conference, platform, missing = rows["conference"], rows["platform"], rows[""]
    assert (conference.organisations, conference.partners) == (3, 2)
    assert (conference.completed, conference.ended, conference.active) == (2, 1, 0)
    assert conference.success == pytest.approx(2 / 3)
    assert conference.rating == pytest.approx(4.5)
    assert conference.health is None
    assert (platform.partners, platform.active, platform.health) == (1, 1, 80)
    assert (missing.organisations, missing.partners) == (1, 0)
    assert [r.key for r in sources.by_source(workspace)][0] == "conference"


def test_page_with_charts_and_json(alice_client, record):
    response = alice_client.get("/w/ngo/network/sources/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="sources-chart-partners"' in body and "<rect" in body
    assert "Conference" in body and "Partner-search platform" in body
    data = alice_client.get("/w/ngo/network/sources/?format=json").json()["sources"]
    conference = next(s for s in data if s["source"] == "conference")
    assert conference["partnerships"] == {
        "active": 0,
        "completed": 2,
        "ended_early": 1,
        "other": 0,
    }
    assert conference["success_rate"] == pytest.approx(0.667, abs=0.001)


def test_page_in_bulgarian(alice_client, record):
    body = alice_client.get("/w/ngo/network/sources/", HTTP_ACCEPT_LANGUAGE="bg").content.decode()
    assert "Къде намерихме партньорите си" in body


def test_empty_workspace_says_what_to_do(alice_client):
    body = alice_client.get("/w/ngo/network/sources/").content.decode()
    assert 'id="sources-empty"' in body


def test_outsider_gets_404(oscar_client, record):
    assert oscar_client.get("/w/ngo/network/sources/").status_code == 404
