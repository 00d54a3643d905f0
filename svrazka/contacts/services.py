"""Writes to the contact database. Each is atomic, validates before saving, keeps the search keys
and the history in step, and refuses an update based on a stale version."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from svrazka.contacts.models import (
    Affiliation,
    Cause,
    Organisation,
    OrganisationCause,
    OrganisationTag,
    OrganisationToken,
    Person,
    PersonCause,
    PersonEmail,
    PersonPhone,
    PersonTag,
    PersonToken,
    Tag,
)
from svrazka.history.models import Action
from svrazka.history.services import diff, record_change, snapshot
from svrazka.lib import translit
from svrazka.lib.identifiers import normalize_eik, normalize_phone, normalize_vat

ORGANISATION_FIELDS = [
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
    "languages",
    "where_found",
    "where_found_note",
    "last_verified",
    "notes",
]
PERSON_FIELDS = [
    "given_name",
    "middle_name",
    "family_name",
    "other_spelling",
    "title",
    "date_of_birth",
    "street",
    "city",
    "postal_code",
    "country",
    "languages",
    "preferred_channel",
    "website",
    "linkedin",
    "facebook",
    "x",
    "where_found",
    "where_found_note",
    "consent",
    "consent_source",
    "consent_date",
    "notes",
]
AFFILIATION_FIELDS = ["position", "start_date", "end_date"]


class EditConflict(Exception):
    """The object was changed by someone else since the editor loaded it."""

    def __init__(self, current):
        super().__init__("edit conflict")
        self.current = current


# --- shared helpers -------------------------------------------------------------------------


def _clean_text(data: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


def _claim_version(model, pk: int, expected: int | None) -> None:
    """Move the stored version on by one, if it is still the one the editor started from."""
    filters = {"pk": pk}
    if expected is not None:
        filters["version"] = expected
    if model.objects.filter(**filters).update(version=F("version") + 1) == 0:
        raise EditConflict(model.objects.get(pk=pk))


def hold(model, workspace_id: int, ids: Iterable[int], *, delete: bool = False) -> set[int]:
    """Lock the workspace's records of ``model`` among ``ids``, in the current transaction,
    before a row that points at them without a database constraint is added, or before they
    are deleted (``delete=True``); returns the ids of those that still exist.

    A person's emails, phones, tags and affiliations point at their person, and a person's
    tags and affiliations at their tag and organisation, without a constraint
    (contacts.models.PERSON_ROW): this lock holds them instead, as a constraint's check
    would. Deleting takes FOR UPDATE; adding FOR KEY SHARE, which waits only for a deletion
    (adding rows or editing the record goes on beside it). A deletion that locked first
    gathers the rows to delete after the adding is done; an adding that comes second finds
    the record gone (at READ COMMITTED, Django's and PostgreSQL's default: each statement of
    the deletion sees what committed before it). Locked in id order, so that two holders of
    overlapping records do not wait for each other. (SQLite writes one transaction at a
    time: there it is only the lookup.)"""
    if not connection.in_atomic_block:
        raise RuntimeError("hold() needs a transaction")
    ids = sorted(set(ids))
    found: set[int] = set()
    table = connection.ops.quote_name(model._meta.db_table)
    lock = "UPDATE" if delete else "KEY SHARE"
    for start in range(0, len(ids), 2000):
        part = ids[start : start + 2000]
        if connection.vendor != "postgresql":
            found.update(
                model.objects.filter(workspace_id=workspace_id, pk__in=part).values_list(
                    "pk", flat=True
                )
            )
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE workspace_id = %s AND id = ANY(%s) "
                f"ORDER BY id FOR {lock}",
                [workspace_id, part],
            )
            found.update(row[0] for row in cursor.fetchall())
    return found


def _set_links(*, through, owner_field: str, owner, target_field: str, targets, workspace) -> None:
    wanted = {t.pk for t in targets}
    existing = set(
        through.objects.filter(**{owner_field: owner}).values_list(f"{target_field}_id", flat=True)
    )
    target = through._meta.get_field(target_field)
    if not target.db_constraint and hold(target.related_model, workspace.pk, wanted - existing) != (
        wanted - existing
    ):  # deleted meanwhile (a person's tags: hold)
        raise ValidationError({f"{target_field}s": _("Unknown tag.")})
    through.objects.filter(
        **{owner_field: owner, f"{target_field}_id__in": existing - wanted}
    ).delete()
    through.objects.bulk_create(
        [
            through(workspace=workspace, **{owner_field: owner, f"{target_field}_id": pk})
            for pk in wanted - existing
        ]
    )


def _check_same_workspace(workspace, items: Iterable, label: str) -> None:
    for item in items:
        if item.workspace_id != workspace.pk:
            message = _("Unknown cause.") if label == "causes" else _("Unknown tag.")
            raise ValidationError({label: message})


# --- organisations --------------------------------------------------------------------------


def _organisation_tokens(org: Organisation) -> set[str]:
    return translit.tokens(org.name, org.short_name, org.eik, org.pic, org.vat, org.email, org.city)


def _reindex_organisation(org: Organisation) -> None:
    OrganisationToken.objects.filter(organisation=org).delete()
    OrganisationToken.objects.bulk_create(
        [
            OrganisationToken(
                workspace_id=org.workspace_id, organisation=org, token=t, sort_key=org.sort_key
            )
            for t in sorted(_organisation_tokens(org))
        ]
    )


def _prepare_organisation(org: Organisation, data: dict) -> None:
    for name in ORGANISATION_FIELDS:
        if name in data:
            setattr(org, name, data[name] if data[name] is not None else _empty(org, name))
    org.eik = normalize_eik(org.eik)
    org.vat = normalize_vat(org.vat)
    org.country = (org.country or "").upper()
    org.oid = (org.oid or "").upper()
    if org.phone:
        try:
            org.phone = normalize_phone(org.phone, org.country or "BG")
        except ValidationError as e:
            raise ValidationError({"phone": e.messages}) from None
    org.sort_key = translit.sort_key(org.name)
    org.full_clean(exclude=["workspace", "created_by"])


def _empty(obj, name: str):
    field = obj._meta.get_field(name)
    return None if field.null else ([] if name == "languages" else "")


def _organisation_tracked(org: Organisation) -> dict:
    values = snapshot(org, ORGANISATION_FIELDS)
    if org.pk:
        values["causes"] = ", ".join(sorted(c.name for c in org.causes.all())) or None
        values["tags"] = ", ".join(sorted(t.name for t in org.tags.all())) or None
    return values


@transaction.atomic
def organisation_create(*, workspace, actor, data: dict) -> Organisation:
    data = _clean_text(data)
    org = Organisation(workspace=workspace, created_by=_user(actor))
    _prepare_organisation(org, data)
    org.save()
    _save_organisation_links(org, data)
    _reindex_organisation(org)
    record_change(
        workspace=workspace,
        actor=actor,
        obj=org,
        action=Action.CREATE,
        changes=diff({}, _organisation_tracked(org)),
    )
    return org


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, actor, data: dict, version: int | None
) -> Organisation:
    data = _clean_text(data)
    _claim_version(Organisation, organisation.pk, version)
    org = Organisation.objects.get(pk=organisation.pk)
    before = _organisation_tracked(org)
    _prepare_organisation(org, data)
    org.save()
    _save_organisation_links(org, data)
    _reindex_organisation(org)
    record_change(
        workspace=org.workspace,
        actor=actor,
        obj=org,
        action=Action.UPDATE,
        changes=diff(before, _organisation_tracked(org)),
    )
    return org


def _save_organisation_links(org: Organisation, data: dict) -> None:
    ws = org.workspace
    if "causes" in data:
        _check_same_workspace(ws, data["causes"], "causes")
        _set_links(
            through=OrganisationCause,
            owner_field="organisation",
            owner=org,
            target_field="cause",
            targets=data["causes"],
            workspace=ws,
        )
    if "tags" in data:
        _check_same_workspace(ws, data["tags"], "tags")
        _set_links(
            through=OrganisationTag,
            owner_field="organisation",
            owner=org,
            target_field="tag",
            targets=data["tags"],
            workspace=ws,
        )


@transaction.atomic
def organisation_delete(*, organisation: Organisation, actor) -> None:
    # Locked before its affiliations are gathered (hold).
    hold(Organisation, organisation.workspace_id, [organisation.pk], delete=True)
    record_change(
        workspace=organisation.workspace,
        actor=actor,
        obj=organisation,
        action=Action.DELETE,
        changes={},
    )
    _delete_or_explain(organisation)


# --- people ---------------------------------------------------------------------------------


def _person_tokens(person: Person, emails: list[str], phones: list[str]) -> set[str]:
    extra = []
    for number in phones:
        extra.append(number.lstrip("+"))
        if number.startswith("+359"):
            extra.append("0" + number[4:])
    return translit.tokens(
        person.given_name,
        person.middle_name,
        person.family_name,
        person.other_spelling,
        *emails,
        *extra,
    )


def _reindex_person(person: Person, emails: list[str], phones: list[str]) -> None:
    PersonToken.objects.filter(person=person).delete()
    PersonToken.objects.bulk_create(
        [
            PersonToken(
                workspace_id=person.workspace_id, person=person, token=t, sort_key=person.sort_key
            )
            for t in sorted(_person_tokens(person, emails, phones))
        ]
    )


def clean_emails(values: Iterable[str]) -> list[str]:
    result: list[str] = []
    for raw in values:
        email = (raw or "").strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"emails": _("“%(value)s” is not a valid email address.") % {"value": raw[:80]}}
            ) from None
        if email not in result:
            result.append(email)
    return result


def clean_phones(values: Iterable[str], default_region: str) -> list[str]:
    result: list[str] = []
    for raw in values:
        if not (raw or "").strip():
            continue
        try:
            number = normalize_phone(raw, default_region)
        except ValidationError as e:
            raise ValidationError({"phones": e.messages}) from None
        if number not in result:
            result.append(number)
    return result


def _prepare_person(person: Person, data: dict) -> None:
    for name in PERSON_FIELDS:
        if name in data:
            setattr(person, name, data[name] if data[name] is not None else _empty(person, name))
    person.country = (person.country or "").upper()
    person.sort_key = translit.sort_key(person.sort_name)
    person.full_clean(exclude=["workspace", "created_by"])


def _person_tracked(person: Person, emails=None, phones=None) -> dict:
    values = snapshot(person, PERSON_FIELDS)
    if person.pk:
        values["emails"] = (
            ", ".join(emails if emails is not None else [e.email for e in person.emails.all()])
            or None
        )
        values["phones"] = (
            ", ".join(phones if phones is not None else [p.number for p in person.phones.all()])
            or None
        )
        values["causes"] = ", ".join(sorted(c.name for c in person.causes.all())) or None
        values["tags"] = ", ".join(sorted(t.name for t in person.tags.all())) or None
    return values


def _save_person_links(person: Person, data: dict, emails, phones) -> None:
    ws = person.workspace
    if emails is not None:
        PersonEmail.objects.filter(person=person).delete()
        PersonEmail.objects.bulk_create(
            [
                PersonEmail(workspace=ws, person=person, email=e, position=i)
                for i, e in enumerate(emails)
            ]
        )
    if phones is not None:
        PersonPhone.objects.filter(person=person).delete()
        PersonPhone.objects.bulk_create(
            [
                PersonPhone(workspace=ws, person=person, number=n, position=i)
                for i, n in enumerate(phones)
            ]
        )
    if "causes" in data:
        _check_same_workspace(ws, data["causes"], "causes")
        _set_links(
            through=PersonCause,
            owner_field="person",
            owner=person,
            target_field="cause",
            targets=data["causes"],
            workspace=ws,
        )
    if "tags" in data:
        _check_same_workspace(ws, data["tags"], "tags")
        _set_links(
            through=PersonTag,
            owner_field="person",
            owner=person,
            target_field="tag",
            targets=data["tags"],
            workspace=ws,
        )


def _person_contacts(person: Person, data: dict) -> tuple[list[str] | None, list[str] | None]:
    emails = clean_emails(data["emails"]) if "emails" in data else None
    region = person.country or person.workspace.default_country or "BG"
    phones = clean_phones(data["phones"], region) if "phones" in data else None
    return emails, phones


@transaction.atomic
def person_create(*, workspace, actor, data: dict) -> Person:
    data = _clean_text(data)
    person = Person(workspace=workspace, created_by=_user(actor))
    _prepare_person(person, data)
    emails, phones = _person_contacts(person, data)
    person.save()
    _save_person_links(person, data, emails, phones)
    _reindex_person(person, emails or [], phones or [])
    record_change(
        workspace=workspace,
        actor=actor,
        obj=person,
        action=Action.CREATE,
        changes=diff({}, _person_tracked(person, emails, phones)),
    )
    return person


@transaction.atomic
def person_update(*, person: Person, actor, data: dict, version: int | None) -> Person:
    data = _clean_text(data)
    _claim_version(Person, person.pk, version)
    person = Person.objects.select_related("workspace").get(pk=person.pk)
    before = _person_tracked(person)
    _prepare_person(person, data)
    emails, phones = _person_contacts(person, data)
    person.save()
    _save_person_links(person, data, emails, phones)
    if emails is None:
        emails = [e.email for e in person.emails.all()]
    if phones is None:
        phones = [p.number for p in person.phones.all()]
    _reindex_person(person, emails, phones)
    record_change(
        workspace=person.workspace,
        actor=actor,
        obj=person,
        action=Action.UPDATE,
        changes=diff(before, _person_tracked(person, emails, phones)),
    )
    return person


@transaction.atomic
def person_delete(*, person: Person, actor) -> None:
    # Locked before its rows are gathered (hold).
    hold(Person, person.workspace_id, [person.pk], delete=True)
    record_change(
        workspace=person.workspace, actor=actor, obj=person, action=Action.DELETE, changes={}
    )
    _delete_or_explain(person)


# --- affiliations ---------------------------------------------------------------------------


def _affiliation_tracked(a: Affiliation) -> dict:
    values = snapshot(a, AFFILIATION_FIELDS)
    values["person"] = str(a.person)
    values["organisation"] = str(a.organisation)
    return values


def _check_affiliation(workspace, person: Person, organisation: Organisation) -> None:
    if person.workspace_id != workspace.pk:
        raise ValidationError({"person": _("Unknown person.")})
    if organisation.workspace_id != workspace.pk:
        raise ValidationError({"organisation": _("Unknown organisation.")})


@transaction.atomic
def affiliation_create(
    *, workspace, actor, person: Person, organisation: Organisation, data: dict
) -> Affiliation:
    _check_affiliation(workspace, person, organisation)
    if not hold(Person, workspace.pk, [person.pk]):  # deleted meanwhile
        raise ValidationError({"person": _("Unknown person.")})
    if not hold(Organisation, workspace.pk, [organisation.pk]):
        raise ValidationError({"organisation": _("Unknown organisation.")})
    data = _clean_text(data)
    affiliation = Affiliation(workspace=workspace, person=person, organisation=organisation)
    for name in AFFILIATION_FIELDS:
        if name in data:
            setattr(
                affiliation,
                name,
                data[name] if data[name] is not None else _empty(affiliation, name),
            )
    _check_dates(affiliation)
    affiliation.full_clean(exclude=["workspace"])
    affiliation.save()
    for obj in (person, organisation):
        record_change(
            workspace=workspace,
            actor=actor,
            obj=obj,
            action=Action.UPDATE,
            changes={"affiliation": [None, str(affiliation)]},
        )
    record_change(
        workspace=workspace,
        actor=actor,
        obj=affiliation,
        action=Action.CREATE,
        changes=diff({}, _affiliation_tracked(affiliation)),
    )
    return affiliation


def _check_dates(a: Affiliation) -> None:
    if a.start_date and a.end_date and a.end_date < a.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


@transaction.atomic
def affiliation_update(
    *,
    affiliation: Affiliation,
    actor,
    data: dict,
    version: int | None,
    organisation: Organisation | None = None,
) -> Affiliation:
    data = _clean_text(data)
    _claim_version(Affiliation, affiliation.pk, version)
    a = Affiliation.objects.select_related("person", "organisation", "workspace").get(
        pk=affiliation.pk
    )
    before = _affiliation_tracked(a)
    if organisation is not None:
        _check_affiliation(a.workspace, a.person, organisation)
        if not hold(Organisation, a.workspace_id, [organisation.pk]):  # deleted meanwhile
            raise ValidationError({"organisation": _("Unknown organisation.")})
        a.organisation = organisation
    for name in AFFILIATION_FIELDS:
        if name in data:
            setattr(a, name, data[name] if data[name] is not None else _empty(a, name))
    _check_dates(a)
    a.full_clean(exclude=["workspace"])
    a.save()
    record_change(
        workspace=a.workspace,
        actor=actor,
        obj=a,
        action=Action.UPDATE,
        changes=diff(before, _affiliation_tracked(a)),
    )
    return a


@transaction.atomic
def affiliation_delete(*, affiliation: Affiliation, actor) -> None:
    ws = affiliation.workspace
    for obj in (affiliation.person, affiliation.organisation):
        record_change(
            workspace=ws,
            actor=actor,
            obj=obj,
            action=Action.UPDATE,
            changes={"affiliation": [str(affiliation), None]},
        )
    record_change(workspace=ws, actor=actor, obj=affiliation, action=Action.DELETE, changes={})
    affiliation.delete()


# --- tags, causes and bulk actions ----------------------------------------------------------


def _clean_label_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    return name


def _find_label(model, workspace, name: str, exclude_pk: int | None = None):
    """A tag or cause of this name in any letter case. Compared in Python: SQLite folds the
    case of ASCII letters only, and a workspace has tens or hundreds of these."""
    wanted = name.casefold()
    rows = model.objects.filter(workspace=workspace).exclude(pk=exclude_pk)
    return next((row for row in rows if row.name.casefold() == wanted), None)


def _label_get_or_create(model, workspace, name: str):
    name = _clean_label_name(name)
    row = _find_label(model, workspace, name)
    if row is None:
        row = model(workspace=workspace, name=name)
        row.full_clean(exclude=["workspace"])
        row.save()
    return row


def tag_get_or_create(*, workspace, name: str) -> Tag:
    return _label_get_or_create(Tag, workspace, name)


def cause_get_or_create(*, workspace, name: str) -> Cause:
    return _label_get_or_create(Cause, workspace, name)


@transaction.atomic
def label_rename(*, label: Tag | Cause, name: str) -> Tag | Cause:
    """Rename a tag or a cause; the name must stay unique in the workspace (any letter case)."""
    name = _clean_label_name(name)
    if _find_label(type(label), label.workspace_id, name, exclude_pk=label.pk):
        raise ValidationError({"name": _("This name is already in use.")})
    label.name = name
    label.full_clean(exclude=["workspace"])
    label.save(update_fields=["name"])
    return label


@transaction.atomic
def tag_delete(*, tag: Tag, actor) -> None:
    hold(Tag, tag.workspace_id, [tag.pk], delete=True)  # before its rows are gathered
    tag.delete()


@transaction.atomic
def cause_delete(*, cause: Cause, actor) -> None:
    cause.delete()


@transaction.atomic
def bulk_tag(*, workspace, actor, model, ids: list[int], tag: Tag) -> int:
    """Add a tag to many organisations or people of the workspace; returns how many got it."""
    through, owner_field = (
        (OrganisationTag, "organisation") if model is Organisation else (PersonTag, "person")
    )
    if model is Person:
        hold(Person, workspace.pk, ids)  # none of them deleted before the tags are in
        if not hold(Tag, workspace.pk, [tag.pk]):  # nor the tag
            raise ValidationError(_("Unknown tag."))
    objects = list(model.objects.filter(workspace=workspace, pk__in=ids))
    have = set(
        through.objects.filter(tag=tag, **{f"{owner_field}__in": objects}).values_list(
            f"{owner_field}_id", flat=True
        )
    )
    new = [o for o in objects if o.pk not in have]
    through.objects.bulk_create(
        [through(workspace=workspace, tag=tag, **{owner_field: o}) for o in new]
    )
    for o in new:
        record_change(
            workspace=workspace,
            actor=actor,
            obj=o,
            action=Action.UPDATE,
            changes={"tags": [None, f"+ {tag.name}"]},
        )
    return len(new)


@transaction.atomic
def bulk_delete(*, workspace, actor, model, ids: list[int]) -> int:
    hold(model, workspace.pk, ids, delete=True)  # before their rows are gathered
    objects = list(model.objects.filter(workspace=workspace, pk__in=ids))
    for o in objects:
        record_change(workspace=workspace, actor=actor, obj=o, action=Action.DELETE, changes={})
    try:
        model.objects.filter(workspace=workspace, pk__in=[o.pk for o in objects]).delete()
    except (ProtectedError, RestrictedError) as e:
        raise _protected_message(e) from None
    return len(objects)


def _delete_or_explain(obj) -> None:
    """Delete, or refuse with the records that still need it (duties, signatories,
    evaluations…), so nothing that matters disappears silently."""
    try:
        obj.delete()
    except (ProtectedError, RestrictedError) as e:
        raise _protected_message(e) from None


def _protected_message(error: ProtectedError | RestrictedError) -> ValidationError:
    blockers = getattr(error, "protected_objects", None) or error.restricted_objects
    named = sorted({f"{o._meta.verbose_name}: {o}" for o in blockers})
    return ValidationError(
        _("It cannot be deleted while these still name it: %(names)s. Change or remove them first.")
        % {"names": "; ".join(named[:10])}
    )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
