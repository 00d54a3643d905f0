from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Evaluation(models.Model):
    """One side's evaluation of a partnership: answers to the evaluation questions and ratings
    (see svrazka.partnerships.practice). `organisation` is empty for our own side."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="evaluations"
    )
    # RESTRICT: an organisation with evaluations is not deleted by accident (its side would
    # otherwise read as ours); deleting the whole workspace still works.
    organisation = models.ForeignKey(
        "contacts.Organisation",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="evaluations",
    )
    respondent_name = models.CharField(_("filled in by"), max_length=200, blank=True)
    answers = models.JSONField(default=dict, blank=True)  # {question key: text}
    ratings = models.JSONField(default=dict, blank=True)  # {rating key: 1..5}
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        indexes = [
            models.Index(fields=["workspace", "partnership"], name="evaluation_ws"),
            models.Index(fields=["workspace", "organisation"], name="evaluation_ws_org"),
        ]

    def __str__(self) -> str:
        return f"{self.partnership}: {self.organisation or '—'}"


class EvaluationInvite(models.Model):
    """A private link for a partner to evaluate without an account: expires and works once."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="evaluation_invites"
    )
    organisation = models.ForeignKey(
        "contacts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "contacts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(_("email"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    evaluation = models.OneToOneField(
        Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="invite"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "partnership"], name="evalinvite_ws")]

    def __str__(self) -> str:
        return f"{self.partnership} → {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()
