"""Partner recommendations on real Horizon 2020 participation data, with a time split.

    .venv/bin/python bench/recommend/run.py [--queries 1000] [--workspace bench-cordis] [--tune]

1. make_cordis.py turns ../shared/data/cordis-h2020 into CORDIS's project.csv and
   organization.csv for the HISTORY (projects starting up to 2018), and queries.jsonl /
   truth.jsonl for 1,000 projects starting 2019 or later (fixed seed), under
   /tmp/svrazka-bench-cordis.
2. A fresh workspace (the database of $SVRAZKA_VAR_DIR, /tmp/svrazka-bench-recommend unless set;
   migrated here when new) imports the history with import_cordis (timed).
3. `manage.py recommend_partners` answers the queries in a process of its own (timed, wall
   clock including Django's start; the target is 1,000 queries ≤ 60 s).
4. Recall@10, Recall@20 and nDCG@10 against the truth, for ours and two baselines computed from
   the history files alone (baselines.py): popularity within the theme, and Adamic-Adar from the
   coordinator over the co-participation graph.
`--tune` also scores weight variants on a validation split inside history (queries: projects
starting 2017–2018; history: projects before 2017, via start_year=2017), which is how WEIGHTS in
svrazka/network/recommend.py were chosen; the 2019+ queries never are.
Writes bench/recommend/results.json and prints a table.
"""

import argparse
import io
import json
import math
import os
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("SVRAZKA_VAR_DIR", "/tmp/svrazka-bench-recommend")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)

import django  # noqa: E402

django.setup()

import baselines  # noqa: E402
import make_cordis  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

VALIDATION_YEAR = 2017
VARIANTS = {  # validation only: each against the chosen WEIGHTS
    "chosen weights": {},
    "no theme in the walk": {"walk_theme": 0.0},
    "no recency in the walk": {"half_life": 1e9},
    "one round of the walk": {"walk_far": 0.0},
    "no theme experience": {"theme": 0.0, "theme_share": 0.0},
    "no country": {"country": 0.0},
    "walk only": {
        "theme": 0.0, "theme_share": 0.0, "activity": 0.0, "country": 0.0, "complement": 0.0,
    },
}  # fmt: skip


def evaluate(ranked: dict, truths: dict) -> dict:
    r10 = r20 = ndcg = 0.0
    for qid, truth in truths.items():
        got = ranked.get(qid, [])
        t = set(truth)
        r10 += len(t & set(got[:10])) / len(t)
        r20 += len(t & set(got[:20])) / len(t)
        dcg = sum(1 / math.log2(i + 2) for i, x in enumerate(got[:10]) if x in t)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(t))))
        ndcg += dcg / ideal
    n = len(truths) or 1
    return {
        "recall@10": round(r10 / n, 4),
        "recall@20": round(r20 / n, 4),
        "ndcg@10": round(ndcg / n, 4),
    }


def prepare_database() -> None:
    with redirect_stdout(io.StringIO()):
        call_command("migrate", verbosity=0)
        call_command("createcachetable")


def fresh_workspace(slug: str):
    from svrazka.accounts import services as accounts
    from svrazka.accounts.models import User, Workspace
    from svrazka.contacts.models import Organisation, OrganisationToken
    from svrazka.partnerships.models import JointProject, ProjectParticipant

    old = Workspace.objects.filter(slug=slug).first()
    if old:  # raw deletes first: the ORM's cascade over 100k rows takes minutes
        for model in (ProjectParticipant, JointProject, OrganisationToken):
            model.objects.filter(workspace=old)._raw_delete(connection.alias)
        Organisation.objects.filter(workspace=old).delete()
        old.delete()
    owner = User.objects.filter(email="bench@svrazka.localhost").first()
    if owner is None:
        owner = User.objects.create_user("bench@svrazka.localhost", "bench-password")
    return accounts.workspace_create(slug=slug, name="Bench CORDIS", owner=owner)


def run_command(slug: str, queries: Path, answers: Path) -> tuple[dict, float]:
    """`manage.py recommend_partners` in a process of its own, timed from start to exit."""
    answers.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "recommend_partners", "--workspace", slug,
         "--queries", str(queries), "--output", str(answers)],
        check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    ranked = {}
    for line in answers.read_text(encoding="utf-8").splitlines():
        a = json.loads(line)
        ranked[a["query_id"]] = a["ranked"]
    return ranked, seconds


