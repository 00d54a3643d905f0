"""Pages of interactions: logging a touchpoint (the full form and the quick one on a person's,
organisation's or partnership's page), editing, deleting, timelines, attachments, cadences."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.accounts.models import User
from svrazka.contacts import selectors as contacts
from svrazka.contacts.models import Organisation, Person
from svrazka.history.services import history_for
from svrazka.partnerships import selectors as partnerships
from svrazka.partnerships.models import Partnership
from svrazka.touchpoints import health, selectors, services
from svrazka.touchpoints.forms import CadenceForm, InteractionForm
from svrazka.touchpoints.models import Attachment, Cadence, Direction

SUBJECTS = ("person", "organisation", "partnership")


def _subject(request) -> tuple[str, object] | tuple[None, None]:
    """The person, organisation or partnership the page is about (?person=ID …), within the
    workspace, or (None, None)."""
    source = request.POST if request.method == "POST" else request.GET
    ws = request.workspace
    for kind, get in (
        ("person", contacts.get_person),
        ("organisation", contacts.get_organisation),
        ("partnership", partnerships.get_partnership),
    ):
        raw = source.get(f"for_{kind}") or request.GET.get(kind)
        if raw:
            try:
                return kind, get(ws, int(raw))
            except ValueError:
                raise Http404 from None
    return None, None


def _subject_url(request, kind: str | None, obj) -> str:
    ws = request.workspace.slug
    if kind == "person":
        return reverse("person_detail", args=[ws, obj.pk])
    if kind == "organisation":
        return reverse("organisation_detail", args=[ws, obj.pk])
    if kind == "partnership":
        return reverse("partnership_detail", args=[ws, obj.pk])
    return reverse("dashboard", args=[ws])


def _members(workspace) -> list[User]:
    return list(
        User.objects.filter(memberships__workspace=workspace).order_by("full_name", "email")
    )


def _offered(workspace, kind, obj, interaction=None):
    """The people, organisations and partnerships the form offers for this subject."""
    people: list[Person] = []
    organisations: list[Organisation] = []
    pships = Partnership.objects.filter(workspace=workspace)
    if kind == "person":
        people = [obj]
        org_ids = [a.organisation_id for a in obj.affiliations.all()]
        organisations = list(Organisation.objects.filter(workspace=workspace, pk__in=org_ids))
        pships = pships.filter(Q(partners__organisation_id__in=org_ids) | Q(partners__liaison=obj))
    elif kind == "organisation":
        organisations = [obj]
        people = list(
            Person.objects.filter(workspace=workspace, affiliations__organisation=obj)
            .distinct()
            .order_by("sort_key")[:50]
        )
        pships = pships.filter(partners__organisation=obj)
    elif kind == "partnership":
        pships = pships.filter(pk=obj.pk)
        org_ids = list(obj.partners.values_list("organisation_id", flat=True))
        organisations = list(Organisation.objects.filter(workspace=workspace, pk__in=org_ids))
        liaison_ids = [pk for pk in obj.partners.values_list("liaison_id", flat=True) if pk]
        people = list(
            Person.objects.filter(
                Q(affiliations__organisation_id__in=org_ids) | Q(pk__in=liaison_ids),
                workspace=workspace,
            )
            .distinct()
            .order_by("sort_key")[:50]
        )
    else:
        pships = pships.exclude(status__in=["completed", "ended"])
    if interaction is not None:
        people = _merge(people, interaction.people.all())
        organisations = _merge(
            organisations,
            Organisation.objects.filter(
                workspace=workspace, interactionorganisation__interaction=interaction
            ),
        )
        if interaction.partnership_id:
            pships = pships | Partnership.objects.filter(pk=interaction.partnership_id)
    return people, organisations, list(pships.distinct().order_by("-updated_at")[:100])


def _merge(first, more) -> list:
    seen = {o.pk for o in first}
    return list(first) + [o for o in more if o.pk not in seen]


def _resolve(request, form) -> dict:
    """The form's ids as objects of this workspace; an unknown id is a form error."""
    ws = request.workspace
    d = form.cleaned_data
    people = list(Person.objects.filter(workspace=ws, pk__in=d["people"]))
    organisations = list(Organisation.objects.filter(workspace=ws, pk__in=d["organisations"]))
    users = list(User.objects.filter(memberships__workspace=ws, pk__in=d["users"]))
    if len(people) != len(set(d["people"])):
        raise ValidationError({"people": _("Choose people from this workspace.")})
    if len(organisations) != len(set(d["organisations"])):
        raise ValidationError({"organisations": _("Choose organisations from this workspace.")})
    if len(users) != len(set(d["users"])):
        raise ValidationError({"users": _("Our participants must be members of the workspace.")})
    partnership = None
    if d.get("partnership"):
        partnership = Partnership.objects.filter(workspace=ws, pk=d["partnership"]).first()
        if partnership is None:
            raise ValidationError({"partnership": _("Choose a partnership of this workspace.")})
    return {
        "people": people,
        "organisations": organisations,
        "users": users,
        "partnership": partnership,
    }


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


