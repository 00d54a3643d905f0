"""Partnership agreements over HTTP: the agreement and its status, the versions of its text in
the deck's six parts, signatories, the document as PDF or DOCX, and the signed scan.

As in partnerships.py, every row is reached through the workspace of ``request.auth``: another
workspace's id in the path is 404, in a body 422. Writes need the "edit" right and go through
partnerships.agreements with the token's user as the actor, so the partnership's history shows
who changed what. There is no DELETE for an agreement: the pages do not offer one either.
"""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from svrazka.api.agreement_schemas import (
    AgreementDetail,
    AgreementFilters,
    AgreementIn,
    AgreementPage,
    AgreementPatch,
    DocumentParams,
    SignatoryIn,
    SignatoryOut,
    SignatoryPage,
    VersionIn,
    VersionOut,
    VersionPage,
)
from svrazka.api.auth import require_edit
from svrazka.api.common import page as _page
from svrazka.api.common import referenced as _referenced
from svrazka.api.schemas import MAX_ID, WRITE_ERRORS, Invalid, Message, PageParams
from svrazka.contacts import selectors as contacts
from svrazka.partnerships import agreements, documents
from svrazka.partnerships.models import Agreement, AgreementVersion, Signatory
from svrazka.partnerships.selectors import get_partnership

