"""What the partnership endpoints accept and return.

As in schemas.py, inputs forbid unknown fields and wrong types (422) and leave lengths, choices
and the rules between fields to partnerships.services (``full_clean`` and friends), so the web
pages and the API refuse the same things with the same messages.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import get_language
from ninja import Field, Schema
from pydantic import Strict

from svrazka.api.schemas import (
    MAX_QUERY_LENGTH,
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
from svrazka.partnerships import practice
from svrazka.partnerships.models import PartnershipForm, PartnershipStatus, Phase
from svrazka.partnerships.selectors import PARTNERSHIP_SORTS

PartnershipSort = Literal[tuple(PARTNERSHIP_SORTS)]
FormKey = Literal[tuple(PartnershipForm.values)]
StatusKey = Literal[tuple(PartnershipStatus.values)]
PhaseKey = Literal[tuple(Phase.values)]
StepKey = Literal[tuple(s.key for s in practice.STEPS)]
Version = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]

STEP_KEYS = ", ".join(s.key for s in practice.STEPS)
FORM_KEYS = ", ".join(PartnershipForm.values)
VERSION_HELP = "The version you started from; a stale one gives 409."
MONEY_HELP = 'A non-negative decimal with at most 2 places, e.g. "1500.00"; returned as a string.'


def _step_title(key: str) -> str:
    step = practice.step_or_none(key)
    return step.title(get_language() or "en") if step else ""


# --- references -----------------------------------------------------------------------------


class UserRef(Schema):
    """A member of the workspace (our side)."""

    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class PartnerRef(Schema):
    id: int
    name: str = Field(description="The partner organisation's name.")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.organisation.name


class ProjectRef(Schema):
    id: int
    title: str


class Progress(Schema):
    done: int
    total: int


class StepProgress(Progress):
    step: str
    phase: str
    title: str


class ChecklistSummary(Progress):
    steps: list[StepProgress] = Field(description="Every step of the flow, in order.")


# --- list parameters ------------------------------------------------------------------------


class PartnershipFilters(PageParams):
    q: Text = Field("", max_length=MAX_QUERY_LENGTH, description="Words in the title or the goals.")
    form: FormKey | None = Field(None, description="Form of partnership.")
    status: StatusKey | None = None
    phase: PhaseKey | None = Field(None, description="Phase of the flow.")
    organisation: QueryId | None = Field(None, description="Has this organisation as a partner.")
    liaison: QueryId | None = Field(None, description="Our liaison's user id.")
    sort: PartnershipSort = "-updated"


class ChecklistFilters(PageParams):
    step: StepKey | None = Field(None, description="Only the items of this step.")


# --- partnerships ---------------------------------------------------------------------------


class PartnershipIn(Input):
    title: Text
    form: Text | None = Field(None, description=f"One of {FORM_KEYS}. Default: formal.")
    status: Text | None = Field(
        None, description="exploring, negotiating, active, on_hold, completed or ended."
    )
    goals: Text | None = None
    description: Text | None = None
    liaison: Id | None = Field(None, description="Our liaison: a user id of this workspace.")
    facilitator: Id | None = Field(None, description="A person id of this workspace.")
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None


class PartnershipPatch(PartnershipIn):
    title: Text | None = None
    version: Version | None = Field(None, description=VERSION_HELP)


class MoveIn(Input):
    step: Text = Field(description=f"A step of the flow: {STEP_KEYS}.")
    before: Id | None = Field(
        None, description="Put it before this partnership in the step's column; else last."
    )


class PartnershipOut(Schema):
    id: int
    title: str
    form: str
    status: str
    goals: str
    description: str
    step: str = Field(description="Key of the step of the flow it is at.")
    step_title: str
    phase: str
    board_position: int
    liaison: UserRef | None
    facilitator: PersonRef | None
    start_date: date | None
    end_date: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_step_title(obj) -> str:
        return _step_title(obj.step)


class PartnerBrief(Schema):
    id: int
    organisation: NamedRef
    role: str


class PartnershipListItem(PartnershipOut):
    partners: list[PartnerBrief]
    checklist: Progress

    @staticmethod
    def resolve_checklist(obj) -> dict:
        return obj.api_progress


class PartnershipPage(Page):
    items: list[PartnershipListItem]


# --- partners -------------------------------------------------------------------------------


class PartnerIn(Input):
    organisation: Id = Field(description="Organisation id of this workspace.")
    role: Text | None = Field(
        None, description="lead, partner, associate, sponsor or media_partner. Default: partner."
    )
    liaison: Id | None = Field(
        None, description="Their liaison: a person affiliated with the organisation."
    )
    joined_on: IsoDate | None = None


class PartnerPatch(Input):
    role: Text | None = None
    liaison: Id | None = Field(None, description="A person affiliated with the organisation.")


class PartnerOut(Schema):
    id: int
    partnership: int
    organisation: NamedRef
    role: str
    liaison: PersonRef | None
    joined_on: date | None
    created_at: datetime

    @staticmethod
    def resolve_partnership(obj) -> int:
        return obj.partnership_id


class PartnerPage(Page):
    items: list[PartnerOut]


# --- duties ---------------------------------------------------------------------------------


class DutyIn(Input):
    description: Text
    partner: Id | None = Field(None, description="On whose behalf: a partner id of this one.")
    person: Id | None = Field(
        None, description="Who does it: a person id (affiliated with the partner, if given)."
    )
    user: Id | None = Field(None, description="Or one of our team: a user id of this workspace.")
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None


class DutyOut(Schema):
    id: int
    partnership: int
    description: str
    partner: PartnerRef | None
    person: PersonRef | None
    user: UserRef | None
    start_date: date | None
    end_date: date | None

    @staticmethod
    def resolve_partnership(obj) -> int:
        return obj.partnership_id


class DutyPage(Page):
    items: list[DutyOut]


# --- checklist ------------------------------------------------------------------------------


class ChecklistItemIn(Input):
    step: Text = Field(description=f"A step of the flow: {STEP_KEYS}.")
    title: Text
    due_date: IsoDate | None = None


class ChecklistItemPatch(Input):
    done: StrictBool


class ChecklistItemOut(Schema):
    id: int
    partnership: int
    step: str
    position: int
    title: str
    title_bg: str = Field(description="The Bulgarian title of a default item; else empty.")
    hint: str
    hint_bg: str
    due_date: date | None
    done: bool
    done_at: datetime | None
    done_by: UserRef | None

    @staticmethod
    def resolve_partnership(obj) -> int:
        return obj.partnership_id

    @staticmethod
    def resolve_done(obj) -> bool:
        return obj.is_done


class ChecklistPage(Page):
    items: list[ChecklistItemOut]


# --- joint projects -------------------------------------------------------------------------


class ProjectIn(Input):
    title: Text
    programme: Text | None = Field(None, description="E.g. Erasmus+ KA2.")
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    budget: Decimal | None = Field(None, description=MONEY_HELP)
    currency: Text | None = Field(None, description="ISO 4217 code; default EUR.")
    status: Text | None = Field(
        None, description="idea, applied, approved, rejected, running or completed."
    )


class ProjectPatch(ProjectIn):
    title: Text | None = None


class ProjectOut(Schema):
    id: int
    partnership: int
    title: str
    programme: str
    start_date: date | None
    end_date: date | None
    budget: Decimal | None = Field(description=MONEY_HELP)
    currency: str
    status: str
    created_at: datetime

    @staticmethod
    def resolve_partnership(obj) -> int:
        return obj.partnership_id


class ProjectPage(Page):
    items: list[ProjectOut]


# --- resources ------------------------------------------------------------------------------


class ResourceIn(Input):
    kind: Text | None = Field(None, description="cash, in_kind or staff_time. Default: cash.")
    description: Text
    amount: Decimal | None = Field(None, description=MONEY_HELP)
    currency: Text | None = Field(None, description="ISO 4217 code; default EUR.")
    source: Id | None = Field(None, description="From whom: an organisation id.")
    received_on: IsoDate | None = None
    project: Id | None = Field(None, description="A joint project of this partnership.")


class ResourceOut(Schema):
    id: int
    partnership: int
    project: ProjectRef | None
    kind: str
    description: str
    amount: Decimal | None = Field(description=MONEY_HELP)
    currency: str
    source: NamedRef | None
    received_on: date | None

    @staticmethod
    def resolve_partnership(obj) -> int:
        return obj.partnership_id


class ResourcePage(Page):
    items: list[ResourceOut]


# --- the partnership with what hangs on it --------------------------------------------------


class PartnershipDetail(PartnershipOut):
    partners: list[PartnerOut]
    duties: list[DutyOut]
    checklist: ChecklistSummary

    @staticmethod
    def resolve_checklist(obj) -> dict:
        return obj.api_checklist
