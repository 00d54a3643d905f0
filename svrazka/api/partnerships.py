"""Partnerships over HTTP: the partnership and its flow, partners, duties, the checklist, joint
projects and resources.

As in contacts.py, every row is reached through the workspace of ``request.auth`` (the token's
membership): another workspace's id in the path is 404, in a body 422. Writes need the "edit"
right and go through partnerships.services with the token's user as the actor, so the
partnership's history shows who changed what.
"""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from svrazka.api.auth import require_edit
from svrazka.api.common import member as _member_of
from svrazka.api.common import page as _page
from svrazka.api.common import referenced as _referenced
from svrazka.api.partnership_schemas import (
    ChecklistFilters,
    ChecklistItemIn,
    ChecklistItemOut,
    ChecklistItemPatch,
    ChecklistPage,
    DutyIn,
    DutyOut,
    DutyPage,
    MoveIn,
    PartnerIn,
    PartnerOut,
    PartnerPage,
    PartnerPatch,
    PartnershipDetail,
    PartnershipFilters,
    PartnershipIn,
    PartnershipPage,
    PartnershipPatch,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
    ResourceIn,
    ResourceOut,
    ResourcePage,
)
from svrazka.api.schemas import MAX_ID, WRITE_ERRORS, Invalid, Message, PageParams
from svrazka.contacts import selectors as contacts
from svrazka.partnerships import practice, selectors, services
from svrazka.partnerships.models import (
    ChecklistItem,
    Duty,
    JointProject,
    Partnership,
    PartnershipPartner,
    Resource,
)

router = Router()

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
READ_ERRORS = {401: Message, 404: Message}
LIST_ERRORS = {401: Message, 404: Message, 422: Invalid}
DELETED = {204: None, **WRITE_ERRORS}
# Removing a partner that duties or signatories still name is refused with the reason.
PARTNER_DELETED = {204: None, **WRITE_ERRORS, 409: Message}

STEP_ORDER = Case(
    *[When(step=s.key, then=Value(i)) for i, s in enumerate(practice.STEPS)],
    default=Value(len(practice.STEPS)),
    output_field=IntegerField(),
)


# --- helpers --------------------------------------------------------------------------------


def _partner_rows() -> QuerySet[PartnershipPartner]:
    return PartnershipPartner.objects.select_related("organisation", "liaison").order_by("id")


def _duty_rows() -> QuerySet[Duty]:
    return Duty.objects.select_related("person", "user", "partner__organisation").order_by(
        "start_date", "id"
    )


def _checklist_rows() -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.select_related("done_by")


def _resource_rows() -> QuerySet[Resource]:
    return Resource.objects.select_related("source", "project").order_by("received_on", "id")


def _project(workspace, pk: int) -> JointProject:
    """A joint project of this workspace (partnerships.selectors has no fetcher for it)."""
    try:
        return JointProject.objects.select_related("partnership__workspace").get(
            workspace=workspace, pk=pk
        )
    except (JointProject.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def _resource(workspace, pk: int) -> Resource:
    """A resource of this workspace (partnerships.selectors has no fetcher for it)."""
    try:
        return (
            _resource_rows()
            .select_related("partnership__workspace")
            .get(workspace=workspace, pk=pk)
        )
    except (Resource.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def _partnership(request, pk: int) -> Partnership:
    return selectors.get_partnership(request.auth.workspace, pk)


def _blank_nulls(data: dict, fields: tuple[str, ...]) -> dict:
    """null for a text field means "empty", as on the web form."""
    for name in fields:
        if name in data and data[name] is None:
            data[name] = ""
    return data


def _check_dates(start, end) -> None:
    # The model's constraint says the same but only as a form-wide ("__all__") error.
    if start and end and end < start:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


def _detail(workspace, pk: int) -> Partnership:
    """The partnership with its partners, duties and checklist progress, in five queries."""
    partnership = selectors.get_partnership(workspace, pk)
    prefetch_related_objects(
        [partnership],
        Prefetch("partners", queryset=_partner_rows()),
        Prefetch("duties", queryset=_duty_rows()),
    )
    counts = {
        row["step"]: row
        for row in ChecklistItem.objects.filter(workspace=workspace, partnership=partnership)
        .values("step")
        .annotate(total=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)))
        .order_by()
    }
    language = get_language() or "en"
    steps = [
        {
            "step": step.key,
            "phase": step.phase,
            "title": step.title(language),
            "done": counts.get(step.key, {}).get("done", 0),
            "total": counts.get(step.key, {}).get("total", 0),
        }
        for step in practice.STEPS
    ]
    partnership.api_checklist = {
        "done": sum(row["done"] for row in counts.values()),
        "total": sum(row["total"] for row in counts.values()),
        "steps": steps,
    }
    return partnership


