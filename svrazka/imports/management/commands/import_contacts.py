"""Import contacts from a file, all of them or none.

    manage.py import_contacts FILE --workspace SLUG [--format auto|csv|xlsx|vcard|linkedin|google|
        outlook|thunderbird] [--mapping JSON] [--skip-invalid] [--skip-duplicates] [--as EMAIL]

`--mapping` maps the file's columns (by header name or 0-based index) to Svrazka's fields, e.g.
'{"Име": "given_name", "Фамилия": "family_name", "Е-поща": "email"}'; without it, the columns of
an unknown layout are guessed. Rows with problems are listed; unless `--skip-invalid` is given,
the command then exits with status 1 and stores nothing.

The file is read once: rows are loaded, in one transaction, while the next ones are checked
(`services.job_import_at_once`), so the check and the load share the machine's cores.
"""

import json
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from svrazka.accounts.models import Workspace
from svrazka.imports import reading, services
from svrazka.imports.models import Format, ProblemKind, Status

SHOW_PROBLEMS = 50


class Command(BaseCommand):
    help = "Import contacts from a CSV, XLSX or vCard file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--workspace", required=True)
        parser.add_argument("--format", default="auto", choices=list(Format.values))
        parser.add_argument("--mapping", help="JSON: column name or index -> field")
        parser.add_argument("--skip-invalid", action="store_true")
        parser.add_argument("--skip-duplicates", action="store_true")
        parser.add_argument("--as", dest="as_email", help="the user the import is recorded for")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        workspace = Workspace.objects.filter(slug=opts["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the slug {opts['workspace']!r}.")
        actor = None
        if opts["as_email"]:
            actor = get_user_model().objects.filter(email__iexact=opts["as_email"]).first()
            if actor is None:
                raise CommandError(f"No user {opts['as_email']!r}.")
        mapping = None
        if opts["mapping"]:
            try:
                mapping = json.loads(opts["mapping"])
            except json.JSONDecodeError as e:
                raise CommandError(f"--mapping is not valid JSON: {e}") from None
            if not isinstance(mapping, dict):
                raise CommandError("--mapping must be a JSON object")
        started = time.monotonic()
        try:
            with path.open("rb") as upload:
                job = services.job_create(
                    workspace=workspace,
                    actor=actor,
                    upload=upload,
                    filename=path.name,
                    requested_format=opts["format"],
                    skip_invalid=opts["skip_invalid"],
                    mapping=mapping,
                    background=False,
                )
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from None
        if job.status == Status.MAPPING:  # no --mapping: take the guessed (or saved) one
            job.status = Status.QUEUED
            job.save(update_fields=["status"])
        try:
            self._run(job, opts, started)
        finally:
            if job.status != Status.DONE:
                job.file.delete(save=False)
                job.delete()

    def _run(self, job, opts, started):
        out = self.stdout
        if job.header and reading.needs_mapping(job.detected_format):
            names = reading.describe_mapping(job.header, job.mapping)
            out.write("Columns: " + "; ".join(names))
        # Nothing is stored unless every row can be (or --skip-invalid); see job_import_at_once.
        job = services.job_import_at_once(
            job, skip_invalid=opts["skip_invalid"], skip_duplicates=opts["skip_duplicates"]
        )
        if job.status == Status.FAILED:
            raise CommandError(job.message)
        out.write(
            f"{job.filename}: {job.rows_total:,} rows read as {job.get_detected_format_display()}"
            f": {job.rows_valid:,} valid, {job.rows_invalid:,} with problems, "
            f"{job.rows_duplicate:,} like people we have."
        )
        for problem in job.problems.all()[:SHOW_PROBLEMS]:
            mark = "duplicate" if problem.kind == ProblemKind.DUPLICATE else "problem"
            field = f" [{problem.field}]" if problem.field else ""
            out.write(f"  line {problem.line} ({mark}){field}: {problem.message}")
        if job.status != Status.DONE:
            if job.rows_invalid and not opts["skip_invalid"]:
                raise CommandError(
                    f"{job.rows_invalid:,} rows have problems: nothing was imported. "
                    "Fix them, or run again with --skip-invalid."
                )
            raise CommandError("There is nothing to import.")
        out.write(
            self.style.SUCCESS(
                f"Imported {job.people_created:,} people, {job.organisations_created:,} "
                f"organisations and {job.affiliations_created:,} affiliations in "
                f"{time.monotonic() - started:.1f}s (import #{job.pk}; undo it in the app)."
            )
        )
