"""Pages of the contact database: lists, detail pages, create, edit, delete, bulk actions."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.contacts import selectors, services
from svrazka.contacts.forms import (
    AffiliationForm,
    BulkForm,
    FilterForm,
    OrganisationForm,
    PersonForm,
    TagForm,
)
from svrazka.contacts.models import Organisation, OrganisationType, Person
from svrazka.history.services import history_for
from svrazka.lib.paging import paginate


def _filters(request: HttpRequest) -> tuple[FilterForm, selectors.ContactFilters]:
    form = FilterForm(request.GET)
    form.is_valid()  # invalid values are dropped, never an error page
    d = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    filters = selectors.ContactFilters(
        q=d.get("q", ""),
        kind=d.get("kind", ""),
        country=d.get("country", ""),
        cause=d.get("cause"),
        tag=d.get("tag"),
        organisation=d.get("organisation"),
        unverified_months=d.get("unverified_months"),
        sort=d.get("sort", "name"),
    )
    return form, filters


def _apply_tags(workspace, data: dict, names: list[str]) -> dict:
    data["tags"] = [services.tag_get_or_create(workspace=workspace, name=n) for n in names]
    return data


def _conflict_fields(form, current) -> list[str]:
    """Fields whose stored value differs from what the editor submitted."""
    changed = []
    for name in form.Meta.fields:
        submitted = form.cleaned_data.get(name)
        stored = getattr(current, name, None)
        if (submitted or None) != (stored or None) and str(submitted) != str(stored):
            changed.append(str(form.fields[name].label))
    return changed


def _list_context(request, form, filters, page, model_name: str) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter_form": form,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "causes": selectors.causes(request.workspace),
        "tags": selectors.tags(request.workspace),
        "kinds": OrganisationType.choices,
        "model_name": model_name,
    }


# --- organisations --------------------------------------------------------------------------


@workspace_view("view")
def organisation_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    listing = selectors.organisations_listing(workspace=request.workspace, filters=filters)
    page = paginate(listing, form.cleaned_data.get("page"), settings.PAGE_SIZE)
    context = _list_context(request, form, filters, page, "organisations")
    template = "contacts/organisation_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


@workspace_view("view")
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organisation_detail(request.workspace, pk)
    affiliations, affiliation_total = selectors.organisation_people(request.workspace, org)
    return render(
        request,
        "contacts/organisation_detail.html",
        {
            "organisation": org,
            "affiliations": affiliations,
            "affiliation_total": affiliation_total,
            "history": history_for(workspace=request.workspace, obj=org),
        },
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        likely = []
        if not request.POST.get("not_a_duplicate"):
            likely = _likely_organisations(request.workspace, form.service_data())
        if likely:
            return render(
                request,
                "contacts/organisation_form.html",
                {"form": form, "likely": likely},
                status=409,
            )
        try:
            with transaction.atomic():
                data = _apply_tags(
                    request.workspace, form.service_data(), form.cleaned_data["tag_names"]
                )
                org = services.organisation_create(
                    workspace=request.workspace, actor=request.user, data=data
                )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The organisation is saved."))
            return redirect("organisation_detail", slug=request.workspace.slug, pk=org.pk)
    return render(
        request,
        "contacts/organisation_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_organisation(request.workspace, pk)
    form = OrganisationForm(request.POST or None, instance=org, workspace=request.workspace)
    conflict = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                data = _apply_tags(
                    request.workspace, form.service_data(), form.cleaned_data["tag_names"]
                )
                org = services.organisation_update(
                    organisation=org,
                    actor=request.user,
                    data=data,
                    version=form.cleaned_data.get("version"),
                )
        except services.EditConflict as e:
            conflict = {"current": e.current, "fields": _conflict_fields(form, e.current)}
            form.data = form.data.copy()
            form.data["version"] = e.current.version
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The organisation is saved."))
            return redirect("organisation_detail", slug=request.workspace.slug, pk=org.pk)
    if form.errors:
        status = 400
    return render(
        request,
        "contacts/organisation_form.html",
        {"form": form, "organisation": org, "conflict": conflict},
        status=status,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def organisation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_organisation(request.workspace, pk)
    if request.method == "POST":
        try:
            services.organisation_delete(organisation=org, actor=request.user)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("organisation_detail", slug=request.workspace.slug, pk=org.pk)
        messages.success(request, _("“%(name)s” is deleted.") % {"name": org.name})
        return redirect("organisation_list", slug=request.workspace.slug)
    return render(
        request,
        "contacts/confirm_delete.html",
        {
            "object": org,
            "cancel_url": reverse("organisation_detail", args=[request.workspace.slug, org.pk]),
            "consequence": _("Its affiliations will be deleted too; the people stay."),
        },
    )


# --- people ---------------------------------------------------------------------------------


@workspace_view("view")
def person_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    listing = selectors.people_listing(workspace=request.workspace, filters=filters)
    page = paginate(listing, form.cleaned_data.get("page"), settings.PAGE_SIZE)
    selectors.with_list_details_people(page.items, request.workspace)
    context = _list_context(request, form, filters, page, "people")
    template = "contacts/person_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


@workspace_view("view")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_detail(request.workspace, pk)
    return render(
        request,
        "contacts/person_detail.html",
        {
            "person": person,
            "history": history_for(workspace=request.workspace, obj=person),
            "affiliation_form": AffiliationForm(),
        },
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, workspace=request.workspace)
    likely = []
    if request.method == "POST" and form.is_valid():
        if not request.POST.get("not_a_duplicate"):
            likely = _likely_people(request.workspace, form.service_data())
        if likely:
            return render(
                request, "contacts/person_form.html", {"form": form, "likely": likely}, status=409
            )
        try:
            with transaction.atomic():
                data = _apply_tags(
                    request.workspace, form.service_data(), form.cleaned_data["tag_names"]
                )
                person = services.person_create(
                    workspace=request.workspace, actor=request.user, data=data
                )
        except ValidationError as e:
            form.add_error(None, _move_errors(e))
        else:
            messages.success(request, _("The person is saved."))
            return redirect("person_detail", slug=request.workspace.slug, pk=person.pk)
    return render(
        request, "contacts/person_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _likely_people(workspace, data: dict) -> list:
    """People already in the workspace that a person about to be created may be."""
    from svrazka.duplicates import scan
    from svrazka.duplicates.matching import PersonFacts

    facts = PersonFacts(
        id=0,
        given_name=data.get("given_name") or "",
        middle_name=data.get("middle_name") or "",
        family_name=data.get("family_name") or "",
        other_spelling=data.get("other_spelling") or "",
        emails=tuple(data.get("emails") or ()),
        phones=tuple(data.get("phones") or ()),
        date_of_birth=data.get("date_of_birth"),
        city=data.get("city") or "",
        country=data.get("country") or "",
    )
    found = scan.candidates_for(workspace, facts, limit=5)
    people = {
        p.pk: p for p in Person.objects.filter(workspace=workspace, pk__in=[c.id for c in found])
    }
    return [people[c.id] for c in found if c.id in people]


def _likely_organisations(workspace, data: dict) -> list:
    from svrazka.duplicates import scan
    from svrazka.duplicates.matching import OrgFacts

    facts = OrgFacts(
        id=0,
        name=data.get("name") or "",
        short_name=data.get("short_name") or "",
        eik=data.get("eik") or "",
        pic=data.get("pic") or "",
        vat=data.get("vat") or "",
        emails=(data["email"],) if data.get("email") else (),
        phones=(data["phone"],) if data.get("phone") else (),
        website=data.get("website") or "",
        city=data.get("city") or "",
        country=data.get("country") or "",
    )
    found = scan.organisation_candidates_for(workspace, facts, limit=5)
    orgs = {
        o.pk: o
        for o in Organisation.objects.filter(workspace=workspace, pk__in=[c.id for c in found])
    }
    return [orgs[c.id] for c in found if c.id in orgs]


def _move_errors(e: ValidationError) -> ValidationError:
    """The service names emails/phones; the form calls them emails_text/phones_text."""
    if hasattr(e, "error_dict"):
        renamed = {}
        for key, errors in e.error_dict.items():
            renamed[{"emails": "emails_text", "phones": "phones_text"}.get(key, key)] = errors
        return ValidationError(renamed)
    return e


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(request.workspace, pk)
    form = PersonForm(request.POST or None, instance=person, workspace=request.workspace)
    conflict = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                data = _apply_tags(
                    request.workspace, form.service_data(), form.cleaned_data["tag_names"]
                )
                person = services.person_update(
                    person=person,
                    actor=request.user,
                    data=data,
                    version=form.cleaned_data.get("version"),
                )
        except services.EditConflict as e:
            conflict = {"current": e.current, "fields": _conflict_fields(form, e.current)}
            form.data = form.data.copy()
            form.data["version"] = e.current.version
            status = 409
        except ValidationError as e:
            form.add_error(None, _move_errors(e))
        else:
            messages.success(request, _("The person is saved."))
            return redirect("person_detail", slug=request.workspace.slug, pk=person.pk)
    if form.errors:
        status = 400
    return render(
        request,
        "contacts/person_form.html",
        {"form": form, "person": person, "conflict": conflict},
        status=status,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(request.workspace, pk)
    if request.method == "POST":
        try:
            services.person_delete(person=person, actor=request.user)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("person_detail", slug=request.workspace.slug, pk=person.pk)
        messages.success(request, _("“%(name)s” is deleted.") % {"name": person.full_name})
        return redirect("person_list", slug=request.workspace.slug)
    return render(
        request,
        "contacts/confirm_delete.html",
        {
            "object": person,
            "cancel_url": reverse("person_detail", args=[request.workspace.slug, person.pk]),
            "consequence": _("Their emails, phones and affiliations will be deleted too."),
        },
    )


# --- affiliations ---------------------------------------------------------------------------


@workspace_view("view")
def organisation_lookup(request: HttpRequest) -> HttpResponse:
    """Options for choosing an organisation by name (htmx), at most 30."""
    q = request.GET.get("q", "")[:200]
    listing = selectors.organisations_listing(
        workspace=request.workspace, filters=selectors.ContactFilters(q=q)
    )
    return render(
        request, "contacts/partials/organisation_options.html", {"organisations": listing[:30]}
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def affiliation_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(request.workspace, pk)
    form = AffiliationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            org = selectors.get_organisation(request.workspace, d["organisation"])
            services.affiliation_create(
                workspace=request.workspace,
                actor=request.user,
                person=person,
                organisation=org,
                data={k: d[k] for k in ("position", "start_date", "end_date")},
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The affiliation is saved."))
            return redirect("person_detail", slug=request.workspace.slug, pk=person.pk)
    organisations = selectors.organisations_list(
        workspace=request.workspace, filters=selectors.ContactFilters()
    )[:30]
    return render(
        request,
        "contacts/affiliation_form.html",
        {"form": form, "person": person, "organisations": organisations},
        status=400 if form.errors else 200,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def affiliation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    affiliation = selectors.get_affiliation(request.workspace, pk)
    initial = {
        "version": affiliation.version,
        "organisation": affiliation.organisation_id,
        "position": affiliation.position,
        "start_date": affiliation.start_date,
        "end_date": affiliation.end_date,
    }
    form = AffiliationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            org = selectors.get_organisation(request.workspace, d["organisation"])
            services.affiliation_update(
                affiliation=affiliation,
                actor=request.user,
                organisation=org,
                data={k: d[k] for k in ("position", "start_date", "end_date")},
                version=d.get("version"),
            )
        except services.EditConflict:
            form.add_error(
                None,
                _(
                    "Someone else changed this affiliation while you were "
                    "editing it. Nothing was saved; reload the page."
                ),
            )
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The affiliation is saved."))
            return redirect("person_detail", slug=request.workspace.slug, pk=affiliation.person_id)
    if form.errors and status == 200:
        status = 400
    organisations = [affiliation.organisation] + [
        o
        for o in selectors.organisations_list(
            workspace=request.workspace, filters=selectors.ContactFilters()
        )[:30]
        if o.pk != affiliation.organisation_id
    ]
    return render(
        request,
        "contacts/affiliation_form.html",
        {
            "form": form,
            "person": affiliation.person,
            "affiliation": affiliation,
            "organisations": organisations,
        },
        status=status,
    )


@workspace_view("edit")
@require_POST
def affiliation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    affiliation = selectors.get_affiliation(request.workspace, pk)
    person_id = affiliation.person_id
    services.affiliation_delete(affiliation=affiliation, actor=request.user)
    messages.success(request, _("The affiliation is deleted."))
    return redirect("person_detail", slug=request.workspace.slug, pk=person_id)


# --- bulk actions, tags ---------------------------------------------------------------------


def _bulk(request: HttpRequest, model, list_url: str) -> HttpResponse:
    form = BulkForm(request.POST)
    back = reverse(list_url, args=[request.workspace.slug])
    if not form.is_valid():
        messages.error(request, _("Choose at least one row and an action."))
        return redirect(back)
    ids = form.cleaned_data["ids"]
    if form.cleaned_data["action"] == "tag":
        tag = services.tag_get_or_create(
            workspace=request.workspace, name=form.cleaned_data["tag_name"]
        )
        try:
            n = services.bulk_tag(
                workspace=request.workspace, actor=request.user, model=model, ids=ids, tag=tag
            )
        except ValidationError as e:  # the label deleted meanwhile
            messages.error(request, " ".join(e.messages))
            return redirect(back)
        messages.success(
            request,
            ngettext(
                "Tag “%(tag)s” added to %(n)s record.",
                "Tag “%(tag)s” added to %(n)s records.",
                n,
            )
            % {"tag": tag.name, "n": n},
        )
        return redirect(back)
    if not form.cleaned_data["confirm"]:
        objects = list(model.objects.filter(workspace=request.workspace, pk__in=ids)[:200])
        return render(
            request,
            "contacts/bulk_delete_confirm.html",
            {"objects": objects, "ids": [o.pk for o in objects], "cancel_url": back},
        )
    try:
        n = services.bulk_delete(
            workspace=request.workspace, actor=request.user, model=model, ids=ids
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect(back)
    messages.success(
        request, ngettext("%(n)s record deleted.", "%(n)s records deleted.", n) % {"n": n}
    )
    return redirect(back)


@workspace_view("edit")
@require_POST
def organisation_bulk(request: HttpRequest) -> HttpResponse:
    return _bulk(request, Organisation, "organisation_list")


@workspace_view("edit")
@require_POST
def person_bulk(request: HttpRequest) -> HttpResponse:
    return _bulk(request, Person, "person_list")


@workspace_view("view")
@require_http_methods(["GET", "POST"])
def tag_list(request: HttpRequest) -> HttpResponse:
    tag_form = TagForm(request.POST if request.POST.get("kind") == "tag" else None)
    cause_form = TagForm(
        request.POST if request.POST.get("kind") == "cause" else None, prefix="cause"
    )
    if request.method == "POST":
        if not request.membership.can("edit"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = tag_form if request.POST.get("kind") == "tag" else cause_form
        if form.is_valid():
            create = (
                services.tag_get_or_create if form is tag_form else services.cause_get_or_create
            )
            try:
                create(workspace=request.workspace, name=form.cleaned_data["name"])
            except ValidationError as e:
                form.add_error("name", e.messages)
            else:
                messages.success(request, _("Saved."))
                return redirect("tag_list", slug=request.workspace.slug)
    return render(
        request,
        "contacts/tag_list.html",
        {
            "tags": selectors.tags(request.workspace),
            "causes": selectors.causes(request.workspace),
            "tag_form": tag_form,
            "cause_form": cause_form,
        },
        status=400 if (tag_form.errors or cause_form.errors) else 200,
    )


@workspace_view("edit")
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = selectors.get_tag(request.workspace, pk)
    services.tag_delete(tag=tag, actor=request.user)
    messages.success(request, _("Tag “%(tag)s” is deleted.") % {"tag": tag.name})
    return redirect("tag_list", slug=request.workspace.slug)


@workspace_view("view")
def dashboard(request: HttpRequest) -> HttpResponse:
    from svrazka.history.models import ChangeRecord

    ws = request.workspace
    recent = (
        ChangeRecord.objects.filter(workspace=ws)
        .select_related("actor")
        .order_by("-created_at", "-id")[:15]
    )
    return render(
        request,
        "contacts/dashboard.html",
        {
            "recent": recent,
            "organisation_count": _capped_count(Organisation.objects.filter(workspace=ws)),
            "person_count": _capped_count(Person.objects.filter(workspace=ws)),
            "unverified": selectors.organisations_list(
                workspace=ws,
                filters=selectors.ContactFilters(unverified_months=12, sort="verified"),
            )[:8],
        },
    )


def _capped_count(qs) -> str:
    from django.utils.formats import number_format

    from svrazka.lib.paging import COUNT_CAP

    n = qs.values("pk")[: COUNT_CAP + 1].count()
    return f"{number_format(COUNT_CAP, force_grouping=True)}+" if n > COUNT_CAP else str(n)
