"""Partner recommendations on real Horizon 2020 participation data, with a time split.

    .venv/bin/python bench/recommend/run.py [--queries 1000] [--workspace bench-cordis] [--tune]

1. Converts ../shared/data/cordis-h2020/h2020.csv.gz (one row per participation: rcn, role,
   pic, type, country, start_date, end_date, start_year, …) and programme_parts.csv.gz (rcn →
   programme part such as SC5) into CORDIS's published project.csv and organization.csv
   (semicolon-separated, quoted; topics = the programme part; organisations without names, as
   in the derived data) for the HISTORY only: projects starting up to 2018. Written to /tmp.
2. Imports them into a fresh workspace with `manage.py import_cordis` (timed).
3. Queries: 1,000 projects starting 2019 or later (fixed seed) whose coordinator is known from
   history: {"query_id", "coordinator": its PIC, "theme": its programme part, "start_year",
   "country": the coordinator's country}. Truth: the project's other participants that history
   knows (projects with none are not asked).
4. Runs `manage.py recommend_partners` on them (timed: the target is 1,000 queries ≤ 60 s) and
   scores Recall@10, Recall@20 and nDCG@10 next to two baselines computed from the history
   files alone (baselines.py): popularity within the theme, and Adamic-Adar from the coordinator.
   `--tune` also reports a few weight settings on a validation split inside history (queries
   from 2017–2018 projects, history before 2017), which is how WEIGHTS were chosen.
Writes bench/recommend/results.json.
"""

import argparse
import csv
import gzip
import io
import json
import math
import os
import random
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)

import django  # noqa: E402

django.setup()

import baselines  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "cordis-h2020"
OUT = Path("/tmp/svrazka-bench-cordis")
LAST_HISTORY_YEAR = 2018

PROJECT_COLUMNS = (
    "id;acronym;status;title;startDate;endDate;totalCost;ecMaxContribution;legalBasis;topics;"
    "frameworkProgramme;masterCall;subCall;fundingScheme;nature;objective;contentUpdateDate;rcn;"
    "grantDoi"
).split(";")
ORG_COLUMNS = (
    "projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;activityType;street;"
    "postCode;city;country;nutsCode;geolocation;organizationURL;contactForm;order;role;"
    "ecContribution;netEcContribution;totalCost;endOfParticipation;active"
).split(";")


