"""The network API: relationships CRUD, graph and path queries, snapshots, recommendations;
another workspace's ids are 404 everywhere."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from svrazka.history.models import ChangeRecord
from svrazka.network import graph
from svrazka.network.models import NodeMetric, Relationship, Snapshot
from svrazka.touchpoints.models import Interaction
from tests.api_client import Caller
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


def client_for(workspace, user) -> Caller:
    return Caller.of(Client(HTTP_ACCEPT_LANGUAGE="en"), workspace, user)


@pytest.fixture
def api(workspace, alice):
    return client_for(workspace, alice)


@pytest.fixture
def pair(workspace, alice):
    return (
        make_person(workspace, alice, given_name="Мария", family_name="Петрова"),
        make_organisation(workspace, alice, name="Зелена планета"),
    )


@pytest.fixture
def theirs(other_workspace, oscar):
    return client_for(other_workspace, oscar)


def tie(workspace, source, target, kind="works_at", **kw):
    from svrazka.network import services

    return services.relationship_create(
        workspace=workspace, actor=None, kind=kind, source=source, target=target, **kw
    )


# --- relationships --------------------------------------------------------------------------


def test_relationship_crud_with_versions(api, pair, alice):
    maria, zelena = pair
    created = api.post(
        "/relationships",
        {"kind": "works_at", "source": {"person": maria.pk},
         "target": {"organisation": zelena.pk}, "strength": 4, "started_on": "2020-01-01"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["source"], body["target"], body["label"], body["reverse_label"]) == (
        f"p{maria.pk}", f"o{zelena.pk}", "works at", "employs",
    )  # fmt: skip
    assert (body["source_name"], body["target_name"]) == ("Мария Петрова", "Зелена планета")
    assert (body["strength"], body["started_on"], body["ended_on"], body["version"]) == (
        4, "2020-01-01", None, 1,
    )  # fmt: skip
    rid = body["id"]
    rel = Relationship.objects.get()
    assert rel.created_by == alice
    assert ChangeRecord.objects.filter(object_id=rid, action="create", actor=alice).exists()
    assert api.get(f"/relationships/{rid}").json() == body

    changed = api.patch(
        f"/relationships/{rid}", {"version": 1, "strength": 2, "ended_on": "2024-12-31"}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["strength"], changed.json()["version"]) == (2, 2)
    assert changed.json()["ended_on"] == "2024-12-31"
    stale = api.patch(f"/relationships/{rid}", {"version": 1, "strength": 5})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2 and "Someone else changed" in stale.json()["detail"]
    rel.refresh_from_db()
    assert (rel.strength, rel.version) == (2, 2)

    turned = api.patch(
        f"/relationships/{rid}",
        {"version": 2, "kind": "volunteer_at", "started_on": None},
    )
    assert turned.json()["label"] == "volunteer at" and turned.json()["started_on"] is None
    assert api.delete(f"/relationships/{rid}").status_code == 204
    assert not Relationship.objects.exists()
    assert ChangeRecord.objects.filter(object_id=rid, action="delete").exists()
    assert api.get(f"/relationships/{rid}").status_code == 404


def test_the_list_is_paged_and_filtered_by_either_side(api, workspace, alice, pair):
    maria, zelena = pair
    ivan = make_person(workspace, alice, given_name="Иван", family_name="Иванов")
    a = tie(workspace, maria, zelena)
    b = tie(workspace, zelena, ivan, kind="funder_of")
    c = tie(workspace, ivan, maria, kind="mentor_of")
    first = api.get("/relationships", {"limit": 2}).json()
    assert [r["id"] for r in first["items"]] == [a.pk, b.pk] and first["next_offset"] == 2
    rest = api.get("/relationships", {"limit": 2, "offset": 2}).json()
    assert [r["id"] for r in rest["items"]] == [c.pk] and rest["next_offset"] is None
    by_maria = api.get("/relationships", {"person": maria.pk}).json()["items"]
    assert [r["id"] for r in by_maria] == [a.pk, c.pk]
    by_org = api.get("/relationships", {"organisation": zelena.pk}).json()["items"]
    assert [r["id"] for r in by_org] == [a.pk, b.pk]
    kind = api.get("/relationships", {"person": ivan.pk, "kind": "mentor_of"}).json()
    assert [r["id"] for r in kind["items"]] == [c.pk]
    assert api.get("/relationships", {"kind": "spy_of"}).status_code == 422
    assert api.get("/relationships", {"person": 999999}).status_code == 404


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "knows", "source": {"person": 0}, "target": {"person": 1}}, None),
        ({"kind": "knows", "source": {}, "target": {"organisation": "ZEL"}}, "source"),
        (
            {
                "kind": "knows",
                "source": {"person": "SELF", "organisation": "ZEL"},
                "target": {"organisation": "ZEL"},
            },
            "source",
        ),  # fmt: skip
        ({"kind": "knows", "source": {"person": "SELF"}, "target": {"person": "SELF"}}, "__all__"),
        ({"kind": "knows", "source": {"person": 999999}, "target": {"person": "SELF"}}, "source"),
        ({"kind": "knows", "source": {"person": "SELF"}, "target": {"person": "THEIRS"}}, "target"),
        ({"kind": "spy_of", "source": {"person": "SELF"}, "target": {"organisation": "ZEL"}}, None),
        (
            {
                "kind": "knows",
                "source": {"person": "SELF"},
                "target": {"organisation": "ZEL"},
                "strength": 6,
            },
            None,
        ),  # fmt: skip
        (
            {
                "kind": "knows",
                "source": {"person": "SELF"},
                "target": {"organisation": "ZEL"},
                "started_on": "2024-05-01",
                "ended_on": "2024-01-01",
            },
            "ended_on",
        ),  # fmt: skip
        (
            {
                "kind": "knows",
                "source": {"person": "SELF"},
                "target": {"organisation": "ZEL"},
                "colour": "red",
            },
            None,
        ),  # fmt: skip
    ],
)
def test_bad_relationships_are_422_and_change_nothing(
    api, pair, other_workspace, oscar, payload, field
):
    maria, zelena = pair
    stranger = make_person(other_workspace, oscar)
    names = {"SELF": maria.pk, "ZEL": zelena.pk, "THEIRS": stranger.pk}

    def fill(side):
        return {k: names.get(v, v) if isinstance(v, str) else v for k, v in side.items()}

    payload = {**payload, "source": fill(payload["source"]), "target": fill(payload["target"])}
    response = api.post("/relationships", payload)
    assert response.status_code == 422, response.content
    if field:
        assert response.json()["detail"][0]["loc"] == [field]
    assert not Relationship.objects.exists()


def test_a_duplicate_is_422_with_the_reason(api, pair, workspace):
    maria, zelena = pair
    tie(workspace, maria, zelena)
    response = api.post(
        "/relationships",
        {"kind": "works_at", "source": {"person": maria.pk}, "target": {"organisation": zelena.pk}},
    )
    assert response.status_code == 422
    assert "already recorded" in response.json()["detail"][0]["msg"]
    assert Relationship.objects.count() == 1


def test_bad_changes_are_refused_and_change_nothing(api, pair, workspace):
    maria, zelena = pair
    rel = tie(workspace, maria, zelena, started_on=date(2020, 1, 1))
    url = f"/relationships/{rel.pk}"
    assert api.patch(url, {"strength": 2}).status_code == 422  # no version
    assert api.patch(url, {"version": 1, "ended_on": "2019-01-01"}).status_code == 422
    assert api.patch(url, {"version": 1, "kind": None}).status_code == 422
    assert api.patch(url, {"version": 1, "target": {"person": maria.pk}}).status_code == 422
    assert api.patch(url, {"version": 1, "target": {"person": 999999}}).status_code == 422
    rel.refresh_from_db()
    assert (rel.version, rel.strength, rel.ended_on, rel.kind) == (1, 3, None, "works_at")


def test_a_viewer_reads_but_cannot_write(workspace, vera, pair):
    maria, zelena = pair
    rel = tie(workspace, maria, zelena)
    viewer = client_for(workspace, vera)
    assert viewer.get("/relationships").json()["items"][0]["id"] == rel.pk
    assert viewer.get(f"/relationships/{rel.pk}").status_code == 200
    body = {"kind": "knows", "source": {"person": maria.pk}, "target": {"organisation": zelena.pk}}
    assert viewer.post("/relationships", body).status_code == 403
    assert (
        viewer.patch(f"/relationships/{rel.pk}", {"version": 1, "strength": 1}).status_code == 403
    )
    assert viewer.delete(f"/relationships/{rel.pk}").status_code == 403
    assert viewer.post("/network/snapshots").status_code == 403
    rel.refresh_from_db()
    assert rel.strength == 3 and Relationship.objects.count() == 1
    assert not Snapshot.objects.exists()


def test_another_workspace_sees_nothing(pair, workspace, theirs, other_workspace, oscar):
    maria, zelena = pair
    rel = tie(workspace, maria, zelena)
    snap = Snapshot.objects.create(workspace=workspace, as_of=date(2026, 1, 1))
    assert theirs.get("/relationships").json()["items"] == []
    assert theirs.get(f"/relationships/{rel.pk}").status_code == 404
    assert (
        theirs.patch(f"/relationships/{rel.pk}", {"version": 1, "strength": 1}).status_code == 404
    )
    assert theirs.delete(f"/relationships/{rel.pk}").status_code == 404
    assert theirs.get("/relationships", {"person": maria.pk}).status_code == 404
    assert theirs.get("/relationships", {"organisation": zelena.pk}).status_code == 404
    mine = make_person(other_workspace, oscar)
    body = {"kind": "knows", "source": {"person": mine.pk}, "target": {"organisation": zelena.pk}}
    assert theirs.post("/relationships", body).status_code == 422  # not an id they can name
    assert theirs.get(f"/network/graph?focus=o{zelena.pk}").status_code == 404
    assert theirs.get(f"/network/paths?to=p{maria.pk}").status_code == 404
    assert theirs.get(f"/network/snapshots/{snap.pk}").status_code == 404
    assert theirs.get("/network/snapshots").json()["items"] == []
    assert theirs.get(f"/recommendations?coordinator=o{zelena.pk}").status_code == 422
    ids = {n["id"] for n in theirs.get("/network/graph").json()["nodes"]}
    assert ids == {"w"}
    rel.refresh_from_db()
    assert rel.version == 1 and Relationship.objects.count() == 1


def test_without_a_token_everything_is_401(pair):
    anonymous = Client()
    for path in ("/relationships", "/network/graph", "/network/paths?to=w", "/network/snapshots"):
        assert anonymous.get(f"/api/v1{path}").status_code == 401, path


# --- graph queries --------------------------------------------------------------------------


def test_graph_focus_filters_and_as_of(api, pair, workspace, alice):
    maria, zelena = pair
    ivan = make_person(workspace, alice, given_name="Иван", family_name="Иванов", country="RO")
    tie(workspace, maria, zelena, started_on=date(2020, 1, 1))
    tie(workspace, ivan, zelena, kind="volunteer_at", started_on=date(2024, 1, 1))
    view = api.get("/network/graph", {"focus": f"o{zelena.pk}"}).json()
    assert {n["id"] for n in view["nodes"]} == {f"o{zelena.pk}", f"p{maria.pk}", f"p{ivan.pk}"}
    assert view["aggregated"] is False and view["total_nodes"] == 3
    edge = next(e for e in view["edges"] if f"p{maria.pk}" in (e["source"], e["target"]))
    assert edge["kind"] == "relationship" and edge["label"] == "works at"
    earlier = api.get("/network/graph", {"focus": f"o{zelena.pk}", "as_of": "2022-06-01"}).json()
    assert {n["id"] for n in earlier["nodes"]} == {f"o{zelena.pk}", f"p{maria.pk}"}
    romanians = api.get("/network/graph", {"focus": f"o{zelena.pk}", "country": "ro"}).json()
    assert {n["id"] for n in romanians["nodes"]} == {f"o{zelena.pk}", f"p{ivan.pk}"}
    people = api.get("/network/graph", {"kind": "person"}).json()
    assert {n["id"] for n in people["nodes"]} == {"w", f"p{maria.pk}", f"p{ivan.pk}"}
    grouped = api.get("/network/graph", {"limit": 1}).json()
    assert grouped["aggregated"] is True


@pytest.mark.parametrize(
    "query, status",
    [
        ({"focus": "o999999"}, 404),
        ({"focus": "x12"}, 404),
        ({"hops": 9}, 422),
        ({"hops": 0}, 422),
        ({"limit": 0}, 422),
        ({"as_of": "2024-13-01"}, 422),
        ({"as_of": "yesterday"}, 422),
        ({"kind": "animal"}, 422),
    ],
)
def test_bad_graph_queries_get_a_clear_answer(api, pair, query, status):
    response = api.get("/network/graph", query)
    assert response.status_code == status, response.content
    if status == 404:
        assert "is not a person or organisation of this network" in response.json()["detail"]


def test_warm_paths_say_whom_to_ask(api, pair, workspace, alice):
    maria, zelena = pair
    target = make_organisation(workspace, alice, name="Фондация Цел")
    when = timezone.now() - timedelta(days=5)
    talk = Interaction.objects.create(
        workspace=workspace, channel="meeting", direction="out", occurred_at=when, subject="Coffee"
    )
    talk.people.add(maria, through_defaults={"workspace": workspace, "occurred_at": when})
    talk.users.add(alice)
    tie(workspace, maria, target, strength=5)
    body = api.get("/network/paths", {"to": f"o{target.pk}"}).json()
    assert body["message"] == ""
    [path] = body["paths"]
    assert path["ask"]["id"] == f"p{maria.pk}"
    assert [n["id"] for n in path["nodes"]] == ["w", f"p{maria.pk}", f"o{target.pk}"]
    assert "Мария Петрова" in path["summary"]
    nobody = api.get("/network/paths", {"to": f"o{zelena.pk}"}).json()
    assert nobody["paths"] == [] and "No warm path" in nobody["message"]
    us = api.get("/network/paths", {"to": "w"}).json()
    assert us["paths"] == [] and "That is us" in us["message"]
    assert api.get("/network/paths").status_code == 422
    assert api.get("/network/paths", {"to": "o999999"}).status_code == 404


# --- snapshots ------------------------------------------------------------------------------


def test_snapshots_are_taken_in_the_background_and_listed(
    api, pair, workspace, alice, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    maria, zelena = pair
    tie(workspace, maria, zelena)
    with django_capture_on_commit_callbacks(execute=True):
        taken = api.post("/network/snapshots")
    assert taken.status_code == 202
    assert taken.json()["status"] == "running"  # as it was when the answer went out
    snap = Snapshot.objects.get()
    assert snap.pk == taken.json()["id"] and snap.status == "done"
    assert snap.requested_by == alice
    detail = api.get(f"/network/snapshots/{snap.pk}").json()
    assert detail["status"] == "done" and detail["nodes"] == 2
    assert {m["node"] for m in detail["top_pagerank"]} == {f"p{maria.pk}", f"o{zelena.pk}"}
    labels = {m["node"]: m["label"] for m in detail["top_brokerage"]}
    assert labels[f"o{zelena.pk}"] == "Зелена планета"
    assert labels[f"p{maria.pk}"] == "Мария Петрова"
    assert api.get("/network/snapshots").json()["items"][0]["id"] == snap.pk
    assert api.get("/network/snapshots/999999").status_code == 404


def test_a_snapshot_shows_its_top_twenty_by_pagerank_and_by_brokerage(api, workspace):
    snap = Snapshot.objects.create(workspace=workspace, as_of=date(2026, 1, 1), status="done")
    NodeMetric.objects.bulk_create(
        NodeMetric(
            workspace=workspace,
            snapshot=snap,
            node=f"p{1000 + i}",
            pagerank=i / 100,
            brokerage=(30 - i) / 10,
        )  # fmt: skip
        for i in range(30)
    )
    later = Snapshot.objects.create(workspace=workspace, as_of=date(2025, 1, 1), status="done")
    detail = api.get(f"/network/snapshots/{snap.pk}").json()
    assert len(detail["top_pagerank"]) == 20 and len(detail["top_brokerage"]) == 20
    assert detail["top_pagerank"][0]["node"] == "p1029"
    assert detail["top_brokerage"][0]["node"] == "p1000"
    listed = api.get("/network/snapshots", {"limit": 1}).json()
    assert (
        listed["items"][0]["id"] == later.pk
    )  # newest request first and listed["next_offset"] == 1


# --- recommendations (another router, same network) ------------------------------------------


def test_recommendations_api(api, workspace, alice):
    from svrazka.partnerships.models import JointProject, ProjectParticipant

    a = make_organisation(workspace, alice, name="Координатор", pic="111111111")
    b = make_organisation(workspace, alice, name="Партньор", pic="222222222", country="RO")
    p = JointProject.objects.create(
        workspace=workspace, source="cordis", external_id="1", title="Water",
        topics="SC5", start_date=date(2018, 1, 1),
    )  # fmt: skip
    for org in (a, b):
        ProjectParticipant.objects.create(workspace=workspace, project=p, organisation=org)
    body = api.get("/recommendations?coordinator=111111111&theme=SC5").json()
    assert [c["pic"] for c in body["candidates"]] == ["222222222"]
    assert body["candidates"][0]["reasons"]
    assert api.get("/recommendations").status_code == 422
    assert api.get("/recommendations?theme=x&country=XX").status_code == 422
