"""The contact database over HTTP: organisations, people, affiliations, tags and causes.

Every handler reaches rows only through the workspace of ``request.auth`` (the token's
membership): the selectors' fetchers answer 404 for another workspace's ids. Writes need the
"edit" right and go through contacts.services with the token's user as the actor, so history
shows who changed what.
"""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from svrazka.api.auth import require_edit
from svrazka.api.common import page as _page
from svrazka.api.common import referenced as _referenced
from svrazka.api.schemas import (
    MAX_ID,
    WRITE_ERRORS,
    AffiliationFilters,
    AffiliationIn,
    AffiliationOut,
    AffiliationPage,
    AffiliationPatch,
    CauseOut,
    CausePage,
    Message,
    NameFilters,
    NameIn,
    OrganisationFilters,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPatch,
    PersonFilters,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    TagOut,
    TagPage,
)
from svrazka.contacts import selectors, services
from svrazka.contacts.models import Affiliation, Organisation
from svrazka.contacts.selectors import ContactFilters

router = Router()

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
READ_ERRORS = {401: Message, 404: Message}
DELETED = {204: None, **WRITE_ERRORS}

ORGANISATION_PREFETCH = ("causes", "tags")
PERSON_PREFETCH = (
    "emails",
    "phones",
    "causes",
    "tags",
    Prefetch(
        "affiliations",
        queryset=Affiliation.objects.select_related("organisation").order_by(
            "end_date", "-start_date", "id"
        ),
    ),
)


# --- helpers --------------------------------------------------------------------------------


def _workspace_rows(queryset: QuerySet, ids: list[int] | None, field: str) -> list:
    """The rows with these ids, all of which must be in the (workspace-scoped) queryset."""
    ids = list(dict.fromkeys(ids or []))
    found = {row.pk: row for row in queryset.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {
                field: _("Unknown ids in this workspace: %(ids)s.")
                % {"ids": ", ".join(str(pk) for pk in missing)}
            }
        )
    return [found[pk] for pk in ids]


def _contact_data(request, payload) -> tuple[dict, int | None]:
    """The fields the client sent, in the shape the services take, and the version."""
    workspace = request.auth.workspace
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    if "causes" in data:
        data["causes"] = _workspace_rows(selectors.causes(workspace), data["causes"], "causes")
    if "tags" in data:
        data["tags"] = _workspace_rows(selectors.tags(workspace), data["tags"], "tags")
    for name in ("emails", "phones"):
        if name in data and data[name] is None:
            data[name] = []
    return data, version


def _organisation_out(organisation: Organisation) -> Organisation:
    prefetch_related_objects([organisation], *ORGANISATION_PREFETCH)
    return organisation


def _filters(params, **extra) -> ContactFilters:
    return ContactFilters(q=params.q.strip(), sort=params.sort, **extra)


# --- organisations --------------------------------------------------------------------------


@router.get(
    "/organisations",
    response={200: OrganisationPage, 401: Message},
    summary="List organisations",
    description="Sorted by name unless `sort` says otherwise. Search matches word beginnings "
    "in Cyrillic or Latin.",
    tags=["Organisations"],
)
def list_organisations(request, params: Query[OrganisationFilters]):
    filters = _filters(
        params,
        kind=params.kind,
        country=params.country,
        cause=params.cause,
        tag=params.tag,
        unverified_months=params.unverified_months,
    )
    listing = selectors.organisations_listing(workspace=request.auth.workspace, filters=filters)
    return _page(listing, params, prefetch=ORGANISATION_PREFETCH)


@router.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, **READ_ERRORS},
    summary="Get an organisation",
    tags=["Organisations"],
)
def get_organisation(request, organisation_id: PathId):
    return _organisation_out(selectors.get_organisation(request.auth.workspace, organisation_id))


@router.post(
    "/organisations",
    response={201: OrganisationOut, **WRITE_ERRORS},
    summary="Create an organisation",
    tags=["Organisations"],
)
def create_organisation(request, payload: OrganisationIn):
    require_edit(request)
    data, _version = _contact_data(request, payload)
    organisation = services.organisation_create(
        workspace=request.auth.workspace, actor=request.auth.user, data=data
    )
    return Status(201, _organisation_out(organisation))


@router.patch(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, **WRITE_ERRORS},
    summary="Change an organisation",
    description="Only the fields sent change. `causes` and `tags` replace the current ones.",
    tags=["Organisations"],
)
def update_organisation(request, organisation_id: PathId, payload: OrganisationPatch):
    require_edit(request)
    organisation = selectors.get_organisation(request.auth.workspace, organisation_id)
    data, version = _contact_data(request, payload)
    organisation = services.organisation_update(
        organisation=organisation, actor=request.auth.user, data=data, version=version
    )
    return _organisation_out(organisation)


