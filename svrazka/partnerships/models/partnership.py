from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from svrazka.lib.validators import validate_plain_name


class PartnershipForm(models.TextChoices):
    FORMAL = "formal", _("Formal partnership")
    COALITION = "coalition", _("Coalition")
    INFORMAL_COALITION = "informal_coalition", _("Informal coalition")
    MEDIA = "media", _("Media partnership")
    SPONSORSHIP = "sponsorship", _("Sponsorship")
    LICENSING = "licensing", _("Licensing")
    SUPPORTER = "supporter", _("Supporters and advocates")
    CROWDSOURCING = "crowdsourcing", _("Crowdsourcing")


class PartnershipStatus(models.TextChoices):
    EXPLORING = "exploring", _("Exploring")
    NEGOTIATING = "negotiating", _("Negotiating")
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    ENDED = "ended", _("Ended early")


class Phase(models.TextChoices):
    BEFORE = "before", _("Before")
    DURING = "during", _("During")
    AFTER = "after", _("After")


class PartnerRole(models.TextChoices):
    LEAD = "lead", _("Lead organisation")
    PARTNER = "partner", _("Partner")
    ASSOCIATE = "associate", _("Associate partner")
    SPONSOR = "sponsor", _("Sponsor")
    MEDIA_PARTNER = "media_partner", _("Media partner")


