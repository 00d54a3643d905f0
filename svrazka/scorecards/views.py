"""Pages of scorecards: the list (with the deck's defaults), editing criteria and weights,
scoring candidates, the side-by-side comparison, the shortlist and attaching it to a
partnership. Viewers read; members and above write; outsiders get 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.contacts import selectors as contacts
from svrazka.partnerships import selectors as partnerships
from svrazka.partnerships.models import Partnership, Phase
from svrazka.scorecards import selectors, services
from svrazka.scorecards.forms import (
    AttachForm,
    CandidateForm,
    CopyForm,
    CriteriaFormSet,
    ScorecardForm,
    ScoresForm,
)
from svrazka.scorecards.models import Purpose, weight_text

MAX_ATTACH_CHOICES = 200


def _detail(request, scorecard) -> HttpResponse:
    return redirect("scorecard_detail", slug=request.workspace.slug, pk=scorecard.pk)


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _add_errors(form, error: ValidationError) -> None:
    """Service errors on the form: on their field if the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- the list and the defaults --------------------------------------------------------------


@workspace_view("view")
@require_GET
def scorecard_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    if request.membership.can_edit:
        created = services.seed_default_scorecards(workspace=workspace, actor=request.user)
        if created:
            messages.info(
                request,
                _(
                    "We created the deck's default scorecards for partners, sponsors, "
                    "supporters and facilitators. Change their criteria and weights to fit "
                    "your organisation."
                ),
            )
    purpose = request.GET.get("purpose", "")
    if purpose not in Purpose.values:
        purpose = ""
    scorecards = list(selectors.scorecards_list(workspace=workspace, purpose=purpose))
    shortlisted = selectors.shortlisted_counts([s.pk for s in scorecards])
    for s in scorecards:
        s.shortlisted_count = shortlisted.get(s.pk, 0)
    return render(
        request,
        "scorecards/scorecard_list.html",
        {
            "scorecards": scorecards,
            "purpose": purpose,
            "purposes": Purpose.choices,
            "missing_defaults": services.default_scorecards_missing(workspace)
            if request.membership.can_edit
            else [],
        },
    )


