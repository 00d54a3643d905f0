"""Writes to interactions: logging a touchpoint, editing and deleting it. Each write is atomic,
validated, recorded in the history, closes the awaited replies it answers and refreshes the
health of everyone it touches."""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.contacts.models import Affiliation, Organisation, Person
from svrazka.contacts.services import EditConflict
from svrazka.history.models import Action
from svrazka.history.services import diff, record_change, snapshot
from svrazka.touchpoints import health
from svrazka.touchpoints.models import (
    Attachment,
    Cadence,
    Channel,
    Direction,
    Interaction,
    InteractionOrganisation,
    InteractionPerson,
    Source,
)

INTERACTION_FIELDS = [
    "channel",
    "direction",
    "occurred_at",
    "subject",
    "summary",
    "partnership",
    "awaiting_reply",
    "reply_expected_by",
]

# Relations log_interaction checks itself (same workspace), which full_clean would re-read.
UNCHECKED_BY_FULL_CLEAN = [
    "people",
    "users",
    "created_by",
    "workspace",
    "partnership",
    "in_reply_to",
    "answered_by",
]

__all__ = ["EditConflict", "log_interaction", "update_interaction", "delete_interaction"]


def _same_workspace(workspace, objects: Iterable, field: str) -> None:
    for obj in objects:
        if obj is not None and obj.workspace_id != workspace.pk:
            raise ValidationError({field: _("Choose from this workspace.")})


def _validate(
    *,
    workspace,
    channel: str,
    direction: str,
    occurred_at: datetime,
    people: list,
    organisations: list,
    partnership,
    awaiting_reply: bool,
    reply_expected_by: date | None,
) -> None:
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = _("Choose a channel from the list.")
    if direction not in Direction.values:
        errors["direction"] = _("Choose a direction from the list.")
    if occurred_at is None:
        errors["occurred_at"] = _("Say when it happened.")
    elif timezone.is_naive(occurred_at):
        errors["occurred_at"] = _("Give the time with its time zone.")
    if not people and not organisations and partnership is None:
        errors["people"] = _("Say who it was with: a person, an organisation or a partnership.")
    if reply_expected_by and not awaiting_reply:
        errors["reply_expected_by"] = _("A reply date needs “awaiting reply” ticked.")
    if (
        reply_expected_by
        and occurred_at
        and timezone.is_aware(occurred_at)
        and reply_expected_by < timezone.localdate(occurred_at)
    ):
        errors["reply_expected_by"] = _("The reply cannot be expected before the interaction.")
    if errors:
        raise ValidationError(errors)
    _same_workspace(workspace, people, "people")
    _same_workspace(workspace, organisations, "organisations")
    _same_workspace(workspace, [partnership], "partnership")