def validation(slug: str, projects: dict) -> dict:
    """Weight variants on 2017–18 queries against the history before 2017."""
    from svrazka.accounts.models import Workspace
    from svrazka.contacts.models import Organisation
    from svrazka.network import recommend

    before = [p for p in projects.values() if p["year"] < VALIDATION_YEAR]
    queries, truths = make_cordis.make_queries(
        projects, make_cordis.known_pics(before), VALIDATION_YEAR, VALIDATION_YEAR + 1, 500, 2
    )
    history = baselines.History.from_projects(before)
    ws = Workspace.objects.get(slug=slug)
    by_pic = dict(Organisation.objects.filter(workspace=ws).values_list("pic", "id"))
    orgs = Organisation.objects.in_bulk(list(by_pic.values()))
    index = recommend.index_for(ws)
    out = {
        "queries": len(queries),
        "popularity in the theme": evaluate(
            {q["query_id"]: history.popularity_in_theme(q) for q in queries}, truths
        ),
        "Adamic-Adar": evaluate({q["query_id"]: history.adamic_adar(q) for q in queries}, truths),
    }
    for name, weights in VARIANTS.items():
        answers = {}
        for q in queries:
            cands = recommend.recommend(
                ws,
                coordinator=orgs[by_pic[q["coordinator"]]],
                theme=q["theme"],
                countries={make_cordis_country(q["country"])},
                start_year=VALIDATION_YEAR,
                reasons=False,
                weights=weights,
                index=index,
            )
            answers[q["query_id"]] = [c.pic for c in cands]
        out[name] = evaluate(answers, truths)
    return out


def make_cordis_country(code: str) -> str:
    from svrazka.network.cordis import COUNTRY_CODES

    return COUNTRY_CODES.get(code, code)


def table(rows: dict) -> str:
    lines = [f"{'':36} {'Recall@10':>9} {'Recall@20':>9} {'nDCG@10':>8}"]
    for name, m in rows.items():
        lines.append(
            f"{name:36} {m['recall@10']:>9.3f} {m['recall@20']:>9.3f} {m['ndcg@10']:>8.3f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--workspace", default="bench-cordis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tune", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    made = make_cordis.make_all(
        make_cordis.OUT, make_cordis.LAST_HISTORY_YEAR, args.queries, args.seed
    )
    result: dict = {
        "database": connection.vendor,
        "history": {"projects": made["projects"], "participations": made["participations"]},
        "convert_s": round(time.perf_counter() - started, 1),
    }
    prepare_database()
    ws = fresh_workspace(args.workspace)
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        call_command(
            "import_cordis",
            workspace=ws.slug,
            projects=str(made["project_csv"]),
            organizations=str(made["organization_csv"]),
        )
    result["import_s"] = round(time.perf_counter() - started, 1)

    projects = made["projects_all"]
    queries, truths = made["queries"], made["truths"]
    history = baselines.History.from_projects(
        make_cordis.history_projects(projects, make_cordis.LAST_HISTORY_YEAR)
    )
    ranked, seconds = run_command(ws.slug, made["queries_jsonl"], make_cordis.OUT / "answers.jsonl")
    assert all(q["coordinator"] not in ranked[q["query_id"]] for q in queries)
    assert all(len(r) <= 100 for r in ranked.values())
    result["queries"] = len(queries)
    result["command_s"] = round(seconds, 1)
    scores = {
        "popularity within the theme": evaluate(
            {q["query_id"]: history.popularity_in_theme(q) for q in queries}, truths
        ),
        "Adamic-Adar from the coordinator": evaluate(
            {q["query_id"]: history.adamic_adar(q) for q in queries}, truths
        ),
        "Svrazka (recommend_partners)": evaluate(ranked, truths),
    }
    result["scores"] = scores
    if args.tune:
        result["validation_2017_2018"] = validation(ws.slug, projects)

    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"history: {made['projects']:,} projects, {made['participations']:,} participations; "
        f"import {result['import_s']} s ({connection.vendor})"
    )
    print(f"{len(queries):,} queries (2019+): recommend_partners took {result['command_s']} s\n")
    print(table(scores))
    if args.tune:
        print("\nvalidation: 2017–18 queries, history before 2017")
        val = result["validation_2017_2018"]
        print(table({k: v for k, v in val.items() if k != "queries"}))


if __name__ == "__main__":
    main()
