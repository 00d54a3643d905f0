"""The network over HTTP: relationships (CRUD), graph queries (a focus with hops and filters,
warm paths) and metrics snapshots. Same shapes as the map's JSON (svrazka/network/graph.py)."""

from datetime import date
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from svrazka.api.auth import require_edit
from svrazka.api.common import page as _page
from svrazka.api.common import referenced
from svrazka.api.schemas import (
    MAX_ID,
    WRITE_ERRORS,
    Id,
    Input,
    Invalid,
    IsoDate,
    Message,
    PageParams,
    QueryId,
    Text,
)
from svrazka.contacts import selectors as contacts
from svrazka.network import graph, services
from svrazka.network.models import NodeMetric, Relationship, RelationshipKind, Snapshot

router = Router()
TOP_NODES = 20
READ_ERRORS = {401: Message, 404: Message}
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Kind = Literal[tuple(RelationshipKind.values)]


class Side(Input):
    """One side of a relationship: a person or an organisation of this workspace."""

    person: Id | None = None
    organisation: Id | None = None


class RelationshipIn(Input):
    kind: Kind
    source: Side
    target: Side
    strength: int = Field(3, ge=1, le=5)
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None
    note: Text = Field("", max_length=2000)


class RelationshipPatch(Input):
    version: int = Field(description="The version you read; a stale one gets 409.")
    kind: Kind | None = None
    source: Side | None = None
    target: Side | None = None
    strength: int | None = Field(None, ge=1, le=5)
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None
    note: Text | None = Field(None, max_length=2000)


class RelationshipOut(Schema):
    id: int
    kind: str
    label: str
    reverse_label: str
    source: str
    source_name: str
    target: str
    target_name: str
    strength: int
    started_on: date | None
    ended_on: date | None
    note: str
    version: int

    @staticmethod
    def resolve_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source_node

    @staticmethod
    def resolve_target(obj) -> str:
        return obj.target_node

    @staticmethod
    def resolve_source_name(obj) -> str:
        return str(obj.source)

    @staticmethod
    def resolve_target_name(obj) -> str:
        return str(obj.target)


class RelationshipPage(Schema):
    items: list[RelationshipOut]
    limit: int
    offset: int
    next_offset: int | None


class RelationshipFilters(PageParams):
    person: QueryId | None = Field(None, description="Relationships of this person.")
    organisation: QueryId | None = Field(None, description="Relationships of this organisation.")
    kind: Kind | None = None


def _side(workspace, side: Side, field: str):
    """The person or organisation a side names; another workspace's id is invalid input."""
    if (side.person is None) == (side.organisation is None):
        raise ValidationError({field: _("Name a person or an organisation, one of them.")})
    if side.person is not None:
        return referenced(contacts.get_person, workspace, side.person, field)
    return referenced(contacts.get_organisation, workspace, side.organisation, field)


def _relationships(workspace):
    return Relationship.objects.filter(workspace=workspace).select_related(
        "from_person", "from_organisation", "to_person", "to_organisation"
    )


@router.get(
    "/relationships",
    response={200: RelationshipPage, 401: Message, 404: Message, 422: Invalid},
    summary="List relationships",
    description="Oldest first. Filter by a person or an organisation (either side) and by kind; "
    "another workspace's person or organisation is 404.",
    tags=["Network"],
)
def list_relationships(request, params: Query[RelationshipFilters]):
    ws = request.auth.workspace
    qs = _relationships(ws).order_by("id")
    if params.person is not None:
        person = contacts.get_person(ws, params.person)
        qs = qs.filter(Q(from_person=person) | Q(to_person=person))
    if params.organisation is not None:
        org = contacts.get_organisation(ws, params.organisation)
        qs = qs.filter(Q(from_organisation=org) | Q(to_organisation=org))
    if params.kind:
        qs = qs.filter(kind=params.kind)
    return _page(qs, params)


