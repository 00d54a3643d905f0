from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from svrazka.lib.validators import validate_plain_name


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to partners")
    SIGNED = "signed", _("Signed")
    EXPIRED = "expired", _("Expired")


class Agreement(models.Model):
    """The partnership agreement. Its text lives in numbered versions; the agreement itself
    holds what is true of all of them: status, period, signatories, the signed scan."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="agreements"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_name])
    language = models.CharField(
        _("language of the document"),
        max_length=2,
        choices=[("bg", _("Bulgarian")), ("en", _("English"))],
        default="bg",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    start_date = models.DateField(_("cooperation from"), null=True, blank=True)
    end_date = models.DateField(_("cooperation until"), null=True, blank=True)
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind this many days before it ends"), default=30
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_scan = models.FileField(_("signed scan"), upload_to="agreements/%Y/", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [
            models.Index(fields=["workspace", "partnership"], name="agreement_ws"),
            models.Index(fields=["workspace", "status", "end_date"], name="agreement_ws_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="agreement_dates_ordered",
                violation_error_message=_("The agreement cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgreementVersion(models.Model):
    """One version of the agreement's text, in the deck's six parts. Responsibilities and
    contributions are per partner: {"<organisation id>": {...}}."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    common_goals = models.TextField(_("common goals"), blank=True)
    # {"<organisation id>": "text"}
    responsibilities = models.JSONField(_("responsibilities of the partners"), default=dict)
    # {"<organisation id>": {"cash": "…", "in_kind": "…", "staff_time": "…"}}
    contributions = models.JSONField(_("contributions of the partners"), default=dict)
    period = models.TextField(_("period of cooperation"), blank=True)
    mechanism = models.TextField(_("cooperation mechanism"), blank=True)
    benefits = models.TextField(_("distribution of benefits"), blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class Signatory(models.Model):
    """A person who signs for one of the parties (they must be affiliated with it)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatories")
    person = models.ForeignKey(
        "contacts.Person", verbose_name=_("person"), on_delete=models.RESTRICT, related_name="+"
    )
    organisation = models.ForeignKey(
        "contacts.Organisation", verbose_name=_("for"), on_delete=models.RESTRICT, related_name="+"
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "person"], name="signatory_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.organisation})"
