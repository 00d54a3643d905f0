"""The network API: relationships CRUD, graph and path queries, snapshots, recommendations;
another workspace's ids are 404 everywhere."""

import pytest

from svrazka.accounts.models import ApiToken
from svrazka.network import graph
from svrazka.network.models import Relationship, Snapshot
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh():
    graph.forget_all()


def client_for(workspace, user):
    from django.test import Client

    _token, secret = ApiToken.issue(workspace=workspace, user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def api(workspace, alice):
    return client_for(workspace, alice)


@pytest.fixture
def pair(workspace, alice):
    return (
        make_person(workspace, alice, given_name="Мария", family_name="Петрова"),
        make_organisation(workspace, alice, name="Зелена планета"),
    )


def test_relationship_crud_with_versions(api, pair):
    maria, zelena = pair
    created = api.post(
        "/api/v1/relationships",
        {"kind": "works_at", "source": {"person": maria.pk},
         "target": {"organisation": zelena.pk}, "strength": 4, "started_on": "2020-01-01"},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["source"], body["target"], body["label"], body["reverse_label"]) == (
        f"p{maria.pk}", f"o{zelena.pk}", "works at", "employs",
    )  # fmt: skip
    rid = body["id"]
    listed = api.get(f"/api/v1/relationships?organisation={zelena.pk}").json()["items"]
    assert [r["id"] for r in listed] == [rid]
    changed = api.patch(
        f"/api/v1/relationships/{rid}", {"version": 1, "strength": 2},
        content_type="application/json",
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json()["strength"] == 2
    stale = api.patch(
        f"/api/v1/relationships/{rid}", {"version": 1, "strength": 5},
        content_type="application/json",
    )  # fmt: skip
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert api.delete(f"/api/v1/relationships/{rid}").status_code == 204
    assert not Relationship.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "knows", "source": {"person": 0}, "target": {"person": 1}}, None),
        ({"kind": "knows", "source": {}, "target": {"organisation": "ZEL"}}, None),
        ({"kind": "knows", "source": {"person": "SELF"}, "target": {"person": "SELF"}}, "__all__"),
        ({"kind": "knows", "source": {"person": 999999}, "target": {"person": "SELF"}}, "source"),
        ({"kind": "spy_of", "source": {"person": "SELF"}, "target": {"organisation": "ZEL"}}, None),
    ],
)
def test_bad_relationships_are_422_and_change_nothing(api, pair, payload, field):
    maria, zelena = pair

    def fill(side):
        return {k: maria.pk if v == "SELF" else zelena.pk if v == "ZEL" else v
                for k, v in side.items()}  # fmt: skip

    payload = {**payload, "source": fill(payload["source"]), "target": fill(payload["target"])}
    response = api.post("/api/v1/relationships", payload, content_type="application/json")
    assert response.status_code == 422, response.content
    if field:
        assert response.json()["detail"][0]["loc"] == [field]
    assert not Relationship.objects.exists()


def test_graph_paths_and_snapshots(
    api, pair, workspace, alice, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    maria, zelena = pair
    Relationship.objects.create(
        workspace=workspace, kind="works_at", from_person=maria, to_organisation=zelena
    )
    view = api.get(f"/api/v1/network/graph?focus=o{zelena.pk}&hops=2").json()
    assert {n["id"] for n in view["nodes"]} == {f"o{zelena.pk}", f"p{maria.pk}"}
    assert api.get("/api/v1/network/graph?focus=o999999").status_code == 404
    assert api.get("/api/v1/network/graph?hops=9").status_code == 422
    paths = api.get(f"/api/v1/network/paths?to=o{zelena.pk}").json()
    assert paths["paths"] == [] and "No warm path" in paths["message"]
    with django_capture_on_commit_callbacks(execute=True):
        taken = api.post("/api/v1/network/snapshots")
    assert taken.status_code == 202
    snap = Snapshot.objects.get()
    assert snap.status == "done"
    detail = api.get(f"/api/v1/network/snapshots/{snap.pk}").json()
    assert detail["nodes"] == 2 and len(detail["top_pagerank"]) == 2
    assert api.get("/api/v1/network/snapshots").json()["items"][0]["id"] == snap.pk


def test_a_viewer_cannot_write(workspace, vera, pair):
    maria, zelena = pair
    viewer = client_for(workspace, vera)
    response = viewer.post(
        "/api/v1/relationships",
        {"kind": "knows", "source": {"person": maria.pk}, "target": {"organisation": zelena.pk}},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert viewer.post("/api/v1/network/snapshots").status_code == 403


def test_another_workspace_sees_nothing(pair, workspace, other_workspace, oscar):
    maria, zelena = pair
    Relationship.objects.create(
        workspace=workspace, kind="works_at", from_person=maria, to_organisation=zelena
    )
    theirs = client_for(other_workspace, oscar)
    assert theirs.get("/api/v1/relationships").json()["items"] == []
    assert theirs.get(f"/api/v1/network/graph?focus=o{zelena.pk}").status_code == 404
    assert theirs.get(f"/api/v1/network/paths?to=p{maria.pk}").status_code == 404
    assert theirs.get(f"/api/v1/recommendations?coordinator=o{zelena.pk}").status_code == 422
    ids = {n["id"] for n in theirs.get("/api/v1/network/graph").json()["nodes"]}
    assert ids == {"w"}


def test_recommendations_api(api, workspace, alice):
    from datetime import date

    from svrazka.partnerships.models import JointProject, ProjectParticipant

    a = make_organisation(workspace, alice, name="Координатор", pic="111111111")
    b = make_organisation(workspace, alice, name="Партньор", pic="222222222", country="RO")
    p = JointProject.objects.create(
        workspace=workspace, source="cordis", external_id="1", title="Water",
        topics="SC5", start_date=date(2018, 1, 1),
    )  # fmt: skip
    for org in (a, b):
        ProjectParticipant.objects.create(workspace=workspace, project=p, organisation=org)
    body = api.get("/api/v1/recommendations?coordinator=111111111&theme=SC5").json()
    assert [c["pic"] for c in body["candidates"]] == ["222222222"]
    assert body["candidates"][0]["reasons"]
    assert api.get("/api/v1/recommendations").status_code == 422
    assert api.get("/api/v1/recommendations?theme=x&country=XX").status_code == 422
