"""Everything Svrazka stores about one person, for a GDPR access request (Art. 15) or data
portability (Art. 20): a JSON-ready dict, dates and times in ISO 8601, choices as their codes.

What is included: the record's fields, emails, phones, affiliations, causes, tags, where the
record came from (an import's file name), its history (who changed what, when), the
interactions they took part in, tasks about them, the parts they play in partnerships (their
organisation's liaison, facilitator, key person with a duty, signatory of an agreement,
evaluation links sent to them), the expected contact rhythm and the last computed relationship
health, and mail from their addresses that waits to be assigned.

Other people's data is left out: an interaction lists its channel, direction, subject and
summary, not who else took part.
"""

from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from svrazka.contacts.models import Affiliation, Person, PersonEmail, PersonPhone
from svrazka.history.models import ChangeRecord
from svrazka.partnerships.models import (
    Duty,
    EvaluationInvite,
    Partnership,
    PartnershipPartner,
    Signatory,
)
from svrazka.touchpoints.models import (
    Attachment,
    Cadence,
    Health,
    InteractionPerson,
    Subject,
    Task,
    UnmatchedMessage,
)

FORMAT_VERSION = 1


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat()


def _user(user) -> str | None:
    return str(user) if user is not None else None


def person_data(workspace, person: Person) -> dict:
    """All that this workspace stores about the person (who must be of this workspace)."""
    if person.workspace_id != workspace.pk:
        raise ValueError("The person is not in this workspace.")
    return {
        "format": "svrazka-person-data",
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(timezone.now()),
        "controller": {"workspace": workspace.name, "slug": workspace.slug},
        "person": _fields(person),
        "emails": list(
            PersonEmail.objects.filter(workspace=workspace, person=person)
            .order_by("position", "id")
            .values_list("email", flat=True)
        ),
        "phones": list(
            PersonPhone.objects.filter(workspace=workspace, person=person)
            .order_by("position", "id")
            .values_list("number", flat=True)
        ),
        "affiliations": _affiliations(workspace, person),
        "causes": sorted(c.name for c in person.causes.all()),
        "tags": sorted(t.name for t in person.tags.all()),
        "history": _history(workspace, person),
        "interactions": _interactions(workspace, person),
        "tasks": _tasks(workspace, person),
        "partnerships": _partnerships(workspace, person),
        "contact_rhythm": _rhythm(workspace, person),
        "unassigned_mail": _unassigned_mail(workspace, person),
    }


def _fields(person: Person) -> dict:
    source = person.source_import
    return {
        "id": person.pk,
        "given_name": person.given_name,
        "middle_name": person.middle_name,
        "family_name": person.family_name,
        "other_spelling": person.other_spelling,
        "title": person.title,
        "date_of_birth": _iso(person.date_of_birth),
        "street": person.street,
        "city": person.city,
        "postal_code": person.postal_code,
        "country": person.country,
        "website": person.website,
        "linkedin": person.linkedin,
        "facebook": person.facebook,
        "x": person.x,
        "languages": list(person.languages or []),
        "preferred_channel": person.preferred_channel,
        "consent": person.consent,
        "consent_source": person.consent_source,
        "consent_date": _iso(person.consent_date),
        "where_found": person.where_found,
        "where_found_note": person.where_found_note,
        "notes": person.notes,
        "created_at": _iso(person.created_at),
        "created_by": _user(person.created_by),
        "updated_at": _iso(person.updated_at),
        "imported_from": (
            {"file": source.filename, "imported_at": _iso(source.created_at)} if source else None
        ),
    }


def _affiliations(workspace, person: Person) -> list[dict]:
    rows = (
        Affiliation.objects.filter(workspace=workspace, person=person)
        .select_related("organisation")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "id")
    )
    return [
        {
            "organisation": {"id": a.organisation_id, "name": a.organisation.name},
            "position": a.position,
            "start_date": _iso(a.start_date),
            "end_date": _iso(a.end_date),
        }
        for a in rows
    ]