def _with_progress(rows: list[Partnership], workspace) -> list[Partnership]:
    """Checklist progress for a page of partnerships, in one query."""
    progress = {
        row["partnership_id"]: {"done": row["done"], "total": row["total"]}
        for row in ChecklistItem.objects.filter(
            workspace=workspace, partnership_id__in=[p.pk for p in rows]
        )
        .values("partnership_id")
        .annotate(total=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)))
        .order_by()
    }
    for row in rows:
        row.api_progress = progress.get(row.pk, {"done": 0, "total": 0})
    return rows


def _partnership_data(request, payload, current: Partnership | None = None):
    workspace = request.auth.workspace
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    if data.get("liaison") is not None:
        data["liaison"] = _referenced(_member_of, workspace, data["liaison"], "liaison")
    if data.get("facilitator") is not None:
        data["facilitator"] = _referenced(
            contacts.get_person, workspace, data["facilitator"], "facilitator"
        )
    _check_dates(
        data.get("start_date", current.start_date if current else None),
        data.get("end_date", current.end_date if current else None),
    )
    return data, version


# --- partnerships ---------------------------------------------------------------------------


@router.get(
    "/partnerships",
    response={200: PartnershipPage, 401: Message},
    summary="List partnerships",
    description="Most recently changed first unless `sort` says otherwise. Each item carries "
    "its partners and checklist progress.",
    tags=["Partnerships"],
)
def list_partnerships(request, params: Query[PartnershipFilters]):
    workspace = request.auth.workspace
    filters = selectors.PartnershipFilters(
        q=params.q.strip(),
        form=params.form or "",
        status=params.status or "",
        phase=params.phase or "",
        organisation=params.organisation,
        liaison=params.liaison,
        sort=params.sort,
    )
    queryset = (
        selectors.partnerships_list(workspace=workspace, filters=filters)
        .select_related("liaison", "facilitator")
        .prefetch_related(Prefetch("partners", queryset=_partner_rows()))
    )
    page = _page(queryset, params)
    _with_progress(page["items"], workspace)
    return page


@router.get(
    "/partnerships/{partnership_id}",
    response={200: PartnershipDetail, **READ_ERRORS},
    summary="Get a partnership",
    description="With its partners, the duties of key people and the checklist's progress "
    "per step of the flow.",
    tags=["Partnerships"],
)
def get_partnership(request, partnership_id: PathId):
    return _detail(request.auth.workspace, partnership_id)


@router.post(
    "/partnerships",
    response={201: PartnershipDetail, **WRITE_ERRORS},
    summary="Create a partnership",
    description="It starts at the first step of the flow with the workspace's checklist for "
    "its form. Add the partners next.",
    tags=["Partnerships"],
)
def create_partnership(request, payload: PartnershipIn):
    require_edit(request)
    data, _version = _partnership_data(request, payload)
    partnership = services.partnership_create(
        workspace=request.auth.workspace, actor=request.auth.user, data=data
    )
    return Status(201, _detail(request.auth.workspace, partnership.pk))


@router.patch(
    "/partnerships/{partnership_id}",
    response={200: PartnershipDetail, **WRITE_ERRORS},
    summary="Change a partnership",
    description="Only the fields sent change. The step changes through `move`.",
    tags=["Partnerships"],
)
def update_partnership(request, partnership_id: PathId, payload: PartnershipPatch):
    require_edit(request)
    partnership = _partnership(request, partnership_id)
    data, version = _partnership_data(request, payload, partnership)
    services.partnership_update(
        partnership=partnership, actor=request.auth.user, data=data, version=version
    )
    return _detail(request.auth.workspace, partnership.pk)


@router.delete(
    "/partnerships/{partnership_id}",
    response=DELETED,
    summary="Delete a partnership",
    description="Its partners, duties, checklist, projects, resources, agreements and "
    "evaluations go with it. The organisations and people stay.",
    tags=["Partnerships"],
)
def delete_partnership(request, partnership_id: PathId):
    require_edit(request)
    partnership = _partnership(request, partnership_id)
    services.partnership_delete(partnership=partnership, actor=request.auth.user)
    return Status(204, None)