def _members_among(workspace, users: list) -> set[int]:
    from svrazka.accounts.models import Membership

    wanted = {u.pk for u in users}
    batch = _deferred.get()
    known = batch[2] if batch is not None and batch[0] == workspace.pk else None
    if known is not None and wanted <= known:  # confirmed earlier in this batch
        return wanted
    found = set(
        Membership.objects.filter(workspace=workspace, user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )
    if known is not None:
        known |= found
    return found


def _organisations_of(workspace, people: list, when: datetime) -> set[int]:
    """The organisations the people were affiliated with on the day."""
    day = timezone.localdate(when)
    ids = set()
    for aff in Affiliation.objects.filter(workspace=workspace, person__in=people).only(
        "organisation_id", "start_date", "end_date"
    ):
        if (aff.start_date is None or aff.start_date <= day) and (
            aff.end_date is None or aff.end_date >= day
        ):
            ids.add(aff.organisation_id)
    return ids


def _link(
    interaction: Interaction, people: list, organisation_ids: set[int], *, new: bool = False
) -> None:
    ws = interaction.workspace_id
    if not new:
        InteractionPerson.objects.filter(interaction=interaction).delete()
        InteractionOrganisation.objects.filter(interaction=interaction).delete()
    InteractionPerson.objects.bulk_create(
        [
            InteractionPerson(
                workspace_id=ws,
                interaction=interaction,
                person=p,
                occurred_at=interaction.occurred_at,
            )
            for p in {p.pk: p for p in people}.values()
        ]
    )
    InteractionOrganisation.objects.bulk_create(
        [
            InteractionOrganisation(
                workspace_id=ws,
                interaction=interaction,
                organisation_id=pk,
                occurred_at=interaction.occurred_at,
            )
            for pk in sorted(organisation_ids)
        ]
    )


def _close_awaited(interaction: Interaction, people: list) -> list[Interaction]:
    """An answer closes the awaited replies it answers: the message it replies to, and any
    earlier interaction in the other direction with the same people that awaits a reply."""
    other = Direction.IN if interaction.direction == Direction.OUT else Direction.OUT
    candidates = Interaction.objects.filter(
        workspace_id=interaction.workspace_id,
        awaiting_reply=True,
        direction=other,
        occurred_at__lte=interaction.occurred_at,
    ).exclude(pk=interaction.pk)
    ids = set()
    if interaction.in_reply_to_id:
        ids |= set(candidates.filter(pk=interaction.in_reply_to_id).values_list("pk", flat=True))
    if people:
        # From the people's timelines (the (workspace, person, occurred_at) index), not a
        # walk over every earlier interaction of the workspace.
        linked = InteractionPerson.objects.filter(
            workspace_id=interaction.workspace_id,
            person__in=people,
            occurred_at__lte=interaction.occurred_at,
        ).values("interaction_id")
        ids |= set(candidates.filter(pk__in=linked).values_list("pk", flat=True))
    closed = list(Interaction.objects.filter(pk__in=ids))
    Interaction.objects.filter(pk__in=ids).update(
        awaiting_reply=False,
        answered_at=interaction.occurred_at,
        answered_by=interaction,
        version=F("version") + 1,
    )
    return closed


def _subjects(interactions: Iterable[Interaction]) -> dict[str, set[int]]:
    ids = [i.pk for i in interactions]
    return {
        "people": set(
            InteractionPerson.objects.filter(interaction_id__in=ids).values_list(
                "person_id", flat=True
            )
        ),
        "organisations": set(
            InteractionOrganisation.objects.filter(interaction_id__in=ids).values_list(
                "organisation_id", flat=True
            )
        ),
        "partnerships": {i.partnership_id for i in interactions if i.partnership_id},
    }


# While a batch (a mail fetch) defers health, the subjects its writes touch are collected
# here — (workspace id, pending ids, members already confirmed) — and refreshed once each when
# the batch flushes.
_deferred: ContextVar[tuple[int, dict[str, set[int]], set[int]] | None] = ContextVar(
    "touchpoints_deferred_health", default=None
)


def _refresh_health(workspace, *groups: dict[str, set[int]]) -> None:
    people: set[int] = set()
    organisations: set[int] = set()
    partnerships: set[int] = set()
    for g in groups:
        people |= g["people"]
        organisations |= g["organisations"]
        partnerships |= g["partnerships"]
    deferred = _deferred.get()
    if deferred is not None and deferred[0] == workspace.pk:
        pending = deferred[1]
        pending["people"] |= people
        pending["organisations"] |= organisations
        pending["partnerships"] |= partnerships
        return
    health.refresh(workspace, people=people, organisations=organisations, partnerships=partnerships)


@contextlib.contextmanager
def health_deferred(workspace) -> Iterator[Callable[[], None]]:
    """Within a batch of writes, refresh the health of each relationship they touch once —
    when the yielded `flush()` is called and at the end — instead of after every write: a
    dropbox of a thousand messages to the same few partners would otherwise recompute the same
    health a thousand times (bench/README.md, "Mail dropbox"). Only this context's (thread's)
    writes to this workspace are deferred; anything else refreshes as usual."""
    pending: dict[str, set[int]] = {"people": set(), "organisations": set(), "partnerships": set()}

    def flush() -> None:
        if any(pending.values()):
            health.refresh(
                workspace,
                people=set(pending["people"]),
                organisations=set(pending["organisations"]),
                partnerships=set(pending["partnerships"]),
            )
            for ids in pending.values():
                ids.clear()

    token = _deferred.set((workspace.pk, pending, set()))
    try:
        yield flush
    finally:
        _deferred.reset(token)
        flush()


@transaction.atomic
def log_interaction(
    *,
    workspace,
    actor,
    channel: str,
    direction: str,
    occurred_at: datetime,
    people: Iterable[Person] = (),
    organisations: Iterable[Organisation] = (),
    users: Iterable = (),
    partnership=None,
    subject: str = "",
    summary: str = "",
    awaiting_reply: bool = False,
    reply_expected_by: date | None = None,
    message_id: str = "",
    in_reply_to: Interaction | None = None,
    source: str = Source.MANUAL,
    attachments: Iterable[tuple[str, str, bytes]] = (),
) -> Interaction:
    """Log one touchpoint. `attachments` are (file name, content type, bytes)."""
    people = list(people)
    organisations = list(organisations)
    users = list(users)
    _validate(
        workspace=workspace,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        people=people,
        organisations=organisations,
        partnership=partnership,
        awaiting_reply=awaiting_reply,
        reply_expected_by=reply_expected_by,
    )
    _same_workspace(workspace, [in_reply_to], "in_reply_to")
    if users and _members_among(workspace, users) != {u.pk for u in users}:
        raise ValidationError({"users": _("Our participants must be members of the workspace.")})
    interaction = Interaction(
        workspace=workspace,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        subject=subject.strip()[:300],
        summary=summary.strip(),
        partnership=partnership,
        awaiting_reply=awaiting_reply,
        reply_expected_by=reply_expected_by if awaiting_reply else None,
        message_id=message_id[:300],
        in_reply_to=in_reply_to,
        source=source,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Foreign keys were checked above against the workspace; no query each to re-check them.
    interaction.full_clean(exclude=UNCHECKED_BY_FULL_CLEAN)
    interaction.save()
    if users:  # a new interaction has no users yet: no need for set()'s read of them
        through = Interaction.users.through
        through.objects.bulk_create(
            [through(interaction_id=interaction.pk, user_id=pk) for pk in {u.pk for u in users}]
        )
    organisation_ids = {o.pk for o in organisations} | _organisations_of(
        workspace, people, occurred_at
    )
    _link(interaction, people, organisation_ids, new=True)
    for name, content_type, payload in attachments:
        _attach(interaction, name, content_type, payload)
    closed = _close_awaited(interaction, people)
    record_change(
        workspace=workspace,
        actor=actor,
        obj=interaction,
        action=Action.CREATE,
        changes={},
    )
    touched = {
        "people": {p.pk for p in people},
        "organisations": organisation_ids,
        "partnerships": {partnership.pk} if partnership is not None else set(),
    }
    _refresh_health(workspace, touched, *([_subjects(closed)] if closed else []))
    return interaction


def _attach(interaction: Interaction, name: str, content_type: str, payload: bytes) -> Attachment:
    from django.core.files.base import ContentFile

    safe = "".join(c for c in (name or "attachment") if c not in "/\\\0\r\n").strip() or "file"
    attachment = Attachment(
        workspace_id=interaction.workspace_id,
        interaction=interaction,
        filename=safe[:255],
        content_type=(content_type or "")[:100],
        size=len(payload),
    )
    attachment.file.save(safe, ContentFile(payload), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def update_interaction(
    *,
    interaction: Interaction,
    actor,
    data: dict,
    people: Iterable[Person] | None = None,
    organisations: Iterable[Organisation] | None = None,
    users: Iterable | None = None,
    version: int | None = None,
) -> Interaction:
    """Change an interaction, refusing it if someone else changed it since `version`."""
    workspace = interaction.workspace
    before_subjects = _subjects([interaction])
    before = snapshot(interaction, INTERACTION_FIELDS)
    for name, value in data.items():
        if name in INTERACTION_FIELDS:
            setattr(interaction, name, value)
    if not interaction.awaiting_reply:
        interaction.reply_expected_by = None
    current_people = (
        list(people)
        if people is not None
        else list(Person.objects.filter(interactionperson__interaction=interaction))
    )
    current_orgs = (
        list(organisations)
        if organisations is not None
        else list(
            Organisation.objects.filter(
                pk__in=InteractionOrganisation.objects.filter(interaction=interaction).values(
                    "organisation_id"
                )
            )
        )
    )
    _validate(
        workspace=workspace,
        channel=interaction.channel,
        direction=interaction.direction,
        occurred_at=interaction.occurred_at,
        people=current_people,
        organisations=current_orgs,
        partnership=interaction.partnership,
        awaiting_reply=interaction.awaiting_reply,
        reply_expected_by=interaction.reply_expected_by,
    )
    if users is not None:
        users = list(users)
        if _members_among(workspace, users) != {u.pk for u in users}:
            raise ValidationError(
                {"users": _("Our participants must be members of the workspace.")}
            )
    interaction.full_clean(exclude=["people", "users", "created_by"])
    updated = Interaction.objects.filter(pk=interaction.pk)
    if version is not None:
        updated = updated.filter(version=version)
    if updated.update(version=F("version") + 1) == 0:
        raise EditConflict(Interaction.objects.get(pk=interaction.pk))
    interaction.version = Interaction.objects.values_list("version", flat=True).get(
        pk=interaction.pk
    )
    if interaction.awaiting_reply:
        interaction.answered_at = None
        interaction.answered_by = None
    interaction.save()
    if users is not None:
        interaction.users.set(users)
    if people is not None or organisations is not None or "occurred_at" in data:
        organisation_ids = {o.pk for o in current_orgs}
        if organisations is None:
            organisation_ids |= _organisations_of(
                workspace, current_people, interaction.occurred_at
            )
        _link(interaction, current_people, organisation_ids)
    record_change(
        workspace=workspace,
        actor=actor,
        obj=interaction,
        action=Action.UPDATE,
        changes=diff(before, snapshot(interaction, INTERACTION_FIELDS)),
    )
    _refresh_health(workspace, before_subjects, _subjects([interaction]))
    return interaction


@transaction.atomic
def delete_interaction(*, interaction: Interaction, actor) -> None:
    workspace = interaction.workspace
    subjects = _subjects([interaction])
    # What this one answered awaits its reply again.
    Interaction.objects.filter(answered_by=interaction).update(
        awaiting_reply=True, answered_at=None, answered_by=None, version=F("version") + 1
    )
    record_change(
        workspace=workspace, actor=actor, obj=interaction, action=Action.DELETE, changes={}
    )
    for attachment in interaction.attachments.all():
        attachment.file.delete(save=False)
    interaction.delete()
    _refresh_health(workspace, subjects)


@transaction.atomic
def mark_answered(*, interaction: Interaction, actor, when: datetime | None = None) -> Interaction:
    """Close an awaited reply by hand (the answer came on a channel nobody logged)."""
    if not interaction.awaiting_reply:
        return interaction
    interaction.awaiting_reply = False
    interaction.answered_at = when or timezone.now()
    interaction.version += 1
    interaction.save(update_fields=["awaiting_reply", "answered_at", "version", "updated_at"])
    record_change(
        workspace=interaction.workspace,
        actor=actor,
        obj=interaction,
        action=Action.UPDATE,
        changes={"awaiting_reply": ["True", "False"]},
    )
    _refresh_health(interaction.workspace, _subjects([interaction]))
    return interaction


@transaction.atomic
def set_cadence(*, workspace, actor, subject, days: int | None) -> None:
    """How often we expect to be in touch: on a partnership itself, or as a Cadence of a
    person or organisation; None returns to the default. Health follows at once."""
    from svrazka.partnerships.models import Partnership

    if days is not None and not 1 <= days <= 730:
        raise ValidationError({"days": _("Give a number of days from 1 to 730.")})
    if subject.workspace_id != workspace.pk:
        raise ValidationError(_("Choose from this workspace."))
    if isinstance(subject, Partnership):
        before = subject.cadence_days
        Partnership.objects.filter(pk=subject.pk).update(
            cadence_days=days, version=F("version") + 1
        )
        subject.cadence_days = days
        group = {"people": set(), "organisations": set(), "partnerships": {subject.pk}}
    else:
        key = "person" if isinstance(subject, Person) else "organisation"
        existing = Cadence.objects.filter(workspace=workspace, **{key: subject}).first()
        before = existing.days if existing else None
        if days is None:
            Cadence.objects.filter(workspace=workspace, **{key: subject}).delete()
        else:
            Cadence.objects.update_or_create(
                workspace=workspace, **{key: subject}, defaults={"days": days}
            )
        group = {
            "people": {subject.pk} if key == "person" else set(),
            "organisations": {subject.pk} if key == "organisation" else set(),
            "partnerships": set(),
        }
    if before != days:
        record_change(
            workspace=workspace,
            actor=actor,
            obj=subject,
            action=Action.UPDATE,
            changes={"cadence_days": [_text(before), _text(days)]},
        )
    _refresh_health(workspace, group)


def _text(value) -> str | None:
    return None if value is None else str(value)
