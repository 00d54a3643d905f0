"""The JSON API for touchpoints: interactions, health, alerts and cadences."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from svrazka.touchpoints import services
from svrazka.touchpoints.models import Interaction
from tests.api_client import Caller
from tests.factories import make_organisation, make_person


@pytest.fixture
def api(workspace, alice):
    return Caller.of(Client(), workspace, alice)


@pytest.fixture
def viewer_api(workspace, vera):
    return Caller.of(Client(), workspace, vera)


@pytest.fixture
def outsider_api(other_workspace, oscar):
    return Caller.of(Client(), other_workspace, oscar)


@pytest.fixture
def maria(workspace, alice):
    return make_person(workspace, alice, given_name="Мария", family_name="Иванова")


def test_log_list_and_read_an_interaction(api, maria, alice, workspace):
    org = make_organisation(workspace, alice, name="Мост")
    response = api.post(
        "/interactions",
        {
            "channel": "phone",
            "direction": "out",
            "occurred_at": "2026-11-20T14:30:00+02:00",
            "people": [maria.pk],
            "organisations": [org.pk],
            "users": [alice.pk],
            "summary": "Обаждане за срещата",
            "awaiting_reply": True,
            "reply_expected_by": "2026-11-24",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["people"] == [{"id": maria.pk, "name": "Мария Иванова"}]
    assert body["organisations"] == [{"id": org.pk, "name": "Мост"}]
    assert body["awaiting_reply"] is True
    assert body["source"] == "api"
    listed = api.get("/interactions", {"person": maria.pk}).json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]
    assert api.get("/interactions", {"organisation": org.pk}).json()["items"][0]["id"] == body["id"]
    assert api.get(f"/interactions/{body['id']}").json()["summary"] == "Обаждане за срещата"


def test_bad_input_is_422_and_changes_nothing(api, maria, outsider_api, other_workspace, oscar):
    stranger = make_person(other_workspace, oscar)
    for bad in (
        {"channel": "pigeon", "direction": "out", "occurred_at": "2026-11-20T14:30:00+02:00"},
        {"channel": "email", "direction": "out", "occurred_at": "2026-11-20T14:30:00"},
        {
            "channel": "email",
            "direction": "out",
            "occurred_at": "2026-11-20T14:30:00Z",
            "people": [stranger.pk],
        },
        {"channel": "email", "direction": "out", "occurred_at": "2026-11-20T14:30:00Z"},
        {
            "channel": "email",
            "direction": "out",
            "occurred_at": "2026-11-20T14:30:00Z",
            "people": [maria.pk],
            "unknown": 1,
        },
    ):
        response = api.post("/interactions", bad)
        assert response.status_code == 422, (bad, response.content)
    assert not Interaction.objects.exists()


def test_patch_with_a_stale_version_is_409(api, maria):
    created = api.post(
        "/interactions",
        {
            "channel": "email",
            "direction": "in",
            "occurred_at": "2026-11-20T10:00:00Z",
            "people": [maria.pk],
            "summary": "Първо",
        },
    ).json()
    ok = api.patch(f"/interactions/{created['id']}", {"summary": "Второ", "version": 1})
    assert ok.status_code == 200
    assert ok.json()["summary"] == "Второ"
    stale = api.patch(f"/interactions/{created['id']}", {"summary": "Трето", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert api.delete(f"/interactions/{created['id']}").status_code == 204
    assert api.get(f"/interactions/{created['id']}").status_code == 404


def test_health_and_alerts(api, workspace, alice, maria):
    now = timezone.now()
    services.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="out",
        occurred_at=now - timedelta(days=9),
        people=[maria],
        awaiting_reply=True,
        reply_expected_by=(now - timedelta(days=2)).date(),
    )
    body = api.get(f"/health/person/{maria.pk}").json()
    assert body["name"] == "Мария Иванова"
    assert body["alert"] is True
    assert body["overdue_replies"] == 1
    assert body["reasons"][0]["code"] == "overdue_reply"
    assert "Мария Иванова" in body["reasons"][0]["text"]
    alerts = api.get("/health/alerts", {"subject": "person"}).json()
    assert [(a["subject"], a["id"]) for a in alerts["items"]] == [("person", maria.pk)]
    cadence = api.put(f"/health/person/{maria.pk}/cadence", {"days": 5})
    assert cadence.status_code == 200
    assert cadence.json()["cadence_days"] == 5
    assert api.put(f"/health/person/{maria.pk}/cadence", {"days": 0}).status_code == 422


def test_viewers_read_but_cannot_write(viewer_api, maria):
    assert viewer_api.get("/interactions").status_code == 200
    assert viewer_api.get(f"/health/person/{maria.pk}").status_code == 200
    response = viewer_api.post(
        "/interactions",
        {
            "channel": "email",
            "direction": "in",
            "occurred_at": "2026-11-20T10:00:00Z",
            "people": [maria.pk],
        },
    )
    assert response.status_code == 403
    assert viewer_api.put(f"/health/person/{maria.pk}/cadence", {"days": 5}).status_code == 403


def test_outsiders_get_404(outsider_api, api, maria):
    created = api.post(
        "/interactions",
        {
            "channel": "email",
            "direction": "in",
            "occurred_at": "2026-11-20T10:00:00Z",
            "people": [maria.pk],
        },
    ).json()
    assert outsider_api.get(f"/interactions/{created['id']}").status_code == 404
    assert outsider_api.get(f"/health/person/{maria.pk}").status_code == 404
    assert outsider_api.get("/interactions", {"person": maria.pk}).status_code == 404
    assert outsider_api.get("/interactions").json()["items"] == []


def test_tasks_through_the_api(api, maria, alice, bob):
    created = api.post(
        "/tasks",
        {
            "title": "Изпрати протокола",
            "assignee": bob.pk,
            "due_date": "2026-01-31",
            "recurrence": "monthly",
            "person": maria.pk,
        },
    )
    assert created.status_code == 201, created.content
    task = created.json()
    assert task["assignee"]["id"] == bob.pk
    assert task["person"] == {"id": maria.pk, "name": "Мария Иванова"}
    assert [t["id"] for t in api.get("/tasks", {"assignee": bob.pk}).json()["items"]] == [
        task["id"]
    ]
    done = api.post(f"/tasks/{task['id']}/done").json()
    assert done["task"]["done_at"] is not None
    assert done["next"]["due_date"] > "2026-01-31"
    assert done["next"]["recurrence"] == "monthly"
    assert api.post(f"/tasks/{task['id']}/reopen").json()["done_at"] is None
    stale = api.patch(f"/tasks/{task['id']}", {"title": "Друго", "version": 1})
    assert stale.status_code == 409
    assert api.delete(f"/tasks/{task['id']}").status_code == 204


def test_bad_tasks_are_422(api, other_workspace, oscar, vera, viewer_api):
    stranger = make_person(other_workspace, oscar)
    for bad in (
        {"title": ""},
        {"title": "Х", "person": stranger.pk},
        {"title": "Х", "assignee": oscar.pk},
        {"title": "Х", "recurrence": "weekly"},
        {"title": "Х", "recurrence": "hourly", "due_date": "2026-01-01"},
    ):
        response = api.post("/tasks", bad)
        assert response.status_code == 422, (bad, response.content)
    assert viewer_api.post("/tasks", {"title": "Х"}).status_code == 403
    assert api.get("/tasks").json()["items"] == []
