"""What the agreement and evaluation endpoints accept and return.

As in schemas.py and partnership_schemas.py, inputs forbid unknown fields and wrong types (422)
and leave lengths, choices and the rules between fields to partnerships.agreements and
partnerships.evaluations, so the web pages and the API refuse the same things with the same
messages. The one addition: the keys of an evaluation's answers and ratings are checked here,
where the services would silently drop an unknown one.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import Strict

from svrazka.api.partnership_schemas import UserRef
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
from svrazka.partnerships import agreements, evaluations
from svrazka.partnerships.models import AgreementStatus

StatusKey = Literal[tuple(AgreementStatus.values)]
QuestionKey = Literal[tuple(evaluations.QUESTION_KEYS)]
RatingKey = Literal[tuple(evaluations.RATING_KEYS)]
LinkState = Literal["open", "used", "revoked", "expired"]
StrictInt = Annotated[int, Strict()]
VersionNumber = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]

PART_KEYS = ", ".join(p.key for p in agreements.parts())
KINDS = ", ".join(agreements.CONTRIBUTION_KINDS)
QUESTION_KEYS = ", ".join(evaluations.QUESTION_KEYS)
RATING_KEYS = ", ".join(evaluations.RATING_KEYS)
STATUS_HELP = (
    "draft → sent or signed; sent → draft or signed; signed → expired. Signing needs "
    "`signed_on` (or a date already recorded) and a signatory for every party."
)
BY_ORGANISATION = "Keyed by the organisation id of a party (as a string)."


# --- agreements -----------------------------------------------------------------------------


class AgreementFilters(PageParams):
    status: StatusKey | None = None


class AgreementIn(Input):
    title: Text | None = Field(
        None, description="Default: “Partnership agreement – <partnership title>”."
    )
    language: Text | None = Field(
        None, description="Language of the document: bg or en. Default: the request's language."
    )
    start_date: IsoDate | None = Field(None, description="Default: the partnership's start.")
    end_date: IsoDate | None = Field(None, description="Default: the partnership's end.")
    remind_days_before: StrictInt | None = Field(
        None, description="0–365 days before the end a reminder goes out. Default: 30."
    )


class AgreementPatch(Input):
    title: Text | None = None
    language: Text | None = Field(None, description="bg or en.")
    start_date: IsoDate | None = Field(None, description="null clears it.")
    end_date: IsoDate | None = Field(None, description="null clears it.")
    remind_days_before: StrictInt | None = Field(None, description="0–365.")
    status: Text | None = Field(None, description=STATUS_HELP)
    signed_on: IsoDate | None = Field(None, description="With `status: signed`: when.")
    base_version: VersionNumber | None = Field(
        None,
        description="The text version you started from; when a newer one exists, nothing "
        "changes and the answer is 409. Without it, the latest is assumed.",
    )


class PartyOut(Schema):
    id: int = Field(description="The partner's id (see /partners/{id}).")
    organisation: NamedRef
    role: str


class SignatoryIn(Input):
    person: Id = Field(description="A person id; they must be affiliated with a party.")
    organisation: Id | None = Field(
        None, description="The party they sign for. Default: the party they are affiliated with."
    )
    position: Text | None = Field(None, description="Default: the affiliation's position.")
    signed_on: IsoDate | None = None


class SignatoryOut(Schema):
    id: int
    agreement: int
    person: PersonRef
    organisation: NamedRef
    position: str
    signed_on: date | None

    @staticmethod
    def resolve_agreement(obj) -> int:
        return obj.agreement_id


class SignatoryPage(Page):
    items: list[SignatoryOut]


class ContributionIn(Input):
    cash: Text | None = None
    in_kind: Text | None = None
    staff_time: Text | None = None


class VersionIn(Input):
    base_version: VersionNumber = Field(
        description="The number of the version you started from; when a newer one exists, "
        "nothing is saved and the answer is 409 with `current_version`."
    )
    common_goals: Text | None = None
    responsibilities: dict[str, Text] | None = Field(None, description=BY_ORGANISATION)
    contributions: dict[str, ContributionIn] | None = Field(
        None, description=f"{BY_ORGANISATION} Each gives any of {KINDS}."
    )
    period: Text | None = None
    mechanism: Text | None = None
    benefits: Text | None = None
    note: Text | None = Field(None, description="What changed, at most 300 characters.")


class VersionBrief(Schema):
    number: int
    note: str
    created_by: UserRef | None
    created_at: datetime


class VersionPage(Page):
    items: list[VersionBrief]


class VersionOut(VersionBrief):
    common_goals: str
    responsibilities: dict[str, str] = Field(description=BY_ORGANISATION)
    contributions: dict[str, dict[str, str]] = Field(
        description=f"{BY_ORGANISATION} Each has {KINDS}."
    )
    period: str
    mechanism: str
    benefits: str


class PartOut(Schema):
    number: int
    key: str
    title: str
    hint: str


class AgreementOut(Schema):
    id: int
    partnership: int
    title: str
    language: str
    status: str
    start_date: date | None
    end_date: date | None
    remind_days_before: int
    signed_on: date | None
    has_scan: bool = Field(description="A signed scan is kept: GET /agreements/{id}/scan.")
    current_version: int | None = Field(description="Number of the latest text version.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_partnership(obj) -> int:
        return obj.partnership_id

    @staticmethod
    def resolve_has_scan(obj) -> bool:
        return bool(obj.signed_scan)


class AgreementPage(Page):
    items: list[AgreementOut]


class AgreementDetail(AgreementOut):
    next_statuses: list[str] = Field(description="The statuses it may move to now.")
    editable: bool = Field(description="Draft or sent: text and signatories may change.")
    parties: list[PartyOut] = Field(description="The partnership's partners.")
    signatories: list[SignatoryOut]
    parts: list[PartOut] = Field(description=f"The six parts, in order: {PART_KEYS}.")
    text: VersionOut | None = Field(description="The current version, in the six parts.")

    @staticmethod
    def resolve_signatories(obj) -> list:
        return obj.api_signatories


class DocumentParams(Schema):
    version: QueryId | None = Field(None, description="A version number; default the latest.")


# --- evaluations ----------------------------------------------------------------------------


class EvaluationFilters(PageParams):
    side: Literal["us", "partners"] | None = Field(None, description="Only ours or theirs.")


class EvaluationIn(Input):
    answers: dict[QuestionKey, Text] = Field(
        default_factory=dict, description=f"Free text by question: {QUESTION_KEYS}."
    )
    ratings: dict[RatingKey, StrictInt] = Field(
        default_factory=dict, description=f"1–5 by rating: {RATING_KEYS}."
    )
    respondent_name: Text | None = Field(None, description="Default: the token's user.")


class EvaluationOut(Schema):
    id: int
    partnership: int
    side: Literal["us", "partner"]
    organisation: NamedRef | None = Field(description="The partner who answered; null for us.")
    respondent_name: str
    answers: dict[str, str]
    ratings: dict[str, int]
    submitted_by: UserRef | None = Field(description="Our member who filled it in.")
    submitted_at: datetime

    @staticmethod
    def resolve_partnership(obj) -> int:
        return obj.partnership_id

    @staticmethod
    def resolve_side(obj) -> str:
        return "us" if obj.organisation_id is None else "partner"


class EvaluationPage(Page):
    items: list[EvaluationOut]


class ResultSide(Schema):
    label: str
    organisation: NamedRef | None = Field(description="null for us.")
    evaluations: list[int] = Field(description="Ids of this side's evaluations.")
    averages: dict[str, float | None] = Field(description="Average of each rating.")


class ResultAnswer(Schema):
    evaluation: int
    respondent: str
    text: str


class ResultQuestion(Schema):
    key: str
    text: str
    answers: list[list[ResultAnswer]] = Field(description="One list per side, as `sides`.")


class ResultRating(Schema):
    key: str
    name: str
    text: str
    averages: list[float | None] = Field(description="One per side, as `sides`.")
    average: float | None = Field(description="Over all evaluations.")


class EvaluationResults(Schema):
    count: int = Field(description="Evaluations in all.")
    sides: list[ResultSide] = Field(description="Us first, then each partner.")
    questions: list[ResultQuestion]
    ratings: list[ResultRating]
    summary: list[str] = Field(description="Where the sides agree and differ, in sentences.")


# --- evaluation links -----------------------------------------------------------------------


class LinkFilters(PageParams):
    state: LinkState | None = None


class LinkIn(Input):
    organisation: Id = Field(description="A partner organisation of this partnership.")
    person: Id | None = Field(
        None, description="Their person to email it to (affiliated with the organisation)."
    )
    email: Text | None = Field(
        None, description="An address to email it to; with `person`, one of theirs."
    )
    days: StrictInt | None = Field(None, description="Valid for 1–90 days. Default: 14.")


class LinkOut(Schema):
    id: int
    partnership: int
    organisation: NamedRef
    person: PersonRef | None
    email: str
    state: LinkState
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    evaluation: int | None = Field(description="The evaluation given through it.")
    created_by: UserRef | None
    created_at: datetime

    @staticmethod
    def resolve_partnership(obj) -> int:
        return obj.partnership_id

    @staticmethod
    def resolve_evaluation(obj) -> int | None:
        return obj.evaluation_id

    @staticmethod
    def resolve_state(obj) -> str:
        if obj.used_at is not None:
            return "used"
        if obj.revoked_at is not None:
            return "revoked"
        return "open" if obj.is_open else "expired"


class LinkCreated(LinkOut):
    link: str = Field(
        description="The private link. Shown only in this answer: only a hash of it is kept."
    )


class LinkPage(Page):
    items: list[LinkOut]
