from django.core.management.base import BaseCommand

from svrazka.contacts.demo import DEMO_EMAIL, DEMO_PASSWORD, VIEWER_EMAIL, load_demo


class Command(BaseCommand):
    help = "Create (or re-create) the demo workspace with realistic contacts."

    def handle(self, *args, **options):
        workspace = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo workspace “{workspace.name}” is ready."))
        self.stdout.write(
            "\n  Open   http://127.0.0.1:8000/\n"
            f"  Sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}  (owner)\n"
            f"          or {VIEWER_EMAIL} / {DEMO_PASSWORD}  (viewer)\n"
        )
