"""The network at scale: 100,000 people and organisations, about 1,000,000 ties.

    .venv/bin/python bench/network/measure_network.py --seed  # build, then measure
    .venv/bin/python bench/network/measure_network.py  # measure an existing one
    [--workspace bench-network] [--people 70000] [--orgs 30000] [--relationships 900000]
    [--queries 200] [--no-snapshot]

The workspace: people in 300 clusters (a city's NGO scene, a field), each person working at an
organisation of their cluster; relationships mostly inside a cluster, a few across, with
popular nodes chosen more often (Zipf); joint projects of 3–12 organisations; 40 partnerships of
ours; 12,000 interactions of ours with 3,000 people over two years. Measured in process with
DEBUG off: the first build (read the database into arrays, derive today's network), a focus
query (1 and 2 hops, as JSON, the work of network/graph.json), a warm-path query (the 3 best
paths as JSON, the work of network/paths.json), and a metrics snapshot (metrics.take_snapshot,
stored). Prints JSON and writes bench/network/results-<vendor>.json.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

CLUSTERS = 300


def _zipf_pick(rng, items, n, s=1.1):
    weights = [1.0 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights=weights, k=n)


def seed(slug: str, people: int, orgs: int, relationships: int) -> None:
    from svrazka.accounts.models import Membership, Role, User, Workspace
    from svrazka.contacts.models import Affiliation, Organisation, Person
    from svrazka.network.models import Relationship, RelationshipKind
    from svrazka.partnerships.models import (
        JointProject,
        Partnership,
        PartnershipPartner,
        ProjectParticipant,
    )
    from svrazka.touchpoints.models import Interaction, InteractionPerson

    rng = random.Random(20261205)
    old = Workspace.objects.filter(slug=slug).first()
    if old:
        print(f"deleting the old {slug} …", file=sys.stderr)
        for model in (
            InteractionPerson,
            Interaction,
            Relationship,
            ProjectParticipant,
            JointProject,
            PartnershipPartner,
            Partnership,
            Affiliation,
        ):
            model.objects.filter(workspace=old)._raw_delete(connection.alias)
        old.delete()
    owner, _ = User.objects.get_or_create(email="bench@svrazka.localhost")
    owner.set_password("bench-password")
    owner.save()
    ws = Workspace.objects.create(name="Bench network", slug=slug)
    Membership.objects.create(workspace=ws, user=owner, role=Role.OWNER)
    began = time.perf_counter()
    countries = ["BG", "BG", "BG", "RO", "GR", "DE", "IT", "ES", "FR", "PL"]
    kinds = ["ngo", "ngo", "ngo", "public_body", "company", "education", "foundation", "media"]
    with transaction.atomic():
        org_objs = [
            Organisation(
                workspace=ws,
                name=f"Организация {i}",
                kind=rng.choice(kinds),
                country=rng.choice(countries),
                sort_key=f"organizaciya {i:06d}",
            )
            for i in range(orgs)
        ]
        Organisation.objects.bulk_create(org_objs, batch_size=5000)
        person_objs = [
            Person(
                workspace=ws,
                given_name=rng.choice(["Мария", "Иван", "Елена", "Георги", "Ana", "Nikos"]),
                family_name=f"Петров{i}",
                country=rng.choice(countries),
                sort_key=f"petrov {i:07d}",
            )
            for i in range(people)
        ]
        Person.objects.bulk_create(person_objs, batch_size=5000)
    org_ids = list(Organisation.objects.filter(workspace=ws).values_list("id", flat=True))
    person_ids = list(Person.objects.filter(workspace=ws).values_list("id", flat=True))
    # Clusters: each node belongs to one; inside a cluster popular nodes come first.
    org_cluster = {o: rng.randrange(CLUSTERS) for o in org_ids}
    person_cluster = {p: rng.randrange(CLUSTERS) for p in person_ids}
    by_cluster_orgs: dict[int, list] = {}
    by_cluster_people: dict[int, list] = {}
    for o, c in org_cluster.items():
        by_cluster_orgs.setdefault(c, []).append(o)
    for p, c in person_cluster.items():
        by_cluster_people.setdefault(c, []).append(p)
    print(f"nodes: {time.perf_counter() - began:.0f} s", file=sys.stderr)

    with transaction.atomic():
        affs = []
        for p in person_ids:
            choices = by_cluster_orgs.get(person_cluster[p]) or org_ids
            o = _zipf_pick(rng, choices, 1)[0]
            start = date(2005, 1, 1) + timedelta(days=rng.randrange(7000))
            affs.append(Affiliation(workspace=ws, person_id=p, organisation_id=o, start_date=start))
        Affiliation.objects.bulk_create(affs, batch_size=5000)
    print(f"affiliations: {time.perf_counter() - began:.0f} s", file=sys.stderr)

    rel_kinds = [k.value for k in RelationshipKind]
    batch = []
    with transaction.atomic():
        for _i in range(relationships):
            c = rng.randrange(CLUSTERS)
            pool_p = by_cluster_people.get(c) or person_ids
            a = _zipf_pick(rng, pool_p, 1)[0] if rng.random() < 0.5 else rng.choice(pool_p)
            if rng.random() < 0.85:
                other = by_cluster_people.get(c) or person_ids
            else:
                other = person_ids
            b = rng.choice(other)
            if a == b:
                continue
            to_org = rng.random() < 0.2
            started = date(2008, 1, 1) + timedelta(days=rng.randrange(6500))
            batch.append(
                Relationship(
                    workspace=ws,
                    kind=rng.choice(rel_kinds),
                    from_person_id=a,
                    to_person_id=None if to_org else b,
                    to_organisation_id=rng.choice(by_cluster_orgs.get(c) or org_ids)
                    if to_org
                    else None,
                    strength=rng.randint(1, 5),
                    started_on=started,
                )
            )
            if len(batch) == 20000:
                Relationship.objects.bulk_create(batch, batch_size=5000)
                batch = []
        Relationship.objects.bulk_create(batch, batch_size=5000)
    print(f"relationships: {time.perf_counter() - began:.0f} s", file=sys.stderr)

    with transaction.atomic():
        projects = []
        for i in range(8000):
            start = date(2010, 1, 1) + timedelta(days=rng.randrange(5500))
            projects.append(
                JointProject(
                    workspace=ws,
                    source="cordis",
                    external_id=str(100000 + i),
                    acronym=f"PRJ{i}",
                    title=f"Project {i}",
                    start_date=start,
                    end_date=start + timedelta(days=365 * rng.randint(1, 4)),
                )
            )
        JointProject.objects.bulk_create(projects, batch_size=5000)
        parts = []
        for project in JointProject.objects.filter(workspace=ws).values_list("id", flat=True):
            c = rng.randrange(CLUSTERS)
            pool = by_cluster_orgs.get(c) or org_ids
            members = set(_zipf_pick(rng, pool, rng.randint(3, 12)))
            if rng.random() < 0.3:
                members.add(rng.choice(org_ids))
            for j, o in enumerate(sorted(members)):
                parts.append(
                    ProjectParticipant(
                        workspace=ws,
                        project_id=project,
                        organisation_id=o,
                        role="coordinator" if j == 0 else "participant",
                    )
                )
        ProjectParticipant.objects.bulk_create(parts, batch_size=5000)
        for i in range(40):
            partnership = Partnership.objects.create(
                workspace=ws, title=f"Партньорство {i}", status="active"
            )
            for o in rng.sample(org_ids, rng.randint(2, 5)):
                PartnershipPartner.objects.create(
                    workspace=ws,
                    partnership=partnership,
                    organisation_id=o,
                    liaison_id=rng.choice(person_ids),
                )
        known = rng.sample(person_ids, 3000)
        now = timezone.now()
        interactions = [
            Interaction(
                workspace=ws,
                channel="email",
                direction="out",
                occurred_at=now - timedelta(days=rng.randrange(730)),
                subject="Hello",
            )
            for _ in range(12000)
        ]
        Interaction.objects.bulk_create(interactions, batch_size=5000)
        links = []
        for interaction in interactions:
            for p in rng.sample(known, rng.randint(1, 2)):
                links.append(
                    InteractionPerson(
                        workspace=ws,
                        interaction_id=interaction.pk,
                        person_id=p,
                        occurred_at=interaction.occurred_at,
                    )
                )
        InteractionPerson.objects.bulk_create(links, batch_size=5000)
    print(f"seeded in {time.perf_counter() - began:.0f} s", file=sys.stderr)


def _pct(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
    }


def measure(slug: str, queries: int, snapshot: bool) -> dict:
    from svrazka.accounts.models import Workspace
    from svrazka.network import graph, metrics

    ws = Workspace.objects.get(slug=slug)
    graph.forget_all()
    started = time.perf_counter()
    network = graph.network_for(ws)
    build_s = time.perf_counter() - started
    result = {
        "vendor": connection.vendor,
        "nodes": int(network.n),
        "edges": int(network.m),
        "first_build_s": round(build_s, 1),
    }
    started = time.perf_counter()
    graph.network_for(ws, as_of=date(2015, 6, 30))
    result["network_at_another_date_s"] = round(time.perf_counter() - started, 2)
    rng = random.Random(7)
    with_ties = [i for i in range(1, network.n) if network.degree[i] > 0]
    nodes = [network.history.node_ids[i] for i in rng.sample(with_ties, queries)]
    for hops in (1, 2):
        times, shown, aggregated = [], [], 0
        for node in nodes:
            t0 = time.perf_counter()
            view = graph.focus(network, node, hops=hops, limit=5000)
            json.dumps(view.as_json())
            times.append((time.perf_counter() - t0) * 1000)
            shown.append(view.total_nodes)
            aggregated += view.aggregated
        result[f"focus_{hops}_hops"] = {
            **_pct(times),
            "median_nodes": int(statistics.median(shown)),
            "aggregated": aggregated,
        }
    t0 = time.perf_counter()
    view = graph.focus(network, nodes[0], hops=6, limit=5000)
    json.dumps(view.as_json())
    result["focus_6_hops_everything_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    result["focus_6_hops_aggregated"] = view.aggregated
    t0 = time.perf_counter()
    json.dumps(graph.overview(network, limit=5000).as_json())
    result["overview_ms"] = round((time.perf_counter() - t0) * 1000, 1)

    graph.warm_paths(network, nodes[0])  # the first one also computes our own two steps
    times, found, hops = [], 0, []
    for node in nodes:
        t0 = time.perf_counter()
        paths = graph.warm_paths(network, node, k=3)
        json.dumps([p.as_json() for p in paths])
        times.append((time.perf_counter() - t0) * 1000)
        found += bool(paths)
        if paths:
            hops.append(len(paths[0].path) - 1)
    result["warm_paths"] = {
        **_pct(times),
        "targets_reached": f"{found}/{len(nodes)}",
        "median_hops": statistics.median(hops) if hops else None,
    }
    # The same through the whole Django stack (session, middleware, JSON response).
    from django.test import Client

    from svrazka.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="bench@svrazka.localhost"))
    for name, url in (
        ("http_graph_json_2_hops", "/w/{slug}/network/graph.json?focus={node}&hops=2"),
        ("http_paths_json", "/w/{slug}/network/paths.json?to={node}"),
    ):
        times = []
        for node in nodes[:50]:
            t0 = time.perf_counter()
            response = client.get(url.format(slug=slug, node=node), secure=True)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        result[name] = _pct(times)
    if snapshot:
        t0 = time.perf_counter()
        snap = metrics.take_snapshot(ws)
        result["snapshot_s"] = round(time.perf_counter() - t0, 1)
        result["snapshot"] = {
            "nodes": snap.nodes,
            "edges": snap.edges,
            "communities": snap.communities,
            "density": snap.density,
            "active_ties": snap.active_ties,
            "isolated_partners": snap.isolated_partners,
            "reach": snap.reach,
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", default="bench-network")
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--people", type=int, default=70000)
    parser.add_argument("--orgs", type=int, default=30000)
    parser.add_argument("--relationships", type=int, default=900000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-snapshot", action="store_true")
    args = parser.parse_args()
    if args.seed:
        seed(args.workspace, args.people, args.orgs, args.relationships)
    result = measure(args.workspace, args.queries, not args.no_snapshot)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    out = Path(__file__).with_name(f"results-{connection.vendor}.json")
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