def _initial(request, kind, obj) -> dict:
    channel = request.GET.get("channel", "")
    initial = {
        "channel": channel
        if channel in dict(InteractionForm.base_fields["channel"].choices)
        else "email",
        "direction": Direction.OUT,
        "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
        "users": [request.user.pk],
    }
    if kind == "person":
        initial["people"] = [obj.pk]
    elif kind == "organisation":
        initial["organisations"] = [obj.pk]
    elif kind == "partnership":
        initial["partnership"] = obj.pk
    return initial


def section_context(request, kind: str, obj) -> dict:
    """What the touchpoints section of a person's, organisation's or partnership's page shows."""
    ws = request.workspace
    page = selectors.timeline(ws, **{kind: obj}, cursor=request.GET.get("before", ""))
    people, organisations, pships = _offered(ws, kind, obj)
    quick = InteractionForm(
        initial=_initial(request, kind, obj),
        people=people,
        organisations=organisations,
        users=_members(ws),
        partnerships=pships,
        prefix="quick",
    )
    state = selectors.health_of(ws, kind, obj.pk)
    if kind == "partnership":
        cadence_days = obj.cadence_days
    else:
        cadence_days = (
            Cadence.objects.filter(workspace=ws, **{kind: obj})
            .values_list("days", flat=True)
            .first()
        )
    return {
        "subject_kind": kind,
        "subject": obj,
        "timeline": page,
        "quick_form": quick,
        "health": state,
        "health_reasons": health.describe_all(state.reasons) if state else [],
        "cadence_form": CadenceForm(initial={"days": cadence_days}),
        "cadence_own": cadence_days,
        "now": timezone.now(),
    }


