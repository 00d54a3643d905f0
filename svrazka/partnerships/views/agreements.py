"""Pages of the agreement builder: create, edit the six parts (each save a new version), compare
versions, status, signatories, the signed scan, and the document as PDF or DOCX."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.contacts.forms import DateInput
from svrazka.contacts.models import Organisation, Person
from svrazka.partnerships import agreements, documents
from svrazka.partnerships.models import Agreement, AgreementStatus, ResourceKind
from svrazka.partnerships.selectors import get_partnership

LANGUAGE_CHOICES = Agreement._meta.get_field("language").choices


# --- forms ----------------------------------------------------------------------------------


class AgreementDetailsForm(forms.Form):
    """What is true of the agreement as a whole (not versioned)."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the document"), choices=LANGUAGE_CHOICES
    )
    start_date = forms.DateField(
        label=gettext_lazy("Cooperation from"), required=False, widget=DateInput
    )
    end_date = forms.DateField(
        label=gettext_lazy("Cooperation until"), required=False, widget=DateInput
    )
    remind_days_before = forms.IntegerField(
        label=gettext_lazy("Remind this many days before it ends"),
        min_value=0,
        max_value=365,
        initial=30,
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date",
                _(
                    "The agreement cannot end before it starts: the end "
                    "date is before the start date."
                ),
            )
        return data

    def details(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in agreements.DETAIL_FIELDS}


def _text_field(label="", rows=5):
    return forms.CharField(
        label=label,
        required=False,
        max_length=agreements.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AgreementEditForm(AgreementDetailsForm):
    """The details and the six parts; responsibilities and contributions per party."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    common_goals = _text_field()
    period = _text_field(rows=3)
    mechanism = _text_field()
    benefits = _text_field()
    note = forms.CharField(
        label=gettext_lazy("What changed in this version"), required=False, max_length=300
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = parties
        for p in parties:
            org = p.organisation_id
            self.fields[f"responsibilities_{org}"] = _text_field(
                gettext_lazy("Responsibilities"), rows=4
            )
            for kind in agreements.CONTRIBUTION_KINDS:
                self.fields[f"{kind}_{org}"] = _text_field(ResourceKind(kind).label, rows=2)

    @staticmethod
    def initial_from(agreement: Agreement, version) -> dict:
        initial = {name: getattr(agreement, name) for name in agreements.DETAIL_FIELDS}
        initial["base_version"] = version.number if version else None
        for name in agreements.PLAIN_PARTS:
            initial[name] = getattr(version, name) if version else ""
        for org, text in (version.responsibilities if version else {}).items():
            initial[f"responsibilities_{org}"] = text
        for org, given in (version.contributions if version else {}).items():
            for kind, text in (given or {}).items():
                initial[f"{kind}_{org}"] = text
        return initial

    def text(self) -> dict:
        d = self.cleaned_data
        text = {name: d.get(name, "") for name in agreements.PLAIN_PARTS}
        text["note"] = d.get("note", "")
        text["responsibilities"] = {
            str(p.organisation_id): d.get(f"responsibilities_{p.organisation_id}", "")
            for p in self.parties
        }
        text["contributions"] = {
            str(p.organisation_id): {
                kind: d.get(f"{kind}_{p.organisation_id}", "")
                for kind in agreements.CONTRIBUTION_KINDS
            }
            for p in self.parties
        }
        return text

    def sections(self, language: str) -> list[dict]:
        """The six parts in the deck's order, each with its hint and its fields."""
        result = []
        for number, part in enumerate(agreements.parts(), 1):
            section = {
                "number": number,
                "key": part.key,
                "title": agreements.part_title(part, language),
                "hint": agreements.part_hint(part, language),
                "fields": [],
                "blocks": [],
            }
            if part.key == "period":
                section["fields"] = [self["start_date"], self["end_date"], self["period"]]
            elif part.key in agreements.PLAIN_PARTS:
                section["fields"] = [self[part.key]]
            for p in self.parties if part.key in agreements.PER_PARTNER_PARTS else ():
                org = p.organisation_id
                names = (
                    [f"responsibilities_{org}"]
                    if part.key == "responsibilities"
                    else [f"{kind}_{org}" for kind in agreements.CONTRIBUTION_KINDS]
                )
                section["blocks"].append(
                    {
                        "organisation": p.organisation,
                        "role": p.get_role_display(),
                        "fields": [self[n] for n in names],
                    }
                )
            result.append(section)
        return result


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"), choices=AgreementStatus.choices)
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), required=False, widget=DateInput)

    def __init__(self, *args, agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = agreements.next_statuses(agreement)
        self.fields["signed_on"].initial = agreement.signed_on


class SignatoryForm(forms.Form):
    person = forms.IntegerField(label=gettext_lazy("Person"), widget=forms.Select)
    organisation = forms.IntegerField(
        label=gettext_lazy("Signs for"),
        required=False,
        widget=forms.Select,
        help_text=gettext_lazy("Leave empty to take the party the person is affiliated with."),
    )
    position = forms.CharField(
        label=gettext_lazy("Position"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Empty: the position of the affiliation."),
    )
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), required=False, widget=DateInput)

    def __init__(self, *args, affiliations, parties, **kwargs):
        super().__init__(*args, **kwargs)
        seen, people = set(), [("", "—")]
        for a in affiliations:
            if a.person_id not in seen:
                seen.add(a.person_id)
                people.append((a.person_id, f"{a.person.full_name} — {a.organisation.name}"))
        self.fields["person"].widget.choices = people
        self.fields["organisation"].widget.choices = [("", "—")] + [
            (p.organisation_id, p.organisation.name) for p in parties
        ]


