"""manage.py recommend_partners --workspace SLUG --queries queries.jsonl --output answers.jsonl

Each query line: {"query_id": ..., "coordinator": "<organisationID/PIC or o<id>>", "theme":
"...", "start_year": 2020, "country": "BG"} ("countries" and "types" lists also accepted).
Each answer line: {"query_id": ..., "ranked": ["<PIC, or o<id> without one>", ...]}, best
first, at most 100, never the coordinator. Every line is checked before any answer is written;
the output appears whole or not at all."""

import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from svrazka.accounts.models import Workspace
from svrazka.network import recommend
from svrazka.network.views.recommendations import find_coordinator

LIMIT = 100


class Command(BaseCommand):
    help = "Rank partner candidates for each query of a JSON-lines file."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True)
        parser.add_argument("--queries", required=True, type=Path)
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--limit", type=int, default=LIMIT)

    def handle(self, *args, workspace, queries, output, limit, **options):
        queries, output = Path(queries), Path(output)
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace “{workspace}”.")
        if not 1 <= limit <= LIMIT:
            raise CommandError(f"--limit must be from 1 to {LIMIT}.")
        try:
            lines = queries.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{queries}: cannot be read ({exc}).") from None
        parsed, problems = [], []
        coordinators = {}
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"line {number}: not JSON ({exc.msg}).")
                continue
            if not isinstance(q, dict) or "query_id" not in q:
                problems.append(f"line {number}: no query_id.")
                continue
            code = str(q.get("coordinator") or "").strip()
            coordinator = None
            if code:
                if code not in coordinators:
                    coordinators[code] = find_coordinator(ws, code)
                coordinator = coordinators[code]
                if coordinator is None:
                    problems.append(f"line {number}: no organisation “{code}” in {workspace}.")
                    continue
            year = q.get("start_year")
            if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2200):
                problems.append(f"line {number}: start_year must be a year such as 2020.")
                continue
            countries = q.get("countries") or ([q["country"]] if q.get("country") else [])
            types = q.get("types") or []
            if not isinstance(countries, list) or not isinstance(types, list):
                problems.append(f"line {number}: countries and types must be lists.")
                continue
            parsed.append(
                (q["query_id"], coordinator, str(q.get("theme") or ""), year,
                 {str(c).upper() for c in countries}, {str(t) for t in types})
            )  # fmt: skip
        if problems:
            shown = "\n".join(problems[:50])
            more = f"\n… and {len(problems) - 50} more." if len(problems) > 50 else ""
            raise CommandError(f"{queries}: nothing was written.\n{shown}{more}")

        answers = []
        for query_id, coordinator, theme, year, countries, types in parsed:
            ranked = recommend.recommend(
                ws,
                coordinator=coordinator,
                theme=theme,
                countries=countries,
                organisation_types=types,
                start_year=year,
                limit=limit,
                reasons=False,
            )
            names = [c.pic or f"o{c.organisation_id}" for c in ranked]
            answers.append(json.dumps({"query_id": query_id, "ranked": names}, ensure_ascii=False))
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".recommend-", suffix=".jsonl")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("\n".join(answers) + ("\n" if answers else ""))
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stdout.write(f"{len(answers)} queries answered into {output}.")