def _render_section(request, kind, obj, status=200, quick_form=None) -> HttpResponse:
    context = section_context(request, kind, obj)
    if quick_form is not None:
        context["quick_form"] = quick_form
    return render(request, "touchpoints/partials/touchpoints_section.html", context, status=status)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def interaction_new(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    kind, obj = _subject(request)
    quick = request.POST.get("quick") == "1"
    people, organisations, pships = _offered(ws, kind, obj)
    form = InteractionForm(
        request.POST or None,
        initial=_initial(request, kind, obj),
        people=people,
        organisations=organisations,
        users=_members(ws),
        partnerships=pships,
        prefix="quick" if quick else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            links = _resolve(request, form)
            d = form.cleaned_data
            interaction = services.log_interaction(
                workspace=ws,
                actor=request.user,
                channel=d["channel"],
                direction=d["direction"],
                occurred_at=d["occurred_at"],
                subject=d["subject"],
                summary=d["summary"],
                awaiting_reply=d["awaiting_reply"],
                reply_expected_by=d["reply_expected_by"],
                **links,
            )
        except ValidationError as e:
            _add_errors(form, e)
        else:
            if quick and request.htmx and kind:
                response = _render_section(request, kind, obj)
                response["HX-Trigger"] = "touchpoint-logged"
                return response
            messages.success(request, _("The touchpoint is logged."))
            default = (
                _subject_url(request, kind, obj)
                if kind
                else reverse("interaction_detail", args=[ws.slug, interaction.pk])
            )
            return redirect(_next_url(request, default))
    if quick and request.htmx and kind:
        return _render_section(request, kind, obj, status=400, quick_form=form)
    return render(
        request,
        "touchpoints/interaction_form.html",
        {
            "form": form,
            "subject_kind": kind,
            "subject": obj,
            "offered_people": people,
            "offered_organisations": organisations,
            "cancel_url": _next_url(request, _subject_url(request, kind, obj)),
        },
        status=400 if form.errors else 200,
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@workspace_view("view")
def interaction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    interaction = selectors.get_interaction(ws, pk)
    thread = []
    parent = interaction.in_reply_to
    while parent is not None and len(thread) < 50:
        thread.insert(0, parent)
        parent = parent.in_reply_to
    return render(
        request,
        "touchpoints/interaction_detail.html",
        {
            "interaction": interaction,
            "people": interaction.people.all(),
            "organisations": Organisation.objects.filter(
                workspace=ws, interactionorganisation__interaction=interaction
            ),
            "earlier": thread,
            "replies": interaction.replies.filter(workspace=ws).order_by("occurred_at"),
            "history": history_for(workspace=ws, obj=interaction),
        },
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def interaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    interaction = selectors.get_interaction(ws, pk)
    people, organisations, pships = _offered(ws, None, None, interaction)
    initial = {
        "channel": interaction.channel,
        "direction": interaction.direction,
        "occurred_at": timezone.localtime(interaction.occurred_at),
        "people": [p.pk for p in interaction.people.all()],
        # Editing offers exactly the interaction's organisations (see _offered).
        "organisations": [o.pk for o in organisations],
        "users": [u.pk for u in interaction.users.all()],
        "partnership": interaction.partnership_id,
        "subject": interaction.subject,
        "summary": interaction.summary,
        "awaiting_reply": interaction.awaiting_reply,
        "reply_expected_by": interaction.reply_expected_by,
        "version": interaction.version,
    }
    form = InteractionForm(
        request.POST or None,
        initial=initial,
        people=people,
        organisations=organisations,
        users=_members(ws),
        partnerships=pships,
    )
    status, conflict = 200, None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            links = _resolve(request, form)
            services.update_interaction(
                interaction=interaction,
                actor=request.user,
                data={
                    k: d[k]
                    for k in (
                        "channel",
                        "direction",
                        "occurred_at",
                        "subject",
                        "summary",
                        "awaiting_reply",
                        "reply_expected_by",
                    )
                }
                | {"partnership": links["partnership"]},
                people=links["people"],
                organisations=links["organisations"],
                users=links["users"],
                version=d.get("version"),
            )
        except services.EditConflict as e:
            conflict = e.current
            form.data = form.data.copy()
            form.data["version"] = e.current.version
            status = 409
        except ValidationError as e:
            _add_errors(form, e)
        else:
            messages.success(request, _("The touchpoint is saved."))
            return redirect(
                _next_url(request, reverse("interaction_detail", args=[ws.slug, interaction.pk]))
            )
    if form.errors:
        status = 400
    return render(
        request,
        "touchpoints/interaction_form.html",
        {
            "form": form,
            "interaction": interaction,
            "conflict": conflict,
            "offered_people": people,
            "offered_organisations": organisations,
            "cancel_url": reverse("interaction_detail", args=[ws.slug, interaction.pk]),
        },
        status=status,
    )


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def interaction_delete(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    interaction = selectors.get_interaction(ws, pk)
    if request.method == "POST":
        services.delete_interaction(interaction=interaction, actor=request.user)
        messages.success(request, _("The touchpoint is deleted."))
        return redirect(_next_url(request, reverse("dashboard", args=[ws.slug])))
    return render(
        request,
        "contacts/confirm_delete.html",
        {
            "object": interaction,
            "cancel_url": reverse("interaction_detail", args=[ws.slug, pk]),
            "consequence": _(
                "Its attachments are deleted too. Response times and health are recomputed."
            ),
        },
    )


@workspace_view("edit")
@require_POST
def interaction_answered(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    interaction = selectors.get_interaction(ws, pk)
    services.mark_answered(interaction=interaction, actor=request.user)
    messages.success(request, _("Marked as answered."))
    return redirect(
        _next_url(request, reverse("interaction_detail", args=[ws.slug, interaction.pk]))
    )


@workspace_view("view")
def timeline_more(request: HttpRequest) -> HttpResponse:
    """Older touchpoints of a subject (htmx "show older")."""
    kind, obj = _subject(request)
    if kind is None:
        raise Http404
    page = selectors.timeline(
        request.workspace, **{kind: obj}, cursor=request.GET.get("before", "")
    )
    return render(
        request,
        "touchpoints/partials/timeline_items.html",
        {"timeline": page, "subject_kind": kind, "subject": obj},
    )


@workspace_view("view")
def person_lookup(request: HttpRequest) -> HttpResponse:
    """Checkboxes of people to add as participants (htmx), at most 20."""
    q = request.GET.get("q", "")[:200].strip()
    people = []
    if q:
        people = contacts.people_list(
            workspace=request.workspace, filters=contacts.ContactFilters(q=q)
        )[:20]
    return render(request, "touchpoints/partials/person_choices.html", {"people": people, "q": q})


@workspace_view("view")
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = Attachment.objects.filter(workspace=request.workspace, pk=pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename)
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@workspace_view("edit")
@require_POST
def cadence_set(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Set or clear how often we expect to be in touch with a person or organisation, or in a
    partnership."""
    ws = request.workspace
    if kind not in SUBJECTS:
        raise Http404
    getter = {
        "person": contacts.get_person,
        "organisation": contacts.get_organisation,
        "partnership": partnerships.get_partnership,
    }[kind]
    obj = getter(ws, pk)
    form = CadenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("days", [])) or _("Nothing was saved."))
        return redirect(_subject_url(request, kind, obj))
    days = form.cleaned_data["days"]
    services.set_cadence(workspace=ws, actor=request.user, subject=obj, days=days)
    messages.success(request, _("The expected contact is saved."))
    return redirect(_subject_url(request, kind, obj))
