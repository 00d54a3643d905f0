"""manage.py recommend_partners --workspace SLUG --queries queries.jsonl --output answers.jsonl

Each query line: {"query_id": ..., "coordinator": "<organisationID/PIC or o<id>>", "theme":
"...", "start_year": 2020, "country": "BG"} ("countries" and "types" lists also accepted; CORDIS's
EL and UK mean GR and GB). Each answer line: {"query_id": ..., "ranked": ["<PIC, or o<id>
without one>", ...]}, best first, at most 100, never the coordinator, from what the workspace
knows when the command runs (and, with start_year, only projects starting before that year).

Every line is checked before any answer is computed; on a problem the command names the lines
on stderr, exits with status 1 and writes nothing. The answers go to a temporary file beside the
output, renamed into place only when all are written.
"""

import json
import os
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from svrazka.accounts.models import Workspace
from svrazka.contacts.models import OrganisationType
from svrazka.network import recommend
from svrazka.network.cordis import COUNTRY_CODES
from svrazka.network.views.recommendations import find_coordinator

LIMIT = 100
MAX_PROBLEMS = 50


class Command(BaseCommand):
    help = "Rank partner candidates for each query of a JSON-lines file."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True)
        parser.add_argument("--queries", required=True, type=Path)
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--limit", type=int, default=LIMIT)

    def handle(self, *args, workspace, queries, output, limit, **options):
        started = time.monotonic()
        queries, output = Path(queries), Path(output)
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(_("No workspace “%(slug)s”.") % {"slug": workspace})
        if not 1 <= limit <= LIMIT:
            raise CommandError(_("--limit must be from 1 to %(max)s.") % {"max": LIMIT})
        try:
            lines = queries.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("%(file)s cannot be read: %(error)s") % {"file": queries, "error": exc}
            ) from None
        parsed, problems = self.parse(ws, lines)
        if problems:
            shown = "\n".join(problems[:MAX_PROBLEMS])
            if len(problems) > MAX_PROBLEMS:
                shown += "\n" + _("… and %(n)s more.") % {"n": len(problems) - MAX_PROBLEMS}
            raise CommandError(
                _("%(file)s: nothing was written.") % {"file": queries} + "\n" + shown
            )

        index = recommend.index_for(ws)  # one index for the whole batch
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
                index=index,
            )
            names = [c.pic or f"o{c.organisation_id}" for c in ranked]
            answers.append(json.dumps({"query_id": query_id, "ranked": names}, ensure_ascii=False))
        self.write(output, answers)
        self.stdout.write(
            _("%(n)s queries answered into %(file)s (%(seconds).1f s).")
            % {"n": len(answers), "file": output, "seconds": time.monotonic() - started}
        )

    def parse(self, ws, lines: list[str]) -> tuple[list, list[str]]:
        parsed, problems = [], []
        coordinators: dict = {}
        seen: dict = {}
        kinds = set(OrganisationType.values)
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue

            def problem(message: str, number=number) -> None:
                problems.append(_("line %(n)s: %(problem)s") % {"n": number, "problem": message})

            try:
                q = json.loads(line)
            except json.JSONDecodeError as exc:
                problem(_("not JSON (%(error)s).") % {"error": exc.msg})
                continue
            if not isinstance(q, dict) or q.get("query_id") in (None, ""):
                problem(_("no query_id."))
                continue
            query_id = q["query_id"]
            if not isinstance(query_id, str | int) or isinstance(query_id, bool):
                problem(_("query_id must be a string or a number."))
                continue
            if query_id in seen:
                problem(
                    _("query_id %(id)s was already asked on line %(line)s.")
                    % {"id": json.dumps(query_id), "line": seen[query_id]}
                )
                continue
            seen[query_id] = number
            code = q.get("coordinator")
            coordinator = None
            if code not in (None, ""):
                code = str(code).strip()
                if code not in coordinators:
                    coordinators[code] = find_coordinator(ws, code)
                coordinator = coordinators[code]
                if coordinator is None:
                    problem(
                        _("no organisation “%(code)s” in this workspace (give its PIC or o<id>).")
                        % {"code": code}
                    )
                    continue
            theme = q.get("theme") or ""
            if not isinstance(theme, str):
                problem(_("theme must be text."))
                continue
            year = q.get("start_year")
            if year is not None and (
                isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200
            ):
                problem(_("start_year must be a year such as 2020."))
                continue
            countries = q.get("countries")
            if countries is None:
                countries = [q["country"]] if q.get("country") else []
            types = q.get("types") or []
            if not isinstance(countries, list) or not isinstance(types, list):
                problem(_("countries and types must be lists."))
                continue
            if not all(isinstance(c, str) and len(c.strip()) == 2 for c in countries):
                problem(_("a country is a two-letter code such as BG."))
                continue
            if unknown := sorted({str(t) for t in types} - kinds):
                problem(
                    _("unknown organisation type %(types)s (known: %(known)s).")
                    % {"types": ", ".join(unknown), "known": ", ".join(sorted(kinds))}
                )
                continue
            countries = {COUNTRY_CODES.get(c.strip().upper(), c.strip().upper()) for c in countries}
            parsed.append((query_id, coordinator, theme[:500], year, countries, set(types)))
        return parsed, problems

    def write(self, output: Path, answers: list[str]) -> None:
        """All answers into a temporary file beside `output`, then renamed into place."""
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".recommend-", suffix=".jsonl")
        except OSError as exc:
            raise CommandError(
                _("%(file)s cannot be written: %(error)s") % {"file": output, "error": exc}
            ) from None
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # as an ordinary file, not mkstemp's 0600
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("\n".join(answers) + ("\n" if answers else ""))
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
