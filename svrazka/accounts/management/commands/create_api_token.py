from django.core.management.base import BaseCommand, CommandError

from svrazka.accounts.models import ApiToken, Membership


class Command(BaseCommand):
    help = "Print a new API token for a user in a workspace (limited by the user's role there)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--workspace", required=True, metavar="SLUG")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, email, workspace, name, **options):
        membership = (
            Membership.objects.select_related("user", "workspace")
            .filter(user__email=email.strip().lower(), workspace__slug=workspace)
            .first()
        )
        if membership is None:
            raise CommandError(f"{email} is not a member of a workspace '{workspace}'.")
        _token, secret = ApiToken.issue(
            workspace=membership.workspace, user=membership.user, name=name
        )
        self.stdout.write(secret)
