"""Imports of contacts: the job (its file, what it found, how far it got), the problems found in
its rows, and the column mappings a workspace has chosen for files Svrazka did not recognise.

A job goes: uploaded → (mapping, when the layout is unknown) → checking → checked → importing →
done, or failed; a done job can be undone. Checking writes every valid row, already validated,
to a staging file next to the upload, so that importing only loads it.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Format(models.TextChoices):
    AUTO = "auto", _("Recognise automatically")
    CSV = "csv", _("CSV (map the columns)")
    XLSX = "xlsx", _("Excel workbook (.xlsx)")
    VCARD = "vcard", _("vCard")
    LINKEDIN = "linkedin", _("LinkedIn connections")
    GOOGLE = "google", _("Google Contacts")
    OUTLOOK = "outlook", _("Outlook")
    THUNDERBIRD = "thunderbird", _("Thunderbird")


class Status(models.TextChoices):
    MAPPING = "mapping", _("Choose the columns")
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Checking the rows")
    CHECKED = "checked", _("Checked: waiting for your decision")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    UNDOING = "undoing", _("Being undone")
    UNDONE = "undone", _("Undone")


def upload_path(instance: "ImportJob", filename: str) -> str:
    return f"imports/{instance.workspace_id}/{secrets.token_hex(12)}"


class ImportJob(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to=upload_path, max_length=300)
    filename = models.CharField(_("file"), max_length=255)
    size = models.BigIntegerField(default=0)
    # What the user asked for, and what the file turned out to be.
    requested_format = models.CharField(max_length=12, choices=Format.choices, default=Format.AUTO)
    detected_format = models.CharField(max_length=12, choices=Format.choices, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    # Column index (as text) -> target key, for files read through a mapping.
    mapping = models.JSONField(default=dict, blank=True)
    header = models.JSONField(default=list, blank=True)
    skip_invalid = models.BooleanField(default=False)
    skip_duplicates = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    # Progress: rows read so far and (once known) in all; the file's bytes read for the bar.
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_warning = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    organisations_created = models.PositiveIntegerField(default=0)
    affiliations_created = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped on every change of status, so two clicks cannot both start the same step.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="import_job_recent")]

    def __str__(self) -> str:
        return self.filename

    @property
    def busy(self) -> bool:
        return self.status in (Status.QUEUED, Status.CHECKING, Status.IMPORTING, Status.UNDOING)

    @property
    def percent(self) -> int:
        if self.status in (Status.DONE, Status.CHECKED, Status.UNDONE):
            return 100
        if self.status == Status.IMPORTING and self.rows_valid:
            return min(99, self.rows_done * 100 // self.rows_valid)
        if self.size:
            return min(99, self.bytes_done * 100 // self.size)
        return 0


class ProblemKind(models.TextChoices):
    ERROR = "error", _("Cannot be imported")
    DUPLICATE = "duplicate", _("Probably already here")
    WARNING = "warning", _("Imported with a note")


class RowProblem(models.Model):
    """Why one row (or card) of the file cannot be imported, or whom it seems to repeat. Only
    the first few thousand are kept; the job counts them all."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    kind = models.CharField(max_length=10, choices=ProblemKind.choices, default=ProblemKind.ERROR)
    line = models.PositiveIntegerField()
    # For a duplicate: the person already in the workspace (kept as a plain id: the row is a
    # note about the file, and the person may be merged or deleted later).
    existing_person_id = models.BigIntegerField(null=True, blank=True)
    field = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500)
    excerpt = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


class SavedMapping(models.Model):
    """The columns chosen for a file layout Svrazka did not know, offered again next time."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64)
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "signature"], name="import_mapping_unique_signature"
            )
        ]

    def __str__(self) -> str:
        return self.signature
