"""The contact database: organisations, people, their affiliations, causes and tags.

Every row carries its workspace, and every index and unique constraint leads with it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from svrazka.lib import identifiers
from svrazka.lib.countries import COUNTRIES, LANGUAGES
from svrazka.lib.validators import validate_plain_name


class OrganisationType(models.TextChoices):
    NGO = "ngo", _("NGO")
    COMPANY = "company", _("Company")
    PUBLIC_BODY = "public_body", _("Public body")
    MEDIA = "media", _("Media outlet")
    EDUCATION = "education", _("School or university")
    FOUNDATION = "foundation", _("Foundation or donor")
    NETWORK = "network", _("Network or coalition")
    INFORMAL_GROUP = "informal_group", _("Informal group")
    OTHER = "other", _("Other")


class WhereFound(models.TextChoices):
    CONFERENCE = "conference", _("Conference")
    SEMINAR = "seminar", _("Seminar")
    WORKSHOP = "workshop", _("Workshop")
    EVENT = "event", _("Event")
    PREVIOUS_PROJECT = "previous_project", _("Previous project")
    WEBSITE = "website", _("Website")
    PLATFORM = "platform", _("Partner-search platform")
    NETWORK = "network", _("Network")
    PROFESSIONAL_ORG = "professional_org", _("Professional organisation")
    REFERRAL = "referral", _("Recommendation")
    SOCIAL_MEDIA = "social_media", _("Social media")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    MEETING = "meeting", _("Meeting")
    VIDEO = "video", _("Video call")
    SOCIAL = "social", _("Social media")
    LETTER = "letter", _("Letter")


class Consent(models.TextChoices):
    UNKNOWN = "unknown", _("Not asked")
    GIVEN = "given", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def validate_languages(value) -> None:
    known = dict(LANGUAGES)
    if not isinstance(value, list) or any(v not in known for v in value):
        raise ValidationError(_("Choose languages from the list."), code="invalid_language")


class WorkspaceOwned(models.Model):
    # No index on the column alone: every workspace-owned table has an index or a unique
    # constraint that leads with it, which serves "WHERE workspace_id = …" as well
    # (tests/test_indexes.py holds every foreign key to that). A second one would only be
    # kept up: a million people imported wrote some six million entries more (migration 0006).
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        abstract = True


def restated_workspace() -> models.ForeignKey:
    """The workspace of a row that belongs to a person (an email, a phone, a tag, an
    affiliation), restating the person's for the wall's queries. Indexed, as every
    workspace (an index leads with it), but without a database constraint, like the row's
    person (PERSON_ROW below): the services write the row only with a person of the
    workspace, and the ORM deletes the row with its workspace as before. PostgreSQL checks
    every constraint of every row an import writes: a million people, 3.8 million checks
    fewer (~20 s)."""
    return models.ForeignKey(
        "accounts.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


# A person's emails, phones, tags and affiliations point at their person without a database
# constraint (PERSON_ROW), as the search tokens do, and a person's tags and affiliations at
# their tag and organisation likewise. PostgreSQL runs a query for every row such a
# constraint covers (~3 µs each): a million people imported make 3.8 million rows of
# theirs, 5.5 million checks, ~25 s of the server's time on the import's critical path
# (bench/README.md, "Imports"). What the constraints held, the services hold instead:
# - the ORM deletes the rows with their person, tag or organisation (CASCADE), as before;
# - a person, tag or organisation is deleted only after its row is locked
#   (contacts.services.hold with delete=True: FOR UPDATE), and what adds a row pointing at
#   an existing one locks it first (hold: FOR KEY SHARE, what a constraint's check takes;
#   or the UPDATE of its version in person_update): so a row added while what it points at
#   is being deleted is either deleted with it or refused, never left behind
#   (tests/test_person_rows.py tries both orders on PostgreSQL);
# - an import adds rows only to the people it creates in its own transaction, which no one
#   else can see, and holds the tags and organisations it finds (its own are new too);
# - a merge's undo puts back only the rows whose records are still there
#   (duplicates.merging).
PERSON_ROW = {"on_delete": models.CASCADE, "db_constraint": False}


class Cause(WorkspaceOwned):
    """A cause or theme an organisation or person works on (education, environment, youth…)."""

    name = models.CharField(_("name"), max_length=100, validators=[validate_plain_name])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="cause_unique_name")
        ]
        verbose_name = _("cause")
        verbose_name_plural = _("causes")

    def __str__(self) -> str:
        return self.name


class Tag(WorkspaceOwned):
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique_name")
        ]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Contact(WorkspaceOwned):
    """What organisations and people share: searchable, sortable, versioned, tagged."""

    website = models.URLField(_("website"), max_length=300, blank=True)
    linkedin = models.URLField(_("LinkedIn"), max_length=300, blank=True)
    facebook = models.URLField(_("Facebook"), max_length=300, blank=True)
    x = models.URLField(_("X (Twitter)"), max_length=300, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, choices=COUNTRIES)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, validators=[validate_languages]
    )
    where_found = models.CharField(
        _("where found"), max_length=20, choices=WhereFound.choices, blank=True
    )
    where_found_note = models.CharField(_("where found: details"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(20000)])
    # Bulgarian collation key of the name (see svrazka.lib.translit.sort_key): [0-9a-z] only,
    # compared byte by byte on PostgreSQL (COLLATE "C", migration contacts 0005).
    sort_key = models.CharField(max_length=120, editable=False, default="")
    # Optimistic concurrency: an update names the version it started from.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Who made the record and the import that brought it in (its file, date and who ran
    # it), if any: without a database constraint, which would be checked for each of a
    # million people imported (2 million checks, ~6 s on PostgreSQL) though all name the same
    # user and import. The ORM sets them to NULL when their user or import is deleted; the
    # application deletes neither a user nor an import that brought records in (a failed
    # import, deleted by import_contacts, brought in nothing).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    source_import = models.ForeignKey(
        "imports.ImportJob",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported from"),
        db_constraint=False,
    )

    class Meta:
        abstract = True


class Organisation(Contact):
    name = models.CharField(_("name"), max_length=300, validators=[validate_plain_name])
    short_name = models.CharField(
        _("short name"), max_length=100, blank=True, validators=[validate_plain_name]
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=OrganisationType.choices, default=OrganisationType.NGO
    )
    eik = models.CharField(
        _("EIK/BULSTAT"), max_length=13, blank=True, validators=[identifiers.validate_eik]
    )
    pic = models.CharField(
        _("PIC"), max_length=9, blank=True, validators=[identifiers.validate_pic]
    )
    oid = models.CharField(
        _("OID"), max_length=9, blank=True, validators=[identifiers.validate_oid]
    )
    vat = models.CharField(
        _("VAT number"), max_length=16, blank=True, validators=[identifiers.validate_vat]
    )
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    last_verified = models.DateField(_("last verified"), null=True, blank=True)
    causes = models.ManyToManyField(Cause, through="OrganisationCause", blank=True)
    tags = models.ManyToManyField(Tag, through="OrganisationTag", blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["workspace", "sort_key", "id"], name="org_ws_sort"),
            models.Index(fields=["workspace", "country", "sort_key"], name="org_ws_country"),
            models.Index(fields=["workspace", "kind", "sort_key"], name="org_ws_kind"),
            models.Index(fields=["workspace", "last_verified"], name="org_ws_verified"),
            models.Index(fields=["workspace", "updated_at"], name="org_ws_updated"),
            models.Index(fields=["workspace", "eik"], name="org_ws_eik"),
            models.Index(fields=["workspace", "pic"], name="org_ws_pic"),
        ]

    def __str__(self) -> str:
        return self.name


class Person(Contact):
    given_name = models.CharField(_("given name"), max_length=100, validators=[validate_plain_name])
    middle_name = models.CharField(
        _("middle name"), max_length=100, blank=True, validators=[validate_plain_name]
    )
    family_name = models.CharField(
        _("family name"), max_length=100, blank=True, validators=[validate_plain_name]
    )
    # A second spelling, e.g. the Latin one of a Cyrillic name as written in a passport.
    other_spelling = models.CharField(
        _("other spelling"), max_length=200, blank=True, validators=[validate_plain_name]
    )
    title = models.CharField(pgettext_lazy("person", "title"), max_length=50, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, blank=True
    )
    consent = models.CharField(
        _("consent"), max_length=10, choices=Consent.choices, default=Consent.UNKNOWN
    )
    consent_source = models.CharField(_("consent: how and where"), max_length=200, blank=True)
    consent_date = models.DateField(_("consent: date"), null=True, blank=True)
    causes = models.ManyToManyField(Cause, through="PersonCause", blank=True)
    tags = models.ManyToManyField(Tag, through="PersonTag", blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["workspace", "sort_key", "id"], name="person_ws_sort"),
            models.Index(fields=["workspace", "country", "sort_key"], name="person_ws_country"),
            models.Index(fields=["workspace", "updated_at"], name="person_ws_updated"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.middle_name, self.family_name) if p)

    @property
    def sort_name(self) -> str:
        """Family name first, as lists sort people."""
        return " ".join(p for p in (self.family_name, self.given_name, self.middle_name) if p)


class PersonEmail(WorkspaceOwned):
    workspace = restated_workspace()
    person = models.ForeignKey(  # indexed by personemail_unique, which leads with it
        Person, related_name="emails", db_index=False, **PERSON_ROW
    )
    email = models.EmailField(_("email"), max_length=254)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["workspace", "email"], name="personemail_ws_email")]
        constraints = [
            models.UniqueConstraint(fields=["person", "email"], name="personemail_unique")
        ]

    def __str__(self) -> str:
        return self.email


class PersonPhone(WorkspaceOwned):
    workspace = restated_workspace()
    person = models.ForeignKey(  # indexed by personphone_unique, which leads with it
        Person, related_name="phones", db_index=False, **PERSON_ROW
    )
    number = models.CharField(_("phone (E.164)"), max_length=20)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["workspace", "number"], name="personphone_ws_number")]
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="personphone_unique")
        ]

    def __str__(self) -> str:
        return identifiers.format_phone(self.number)


class Affiliation(WorkspaceOwned):
    """A person at an organisation: position, from, to."""

    workspace = restated_workspace()
    person = models.ForeignKey(Person, related_name="affiliations", **PERSON_ROW)
    organisation = models.ForeignKey(Organisation, related_name="affiliations", **PERSON_ROW)
    position = models.CharField(_("position"), max_length=150, blank=True)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        indexes = [
            models.Index(fields=["workspace", "person"], name="affiliation_ws_person"),
            models.Index(fields=["workspace", "organisation"], name="affiliation_ws_org"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="affiliation_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.organisation}"

    @property
    def is_current(self) -> bool:
        from django.utils import timezone

        return self.end_date is None or self.end_date >= timezone.localdate()


class OrganisationCause(WorkspaceOwned):
    # Indexed by orgcause_unique, which leads with it.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "cause"], name="orgcause_unique")
        ]
        indexes = [models.Index(fields=["workspace", "cause", "organisation"], name="orgcause_ws")]

    def __str__(self) -> str:
        return f"{self.organisation_id} — {self.cause_id}"


class PersonCause(WorkspaceOwned):
    # Indexed by personcause_unique, which leads with it.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, db_index=False)
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "cause"], name="personcause_unique")
        ]
        indexes = [models.Index(fields=["workspace", "cause", "person"], name="personcause_ws")]

    def __str__(self) -> str:
        return f"{self.person_id} — {self.cause_id}"


class OrganisationTag(WorkspaceOwned):
    # Indexed by orgtag_unique, which leads with it.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "tag"], name="orgtag_unique")
        ]
        indexes = [models.Index(fields=["workspace", "tag", "organisation"], name="orgtag_ws")]

    def __str__(self) -> str:
        return f"{self.organisation_id} — {self.tag_id}"


class PersonTag(WorkspaceOwned):
    workspace = restated_workspace()
    # Indexed by persontag_unique, which leads with it.
    person = models.ForeignKey(Person, db_index=False, **PERSON_ROW)
    tag = models.ForeignKey(Tag, **PERSON_ROW)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="persontag_unique")]
        indexes = [models.Index(fields=["workspace", "tag", "person"], name="persontag_ws")]

    def __str__(self) -> str:
        return f"{self.person_id} — {self.tag_id}"


class OrganisationToken(WorkspaceOwned):
    """Search keys of an organisation (see svrazka.lib.translit): prefix-matched by range.

    Each carries its organisation's ``sort_key`` (kept equal by the services), so that a page
    of a search in name order can be read from the token index alone (bench/README.md).
    On PostgreSQL both columns compare byte by byte (COLLATE "C", set by migration contacts
    0005; a migration that alters them must keep it), as in PersonToken.
    """

    # This copy of the owner's workspace has neither a database constraint (a big import
    # writes millions of token rows, and PostgreSQL checks each one against the workspace row
    # at commit: bench/README.md) nor an index of its own (the two below lead with it). The
    # ORM still deletes the tokens with their workspace.
    workspace = models.ForeignKey(
        "accounts.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    token = models.CharField(max_length=40)
    sort_key = models.CharField(max_length=120, editable=False, default="")

    class Meta:
        indexes = [
            # The matches of a word in name order; the owner's tokens for the EXISTS probe.
            models.Index(
                fields=["workspace", "token", "sort_key", "organisation"], name="orgtoken_ws_sort"
            ),
            models.Index(fields=["workspace", "organisation", "token"], name="orgtoken_ws_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.token}"


class PersonToken(WorkspaceOwned):
    """Search keys of a person (names, other spelling, emails, phones), each with the person's
    ``sort_key`` like OrganisationToken.

    A person has a dozen; an import of a million people writes twelve million. So this table,
    which only indexes what the person's own rows say (`contacts.services` rewrites it with
    them), carries no database constraint to the person either: PostgreSQL would check every
    row at commit (bench/README.md, "Imports"). The ORM deletes the tokens with their person,
    and readers skip a token whose person is gone. On PostgreSQL ``token`` and ``sort_key``
    compare byte by byte (COLLATE "C", migration contacts 0005): [a-z0-9] keys sort the same
    in every collation, and the B-trees are built with memcmp.
    """

    workspace = models.ForeignKey(  # as OrganisationToken.workspace: no constraint, no index
        "accounts.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # Indexed by persontoken_person below, which leads with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, db_constraint=False, db_index=False
    )
    token = models.CharField(max_length=40)
    sort_key = models.CharField(max_length=120, editable=False, default="")

    class Meta:
        indexes = [
            # The matches of a word in name order.
            models.Index(
                fields=["workspace", "token", "sort_key", "person"], name="persontoken_ws_sort"
            ),
            # A person's tokens: the EXISTS probe of a search, and the delete with the person.
            models.Index(fields=["person", "token", "workspace"], name="persontoken_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.token}"
