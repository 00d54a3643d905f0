"""Selection scorecards: weighted criteria for choosing a partner, a sponsor, a supporter or a
facilitator; the candidates scored on them; the shortlist, attached to partnerships in their
"before" phase.

A scorecard is one selection: its criteria and the candidates scored on them. A candidate's
total is the weighted average of the scores given so far, stored by the services whenever a
score or a weight changes, so lists can sort by it.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from svrazka.lib.validators import validate_plain_name

MAX_SCORE = 5


def weight_text(weight) -> str:
    """A weight as people write it: 3, 2.5, 0.25 (not 3.00)."""
    text = f"{weight:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class Purpose(models.TextChoices):
    PARTNER = "partner", _("Choosing a partner")
    SPONSOR = "sponsor", _("Choosing a sponsor")
    SUPPORTER = "supporter", _("Choosing a supporter or advocate")
    FACILITATOR = "facilitator", _("Choosing a facilitator")


class Scale(models.IntegerChoices):
    """The lowest score; the highest is always MAX_SCORE."""

    ZERO_TO_FIVE = 0, _("0 to 5 (0: not at all)")
    ONE_TO_FIVE = 1, _("1 to 5")


class Scorecard(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_name])
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.PARTNER
    )
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(5000)]
    )
    min_score = models.PositiveSmallIntegerField(
        _("scale"), choices=Scale.choices, default=Scale.ZERO_TO_FIVE
    )
    # Which of the deck's default sets this scorecard was created from ("" for one of our own).
    default_key = models.CharField(max_length=20, blank=True, default="", editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"],
                name="scorecard_unique_name",
                violation_error_message=_("A scorecard with this name already exists."),
            )
        ]
        indexes = [models.Index(fields=["workspace", "purpose"], name="scorecard_ws_purpose")]

    def __str__(self) -> str:
        return self.name

    @property
    def max_score(self) -> int:
        return MAX_SCORE


class Criterion(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=200, validators=[validate_plain_name])
    guidance = models.TextField(
        _("guidance"),
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text=_("What to look at when scoring it."),
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0.01), MaxValueValidator(100)],
    )
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "name"],
                name="criterion_unique_name",
                violation_error_message=_("This scorecard already has a criterion of this name."),
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gt=0),
                name="criterion_weight_positive",
                violation_error_message=_("A weight must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """A candidate — an organisation or a person of the workspace — scored on a scorecard."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="assessments")
    organisation = models.ForeignKey(
        "contacts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        "contacts.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, validators=[MaxLengthValidator(5000)])
    # Weighted average of the scores given, on the scorecard's scale; null before any score.
    total = models.DecimalField(
        _("weighted total"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False
    )
    scored_count = models.PositiveSmallIntegerField(default=0, editable=False)
    shortlisted = models.BooleanField(_("shortlisted"), default=False)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False, person__isnull=True)
                | models.Q(organisation__isnull=True, person__isnull=False),
                name="assessment_one_candidate",
                violation_error_message=_("Choose an organisation or a person, not both."),
            ),
            models.UniqueConstraint(
                fields=["scorecard", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="assessment_unique_organisation",
                violation_error_message=_("This organisation is already a candidate here."),
            ),
            models.UniqueConstraint(
                fields=["scorecard", "person"],
                condition=models.Q(person__isnull=False),
                name="assessment_unique_person",
                violation_error_message=_("This person is already a candidate here."),
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "scorecard", "-total"], name="assessment_ranked"),
        ]

    def __str__(self) -> str:
        return self.candidate_name

    @property
    def candidate(self):
        return self.organisation if self.organisation_id else self.person

    @property
    def candidate_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        if self.person_id:
            return self.person.full_name
        return ""

    @property
    def candidate_kind(self) -> str:
        return "organisation" if self.organisation_id else "person"


class Score(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(MAX_SCORE)]
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="score_unique_criterion"
            ),
            models.CheckConstraint(condition=models.Q(value__lte=MAX_SCORE), name="score_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class ShortlistLink(models.Model):
    """A scorecard's shortlist attached to a partnership: shown in its "before" phase, live
    (the candidates shortlisted now, in rank order)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="partnership_links"
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("partnership"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "partnership"],
                name="shortlist_link_unique",
                violation_error_message=_("This shortlist is already attached to the partnership."),
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "partnership"], name="shortlist_ws_partnership")
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} → {self.partnership_id}"


class DefaultsSeeded(models.Model):
    """The workspace got the deck's default scorecards once (on its first visit of the list),
    so deleting them all does not bring them back unasked."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    seeded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.workspace_id}: {self.seeded_at}"
