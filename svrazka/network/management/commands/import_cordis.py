"""Import EU research projects and their participants from the CORDIS open-data exports.

    manage.py import_cordis --workspace SLUG --projects project.csv --organizations organization.csv
        [--as EMAIL]

Both files are checked whole first; on any problem the command lists it (file and line), exits
with status 1 and stores nothing. Organisations are keyed by their PIC (organisationID) and merged
with the workspace's own; projects become joint projects linking their participants.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from svrazka.accounts.models import Workspace
from svrazka.network.cordis import CordisError, import_cordis


class Command(BaseCommand):
    help = "Import CORDIS project.csv and organization.csv (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True)
        parser.add_argument("--projects", required=True, help="CORDIS project.csv")
        parser.add_argument("--organizations", required=True, help="CORDIS organization.csv")
        parser.add_argument("--as", dest="as_email", help="the user the import is recorded for")

    def handle(self, *args, **opts):
        workspace = Workspace.objects.filter(slug=opts["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the slug {opts['workspace']!r}.")
        paths = [Path(opts["projects"]), Path(opts["organizations"])]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        actor = None
        if opts["as_email"]:
            actor = get_user_model().objects.filter(email__iexact=opts["as_email"]).first()
            if actor is None:
                raise CommandError(f"No user {opts['as_email']!r}.")
        started = time.monotonic()
        try:
            report = import_cordis(
                workspace=workspace,
                projects_path=paths[0],
                organizations_path=paths[1],
                actor=actor,
            )
        except CordisError as e:
            for problem in e.problems:
                self.stderr.write(problem)
            if e.total > len(e.problems):
                self.stderr.write(f"… and {e.total - len(e.problems)} more problems.")
            raise CommandError("Nothing was imported.") from None
        self.stdout.write(
            f"Projects: {report.projects_created} new, {report.projects_updated} updated. "
            f"Organisations: {report.organisations_created} new, "
            f"{report.organisations_matched} already known (same PIC). "
            f"Participations: {report.participations}. "
            f"Duplicate rows skipped: {report.duplicate_rows}. "
            f"({time.monotonic() - started:.1f} s)"
        )
