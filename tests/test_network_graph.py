"""The graph engine and the metrics: what the network is made of at a date, focus and
aggregation, warm paths, exports, snapshots kept over time."""

import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import timezone

from svrazka.contacts.models import Affiliation
from svrazka.network import formats, graph, metrics
from svrazka.network.models import NodeMetric, Relationship, Snapshot
from svrazka.partnerships.models import (
    JointProject,
    Partnership,
    PartnershipPartner,
    ProjectParticipant,
)
from svrazka.touchpoints.models import Interaction
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    graph.forget_all()
    yield
    graph.forget_all()


def tie(ws, a, b, kind="knows", strength=3, since=None, until=None):
    fields = {"workspace": ws, "kind": kind, "strength": strength}
    fields["from_person" if a.__class__.__name__ == "Person" else "from_organisation"] = a
    fields["to_person" if b.__class__.__name__ == "Person" else "to_organisation"] = b
    return Relationship.objects.create(**fields, started_on=since, ended_on=until)


def talk(ws, user, *people, days_ago=10):
    when = timezone.now() - timedelta(days=days_ago)
    interaction = Interaction.objects.create(
        workspace=ws, channel="meeting", direction="out", occurred_at=when, subject="Coffee"
    )
    for p in people:
        interaction.people.add(p, through_defaults={"workspace": ws, "occurred_at": when})
    interaction.users.add(user)
    return interaction


def ids(view):
    return {n["id"] for n in view.as_json()["nodes"]}


def test_an_empty_workspace_has_only_us_and_says_so(workspace):
    net = graph.network_for(workspace)
    view = graph.overview(net).as_json()
    assert [n["id"] for n in view["nodes"]] == ["w"]
    assert view["edges"] == []
    assert "empty" in view["message"]
    assert graph.warm_paths(net, "w") == []


def test_edges_of_every_source_and_their_dates(workspace, alice):
    maria = make_person(workspace, alice, given_name="Мария", family_name="Петрова")
    ivan = make_person(workspace, alice, given_name="Иван", family_name="Иванов")
    zelena = make_organisation(workspace, alice, name="Зелена планета")
    verde = make_organisation(workspace, alice, name="Verde")
    Affiliation.objects.create(
        workspace=workspace, person=maria, organisation=zelena, start_date=date(2015, 1, 1)
    )
    tie(workspace, maria, ivan, kind="mentor_of", strength=5, since=date(2024, 3, 1))
    project = JointProject.objects.create(
        workspace=workspace,
        title="Reuse",
        source="cordis",
        external_id="1",
        start_date=date(2019, 1, 1),
    )
    for org in (zelena, verde):
        ProjectParticipant.objects.create(workspace=workspace, project=project, organisation=org)
    partnership = Partnership.objects.create(workspace=workspace, title="Чисти реки")
    PartnershipPartner.objects.create(
        workspace=workspace, partnership=partnership, organisation=verde
    )
    talk(workspace, alice, ivan)

    net = graph.network_for(workspace)
    view = graph.overview(net).as_json()
    kinds = {(e["source"], e["target"]): e["kind"] for e in view["edges"]}
    m, i, z, v = f"p{maria.pk}", f"p{ivan.pk}", f"o{zelena.pk}", f"o{verde.pk}"
    found = {frozenset(k): kind for k, kind in kinds.items()}
    assert found[frozenset([m, z])] == "affiliation"
    assert found[frozenset([m, i])] == "relationship"
    assert found[frozenset([z, v])] == "project"
    assert found[frozenset(["w", v])] == "partnership"
    assert found[frozenset(["w", i])] == "interaction"

    # In 2020 the mentorship (since 2024) did not exist yet; the project (2019) did.
    past = graph.overview(graph.network_for(workspace, as_of=date(2020, 6, 1))).as_json()
    past_edges = {frozenset([e["source"], e["target"]]) for e in past["edges"]}
    assert frozenset([m, i]) not in past_edges
    assert frozenset([z, v]) in past_edges
    # And the other direction of a relationship is named the other way.
    path = graph.warm_paths(net, m)[0].as_json()
    assert path["steps"][-1]["label"] == "mentee of"


