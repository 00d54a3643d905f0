"""Duplicates over HTTP: likely pairs (from the last scans), scans, "not duplicates" decisions,
merges and their undo. People and organisations alike, by `kind`."""

from datetime import datetime
from typing import Annotated, Literal

from django.db import transaction
from django.http import Http404
from ninja import Field, Path, Query, Router, Schema, Status

from svrazka.api.auth import require_edit
from svrazka.api.common import page as _page
from svrazka.api.common import referenced as _referenced
from svrazka.api.schemas import MAX_ID, WRITE_ERRORS, Invalid, Message, PageParams
from svrazka.contacts import selectors as contacts
from svrazka.duplicates import merging, scan, services
from svrazka.duplicates.models import Merge, Scan

router = Router(tags=["Duplicates"])

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
READ_ERRORS = {401: Message, 404: Message}
KindParam = Literal["person", "organisation"]


class CandidateOut(Schema):
    a_id: int
    b_id: int
    score: int
    reasons: list[str] = Field(description="Reason codes, e.g. same_email, name_diminutive.")
    status: str


class CandidatePage(Schema):
    items: list[CandidateOut]
    limit: int
    offset: int
    next_offset: int | None


class CandidateFilters(PageParams):
    kind: KindParam = "person"
    record: int | None = Field(None, ge=1, le=MAX_ID, description="Only pairs with this id.")


class ScanIn(Schema):
    model_config = {"extra": "forbid"}
    kind: KindParam = "person"
    threshold: int = Field(scan.DEFAULT_THRESHOLD, ge=1, le=100)


class ScanOut(Schema):
    id: int
    kind: str
    status: str
    threshold: int
    percent: int
    pairs: int
    message: str
    created_at: datetime
    finished_at: datetime | None


class PairIn(Schema):
    model_config = {"extra": "forbid"}
    kind: KindParam = "person"
    a: int = Field(ge=1, le=MAX_ID)
    b: int = Field(ge=1, le=MAX_ID)


class MergeIn(Schema):
    model_config = {"extra": "forbid"}
    kind: KindParam = "person"
    kept: int = Field(ge=1, le=MAX_ID, description="The record that stays.")
    merged: int = Field(ge=1, le=MAX_ID, description="The record merged into it (deleted).")
    take_from_merged: list[str] = Field(
        default_factory=list,
        description="Fields whose value comes from the merged record where both have one.",
    )


class MergeOut(Schema):
    id: int
    kind: str
    kept_id: int
    merged_id: int
    kept_name: str
    merged_name: str
    merged_at: datetime
    undone_at: datetime | None


class MergePage(Schema):
    items: list[MergeOut]
    limit: int
    offset: int
    next_offset: int | None


def _record(workspace, kind: str, pk: int, field: str):
    fetch = contacts.get_person if kind == "person" else contacts.get_organisation
    return _referenced(fetch, workspace, pk, field)


@router.get(
    "/duplicates",
    response={200: CandidatePage, **READ_ERRORS, 422: Invalid},
    summary="Likely duplicate pairs to review",
)
def list_candidates(request, params: Query[CandidateFilters]):
    ws = request.auth.workspace
    if params.record is not None:
        qs = services.candidates_of(workspace=ws, kind=params.kind, record_id=params.record)
    else:
        qs = services.open_candidates(workspace=ws, kind=params.kind)
    return _page(qs, params)


@router.post(
    "/duplicates/scans",
    response={202: ScanOut, **WRITE_ERRORS},
    summary="Scan the whole workspace for duplicates",
    description="Runs in the background worker; poll GET /duplicates/scans/{id}.",
)
def start_scan(request, payload: ScanIn):
    require_edit(request)
    with transaction.atomic():
        job = services.scan_start(
            workspace=request.auth.workspace,
            actor=request.auth.user,
            kind=payload.kind,
            threshold=payload.threshold,
        )
    return Status(202, job)


@router.get("/duplicates/scans/{scan_id}", response={200: ScanOut, **READ_ERRORS}, summary="A scan")
def get_scan(request, scan_id: PathId):
    job = Scan.objects.filter(workspace=request.auth.workspace, pk=scan_id).first()
    if job is None:
        raise Http404
    return job


@router.post(
    "/duplicates/distinct",
    response={204: None, **WRITE_ERRORS},
    summary="Say two records are not duplicates",
    description="Remembered: the pair is never proposed again.",
)
def mark_distinct(request, payload: PairIn):
    require_edit(request)
    ws = request.auth.workspace
    a = _record(ws, payload.kind, payload.a, "a")
    b = _record(ws, payload.kind, payload.b, "b")
    services.mark_distinct(
        workspace=ws, actor=request.auth.user, kind=payload.kind, a_id=a.pk, b_id=b.pk
    )
    return Status(204, None)


@router.get("/merges", response={200: MergePage, **READ_ERRORS}, summary="Merges done")
def list_merges(request, params: Query[PageParams]):
    return _page(Merge.objects.filter(workspace=request.auth.workspace), params)


@router.post(
    "/merges",
    response={201: MergeOut, **WRITE_ERRORS},
    summary="Merge two records",
    description="Everything of both is kept (emails, phones, affiliations, touchpoints, tasks, "
    "history); empty fields of the kept record take the merged one's values.",
)
def create_merge(request, payload: MergeIn):
    require_edit(request)
    ws = request.auth.workspace
    kept = _record(ws, payload.kind, payload.kept, "kept")
    merged = _record(ws, payload.kind, payload.merged, "merged")
    known = set(merging.FIELDS[payload.kind])
    choices = {name: "merged" for name in payload.take_from_merged if name in known}
    record = services.merge(
        workspace=ws,
        actor=request.auth.user,
        kind=payload.kind,
        kept=kept,
        merged=merged,
        choices=choices,
    )
    return Status(201, record)


@router.post(
    "/merges/{merge_id}/undo",
    response={200: MergeOut, **WRITE_ERRORS},
    summary="Undo a merge",
    description="Refused (422) when the kept record was changed after the merge.",
)
def undo_merge(request, merge_id: PathId):
    require_edit(request)
    record = Merge.objects.filter(workspace=request.auth.workspace, pk=merge_id).first()
    if record is None:
        raise Http404
    services.undo_merge(merge_record=record, actor=request.auth.user)
    record.refresh_from_db()
    return record
