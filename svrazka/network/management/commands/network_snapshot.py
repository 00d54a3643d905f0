from datetime import date

from django.core.management.base import BaseCommand, CommandError

from svrazka.accounts.models import Workspace
from svrazka.network import metrics


class Command(BaseCommand):
    help = "Compute the network's metrics now and keep them as a new dated snapshot."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--as-of", help="the network as it was on this date (YYYY-MM-DD)")

    def handle(self, *args, workspace, as_of=None, **options):
        ws = Workspace.objects.filter(slug=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace “{workspace}”.")
        day = None
        if as_of:
            try:
                day = date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"“{as_of}” is not a date (YYYY-MM-DD).") from None
        snap = metrics.take_snapshot(ws, as_of=day)
        self.stdout.write(
            f"Snapshot {snap.pk} of {snap.as_of}: {snap.nodes} nodes, {snap.edges} edges, "
            f"density {snap.density:.6f}, {snap.communities} communities, "
            f"{snap.active_ties} active ties, {snap.isolated_partners} partners gone isolated, "
            f"reach {snap.reach}; {snap.seconds:.1f} s"
        )
