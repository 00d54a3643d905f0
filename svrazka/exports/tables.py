"""What an export of people or organisations holds: the columns, and the rows read in chunks.

A list of a million contacts is read in chunks of CHUNK_SIZE, in id order, each chunk after the
last id of the one before (``id > last``), so memory stays bounded and no chunk re-reads the
rows before it. Each chunk's emails, phones, current affiliations, causes and tags come in one
query per relation (``person_id IN (the chunk's ids)``); rows are read as plain tuples
(``values_list``), not model instances, which is what keeps a million rows under a minute.

Cells are text in the reader's language, computed when the export starts (a streamed response
is written after the view has returned): choices as their labels, countries and languages as
their ISO codes, dates as YYYY-MM-DD, times in the server's time zone as YYYY-MM-DD HH:MM:SS,
several values joined with "; ".
"""

import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from svrazka.contacts.models import (
    Affiliation,
    Cause,
    Consent,
    Organisation,
    OrganisationCause,
    OrganisationTag,
    OrganisationType,
    Person,
    PersonCause,
    PersonEmail,
    PersonPhone,
    PersonTag,
    Tag,
    WhereFound,
)
from svrazka.imports.records import ContactRecord

CHUNK_SIZE = 4000
SEPARATOR = "; "
# Where vCard UIDs come from: urn:uuid:<uuid5 of this, the workspace, the kind and the id>,
# the same for a contact in every export.
UID_NAMESPACE = uuid.UUID("6f1d3c52-7d0b-5a8e-9c1e-2b4a8f0e5d31")


def people_header() -> list[str]:
    """The column names of a people export, in the active language."""
    names = [
        _("ID"),
        _("given name"),
        _("middle name"),
        _("family name"),
        _("other spelling"),
        pgettext("person", "title"),
        _("emails"),
        _("phones"),
        _("current organisations"),
        _("current positions"),
        _("country"),
        _("city"),
        _("street address"),
        _("postal code"),
        _("date of birth"),
        _("website"),
        _("LinkedIn"),
        _("Facebook"),
        _("X (Twitter)"),
        _("languages"),
        _("causes"),
        _("tags"),
        _("where found"),
        _("where found: details"),
        _("consent"),
        _("consent: how and where"),
        _("consent: date"),
        _("notes"),
        _("created"),
        _("updated"),
    ]
    return [capfirst(n) for n in names]


def organisations_header() -> list[str]:
    """The column names of an organisations export, in the active language."""
    names = [
        _("ID"),
        _("name"),
        _("short name"),
        _("type"),
        _("EIK/BULSTAT"),
        _("PIC"),
        _("OID"),
        _("VAT number"),
        _("email"),
        _("phone"),
        _("website"),
        _("LinkedIn"),
        _("Facebook"),
        _("X (Twitter)"),
        _("country"),
        _("city"),
        _("address"),
        _("causes"),
        _("tags"),
        _("where found"),
        _("where found: details"),
        _("last verified"),
        _("notes"),
        _("created"),
        _("updated"),
    ]
    return [capfirst(n) for n in names]


# --- reading in chunks -----------------------------------------------------------------------

PERSON_FIELDS = (
    "id",
    "given_name",
    "middle_name",
    "family_name",
    "other_spelling",
    "title",
    "country",
    "city",
    "street",
    "postal_code",
    "date_of_birth",
    "website",
    "linkedin",
    "facebook",
    "x",
    "languages",
    "where_found",
    "where_found_note",
    "consent",
    "consent_source",
    "consent_date",
    "notes",
    "created_at",
    "updated_at",
)
ORGANISATION_FIELDS = (
    "id",
    "name",
    "short_name",
    "kind",
    "eik",
    "pic",
    "oid",
    "vat",
    "email",
    "phone",
    "website",
    "linkedin",
    "facebook",
    "x",
    "country",
    "city",
    "address",
    "where_found",
    "where_found_note",
    "last_verified",
    "notes",
    "created_at",
    "updated_at",
)