@router.get(
    "/relationships/{relationship_id}",
    response={200: RelationshipOut, **READ_ERRORS},
    summary="Get a relationship",
    tags=["Network"],
)
def get_relationship(request, relationship_id: PathId):
    return get_object_or_404(_relationships(request.auth.workspace), pk=relationship_id)


@router.post(
    "/relationships",
    response={201: RelationshipOut, **WRITE_ERRORS},
    summary="Create a relationship",
    description='`kind` reads from `source` to `target` ("mentor_of": the source mentors the '
    "target); `reverse_label` names it the other way.",
    tags=["Network"],
)
def create_relationship(request, payload: RelationshipIn):
    require_edit(request)
    ws = request.auth.workspace
    rel = services.relationship_create(
        workspace=ws,
        actor=request.auth.user,
        kind=payload.kind,
        source=_side(ws, payload.source, "source"),
        target=_side(ws, payload.target, "target"),
        strength=payload.strength,
        started_on=payload.started_on,
        ended_on=payload.ended_on,
        note=payload.note,
    )
    return Status(201, rel)


@router.patch(
    "/relationships/{relationship_id}",
    response={200: RelationshipOut, **WRITE_ERRORS},
    summary="Change a relationship",
    tags=["Network"],
)
def update_relationship(request, relationship_id: PathId, payload: RelationshipPatch):
    require_edit(request)
    ws = request.auth.workspace
    rel = get_object_or_404(_relationships(ws), pk=relationship_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    if "source" in data:
        data["source"] = _side(ws, payload.source, "source")
    if "target" in data:
        data["target"] = _side(ws, payload.target, "target")
    for name in ("kind", "strength", "source", "target"):
        if name in data and data[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    services.relationship_update(relationship=rel, actor=request.auth.user, version=version, **data)
    return get_object_or_404(_relationships(ws), pk=relationship_id)


@router.delete(
    "/relationships/{relationship_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a relationship",
    tags=["Network"],
)
def delete_relationship(request, relationship_id: PathId):
    require_edit(request)
    rel = get_object_or_404(_relationships(request.auth.workspace), pk=relationship_id)
    services.relationship_delete(relationship=rel, actor=request.auth.user)
    return Status(204, None)


# --- graph queries ---------------------------------------------------------------------------


class GraphParams(Schema):
    focus: str = Field("", max_length=24, description="A node: p<id>, o<id> or w (us).")
    hops: int = Field(1, ge=1, le=6)
    as_of: IsoDate | None = Field(None, description="The network as it was on this date.")
    kind: list[Literal["person", "organisation"]] = Field(default_factory=list)
    type: list[str] = Field(default_factory=list, description="Organisation types.")
    cause: list[QueryId] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    tag: list[QueryId] = Field(default_factory=list)
    limit: int = Field(5000, ge=1, le=5000, description="Beyond this many nodes: groups.")


@router.get(
    "/network/graph",
    response={200: dict, **READ_ERRORS},
    summary="The network, or one node's neighbourhood",
    description="Nodes and edges as the map draws them; beyond `limit` nodes they are grouped "
    "(`aggregated: true`).",
    tags=["Network"],
)
def network_graph(request, params: Query[GraphParams]):
    network = graph.network_for(request.auth.workspace, as_of=params.as_of)
    filters = graph.Filters(
        kinds=set(params.kind),
        organisation_types=set(params.type),
        causes=set(params.cause),
        countries={c.upper() for c in params.country},
        tags=set(params.tag),
    )
    if params.focus:
        try:
            view = graph.focus(
                network, params.focus, hops=params.hops, filters=filters, limit=params.limit
            )
        except graph.UnknownNode as exc:
            return Status(404, {"detail": str(exc)})
    else:
        view = graph.overview(network, filters=filters, limit=params.limit)
    return view.as_json()


@router.get(
    "/network/paths",
    response={200: dict, **READ_ERRORS},
    summary="Warm introductions to a person or organisation",
    description="The best short paths from us (`w`) to `to`, each saying whom to ask.",
    tags=["Network"],
)
def network_paths(request, to: str = Query(..., max_length=24), k: int = Query(3, ge=1, le=10)):
    network = graph.network_for(request.auth.workspace)
    try:
        paths = graph.warm_paths(network, to, k=k)
    except graph.UnknownNode as exc:
        return Status(404, {"detail": str(exc)})
    if paths:
        message = ""
    elif to == "w":
        message = _("That is us: no introduction needed.")
    else:
        message = _("No warm path found: nobody we know is connected to them within four steps.")
    return {"paths": [p.as_json() for p in paths], "message": message}


# --- snapshots ------------------------------------------------------------------------------


class SnapshotOut(Schema):
    id: int
    status: str
    as_of: date
    started_at: str
    computed_at: str | None
    nodes: int
    edges: int
    density: float
    active_ties: int
    communities: int
    isolated_partners: int
    reach: int
    components: int
    seconds: float

    @staticmethod
    def resolve_started_at(obj) -> str:
        return obj.started_at.isoformat()

    @staticmethod
    def resolve_computed_at(obj) -> str | None:
        return obj.computed_at.isoformat() if obj.computed_at else None


class SnapshotPage(Schema):
    items: list[SnapshotOut]
    limit: int
    offset: int
    next_offset: int | None


class NodeMetricOut(Schema):
    node: str
    label: str = ""
    degree: int
    weighted_degree: float
    betweenness: float
    pagerank: float
    brokerage: float
    community: int


class SnapshotDetail(SnapshotOut):
    top_pagerank: list[NodeMetricOut]
    top_brokerage: list[NodeMetricOut]


@router.get(
    "/network/snapshots",
    response={200: SnapshotPage, 401: Message},
    summary="Metrics snapshots, newest first",
    tags=["Network"],
)
def list_snapshots(request, params: Query[PageParams]):
    qs = Snapshot.objects.filter(workspace=request.auth.workspace).order_by("-started_at", "-id")
    return _page(qs, params)


@router.post(
    "/network/snapshots",
    response={202: SnapshotOut, **WRITE_ERRORS},
    summary="Take a metrics snapshot (in the background)",
    tags=["Network"],
)
def take_snapshot(request):
    require_edit(request)
    from svrazka.network.tasks import enqueue_snapshot

    return Status(202, enqueue_snapshot(request.auth.workspace, actor=request.auth.user))


@router.get(
    "/network/snapshots/{snapshot_id}",
    response={200: SnapshotDetail, **READ_ERRORS},
    summary="A snapshot with its top nodes",
    tags=["Network"],
)
def get_snapshot(request, snapshot_id: PathId):
    ws = request.auth.workspace
    snap = get_object_or_404(Snapshot, workspace=ws, pk=snapshot_id)
    metrics = NodeMetric.objects.filter(workspace=ws, snapshot=snap)
    snap.top_pagerank = list(metrics.order_by("-pagerank", "node")[:TOP_NODES])
    snap.top_brokerage = list(metrics.order_by("-brokerage", "-betweenness", "node")[:TOP_NODES])
    labels = _labels(ws, {m.node for m in snap.top_pagerank + snap.top_brokerage})
    for m in snap.top_pagerank + snap.top_brokerage:
        m.label = labels.get(m.node, "")
    return snap


def _labels(workspace, nodes: set[str]) -> dict[str, str]:
    """Names of the nodes ("p12", "o3"; "w" is us) in two queries."""
    from svrazka.contacts.models import Organisation, Person

    ids = {"p": set(), "o": set()}
    for node in nodes:
        if node[:1] in ids and node[1:].isdigit():
            ids[node[0]].add(int(node[1:]))
    labels = {"w": workspace.name}
    for person in Person.objects.filter(workspace=workspace, pk__in=ids["p"]):
        labels[f"p{person.pk}"] = str(person)
    for org in Organisation.objects.filter(workspace=workspace, pk__in=ids["o"]).only("name"):
        labels[f"o{org.pk}"] = org.name
    return labels
