"""Evaluations of partnerships over HTTP: ours, the results that compare the sides, and the
private links through which partners evaluate without an account.

As elsewhere in the API, rows are reached only through the workspace of ``request.auth``;
writes need the "edit" right and go through partnerships.evaluations with the token's user as
the actor. A link's secret is in the answer to its creation only: only a hash of it is stored.
"""

from typing import Annotated

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Path, Query, Router, Status

from svrazka.api.agreement_schemas import (
    EvaluationFilters,
    EvaluationIn,
    EvaluationOut,
    EvaluationPage,
    EvaluationResults,
    LinkCreated,
    LinkFilters,
    LinkIn,
    LinkOut,
    LinkPage,
)
from svrazka.api.auth import require_edit
from svrazka.api.common import page as _page
from svrazka.api.common import referenced as _referenced
from svrazka.api.schemas import MAX_ID, WRITE_ERRORS, Invalid, Message
from svrazka.contacts import selectors as contacts
from svrazka.partnerships import evaluations, practice
from svrazka.partnerships.models import Evaluation, EvaluationInvite
from svrazka.partnerships.selectors import get_partnership

router = Router()

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
READ_ERRORS = {401: Message, 404: Message}
LIST_ERRORS = {401: Message, 404: Message, 422: Invalid}


# --- helpers --------------------------------------------------------------------------------


def _evaluation_rows() -> QuerySet[Evaluation]:
    return Evaluation.objects.select_related("organisation", "submitted_by")


def _link_rows() -> QuerySet[EvaluationInvite]:
    return EvaluationInvite.objects.select_related("organisation", "person", "created_by")


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


# --- evaluations ----------------------------------------------------------------------------


@router.get(
    "/partnerships/{partnership_id}/evaluations",
    response={200: EvaluationPage, **LIST_ERRORS},
    summary="List a partnership's evaluations",
    description="Ours and the partners', in the order they were given.",
    tags=["Evaluations"],
)
def list_evaluations(request, partnership_id: PathId, params: Query[EvaluationFilters]):
    partnership = get_partnership(request.auth.workspace, partnership_id)
    queryset = _evaluation_rows().filter(workspace=request.auth.workspace, partnership=partnership)
    if params.side == "us":
        queryset = queryset.filter(organisation__isnull=True)
    elif params.side == "partners":
        queryset = queryset.filter(organisation__isnull=False)
    return _page(queryset.order_by("submitted_at", "id"), params)


@router.post(
    "/partnerships/{partnership_id}/evaluations",
    response={201: EvaluationOut, **WRITE_ERRORS},
    summary="Give our evaluation",
    description="Answers to the evaluation questions and ratings from 1 to 5, each optional "
    "but at least one of them. An unknown question or rating, a rating outside 1–5 or an "
    "empty evaluation is 422. Partners evaluate through an evaluation link.",
    tags=["Evaluations"],
)
def create_evaluation(request, partnership_id: PathId, payload: EvaluationIn):
    require_edit(request)
    partnership = get_partnership(request.auth.workspace, partnership_id)
    evaluation = evaluations.evaluation_submit_ours(
        partnership=partnership,
        actor=request.auth.user,
        answers=dict(payload.answers),
        ratings=dict(payload.ratings),
        respondent_name=payload.respondent_name or "",
    )
    return Status(201, _evaluation_rows().get(pk=evaluation.pk))


@router.get(
    "/evaluations/{evaluation_id}",
    response={200: EvaluationOut, **READ_ERRORS},
    summary="Get an evaluation",
    tags=["Evaluations"],
)
def get_evaluation(request, evaluation_id: PathId):
    return evaluations.get_evaluation(request.auth.workspace, evaluation_id)