def _history(workspace, person: Person) -> list[dict]:
    records = (
        ChangeRecord.objects.filter(
            workspace=workspace,
            content_type=ContentType.objects.get_for_model(Person),
            object_id=person.pk,
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [
        {
            "at": _iso(r.created_at),
            "action": r.action,
            "by": _user(r.actor),
            "changes": r.changes,
        }
        for r in records
    ]


def _interactions(workspace, person: Person) -> list[dict]:
    links = (
        InteractionPerson.objects.filter(workspace=workspace, person=person)
        .select_related("interaction__partnership")
        .order_by("occurred_at", "interaction_id")
    )
    interactions = [link.interaction for link in links]
    files: dict[int, list[str]] = {}
    for interaction_id, name in Attachment.objects.filter(
        workspace=workspace, interaction__in=[i.pk for i in interactions]
    ).values_list("interaction_id", "filename"):
        files.setdefault(interaction_id, []).append(name)
    return [
        {
            "id": i.pk,
            "occurred_at": _iso(i.occurred_at),
            "channel": i.channel,
            "direction": i.direction,
            "subject": i.subject,
            "summary": i.summary,
            "partnership": i.partnership.title if i.partnership else None,
            "awaiting_reply": i.awaiting_reply,
            "reply_expected_by": _iso(i.reply_expected_by),
            "attachments": files.get(i.pk, []),
        }
        for i in interactions
    ]


def _tasks(workspace, person: Person) -> list[dict]:
    rows = (
        Task.objects.filter(workspace=workspace, person=person)
        .select_related("assignee")
        .order_by("created_at", "id")
    )
    return [
        {
            "id": t.pk,
            "title": t.title,
            "notes": t.notes,
            "due_date": _iso(t.due_date),
            "repeats": t.recurrence,
            "assignee": _user(t.assignee),
            "done_at": _iso(t.done_at),
            "created_at": _iso(t.created_at),
        }
        for t in rows
    ]


def _partnerships(workspace, person: Person) -> list[dict]:
    roles: list[dict] = []
    for p in PartnershipPartner.objects.filter(workspace=workspace, liaison=person).select_related(
        "partnership", "organisation"
    ):
        roles.append(
            {
                "role": "liaison",
                "partnership": p.partnership.title,
                "organisation": p.organisation.name,
                "partner_role": p.role,
            }
        )
    for p in Partnership.objects.filter(workspace=workspace, facilitator=person):
        roles.append({"role": "facilitator", "partnership": p.title})
    for d in Duty.objects.filter(workspace=workspace, person=person).select_related(
        "partnership", "partner__organisation"
    ):
        roles.append(
            {
                "role": "duty",
                "partnership": d.partnership.title,
                "organisation": d.partner.organisation.name if d.partner else None,
                "duty": d.description,
                "start_date": _iso(d.start_date),
                "end_date": _iso(d.end_date),
            }
        )
    for s in Signatory.objects.filter(workspace=workspace, person=person).select_related(
        "agreement__partnership", "organisation"
    ):
        roles.append(
            {
                "role": "signatory",
                "partnership": s.agreement.partnership.title,
                "agreement": s.agreement.title,
                "organisation": s.organisation.name,
                "position": s.position,
                "signed_on": _iso(s.signed_on),
            }
        )
    for e in EvaluationInvite.objects.filter(workspace=workspace, person=person).select_related(
        "partnership"
    ):
        roles.append(
            {
                "role": "evaluation_invite",
                "partnership": e.partnership.title,
                "email": e.email,
                "sent_at": _iso(e.created_at),
                "used_at": _iso(e.used_at),
            }
        )
    return roles


def _rhythm(workspace, person: Person) -> dict:
    cadence = Cadence.objects.filter(workspace=workspace, person=person).first()
    health = Health.objects.filter(
        workspace=workspace, subject=Subject.PERSON, object_id=person.pk
    ).first()
    return {
        "expected_contact_every_days": cadence.days if cadence else None,
        "health_score": health.score if health else None,
        "last_contact_at": _iso(health.last_contact_at) if health else None,
    }


def _unassigned_mail(workspace, person: Person) -> list[dict]:
    addresses = list(
        PersonEmail.objects.filter(workspace=workspace, person=person).values_list(
            "email", flat=True
        )
    )
    if not addresses:
        return []
    rows = UnmatchedMessage.objects.filter(
        workspace=workspace, from_address__in=addresses, status="open"
    ).order_by("received_at", "id")
    return [
        {
            "from": m.from_address,
            "subject": m.subject,
            "sent_at": _iso(m.sent_at),
            "received_at": _iso(m.received_at),
        }
        for m in rows
    ]
