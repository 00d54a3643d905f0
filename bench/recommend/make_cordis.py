"""Horizon 2020 participations as CORDIS's own exports, with a time split.

    .venv/bin/python bench/recommend/make_cordis.py [--out /tmp/svrazka-bench-cordis]
        [--last-history-year 2018] [--queries 1000] [--seed 1]

Reads ../shared/data/cordis-h2020/h2020.csv.gz (one row per participation: rcn, role, pic,
type, contribution, country, start_date, end_date, …, start_year, …) and programme_parts.csv.gz
(rcn → programme part such as SC4) and writes, under --out (never into the repository):

- history/project.csv and history/organization.csv: CORDIS's published layout (semicolon-
  separated, every field quoted, the columns named in issue 6) for the projects starting up to
  --last-history-year; topics = the programme part; the organisations have no names in the
  derived data, so `name` is left empty and the importer calls them "PIC <pic>";
- queries.jsonl: --queries projects starting after that year (a fixed seed), each
  {"query_id": rcn, "coordinator": its coordinator's PIC, "theme": its programme part,
  "start_year", "country": the coordinator's country}; only projects whose coordinator and at
  least one other participant appear in the history are asked;
- truth.jsonl: {"query_id", "truth": [PICs of the project's other participants that appear in
  the history]}.

run.py imports these functions; the files also serve `manage.py import_cordis` and
`manage.py recommend_partners` by hand.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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


def load(data: Path = DATA) -> dict[str, dict]:
    """rcn → {"rcn", "start", "end", "year", "part", "cost", "members": [(pic, role, type,
    country, contribution), …]}, in the file's order."""
    parts = {}
    with gzip.open(data / "programme_parts.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            parts[row["rcn"]] = row["programme_part"]
    projects: dict[str, dict] = {}
    with gzip.open(data / "h2020.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if not row["start_year"].isdigit() or not row["pic"].isdigit():
                continue  # a few rows have no start date ("NA") or no PIC
            p = projects.setdefault(
                row["rcn"],
                {
                    "rcn": row["rcn"],
                    "start": row["start_date"],
                    "end": row["end_date"] if row["end_date"] != "NA" else "",
                    "year": int(row["start_year"]),
                    "part": parts.get(row["rcn"], ""),
                    "cost": row["total_cost"] if row["total_cost"] != "NA" else "",
                    "members": [],
                },
            )
            contribution = row["contribution"] if row["contribution"] != "NA" else ""
            p["members"].append(
                (row["pic"], row["role"], row["type"], row["country"], contribution)
            )
    return projects


def history_projects(projects: dict, last_year: int) -> list[dict]:
    return [p for p in projects.values() if p["year"] <= last_year]


def write_history(projects: dict, path: Path, last_year: int) -> dict:
    """project.csv and organization.csv of the projects starting up to `last_year`."""
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
        for p in history_projects(projects, last_year):
            n_projects += 1
            acronym = f"H2020-{p['rcn']}"
            row = dict.fromkeys(PROJECT_COLUMNS, "")
            row.update(
                id=p["rcn"], acronym=acronym, status="CLOSED", title=f"Project {p['rcn']}",
                startDate=p["start"], endDate=p["end"], totalCost=p["cost"], topics=p["part"],
                frameworkProgramme="H2020", rcn=p["rcn"],
            )  # fmt: skip
            pw.writerow([row[c] for c in PROJECT_COLUMNS])
            seen = set()
            for order, (pic, role, kind, country, contribution) in enumerate(p["members"], 1):
                if pic in seen:
                    continue  # one organisation, one role per project
                seen.add(pic)
                org = dict.fromkeys(ORG_COLUMNS, "")
                org.update(
                    projectID=p["rcn"], projectAcronym=acronym, organisationID=pic,
                    activityType=kind, country=country, order=str(order), role=role,
                    ecContribution=contribution, active="true",
                )  # fmt: skip
                ow.writerow([org[c] for c in ORG_COLUMNS])
                n_rows += 1
    return {"project_csv": pfile, "organization_csv": ofile, "projects": n_projects,
            "participations": n_rows}  # fmt: skip


def known_pics(projects: list[dict]) -> set[str]:
    return {m[0] for p in projects for m in p["members"]}


def make_queries(
    projects: dict, known: set[str], first_year: int, last_year: int, n: int, seed: int = 1
) -> tuple[list[dict], dict[str, list[str]]]:
    """`n` projects starting from `first_year` to `last_year` (a fixed seed), as queries, and
    their other participants that `known` holds, as truth."""
    pool = []
    for p in projects.values():
        if not first_year <= p["year"] <= last_year:
            continue
        coord = next((m for m in p["members"] if m[1] == "coordinator"), None)
        if coord is None or coord[0] not in known:
            continue
        truth = sorted({m[0] for m in p["members"] if m[0] != coord[0] and m[0] in known})
        if truth:
            pool.append((p, coord, truth))
    pool.sort(key=lambda x: int(x[0]["rcn"]))
    random.Random(seed).shuffle(pool)
    queries, truths = [], {}
    for p, coord, truth in pool[:n]:
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


def write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def make_all(out: Path, last_year: int, n_queries: int, seed: int, data: Path = DATA) -> dict:
    projects = load(data)
    written = write_history(projects, out / "history", last_year)
    known = known_pics(history_projects(projects, last_year))
    queries, truths = make_queries(projects, known, last_year + 1, 9999, n_queries, seed)
    write_jsonl(out / "queries.jsonl", queries)
    write_jsonl(out / "truth.jsonl", ({"query_id": q, "truth": t} for q, t in truths.items()))
    return {
        **written,
        "projects_all": projects,
        "queries": queries,
        "truths": truths,
        "queries_jsonl": out / "queries.jsonl",
        "truth_jsonl": out / "truth.jsonl",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--last-history-year", type=int, default=LAST_HISTORY_YEAR)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    made = make_all(args.out, args.last_history_year, args.queries, args.seed)
    print(
        f"history: {made['projects']} projects, {made['participations']} participations "
        f"→ {made['project_csv']}, {made['organization_csv']}\n"
        f"queries: {len(made['queries'])} → {made['queries_jsonl']}, {made['truth_jsonl']}"
    )


if __name__ == "__main__":
    main()