@router.get(
    "/partnerships/{partnership_id}/evaluation-results",
    response={200: EvaluationResults, **READ_ERRORS},
    summary="Compare the sides' evaluations",
    description="What the results page shows: us and each partner side by side, the answers "
    "to each question and the average of each rating per side, and a few sentences on where "
    "the sides agree and differ. Texts follow the request's language.",
    tags=["Evaluations"],
)
def evaluation_results(request, partnership_id: PathId):
    partnership = get_partnership(request.auth.workspace, partnership_id)
    language = get_language() or "en"
    results = evaluations.evaluation_results(partnership=partnership, language=language)
    every = [e for side in results.sides for e in side.evaluations]
    return {
        "count": results.count,
        "sides": [
            {
                "label": side.label,
                "organisation": side.organisation,
                "evaluations": [e.pk for e in side.evaluations],
                "averages": {
                    key: None if value is None else round(value, 2)
                    for key, value in side.averages.items()
                },
            }
            for side in results.sides
        ],
        "questions": [
            {
                "key": question.key,
                "text": question.text(language),
                "answers": [
                    [
                        {"evaluation": e.pk, "respondent": e.respondent_name, "text": text}
                        for e in side.evaluations
                        if (text := e.answers.get(question.key))
                    ]
                    for side in results.sides
                ],
            }
            for question in practice.EVALUATION_QUESTIONS
        ],
        "ratings": [
            {
                "key": rating["key"],
                "name": str(rating["name"]),
                "text": rating["text"],
                "averages": [
                    None
                    if side.averages.get(rating["key"]) is None
                    else round(side.averages[rating["key"]], 2)
                    for side in results.sides
                ],
                "average": _average(
                    [e.ratings[rating["key"]] for e in every if rating["key"] in e.ratings]
                ),
            }
            for rating in results.ratings
        ],
        "summary": [str(sentence) for sentence in results.summary],
    }


# --- evaluation links -----------------------------------------------------------------------


@router.get(
    "/partnerships/{partnership_id}/evaluation-links",
    response={200: LinkPage, **LIST_ERRORS},
    summary="List a partnership's evaluation links",
    description="Newest first, with their state; never the link itself (it is shown once, "
    "when created).",
    tags=["Evaluation links"],
)
def list_links(request, partnership_id: PathId, params: Query[LinkFilters]):
    partnership = get_partnership(request.auth.workspace, partnership_id)
    queryset = _link_rows().filter(workspace=request.auth.workspace, partnership=partnership)
    now = timezone.now()
    unclaimed = Q(used_at__isnull=True, revoked_at__isnull=True)
    if params.state == "open":
        queryset = queryset.filter(unclaimed, expires_at__gt=now)
    elif params.state == "used":
        queryset = queryset.filter(used_at__isnull=False)
    elif params.state == "revoked":
        queryset = queryset.filter(used_at__isnull=True, revoked_at__isnull=False)
    elif params.state == "expired":
        queryset = queryset.filter(unclaimed, expires_at__lte=now)
    return _page(queryset.order_by("-created_at", "-id"), params)


@router.post(
    "/partnerships/{partnership_id}/evaluation-links",
    response={201: LinkCreated, **WRITE_ERRORS},
    summary="Create an evaluation link for a partner",
    description="A private link through which a partner organisation evaluates the "
    "partnership without an account; it works once and expires after `days`. With `person` "
    "(affiliated with the organisation) or `email`, it is emailed too. The link is in this "
    "answer only: keep it or pass it on now.",
    tags=["Evaluation links"],
)
def create_link(request, partnership_id: PathId, payload: LinkIn):
    require_edit(request)
    workspace = request.auth.workspace
    partnership = get_partnership(workspace, partnership_id)
    invite, link = evaluations.evaluation_invite_create(
        partnership=partnership,
        actor=request.auth.user,
        organisation=_referenced(
            contacts.get_organisation, workspace, payload.organisation, "organisation"
        ),
        person=_referenced(contacts.get_person, workspace, payload.person, "person"),
        email=payload.email or "",
        days=evaluations.INVITE_DAYS_DEFAULT if payload.days is None else payload.days,
    )
    row = _link_rows().get(pk=invite.pk)
    row.link = link
    return Status(201, row)


@router.post(
    "/evaluation-links/{link_id}/revoke",
    response={200: LinkOut, **WRITE_ERRORS},
    summary="Withdraw an evaluation link",
    description="An open link stops working at once. A used or expired one stays as it is; "
    "the answer shows its state.",
    tags=["Evaluation links"],
)
def revoke_link(request, link_id: PathId):
    require_edit(request)
    invite = evaluations.get_invite(request.auth.workspace, link_id)
    evaluations.evaluation_invite_revoke(invite=invite, actor=request.auth.user)
    return _link_rows().get(pk=invite.pk)
