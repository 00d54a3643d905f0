"""Pages of partnerships: list, board, the partnership room, and the writes hanging off it."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.accounts.models import User
from svrazka.contacts import selectors as contacts
from svrazka.contacts.models import Affiliation, Person
from svrazka.history.services import history_for
from svrazka.lib.paging import paginate
from svrazka.partnerships import practice, selectors, services
from svrazka.partnerships.forms import (
    ChecklistAddForm,
    DutyForm,
    MoveForm,
    PartnerForm,
    PartnershipEditForm,
    PartnershipFilterForm,
    ProjectForm,
    ResourceForm,
)
from svrazka.partnerships.models import (
    ChecklistTemplateItem,
    JointProject,
    PartnershipForm,
    Resource,
)


def _room(request, partnership) -> HttpResponse:
    return redirect("partnership_detail", slug=request.workspace.slug, pk=partnership.pk)


def _filters(request) -> tuple[PartnershipFilterForm, selectors.PartnershipFilters]:
    form = PartnershipFilterForm(request.GET)
    form.is_valid()
    d = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    d.pop("page", None)
    return form, selectors.PartnershipFilters(**d)


def _people_choices(workspace, partnership=None) -> list[Person]:
    """People to choose from: those affiliated with the partners first, then others (capped)."""
    if partnership is not None:
        org_ids = [p.organisation_id for p in partnership.partners.all()]
        people = list(
            Person.objects.filter(workspace=workspace, affiliations__organisation_id__in=org_ids)
            .distinct()
            .order_by("sort_key")[:200]
        )
        if people:
            return people
    return list(Person.objects.filter(workspace=workspace).order_by("sort_key")[:200])


# --- list and board -------------------------------------------------------------------------


@workspace_view("view")
def partnership_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    qs = selectors.partnerships_list(workspace=request.workspace, filters=filters).select_related(
        "liaison"
    )
    page = paginate(qs, form.cleaned_data.get("page"), settings.PAGE_SIZE)
    selectors.with_card_details(page.items, request.workspace)
    query = request.GET.copy()
    query.pop("page", None)
    template = "partnerships/partnership_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(
        request,
        template,
        {
            "filter_form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "steps": {s.key: s for s in practice.STEPS},
        },
    )


@workspace_view("view")
def partnership_board(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    columns = selectors.board_columns(workspace=request.workspace, filters=filters)
    language = get_language()
    steps = practice.STEPS
    for i, column in enumerate(columns):
        column["title"] = column["step"].title(language)
        # Keyboard (and no-JavaScript) moves: one step back or forward from each card.
        column["previous"] = steps[i - 1] if i > 0 else None
        column["next"] = steps[i + 1] if i + 1 < len(steps) else None
        column["previous_title"] = column["previous"].title(language) if i > 0 else ""
        column["next_title"] = column["next"].title(language) if column["next"] else ""
    return render(
        request,
        "partnerships/board.html",
        {
            "filter_form": form,
            "filters": filters,
            "columns": columns,
            "steps": practice.STEPS,
            "phases": practice.PHASES,
            "board_path": request.get_full_path(),
        },
    )


@workspace_view("edit")
@require_POST
def partnership_move(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.get_partnership(request.workspace, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a step of the flow."), status=400)
    try:
        services.partnership_move(
            partnership=partnership,
            actor=request.user,
            step=form.cleaned_data["step"],
            before_id=form.cleaned_data.get("before"),
        )
    except ValidationError as e:
        return HttpResponse(" ".join(e.messages), status=400)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "partnershipMoved"
        return response
    step = practice.step(form.cleaned_data["step"])
    messages.success(
        request,
        _("“%(title)s” moved to “%(step)s”.")
        % {"title": partnership.title, "step": step.title(get_language())},
    )
    return redirect(
        request.POST.get("next") or reverse("partnership_board", args=[request.workspace.slug])
    )


# --- the partnership ------------------------------------------------------------------------


@workspace_view("view")
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.partnership_room(request.workspace, pk)
    language = get_language()
    items = list(partnership.checklist.all())
    flow = []
    for phase_key, phase_en, phase_bg in practice.PHASES:
        steps = []
        for step in practice.steps_of(phase_key):
            steps.append(
                {
                    "step": step,
                    "title": step.title(language),
                    "items": [i for i in items if i.step == step.key],
                }
            )
        flow.append(
            {"key": phase_key, "title": phase_bg if language == "bg" else phase_en, "steps": steps}
        )
    return render(
        request,
        "partnerships/partnership_detail.html",
        {
            "partnership": partnership,
            "flow": flow,
            "current_step": practice.step_or_none(partnership.step),
            "done_count": sum(1 for i in items if i.is_done),
            "item_count": len(items),
            "history": history_for(workspace=request.workspace, obj=partnership),
            "steps": practice.STEPS,
            "cash_total": sum(
                (r.amount or 0) for r in partnership.resources.all() if r.kind == "cash"
            ),
        },
    )


def _edit_form(request, instance=None):
    people = _people_choices(request.workspace)
    if instance is not None and instance.facilitator and instance.facilitator not in people:
        people.insert(0, instance.facilitator)
    return PartnershipEditForm(
        request.POST or None, instance=instance, workspace=request.workspace, people=people
    )


def _form_data(request, form) -> dict:
    data = {k: form.cleaned_data.get(k) for k in form.Meta.fields}
    facilitator_id = form.cleaned_data.get("facilitator")
    data["facilitator"] = (
        contacts.get_person(request.workspace, facilitator_id) if facilitator_id else None
    )
    return data


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def partnership_create(request: HttpRequest) -> HttpResponse:
    form = _edit_form(request)
    if request.method == "GET":
        form.initial.setdefault("liaison", request.user.pk)
        form.initial.setdefault("form", request.GET.get("form", PartnershipForm.FORMAL))
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partnership_create(
                workspace=request.workspace, actor=request.user, data=_form_data(request, form)
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _(
                    "The partnership is created, with the checklist of its "
                    "form. Add the partners next."
                ),
            )
            return _room(request, partnership)
    return render(
        request,
        "partnerships/partnership_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def partnership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.get_partnership(request.workspace, pk)
    form = _edit_form(request, partnership)
    status, conflict = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partnership_update(
                partnership=partnership,
                actor=request.user,
                data=_form_data(request, form),
                version=form.cleaned_data.get("version"),
            )
        except services.EditConflict as e:
            conflict = e.current
            form.data = form.data.copy()
            form.data["version"] = e.current.version
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The partnership is saved."))
            return _room(request, partnership)
    if form.errors:
        status = 400
    return render(
        request,
        "partnerships/partnership_form.html",
        {"form": form, "partnership": partnership, "conflict": conflict},
        status=status,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def partnership_delete(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.get_partnership(request.workspace, pk)
    if request.method == "POST":
        services.partnership_delete(partnership=partnership, actor=request.user)
        messages.success(request, _("“%(name)s” is deleted.") % {"name": partnership.title})
        return redirect("partnership_list", slug=request.workspace.slug)
    return render(
        request,
        "contacts/confirm_delete.html",
        {
            "object": partnership,
            "cancel_url": reverse("partnership_detail", args=[request.workspace.slug, pk]),
            "consequence": _(
                "Its partners, duties, checklist, projects, resources, agreements and "
                "evaluations will be deleted too. The organisations and people stay."
            ),
        },
    )


# --- partners -------------------------------------------------------------------------------


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def partner_add(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.get_partnership(request.workspace, pk)
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            organisation = contacts.get_organisation(request.workspace, d["organisation"])
            liaison = contacts.get_person(request.workspace, d["liaison"]) if d["liaison"] else None
            services.partner_add(
                partnership=partnership,
                actor=request.user,
                organisation=organisation,
                role=d["role"],
                liaison=liaison,
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("%(name)s is now a partner.") % {"name": organisation})
            return _room(request, partnership)
    organisations = contacts.organisations_list(
        workspace=request.workspace, filters=contacts.ContactFilters()
    )[:30]
    return render(
        request,
        "partnerships/partner_form.html",
        {
            "form": form,
            "partnership": partnership,
            "organisations": organisations,
        },
        status=400 if form.errors else 200,
    )


@workspace_view("view")
def partner_liaisons(request: HttpRequest, pk: int) -> HttpResponse:
    """Options for "their liaison": the people affiliated with the chosen organisation (htmx)."""
    selectors.get_partnership(request.workspace, pk)
    try:
        org_id = int(request.GET.get("organisation", ""))
    except ValueError:
        org_id = 0
    people = [
        a.person
        for a in Affiliation.objects.filter(workspace=request.workspace, organisation_id=org_id)
        .select_related("person")
        .order_by("person__sort_key")[:100]
    ]
    return render(request, "partnerships/partials/person_options.html", {"people": people})


@workspace_view("edit")
@require_POST
def partner_remove(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.get_partner(request.workspace, pk)
    try:
        services.partner_remove(partner=partner, actor=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request, _("%(name)s is no longer a partner.") % {"name": partner.organisation}
        )
    return _room(request, partner.partnership)


# --- duties ---------------------------------------------------------------------------------


def _who_choices(request, partnership) -> list[tuple[str, str]]:
    choices = []
    for partner in partnership.partners.all():
        for a in (
            Affiliation.objects.filter(
                workspace=request.workspace, organisation=partner.organisation
            )
            .select_related("person")
            .order_by("person__sort_key")[:100]
        ):
            choices.append(
                (
                    f"p{a.person_id}-{partner.pk}",
                    f"{a.person.full_name} ({partner.organisation.name})",
                )
            )
    for user in User.objects.filter(memberships__workspace=request.workspace).order_by(
        "full_name", "email"
    ):
        choices.append((f"u{user.pk}", f"{user} ({_('our team')})"))
    return choices


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def duty_add(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.partnership_room(request.workspace, pk)
    form = DutyForm(request.POST or None)
    who_choices = _who_choices(request, partnership)
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"]
        data = {k: form.cleaned_data[k] for k in ("description", "start_date", "end_date")}
        try:
            if who.startswith("u") and who[1:].isdigit():
                data["user"] = User.objects.filter(
                    memberships__workspace=request.workspace, pk=int(who[1:])
                ).first()
                if data["user"] is None:
                    raise Http404
            elif who.startswith("p") and "-" in who:
                person_id, partner_id = who[1:].split("-", 1)
                data["person"] = contacts.get_person(request.workspace, int(person_id))
                data["partner"] = selectors.get_partner(request.workspace, int(partner_id))
            else:
                raise ValidationError({"who": _("Choose who does it.")})
            services.duty_add(partnership=partnership, actor=request.user, data=data)
        except (ValidationError, ValueError) as e:
            form.add_error(None, e if isinstance(e, ValidationError) else _("Choose who does it."))
        else:
            messages.success(request, _("The duty is added."))
            return _room(request, partnership)
    return render(
        request,
        "partnerships/duty_form.html",
        {
            "form": form,
            "partnership": partnership,
            "who_choices": who_choices,
        },
        status=400 if form.errors else 200,
    )


@workspace_view("edit")
@require_POST
def duty_remove(request: HttpRequest, pk: int) -> HttpResponse:
    duty = selectors.get_duty(request.workspace, pk)
    services.duty_remove(duty=duty, actor=request.user)
    messages.success(request, _("The duty is removed."))
    return _room(request, duty.partnership)


# --- checklist ------------------------------------------------------------------------------


@workspace_view("edit")
@require_POST
def checklist_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_checklist_item(request.workspace, pk)
    done = request.POST.get("done") == "1"
    item = services.checklist_item_set_done(item=item, actor=request.user, done=done)
    if request.htmx:
        return render(request, "partnerships/partials/checklist_item.html", {"item": item})
    return _room(request, item.partnership)


@workspace_view("edit")
@require_POST
def checklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.get_partnership(request.workspace, pk)
    form = ChecklistAddForm(request.POST)
    if form.is_valid():
        try:
            services.checklist_item_add(
                partnership=partnership, actor=request.user, **form.cleaned_data
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
    else:
        messages.error(request, _("Write the item's text."))
    return _room(request, partnership)


@workspace_view("edit")
@require_POST
def checklist_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_checklist_item(request.workspace, pk)
    services.checklist_item_delete(item=item, actor=request.user)
    return _room(request, item.partnership)


@workspace_view("manage_workspace")
@require_http_methods(["GET", "POST"])
def checklist_templates(request: HttpRequest) -> HttpResponse:
    form_key = request.GET.get("form") or request.POST.get("form") or PartnershipForm.FORMAL
    if form_key not in PartnershipForm.values:
        raise Http404
    if request.method == "POST" and request.POST.get("reset") == "1":
        ChecklistTemplateItem.objects.filter(workspace=request.workspace, form=form_key).delete()
        messages.success(request, _("The checklist template is back to the deck's defaults."))
        return redirect(
            reverse("checklist_templates", args=[request.workspace.slug]) + f"?form={form_key}"
        )
    if request.method == "POST":
        rows = [
            {"step": s, "title_en": en, "title_bg": bg}
            for s, en, bg in zip(
                request.POST.getlist("step"),
                request.POST.getlist("title_en"),
                request.POST.getlist("title_bg"),
                strict=False,
            )
        ]
        try:
            services.checklist_template_save(workspace=request.workspace, form=form_key, rows=rows)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(
                request,
                _("The checklist template is saved. New partnerships of this form start with it."),
            )
            return redirect(
                reverse("checklist_templates", args=[request.workspace.slug]) + f"?form={form_key}"
            )
    items = services.checklist_templates(request.workspace, form_key)
    return render(
        request,
        "partnerships/checklist_templates.html",
        {
            "items": items,
            "form_key": form_key,
            "forms": PartnershipForm.choices,
            "steps": practice.STEPS,
        },
    )


# --- projects and resources -----------------------------------------------------------------


def _get(model, request, pk):
    try:
        return model.objects.select_related("partnership").get(workspace=request.workspace, pk=pk)
    except (model.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def project_add(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.get_partnership(request.workspace, pk)
    return _project_form(request, partnership, None)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _get(JointProject, request, pk)
    return _project_form(request, project.partnership, project)


def _project_form(request, partnership, project):
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_save(
                partnership=partnership, actor=request.user, data=form.cleaned_data, project=project
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The project is saved."))
            return _room(request, partnership)
    return render(
        request,
        "partnerships/simple_form.html",
        {
            "form": form,
            "partnership": partnership,
            "heading": _("Joint project") if project is None else project.title,
        },
        status=400 if form.errors else 200,
    )


@workspace_view("edit")
@require_POST
def project_delete(request: HttpRequest, pk: int) -> HttpResponse:
    project = _get(JointProject, request, pk)
    services.project_delete(project=project, actor=request.user)
    return _room(request, project.partnership)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def resource_add(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.partnership_room(request.workspace, pk)
    form = ResourceForm(request.POST or None)
    form.fields["source"].widget.choices = [("", "—")] + [
        (p.organisation_id, p.organisation.name) for p in partnership.partners.all()
    ]
    form.fields["project"].widget.choices = [("", "—")] + [
        (p.pk, p.title) for p in partnership.projects.all()
    ]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data["source"] = (
                contacts.get_organisation(request.workspace, data["source"])
                if data.get("source")
                else None
            )
            data["project"] = (
                _get(JointProject, request, data["project"]) if data.get("project") else None
            )
            services.resource_add(partnership=partnership, actor=request.user, data=data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The resource is recorded."))
            return _room(request, partnership)
    return render(
        request,
        "partnerships/simple_form.html",
        {
            "form": form,
            "partnership": partnership,
            "heading": _("Additional resource"),
        },
        status=400 if form.errors else 200,
    )


@workspace_view("edit")
@require_POST
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _get(Resource, request, pk)
    services.resource_delete(resource=resource, actor=request.user)
    return _room(request, resource.partnership)


urlpatterns = [
    path("", partnership_list, name="partnership_list"),
    path("board/", partnership_board, name="partnership_board"),
    path("new/", partnership_create, name="partnership_create"),
    path("checklists/", checklist_templates, name="checklist_templates"),
    path("<int:pk>/", partnership_detail, name="partnership_detail"),
    path("<int:pk>/edit/", partnership_edit, name="partnership_edit"),
    path("<int:pk>/delete/", partnership_delete, name="partnership_delete"),
    path("<int:pk>/move/", partnership_move, name="partnership_move"),
    path("<int:pk>/partners/new/", partner_add, name="partner_add"),
    path("<int:pk>/partners/liaisons/", partner_liaisons, name="partner_liaisons"),
    path("partners/<int:pk>/remove/", partner_remove, name="partner_remove"),
    path("<int:pk>/duties/new/", duty_add, name="duty_add"),
    path("duties/<int:pk>/remove/", duty_remove, name="duty_remove"),
    path("<int:pk>/checklist/new/", checklist_add, name="checklist_add"),
    path("checklist/<int:pk>/toggle/", checklist_toggle, name="checklist_toggle"),
    path("checklist/<int:pk>/delete/", checklist_delete, name="checklist_delete"),
    path("<int:pk>/projects/new/", project_add, name="project_add"),
    path("projects/<int:pk>/edit/", project_edit, name="project_edit"),
    path("projects/<int:pk>/delete/", project_delete, name="project_delete"),
    path("<int:pk>/resources/new/", resource_add, name="resource_add"),
    path("resources/<int:pk>/delete/", resource_delete, name="resource_delete"),
]
