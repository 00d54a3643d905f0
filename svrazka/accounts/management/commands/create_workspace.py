from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from svrazka.accounts import services
from svrazka.accounts.models import Membership, Role, Workspace


class Command(BaseCommand):
    help = "Create a workspace and its owner (the user is created when missing)."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, metavar="EMAIL")
        parser.add_argument("--password", default=None)

    def handle(self, *args, slug, name, owner, password, **options):
        try:
            with transaction.atomic():
                user, created = services.user_get_or_create(email=owner, password=password)
                if Workspace.objects.filter(slug=slug.lower()).exists():
                    workspace = Workspace.objects.get(slug=slug.lower())
                    Membership.objects.update_or_create(
                        workspace=workspace, user=user, defaults={"role": Role.OWNER}
                    )
                    self.stdout.write(
                        f"Workspace {workspace.slug} exists; {user.email} is an owner."
                    )
                    return
                workspace = services.workspace_create(slug=slug, name=name, owner=user)
        except ValidationError as e:
            raise CommandError("; ".join(e.messages)) from None
        self.stdout.write(
            f"Created workspace {workspace.slug} owned by {user.email}"
            + (" (new user)" if created else "")
        )