def _fetch(queryset: QuerySet) -> list[tuple]:
    """The rows of a values_list queryset as the database driver gives them, without Django's
    per-value converters (on a million rows, parsing their times and JSON lists took a third
    of the export). Dates and times may come as text or as objects (naive on SQLite, aware on
    PostgreSQL), JSON as text: ``_day``, ``_Clock`` and ``_Languages`` read each."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def chunks(queryset: QuerySet, fields: tuple[str, ...], chunk_size: int = CHUNK_SIZE):
    """The queryset's rows as raw tuples of ``fields`` (the first must be "id"; see
    ``_fetch``), in id order, at most ``chunk_size`` at a time (keyset pagination: each chunk
    starts after the last id of the one before).

    Yields (rows, members): ``members`` are lookups on an owner id for the queries of related
    rows. A dense chunk (most ids between its first and last are in it, as in an unfiltered
    list) is a range of ids, read from the index in one sweep; a sparse one (a search) is the
    subquery of the chunk's ids (``person_id IN (SELECT …)``). Either spares Python the
    preparation of thousands of parameters per query; a range may bring related rows of
    contacts outside the chunk, which the rows never look up."""
    rows_qs = queryset.order_by("pk").values_list(*fields)
    last = 0
    while True:
        rows = _fetch(rows_qs.filter(pk__gt=last)[:chunk_size])
        if not rows:
            return
        first_id, last_id = rows[0][0], rows[-1][0]
        if last_id - first_id < 2 * len(rows):
            members = {"gte": first_id, "lte": last_id}
        else:
            chunk = queryset.filter(pk__gt=last, pk__lte=last_id).order_by().values("pk")
            members = {"in": chunk}
        yield rows, members
        if len(rows) < chunk_size:
            return
        last = last_id


def _scoped(workspace, owner: str, members: dict) -> dict:
    return {"workspace": workspace, **{f"{owner}__{op}": v for op, v in members.items()}}


def _grouped(pairs) -> dict[int, list]:
    """(owner id, value) pairs as {owner id: [values]}, in the order given."""
    result: dict[int, list] = {}
    for owner, value in pairs:
        if owner in result:
            result[owner].append(value)
        else:
            result[owner] = [value]
    return result


def _names(model, workspace) -> dict[int, str]:
    return dict(model.objects.filter(workspace=workspace).values_list("id", "name"))


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _day(value: date | str | None) -> str:
    if not value:
        return ""
    return value if type(value) is str else value.isoformat()


class _Clock:
    """Times in the server's time zone as "YYYY-MM-DD HH:MM:SS" (what spreadsheets read),
    from datetimes or from SQLite's text (UTC when USE_TZ)."""

    def __init__(self):
        self.zone = timezone.get_default_timezone()
        self.use_tz = settings.USE_TZ

    def __call__(self, value: datetime | str | None) -> str:
        if value is None:
            return ""
        if type(value) is str:
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            if not self.use_tz:
                return value.isoformat(" ", "seconds")[:19]
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self.zone).isoformat(" ", "seconds")[:19]


class _Languages:
    """A languages JSON list (text, as the driver gives it) as "bg; en"; people share a few
    dozen combinations, so each is parsed once."""

    def __init__(self):
        self.seen: dict[str, str] = {}

    def __call__(self, value) -> str:
        if not value:
            return ""
        if type(value) is not str:
            return SEPARATOR.join(value)
        text = self.seen.get(value)
        if text is None:
            text = self.seen[value] = SEPARATOR.join(json.loads(value) or ())
        return text


