"""What a workspace has decided about its duplicates: the pairs a scan proposed, the pairs
someone said are not duplicates (remembered, so they are never proposed again), the merges
done (each with what it takes to undo it), and the scans themselves with their progress."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PERSON = "person", _("People")
    ORGANISATION = "organisation", _("Organisations")


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    DISTINCT = "distinct", _("Not duplicates")


class Candidate(models.Model):
    """A likely pair found by a scan: `a_id` < `b_id`, both of `kind`."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    a_id = models.BigIntegerField()
    b_id = models.BigIntegerField()
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)  # reason codes, put in words when shown
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "a_id", "b_id"], name="duplicate_candidate_unique"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "kind", "status", "-score"], name="duplicate_open")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.a_id}~{self.b_id} ({self.score})"


class Distinct(models.Model):
    """Two records someone said are different: never proposed again."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    a_id = models.BigIntegerField()
    b_id = models.BigIntegerField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "a_id", "b_id"], name="duplicate_distinct_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.a_id}≠{self.b_id}"


class Merge(models.Model):
    """`merged_id` was merged into `kept_id`. `snapshot` holds what undo needs: the merged
    record's fields and rows, the kept record's fields before, and every row that was moved."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    kept_id = models.BigIntegerField()
    merged_id = models.BigIntegerField()
    merged_name = models.CharField(max_length=300)
    kept_name = models.CharField(max_length=300)
    snapshot = models.JSONField()
    kept_version = models.PositiveIntegerField()  # the kept record's version after the merge
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-merged_at"], name="duplicate_merges")]

    def __str__(self) -> str:
        return f"{self.merged_name} → {self.kept_name}"


class ScanStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Scan(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    threshold = models.PositiveSmallIntegerField(default=70)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} scan {self.status}"

    @property
    def busy(self) -> bool:
        return self.status in (ScanStatus.QUEUED, ScanStatus.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == ScanStatus.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