def test_self_loops_are_ignored_and_parallel_ties_merge(workspace, alice):
    a = make_person(workspace, alice, given_name="А", family_name="А")
    b = make_person(workspace, alice, given_name="Б", family_name="Б")
    Relationship.objects.create(
        workspace=workspace, kind="knows", from_person=a, to_person=a, strength=5
    )
    tie(workspace, a, b, strength=2)
    tie(workspace, b, a, kind="adviser_of", strength=4)
    net = graph.network_for(workspace)
    assert net.m == 1
    # Two independent ties of 0.4 and 0.8 make 1 − 0.6·0.2 = 0.88, named by the stronger.
    edge = graph.focus(net, f"p{a.pk}").as_json()["edges"][0]
    assert edge["weight"] == pytest.approx(0.88, abs=0.001)
    assert edge["label"] == "adviser of"


def test_unknown_and_foreign_nodes_are_refused(workspace, other_workspace, alice, oscar):
    theirs = make_organisation(other_workspace, oscar, name="Чужда")
    net = graph.network_for(workspace)
    for node in (f"o{theirs.pk}", "x1", "o999999", ""):
        with pytest.raises(graph.UnknownNode):
            graph.focus(net, node)
        with pytest.raises(graph.UnknownNode):
            graph.warm_paths(net, node)


def _star_of_clusters(workspace, alice, clusters=3, size=8):
    """Clusters of people, everyone knowing everyone in their cluster; cluster k's first person
    knows cluster k+1's first person (the bridges)."""
    groups = []
    for c in range(clusters):
        people = [
            make_person(workspace, alice, given_name=f"C{c}", family_name=f"P{i}")
            for i in range(size)
        ]
        for i in range(size):
            for j in range(i + 1, size):
                tie(workspace, people[i], people[j], strength=4)
        groups.append(people)
    for c in range(clusters - 1):
        tie(workspace, groups[c][0], groups[c + 1][0], strength=2)
    return groups


def test_focus_hops_and_aggregation_beyond_the_limit(workspace, alice):
    groups = _star_of_clusters(workspace, alice)
    net = graph.network_for(workspace)
    first = groups[0][1]
    one = graph.focus(net, f"p{first.pk}", hops=1)
    assert ids(one) == {f"p{p.pk}" for p in groups[0]}
    two = graph.focus(net, f"p{first.pk}", hops=2)
    assert f"p{groups[1][0].pk}" in ids(two)
    assert f"p{groups[1][1].pk}" not in ids(two)
    # Six hops reach all 24 people; a limit of 10 groups them instead of listing them.
    everything = graph.focus(net, f"p{first.pk}", hops=6, limit=10).as_json()
    assert everything["aggregated"] is True
    assert everything["total_nodes"] == 24
    groups_json = [n for n in everything["nodes"] if n["kind"] == "group"]
    assert sum(n["size"] for n in groups_json) == 24
    assert "too many" in everything["message"]
    assert everything["nodes"][0]["id"] == f"p{first.pk}"  # the focus stays visible


def test_filters_by_kind_country_and_cause(workspace, alice):
    from svrazka.contacts.models import Cause, OrganisationCause

    bg = make_organisation(workspace, alice, name="Българска", country="BG")
    ro = make_organisation(workspace, alice, name="Română", country="RO")
    person = make_person(workspace, alice, given_name="Мила", family_name="Ив", country="BG")
    for org in (bg, ro):
        tie(workspace, person, org, kind="member_of")
    water = Cause.objects.create(workspace=workspace, name="Вода")
    OrganisationCause.objects.create(workspace=workspace, organisation=ro, cause=water)
    net = graph.network_for(workspace)
    focus = f"p{person.pk}"
    assert ids(graph.focus(net, focus, filters=graph.Filters(countries={"RO"}))) == {
        focus,
        f"o{ro.pk}",
    }
    assert ids(graph.focus(net, focus, filters=graph.Filters(kinds={"person"}))) == {focus}
    assert ids(graph.focus(net, focus, filters=graph.Filters(causes={water.pk}))) == {
        focus,
        f"o{ro.pk}",
    }


