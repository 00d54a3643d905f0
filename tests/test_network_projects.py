"""Joint projects as a partner source in the UI: a project's page with its participants, an
organisation's projects on its page, and the recommendation page's answers to bad input."""

from datetime import date

import pytest

from svrazka.partnerships.models import JointProject, Partnership, ProjectParticipant
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def eu_project(workspace, alice):
    coordinator = make_organisation(workspace, alice, name="Университет Х", pic="999111222")
    partner = make_organisation(workspace, alice, name="Сдружение Зора", country="BG")
    project = JointProject.objects.create(
        workspace=workspace,
        source="cordis",
        external_id="101000001",
        acronym="REUSE",
        title="Reuse of textiles",
        topics="SC5;CE-SC5-07-2020",
        start_date=date(2020, 1, 1),
    )
    ProjectParticipant.objects.create(
        workspace=workspace, project=project, organisation=coordinator, role="coordinator"
    )
    ProjectParticipant.objects.create(
        workspace=workspace, project=project, organisation=partner, role="participant"
    )
    return project, coordinator, partner


def test_project_page_lists_participants_and_topics(alice_client, eu_project):
    project, coordinator, partner = eu_project
    body = alice_client.get(f"/w/ngo/network/projects/{project.pk}/").content.decode()
    assert "REUSE" in body and "Reuse of textiles" in body
    assert "Университет Х" in body and "Coordinator" in body and "Сдружение Зора" in body
    assert "CE-SC5-07-2020" in body
    assert f"/w/ngo/network/recommendations/?project={project.pk}" in body


def test_organisation_page_shows_its_projects(alice_client, eu_project):
    project, coordinator, _partner = eu_project
    body = alice_client.get(f"/w/ngo/organisations/{coordinator.pk}/").content.decode()
    assert 'id="organisation-projects"' in body
    assert f"/w/ngo/network/projects/{project.pk}/" in body
    assert f"?focus=o{coordinator.pk}" in body


def test_partnership_page_links_to_recommendations(alice_client, workspace):
    partnership = Partnership.objects.create(workspace=workspace, title="Чиста вода")
    body = alice_client.get(f"/w/ngo/partnerships/{partnership.pk}/").content.decode()
    assert f"/w/ngo/network/recommendations/?partnership={partnership.pk}" in body


def test_recommendation_page_without_a_question_shows_the_form(alice_client):
    response = alice_client.get("/w/ngo/network/recommendations/")
    assert response.status_code == 200
    assert 'id="recommend-form"' in response.content.decode()
    assert 'id="recommendations"' not in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ("country=XX", "Unknown country code: XX."),
        ("coordinator=123456789", "No organisation “123456789” in this workspace"),
        ("type=spaceship", "Unknown organisation type."),
        ("partnership=abc", "Unknown partnership."),
    ],
)
def test_recommendation_page_bad_input(alice_client, query, message):
    response = alice_client.get(f"/w/ngo/network/recommendations/?theme=water&{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_another_workspaces_partnership_or_project_is_404(oscar_client, eu_project, workspace):
    project, _c, _p = eu_project
    partnership = Partnership.objects.create(workspace=workspace, title="Чужда")
    for url in (
        f"/w/other/network/recommendations/?project={project.pk}",
        f"/w/other/network/recommendations/?partnership={partnership.pk}",
        f"/w/other/network/projects/{project.pk}/",
    ):
        assert oscar_client.get(url).status_code == 404, url


def test_an_attached_shortlist_shows_in_the_partnerships_before_phase(
    alice_client, workspace, alice
):
    from svrazka.scorecards import services as scorecards

    partnership = Partnership.objects.create(workspace=workspace, title="Чиста вода")
    candidate = make_organisation(workspace, alice, name="Кандидат ООД")
    card = scorecards.create_default_scorecards(workspace=workspace, actor=alice)[0]
    scorecards.assessment_create(
        scorecard=card, actor=alice, organisation=candidate, shortlisted=True
    )
    scorecards.shortlist_attach(scorecard=card, partnership=partnership, actor=alice)
    body = alice_client.get(f"/w/ngo/partnerships/{partnership.pk}/").content.decode()
    before = body[body.index("phase-before") : body.index("phase-during")]
    assert 'id="shortlist"' in before and "Кандидат ООД" in before
