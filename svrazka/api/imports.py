"""Import jobs over HTTP: upload a file, follow its check, read its problems, set the columns of
an unknown layout, start the import, undo it. The steps run in the background worker
(`manage.py db_worker`); poll the job for its status."""

from datetime import datetime
from typing import Annotated, Literal

from django.db import transaction
from django.http import Http404
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from svrazka.api.auth import require_edit
from svrazka.api.common import page as _page
from svrazka.api.schemas import MAX_ID, WRITE_ERRORS, Invalid, Message, PageParams
from svrazka.imports import services
from svrazka.imports.models import Format, ImportJob, ProblemKind, RowProblem

router = Router(tags=["Imports"])

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
READ_ERRORS = {401: Message, 404: Message}


class ImportJobOut(Schema):
    id: int
    filename: str
    size: int
    requested_format: str
    detected_format: str
    status: str = Field(
        description="mapping, queued, checking, checked, importing, done, failed, cancelled, "
        "undoing or undone"
    )
    message: str
    percent: int
    header: list[str]
    mapping: dict[str, str] = Field(description="Column index -> field, for unknown layouts.")
    rows_total: int
    rows_done: int
    rows_valid: int
    rows_invalid: int
    rows_duplicate: int
    rows_warning: int
    people_created: int
    organisations_created: int
    affiliations_created: int
    created_at: datetime
    finished_at: datetime | None
    undone_at: datetime | None


class ImportJobPage(Schema):
    items: list[ImportJobOut]
    limit: int
    offset: int
    next_offset: int | None


class ProblemOut(Schema):
    line: int
    kind: str
    field: str
    message: str
    excerpt: str
    existing_person_id: int | None


class ProblemPage(Schema):
    items: list[ProblemOut]
    limit: int
    offset: int
    next_offset: int | None


class ProblemFilters(PageParams):
    kind: Literal["error", "duplicate", "warning"] = ProblemKind.ERROR


class MappingIn(Schema):
    model_config = {"extra": "forbid"}
    mapping: dict[str, str] = Field(
        description="Column (0-based index or header name) -> field key; see the field list in "
        "the job's error message when a key is unknown."
    )
    remember: bool = True


class StartIn(Schema):
    model_config = {"extra": "forbid"}
    skip_invalid: bool = False
    skip_duplicates: bool = False


def _job(request, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(workspace=request.auth.workspace, pk=pk).first()
    if job is None:
        raise Http404
    job.rows_done = services.live_rows_done(job)
    return job


@router.post(
    "/imports",
    response={201: ImportJobOut, **WRITE_ERRORS},
    summary="Upload a file to import",
    description="multipart/form-data with `file` and optionally `format` (auto, csv, xlsx, "
    "vcard, linkedin, google, outlook, thunderbird). The check starts at once unless the "
    "layout is unknown (status `mapping`: set the columns with POST /imports/{id}/mapping).",
)
def create_import(
    request,
    file: File[UploadedFile],
    format: Form[Literal[tuple(Format.values)]] = Format.AUTO,  # type: ignore[valid-type]
):
    require_edit(request)
    with transaction.atomic():
        job = services.job_create(
            workspace=request.auth.workspace,
            actor=request.auth.user,
            upload=file,
            filename=file.name or "contacts",
            requested_format=format,
        )
    return Status(201, _job(request, job.pk))


@router.get("/imports", response={200: ImportJobPage, **READ_ERRORS}, summary="List imports")
def list_imports(request, params: Query[PageParams]):
    return _page(ImportJob.objects.filter(workspace=request.auth.workspace), params)


@router.get(
    "/imports/{job_id}", response={200: ImportJobOut, **READ_ERRORS}, summary="An import's status"
)
def get_import(request, job_id: PathId):
    return _job(request, job_id)


@router.get(
    "/imports/{job_id}/problems",
    response={200: ProblemPage, **READ_ERRORS, 422: Invalid},
    summary="Rows with problems, or rows like people we have",
)
def list_problems(request, job_id: PathId, params: Query[ProblemFilters]):
    job = _job(request, job_id)
    return _page(
        RowProblem.objects.filter(workspace=request.auth.workspace, job=job, kind=params.kind),
        params,
    )


@router.post(
    "/imports/{job_id}/mapping",
    response={200: ImportJobOut, **WRITE_ERRORS},
    summary="Say which column holds what",
)
def set_mapping(request, job_id: PathId, payload: MappingIn):
    require_edit(request)
    job = _job(request, job_id)
    with transaction.atomic():
        services.job_set_mapping(job=job, mapping=payload.mapping, remember=payload.remember)
    return _job(request, job_id)


@router.post(
    "/imports/{job_id}/import",
    response={202: ImportJobOut, **WRITE_ERRORS},
    summary="Import the checked rows",
    description="All of them or none: refused while rows have problems unless `skip_invalid`.",
)
def start_import(request, job_id: PathId, payload: StartIn):
    require_edit(request)
    job = _job(request, job_id)
    with transaction.atomic():
        services.job_start_import(
            job=job, skip_invalid=payload.skip_invalid, skip_duplicates=payload.skip_duplicates
        )
    return Status(202, _job(request, job_id))


@router.post(
    "/imports/{job_id}/undo",
    response={200: ImportJobOut, **WRITE_ERRORS},
    summary="Undo a finished import",
    description="Deletes every person and organisation it created, or nothing.",
)
def undo_import(request, job_id: PathId):
    require_edit(request)
    job = _job(request, job_id)
    services.job_undo(job=job, actor=request.auth.user)
    return _job(request, job_id)