class ScanForm(forms.Form):
    scan = forms.FileField(
        label=gettext_lazy("Signed scan"),
        help_text=gettext_lazy("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


# --- helpers --------------------------------------------------------------------------------


def _language(request) -> str:
    return "bg" if (get_language() or "").startswith("bg") else "en"


def _errors_into(form: forms.Form, error: ValidationError) -> None:
    """A service's errors onto the form: on the field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _detail(request, agreement: Agreement, status: int = 200, **forms_) -> HttpResponse:
    """The agreement page, with the forms given (bound, with errors) or fresh ones."""
    agreement = agreements.agreement_page(request.workspace, agreement.pk)
    party_list = agreements.parties(agreement)
    versions = list(agreement.versions.all())
    try:
        version = agreements.get_version(agreement, request.GET.get("version"))
    except Http404:
        version = versions[0] if versions else None
    can_edit = request.membership.can_edit
    context = {
        "agreement": agreement,
        "partnership": agreement.partnership,
        "parties": party_list,
        "versions": versions,
        "version": version,
        "document": documents.document_context(agreement, version) if version else None,
        "editable": agreement.status in agreements.EDITABLE_STATUSES,
    }
    if can_edit:
        context["status_form"] = forms_.get("status_form") or StatusForm(agreement=agreement)
        context["signatory_form"] = forms_.get("signatory_form") or SignatoryForm(
            affiliations=agreements.signable_people(agreement, party_list), parties=party_list
        )
        context["scan_form"] = forms_.get("scan_form") or ScanForm()
    return render(request, "partnerships/agreements/detail.html", context, status=status)


# --- views ----------------------------------------------------------------------------------


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership(request.workspace, pk)
    language = _language(request)
    initial = {
        "title": f"{documents.LABELS[language]['agreement']} – {partnership.title}"[:200],
        "language": language,
        "start_date": partnership.start_date,
        "end_date": partnership.end_date,
        "remind_days_before": 30,
    }
    form = AgreementDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = agreements.agreement_create(
                partnership=partnership, actor=request.user, data=form.details()
            )
        except ValidationError as e:
            _errors_into(form, e)
        else:
            messages.success(
                request,
                _(
                    "The agreement is created. Version 1 is prefilled from "
                    "the partnership: complete the six parts."
                ),
            )
            return redirect("agreement_edit", slug=request.workspace.slug, pk=agreement.pk)
    return render(
        request,
        "partnerships/agreements/create.html",
        {"form": form, "partnership": partnership},
        status=400 if form.errors else 200,
    )


@workspace_view("view")
@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, agreements.get_agreement(request.workspace, pk))


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreements.get_agreement(request.workspace, pk)
    party_list = agreements.parties(agreement)
    latest = agreements.latest_version(agreement)
    form = AgreementEditForm(
        request.POST or None,
        parties=party_list,
        initial=AgreementEditForm.initial_from(agreement, latest),
    )
    conflict, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            agreement, version = agreements.agreement_save(
                agreement=agreement,
                actor=request.user,
                data=form.details(),
                text=form.text(),
                base_number=form.cleaned_data.get("base_version"),
            )
        except agreements.EditConflict as e:
            conflict = {"current": e.current, "base": form.cleaned_data.get("base_version")}
            form.data = form.data.copy()
            form.data["base_version"] = e.current.number
            status = 409
        except ValidationError as e:
            _errors_into(form, e)
        else:
            if version is None:
                messages.info(request, _("The text did not change: no new version."))
            else:
                messages.success(request, _("Saved as version %(n)s.") % {"n": version.number})
            return redirect("agreement_detail", slug=request.workspace.slug, pk=agreement.pk)
    if form.errors:
        status = 400
    elif request.method == "GET" and agreement.status not in agreements.EDITABLE_STATUSES:
        messages.warning(
            request, _("This agreement is signed or expired: it can no longer be changed.")
        )
        return redirect("agreement_detail", slug=request.workspace.slug, pk=agreement.pk)
    return render(
        request,
        "partnerships/agreements/edit.html",
        {
            "form": form,
            "agreement": agreement,
            "partnership": agreement.partnership,
            "sections": form.sections(_language(request)),
            "conflict": conflict,
            "latest": latest,
        },
        status=status,
    )


@workspace_view("view")
@require_GET
def agreement_diff(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreements.get_agreement(request.workspace, pk)
    versions = list(agreement.versions.only("id", "number", "note", "created_at"))
    numbers = [v.number for v in versions]
    try:
        new = agreements.get_version(agreement, request.GET.get("b"))
        default_old = max([n for n in numbers if n < new.number], default=new.number)
        old = agreements.get_version(agreement, request.GET.get("a") or default_old)
    except Http404:
        messages.warning(request, _("Choose two versions that exist."))
        return redirect("agreement_detail", slug=request.workspace.slug, pk=agreement.pk)
    parts = agreements.version_diff(agreement, old, new, _language(request))
    return render(
        request,
        "partnerships/agreements/diff.html",
        {
            "agreement": agreement,
            "partnership": agreement.partnership,
            "old": old,
            "new": new,
            "parts": parts,
            "versions": versions,
            "changed": any(p.changed for p in parts),
        },
    )


@workspace_view("edit")
@require_POST
def agreement_status(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreements.get_agreement(request.workspace, pk)
    form = StatusForm(request.POST, agreement=agreement)
    if form.is_valid():
        try:
            agreement = agreements.agreement_set_status(
                agreement=agreement,
                actor=request.user,
                status=form.cleaned_data["status"],
                signed_on=form.cleaned_data.get("signed_on"),
            )
        except ValidationError as e:
            _errors_into(form, e)
        else:
            messages.success(
                request,
                _("The agreement is now “%(status)s”.")
                % {"status": agreement.get_status_display()},
            )
            return redirect("agreement_detail", slug=request.workspace.slug, pk=agreement.pk)
    return _detail(request, agreement, status=400, status_form=form)


@workspace_view("edit")
@require_POST
def agreement_signatory_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreements.get_agreement(request.workspace, pk)
    party_list = agreements.parties(agreement)
    form = SignatoryForm(
        request.POST,
        parties=party_list,
        affiliations=agreements.signable_people(agreement, party_list),
    )
    if form.is_valid():
        d = form.cleaned_data
        ws = request.workspace
        person = Person.objects.filter(workspace=ws, pk=d["person"]).first()
        organisation = (
            Organisation.objects.filter(workspace=ws, pk=d["organisation"]).first()
            if d.get("organisation")
            else None
        )
        if d.get("organisation") and organisation is None:
            form.add_error("organisation", _("Choose a party to the agreement."))
        else:
            try:
                signatory = agreements.signatory_add(
                    agreement=agreement,
                    actor=request.user,
                    person=person,
                    organisation=organisation,
                    position=d.get("position", ""),
                    signed_on=d.get("signed_on"),
                )
            except ValidationError as e:
                _errors_into(form, e)
            else:
                messages.success(
                    request, _("%(signatory)s signs the agreement.") % {"signatory": signatory}
                )
                return redirect("agreement_detail", slug=ws.slug, pk=agreement.pk)
    return _detail(request, agreement, status=400, signatory_form=form)


@workspace_view("edit")
@require_POST
def agreement_signatory_remove(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreements.get_agreement(request.workspace, pk)
    signatory = agreements.get_signatory(agreement, request.POST.get("signatory"))
    try:
        agreements.signatory_remove(signatory=signatory, actor=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request, _("%(signatory)s no longer signs the agreement.") % {"signatory": signatory}
        )
    return redirect("agreement_detail", slug=request.workspace.slug, pk=agreement.pk)


@workspace_view("edit")
@require_POST
def agreement_scan_upload(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreements.get_agreement(request.workspace, pk)
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            agreements.agreement_attach_scan(
                agreement=agreement, actor=request.user, upload=form.cleaned_data["scan"]
            )
        except ValidationError as e:
            _errors_into(form, e)
        else:
            messages.success(request, _("The signed scan is kept with the agreement."))
            return redirect("agreement_detail", slug=request.workspace.slug, pk=agreement.pk)
    return _detail(request, agreement, status=400, scan_form=form)


@workspace_view("view")
@require_GET
def agreement_scan(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed scan, for members only: media files are never served at a public URL."""
    agreement = agreements.get_agreement(request.workspace, pk)
    try:
        handle = agreement.signed_scan.open("rb") if agreement.signed_scan else None
    except FileNotFoundError:
        handle = None
    if handle is None:
        messages.warning(request, _("There is no signed scan to download yet."))
        return redirect("agreement_detail", slug=request.workspace.slug, pk=agreement.pk)
    ext = agreement.signed_scan.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle,
        as_attachment=True,
        content_type=agreements.scan_content_type(agreement),
        filename=f"agreement-{agreement.pk}-signed.{ext}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _document(request, pk: int, kind: str) -> HttpResponse:
    agreement = agreements.get_agreement(request.workspace, pk)
    version = agreements.get_version(agreement, request.GET.get("version"))
    if kind == "pdf":
        body = documents.agreement_pdf(agreement, version)
        content_type = "application/pdf"
    else:
        body = documents.agreement_docx(agreement, version)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    response = HttpResponse(body, content_type=content_type)
    name = documents.filename(agreement, version, kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@workspace_view("view")
@require_GET
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "pdf")


@workspace_view("view")
@require_GET
def agreement_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "docx")


# Under /w/<slug>/partnerships/. <int:pk> is the agreement, except for agreement_create (the
# partnership).
urlpatterns = [
    path("<int:pk>/agreements/new/", agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/diff/", agreement_diff, name="agreement_diff"),
    path("agreements/<int:pk>/status/", agreement_status, name="agreement_status"),
    path(
        "agreements/<int:pk>/signatories/", agreement_signatory_add, name="agreement_signatory_add"
    ),
    path(
        "agreements/<int:pk>/signatories/remove/",
        agreement_signatory_remove,
        name="agreement_signatory_remove",
    ),
    path("agreements/<int:pk>/scan/upload/", agreement_scan_upload, name="agreement_scan_upload"),
    path("agreements/<int:pk>/scan/", agreement_scan, name="agreement_scan"),
    path("agreements/<int:pk>/pdf/", agreement_pdf, name="agreement_pdf"),
    path("agreements/<int:pk>/docx/", agreement_docx, name="agreement_docx"),
]
