"""The network map's pages and JSON: access, graph shape and filters, bad parameters, exports,
and the trends page across snapshots."""

from datetime import date, timedelta

import pytest

from svrazka.network import graph
from tests.factories import make_organisation, make_person

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def needs_graph():
    graph.forget_all()
    return graph


def build_network(workspace, alice):
    """Us → Мария (a meeting last month) → Зелена планета (works at, since 2015); Мария → Verde
    (knows, since 2024): at the end of 2020, Verde is not yet in the network."""
    from django.utils import timezone

    from svrazka.network.models import Relationship
    from svrazka.touchpoints.models import Direction, Interaction

    maria = make_person(workspace, alice, given_name="Мария", family_name="Петрова", country="BG")
    zelena = make_organisation(workspace, alice, name="Зелена планета", country="BG")
    verde = make_organisation(workspace, alice, name="Asociația Verde", country="RO")
    Relationship.objects.create(
        workspace=workspace,
        kind="works_at",
        from_person=maria,
        to_organisation=zelena,
        strength=4,
        started_on=date(2015, 1, 1),
    )
    Relationship.objects.create(
        workspace=workspace,
        kind="knows",
        from_person=maria,
        to_organisation=verde,
        strength=3,
        started_on=date(2024, 1, 1),
    )
    when = timezone.now() - timedelta(days=30)
    interaction = Interaction.objects.create(
        workspace=workspace,
        channel="meeting",
        direction=list(Direction.values)[0],
        occurred_at=when,
        subject="Coffee",
    )
    interaction.people.add(maria, through_defaults={"workspace": workspace, "occurred_at": when})
    interaction.users.add(alice)
    return maria, zelena, verde


def url(name_suffix: str) -> str:
    return f"/w/ngo/network/{name_suffix}"


def test_map_page_renders_for_a_member(alice_client):
    response = alice_client.get(url(""))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="network-strings"' in body
    assert "vendor/cytoscape/cytoscape.min.js" in body
    assert "Warm introduction" in body


@pytest.mark.parametrize(
    "suffix", ["", "graph.json", "paths.json?to=o1", "export?format=json", "trends/"]
)
def test_outsider_gets_404(oscar_client, workspace, suffix):
    assert oscar_client.get(url(suffix)).status_code == 404


def test_outsider_cannot_take_a_snapshot(oscar_client, workspace):
    assert oscar_client.post(url("snapshots/new")).status_code == 404


def test_graph_json_shape_and_filters(alice_client, needs_graph, workspace, alice):
    maria, zelena, verde = build_network(workspace, alice)
    data = alice_client.get(url("graph.json")).json()
    assert set(data) >= {"nodes", "edges", "aggregated", "total_nodes", "total_edges", "message"}
    ids = {n["id"] for n in data["nodes"]}
    assert {f"p{maria.pk}", f"o{zelena.pk}", f"o{verde.pk}"} <= ids
    for node in data["nodes"]:
        assert set(node) >= {
            "id",
            "label",
            "kind",
            "type",
            "country",
            "community",
            "health",
            "size",
        }
    for edge in data["edges"]:
        assert edge["source"] in ids and edge["target"] in ids

    ro = alice_client.get(url("graph.json?country=RO&kind=organisation")).json()
    assert f"o{verde.pk}" in {n["id"] for n in ro["nodes"]}
    assert f"o{zelena.pk}" not in {n["id"] for n in ro["nodes"]}

    earlier = alice_client.get(url("graph.json?as_of=2020-12-31")).json()
    assert f"o{verde.pk}" not in {n["id"] for n in earlier["nodes"]}
    assert len(earlier["nodes"]) < len(data["nodes"])

    focused = alice_client.get(url(f"graph.json?focus=o{zelena.pk}&hops=1")).json()
    assert {f"o{zelena.pk}", f"p{maria.pk}"} <= {n["id"] for n in focused["nodes"]}
    assert f"o{verde.pk}" not in {n["id"] for n in focused["nodes"]}


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("focus=o999999", 404, ""),
        ("as_of=2020-13-45", 400, "date"),
        ("focus=w&hops=0", 400, "Hops"),
        ("focus=w&hops=7", 400, "Hops"),
        ("focus=w&hops=two", 400, "Hops"),
        ("limit=0", 400, "limit"),
        ("limit=lots", 400, "limit"),
        ("cause=x", 400, "cause"),
    ],
)
def test_bad_parameters_answer_a_clear_message(
    needs_graph, alice_client, workspace, alice, query, status, words
):
    build_network(workspace, alice)
    response = alice_client.get(url(f"graph.json?{query}"))
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert words in response.json()["message"]


