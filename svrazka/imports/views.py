"""The import wizard: upload, (choose the columns), watch the check, decide, watch the import,
undo. Each step is a page of the job; a running step shows a progress bar that polls
`import_progress` and reloads the page when the step is over, so leaving and coming back is fine."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.imports import reading, services
from svrazka.imports.models import Format, ImportJob, ProblemKind, Status
from svrazka.lib.paging import paginate

PROBLEMS_PER_PAGE = 100


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    format = forms.ChoiceField(
        label=gettext_lazy("What kind of file"), choices=Format.choices, initial=Format.AUTO
    )


class DecisionForm(forms.Form):
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Skip the rows with problems"), required=False
    )
    skip_duplicates = forms.BooleanField(
        label=gettext_lazy("Skip the rows that repeat people we have"), required=False
    )


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.select_related("created_by", "undone_by"),
        workspace=request.workspace,
        pk=pk,
    )


def _job_url(job: ImportJob) -> str:
    return reverse("import_detail", args=[job.workspace.slug, job.pk])


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                job = services.job_create(
                    workspace=request.workspace,
                    actor=request.user,
                    upload=upload,
                    filename=upload.name,
                    requested_format=form.cleaned_data["format"],
                )
        except ValidationError as e:
            form.add_error("file", e)
        else:
            return redirect(_job_url(job))
    jobs = paginate(
        ImportJob.objects.filter(workspace=request.workspace).select_related("created_by"),
        request.GET.get("page"),
        30,
    )
    status = 400 if form.errors else 200
    return render(
        request,
        "imports/import_list.html",
        {"form": form, "page": jobs, "max_mb": services.max_bytes() // (1024 * 1024)},
        status=status,
    )


@workspace_view("edit")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    job.rows_done = services.live_rows_done(job)  # shown only, never saved from here
    context: dict = {"job": job, "rows_done": job.rows_done}
    if job.status == Status.MAPPING:
        context["mapping"] = _mapping_rows(job)
        context["targets"] = reading.targets()
    if job.status in (Status.CHECKED, Status.DONE, Status.FAILED, Status.UNDONE):
        kind = request.GET.get("show", ProblemKind.ERROR)
        if kind not in ProblemKind.values:
            kind = ProblemKind.ERROR
        context["show"] = kind
        context["problems"] = paginate(
            job.problems.filter(kind=kind), request.GET.get("page"), PROBLEMS_PER_PAGE
        )
        context["decision"] = DecisionForm(
            initial={"skip_invalid": bool(job.rows_invalid and job.skip_invalid)}
        )
    return render(request, "imports/import_detail.html", context)


def _mapping_rows(job: ImportJob) -> list[dict]:
    preview = reading.preview(job, rows=5)
    return [
        {
            "index": i,
            "name": name,
            "target": job.mapping.get(str(i), "ignore"),
            "samples": [row[i] if i < len(row) else "" for row in preview],
        }
        for i, name in enumerate(job.header)
    ]


@workspace_view("edit")
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled while a step runs; when the step is over, the page
    reloads to show its outcome."""
    job = _job(request, pk)
    if not job.busy:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _job_url(job)
        return response
    job.rows_done = services.live_rows_done(job)  # shown only, never saved from here
    return render(
        request, "imports/partials/progress.html", {"job": job, "rows_done": job.rows_done}
    )


@workspace_view("edit")
@require_POST
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    mapping = {str(i): request.POST.get(f"column_{i}", "ignore") for i in range(len(job.header))}
    try:
        with transaction.atomic():
            services.job_set_mapping(
                job=job, mapping=mapping, remember=request.POST.get("remember") == "on"
            )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect(_job_url(job))


@workspace_view("edit")
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            services.job_start_import(
                job=job,
                skip_invalid=form.cleaned_data.get("skip_invalid", False),
                skip_duplicates=form.cleaned_data.get("skip_duplicates", False),
            )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect(_job_url(job))


@workspace_view("edit")
@require_POST
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        services.job_undo(job=job, actor=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request,
            _("The import is undone: %(people)s people and %(orgs)s organisations removed.")
            % {"people": job.people_created, "orgs": job.organisations_created},
        )
    return redirect(_job_url(job))


@workspace_view("edit")
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        services.job_cancel(job=job)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect(_job_url(job))
    return redirect("import_list", request.workspace.slug)