def test_warm_paths_prefer_strong_recent_ties_and_say_whom_to_ask(workspace, alice):
    target = make_organisation(workspace, alice, name="Фондация Цел")
    close = make_person(workspace, alice, given_name="Близка", family_name="Позната")
    distant = make_person(workspace, alice, given_name="Далечна", family_name="Позната")
    nobody = make_organisation(workspace, alice, name="Непозната")
    talk(workspace, alice, close, days_ago=5)
    talk(workspace, alice, distant, days_ago=600)
    tie(workspace, close, target, kind="works_at", strength=5)
    tie(workspace, distant, target, kind="knows", strength=1)
    net = graph.network_for(workspace)
    paths = graph.warm_paths(net, f"o{target.pk}")
    assert [p.as_json()["ask"]["id"] for p in paths] == [f"p{close.pk}", f"p{distant.pk}"]
    best = paths[0].as_json()
    assert best["nodes"][0]["id"] == "w" and best["nodes"][-1]["id"] == f"o{target.pk}"
    assert "Близка Позната" in best["summary"] and "works at" in best["summary"]
    assert best["cost"] < paths[1].as_json()["cost"]
    assert graph.warm_paths(net, f"o{nobody.pk}") == []


def test_warm_paths_through_cycles_stop_at_four_steps(workspace, alice):
    chain = [
        make_person(workspace, alice, given_name=f"К{i}", family_name="Верига") for i in range(7)
    ]
    talk(workspace, alice, chain[0])
    for a, b in zip(chain, chain[1:], strict=False):
        tie(workspace, a, b)
    tie(workspace, chain[3], chain[0])  # a cycle
    net = graph.network_for(workspace)
    near = graph.warm_paths(net, f"p{chain[4].pk}")
    assert near and len(near[0].path) - 1 <= 4
    assert all(len(set(p.path)) == len(p.path) for p in near)
    assert graph.warm_paths(net, f"p{chain[6].pk}") == []  # six steps away: too far


def test_a_new_relationship_is_seen_by_the_next_query(
    workspace, alice, django_capture_on_commit_callbacks
):
    a = make_person(workspace, alice, given_name="А", family_name="А")
    b = make_person(workspace, alice, given_name="Б", family_name="Б")
    assert graph.network_for(workspace).m == 0
    with django_capture_on_commit_callbacks(execute=True):
        tie(workspace, a, b)
    assert graph.network_for(workspace).m == 1
    with django_capture_on_commit_callbacks(execute=True):
        Relationship.objects.all().delete()
    assert graph.network_for(workspace).m == 0


def test_exports_are_well_formed(workspace, alice):
    groups = _star_of_clusters(workspace, alice, clusters=2, size=3)
    view = graph.overview(graph.network_for(workspace))
    graphml = ET.fromstring(formats.to_graphml(view))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(graphml.findall(".//g:node", ns)) == len(view.nodes)
    assert len(graphml.findall(".//g:edge", ns)) == len(view.edges) == 7
    gexf = ET.fromstring(formats.to_gexf(view))
    labels = {n.get("label") for n in gexf.iter("{http://gexf.net/1.3}node")}
    assert str(groups[0][0]) in labels or groups[0][0].given_name in " ".join(labels)
    assert json.loads(formats.to_json(view))["total_edges"] == 7