@router.post(
    "/partnerships/{partnership_id}/move",
    response={200: PartnershipDetail, **WRITE_ERRORS},
    summary="Move a partnership to a step of the flow",
    description="The phase follows the step. `before` places it before another partnership "
    "in that step's board column; without it, it goes last. An unknown step is 422.",
    tags=["Partnerships"],
)
def move_partnership(request, partnership_id: PathId, payload: MoveIn):
    require_edit(request)
    partnership = _partnership(request, partnership_id)
    services.partnership_move(
        partnership=partnership,
        actor=request.auth.user,
        step=payload.step,
        before_id=payload.before,
    )
    return _detail(request.auth.workspace, partnership.pk)


# --- partners -------------------------------------------------------------------------------


@router.get(
    "/partnerships/{partnership_id}/partners",
    response={200: PartnerPage, **LIST_ERRORS},
    summary="List a partnership's partners",
    description="In the order they joined.",
    tags=["Partners"],
)
def list_partners(request, partnership_id: PathId, params: Query[PageParams]):
    partnership = _partnership(request, partnership_id)
    return _page(_partner_rows().filter(partnership=partnership), params)


@router.post(
    "/partnerships/{partnership_id}/partners",
    response={201: PartnerOut, **WRITE_ERRORS},
    summary="Add a partner",
    description="An organisation of the workspace, once per partnership. Their liaison must "
    "be affiliated with it.",
    tags=["Partners"],
)
def add_partner(request, partnership_id: PathId, payload: PartnerIn):
    require_edit(request)
    workspace = request.auth.workspace
    partnership = _partnership(request, partnership_id)
    partner = services.partner_add(
        partnership=partnership,
        actor=request.auth.user,
        organisation=_referenced(
            contacts.get_organisation, workspace, payload.organisation, "organisation"
        ),
        role=payload.role or "partner",
        liaison=_referenced(contacts.get_person, workspace, payload.liaison, "liaison"),
        joined_on=payload.joined_on,
    )
    return Status(201, _partner_rows().get(pk=partner.pk))


@router.get(
    "/partners/{partner_id}",
    response={200: PartnerOut, **READ_ERRORS},
    summary="Get a partner",
    tags=["Partners"],
)
def get_partner(request, partner_id: PathId):
    return _partner_rows().get(pk=selectors.get_partner(request.auth.workspace, partner_id).pk)


@router.patch(
    "/partners/{partner_id}",
    response={200: PartnerOut, **WRITE_ERRORS},
    summary="Change a partner's role or liaison",
    description="Only the fields sent change; `liaison: null` clears it. The organisation "
    "cannot change: remove the partner and add another.",
    tags=["Partners"],
)
def update_partner(request, partner_id: PathId, payload: PartnerPatch):
    require_edit(request)
    workspace = request.auth.workspace
    partner = selectors.get_partner(workspace, partner_id)
    sent = payload.model_fields_set
    role = payload.role if "role" in sent else partner.role
    if role is None:
        raise ValidationError({"role": _("A partner needs a role.")})
    liaison = (
        _referenced(contacts.get_person, workspace, payload.liaison, "liaison")
        if "liaison" in sent
        else partner.liaison
    )
    services.partner_update(partner=partner, actor=request.auth.user, role=role, liaison=liaison)
    return _partner_rows().get(pk=partner.pk)


@router.delete(
    "/partners/{partner_id}",
    response=PARTNER_DELETED,
    summary="Remove a partner",
    description="Refused with 409 and the reason while duties or agreement signatories still "
    "name the partner: move or remove those first.",
    tags=["Partners"],
)
def delete_partner(request, partner_id: PathId):
    require_edit(request)
    partner = selectors.get_partner(request.auth.workspace, partner_id)
    try:
        services.partner_remove(partner=partner, actor=request.auth.user)
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    return Status(204, None)


# --- duties ---------------------------------------------------------------------------------


@router.get(
    "/partnerships/{partnership_id}/duties",
    response={200: DutyPage, **LIST_ERRORS},
    summary="List a partnership's duties",
    description="Who does what, from when to when; by start date.",
    tags=["Duties"],
)
def list_duties(request, partnership_id: PathId, params: Query[PageParams]):
    partnership = _partnership(request, partnership_id)
    return _page(_duty_rows().filter(partnership=partnership), params)