router = Router()

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
# Version numbers are 32-bit in the database.
PathNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]
READ_ERRORS = {401: Message, 404: Message}
LIST_ERRORS = {401: Message, 404: Message, 422: Invalid}
DELETED = {204: None, **WRITE_ERRORS}
REMIND_MAX = 365  # as the edit page allows
TEXT_PARTS = agreements.PLAIN_PARTS + agreements.PER_PARTNER_PARTS
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _binary(content_type: str, description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


# --- helpers --------------------------------------------------------------------------------


def _language() -> str:
    return "bg" if (get_language() or "").startswith("bg") else "en"


def _conflict(exc: agreements.EditConflict) -> Status:
    # errors.py's handler reads `.version` of a record; a text version has a `.number`.
    return Status(
        409,
        {
            "detail": _(
                "Someone saved a newer version of the text (version %(number)s) since you "
                "loaded it. Load it again and repeat your change."
            )
            % {"number": exc.current.number},
            "current_version": exc.current.number,
        },
    )


def _version_rows() -> QuerySet[AgreementVersion]:
    return AgreementVersion.objects.select_related("created_by").order_by("-number")


def _latest(agreement: Agreement) -> AgreementVersion | None:
    return _version_rows().filter(agreement=agreement).first()


def _text_of(version: AgreementVersion | None) -> dict:
    if version is None:
        return {name: ({} if name in agreements.PER_PARTNER_PARTS else "") for name in TEXT_PARTS}
    return {name: getattr(version, name) for name in TEXT_PARTS}


def _signatory_rows() -> QuerySet[Signatory]:
    return Signatory.objects.select_related("person", "organisation").order_by(
        "organisation__name", "id"
    )


def _signatory(workspace, pk: int) -> Signatory:
    """A signatory of this workspace (partnerships.agreements only finds one by agreement)."""
    try:
        return Signatory.objects.select_related(
            "person", "organisation", "agreement__partnership", "agreement__workspace"
        ).get(workspace=workspace, pk=pk)
    except (Signatory.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def _detail(workspace, pk: int) -> Agreement:
    """The agreement with its current text, parties and signatories, in five queries."""
    agreement = agreements.get_agreement(workspace, pk)
    latest = _latest(agreement)
    language = _language()
    agreement.current_version = latest.number if latest else None
    agreement.text = latest
    agreement.next_statuses = list(agreements.TRANSITIONS.get(agreement.status, ()))
    agreement.editable = agreement.status in agreements.EDITABLE_STATUSES
    agreement.parties = agreements.parties(agreement)
    agreement.api_signatories = list(_signatory_rows().filter(agreement=agreement))
    agreement.parts = [
        {
            "number": number,
            "key": part.key,
            "title": agreements.part_title(part, language),
            "hint": agreements.part_hint(part, language),
        }
        for number, part in enumerate(agreements.parts(), 1)
    ]
    return agreement


def _check_remind(value) -> None:
    if value is None:
        raise ValidationError({"remind_days_before": _("This field cannot be null.")})
    if not 0 <= value <= REMIND_MAX:
        raise ValidationError(
            {
                "remind_days_before": _("Give a number of days from 0 to %(max)s.")
                % {"max": REMIND_MAX}
            }
        )


def _party_key(key: str, party_keys: set[str], field: str) -> str:
    if key not in party_keys:
        raise ValidationError(
            {
                field: _("%(key)s is not the organisation id of a party to this agreement.")
                % {"key": key}
            }
        )
    return key


# --- agreements -----------------------------------------------------------------------------


@router.get(
    "/partnerships/{partnership_id}/agreements",
    response={200: AgreementPage, **LIST_ERRORS},
    summary="List a partnership's agreements",
    description="Newest first.",
    tags=["Agreements"],
)
def list_agreements(request, partnership_id: PathId, params: Query[AgreementFilters]):
    partnership = get_partnership(request.auth.workspace, partnership_id)
    queryset = Agreement.objects.filter(
        workspace=request.auth.workspace, partnership=partnership
    ).annotate(current_version=Max("versions__number"))
    if params.status:
        queryset = queryset.filter(status=params.status)
    return _page(queryset.order_by("-created_at", "-id"), params)


@router.post(
    "/partnerships/{partnership_id}/agreements",
    response={201: AgreementDetail, **WRITE_ERRORS},
    summary="Create an agreement",
    description="A draft whose version 1 is prefilled from the partnership: its goals, the "
    "period from the dates, each partner's duties and the resources they brought. The parties "
    "are the partnership's partners.",
    tags=["Agreements"],
)
def create_agreement(request, partnership_id: PathId, payload: AgreementIn):
    require_edit(request)
    partnership = get_partnership(request.auth.workspace, partnership_id)
    sent = payload.model_fields_set
    language = payload.language if payload.language is not None else _language()
    labels = documents.LABELS.get(language) or documents.LABELS[_language()]
    data = {
        "title": payload.title
        if payload.title is not None
        else f"{labels['agreement']} – {partnership.title}"[:200],
        "language": language,
        "start_date": payload.start_date if "start_date" in sent else partnership.start_date,
        "end_date": payload.end_date if "end_date" in sent else partnership.end_date,
        "remind_days_before": 30
        if payload.remind_days_before is None
        else payload.remind_days_before,
    }
    _check_remind(data["remind_days_before"])
    agreement = agreements.agreement_create(
        partnership=partnership, actor=request.auth.user, data=data
    )
    return Status(201, _detail(request.auth.workspace, agreement.pk))


@router.get(
    "/agreements/{agreement_id}",
    response={200: AgreementDetail, **READ_ERRORS},
    summary="Get an agreement",
    description="With the current version's six parts, the parties and the signatories.",
    tags=["Agreements"],
)
def get_agreement(request, agreement_id: PathId):
    return _detail(request.auth.workspace, agreement_id)


@router.patch(
    "/agreements/{agreement_id}",
    response={200: AgreementDetail, **WRITE_ERRORS},
    summary="Change an agreement's details or status",
    description="Only the fields sent change, all or nothing. Title, language and period "
    "follow the edit page's rules: a signed or expired agreement cannot change (422). The "
    "status follows the status form's: "
    "draft → sent or signed, sent → draft or signed, signed → expired; signing needs "
    "`signed_on` and a signatory for every party. A refused change is 422 with the reason.",
    tags=["Agreements"],
)
def update_agreement(request, agreement_id: PathId, payload: AgreementPatch):
    require_edit(request)
    workspace = request.auth.workspace
    agreement = agreements.get_agreement(workspace, agreement_id)
    data = payload.model_dump(exclude_unset=True)
    details = {name: data[name] for name in agreements.DETAIL_FIELDS if name in data}
    for name in ("title", "language"):
        if name in details and details[name] is None:
            raise ValidationError({name: _("This field cannot be null.")})
    if "remind_days_before" in details:
        _check_remind(details["remind_days_before"])
    if "status" in data and data["status"] is None:
        raise ValidationError({"status": _("This field cannot be null.")})
    if "signed_on" in data and "status" not in data:
        raise ValidationError({"signed_on": _("Send the date of signing with the status: signed.")})
    base = data.get("base_version")
    try:
        with transaction.atomic():
            latest = _latest(agreement)
            if base is not None and latest is not None and base != latest.number:
                raise agreements.EditConflict(latest)
            if details:
                agreement, _version = agreements.agreement_save(
                    agreement=agreement,
                    actor=request.auth.user,
                    data=details,
                    text=_text_of(latest),
                    base_number=base if base is not None else (latest and latest.number),
                )
            if "status" in data:
                agreements.agreement_set_status(
                    agreement=agreement,
                    actor=request.auth.user,
                    status=data["status"],
                    signed_on=data.get("signed_on"),
                )
    except agreements.EditConflict as exc:
        return _conflict(exc)
    return _detail(workspace, agreement_id)


# --- versions -------------------------------------------------------------------------------


@router.get(
    "/agreements/{agreement_id}/versions",
    response={200: VersionPage, **LIST_ERRORS},
    summary="List the versions of an agreement's text",
    description="Newest first; without the text (GET a version for it).",
    tags=["Agreements"],
)
def list_versions(request, agreement_id: PathId, params: Query[PageParams]):
    agreement = agreements.get_agreement(request.auth.workspace, agreement_id)
    queryset = _version_rows().filter(agreement=agreement).defer(*TEXT_PARTS)
    return _page(queryset, params)


@router.post(
    "/agreements/{agreement_id}/versions",
    response={201: VersionOut, 200: VersionOut, **WRITE_ERRORS},
    summary="Save a new version of the text",
    description="Parts not sent keep the text of `base_version`; in responsibilities and "
    "contributions only the parties (and kinds) sent change. When `base_version` is no longer "
    "the latest, nothing is saved: 409 with `current_version`. When the text does not change, "
    "no version is added and the answer is 200 with the latest. A signed or expired agreement "
    "cannot change (422).",
    tags=["Agreements"],
)
def create_version(request, agreement_id: PathId, payload: VersionIn):
    require_edit(request)
    agreement = agreements.get_agreement(request.auth.workspace, agreement_id)
    sent = payload.model_dump(exclude_unset=True)
    latest = _latest(agreement)
    text = _text_of(latest)
    party_keys = {str(p.organisation_id) for p in agreements.parties(agreement)}
    for name in agreements.PLAIN_PARTS:
        if name in sent:
            text[name] = sent[name] or ""
    responsibilities = dict(text["responsibilities"] or {})
    for key, value in (sent.get("responsibilities") or {}).items():
        responsibilities[_party_key(key, party_keys, "responsibilities")] = value
    contributions = {k: dict(v or {}) for k, v in (text["contributions"] or {}).items()}
    for key, given in (sent.get("contributions") or {}).items():
        entry = contributions.setdefault(_party_key(key, party_keys, "contributions"), {})
        for kind, value in given.items():
            entry[kind] = value or ""
    text.update(responsibilities=responsibilities, contributions=contributions)
    text["note"] = sent.get("note") or ""
    try:
        _agreement, version = agreements.agreement_save(
            agreement=agreement,
            actor=request.auth.user,
            data={},
            text=text,
            base_number=payload.base_version,
        )
    except agreements.EditConflict as exc:
        return _conflict(exc)
    if version is None:
        return Status(200, latest)
    return Status(201, _version_rows().get(pk=version.pk))


@router.get(
    "/agreements/{agreement_id}/versions/{number}",
    response={200: VersionOut, **READ_ERRORS},
    summary="Get a version of an agreement's text",
    tags=["Agreements"],
)
def get_version(request, agreement_id: PathId, number: PathNumber):
    agreement = agreements.get_agreement(request.auth.workspace, agreement_id)
    version = _version_rows().filter(agreement=agreement, number=number).first()
    if version is None:
        raise Http404
    return version


# --- signatories ----------------------------------------------------------------------------


@router.get(
    "/agreements/{agreement_id}/signatories",
    response={200: SignatoryPage, **LIST_ERRORS},
    summary="List an agreement's signatories",
    description="By the name of the party they sign for.",
    tags=["Signatories"],
)
def list_signatories(request, agreement_id: PathId, params: Query[PageParams]):
    agreement = agreements.get_agreement(request.auth.workspace, agreement_id)
    return _page(_signatory_rows().filter(agreement=agreement), params)


@router.post(
    "/agreements/{agreement_id}/signatories",
    response={201: SignatoryOut, **WRITE_ERRORS},
    summary="Add a signatory",
    description="A person who signs for a party; they must be affiliated with it (422 "
    "otherwise), once per agreement. Not on a signed or expired agreement.",
    tags=["Signatories"],
)
def add_signatory(request, agreement_id: PathId, payload: SignatoryIn):
    require_edit(request)
    workspace = request.auth.workspace
    agreement = agreements.get_agreement(workspace, agreement_id)
    signatory = agreements.signatory_add(
        agreement=agreement,
        actor=request.auth.user,
        person=_referenced(contacts.get_person, workspace, payload.person, "person"),
        organisation=_referenced(
            contacts.get_organisation, workspace, payload.organisation, "organisation"
        ),
        position=payload.position or "",
        signed_on=payload.signed_on,
    )
    return Status(201, _signatory_rows().get(pk=signatory.pk))


@router.delete(
    "/signatories/{signatory_id}",
    response=DELETED,
    summary="Remove a signatory",
    description="Not from a signed or expired agreement (422).",
    tags=["Signatories"],
)
def delete_signatory(request, signatory_id: PathId):
    require_edit(request)
    signatory = _signatory(request.auth.workspace, signatory_id)
    agreements.signatory_remove(signatory=signatory, actor=request.auth.user)
    return Status(204, None)


# --- the document and the scan --------------------------------------------------------------


def _document(request, agreement_id: int, params: DocumentParams, kind: str) -> HttpResponse:
    agreement = agreements.get_agreement(request.auth.workspace, agreement_id)
    version = agreements.get_version(agreement, params.version)
    if kind == "pdf":
        body = documents.agreement_pdf(agreement, version)
    else:
        body = documents.agreement_docx(agreement, version)
    response = HttpResponse(body, content_type=DOCUMENT_TYPES[kind])
    name = documents.filename(agreement, version, kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/agreements/{agreement_id}/document.pdf",
    response=LIST_ERRORS,
    summary="Download the agreement as PDF",
    description="A4, in the agreement's language, with a signature block per party.",
    tags=["Agreements"],
    openapi_extra=_binary(DOCUMENT_TYPES["pdf"], "The agreement as PDF."),
)
def agreement_pdf(request, agreement_id: PathId, params: Query[DocumentParams]):
    return _document(request, agreement_id, params, "pdf")


@router.get(
    "/agreements/{agreement_id}/document.docx",
    response=LIST_ERRORS,
    summary="Download the agreement as DOCX",
    description="The same document as the PDF, to edit in a word processor.",
    tags=["Agreements"],
    openapi_extra=_binary(DOCUMENT_TYPES["docx"], "The agreement as DOCX."),
)
def agreement_docx(request, agreement_id: PathId, params: Query[DocumentParams]):
    return _document(request, agreement_id, params, "docx")


@router.get(
    "/agreements/{agreement_id}/scan",
    response=READ_ERRORS,
    summary="Download the signed scan",
    description="The PDF, JPEG or PNG kept with the agreement; 404 when there is none.",
    tags=["Agreements"],
    openapi_extra=_binary("application/octet-stream", "The scan (PDF, JPEG or PNG)."),
)
def agreement_scan(request, agreement_id: PathId):
    agreement = agreements.get_agreement(request.auth.workspace, agreement_id)
    try:
        handle = agreement.signed_scan.open("rb") if agreement.signed_scan else None
    except FileNotFoundError:
        handle = None
    if handle is None:
        return Status(404, {"detail": _("There is no signed scan to download yet.")})
    ext = agreement.signed_scan.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle,
        as_attachment=True,
        content_type=agreements.scan_content_type(agreement),
        filename=f"agreement-{agreement.pk}-signed.{ext}",
    )
    response["Cache-Control"] = "private, no-store"
    return response
