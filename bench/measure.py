"""Server-side timings of the main pages and the API on a big workspace (see bench/README.md).

    SVRAZKA_VAR_DIR=/tmp/svrazka-bench .venv/bin/python bench/measure.py --workspace bench
    DATABASE_URL=postgres://... .venv/bin/python bench/measure.py --workspace bench --runs 30

Requests go through the whole Django stack in this process (django.test.Client, logged in as the
workspace owner; the API with a Bearer token), with DEBUG off as in production. Around every
request the script does what the WSGI handler does (close_old_connections), so SQLite pays its
per-request connection as it does when served (CONN_MAX_AGE=0 with DEBUG off) and PostgreSQL keeps
its persistent one. Each request is warmed up 3 times, then timed --runs times: median and p95 of
the wall time, the CPU time of this process (Python, and SQLite's own work), the time spent in SQL,
and the number of SQL queries. Other load on the machine inflates wall times but hardly CPU times;
the load average is recorded with the results.

Writes bench/results-<sqlite|postgresql>.json and prints a Markdown table. --explain prints the
plan of the slowest query of each request (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE).
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).absolute().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

os.environ["DJANGO_SETTINGS_MODULE"] = "svrazka.settings"
os.environ["DEBUG"] = "false"
os.environ["SECRET_KEY"] = "bench"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["STATIC_MANIFEST"] = "false"
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402

from svrazka.accounts.models import ApiToken, Membership, Role, Workspace  # noqa: E402
from svrazka.contacts.models import (  # noqa: E402
    Affiliation,
    Cause,
    Organisation,
    Person,
    PersonToken,
)

WARMUPS = 3
SLOW = 2.0  # seconds
TOKEN_NAME = "bench/measure.py"


class SqlTimer:
    """An execute wrapper: counts queries and adds up their time; keeps the slowest one."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.count = 0
        self.seconds = 0.0
        self.slowest = (0.0, "", None)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.count += 1
            self.seconds += spent
            if spent > self.slowest[0]:
                self.slowest = (spent, sql, params)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def requests_to_measure(ws: Workspace) -> list[dict]:
    """The requests, as (name, path, headers); ids picked from the data so that runs compare."""
    cause = (
        Cause.objects.filter(workspace=ws, name="Образование").first()
        or Cause.objects.filter(workspace=ws).order_by("id").first()
    )
    people = Person.objects.filter(workspace=ws)
    middle = people.order_by("id").values_list("id", flat=True)[people.count() // 2]
    affiliation = (
        Affiliation.objects.filter(workspace=ws, person_id__gte=middle)
        .order_by("person_id")
        .first()
    )
    person_id = affiliation.person_id if affiliation else middle
    busiest_org = (
        Affiliation.objects.filter(
            workspace=ws,
            organisation_id__in=Organisation.objects.filter(workspace=ws)
            .order_by("id")
            .values("id")[:20],
        )
        .values_list("organisation_id", flat=True)
        .first()
    )
    base = f"/w/{ws.slug}"
    c = cause.pk if cause else 1
    required = [
        ("people list, first page", f"{base}/people/"),
        ("search, Cyrillic (Петров)", f"{base}/people/?q=Петров"),
        ("search, Latin (petrov)", f"{base}/people/?q=petrov"),
        ("people, country + cause", f"{base}/people/?country=BG&cause={c}"),
        ("organisations, country + cause", f"{base}/organisations/?country=BG&cause={c}"),
        ("person page", f"{base}/people/{person_id}/"),
        ("API people list (limit 50)", "/api/v1/people?limit=50"),
    ]
    extra = [
        ("dashboard", f"{base}/"),
        ("search, two words (Иван Петров)", f"{base}/people/?q=Иван+Петров"),
        ("search, Greek surname in Latin (Papad)", f"{base}/people/?q=Papad"),
        ("search, Romanian surname (Popescu)", f"{base}/people/?q=Popescu"),
        ("people list, page 100", f"{base}/people/?page=100"),
        ("organisations list, first page", f"{base}/organisations/"),
        ("organisation page (busiest)", f"{base}/organisations/{busiest_org}/"),
        ("API people search (q=petrov)", "/api/v1/people?limit=50&q=petrov"),
    ]
    return [{"name": n, "path": p, "required": True} for n, p in required] + [
        {"name": n, "path": p, "required": False} for n, p in extra
    ]


def explain(sql: str, params) -> str:
    prefix = (
        "EXPLAIN QUERY PLAN "
        if connection.vendor == "sqlite"
        else ("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ")
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return "\n".join(f"{r[0]:>3} {r[1]:>3} {r[3]}" for r in rows)
    return "\n".join(r[0] for r in rows)


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
    }


def database() -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": version}


def git_commit() -> str:
    if os.environ.get("BENCH_COMMIT"):  # a run from an exported tree, outside git
        return os.environ["BENCH_COMMIT"]
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="bench")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of each request's slowest query"
    )
    parser.add_argument("--only", default="", help="measure only requests whose name has this")
    parser.add_argument(
        "--persistent",
        action="store_true",
        help="keep the database connection between requests (what-if for SQLite, "
        "which the settings close after every request when DEBUG is off)",
    )
    parser.add_argument("--output", default="", help="JSON file (default bench/results-<db>.json)")
    args = parser.parse_args()

    ws = Workspace.objects.filter(slug=args.workspace).first()
    if ws is None:
        print(f"No workspace '{args.workspace}': run manage.py seed_bench first.", file=sys.stderr)
        return 2
    owner = (
        Membership.objects.filter(workspace=ws, role=Role.OWNER)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if owner is None:
        print("The workspace has no owner.", file=sys.stderr)
        return 2
    sizes = {
        "organisations": Organisation.objects.filter(workspace=ws).count(),
        "people": Person.objects.filter(workspace=ws).count(),
        "person_tokens": PersonToken.objects.filter(workspace=ws).count(),
    }
    ApiToken.objects.filter(workspace=ws, name=TOKEN_NAME).delete()
    _, secret = ApiToken.issue(workspace=ws, user=owner.user, name=TOKEN_NAME)

    client = Client()
    client.force_login(owner.user)
    timer = SqlTimer()
    todo = [r for r in requests_to_measure(ws) if args.only.lower() in r["name"].lower()]
    print(
        f"{connection.vendor}: workspace '{ws.slug}' with {sizes['people']:,} people, "
        f"{sizes['organisations']:,} organisations; {WARMUPS} warm-ups + {args.runs} runs each",
        file=sys.stderr,
    )
    results = []
    for req in todo:  # one round first, so that no request pays for the process's start
        api = {"Authorization": f"Bearer {secret}"} if req["path"].startswith("/api/") else {}
        started = time.perf_counter()
        client.get(req["path"], secure=True, headers=api)
        # A request that takes seconds is not timed 30 times: 5 runs show it well enough.
        req["runs"] = args.runs if time.perf_counter() - started < SLOW else min(args.runs, 5)
    load_before = os.getloadavg()
    try:
        for req in todo:
            headers = {}
            if req["path"].startswith("/api/"):
                headers["Authorization"] = f"Bearer {secret}"
            walls, cpus, sqls, counts, slowest = [], [], [], [], (0.0, "", None)
            status = size = 0
            for i in range(WARMUPS + req["runs"]):
                if not args.persistent:
                    close_old_connections()
                timer.reset()
                cpu = time.process_time()
                started = time.perf_counter()
                with connection.execute_wrapper(timer):
                    response = client.get(req["path"], secure=True, headers=headers)
                    if not args.persistent:
                        close_old_connections()
                wall = time.perf_counter() - started
                cpu = time.process_time() - cpu
                status, size = response.status_code, len(response.content)
                if i >= WARMUPS:
                    walls.append(wall * 1000)
                    cpus.append(cpu * 1000)
                    sqls.append(timer.seconds * 1000)
                    counts.append(timer.count)
                    if timer.slowest[0] > slowest[0]:
                        slowest = timer.slowest
            result = {
                **req,
                "status": status,
                "bytes": size,
                "median_ms": round(statistics.median(walls), 1),
                "p95_ms": round(percentile(walls, 95), 1),
                "max_ms": round(max(walls), 1),
                "cpu_median_ms": round(statistics.median(cpus), 1),
                "sql_median_ms": round(statistics.median(sqls), 1),
                "queries": max(counts),
                "slowest_query_ms": round(slowest[0] * 1000, 1),
                "slowest_query": slowest[1],
            }
            if args.explain and slowest[1]:
                result["plan"] = explain(slowest[1], slowest[2])
            results.append(result)
            print(
                f"  {req['name']}: median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
                f"{result['queries']} queries, HTTP {status}",
                file=sys.stderr,
            )
    finally:
        ApiToken.objects.filter(workspace=ws, name=TOKEN_NAME).delete()

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": git_commit(),
        "machine": machine(),
        "database": database(),
        "workspace": ws.slug,
        "sizes": sizes,
        "runs": args.runs,
        "persistent_connections": args.persistent or connection.settings_dict["CONN_MAX_AGE"] != 0,
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "warmups": WARMUPS,
        "target_p95_ms": 100,
        "results": results,
    }
    output = Path(args.output or BENCH_DIR / f"results-{connection.vendor}.json")
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(markdown(report))
    if args.explain:
        for r in results:
            if r.get("plan"):
                print(f"\n### {r['name']}: slowest query {r['slowest_query_ms']} ms\n")
                print(f"```sql\n{r['slowest_query']}\n```\n```\n{r['plan']}\n```")
    print(f"\nwritten to {output}", file=sys.stderr)
    return 0 if all(r["status"] == 200 for r in results) else 1


def markdown(report: dict) -> str:
    db = report["database"]
    load = report["load_average"]
    lines = [
        f"{db['vendor']} {db['version']}, {report['sizes']['people']:,} people, "
        f"{report['sizes']['organisations']:,} organisations; {report['runs']} runs after "
        f"{report['warmups']} warm-ups; persistent connections: "
        f"{'yes' if report['persistent_connections'] else 'no'}; {report['date']}, commit "
        f"{report['commit']}; load average {load['before'][0]} → {load['after'][0]}",
        "",
        "| request | median ms | p95 ms | CPU ms (median) | SQL ms (median) | queries | HTTP |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        flag = "" if r["p95_ms"] <= report["target_p95_ms"] else " ⚠"
        name = r["name"] if r["required"] else f"*{r['name']}* (extra)"
        if r["runs"] != report["runs"]:
            name += f" ({r['runs']} runs)"
        lines.append(
            f"| {name} | {r['median_ms']} | {r['p95_ms']}{flag} | {r['cpu_median_ms']} | "
            f"{r['sql_median_ms']} | {r['queries']} | {r['status']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
