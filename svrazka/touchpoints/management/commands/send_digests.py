"""Send the daily digests: each member's overdue and due-today tasks, late awaited replies and
partners gone quiet, in their language — at most once per member, workspace and day.

Schedule it once every morning, either way:

1. cron (on the server, as the user that runs Svrazka), e.g. at 07:00 local time, after the
   health is recomputed so that the silences are current:

       0 7 * * * cd /srv/svrazka && .venv/bin/python manage.py recompute_health && \\
                 .venv/bin/python manage.py send_digests >> var/digests.log 2>&1

2. the background worker: keep `manage.py db_worker` running (systemd, supervisor) and let cron
   only put the run on the database queue, so the mail goes out from the worker:

       0 7 * * * cd /srv/svrazka && .venv/bin/python manage.py send_digests --enqueue

Running it twice a day (or two at once) sends nothing twice. Mail goes through the default
mailer (EMAIL_HOST, EMAIL_PORT, … in the environment); links use SITE_URL.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from svrazka.accounts.models import Workspace
from svrazka.touchpoints import digests


class Command(BaseCommand):
    help = (
        "Send today's daily digests (due and overdue tasks, late awaited replies, partners gone "
        "quiet) by email, once per member and workspace a day. Schedule it every morning, e.g. "
        "cron: '0 7 * * * cd /srv/svrazka && .venv/bin/python manage.py send_digests'; or run "
        "'manage.py db_worker' and schedule 'manage.py send_digests --enqueue'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", metavar="SLUG", help="Only this workspace.")
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="The day the digest is for (default: today in TIME_ZONE).",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Put the run on the background queue for `manage.py db_worker` instead.",
        )

    def handle(self, *args, workspace=None, date=None, enqueue=False, **options):
        day = None
        if date:
            try:
                day = _parse_day(date)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from None
        if workspace and not Workspace.objects.filter(slug=workspace).exists():
            raise CommandError(f"There is no workspace {workspace!r}.")
        if enqueue:
            result = digests.send_digests_task.enqueue(
                workspace_slug=workspace, day=day.isoformat() if day else None
            )
            self.stdout.write(f"Queued the digests as task {result.id}.")
            return
        counts = digests.send_digests(day=day, workspace_slug=workspace)
        self.stdout.write(
            f"Digests: {counts[digests.SENT]} sent, {counts[digests.NOTHING]} with nothing to "
            f"say, {counts[digests.ALREADY]} already sent today, {counts[digests.FAILED]} failed."
        )
        if counts[digests.FAILED]:
            raise CommandError(
                f"{counts[digests.FAILED]} digest(s) could not be sent; see the log. "
                "Running the command again sends only those."
            )


def _parse_day(text: str):
    return date.fromisoformat(text)
