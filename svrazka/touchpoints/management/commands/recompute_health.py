"""Recompute the health of every person, organisation and partnership of a workspace.

Health changes as days pass without touchpoints, so run it daily, before the digests:

    15 6 * * *  cd /srv/svrazka && .venv/bin/python manage.py recompute_health && \\
                .venv/bin/python manage.py send_digests
"""

import time

from django.core.management.base import BaseCommand, CommandError

from svrazka.accounts.models import Workspace
from svrazka.touchpoints import health


class Command(BaseCommand):
    help = "Recompute relationship health (all workspaces, or one with --workspace)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", help="the workspace's slug (default: all)")

    def handle(self, *args, **options):
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"]:
            workspaces = workspaces.filter(slug=options["workspace"])
            if not workspaces.exists():
                raise CommandError(f"No workspace with the slug {options['workspace']!r}.")
        for ws in workspaces:
            started = time.perf_counter()
            counts = health.recompute_all(ws)
            self.stdout.write(
                f"{ws.slug}: {counts['person']} people, {counts['organisation']} organisations, "
                f"{counts['partnership']} partnerships in {time.perf_counter() - started:.1f} s"
            )
