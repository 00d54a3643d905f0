"""What the touchpoint endpoints accept and return: interactions, health and follow-up tasks.

As elsewhere, inputs forbid unknown fields and wrong types (422); the rules between fields are
left to touchpoints.services so the pages and the API refuse the same things alike.
"""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, Strict

from svrazka.api.schemas import (
    MAX_ID,
    Id,
    Input,
    IsoDate,
    NamedRef,
    Page,
    PageParams,
    PersonRef,
    QueryId,
    Text,
)
from svrazka.touchpoints import health
from svrazka.touchpoints.models import Channel, Direction

ChannelKey = Literal[tuple(Channel.values)]
DirectionKey = Literal[tuple(Direction.values)]
SubjectKey = Literal["person", "organisation", "partnership"]
Version = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]
VERSION_HELP = "The version you started from; a stale one gives 409."


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class PartnershipRef(Schema):
    id: int
    title: str


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class InteractionOut(Schema):
    id: int
    channel: ChannelKey
    direction: DirectionKey = Field(description="out: we to them; in: they to us.")
    occurred_at: datetime
    subject: str
    summary: str
    people: list[PersonRef]
    organisations: list[NamedRef]
    users: list[UserRef] = Field(description="Our participants.")
    partnership: PartnershipRef | None
    awaiting_reply: bool
    reply_expected_by: IsoDate | None
    answered_at: datetime | None
    answered_by: int | None = Field(description="The interaction that answered this one.")
    in_reply_to: int | None
    message_id: str
    source: str
    attachments: list[AttachmentOut]
    version: int
    created_at: datetime

    @staticmethod
    def resolve_people(obj) -> list:
        return list(obj.people.all())

    @staticmethod
    def resolve_organisations(obj) -> list:
        return [link.organisation for link in obj.organisation_links.all()]

    @staticmethod
    def resolve_users(obj) -> list:
        return list(obj.users.all())

    @staticmethod
    def resolve_answered_by(obj) -> int | None:
        return obj.answered_by_id

    @staticmethod
    def resolve_in_reply_to(obj) -> int | None:
        return obj.in_reply_to_id

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())


class InteractionPage(Page):
    items: list[InteractionOut]


class InteractionFilters(PageParams):
    person: QueryId | None = Field(None, description="Touchpoints with this person.")
    organisation: QueryId | None = Field(None, description="Touchpoints with this organisation.")
    partnership: QueryId | None = Field(None, description="Touchpoints of this partnership.")
    channel: ChannelKey | None = None
    awaiting_reply: bool | None = Field(None, description="Only those awaiting a reply (or not).")


class InteractionIn(Input):
    channel: ChannelKey
    direction: DirectionKey
    occurred_at: AwareDatetime = Field(
        description="With its time zone, e.g. 2026-11-20T14:30:00+02:00."
    )
    people: list[Id] = Field(default_factory=list, max_length=200, description="Person ids.")
    organisations: list[Id] = Field(
        default_factory=list, max_length=200, description="Organisation ids."
    )
    users: list[Id] = Field(default_factory=list, max_length=200, description="Member (user) ids.")
    partnership: Id | None = None
    subject: Text = Field("", max_length=300)
    summary: Text = Field("", max_length=20000)
    awaiting_reply: StrictBool = False
    reply_expected_by: IsoDate | None = None


class InteractionPatch(Input):
    channel: ChannelKey | None = None
    direction: DirectionKey | None = None
    occurred_at: AwareDatetime | None = None
    people: list[Id] | None = Field(None, max_length=200)
    organisations: list[Id] | None = Field(None, max_length=200)
    users: list[Id] | None = Field(None, max_length=200)
    partnership: Id | None = None
    subject: Text | None = Field(None, max_length=300)
    summary: Text | None = Field(None, max_length=20000)
    awaiting_reply: StrictBool | None = None
    reply_expected_by: IsoDate | None = None
    version: Version | None = Field(None, description=VERSION_HELP)


class Reason(Schema):
    code: str = Field(
        description="no_touchpoints, in_touch, silent, slowing, rhythm_broken, overdue_reply, "
        "we_owe_reply, cadence_broken or cadence_due."
    )
    text: str = Field(description="The reason in words, in the request's language.")
    details: dict = Field(description="The numbers behind it (days, names, counts).")