@router.post(
    "/partnerships/{partnership_id}/duties",
    response={201: DutyOut, **WRITE_ERRORS},
    summary="Add a duty",
    description="Name who does it: a `person` (affiliated with the `partner`, if one is "
    "given) or a `user` of our team.",
    tags=["Duties"],
)
def add_duty(request, partnership_id: PathId, payload: DutyIn):
    require_edit(request)
    workspace = request.auth.workspace
    partnership = _partnership(request, partnership_id)
    data = payload.model_dump(exclude_unset=True)
    data["partner"] = _referenced(selectors.get_partner, workspace, payload.partner, "partner")
    data["person"] = _referenced(contacts.get_person, workspace, payload.person, "person")
    data["user"] = _referenced(_member_of, workspace, payload.user, "user")
    duty = services.duty_add(partnership=partnership, actor=request.auth.user, data=data)
    return Status(201, _duty_rows().get(pk=duty.pk))


@router.get(
    "/duties/{duty_id}",
    response={200: DutyOut, **READ_ERRORS},
    summary="Get a duty",
    tags=["Duties"],
)
def get_duty(request, duty_id: PathId):
    return _duty_rows().get(pk=selectors.get_duty(request.auth.workspace, duty_id).pk)


@router.delete(
    "/duties/{duty_id}",
    response=DELETED,
    summary="Remove a duty",
    tags=["Duties"],
)
def delete_duty(request, duty_id: PathId):
    require_edit(request)
    duty = selectors.get_duty(request.auth.workspace, duty_id)
    services.duty_remove(duty=duty, actor=request.auth.user)
    return Status(204, None)


# --- checklist ------------------------------------------------------------------------------


@router.get(
    "/partnerships/{partnership_id}/checklist",
    response={200: ChecklistPage, **LIST_ERRORS},
    summary="List a partnership's checklist",
    description="In the order of the flow's steps. Items from the defaults carry a Bulgarian "
    "title too (`title_bg`).",
    tags=["Checklist"],
)
def list_checklist(request, partnership_id: PathId, params: Query[ChecklistFilters]):
    partnership = _partnership(request, partnership_id)
    queryset = _checklist_rows().filter(partnership=partnership)
    if params.step:
        queryset = queryset.filter(step=params.step)
    return _page(queryset.order_by(STEP_ORDER, "position", "id"), params)


@router.post(
    "/partnerships/{partnership_id}/checklist",
    response={201: ChecklistItemOut, **WRITE_ERRORS},
    summary="Add a checklist item",
    description="On a step of the flow; an unknown step is 422.",
    tags=["Checklist"],
)
def add_checklist_item(request, partnership_id: PathId, payload: ChecklistItemIn):
    require_edit(request)
    partnership = _partnership(request, partnership_id)
    item = services.checklist_item_add(
        partnership=partnership,
        actor=request.auth.user,
        step=payload.step,
        title=payload.title,
        due_date=payload.due_date,
    )
    return Status(201, _checklist_rows().get(pk=item.pk))


@router.get(
    "/checklist-items/{item_id}",
    response={200: ChecklistItemOut, **READ_ERRORS},
    summary="Get a checklist item",
    tags=["Checklist"],
)
def get_checklist_item(request, item_id: PathId):
    item = selectors.get_checklist_item(request.auth.workspace, item_id)
    return _checklist_rows().get(pk=item.pk)


@router.patch(
    "/checklist-items/{item_id}",
    response={200: ChecklistItemOut, **WRITE_ERRORS},
    summary="Tick or untick a checklist item",
    description="`done: true` records when and by whom (once); `done: false` clears both.",
    tags=["Checklist"],
)
def update_checklist_item(request, item_id: PathId, payload: ChecklistItemPatch):
    require_edit(request)
    item = selectors.get_checklist_item(request.auth.workspace, item_id)
    services.checklist_item_set_done(item=item, actor=request.auth.user, done=payload.done)
    return _checklist_rows().get(pk=item.pk)


@router.delete(
    "/checklist-items/{item_id}",
    response=DELETED,
    summary="Delete a checklist item",
    tags=["Checklist"],
)
def delete_checklist_item(request, item_id: PathId):
    require_edit(request)
    item = selectors.get_checklist_item(request.auth.workspace, item_id)
    services.checklist_item_delete(item=item, actor=request.auth.user)
    return Status(204, None)


