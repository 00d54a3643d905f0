"""Server-side timings of touchpoints on a big workspace (see bench/README.md, issue 4).

    SVRAZKA_VAR_DIR=/tmp/svrazka-bench .venv/bin/python bench/measure_touchpoints.py
    DATABASE_URL=postgres://... .venv/bin/python bench/measure_touchpoints.py --runs 30

Needs a workspace filled by `manage.py seed_bench` and `manage.py seed_bench_interactions`.
Measures in process, as bench/measure.py does (django.test.Client logged in as the owner, the
API with a Bearer token, DEBUG off, close_old_connections around each request, 3 warm-ups, then
--runs timed runs: median and p95 of the wall time, CPU and SQL time, queries):

- the person page (with its timeline and health card) of the person with the most
  interactions, of one with an average number, and of one with none;
- the API `/api/v1/interactions?person=ID` of the busiest and the average person;
- `health.recompute_all(workspace)`, --recompute times (wall and CPU time);
- the incremental update: `services.log_interaction(...)` with one person (an answer, so it also
  closes what that person's awaited replies), the whole call and its `health.refresh` part, each
  in a transaction rolled back afterwards so the data does not drift.

Writes bench/results-touchpoints-<sqlite|postgresql>.json and prints a Markdown table.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).absolute().parent
sys.path.insert(0, str(BENCH_DIR))

# measure.py sets the environment (DEBUG off …) and calls django.setup().
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from measure import (  # noqa: E402
    WARMUPS,
    SqlTimer,
    database,
    explain,
    git_commit,
    machine,
    percentile,
)

from svrazka.accounts.models import ApiToken, Membership, Role, Workspace  # noqa: E402
from svrazka.contacts.models import Affiliation, Person  # noqa: E402
from svrazka.touchpoints import health, services  # noqa: E402
from svrazka.touchpoints.models import Interaction, InteractionPerson  # noqa: E402

TOKEN_NAME = "bench/measure_touchpoints.py"
TARGETS = {"page": 100.0, "recompute": 120_000.0, "incremental": 50.0}


def summary(walls: list[float], cpus: list[float], sqls: list[float], counts: list[int]) -> dict:
    return {
        "median_ms": round(statistics.median(walls), 1),
        "p95_ms": round(percentile(walls, 95), 1),
        "max_ms": round(max(walls), 1),
        "cpu_median_ms": round(statistics.median(cpus), 1) if cpus else None,
        "sql_median_ms": round(statistics.median(sqls), 1) if sqls else None,
        "queries": max(counts) if counts else None,
    }


def pick_people(ws) -> dict[str, int]:
    """The busiest person, one with the average number of interactions, one with none."""
    link = InteractionPerson._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT person_id, COUNT(*) FROM {link} WHERE workspace_id = %s "
            "GROUP BY person_id ORDER BY COUNT(*) DESC, person_id LIMIT 1",
            [ws.pk],
        )
        busiest, most = cursor.fetchone()
    people = Person.objects.filter(workspace=ws).count()
    links = InteractionPerson.objects.filter(workspace=ws).count()
    mean = round(links / max(1, people))
    ids = Person.objects.filter(workspace=ws).order_by("pk").values_list("pk", flat=True)
    middle = ids[people // 2]
    with_org = set(
        Affiliation.objects.filter(
            workspace=ws, person_id__gte=middle, person_id__lt=middle + 2000
        ).values_list("person_id", flat=True)
    )
    counts: dict[int, int] = {}
    for pid in InteractionPerson.objects.filter(
        workspace=ws, person_id__gte=middle, person_id__lt=middle + 2000
    ).values_list("person_id", flat=True):
        counts[pid] = counts.get(pid, 0) + 1
    average = next(
        (p for p in sorted(counts) if counts[p] == mean and p in with_org),
        next(p for p in sorted(counts) if counts[p] >= mean),
    )
    none = next(p for p in ids.filter(pk__gte=middle)[:2000] if p not in counts)
    return {
        "busiest": busiest,
        "busiest_count": most,
        "average": average,
        "average_count": counts[average],
        "none": none,
        "mean": links / max(1, people),
    }


def time_requests(client, todo, runs, secret, timer) -> list[dict]:
    results = []
    for req in todo:
        headers = {"Authorization": f"Bearer {secret}"} if req["path"].startswith("/api/") else {}
        client.get(req["path"], secure=True, headers=headers)
        walls, cpus, sqls, counts, slowest = [], [], [], [], (0.0, "", None)
        status = 0
        for i in range(WARMUPS + runs):
            close_old_connections()
            timer.reset()
            cpu = time.process_time()
            started = time.perf_counter()
            with connection.execute_wrapper(timer):
                response = client.get(req["path"], secure=True, headers=headers)
                close_old_connections()
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu
            status = response.status_code
            if i >= WARMUPS:
                walls.append(wall * 1000)
                cpus.append(cpu * 1000)
                sqls.append(timer.seconds * 1000)
                counts.append(timer.count)
                if timer.slowest[0] > slowest[0]:
                    slowest = timer.slowest
        result = {
            **req,
            "kind": "page",
            "status": status,
            **summary(walls, cpus, sqls, counts),
            "slowest_query_ms": round(slowest[0] * 1000, 1),
            "slowest_query": slowest[1],
            "_slowest": slowest,
        }
        results.append(result)
        print(
            f"  {req['name']}: median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
            f"{result['queries']} queries, HTTP {status}",
            file=sys.stderr,
        )
    return results


def time_recompute(ws, times: int) -> dict:
    walls, cpus, counts = [], [], {}
    for _ in range(times):
        close_old_connections()
        cpu = time.process_time()
        started = time.perf_counter()
        counts = health.recompute_all(ws)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        print(f"  recompute_all: {walls[-1] / 1000:.1f} s, {counts}", file=sys.stderr)
    return {
        "name": "health.recompute_all (whole workspace)",
        "kind": "recompute",
        "runs": times,
        "subjects": counts,
        **summary(walls, cpus, [], []),
    }


def time_incremental(ws, user, person_id: int, label: str, runs: int, timer) -> list[dict]:
    """log_interaction for one person, rolled back each time: the whole call and refresh."""
    person = Person.objects.get(workspace=ws, pk=person_id)
    real_refresh = health.refresh
    spent: list[float] = []
    refresh_queries: list[int] = []

    def timed_refresh(*args, **kwargs):
        before = timer.count
        started = time.perf_counter()
        try:
            return real_refresh(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - started) * 1000)
            refresh_queries.append(timer.count - before)

    walls, cpus, sqls, counts, refresh_ms, refresh_counts = [], [], [], [], [], []
    health.refresh = timed_refresh
    try:
        for i in range(WARMUPS + runs):
            spent.clear()
            refresh_queries.clear()
            timer.reset()
            cpu = time.process_time()
            started = time.perf_counter()
            with connection.execute_wrapper(timer), transaction.atomic():
                services.log_interaction(
                    workspace=ws,
                    actor=user,
                    channel="email",
                    direction="in",
                    occurred_at=timezone.now() - timedelta(minutes=5),
                    people=[person],
                    users=[user],
                    subject="Re: bench",
                )
                wall = time.perf_counter() - started
                cpu = time.process_time() - cpu
                transaction.set_rollback(True)
            if i >= WARMUPS:
                walls.append(wall * 1000)
                cpus.append(cpu * 1000)
                sqls.append(timer.seconds * 1000)
                counts.append(timer.count)
                refresh_ms.append(sum(spent))
                refresh_counts.append(sum(refresh_queries))
    finally:
        health.refresh = real_refresh
    whole = {
        "name": f"log_interaction, {label} (whole call)",
        "kind": "incremental",
        "runs": runs,
        **summary(walls, cpus, sqls, counts),
    }
    part = {
        "name": f"… of it health.refresh, {label}",
        "kind": "incremental",
        "runs": runs,
        **summary(refresh_ms, [], [], refresh_counts),
    }
    for r in (whole, part):
        print(f"  {r['name']}: median {r['median_ms']} ms, p95 {r['p95_ms']} ms", file=sys.stderr)
    return [whole, part]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="bench")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--recompute", type=int, default=2, help="times to run recompute_all")
    parser.add_argument("--only", default="", help="page|api|recompute|incremental (comma list)")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--output", default="")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(","))) or {"page", "api", "recompute", "incremental"}

    ws = Workspace.objects.filter(slug=args.workspace).first()
    if ws is None:
        print(f"No workspace '{args.workspace}'.", file=sys.stderr)
        return 2
    owner = (
        Membership.objects.filter(workspace=ws, role=Role.OWNER)
        .select_related("user")
        .order_by("id")
        .first()
    )
    started = time.perf_counter()
    chosen = pick_people(ws)
    sizes = {
        "people": Person.objects.filter(workspace=ws).count(),
        "interactions": Interaction.objects.filter(workspace=ws).count(),
        "person_links": InteractionPerson.objects.filter(workspace=ws).count(),
    }
    print(
        f"{connection.vendor}: {sizes} ; picked {chosen} in "
        f"{time.perf_counter() - started:.1f}s; load {os.getloadavg()}",
        file=sys.stderr,
    )
    ApiToken.objects.filter(workspace=ws, name=TOKEN_NAME).delete()
    _, secret = ApiToken.issue(workspace=ws, user=owner.user, name=TOKEN_NAME)
    client = Client()
    client.force_login(owner.user)
    timer = SqlTimer()
    base = f"/w/{ws.slug}/people"
    b, a, n = chosen["busiest"], chosen["average"], chosen["none"]
    todo = []
    if "page" in only:
        todo += [
            {
                "name": f"person page, busiest ({chosen['busiest_count']} interactions)",
                "path": f"{base}/{b}/",
            },
            {
                "name": f"person page, average ({chosen['average_count']} interactions)",
                "path": f"{base}/{a}/",
            },
            {"name": "person page, no interactions", "path": f"{base}/{n}/"},
        ]
    if "api" in only:
        api = "/api/v1/interactions?person="
        todo += [
            {"name": "API interactions?person=, busiest", "path": f"{api}{b}"},
            {"name": "API interactions?person=, average", "path": f"{api}{a}"},
        ]
    load_before = os.getloadavg()
    results = []
    try:
        results += time_requests(client, todo, args.runs, secret, timer)
    finally:
        ApiToken.objects.filter(workspace=ws, name=TOKEN_NAME).delete()
    if "incremental" in only:
        close_old_connections()
        results += time_incremental(ws, owner.user, a, "average person", args.runs, timer)
        results += time_incremental(ws, owner.user, b, "busiest person", args.runs, timer)
    if "recompute" in only and args.recompute > 0:
        results.append(time_recompute(ws, args.recompute))
    for r in results:
        slowest = r.pop("_slowest", None)
        if args.explain and slowest and slowest[1]:
            r["plan"] = explain(slowest[1], slowest[2])
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": git_commit(),
        "machine": machine(),
        "database": database(),
        "workspace": ws.slug,
        "sizes": sizes,
        "chosen": chosen,
        "runs": args.runs,
        "warmups": WARMUPS,
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "targets_ms": TARGETS,
        "results": results,
    }
    output = Path(args.output or BENCH_DIR / f"results-touchpoints-{connection.vendor}.json")
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(markdown(report))
    if args.explain:
        for r in results:
            if r.get("plan"):
                print(f"\n### {r['name']}: slowest query {r['slowest_query_ms']} ms\n")
                print(f"```sql\n{r['slowest_query']}\n```\n```\n{r['plan']}\n```")
    print(f"\nwritten to {output}", file=sys.stderr)
    return 0 if all(r.get("status", 200) == 200 for r in results) else 1


def markdown(report: dict) -> str:
    db = report["database"]
    load = report["load_average"]
    s = report["sizes"]
    lines = [
        f"{db['vendor']} {db['version']}, {s['people']:,} people, {s['interactions']:,} "
        f"interactions ({s['person_links']:,} person links); {report['runs']} runs after "
        f"{report['warmups']} warm-ups; {report['date']}, commit {report['commit']}; load "
        f"average {load['before'][0]} → {load['after'][0]}",
        "",
        "| measurement | median ms | p95 ms | CPU ms (median) | SQL ms (median) | queries "
        "| target |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        target = report["targets_ms"][r["kind"]]
        flag = "" if r["p95_ms"] <= target else " ⚠"
        lines.append(
            f"| {r['name']} | {r['median_ms']} | {r['p95_ms']}{flag} | {r['cpu_median_ms'] or ''} "
            f"| {r['sql_median_ms'] or ''} | {r['queries'] or ''} | {target:,.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
