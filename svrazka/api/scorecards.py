"""Selection scorecards over HTTP: scorecards and their weighted criteria, candidates scored on
them, the ranked comparison, the shortlist and attaching it to partnerships.

As in partnerships.py, every row is reached through the workspace of ``request.auth``: another
workspace's id in the path is 404, in a body 422. Writes need the "edit" right and go through
scorecards.services, so the pages and the API refuse the same things with the same messages.
A stale ``version`` is 409 with the current one.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import Strict

from svrazka.api.auth import require_edit
from svrazka.api.common import page as _page
from svrazka.api.common import referenced as _referenced
from svrazka.api.schemas import (
    MAX_ID,
    WRITE_ERRORS,
    Id,
    Input,
    Invalid,
    Message,
    Page,
    PageParams,
    Text,
)
from svrazka.contacts import selectors as contacts
from svrazka.partnerships import selectors as partnerships
from svrazka.scorecards import selectors, services
from svrazka.scorecards.models import MAX_SCORE, Assessment, Purpose, Scorecard, ShortlistLink

router = Router()

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Version = Annotated[int, Strict()]
StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]
PurposeKey = Literal[tuple(Purpose.values)]
READ_ERRORS = {401: Message, 404: Message}
LIST_ERRORS = {401: Message, 404: Message, 422: Invalid}
DELETED = {204: None, **WRITE_ERRORS}
VERSION_HELP = "The scorecard's version you started from; a stale one gives 409."
WEIGHT_HELP = 'More than 0, at most 100, two decimal places; a number or a string like "2.5".'
TAGS = ["Scorecards"]


# --- schemas --------------------------------------------------------------------------------


class CriterionIn(Input):
    name: Text
    guidance: Text | None = None
    weight: Decimal | None = Field(None, description=WEIGHT_HELP + " Default: 1.")


class CriterionCreate(CriterionIn):
    version: Version | None = Field(None, description=VERSION_HELP)


class CriterionPatch(Input):
    name: Text | None = None
    guidance: Text | None = None
    weight: Decimal | None = Field(None, description=WEIGHT_HELP)
    position: Annotated[int, Strict(), Field(ge=0, le=10_000)] | None = None
    version: Version | None = Field(None, description=VERSION_HELP)


class CriterionOut(Schema):
    id: int
    scorecard: int = Field(description="Scorecard id.")
    name: str
    guidance: str
    weight: float
    position: int

    @staticmethod
    def resolve_scorecard(obj) -> int:
        return obj.scorecard_id

    @staticmethod
    def resolve_weight(obj) -> float:
        return float(obj.weight)


class ScorecardIn(Input):
    name: Text
    purpose: PurposeKey = Field(
        "partner", description="partner, sponsor, supporter or facilitator."
    )
    description: Text | None = None
    min_score: Literal[0, 1] = Field(0, description="The lowest score: 0 (0–5) or 1 (1–5).")
    criteria: list[CriterionIn] = Field(default_factory=list, max_length=50)


class ScorecardPatch(Input):
    name: Text | None = None
    purpose: PurposeKey | None = None
    description: Text | None = None
    min_score: Literal[0, 1] | None = None
    version: Version | None = Field(None, description=VERSION_HELP)


class ScorecardOut(Schema):
    id: int
    name: str
    purpose: str
    purpose_title: str
    description: str
    min_score: int
    max_score: int
    default_key: str = Field(description='Which of the deck\'s default sets it came from, or "".')
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_purpose_title(obj) -> str:
        return str(obj.get_purpose_display())


class ScorecardDetail(ScorecardOut):
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj) -> list:
        return list(obj.criteria.order_by("position", "id"))


class ScorecardPage(Page):
    items: list[ScorecardOut]


class ScorecardFilters(PageParams):
    purpose: PurposeKey | None = None


class ScorecardList(Schema):
    items: list[ScorecardOut]


class CandidateRef(Schema):
    kind: str = Field(description="organisation or person.")
    id: int
    name: str


class ScoreItem(Input):
    criterion: Id = Field(description="Criterion id of this scorecard.")
    value: StrictInt | None = Field(
        description=f"A whole number from the scorecard's min_score to {MAX_SCORE}; null takes "
        "the score away."
    )
    note: Text | None = None


class ScoreOut(Schema):
    criterion: int
    value: int
    note: str


class AssessmentIn(Input):
    organisation: Id | None = Field(None, description="Organisation id of this workspace.")
    person: Id | None = Field(None, description="Person id of this workspace (or organisation).")
    scores: list[ScoreItem] = Field(default_factory=list, max_length=50)
    note: Text | None = None
    shortlisted: StrictBool = False


class AssessmentPatch(Input):
    scores: list[ScoreItem] = Field(
        default_factory=list, max_length=50, description="Only the criteria sent change."
    )
    note: Text | None = None
    version: Version | None = Field(
        None, description="The candidate's version you started from; a stale one gives 409."
    )


class ShortlistIn(Input):
    shortlisted: StrictBool | None = Field(None, description="Leave out to toggle.")


def _candidate(obj: Assessment) -> dict:
    return {"kind": obj.candidate_kind, "id": obj.candidate.pk, "name": obj.candidate_name}


def _decimal(value) -> float | None:
    return None if value is None else float(value)


class AssessmentOut(Schema):
    id: int
    scorecard: int
    candidate: CandidateRef
    total: float | None = Field(description="Weighted average of the scores given; null if none.")
    scored_count: int
    shortlisted: bool
    note: str
    scores: list[ScoreOut]
    assessed_by: str | None
    assessed_at: datetime | None
    version: int

    @staticmethod
    def resolve_scorecard(obj) -> int:
        return obj.scorecard_id

    @staticmethod
    def resolve_candidate(obj) -> dict:
        return _candidate(obj)

    @staticmethod
    def resolve_total(obj) -> float | None:
        return _decimal(obj.total)

    @staticmethod
    def resolve_scores(obj) -> list:
        return [
            {"criterion": s.criterion_id, "value": s.value, "note": s.note}
            for s in sorted(obj.scores.all(), key=lambda s: s.criterion_id)
        ]

    @staticmethod
    def resolve_assessed_by(obj) -> str | None:
        return str(obj.assessed_by) if obj.assessed_by_id else None


class AssessmentPage(Page):
    items: list[AssessmentOut]


class ComparisonScore(Schema):
    criterion: int
    value: int | None
    note: str


class ComparisonRowOut(Schema):
    rank: int | None = Field(description="1 is best; equal totals share a rank; null if unscored.")
    assessment: int
    candidate: CandidateRef
    total: float | None
    scored_count: int
    shortlisted: bool
    scores: list[ComparisonScore] = Field(description="One per criterion, in the criteria's order.")


class ComparisonOut(Schema):
    scorecard: ScorecardOut
    criteria: list[CriterionOut]
    candidates: list[ComparisonRowOut]


class ComparisonParams(Schema):
    shortlisted: bool = Field(False, description="Only the shortlisted candidates.")


class AttachIn(Input):
    partnership: Id = Field(description="Partnership id of this workspace.")


class PartnershipRef(Schema):
    id: int
    title: str
    phase: str


class LinkOut(Schema):
    scorecard: int
    partnership: PartnershipRef
    attached_at: datetime

    @staticmethod
    def resolve_scorecard(obj) -> int:
        return obj.scorecard_id


class LinkList(Schema):
    items: list[LinkOut]


class ShortlistRow(Schema):
    rank: int | None
    assessment: int
    candidate: CandidateRef
    total: float | None


class ShortlistGroupOut(Schema):
    scorecard: ScorecardOut
    candidates: list[ShortlistRow]


class ShortlistOut(Schema):
    partnership: PartnershipRef
    shortlists: list[ShortlistGroupOut]


# --- helpers --------------------------------------------------------------------------------


def _scorecard(request, pk: int) -> Scorecard:
    return selectors.get_scorecard(request.auth.workspace, pk)


def _assessment_out(pk: int) -> Assessment:
    return (
        Assessment.objects.select_related("organisation", "person", "assessed_by")
        .prefetch_related("scores")
        .get(pk=pk)
    )


def _scores(items: list[ScoreItem]) -> dict[int, services.ScoreIn]:
    return {
        item.criterion: services.ScoreIn(value=item.value, note=item.note or "") for item in items
    }


def _row(row) -> dict:
    a = row.assessment
    return {
        "rank": row.rank,
        "assessment": a.pk,
        "candidate": _candidate(a),
        "total": _decimal(a.total),
        "scored_count": a.scored_count,
        "shortlisted": a.shortlisted,
    }


# --- scorecards -----------------------------------------------------------------------------


@router.get(
    "/scorecards",
    response={200: ScorecardPage, 401: Message, 422: Invalid},
    summary="List scorecards",
    description="By name. Filter by `purpose`.",
    tags=TAGS,
)
def list_scorecards(request, params: Query[ScorecardFilters]):
    qs = Scorecard.objects.filter(workspace=request.auth.workspace)
    if params.purpose:
        qs = qs.filter(purpose=params.purpose)
    return _page(qs.order_by("name", "id"), params)


@router.post(
    "/scorecards",
    response={201: ScorecardDetail, **WRITE_ERRORS},
    summary="Create a scorecard",
    description="With its criteria, if given.",
    tags=TAGS,
)
def create_scorecard(request, payload: ScorecardIn):
    require_edit(request)
    data = payload.model_dump(exclude={"criteria"})
    data["description"] = data.get("description") or ""
    scorecard = services.scorecard_create(
        workspace=request.auth.workspace,
        actor=request.auth.user,
        data=data,
        criteria=[
            {
                "name": c.name,
                "guidance": c.guidance or "",
                "weight": 1 if c.weight is None else c.weight,
            }
            for c in payload.criteria
        ],
    )
    return Status(201, scorecard)


@router.post(
    "/scorecards/defaults",
    response={200: ScorecardList, **WRITE_ERRORS},
    summary="Create the deck's default scorecards",
    description="Those the workspace does not have yet (partner, sponsor, supporter or "
    "advocate, facilitator), in the request's language. Returns the ones created.",
    tags=TAGS,
)
def create_defaults(request):
    require_edit(request)
    created = services.create_default_scorecards(
        workspace=request.auth.workspace, actor=request.auth.user
    )
    return {"items": created}


@router.get(
    "/scorecards/{scorecard_id}",
    response={200: ScorecardDetail, **READ_ERRORS},
    summary="Get a scorecard",
    description="With its criteria and weights, in order.",
    tags=TAGS,
)
def get_scorecard(request, scorecard_id: PathId):
    return _scorecard(request, scorecard_id)


@router.patch(
    "/scorecards/{scorecard_id}",
    response={200: ScorecardDetail, **WRITE_ERRORS},
    summary="Change a scorecard",
    description="Only the fields sent change. Criteria change through their own endpoints.",
    tags=TAGS,
)
def update_scorecard(request, scorecard_id: PathId, payload: ScorecardPatch):
    require_edit(request)
    scorecard = _scorecard(request, scorecard_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    for name in ("name", "purpose", "min_score"):
        if name in data and data[name] is None:
            data.pop(name)
    if "description" in data and data["description"] is None:
        data["description"] = ""
    return services.scorecard_update(
        scorecard=scorecard, actor=request.auth.user, data=data, version=version
    )


@router.delete(
    "/scorecards/{scorecard_id}",
    response=DELETED,
    summary="Delete a scorecard",
    description="Its criteria, candidates, scores and partnership links go with it.",
    tags=TAGS,
)
def delete_scorecard(request, scorecard_id: PathId):
    require_edit(request)
    services.scorecard_delete(scorecard=_scorecard(request, scorecard_id), actor=request.auth.user)
    return Status(204, None)


# --- criteria -------------------------------------------------------------------------------


@router.post(
    "/scorecards/{scorecard_id}/criteria",
    response={201: CriterionOut, **WRITE_ERRORS},
    summary="Add a criterion",
    description="Last in order. The candidates' totals are recomputed.",
    tags=TAGS,
)
def add_criterion(request, scorecard_id: PathId, payload: CriterionCreate):
    require_edit(request)
    scorecard = _scorecard(request, scorecard_id)
    data = {"name": payload.name, "guidance": payload.guidance or ""}
    if payload.weight is not None:
        data["weight"] = payload.weight
    criterion = services.criterion_add(
        scorecard=scorecard, actor=request.auth.user, data=data, version=payload.version
    )
    return Status(201, criterion)


@router.get(
    "/scorecard-criteria/{criterion_id}",
    response={200: CriterionOut, **READ_ERRORS},
    summary="Get a criterion",
    tags=TAGS,
)
def get_criterion(request, criterion_id: PathId):
    return selectors.get_criterion(request.auth.workspace, criterion_id)


@router.patch(
    "/scorecard-criteria/{criterion_id}",
    response={200: CriterionOut, **WRITE_ERRORS},
    summary="Change a criterion",
    description="Only the fields sent change. A new weight recomputes the candidates' totals.",
    tags=TAGS,
)
def update_criterion(request, criterion_id: PathId, payload: CriterionPatch):
    require_edit(request)
    criterion = selectors.get_criterion(request.auth.workspace, criterion_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    if "guidance" in data and data["guidance"] is None:
        data["guidance"] = ""
    return services.criterion_update(
        criterion=criterion, actor=request.auth.user, data=data, version=version
    )


@router.delete(
    "/scorecard-criteria/{criterion_id}",
    response=DELETED,
    summary="Delete a criterion",
    description="The scores given on it go with it; the candidates' totals are recomputed.",
    tags=TAGS,
)
def delete_criterion(request, criterion_id: PathId):
    require_edit(request)
    criterion = selectors.get_criterion(request.auth.workspace, criterion_id)
    services.criterion_delete(criterion=criterion, actor=request.auth.user)
    return Status(204, None)


# --- candidates -----------------------------------------------------------------------------


@router.get(
    "/scorecards/{scorecard_id}/assessments",
    response={200: AssessmentPage, **LIST_ERRORS},
    summary="List a scorecard's candidates",
    description="Best weighted total first; unscored last.",
    tags=TAGS,
)
def list_assessments(request, scorecard_id: PathId, params: Query[PageParams]):
    scorecard = _scorecard(request, scorecard_id)
    return _page(selectors.assessments_of(scorecard), params, prefetch=("scores",))


@router.post(
    "/scorecards/{scorecard_id}/assessments",
    response={201: AssessmentOut, **WRITE_ERRORS},
    summary="Score a candidate",
    description="An organisation or a person of the workspace, once per scorecard, scored on "
    "some or all of the criteria.",
    tags=TAGS,
)
def create_assessment(request, scorecard_id: PathId, payload: AssessmentIn):
    require_edit(request)
    workspace = request.auth.workspace
    scorecard = _scorecard(request, scorecard_id)
    assessment = services.assessment_create(
        scorecard=scorecard,
        actor=request.auth.user,
        organisation=_referenced(
            contacts.get_organisation, workspace, payload.organisation, "organisation"
        ),
        person=_referenced(contacts.get_person, workspace, payload.person, "person"),
        scores=_scores(payload.scores),
        note=payload.note or "",
        shortlisted=payload.shortlisted,
    )
    return Status(201, _assessment_out(assessment.pk))


@router.get(
    "/scorecard-assessments/{assessment_id}",
    response={200: AssessmentOut, **READ_ERRORS},
    summary="Get a candidate's scores",
    tags=TAGS,
)
def get_assessment(request, assessment_id: PathId):
    return _assessment_out(selectors.get_assessment(request.auth.workspace, assessment_id).pk)


@router.patch(
    "/scorecard-assessments/{assessment_id}",
    response={200: AssessmentOut, **WRITE_ERRORS},
    summary="Change a candidate's scores",
    description="Only the criteria sent change; `value: null` takes a score away.",
    tags=TAGS,
)
def update_assessment(request, assessment_id: PathId, payload: AssessmentPatch):
    require_edit(request)
    assessment = selectors.get_assessment(request.auth.workspace, assessment_id)
    sent = payload.model_fields_set
    services.assessment_score(
        assessment=assessment,
        actor=request.auth.user,
        scores=_scores(payload.scores),
        note=(payload.note or "") if "note" in sent else None,
        version=payload.version,
    )
    return _assessment_out(assessment.pk)


@router.delete(
    "/scorecard-assessments/{assessment_id}",
    response=DELETED,
    summary="Remove a candidate",
    description="With their scores on this scorecard.",
    tags=TAGS,
)
def delete_assessment(request, assessment_id: PathId):
    require_edit(request)
    assessment = selectors.get_assessment(request.auth.workspace, assessment_id)
    services.assessment_delete(assessment=assessment, actor=request.auth.user)
    return Status(204, None)


@router.post(
    "/scorecard-assessments/{assessment_id}/shortlist",
    response={200: AssessmentOut, **WRITE_ERRORS},
    summary="Shortlist a candidate, or take them off",
    description="`shortlisted: true` or `false`; leave it out to toggle.",
    tags=TAGS,
)
def shortlist_assessment(request, assessment_id: PathId, payload: ShortlistIn):
    require_edit(request)
    assessment = selectors.get_assessment(request.auth.workspace, assessment_id)
    wanted = not assessment.shortlisted if payload.shortlisted is None else payload.shortlisted
    services.assessment_shortlist(
        assessment=assessment, actor=request.auth.user, shortlisted=wanted
    )
    return _assessment_out(assessment.pk)


# --- the comparison -------------------------------------------------------------------------


@router.get(
    "/scorecards/{scorecard_id}/comparison",
    response={200: ComparisonOut, **LIST_ERRORS},
    summary="Compare the candidates",
    description="Ranked best first, with each criterion's score and the weighted total. "
    "Ranks are among all candidates, also with `shortlisted=true`.",
    tags=TAGS,
)
def comparison(request, scorecard_id: PathId, params: Query[ComparisonParams]):
    scorecard = _scorecard(request, scorecard_id)
    table = selectors.comparison(scorecard, shortlisted_only=params.shortlisted)
    return {
        "scorecard": scorecard,
        "criteria": table.criteria,
        "candidates": [
            {
                **_row(row),
                "scores": [
                    {
                        "criterion": c.pk,
                        "value": s.value if s else None,
                        "note": s.note if s else "",
                    }
                    for c, s in zip(table.criteria, row.scores, strict=True)
                ],
            }
            for row in table.rows
        ],
    }


# --- the shortlist on partnerships ----------------------------------------------------------


def _links(scorecard) -> dict:
    return {"items": list(selectors.shortlists_attached(scorecard))}


@router.get(
    "/scorecards/{scorecard_id}/partnerships",
    response={200: LinkList, **READ_ERRORS},
    summary="Partnerships the shortlist is attached to",
    tags=TAGS,
)
def list_links(request, scorecard_id: PathId):
    return _links(_scorecard(request, scorecard_id))


@router.post(
    "/scorecards/{scorecard_id}/partnerships",
    response={201: LinkOut, **WRITE_ERRORS},
    summary="Attach the shortlist to a partnership",
    description='It then shows on the partnership in its "before" phase, as it is now.',
    tags=TAGS,
)
def attach(request, scorecard_id: PathId, payload: AttachIn):
    require_edit(request)
    workspace = request.auth.workspace
    scorecard = _scorecard(request, scorecard_id)
    partnership = _referenced(
        partnerships.get_partnership, workspace, payload.partnership, "partnership"
    )
    link = services.shortlist_attach(
        scorecard=scorecard, partnership=partnership, actor=request.auth.user
    )
    return Status(201, ShortlistLink.objects.select_related("partnership").get(pk=link.pk))


@router.delete(
    "/scorecards/{scorecard_id}/partnerships/{partnership_id}",
    response=DELETED,
    summary="Detach the shortlist from a partnership",
    tags=TAGS,
)
def detach(request, scorecard_id: PathId, partnership_id: PathId):
    require_edit(request)
    workspace = request.auth.workspace
    scorecard = _scorecard(request, scorecard_id)
    partnership = partnerships.get_partnership(workspace, partnership_id)
    if not ShortlistLink.objects.filter(scorecard=scorecard, partnership=partnership).exists():
        return Status(404, {"detail": _("This shortlist is not attached to that partnership.")})
    services.shortlist_detach(scorecard=scorecard, partnership=partnership, actor=request.auth.user)
    return Status(204, None)


@router.get(
    "/partnerships/{partnership_id}/shortlist",
    response={200: ShortlistOut, **READ_ERRORS},
    summary="A partnership's shortlists",
    description="The shortlists attached to the partnership, as its page shows them in the "
    '"before" phase: per scorecard, the candidates shortlisted now, best first.',
    tags=TAGS,
)
def partnership_shortlist(request, partnership_id: PathId):
    partnership = partnerships.get_partnership(request.auth.workspace, partnership_id)
    return {
        "partnership": partnership,
        "shortlists": [
            {"scorecard": group.scorecard, "candidates": [_row(r) for r in group.rows]}
            for group in selectors.shortlist_for(partnership)
        ],
    }
