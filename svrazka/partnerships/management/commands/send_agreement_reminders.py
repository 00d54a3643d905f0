"""Remind once before a signed agreement ends; mark signed agreements past their end as expired.

Run it daily (cron or a scheduler). Safe to run again: nothing is sent or changed twice."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from svrazka.partnerships.agreements import send_agreement_reminders


class Command(BaseCommand):
    help = (
        "Email the partnership's liaison (or the workspace owners) once when a signed agreement "
        "ends within its reminder days, and mark agreements past their end date as expired."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", help="Act as if today were this date (YYYY-MM-DD); for testing."
        )

    def handle(self, *args, **options):
        today = None
        if options.get("today"):
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as e:
                raise CommandError(f"--today: {e}") from None
        sent, expired = send_agreement_reminders(today=today)
        self.stdout.write(f"Reminders sent: {sent}. Agreements expired: {expired}.")
