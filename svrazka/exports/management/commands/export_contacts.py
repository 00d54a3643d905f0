"""Export a workspace's people or organisations to a file.

    manage.py export_contacts --workspace SLUG --format csv|xlsx|vcard|vcard3 --output FILE
        [--kind people|organisations]

"vcard" is vCard 4.0. The file is written next to FILE under a temporary name and renamed
when complete, so a failed export leaves no half-written file.
"""

import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from svrazka.accounts.models import Workspace
from svrazka.contacts.selectors import ContactFilters
from svrazka.exports import services

FORMATS = {"csv": "csv", "xlsx": "xlsx", "vcard": "vcard4", "vcard4": "vcard4", "vcard3": "vcard3"}


class Command(BaseCommand):
    help = "Export a workspace's people (or organisations) as CSV, XLSX or vCards."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument(
            "--format",
            required=True,
            choices=sorted(FORMATS),
            help="csv, xlsx, vcard (4.0) or vcard3",
        )
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument(
            "--kind", choices=services.KINDS, default="people", help="default: people"
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help=f"language of the column names and labels; default {settings.LANGUAGE_CODE}",
        )

    def handle(self, *args, **options):
        try:
            workspace = Workspace.objects.get(slug=options["workspace"])
        except Workspace.DoesNotExist:
            raise CommandError(f"No workspace with the slug {options['workspace']!r}.") from None
        fmt = FORMATS[options["format"]]
        output = Path(options["output"]).expanduser().absolute()
        if output.is_dir():
            raise CommandError(f"{output} is a folder; give a file name.")
        if not output.parent.is_dir():
            raise CommandError(f"Cannot write {output}: the folder {output.parent} does not exist.")
        try:
            fd, temp_name = tempfile.mkstemp(
                dir=output.parent, prefix=f".{output.name}.", suffix=".part"
            )
        except OSError as e:
            raise CommandError(f"Cannot write to {output.parent}: {e.strerror}.") from None
        started = time.perf_counter()
        export = (
            services.export_people if options["kind"] == "people" else services.export_organisations
        )
        try:
            with translation.override(options["language"]), os.fdopen(fd, "wb") as out:
                rows = export(workspace=workspace, filters=ContactFilters(), fmt=fmt, out=out)
            os.chmod(temp_name, 0o600)  # personal data: readable by its owner only
            os.replace(temp_name, output)
        except BaseException as e:
            Path(temp_name).unlink(missing_ok=True)
            if isinstance(e, services.ExportTooLarge):
                raise CommandError(str(e)) from None
            if isinstance(e, OSError):
                raise CommandError(f"Cannot write {output}: {e.strerror or e}.") from None
            raise
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Exported {rows:,} {options['kind']} to {output} in {seconds:.1f} s "
            f"({output.stat().st_size / 2**20:,.1f} MiB)."
        )
