"""Touchpoints: interactions with people on any channel, follow-up tasks, the mail dropbox,
calendar feeds, and each relationship's health as last computed.

Every row carries its workspace; every index leads with it. Timelines read the participant
tables, which repeat the interaction's time so a person's latest touchpoints come from one index.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    MEETING = "meeting", _("Meeting")
    VIDEO = "video", _("Video call")
    SOCIAL = "social", _("Social media message")
    EVENT = "event", _("Event")
    LETTER = "letter", _("Letter")


class Direction(models.TextChoices):
    OUT = "out", _("We to them")
    IN = "in", _("They to us")


class Source(models.TextChoices):
    MANUAL = "manual", _("Logged by hand")
    MAIL = "mail", _("Mail dropbox")
    API = "api", _("API")


class Interaction(models.Model):
    """One touchpoint. `awaiting_reply` marks that an answer is expected by `reply_expected_by`;
    the answer (an interaction in the other direction) is `answered_by`, and `answered_at`
    says when — response times come from these pairs."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("date and time"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True, validators=[MaxLengthValidator(20000)])
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("partnership"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    people = models.ManyToManyField(
        "contacts.Person", through="InteractionPerson", related_name="interactions", blank=True
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our participants"),
        related_name="interactions",
        blank=True,
    )
    awaiting_reply = models.BooleanField(_("awaiting reply"), default=False)
    reply_expected_by = models.DateField(_("reply expected by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    # Mail: the Message-ID (unique in a workspace) and the thread it belongs to.
    message_id = models.CharField(max_length=300, blank=True)
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["workspace", "partnership", "occurred_at"], name="interaction_ws_pship"
            ),
            models.Index(fields=["workspace", "occurred_at"], name="interaction_ws_time"),
            models.Index(
                fields=["workspace", "reply_expected_by"],
                name="interaction_ws_awaiting",
                condition=models.Q(awaiting_reply=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "message_id"],
                condition=~models.Q(message_id=""),
                name="interaction_unique_message_id",
            )
        ]
        verbose_name = _("interaction")

    def __str__(self) -> str:
        return self.subject or self.summary[:60] or self.get_channel_display()

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return bool(
            self.awaiting_reply
            and self.reply_expected_by
            and self.reply_expected_by < timezone.localdate()
        )


class InteractionPerson(models.Model):
    """A person taking part; repeats the interaction's time and direction for the timeline."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE)
    person = models.ForeignKey("contacts.Person", on_delete=models.CASCADE)
    occurred_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "person", "occurred_at", "interaction"],
                name="interactionperson_timeline",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "person"], name="interactionperson_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.interaction_id}: {self.person_id}"


class InteractionOrganisation(models.Model):
    """An organisation the interaction was with: the participants' organisations when it was
    logged, or one chosen by hand. Repeats the time for the organisation's timeline."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="organisation_links"
    )
    organisation = models.ForeignKey("contacts.Organisation", on_delete=models.CASCADE)
    occurred_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "organisation", "occurred_at", "interaction"],
                name="interactionorg_timeline",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "organisation"], name="interactionorg_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.interaction_id}: {self.organisation_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.workspace_id}/{secrets.token_hex(8)}/{filename[-150:]}"