@router.delete(
    "/organisations/{organisation_id}",
    response=DELETED,
    summary="Delete an organisation",
    description="Its affiliations go with it.",
    tags=["Organisations"],
)
def delete_organisation(request, organisation_id: PathId):
    require_edit(request)
    organisation = selectors.get_organisation(request.auth.workspace, organisation_id)
    services.organisation_delete(organisation=organisation, actor=request.auth.user)
    return Status(204, None)


# --- people ---------------------------------------------------------------------------------


@router.get(
    "/people",
    response={200: PersonPage, 401: Message},
    summary="List people",
    description="Sorted by family name unless `sort` says otherwise. Search matches word "
    "beginnings in Cyrillic or Latin (q=petrov finds Петров), emails and phones.",
    tags=["People"],
)
def list_people(request, params: Query[PersonFilters]):
    filters = _filters(
        params,
        country=params.country,
        cause=params.cause,
        tag=params.tag,
        organisation=params.organisation,
    )
    listing = selectors.people_listing(workspace=request.auth.workspace, filters=filters)
    return _page(listing, params, prefetch=PERSON_PREFETCH)


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **READ_ERRORS},
    summary="Get a person",
    tags=["People"],
)
def get_person(request, person_id: PathId):
    return selectors.person_detail(request.auth.workspace, person_id)


@router.post(
    "/people",
    response={201: PersonOut, **WRITE_ERRORS},
    summary="Create a person",
    tags=["People"],
)
def create_person(request, payload: PersonIn):
    require_edit(request)
    data, _version = _contact_data(request, payload)
    person = services.person_create(
        workspace=request.auth.workspace, actor=request.auth.user, data=data
    )
    return Status(201, selectors.person_detail(request.auth.workspace, person.pk))


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, **WRITE_ERRORS},
    summary="Change a person",
    description="Only the fields sent change. `emails`, `phones`, `causes` and `tags` replace "
    "the current ones.",
    tags=["People"],
)
def update_person(request, person_id: PathId, payload: PersonPatch):
    require_edit(request)
    person = selectors.get_person(request.auth.workspace, person_id)
    data, version = _contact_data(request, payload)
    services.person_update(person=person, actor=request.auth.user, data=data, version=version)
    return selectors.person_detail(request.auth.workspace, person.pk)


@router.delete(
    "/people/{person_id}",
    response=DELETED,
    summary="Delete a person",
    description="Their affiliations go with them.",
    tags=["People"],
)
def delete_person(request, person_id: PathId):
    require_edit(request)
    person = selectors.get_person(request.auth.workspace, person_id)
    services.person_delete(person=person, actor=request.auth.user)
    return Status(204, None)


# --- affiliations ---------------------------------------------------------------------------


@router.get(
    "/affiliations",
    response={200: AffiliationPage, 401: Message},
    summary="List affiliations",
    description="A person's positions at organisations, oldest record first.",
    tags=["Affiliations"],
)
def list_affiliations(request, params: Query[AffiliationFilters]):
    queryset = selectors.affiliations_list(
        workspace=request.auth.workspace, person=params.person, organisation=params.organisation
    )
    return _page(queryset, params)


@router.get(
    "/affiliations/{affiliation_id}",
    response={200: AffiliationOut, **READ_ERRORS},
    summary="Get an affiliation",
    tags=["Affiliations"],
)
def get_affiliation(request, affiliation_id: PathId):
    return selectors.get_affiliation(request.auth.workspace, affiliation_id)


@router.post(
    "/affiliations",
    response={201: AffiliationOut, **WRITE_ERRORS},
    summary="Create an affiliation",
    tags=["Affiliations"],
)
def create_affiliation(request, payload: AffiliationIn):
    require_edit(request)
    workspace = request.auth.workspace
    data = payload.model_dump(exclude_unset=True, exclude={"person", "organisation"})
    affiliation = services.affiliation_create(
        workspace=workspace,
        actor=request.auth.user,
        person=_referenced(selectors.get_person, workspace, payload.person, "person"),
        organisation=_referenced(
            selectors.get_organisation, workspace, payload.organisation, "organisation"
        ),
        data=data,
    )
    return Status(201, affiliation)