class HealthOut(Schema):
    subject: SubjectKey
    id: int
    name: str
    score: int | None = Field(description="0–100; null with no touchpoints yet.")
    alert: bool = Field(description="Gone quiet or overdue: needs attention.")
    alert_since: IsoDate | None
    last_contact_at: datetime | None
    last_heard_at: datetime | None = Field(description="Their last touchpoint to us.")
    their_median_reply_hours: float | None
    our_median_reply_hours: float | None
    touchpoints_90_days: int
    cadence_days: int | None = Field(description="Expected contact every N days.")
    overdue_replies: int
    reasons: list[Reason]
    computed_at: datetime | None


class HealthPage(Page):
    items: list[HealthOut]


class AlertFilters(PageParams):
    subject: SubjectKey | None = None


class CadenceIn(Input):
    days: Annotated[int, Strict()] | None = Field(
        None, ge=1, le=730, description="Expected contact every N days; null for the default."
    )


def health_out(subject: str, pk: int, name: str, row) -> dict:
    reasons = row.reasons if row is not None else [{"code": "no_touchpoints"}]
    return {
        "subject": subject,
        "id": pk,
        "name": name,
        "score": row.score if row else None,
        "alert": row.alert if row else False,
        "alert_since": row.alert_since if row else None,
        "last_contact_at": row.last_contact_at if row else None,
        "last_heard_at": row.last_heard_at if row else None,
        "their_median_reply_hours": row.their_median_reply_hours if row else None,
        "our_median_reply_hours": row.our_median_reply_hours if row else None,
        "touchpoints_90_days": row.touchpoints_90_days if row else 0,
        "cadence_days": row.cadence_days if row else None,
        "overdue_replies": row.overdue_replies if row else 0,
        "reasons": [
            {
                "code": r.get("code", ""),
                "text": health.describe(r),
                "details": {k: v for k, v in r.items() if k != "code"},
            }
            for r in reasons
        ],
        "computed_at": row.computed_at if row else None,
    }


__all__ = ["MAX_ID"]


# --- follow-up tasks ------------------------------------------------------------------------

RecurrenceKey = Literal["", "daily", "weekly", "monthly", "quarterly", "yearly"]


class TaskOut(Schema):
    id: int
    title: str
    notes: str
    assignee: UserRef | None
    due_date: IsoDate | None
    recurrence: str = Field(description="'' (does not repeat), daily, weekly, monthly, …")
    person: PersonRef | None
    organisation: NamedRef | None
    partnership: PartnershipRef | None
    interaction: int | None = Field(description="The interaction it follows up.")
    done_at: datetime | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_interaction(obj) -> int | None:
        return obj.interaction_id


class TaskPage(Page):
    items: list[TaskOut]


class TaskFilters(PageParams):
    assignee: QueryId | None = Field(None, description="A member's user id.")
    person: QueryId | None = None
    organisation: QueryId | None = None
    partnership: QueryId | None = None
    done: bool | None = Field(False, description="false: open (default); true: done; null: all.")
    overdue: bool = Field(False, description="Only open tasks past their date.")


class TaskIn(Input):
    title: Text = Field(max_length=300)
    notes: Text = Field("", max_length=10000)
    assignee: Id | None = Field(None, description="A member's user id.")
    due_date: IsoDate | None = None
    recurrence: RecurrenceKey = ""
    person: Id | None = None
    organisation: Id | None = None
    partnership: Id | None = None
    interaction: Id | None = None


class TaskPatch(Input):
    title: Text | None = Field(None, max_length=300)
    notes: Text | None = Field(None, max_length=10000)
    assignee: Id | None = None
    due_date: IsoDate | None = None
    recurrence: RecurrenceKey | None = None
    person: Id | None = None
    organisation: Id | None = None
    partnership: Id | None = None
    interaction: Id | None = None
    version: Version | None = Field(None, description=VERSION_HELP)


class TaskDone(Schema):
    task: TaskOut
    next: TaskOut | None = Field(description="The next occurrence of a repeating task.")