def load():
    parts = {}
    with gzip.open(DATA / "programme_parts.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            parts[row["rcn"]] = row["programme_part"]
    projects: dict[str, dict] = {}
    with gzip.open(DATA / "h2020.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if not row["start_year"].isdigit() or not row["pic"].isdigit():
                continue  # a few rows have no start date ("NA") or no PIC
            p = projects.setdefault(
                row["rcn"],
                {
                    "rcn": row["rcn"],
                    "start": row["start_date"],
                    "end": row["end_date"],
                    "year": int(row["start_year"]),
                    "part": parts.get(row["rcn"], ""),
                    "members": [],
                },
            )
            p["members"].append((row["pic"], row["role"], row["type"], row["country"]))
    return projects


def write_history(projects, path: Path, last_year: int) -> tuple[Path, Path, int, int]:
    path.mkdir(parents=True, exist_ok=True)
    pfile, ofile = path / "project.csv", path / "organization.csv"
    n_projects = n_rows = 0
    with (
        open(pfile, "w", encoding="utf-8", newline="") as pf,
        open(ofile, "w", encoding="utf-8", newline="") as of,
    ):
        pw = csv.writer(pf, delimiter=";", quoting=csv.QUOTE_ALL)
        ow = csv.writer(of, delimiter=";", quoting=csv.QUOTE_ALL)
        pw.writerow(PROJECT_COLUMNS)
        ow.writerow(ORG_COLUMNS)
        for p in projects.values():
            if p["year"] > last_year:
                continue
            n_projects += 1
            acronym = f"H2020-{p['rcn']}"
            row = dict.fromkeys(PROJECT_COLUMNS, "")
            row.update(
                id=p["rcn"], acronym=acronym, status="CLOSED", title=f"Project {p['rcn']}",
                startDate=p["start"], endDate=p["end"], topics=p["part"],
                frameworkProgramme="H2020", rcn=p["rcn"],
            )  # fmt: skip
            pw.writerow([row[c] for c in PROJECT_COLUMNS])
            seen = set()
            for order, (pic, role, kind, country) in enumerate(p["members"], 1):
                if (pic, role) in seen:
                    continue
                seen.add((pic, role))
                org = dict.fromkeys(ORG_COLUMNS, "")
                org.update(
                    projectID=p["rcn"], projectAcronym=acronym, organisationID=pic,
                    activityType=kind, country=country, order=str(order), role=role,
                )  # fmt: skip
                ow.writerow([org[c] for c in ORG_COLUMNS])
                n_rows += 1
    return pfile, ofile, n_projects, n_rows


def make_queries(projects, known: set[str], first_year: int, last_year: int, n: int, seed=1):
    candidates = []
    for p in projects.values():
        if not first_year <= p["year"] <= last_year:
            continue
        coord = next((m for m in p["members"] if m[1] == "coordinator"), None)
        if coord is None or coord[0] not in known:
            continue
        truth = sorted({m[0] for m in p["members"] if m[0] != coord[0] and m[0] in known})
        if truth:
            candidates.append((p, coord, truth))
    candidates.sort(key=lambda x: x[0]["rcn"])
    random.Random(seed).shuffle(candidates)
    queries, truths = [], {}
    for p, coord, truth in candidates[:n]:
        qid = p["rcn"]
        queries.append(
            {
                "query_id": qid,
                "coordinator": coord[0],
                "theme": p["part"],
                "start_year": p["year"],
                "country": coord[3],
            }
        )
        truths[qid] = truth
    return queries, truths


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


def fresh_workspace(slug: str):
    from svrazka.accounts import services as accounts
    from svrazka.accounts.models import User, Workspace
    from svrazka.contacts.models import Organisation
    from svrazka.partnerships.models import JointProject, ProjectParticipant

    old = Workspace.objects.filter(slug=slug).first()
    if old:
        for model in (ProjectParticipant, JointProject):
            model.objects.filter(workspace=old)._raw_delete(connection.alias)
        Organisation.objects.filter(workspace=old).delete()
        old.delete()
    owner = User.objects.filter(email="bench@svrazka.localhost").first()
    if owner is None:
        owner = User.objects.create_user("bench@svrazka.localhost", "bench-password")
    return accounts.workspace_create(slug=slug, name="Bench CORDIS", owner=owner)


def run_ours(slug: str, queries: list, path: Path) -> tuple[dict, float]:
    qfile, afile = path / "queries.jsonl", path / "answers.jsonl"
    qfile.write_text("\n".join(json.dumps(q) for q in queries) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        call_command("recommend_partners", workspace=slug, queries=str(qfile), output=str(afile))
    seconds = time.perf_counter() - started
    ranked = {}
    for line in afile.read_text(encoding="utf-8").splitlines():
        a = json.loads(line)
        ranked[a["query_id"]] = a["ranked"]
    return ranked, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--workspace", default="bench-cordis")
    parser.add_argument("--tune", action="store_true")
    args = parser.parse_args()
    projects = load()
    result: dict = {"vendor": connection.vendor}

    pfile, ofile, n_p, n_rows = write_history(projects, OUT / "history", LAST_HISTORY_YEAR)
    result["history"] = {"projects": n_p, "participations": n_rows}
    ws = fresh_workspace(args.workspace)
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        call_command(
            "import_cordis", workspace=ws.slug, projects=str(pfile), organizations=str(ofile)
        )
    result["import_s"] = round(time.perf_counter() - started, 1)

    history = baselines.History.from_projects(
        p for p in projects.values() if p["year"] <= LAST_HISTORY_YEAR
    )
    queries, truths = make_queries(
        projects, history.known, LAST_HISTORY_YEAR + 1, 9999, args.queries
    )
    result["queries"] = len(queries)
    ranked, seconds = run_ours(ws.slug, queries, OUT)
    result["ours_seconds"] = round(seconds, 1)
    result["ours"] = evaluate(ranked, truths)
    result["popularity_in_theme"] = evaluate(
        {q["query_id"]: history.popularity_in_theme(q) for q in queries}, truths
    )
    result["adamic_adar"] = evaluate(
        {q["query_id"]: history.adamic_adar(q) for q in queries}, truths
    )

    if args.tune:  # validation inside history: never looks at 2019+
        from svrazka.network import recommend

        val_queries, val_truths = make_queries(projects, history.known, 2017, 2018, 500, seed=2)
        settings = {
            "default (the walk)": {},
            "walk without theme": {"walk_theme": 0.0},
            "one round of the walk": {"walk_far": 0.0},
            "+ repeat partners counted apart": {"direct": 3.0},
            "+ Adamic-Adar": {"adamic_adar": 1.2},
            "first version (no walk)": {
                "walk": 0.0, "direct": 3.0, "adamic_adar": 1.2, "theme": 1.6,
                "activity": 0.25, "country": 0.6,
            },
        }  # fmt: skip
        from svrazka.accounts.models import Workspace
        from svrazka.contacts.models import Organisation

        wsobj = Workspace.objects.get(slug=ws.slug)
        by_pic = dict(Organisation.objects.filter(workspace=wsobj).values_list("pic", "id"))
        orgs = Organisation.objects.in_bulk(list(by_pic.values()))
        tuned = {}
        for name, weights in settings.items():
            answers = {}
            for q in val_queries:
                cands = recommend.recommend(
                    wsobj,
                    coordinator=orgs[by_pic[q["coordinator"]]],
                    theme=q["theme"],
                    countries={q["country"]},
                    start_year=2017 if q["start_year"] >= 2017 else q["start_year"],
                    limit=100,
                    reasons=False,
                    weights=weights,
                )
                answers[q["query_id"]] = [c.pic for c in cands]
            tuned[name] = evaluate(answers, val_truths)
        result["validation_2017_2018"] = tuned

    text = json.dumps(result, indent=2)
    print(text)
    (Path(__file__).parent / f"results-{connection.vendor}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