def uid_for(workspace, kind: str, pk: int) -> str:
    """A stable vCard UID for a contact of this workspace: ``urn:uuid:`` and the name-based
    (version 5) UUID of "<workspace id>:<kind>:<id>", computed as uuid.uuid5 does, without
    building a UUID object (a million of them cost seconds)."""
    digest = bytearray(hashlib.sha1(_UID_PREFIX + f"{workspace.pk}:{kind}:{pk}".encode()).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest[:16].hex()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_UID_PREFIX = UID_NAMESPACE.bytes


class _PersonChunk:
    """The related rows of one chunk of people: one query per relation."""

    def __init__(self, workspace, members: dict, causes: dict | None, tags: dict):
        scoped = _scoped(workspace, "person_id", members)
        self.emails = _grouped(
            PersonEmail.objects.filter(**scoped)
            .order_by("person_id", "position", "id")
            .values_list("person_id", "email")
        )
        self.phones = _grouped(
            PersonPhone.objects.filter(**scoped)
            .order_by("person_id", "position", "id")
            .values_list("person_id", "number")
        )
        self.affiliations = _grouped(
            (person_id, (name, position))
            for person_id, name, position in Affiliation.objects.filter(
                **scoped, end_date__isnull=True
            )
            .order_by("person_id", "-start_date", "id")
            .values_list("person_id", "organisation__name", "position")
        )
        self.causes: dict[int, list] = {}
        if causes is not None:  # vCards leave causes out
            self.causes = _grouped(
                (person_id, causes.get(cause_id, ""))
                for person_id, cause_id in PersonCause.objects.filter(**scoped)
                .order_by("person_id", "cause_id")
                .values_list("person_id", "cause_id")
            )
        self.tags = _grouped(
            (person_id, tags.get(tag_id, ""))
            for person_id, tag_id in PersonTag.objects.filter(**scoped)
            .order_by("person_id", "tag_id")
            .values_list("person_id", "tag_id")
        )


class _OrganisationChunk:
    def __init__(self, workspace, members: dict, causes: dict | None, tags: dict):
        scoped = _scoped(workspace, "organisation_id", members)
        self.causes: dict[int, list] = {}
        if causes is not None:
            self.causes = _grouped(
                (org_id, causes.get(cause_id, ""))
                for org_id, cause_id in OrganisationCause.objects.filter(**scoped)
                .order_by("organisation_id", "cause_id")
                .values_list("organisation_id", "cause_id")
            )
        self.tags = _grouped(
            (org_id, tags.get(tag_id, ""))
            for org_id, tag_id in OrganisationTag.objects.filter(**scoped)
            .order_by("organisation_id", "tag_id")
            .values_list("organisation_id", "tag_id")
        )


def _positions(current: list[tuple[str, str]]) -> str:
    """Positions in the order of the organisations; an empty one shows as "—" when there are
    several, so that they line up."""
    if len(current) == 1:
        return current[0][1]
    if not any(position for _name, position in current):
        return ""
    return SEPARATOR.join(position or "—" for _name, position in current)


def people_rows(
    *, workspace, queryset: QuerySet[Person], chunk_size: int = CHUNK_SIZE
) -> Iterator[list[str]]:
    """The rows of a people export (all cells text, in ``people_header`` order).

    Labels are translated now, in the active language; the rows are read as they are asked for.
    """
    causes, tags = _names(Cause, workspace), _names(Tag, workspace)
    where_found, consent = _labels(WhereFound.choices), _labels(Consent.choices)
    clock, languages_text = _Clock(), _Languages()
    join = SEPARATOR.join

    def rows() -> Iterator[list[str]]:
        for chunk, members in chunks(queryset, PERSON_FIELDS, chunk_size):
            rel = _PersonChunk(workspace, members, causes, tags)
            for (
                pk,
                given_name,
                middle_name,
                family_name,
                other_spelling,
                title,
                country,
                city,
                street,
                postal_code,
                date_of_birth,
                website,
                linkedin,
                facebook,
                x,
                languages,
                where,
                where_note,
                consent_value,
                consent_source,
                consent_date,
                notes,
                created_at,
                updated_at,
            ) in chunk:
                current = rel.affiliations.get(pk, ())
                yield [
                    str(pk),
                    given_name,
                    middle_name,
                    family_name,
                    other_spelling,
                    title,
                    join(rel.emails.get(pk, ())),
                    join(rel.phones.get(pk, ())),
                    join(name for name, _position in current),
                    _positions(current) if current else "",
                    country,
                    city,
                    street,
                    postal_code,
                    _day(date_of_birth),
                    website,
                    linkedin,
                    facebook,
                    x,
                    languages_text(languages),
                    join(rel.causes.get(pk, ())),
                    join(rel.tags.get(pk, ())),
                    where_found.get(where, where),
                    where_note,
                    consent.get(consent_value, consent_value),
                    consent_source,
                    _day(consent_date),
                    notes,
                    clock(created_at),
                    clock(updated_at),
                ]

    return rows()


def organisations_rows(
    *, workspace, queryset: QuerySet[Organisation], chunk_size: int = CHUNK_SIZE
) -> Iterator[list[str]]:
    """The rows of an organisations export (all cells text, in ``organisations_header`` order)."""
    causes, tags = _names(Cause, workspace), _names(Tag, workspace)
    kinds, where_found = _labels(OrganisationType.choices), _labels(WhereFound.choices)
    clock = _Clock()
    join = SEPARATOR.join

    def rows() -> Iterator[list[str]]:
        for chunk, members in chunks(queryset, ORGANISATION_FIELDS, chunk_size):
            rel = _OrganisationChunk(workspace, members, causes, tags)
            for (
                pk,
                name,
                short_name,
                kind,
                eik,
                pic,
                oid,
                vat,
                email,
                phone,
                website,
                linkedin,
                facebook,
                x,
                country,
                city,
                address,
                where,
                where_note,
                last_verified,
                notes,
                created_at,
                updated_at,
            ) in chunk:
                yield [
                    str(pk),
                    name,
                    short_name,
                    kinds.get(kind, kind),
                    eik,
                    pic,
                    oid,
                    vat,
                    email,
                    phone,
                    website,
                    linkedin,
                    facebook,
                    x,
                    country,
                    city,
                    address,
                    join(rel.causes.get(pk, ())),
                    join(rel.tags.get(pk, ())),
                    where_found.get(where, where),
                    where_note,
                    _day(last_verified),
                    notes,
                    clock(created_at),
                    clock(updated_at),
                ]

    return rows()


# --- as vCards -------------------------------------------------------------------------------


def people_records(
    *, workspace, queryset: QuerySet[Person], chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[ContactRecord, str]]:
    """Each person as a ContactRecord (the first current affiliation as ORG and TITLE), with
    a stable UID."""
    tags = _names(Tag, workspace)

    def records() -> Iterator[tuple[ContactRecord, str]]:
        for chunk, members in chunks(queryset, PERSON_FIELDS, chunk_size):
            rel = _PersonChunk(workspace, members, None, tags)
            for row in chunk:
                pk = row[0]
                current = rel.affiliations.get(pk)
                organisation, position = current[0] if current else ("", "")
                record = ContactRecord(
                    kind="person",
                    given_name=row[1],
                    middle_name=row[2],
                    family_name=row[3],
                    title=row[5],
                    emails=rel.emails.get(pk, []),
                    phones=rel.phones.get(pk, []),
                    organisation=organisation,
                    position=position,
                    country=row[6],
                    city=row[7],
                    street=row[8],
                    postal_code=row[9],
                    date_of_birth=_day(row[10]),
                    website=row[11],
                    linkedin=row[12],
                    facebook=row[13],
                    x=row[14],
                    notes=row[21],
                    tags=rel.tags.get(pk, []),
                )
                yield record, uid_for(workspace, "person", pk)

    return records()


def organisations_records(
    *, workspace, queryset: QuerySet[Organisation], chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[ContactRecord, str]]:
    """Each organisation as a ContactRecord of kind "organisation", with a stable UID."""
    tags = _names(Tag, workspace)

    def records() -> Iterator[tuple[ContactRecord, str]]:
        for chunk, members in chunks(queryset, ORGANISATION_FIELDS, chunk_size):
            rel = _OrganisationChunk(workspace, members, None, tags)
            for row in chunk:
                pk = row[0]
                record = ContactRecord(
                    kind="organisation",
                    organisation=row[1],
                    nickname=row[2],
                    emails=[row[8]] if row[8] else [],
                    phones=[row[9]] if row[9] else [],
                    website=row[10],
                    linkedin=row[11],
                    facebook=row[12],
                    x=row[13],
                    country=row[14],
                    city=row[15],
                    street=row[16],
                    notes=row[20],
                    tags=rel.tags.get(pk, []),
                )
                yield record, uid_for(workspace, "organisation", pk)

    return records()
