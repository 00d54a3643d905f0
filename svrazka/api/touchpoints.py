"""Touchpoints over HTTP: interactions, relationship health and cadences.

Every row is reached through the workspace of ``request.auth``: another workspace's id in the
path is 404, in a body 422. Writes need the "edit" right and go through touchpoints.services
with the token's user as the actor.
"""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from svrazka.accounts.models import User
from svrazka.api.auth import require_edit
from svrazka.api.common import member as _member_of
from svrazka.api.common import page as _page
from svrazka.api.common import referenced as _referenced
from svrazka.api.schemas import MAX_ID, WRITE_ERRORS, Invalid, Message
from svrazka.api.touchpoint_schemas import (
    AlertFilters,
    CadenceIn,
    HealthOut,
    HealthPage,
    InteractionFilters,
    InteractionIn,
    InteractionOut,
    InteractionPage,
    InteractionPatch,
    SubjectKey,
    TaskDone,
    TaskFilters,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
    health_out,
)
from svrazka.contacts import selectors as contacts
from svrazka.contacts.models import Organisation, Person
from svrazka.partnerships import selectors as partnerships
from svrazka.touchpoints import followups, health, selectors, services
from svrazka.touchpoints.models import (
    Health,
    Interaction,
    InteractionOrganisation,
    InteractionPerson,
    Task,
)

router = Router()

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
READ_ERRORS = {401: Message, 404: Message}
LIST_ERRORS = {401: Message, 404: Message, 422: Invalid}
DELETED = {204: None, **WRITE_ERRORS}
TAGS = ["Touchpoints"]
TASK_TAGS = ["Follow-up tasks"]
HEALTH_TAGS = ["Health"]


def _rows(workspace):
    return (
        Interaction.objects.filter(workspace=workspace)
        .select_related("partnership")
        .prefetch_related(
            "people",
            "users",
            "attachments",
            Prefetch(
                "organisation_links",
                queryset=InteractionOrganisation.objects.select_related("organisation").order_by(
                    "id"
                ),
            ),
        )
    )


def _interaction(request, pk: int) -> Interaction:
    try:
        return _rows(request.auth.workspace).get(pk=pk)
    except Interaction.DoesNotExist:
        raise Http404 from None


def _resolve(workspace, *, people=None, organisations=None, users=None) -> dict:
    """Ids named in a body, as rows of this workspace; an unknown id is 422."""
    result = {}
    for field, ids, model in (
        ("people", people, Person),
        ("organisations", organisations, Organisation),
    ):
        if ids is None:
            continue
        rows = list(model.objects.filter(workspace=workspace, pk__in=ids))
        missing = sorted(set(ids) - {r.pk for r in rows})
        if missing:
            raise ValidationError(
                {field: _("Unknown id in this workspace: %(id)s.") % {"id": missing[0]}}
            )
        result[field] = rows
    if users is not None:
        rows = list(User.objects.filter(memberships__workspace=workspace, pk__in=users))
        missing = sorted(set(users) - {u.pk for u in rows})
        if missing:
            raise ValidationError(
                {"users": _("Unknown id in this workspace: %(id)s.") % {"id": missing[0]}}
            )
        result["users"] = rows
    return result


def _partnership(workspace, pk):
    return _referenced(partnerships.get_partnership, workspace, pk, "partnership")


# --- interactions ---------------------------------------------------------------------------


@router.get(
    "/interactions",
    response={200: InteractionPage, **LIST_ERRORS},
    summary="List interactions",
    description="Newest first. Filter by a person, organisation or partnership (its "
    "timeline), by channel, or by whether a reply is awaited.",
    tags=TAGS,
)
def list_interactions(request, params: Query[InteractionFilters]):
    ws = request.auth.workspace
    qs = _rows(ws)
    if params.person is not None:
        person = contacts.get_person(ws, params.person)
        qs = qs.filter(
            pk__in=InteractionPerson.objects.filter(workspace=ws, person=person).values(
                "interaction_id"
            )
        )
    if params.organisation is not None:
        org = contacts.get_organisation(ws, params.organisation)
        qs = qs.filter(
            pk__in=InteractionOrganisation.objects.filter(workspace=ws, organisation=org).values(
                "interaction_id"
            )
        )
    if params.partnership is not None:
        qs = qs.filter(partnership=partnerships.get_partnership(ws, params.partnership))
    if params.channel:
        qs = qs.filter(channel=params.channel)
    if params.awaiting_reply is not None:
        qs = qs.filter(awaiting_reply=params.awaiting_reply)
    return _page(qs.order_by("-occurred_at", "-id"), params)