def test_metrics_of_a_path_are_exact(workspace, alice):
    """a — b — c: b lies on the only path between a and c (betweenness 1)."""
    a, b, c = (make_person(workspace, alice, given_name=x, family_name="Път") for x in "abc")
    tie(workspace, a, b)
    tie(workspace, b, c)
    snap = metrics.take_snapshot(workspace)
    rows = {m.node: m for m in NodeMetric.objects.filter(snapshot=snap)}
    assert rows[f"p{b.pk}"].betweenness == pytest.approx(1.0)
    assert rows[f"p{a.pk}"].betweenness == pytest.approx(0.0)
    assert rows[f"p{b.pk}"].degree == 2
    assert rows[f"p{b.pk}"].pagerank > rows[f"p{a.pk}"].pagerank
    assert snap.nodes == 3 and snap.edges == 2
    assert snap.density == pytest.approx(2 / 3)
    assert snap.components == 1


def test_snapshots_find_communities_and_brokers_and_are_never_overwritten(workspace, alice):
    groups = _star_of_clusters(workspace, alice, clusters=3, size=8)
    first = metrics.take_snapshot(workspace)
    assert first.status == Snapshot.Status.DONE
    assert first.communities == 3
    rows = {m.node: m for m in NodeMetric.objects.filter(snapshot=first)}
    community = {c: {rows[f"p{p.pk}"].community for p in g} for c, g in enumerate(groups)}
    assert all(len(v) == 1 for v in community.values())
    assert len(set().union(*community.values())) == 3
    # The middle cluster's bridge person links two other communities: the top broker.
    top = NodeMetric.objects.filter(snapshot=first).order_by("-brokerage", "-betweenness")[0]
    assert top.node == f"p{groups[1][0].pk}"
    second = metrics.take_snapshot(workspace, as_of=date(2000, 1, 1))
    assert second.pk != first.pk
    assert Snapshot.objects.filter(workspace=workspace).count() == 2
    assert NodeMetric.objects.filter(snapshot=first).count() == 24
    # Communities now colour the map.
    node = graph.focus(graph.network_for(workspace), f"p{groups[0][1].pk}").as_json()["nodes"][0]
    assert node["community"] is not None


def test_isolated_partners_and_active_ties(workspace, alice):
    partnership = Partnership.objects.create(workspace=workspace, title="Заедно", status="active")
    quiet = make_organisation(workspace, alice, name="Тиха")
    lively = make_organisation(workspace, alice, name="Жива")
    contact = make_person(workspace, alice, given_name="Жива", family_name="Връзка")
    Affiliation.objects.create(workspace=workspace, person=contact, organisation=lively)
    for org in (quiet, lively):
        PartnershipPartner.objects.create(
            workspace=workspace, partnership=partnership, organisation=org
        )
    talk(workspace, alice, contact, days_ago=20)
    snap = metrics.take_snapshot(workspace)
    assert snap.active_ties == 1
    assert snap.isolated_partners == 1
    assert snap.reach >= 3


def test_betweenness_sample_matches_exact_on_small_graphs():
    from scipy import sparse

    # A star: the centre is on every path between two leaves.
    n = 6
    rows = [0] * (n - 1) + list(range(1, n))
    cols = list(range(1, n)) + [0] * (n - 1)
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    bc = metrics.betweenness(matrix)
    assert bc[0] == pytest.approx(1.0)
    assert np.allclose(bc[1:], 0.0)


def test_people_at_the_same_event_met_each_other(workspace, alice):
    a = make_person(workspace, alice, given_name="Ана", family_name="Събитие")
    b = make_person(workspace, alice, given_name="Боян", family_name="Събитие")
    c = make_person(workspace, alice, given_name="Цвета", family_name="Имейл")
    event = talk(workspace, alice, a, b)
    event.channel = "event"
    event.subject = "Форум на НПО"
    event.save()
    mail = talk(workspace, alice, a, c)
    mail.channel = "email"
    mail.save()
    net = graph.network_for(workspace)
    edges = {
        frozenset([e["source"], e["target"]]): e for e in graph.overview(net).as_json()["edges"]
    }
    met = edges[frozenset([f"p{a.pk}", f"p{b.pk}"])]
    assert met["kind"] == "event" and met["label"] == "met at “Форум на НПО”"
    assert frozenset([f"p{a.pk}", f"p{c.pk}"]) not in edges  # an email is not a meeting