# --- joint projects -------------------------------------------------------------------------

PROJECT_TEXT = ("programme",)


@router.get(
    "/partnerships/{partnership_id}/projects",
    response={200: ProjectPage, **LIST_ERRORS},
    summary="List a partnership's joint projects",
    tags=["Joint projects"],
)
def list_projects(request, partnership_id: PathId, params: Query[PageParams]):
    partnership = _partnership(request, partnership_id)
    return _page(
        JointProject.objects.filter(partnership=partnership).order_by("start_date", "id"), params
    )


@router.post(
    "/partnerships/{partnership_id}/projects",
    response={201: ProjectOut, **WRITE_ERRORS},
    summary="Add a joint project",
    tags=["Joint projects"],
)
def add_project(request, partnership_id: PathId, payload: ProjectIn):
    require_edit(request)
    partnership = _partnership(request, partnership_id)
    data = _blank_nulls(payload.model_dump(exclude_unset=True), PROJECT_TEXT)
    project = services.project_save(partnership=partnership, actor=request.auth.user, data=data)
    return Status(201, project)


@router.get(
    "/projects/{project_id}",
    response={200: ProjectOut, **READ_ERRORS},
    summary="Get a joint project",
    tags=["Joint projects"],
)
def get_project(request, project_id: PathId):
    return _project(request.auth.workspace, project_id)


@router.patch(
    "/projects/{project_id}",
    response={200: ProjectOut, **WRITE_ERRORS},
    summary="Change a joint project",
    description="Only the fields sent change.",
    tags=["Joint projects"],
)
def update_project(request, project_id: PathId, payload: ProjectPatch):
    require_edit(request)
    project = _project(request.auth.workspace, project_id)
    data = _blank_nulls(payload.model_dump(exclude_unset=True), PROJECT_TEXT)
    if "title" in data and data["title"] is None:
        raise ValidationError({"title": _("A project needs a title.")})
    return services.project_save(
        partnership=project.partnership, actor=request.auth.user, data=data, project=project
    )


@router.delete(
    "/projects/{project_id}",
    response=DELETED,
    summary="Delete a joint project",
    description="Resources recorded for it stay, without the project.",
    tags=["Joint projects"],
)
def delete_project(request, project_id: PathId):
    require_edit(request)
    project = _project(request.auth.workspace, project_id)
    services.project_delete(project=project, actor=request.auth.user)
    return Status(204, None)


# --- resources ------------------------------------------------------------------------------


@router.get(
    "/partnerships/{partnership_id}/resources",
    response={200: ResourcePage, **LIST_ERRORS},
    summary="List a partnership's resources",
    description="Additional resources attracted, by date received.",
    tags=["Resources"],
)
def list_resources(request, partnership_id: PathId, params: Query[PageParams]):
    partnership = _partnership(request, partnership_id)
    return _page(_resource_rows().filter(partnership=partnership), params)


@router.post(
    "/partnerships/{partnership_id}/resources",
    response={201: ResourceOut, **WRITE_ERRORS},
    summary="Record a resource",
    description="Cash, in kind or staff time; optionally from an organisation and for a joint "
    "project of this partnership.",
    tags=["Resources"],
)
def add_resource(request, partnership_id: PathId, payload: ResourceIn):
    require_edit(request)
    workspace = request.auth.workspace
    partnership = _partnership(request, partnership_id)
    data = payload.model_dump(exclude_unset=True)
    if "kind" in data and data["kind"] is None:
        del data["kind"]
    data["source"] = _referenced(contacts.get_organisation, workspace, payload.source, "source")
    data["project"] = _referenced(_project, workspace, payload.project, "project")
    resource = services.resource_add(partnership=partnership, actor=request.auth.user, data=data)
    return Status(201, _resource_rows().get(pk=resource.pk))


@router.get(
    "/resources/{resource_id}",
    response={200: ResourceOut, **READ_ERRORS},
    summary="Get a resource",
    tags=["Resources"],
)
def get_resource(request, resource_id: PathId):
    return _resource(request.auth.workspace, resource_id)


@router.delete(
    "/resources/{resource_id}",
    response=DELETED,
    summary="Delete a resource",
    tags=["Resources"],
)
def delete_resource(request, resource_id: PathId):
    require_edit(request)
    resource = _resource(request.auth.workspace, resource_id)
    services.resource_delete(resource=resource, actor=request.auth.user)
    return Status(204, None)