def test_bad_parameters_in_bulgarian(needs_graph, workspace, alice):
    from tests.conftest import client_for

    client = client_for(alice)
    response = client.get(url("graph.json?hops=9&focus=w"), HTTP_ACCEPT_LANGUAGE="bg")
    assert response.status_code == 400
    assert response.json()["message"]


def test_paths_json(alice_client, needs_graph, workspace, alice):
    maria, zelena, verde = build_network(workspace, alice)
    data = alice_client.get(url(f"paths.json?to=o{zelena.pk}")).json()
    assert data["paths"]
    best = data["paths"][0]
    assert best["ask"]["id"] == f"p{maria.pk}"
    assert best["summary"]
    assert alice_client.get(url("paths.json?to=o999999")).status_code == 404
    assert alice_client.get(url("paths.json")).status_code == 400


@pytest.mark.parametrize(
    ("fmt", "content_type", "ext"),
    [
        ("graphml", "application/graphml+xml", "graphml"),
        ("gexf", "application/gexf+xml", "gexf"),
        ("json", "application/json", "json"),
    ],
)
def test_export_content_types(needs_graph, alice_client, workspace, alice, fmt, content_type, ext):
    build_network(workspace, alice)
    response = alice_client.get(url(f"export?format={fmt}"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith(f'.{ext}"')
    assert "Зелена планета" in response.content.decode()


def test_export_unknown_format(needs_graph, alice_client, workspace):
    response = alice_client.get(url("export?format=pdf"))
    assert response.status_code == 400
    assert "format" in response.json()["message"]


def test_trends_page_with_two_snapshots(alice_client, workspace, alice):
    from django.utils import timezone

    from svrazka.network.models import NodeMetric, Snapshot

    maria = make_person(workspace, alice, given_name="Мария", family_name="Петрова")
    done = Snapshot.Status.DONE
    first = Snapshot.objects.create(
        workspace=workspace,
        status=done,
        as_of=date(2025, 1, 1),
        computed_at=timezone.now(),
        nodes=10,
        edges=12,
        density=0.2667,
        active_ties=9,
        isolated_partners=3,
    )
    second = Snapshot.objects.create(
        workspace=workspace,
        status=done,
        as_of=date(2026, 1, 1),
        computed_at=timezone.now(),
        nodes=14,
        edges=20,
        density=0.2198,
        active_ties=15,
        isolated_partners=1,
    )
    NodeMetric.objects.create(
        workspace=workspace,
        snapshot=second,
        node=f"p{maria.pk}",
        brokerage=0.9,
        betweenness=0.5,
        degree=4,
    )
    NodeMetric.objects.create(workspace=workspace, snapshot=first, node="o99999", brokerage=0.99)
    response = alice_client.get(url("trends/"))
    assert response.status_code == 200
    body = response.content.decode()
    for chart in ("chart-density", "chart-active", "chart-isolated"):
        assert chart in body
    assert body.count("<circle") >= 6
    assert "0.2667" in body and "0.2198" in body
    assert "Suggested liaisons" in body
    assert "Мария Петрова" in body or "Петрова" in body
    assert "o99999" not in body  # the brokers are the latest snapshot's


def test_trends_page_without_snapshots(alice_client):
    response = alice_client.get(url("trends/"))
    assert response.status_code == 200
    assert "No snapshots yet" in response.content.decode()


def test_taking_a_snapshot_queues_it(alice_client, workspace, monkeypatch):
    from svrazka.network import tasks

    calls = []
    if hasattr(tasks, "enqueue_snapshot"):
        monkeypatch.setattr(tasks, "enqueue_snapshot", lambda ws, actor=None: calls.append(ws))
    else:
        monkeypatch.setattr(tasks.take_snapshot, "enqueue", lambda *a, **k: calls.append(a))
    response = alice_client.post(url("snapshots/new"))
    assert response.status_code == 302
    assert calls
    assert alice_client.get(url("snapshots/new")).status_code == 405


def test_a_viewer_cannot_take_a_snapshot(vera_client):
    assert vera_client.post(url("snapshots/new")).status_code == 403