class Attachment(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.filename


class UnmatchedStatus(models.TextChoices):
    OPEN = "open", _("To assign")
    ASSIGNED = "assigned", _("Assigned")
    DISMISSED = "dismissed", _("Dismissed")


def raw_message_path(instance: "UnmatchedMessage", filename: str) -> str:
    return f"mail/{instance.workspace_id}/{secrets.token_hex(8)}.eml"


class UnmatchedMessage(models.Model):
    """Mail from an address no person has: kept whole until someone assigns it to a person
    (which makes it an interaction) or dismisses it. Nothing is dropped."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=300)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to_addresses = models.TextField(blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    raw = models.FileField(upload_to=raw_message_path, max_length=300)
    problem = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=UnmatchedStatus.choices, default=UnmatchedStatus.OPEN
    )
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "message_id"], name="unmatched_unique_message_id"
            )
        ]

    def __str__(self) -> str:
        return self.subject or self.from_address


class MailSourceKind(models.TextChoices):
    IMAP = "imap", "IMAP"
    MAILDIR = "maildir", "Maildir"


class MailSource(models.Model):
    """Where `fetch_mail` reads the workspace's dropbox: an IMAP mailbox or a Maildir."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=MailSourceKind.choices, default="imap")
    address = models.EmailField(
        _("dropbox address"),
        help_text=_("Forward or BCC mail to this address to log it."),
    )
    host = models.CharField(_("IMAP server"), max_length=200, blank=True)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("TLS"), default=True)
    username = models.CharField(_("user name"), max_length=200, blank=True)
    password = models.CharField(_("password"), max_length=200, blank=True)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    path = models.CharField(_("Maildir path"), max_length=500, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.address


class Recurrence(models.TextChoices):
    NONE = "", _("Does not repeat")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every three months")
    YEARLY = "yearly", _("Every year")


class Task(models.Model):
    """A follow-up: who does what by when, about whom or what."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("what"), max_length=300)
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(10000)])
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    due_date = models.DateField(_("by when"), null=True, blank=True)
    recurrence = models.CharField(
        _("repeats"), max_length=10, choices=Recurrence.choices, default="", blank=True
    )
    person = models.ForeignKey(
        "contacts.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    organisation = models.ForeignKey(
        "contacts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("partnership"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    interaction = models.ForeignKey(
        Interaction,
        verbose_name=_("after the interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(
                fields=["workspace", "assignee", "due_date"],
                name="task_ws_assignee_due",
                condition=models.Q(done_at__isnull=True),
            ),
            models.Index(
                fields=["workspace", "due_date"],
                name="task_ws_open_due",
                condition=models.Q(done_at__isnull=True),
            ),
        ]
        verbose_name = pgettext_lazy("follow-up", "task")

    def __str__(self) -> str:
        return self.title


class Cadence(models.Model):
    """How often we expect to be in touch with a person or an organisation (partnerships keep
    theirs on the partnership, with defaults by form)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(
        "contacts.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="cadence"
    )
    organisation = models.OneToOneField(
        "contacts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cadence",
    )
    days = models.PositiveSmallIntegerField(
        _("expected contact every (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) ^ models.Q(organisation__isnull=False),
                name="cadence_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id or self.organisation_id}: {self.days}"


class Subject(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")
    PARTNERSHIP = "partnership", _("Partnership")


class Health(models.Model):
    """The health of one relationship as last computed (see svrazka/touchpoints/health.py).
    `reasons` are codes with numbers, put into words in the reader's language."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=12, choices=Subject.choices)
    object_id = models.PositiveBigIntegerField()
    score = models.PositiveSmallIntegerField(null=True)
    last_contact_at = models.DateTimeField(null=True)
    last_heard_at = models.DateTimeField(null=True)
    their_median_reply_hours = models.FloatField(null=True)
    our_median_reply_hours = models.FloatField(null=True)
    touchpoints_90_days = models.PositiveIntegerField(default=0)
    cadence_days = models.PositiveSmallIntegerField(null=True)
    overdue_replies = models.PositiveIntegerField(default=0)
    alert = models.BooleanField(default=False)
    alert_since = models.DateField(null=True)
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "subject", "object_id"], name="health_unique_subject"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "subject", "score"], name="health_ws_score"),
            models.Index(
                fields=["workspace", "subject", "alert_since"],
                name="health_ws_alerts",
                condition=models.Q(alert=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.object_id}: {self.score}"


class CalendarFeed(models.Model):
    """A private calendar URL of one user in one workspace. Only the token's hash is kept;
    revoking deletes the row and the URL answers 404."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.workspace_id}"


class DigestSent(models.Model):
    """One daily digest sent to a user for a workspace: sending twice a day sends once."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user", "day"], name="digest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.workspace_id}: {self.day}"