@workspace_view("edit")
@require_POST
def scorecard_defaults(request: HttpRequest) -> HttpResponse:
    created = services.create_default_scorecards(workspace=request.workspace, actor=request.user)
    if created:
        messages.success(
            request,
            _("Created: %(names)s.") % {"names": ", ".join(s.name for s in created)},
        )
    else:
        messages.info(request, _("The workspace already has all the default scorecards."))
    return redirect("scorecard_list", slug=request.workspace.slug)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def scorecard_create(request: HttpRequest) -> HttpResponse:
    form = ScorecardForm(request.POST or None)
    if request.method == "GET" and request.GET.get("purpose") in Purpose.values:
        form.initial["purpose"] = request.GET["purpose"]
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            scorecard = services.scorecard_create(
                workspace=request.workspace, actor=request.user, data=data
            )
        except ValidationError as e:
            _add_errors(form, e)
        else:
            messages.success(request, _("The scorecard is created. Add its criteria now."))
            return redirect("scorecard_edit", slug=request.workspace.slug, pk=scorecard.pk)
    return render(
        request,
        "scorecards/scorecard_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


# --- one scorecard --------------------------------------------------------------------------


def _partnership_choices(workspace) -> list[dict]:
    """Partnerships to attach a shortlist to, grouped by phase, "before" first."""
    rows = list(
        Partnership.objects.filter(workspace=workspace)
        .only("id", "title", "phase")
        .order_by("-updated_at", "id")[:MAX_ATTACH_CHOICES]
    )
    return [
        {"label": label, "partnerships": [p for p in rows if p.phase == key]}
        for key, label in Phase.choices
        if any(p.phase == key for p in rows)
    ]


@workspace_view("view")
@require_GET
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = selectors.get_scorecard(request.workspace, pk)
    shortlisted_only = request.GET.get("shortlisted") == "1"
    table = selectors.comparison(scorecard, shortlisted_only=shortlisted_only)
    return render(
        request,
        "scorecards/scorecard_detail.html",
        {
            "scorecard": scorecard,
            "table": table,
            "shortlisted_only": shortlisted_only,
            "links": selectors.shortlists_attached(scorecard),
            "partnership_groups": _partnership_choices(request.workspace)
            if request.membership.can_edit
            else [],
        },
    )


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values[:50]:
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return ids


@workspace_view("view")
@require_GET
def scorecard_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Chosen candidates side by side, one column each (the shortlist if none are chosen)."""
    scorecard = selectors.get_scorecard(request.workspace, pk)
    ids = _ids(request.GET.getlist("c"))
    if ids:
        table = selectors.comparison(scorecard, ids=ids)
    else:
        table = selectors.comparison(scorecard, shortlisted_only=True)
        if not table.rows:
            table = selectors.comparison(scorecard)
    lines = [
        {"criterion": c, "cells": [row.scores[i] for row in table.rows]}
        for i, c in enumerate(table.criteria)
    ]
    return render(
        request,
        "scorecards/scorecard_compare.html",
        {"scorecard": scorecard, "table": table, "lines": lines},
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def scorecard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The scorecard's name, purpose and scale, and its criteria and weights, in one form."""
    scorecard = selectors.get_scorecard(request.workspace, pk)
    criteria = list(scorecard.criteria.order_by("position", "id"))
    if request.method == "POST":
        form = ScorecardForm(request.POST)
        formset = CriteriaFormSet(request.POST, prefix="criteria")
    else:
        form = ScorecardForm(
            initial={
                "name": scorecard.name,
                "purpose": scorecard.purpose,
                "min_score": scorecard.min_score,
                "description": scorecard.description,
                "version": scorecard.version,
            }
        )
        formset = CriteriaFormSet(
            prefix="criteria",
            initial=[
                {
                    "id": c.pk,
                    "name": c.name,
                    "guidance": c.guidance,
                    "weight": weight_text(c.weight),
                    "ORDER": i + 1,
                }
                for i, c in enumerate(criteria)
            ],
        )
    status, conflict = 200, None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        version = form.cleaned_data.get("version")
        deleted = {id(f) for f in formset.deleted_forms}
        rows = [
            {
                "id": f.cleaned_data.get("id"),
                "name": f.cleaned_data.get("name", ""),
                "guidance": f.cleaned_data.get("guidance", ""),
                "weight": f.cleaned_data.get("weight") or "1",
            }
            for f in formset.ordered_forms
            if f.has_changed() or f.cleaned_data.get("id")
        ]
        rows += [
            {"id": f.cleaned_data.get("id"), "delete": True}
            for f in formset.forms
            if id(f) in deleted and f.cleaned_data.get("id")
        ]
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            scorecard = services.scorecard_save(
                scorecard=scorecard, actor=request.user, data=data, rows=rows, version=version
            )
        except services.EditConflict as e:
            conflict = e.current
            form.data = form.data.copy()
            form.data["version"] = e.current.version
            status = 409
        except ValidationError as e:
            _add_errors(form, e)
        else:
            messages.success(request, _("The scorecard is saved."))
            return _detail(request, scorecard)
    if form.errors or (request.method == "POST" and not formset.is_valid()):
        status = 400
    return render(
        request,
        "scorecards/scorecard_edit.html",
        {"scorecard": scorecard, "form": form, "formset": formset, "conflict": conflict},
        status=status,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def scorecard_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = selectors.get_scorecard(request.workspace, pk)
    if request.method == "POST":
        services.scorecard_delete(scorecard=scorecard, actor=request.user)
        messages.success(request, _("“%(name)s” is deleted.") % {"name": scorecard.name})
        return redirect("scorecard_list", slug=request.workspace.slug)
    return render(
        request,
        "contacts/confirm_delete.html",
        {
            "object": scorecard,
            "cancel_url": reverse("scorecard_detail", args=[request.workspace.slug, pk]),
            "consequence": _(
                "Its criteria, the candidates' scores and the shortlist will be deleted too, "
                "also from the partnerships it is attached to. The organisations and people stay."
            ),
        },
    )


@workspace_view("edit")
@require_POST
def scorecard_copy(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = selectors.get_scorecard(request.workspace, pk)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the copy a name."))
        return _detail(request, scorecard)
    try:
        copy = services.scorecard_copy(
            scorecard=scorecard, actor=request.user, name=form.cleaned_data["name"]
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return _detail(request, scorecard)
    messages.success(
        request,
        _("“%(name)s” has the same criteria and no candidates yet.") % {"name": copy.name},
    )
    return _detail(request, copy)


# --- candidates -----------------------------------------------------------------------------


@workspace_view("edit")
@require_GET
def candidate_lookup(request: HttpRequest, pk: int) -> HttpResponse:
    """Options for choosing a candidate by name (htmx), at most 30."""
    selectors.get_scorecard(request.workspace, pk)
    q = request.GET.get("q", "")[:200]
    filters = contacts.ContactFilters(q=q)
    if request.GET.get("kind") == "person":
        rows = contacts.people_listing(workspace=request.workspace, filters=filters)[:30]
        options = [(p.pk, p.full_name) for p in rows]
    else:
        rows = contacts.organisations_listing(workspace=request.workspace, filters=filters)[:30]
        options = [(o.pk, f"{o.name} ({o.city})" if o.city else o.name) for o in rows]
    return render(request, "scorecards/partials/candidate_options.html", {"options": options})


def _candidate(workspace, kind: str, pk: int):
    """The chosen organisation or person, or a clear error if it is not in this workspace."""
    from django.http import Http404

    try:
        if kind == "person":
            return None, contacts.get_person(workspace, pk)
        return contacts.get_organisation(workspace, pk), None
    except Http404:
        raise ValidationError(
            {"candidate": _("Choose an organisation or a person of this workspace.")}
        ) from None


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    workspace = request.workspace
    scorecard = selectors.get_scorecard(workspace, pk)
    criteria = list(scorecard.criteria.order_by("position", "id"))
    who = CandidateForm(request.POST or None)
    form = ScoresForm(request.POST or None, criteria=criteria, min_score=scorecard.min_score)
    chosen = None
    if request.method == "GET":
        for kind in ("organisation", "person"):
            if request.GET.get(kind, "").isdigit():
                who.initial.update(kind=kind, candidate=int(request.GET[kind]))
    kind = (who.data or who.initial).get("kind") or "organisation"
    candidate_id = (who.data or who.initial).get("candidate")
    if str(candidate_id or "").isdigit():
        try:
            organisation, person = _candidate(workspace, kind, int(candidate_id))
            chosen = organisation or person
        except ValidationError:
            chosen = None
    if request.method == "POST" and who.is_valid() and form.is_valid():
        try:
            organisation, person = _candidate(
                workspace, who.cleaned_data["kind"], who.cleaned_data["candidate"]
            )
            assessment = services.assessment_create(
                scorecard=scorecard,
                actor=request.user,
                organisation=organisation,
                person=person,
                scores=form.scores(),
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as e:
            _add_errors(who, e)
        else:
            messages.success(
                request, _("%(name)s is scored.") % {"name": assessment.candidate_name}
            )
            return _detail(request, scorecard)
    status = 400 if (who.errors or form.errors) else 200
    return render(
        request,
        "scorecards/assessment_form.html",
        {
            "scorecard": scorecard,
            "who": who,
            "form": form,
            "kind": kind,
            "chosen": chosen,
        },
        status=status,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment(request.workspace, pk)
    scorecard = assessment.scorecard
    criteria = list(scorecard.criteria.order_by("position", "id"))
    form = ScoresForm(request.POST or None, criteria=criteria, min_score=scorecard.min_score)
    if request.method == "GET":
        form.initial["version"] = assessment.version
        form.initial["note"] = assessment.note
        for s in assessment.scores.all():
            form.initial[f"score_{s.criterion_id}"] = str(s.value)
            form.initial[f"note_{s.criterion_id}"] = s.note
    status, conflict = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_score(
                assessment=assessment,
                actor=request.user,
                scores=form.scores(),
                note=form.cleaned_data.get("note", ""),
                version=form.cleaned_data.get("version"),
            )
        except services.EditConflict as e:
            conflict = e.current
            form.data = form.data.copy()
            form.data["version"] = e.current.version
            status = 409
        except ValidationError as e:
            _add_errors(form, e)
        else:
            messages.success(
                request, _("%(name)s is scored.") % {"name": assessment.candidate_name}
            )
            return _detail(request, scorecard)
    if form.errors:
        status = 400
    return render(
        request,
        "scorecards/assessment_form.html",
        {
            "scorecard": scorecard,
            "assessment": assessment,
            "form": form,
            "conflict": conflict,
        },
        status=status,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def assessment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.get_assessment(request.workspace, pk)
    scorecard = assessment.scorecard
    if request.method == "POST":
        services.assessment_delete(assessment=assessment, actor=request.user)
        messages.success(
            request,
            _("%(name)s is no longer a candidate.") % {"name": assessment.candidate_name},
        )
        return _detail(request, scorecard)
    return render(
        request,
        "contacts/confirm_delete.html",
        {
            "object": assessment,
            "cancel_url": reverse("scorecard_detail", args=[request.workspace.slug, scorecard.pk]),
            "consequence": _("Their scores on this scorecard will be deleted too."),
        },
    )


@workspace_view("edit")
@require_POST
def assessment_shortlist(request: HttpRequest, pk: int) -> HttpResponse:
    """Shortlist a candidate (``shortlisted=1``) or take them off (``shortlisted=0``);
    without the field, toggle."""
    assessment = selectors.get_assessment(request.workspace, pk)
    value = request.POST.get("shortlisted")
    shortlisted = not assessment.shortlisted if value not in ("0", "1") else value == "1"
    services.assessment_shortlist(
        assessment=assessment, actor=request.user, shortlisted=shortlisted
    )
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "shortlistChanged"
        return response
    if shortlisted:
        text = _("%(name)s is on the shortlist.")
    else:
        text = _("%(name)s is off the shortlist.")
    messages.success(request, text % {"name": assessment.candidate_name})
    fallback = reverse("scorecard_detail", args=[request.workspace.slug, assessment.scorecard_id])
    return redirect(_next_or(request, fallback))


# --- the shortlist on partnerships ----------------------------------------------------------


@workspace_view("edit")
@require_POST
def shortlist_attach(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = selectors.get_scorecard(request.workspace, pk)
    form = AttachForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a partnership."))
        return _detail(request, scorecard)
    partnership = partnerships.get_partnership(request.workspace, form.cleaned_data["partnership"])
    try:
        services.shortlist_attach(scorecard=scorecard, partnership=partnership, actor=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return _detail(request, scorecard)
    messages.success(
        request,
        _("The shortlist now shows on “%(title)s”, in its “before” phase.")
        % {"title": partnership.title},
    )
    return _detail(request, scorecard)


@workspace_view("edit")
@require_POST
def shortlist_detach(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = selectors.get_scorecard(request.workspace, pk)
    form = AttachForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a partnership."))
        return _detail(request, scorecard)
    partnership = partnerships.get_partnership(request.workspace, form.cleaned_data["partnership"])
    services.shortlist_detach(scorecard=scorecard, partnership=partnership, actor=request.user)
    messages.success(
        request,
        _("The shortlist no longer shows on “%(title)s”.") % {"title": partnership.title},
    )
    return redirect(
        _next_or(request, reverse("scorecard_detail", args=[request.workspace.slug, pk]))
    )