@router.patch(
    "/affiliations/{affiliation_id}",
    response={200: AffiliationOut, **WRITE_ERRORS},
    summary="Change an affiliation",
    description="Only the fields sent change. The person cannot change; the organisation can.",
    tags=["Affiliations"],
)
def update_affiliation(request, affiliation_id: PathId, payload: AffiliationPatch):
    require_edit(request)
    workspace = request.auth.workspace
    affiliation = selectors.get_affiliation(workspace, affiliation_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    organisation = None
    if "organisation" in data:
        pk = data.pop("organisation")
        if pk is None:
            raise ValidationError({"organisation": _("An affiliation needs an organisation.")})
        organisation = _referenced(selectors.get_organisation, workspace, pk, "organisation")
    return services.affiliation_update(
        affiliation=affiliation,
        actor=request.auth.user,
        data=data,
        version=version,
        organisation=organisation,
    )


@router.delete(
    "/affiliations/{affiliation_id}",
    response=DELETED,
    summary="Delete an affiliation",
    tags=["Affiliations"],
)
def delete_affiliation(request, affiliation_id: PathId):
    require_edit(request)
    affiliation = selectors.get_affiliation(request.auth.workspace, affiliation_id)
    services.affiliation_delete(affiliation=affiliation, actor=request.auth.user)
    return Status(204, None)


# --- tags -----------------------------------------------------------------------------------


def _named_page(queryset: QuerySet, params: NameFilters) -> dict:
    queryset = queryset.order_by("name", "id")
    q = params.q.strip().casefold()
    if q:
        # A workspace has tens or hundreds of tags and causes, and SQLite's LIKE folds the case
        # of ASCII letters only: match in Python so "млади" finds "Млади хора".
        return _page([row for row in queryset if q in row.name.casefold()], params)
    return _page(queryset, params)


@router.get(
    "/tags",
    response={200: TagPage, 401: Message},
    summary="List tags",
    tags=["Tags"],
)
def list_tags(request, params: Query[NameFilters]):
    return _named_page(selectors.tags(request.auth.workspace), params)


@router.get(
    "/tags/{tag_id}",
    response={200: TagOut, **READ_ERRORS},
    summary="Get a tag",
    tags=["Tags"],
)
def get_tag(request, tag_id: PathId):
    return selectors.get_tag(request.auth.workspace, tag_id)


@router.post(
    "/tags",
    response={201: TagOut, **WRITE_ERRORS},
    summary="Create a tag",
    description="If a tag with this name (in any letter case) exists, it is returned instead.",
    tags=["Tags"],
)
def create_tag(request, payload: NameIn):
    require_edit(request)
    return Status(
        201, services.tag_get_or_create(workspace=request.auth.workspace, name=payload.name)
    )


@router.patch(
    "/tags/{tag_id}",
    response={200: TagOut, **WRITE_ERRORS},
    summary="Rename a tag",
    tags=["Tags"],
)
def update_tag(request, tag_id: PathId, payload: NameIn):
    require_edit(request)
    return services.label_rename(
        label=selectors.get_tag(request.auth.workspace, tag_id), name=payload.name
    )


@router.delete(
    "/tags/{tag_id}",
    response=DELETED,
    summary="Delete a tag",
    description="It is removed from every organisation and person that had it.",
    tags=["Tags"],
)
def delete_tag(request, tag_id: PathId):
    require_edit(request)
    tag = selectors.get_tag(request.auth.workspace, tag_id)
    services.tag_delete(tag=tag, actor=request.auth.user)
    return Status(204, None)


# --- causes ---------------------------------------------------------------------------------


@router.get(
    "/causes",
    response={200: CausePage, 401: Message},
    summary="List causes",
    tags=["Causes"],
)
def list_causes(request, params: Query[NameFilters]):
    return _named_page(selectors.causes(request.auth.workspace), params)


@router.get(
    "/causes/{cause_id}",
    response={200: CauseOut, **READ_ERRORS},
    summary="Get a cause",
    tags=["Causes"],
)
def get_cause(request, cause_id: PathId):
    return selectors.get_cause(request.auth.workspace, cause_id)


@router.post(
    "/causes",
    response={201: CauseOut, **WRITE_ERRORS},
    summary="Create a cause",
    description="If a cause with this name (in any letter case) exists, it is returned instead.",
    tags=["Causes"],
)
def create_cause(request, payload: NameIn):
    require_edit(request)
    return Status(
        201, services.cause_get_or_create(workspace=request.auth.workspace, name=payload.name)
    )


@router.patch(
    "/causes/{cause_id}",
    response={200: CauseOut, **WRITE_ERRORS},
    summary="Rename a cause",
    tags=["Causes"],
)
def update_cause(request, cause_id: PathId, payload: NameIn):
    require_edit(request)
    return services.label_rename(
        label=selectors.get_cause(request.auth.workspace, cause_id), name=payload.name
    )


@router.delete(
    "/causes/{cause_id}",
    response=DELETED,
    summary="Delete a cause",
    description="It is removed from every organisation and person that had it.",
    tags=["Causes"],
)
def delete_cause(request, cause_id: PathId):
    require_edit(request)
    cause = selectors.get_cause(request.auth.workspace, cause_id)
    services.cause_delete(cause=cause, actor=request.auth.user)
    return Status(204, None)