@router.post(
    "/interactions",
    response={201: InteractionOut, **WRITE_ERRORS},
    summary="Log an interaction",
    description="A touchpoint with people, organisations and/or a partnership. The people's "
    "current organisations are linked too. An interaction in the other direction closes the "
    "awaited replies of the same people, and health is refreshed.",
    tags=TAGS,
)
def create_interaction(request, payload: InteractionIn):
    require_edit(request)
    ws = request.auth.workspace
    links = _resolve(
        ws, people=payload.people, organisations=payload.organisations, users=payload.users
    )
    interaction = services.log_interaction(
        workspace=ws,
        actor=request.auth.user,
        channel=payload.channel,
        direction=payload.direction,
        occurred_at=payload.occurred_at,
        partnership=_partnership(ws, payload.partnership),
        subject=payload.subject,
        summary=payload.summary,
        awaiting_reply=payload.awaiting_reply,
        reply_expected_by=payload.reply_expected_by,
        source="api",
        **links,
    )
    return Status(201, _interaction(request, interaction.pk))


@router.get(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **READ_ERRORS},
    summary="Get an interaction",
    tags=TAGS,
)
def get_interaction(request, interaction_id: PathId):
    return _interaction(request, interaction_id)


@router.patch(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **WRITE_ERRORS},
    summary="Change an interaction",
    description="Only the fields sent change; lists (people, organisations, users) are "
    "replaced whole. Send `version` to refuse the change if someone else changed it (409).",
    tags=TAGS,
)
def update_interaction(request, interaction_id: PathId, payload: InteractionPatch):
    require_edit(request)
    ws = request.auth.workspace
    interaction = selectors.get_interaction(ws, interaction_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    links = _resolve(
        ws,
        people=data.pop("people", None),
        organisations=data.pop("organisations", None),
        users=data.pop("users", None),
    )
    if "partnership" in data:
        data["partnership"] = _partnership(ws, data["partnership"])
    for name in ("subject", "summary"):
        if name in data and data[name] is None:
            data[name] = ""
    services.update_interaction(
        interaction=interaction,
        actor=request.auth.user,
        data=data,
        people=links.get("people"),
        organisations=links.get("organisations"),
        users=links.get("users"),
        version=version,
    )
    return _interaction(request, interaction_id)


@router.delete(
    "/interactions/{interaction_id}",
    response=DELETED,
    summary="Delete an interaction",
    description="What it answered awaits its reply again; health is recomputed.",
    tags=TAGS,
)
def delete_interaction(request, interaction_id: PathId):
    require_edit(request)
    interaction = selectors.get_interaction(request.auth.workspace, interaction_id)
    services.delete_interaction(interaction=interaction, actor=request.auth.user)
    return Status(204, None)


@router.post(
    "/interactions/{interaction_id}/answered",
    response={200: InteractionOut, **WRITE_ERRORS},
    summary="Mark an awaited reply as answered",
    description="For an answer that came on a channel nobody logged.",
    tags=TAGS,
)
def mark_answered(request, interaction_id: PathId):
    require_edit(request)
    interaction = selectors.get_interaction(request.auth.workspace, interaction_id)
    services.mark_answered(interaction=interaction, actor=request.auth.user)
    return _interaction(request, interaction_id)


# --- health ---------------------------------------------------------------------------------


def _subject(workspace, subject: str, pk: int):
    getter = {
        "person": contacts.get_person,
        "organisation": contacts.get_organisation,
        "partnership": partnerships.get_partnership,
    }[subject]
    return getter(workspace, pk)


def _name(obj) -> str:
    return getattr(obj, "full_name", None) or getattr(obj, "name", None) or obj.title


@router.get(
    "/health/alerts",
    response={200: HealthPage, **LIST_ERRORS},
    summary="List alerts",
    description="People, organisations and partnerships that went quiet or have overdue "
    "replies, the longest-standing first.",
    tags=HEALTH_TAGS,
)
def list_alerts(request, params: Query[AlertFilters]):
    ws = request.auth.workspace
    qs = Health.objects.filter(workspace=ws, alert=True).order_by(
        "alert_since", "score", "subject", "object_id"
    )
    if params.subject:
        qs = qs.filter(subject=params.subject)
    page = _page(qs, params)
    names = {}
    for subject in ("person", "organisation", "partnership"):
        ids = [h.object_id for h in page["items"] if h.subject == subject]
        for pk, name in health._subject_names(ws, subject, ids).items():
            names[(subject, pk)] = name
    page["items"] = [
        health_out(h.subject, h.object_id, names.get((h.subject, h.object_id), ""), h)
        for h in page["items"]
    ]
    return page


@router.get(
    "/health/{subject}/{object_id}",
    response={200: HealthOut, **READ_ERRORS, 422: Invalid},
    summary="Get the health of a person, organisation or partnership",
    description="The score 0–100 with its reasons in words, last contact, median reply "
    "times of both sides, the expected cadence and overdue replies.",
    tags=HEALTH_TAGS,
)
def get_health(request, subject: SubjectKey, object_id: PathId):
    ws = request.auth.workspace
    obj = _subject(ws, subject, object_id)
    return health_out(subject, obj.pk, _name(obj), selectors.health_of(ws, subject, obj.pk))


@router.put(
    "/health/{subject}/{object_id}/cadence",
    response={200: HealthOut, **WRITE_ERRORS},
    summary="Set the expected cadence",
    description="How often we expect to be in touch, in days; null returns to the default "
    "(by partnership form, or the shortest of the partnerships taken part in).",
    tags=HEALTH_TAGS,
)
def set_cadence(request, subject: SubjectKey, object_id: PathId, payload: CadenceIn):
    require_edit(request)
    ws = request.auth.workspace
    obj = _subject(ws, subject, object_id)
    services.set_cadence(workspace=ws, actor=request.auth.user, subject=obj, days=payload.days)
    return health_out(subject, obj.pk, _name(obj), selectors.health_of(ws, subject, obj.pk))


# --- follow-up tasks ------------------------------------------------------------------------


def _task_links(workspace, data: dict) -> dict:
    """Ids in a task body as rows of this workspace; unknown ids are 422."""
    fetchers = {
        "person": contacts.get_person,
        "organisation": contacts.get_organisation,
        "partnership": partnerships.get_partnership,
        "interaction": selectors.get_interaction,
        "assignee": _member_of,
    }
    for name, fetch in fetchers.items():
        if data.get(name) is not None:
            data[name] = _referenced(fetch, workspace, data[name], name)
    return data


def _task(request, pk: int) -> Task:
    return followups.get_task(request.auth.workspace, pk)


@router.get(
    "/tasks",
    response={200: TaskPage, **LIST_ERRORS},
    summary="List follow-up tasks",
    description="Open tasks by due date (undated last) unless `done` says otherwise.",
    tags=TASK_TAGS,
)
def list_tasks(request, params: Query[TaskFilters]):
    from django.db.models import F
    from django.utils import timezone

    ws = request.auth.workspace
    qs = Task.objects.filter(workspace=ws).select_related(
        "assignee", "person", "organisation", "partnership"
    )
    if params.done is not None:
        qs = qs.filter(done_at__isnull=not params.done)
    if params.overdue:
        qs = qs.filter(done_at__isnull=True, due_date__lt=timezone.localdate())
    for name in ("person", "organisation", "partnership"):
        value = getattr(params, name)
        if value is not None:
            qs = qs.filter(**{f"{name}_id": value})
    if params.assignee is not None:
        qs = qs.filter(assignee_id=params.assignee)
    return _page(qs.order_by(F("due_date").asc(nulls_last=True), "id"), params)


@router.post(
    "/tasks",
    response={201: TaskOut, **WRITE_ERRORS},
    summary="Create a follow-up task",
    tags=TASK_TAGS,
)
def create_task(request, payload: TaskIn):
    require_edit(request)
    ws = request.auth.workspace
    data = _task_links(ws, payload.model_dump())
    task = followups.task_create(workspace=ws, actor=request.auth.user, data=data)
    return Status(201, _task(request, task.pk))


@router.get(
    "/tasks/{task_id}",
    response={200: TaskOut, **READ_ERRORS},
    summary="Get a follow-up task",
    tags=TASK_TAGS,
)
def get_task(request, task_id: PathId):
    return _task(request, task_id)


@router.patch(
    "/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Change a follow-up task",
    description="Only the fields sent change. Send `version` to refuse the change if someone "
    "else changed it (409).",
    tags=TASK_TAGS,
)
def update_task(request, task_id: PathId, payload: TaskPatch):
    require_edit(request)
    ws = request.auth.workspace
    task = _task(request, task_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    for name in ("title", "notes", "recurrence"):
        if name in data and data[name] is None:
            data[name] = ""
    followups.task_update(
        task=task, actor=request.auth.user, data=_task_links(ws, data), version=version
    )
    return _task(request, task_id)


@router.post(
    "/tasks/{task_id}/done",
    response={200: TaskDone, **WRITE_ERRORS},
    summary="Complete a follow-up task",
    description="A repeating task gets its next occurrence (returned as `next`). Completing a "
    "done task changes nothing.",
    tags=TASK_TAGS,
)
def complete_task(request, task_id: PathId):
    require_edit(request)
    done = followups.task_complete(task=_task(request, task_id), actor=request.auth.user)
    return {
        "task": _task(request, task_id),
        "next": _task(request, done.next.pk) if done.next else None,
    }


@router.post(
    "/tasks/{task_id}/reopen",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Reopen a follow-up task",
    tags=TASK_TAGS,
)
def reopen_task(request, task_id: PathId):
    require_edit(request)
    followups.task_reopen(task=_task(request, task_id), actor=request.auth.user)
    return _task(request, task_id)


@router.delete(
    "/tasks/{task_id}",
    response=DELETED,
    summary="Delete a follow-up task",
    tags=TASK_TAGS,
)
def delete_task(request, task_id: PathId):
    require_edit(request)
    followups.task_delete(task=_task(request, task_id), actor=request.auth.user)
    return Status(204, None)
