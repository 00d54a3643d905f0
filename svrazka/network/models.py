"""The network: typed, dated relationships between people and organisations, and the network's
metrics kept as dated snapshots (never overwritten).

A node of the network is a person or an organisation; in code it is named by a string,
"p<id>" or "o<id>" (see svrazka/network/graph.py).
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RelationshipKind(models.TextChoices):
    """Each kind is read from the first side to the second; REVERSE names it the other way."""

    KNOWS = "knows", _("knows")
    WORKS_AT = "works_at", _("works at")
    MEMBER_OF = "member_of", _("member of")
    MENTOR_OF = "mentor_of", _("mentor of")
    INTRODUCED_BY = "introduced_by", _("introduced by")
    SPONSOR_OF = "sponsor_of", _("sponsor of")
    MEDIA_CONTACT_OF = "media_contact_of", _("media contact of")
    PARTNERED_WITH = "partnered_with", _("partnered with")
    FUNDER_OF = "funder_of", _("funder of")
    ADVISER_OF = "adviser_of", _("adviser of")
    VOLUNTEER_AT = "volunteer_at", _("volunteer at")
    FAMILY_OF = "family_of", pgettext_lazy("relationship", "family of")


REVERSE = {
    RelationshipKind.KNOWS: _("knows"),
    RelationshipKind.WORKS_AT: _("employs"),
    RelationshipKind.MEMBER_OF: _("has as member"),
    RelationshipKind.MENTOR_OF: _("mentee of"),
    RelationshipKind.INTRODUCED_BY: _("introduced"),
    RelationshipKind.SPONSOR_OF: _("sponsored by"),
    RelationshipKind.MEDIA_CONTACT_OF: _("has as media contact"),
    RelationshipKind.PARTNERED_WITH: _("partnered with"),
    RelationshipKind.FUNDER_OF: _("funded by"),
    RelationshipKind.ADVISER_OF: _("advised by"),
    RelationshipKind.VOLUNTEER_AT: _("has as volunteer"),
    RelationshipKind.FAMILY_OF: pgettext_lazy("relationship", "family of"),
}


class Relationship(models.Model):
    """A tie from one person or organisation to another, typed, dated and with a strength 1–5."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relationship"), max_length=20, choices=RelationshipKind.choices)
    from_person = models.ForeignKey(
        "contacts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    from_organisation = models.ForeignKey(
        "contacts.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_person = models.ForeignKey(
        "contacts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_organisation = models.ForeignKey(
        "contacts.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    strength = models.PositiveSmallIntegerField(
        _("strength"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = we barely know each other, 5 = a close, trusted tie."),
    )
    started_on = models.DateField(_("since"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, validators=[MaxLengthValidator(2000)])
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        indexes = [
            models.Index(fields=["workspace", "from_person"], name="rel_ws_from_person"),
            models.Index(fields=["workspace", "from_organisation"], name="rel_ws_from_org"),
            models.Index(fields=["workspace", "to_person"], name="rel_ws_to_person"),
            models.Index(fields=["workspace", "to_organisation"], name="rel_ws_to_org"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(from_person__isnull=False, from_organisation__isnull=True)
                | models.Q(from_person__isnull=True, from_organisation__isnull=False),
                name="rel_one_from",
            ),
            models.CheckConstraint(
                condition=models.Q(to_person__isnull=False, to_organisation__isnull=True)
                | models.Q(to_person__isnull=True, to_organisation__isnull=False),
                name="rel_one_to",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="rel_dates_ordered",
                violation_error_message=_("The end cannot be before the start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} — {self.get_kind_display()} — {self.target}"

    @property
    def source(self):
        return self.from_person or self.from_organisation

    @property
    def target(self):
        return self.to_person or self.to_organisation

    @property
    def source_node(self) -> str:
        return f"p{self.from_person_id}" if self.from_person_id else f"o{self.from_organisation_id}"

    @property
    def target_node(self) -> str:
        return f"p{self.to_person_id}" if self.to_person_id else f"o{self.to_organisation_id}"

    @property
    def reverse_label(self) -> str:
        return str(REVERSE.get(self.kind, self.get_kind_display()))


class Snapshot(models.Model):
    """The network's metrics at one moment. A new computation adds a snapshot; none is
    ever overwritten, so trends can be drawn."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Computing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField(_("network as of"))
    nodes = models.PositiveIntegerField(default=0)
    edges = models.PositiveIntegerField(default=0)
    density = models.FloatField(default=0.0)
    active_ties = models.PositiveIntegerField(default=0)
    communities = models.PositiveIntegerField(default=0)
    isolated_partners = models.PositiveIntegerField(default=0)
    reach = models.PositiveIntegerField(default=0)
    components = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("metrics snapshot")
        verbose_name_plural = _("metrics snapshots")
        indexes = [models.Index(fields=["workspace", "started_at"], name="snapshot_ws_started")]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.status})"


class NodeMetric(models.Model):
    """One node's metrics in a snapshot."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="node_metrics")
    node = models.CharField(max_length=24)  # "p<id>" or "o<id>"
    degree = models.PositiveIntegerField(default=0)
    weighted_degree = models.FloatField(default=0.0)
    betweenness = models.FloatField(default=0.0)
    pagerank = models.FloatField(default=0.0)
    brokerage = models.FloatField(default=0.0)
    community = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "snapshot", "node"], name="nodemetric_ws_node"),
            models.Index(fields=["snapshot", "-brokerage"], name="nodemetric_brokerage"),
        ]

    def __str__(self) -> str:
        return self.node