class Partnership(models.Model):
    """The NGO's cooperation with one or more organisations, moving through the deck's flow."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_name])
    form = models.CharField(
        _("form"), max_length=20, choices=PartnershipForm.choices, default=PartnershipForm.FORMAL
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PartnershipStatus.choices,
        default=PartnershipStatus.EXPLORING,
    )
    goals = models.TextField(_("goals"), blank=True, validators=[MaxLengthValidator(10000)])
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(20000)]
    )
    # Folded text of title and goals for search in any alphabet and case (svrazka.lib.translit).
    search_text = models.TextField(default="", editable=False)
    # Where the partnership stands in the flow: a step key of svrazka.partnerships.practice.
    step = models.CharField(_("step"), max_length=40, default="favourable_conditions")
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, default=Phase.BEFORE)
    board_position = models.PositiveIntegerField(default=0)
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our liaison"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    facilitator = models.ForeignKey(
        "contacts.Person",
        verbose_name=_("facilitator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    cadence_days = models.PositiveSmallIntegerField(
        _("expected contact every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("Leave empty for the default of the partnership's form."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        indexes = [
            models.Index(fields=["workspace", "step", "board_position"], name="partnership_board"),
            models.Index(fields=["workspace", "status", "-updated_at"], name="partnership_status"),
            models.Index(fields=["workspace", "form", "-updated_at"], name="partnership_form"),
            models.Index(fields=["workspace", "-updated_at"], name="partnership_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="partnership_dates_ordered",
                violation_error_message=_("The end cannot be before the start."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class PartnershipPartner(models.Model):
    """An organisation taking part, with its role and its liaison (a person of theirs)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        "contacts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="partnership_roles",
    )
    role = models.CharField(
        _("role"), max_length=15, choices=PartnerRole.choices, default=PartnerRole.PARTNER
    )
    liaison = models.ForeignKey(
        "contacts.Person",
        verbose_name=_("their liaison"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    joined_on = models.DateField(_("joined"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"],
                name="partner_unique_organisation",
                violation_error_message=_("This organisation is already a partner."),
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "organisation"], name="partner_ws_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class Duty(models.Model):
    """Who does what, from when to when: a key person's duty in the partnership."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="duties")
    # On whose behalf: a partner organisation (RESTRICT: a partner named in duties stays until
    # its duties are moved or removed).
    partner = models.ForeignKey(
        PartnershipPartner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="duties",
    )
    person = models.ForeignKey(
        "contacts.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our team member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.CharField(_("duty"), max_length=300)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        indexes = [models.Index(fields=["workspace", "partnership"], name="duty_ws_partnership")]

    def __str__(self) -> str:
        return self.description


class ChecklistTemplateItem(models.Model):
    """A workspace's default checklist item for a form of partnership, on a step of the flow."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    form = models.CharField(_("form"), max_length=20, choices=PartnershipForm.choices)
    step = models.CharField(_("step"), max_length=40)
    position = models.PositiveIntegerField(default=0)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_bg = models.CharField(_("title (Bulgarian)"), max_length=300, blank=True)
    hint_en = models.TextField(_("hint (English)"), blank=True)
    hint_bg = models.TextField(_("hint (Bulgarian)"), blank=True)

    class Meta:
        ordering = ["form", "position", "id"]
        indexes = [models.Index(fields=["workspace", "form", "position"], name="checklisttpl_ws")]

    def __str__(self) -> str:
        return self.title_en

    def title_in(self, language: str) -> str:
        return self.title_bg if language == "bg" and self.title_bg else self.title_en


class ChecklistItem(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="checklist")
    step = models.CharField(_("step"), max_length=40)
    position = models.PositiveIntegerField(default=0)
    # Items from the defaults carry both languages; items people add carry their own text only.
    title = models.CharField(_("title"), max_length=300)
    title_bg = models.CharField(max_length=300, blank=True)
    hint = models.TextField(_("hint"), blank=True)
    hint_bg = models.TextField(blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["workspace", "partnership", "position"], name="checklist_ws"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def title_in(self, language: str) -> str:
        return self.title_bg if language == "bg" and self.title_bg else self.title

    def hint_in(self, language: str) -> str:
        return self.hint_bg if language == "bg" and self.hint_bg else self.hint


class JointProject(models.Model):
    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")

    class Source(models.TextChoices):
        OURS = "ours", _("Our partnership")
        CORDIS = "cordis", _("CORDIS (EU research projects)")

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    # Empty for a project known from public data (CORDIS), where we were not a partner.
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="projects"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OURS)
    # The project's id at its source (the CORDIS project id), for merging a re-import.
    external_id = models.CharField(max_length=40, blank=True, default="")
    acronym = models.CharField(_("acronym"), max_length=60, blank=True, default="")
    # Programme codes and topics, separated by ";" as CORDIS writes them.
    topics = models.CharField(_("topics"), max_length=500, blank=True, default="")
    objective = models.TextField(_("objective"), blank=True, default="")
    title = models.CharField(_("title"), max_length=300, validators=[validate_plain_name])
    programme = models.CharField(_("programme"), max_length=150, blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    budget = models.DecimalField(
        _("budget"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.IDEA
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("joint project")
        verbose_name_plural = _("joint projects")
        indexes = [
            models.Index(fields=["workspace", "partnership"], name="project_ws"),
            models.Index(fields=["workspace", "start_date"], name="project_ws_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="project_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="project_dates_ordered",
                violation_error_message=_("The end cannot be before the start."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectParticipant(models.Model):
    """An organisation taking part in a joint project known from public data (CORDIS), with its
    role there. Our own partnerships' projects take their participants from the partnership."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        PARTICIPANT = "participant", _("Participant")
        PARTNER = "partner", _("Partner")
        THIRD_PARTY = "thirdparty", _("Third party")
        ASSOCIATED = "associated", _("Associated partner")
        OTHER = "other", _("Other")

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        "contacts.Organisation", on_delete=models.CASCADE, related_name="project_roles"
    )
    role = models.CharField(
        _("role"), max_length=12, choices=Role.choices, default=Role.PARTICIPANT
    )
    contribution = models.DecimalField(
        _("EU contribution"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("project participant")
        verbose_name_plural = _("project participants")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"], name="participant_unique_organisation"
            )
        ]
        indexes = [models.Index(fields=["workspace", "organisation"], name="participant_ws_org")]

    def __str__(self) -> str:
        return f"{self.organisation_id} in {self.project_id} ({self.role})"


class ResourceKind(models.TextChoices):
    CASH = "cash", _("Cash")
    IN_KIND = "in_kind", _("In kind")
    STAFF_TIME = "staff_time", _("Staff time")


class Resource(models.Model):
    """An additional resource attracted: cash or in kind, from whom, when."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="resources")
    project = models.ForeignKey(
        JointProject,
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ResourceKind.choices, default=ResourceKind.CASH
    )
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    source = models.ForeignKey(
        "contacts.Organisation",
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_on = models.DateField(_("received"), null=True, blank=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        indexes = [models.Index(fields=["workspace", "partnership"], name="resource_ws")]

    def __str__(self) -> str:
        return self.description
