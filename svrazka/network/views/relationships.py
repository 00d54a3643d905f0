"""Relationships made, changed and removed from a person's or an organisation's page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from svrazka.accounts.access import workspace_view
from svrazka.contacts import selectors as contacts
from svrazka.contacts.models import Person
from svrazka.contacts.services import EditConflict
from svrazka.network import services
from svrazka.network.forms import RelationshipForm
from svrazka.network.models import Relationship


def node_object(workspace, node: str):
    """The person ("p12") or organisation ("o3") of this workspace, or 404."""
    if len(node) < 2 or not node[1:].isdigit() or node[0] not in "po":
        raise Http404
    if node[0] == "p":
        return contacts.get_person(workspace, int(node[1:]))
    return contacts.get_organisation(workspace, int(node[1:]))


def node_name(obj) -> str:
    return f"p{obj.pk}" if isinstance(obj, Person) else f"o{obj.pk}"


def _page(subject) -> HttpResponse:
    name = "person_detail" if isinstance(subject, Person) else "organisation_detail"
    return redirect(name, slug=subject.workspace.slug, pk=subject.pk)


def _options(workspace, q: str, chosen=None) -> list[tuple[str, str]]:
    filters = contacts.ContactFilters(q=q[:200])
    people = list(contacts.people_listing(workspace=workspace, filters=filters)[:15])
    orgs = list(contacts.organisations_listing(workspace=workspace, filters=filters)[:15])
    options = [(f"p{p.pk}", str(p)) for p in people] + [
        (f"o{o.pk}", f"{o.name} ({_('organisation')})") for o in orgs
    ]
    if chosen is not None and node_name(chosen) not in {v for v, _n in options}:
        options.insert(0, (node_name(chosen), str(chosen)))
    return options


@workspace_view()
@require_GET
def other_lookup(request: HttpRequest) -> HttpResponse:
    """Options (people and organisations) for the "with" field, by name (htmx)."""
    return render(
        request,
        "network/relationships/options.html",
        {"options": _options(request.workspace, request.GET.get("q", ""))},
    )


def _form_page(request, subject, form, relationship=None, status=200, other=None):
    return render(
        request,
        "network/relationships/form.html",
        {
            "form": form,
            "subject": subject,
            "relationship": relationship,
            "options": _options(request.workspace, "", chosen=other),
            "chosen": node_name(other) if other is not None else form["other"].value(),
        },
        status=status,
    )


def _sides(subject, other, direction):
    return (subject, other) if direction == "out" else (other, subject)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def relationship_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    subject = (
        contacts.get_person(request.workspace, pk)
        if kind == "people"
        else contacts.get_organisation(request.workspace, pk)
    )
    form = RelationshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            other = node_object(request.workspace, d["other"])
            source, target = _sides(subject, other, d["direction"])
            services.relationship_create(
                workspace=request.workspace,
                actor=request.user,
                kind=d["kind"],
                source=source,
                target=target,
                strength=d["strength"],
                started_on=d["started_on"],
                ended_on=d["ended_on"],
                note=d["note"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        except Http404:
            form.add_error("other", _("Choose a person or an organisation of this workspace."))
        else:
            messages.success(request, _("The relationship is saved."))
            return _page(subject)
    return _form_page(request, subject, form, status=400 if form.errors else 200)


def _get(request, pk: int) -> Relationship:
    return get_object_or_404(
        Relationship.objects.select_related(
            "from_person", "from_organisation", "to_person", "to_organisation"
        ),
        workspace=request.workspace,
        pk=pk,
    )


def _subject_of(request, rel: Relationship):
    """Whose page the edit came from (?from=p12), else the first side."""
    came = request.GET.get("from") or request.POST.get("from") or ""
    for side in (rel.source, rel.target):
        if node_name(side) == came:
            return side
    return rel.source


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def relationship_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rel = _get(request, pk)
    subject = _subject_of(request, rel)
    outgoing = node_name(rel.source) == node_name(subject)
    other = rel.target if outgoing else rel.source
    initial = {
        "version": rel.version,
        "direction": "out" if outgoing else "in",
        "kind": rel.kind,
        "other": node_name(other),
        "strength": rel.strength,
        "started_on": rel.started_on,
        "ended_on": rel.ended_on,
        "note": rel.note,
    }
    form = RelationshipForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            other = node_object(request.workspace, d["other"])
            source, target = _sides(subject, other, d["direction"])
            services.relationship_update(
                relationship=rel,
                actor=request.user,
                version=d.get("version") or 0,
                source=source,
                target=target,
                kind=d["kind"],
                strength=d["strength"],
                started_on=d["started_on"],
                ended_on=d["ended_on"],
                note=d["note"],
            )
        except EditConflict:
            form.add_error(
                None,
                _(
                    "Someone else changed this relationship while you were editing it. "
                    "Nothing was saved; reload the page."
                ),
            )
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        except Http404:
            form.add_error("other", _("Choose a person or an organisation of this workspace."))
        else:
            messages.success(request, _("The relationship is saved."))
            return _page(subject)
    if form.errors and status == 200:
        status = 400
    return _form_page(request, subject, form, relationship=rel, status=status, other=other)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def relationship_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rel = _get(request, pk)
    subject = _subject_of(request, rel)
    if request.method == "POST":
        services.relationship_delete(relationship=rel, actor=request.user)
        messages.success(request, _("The relationship is deleted."))
        return _page(subject)
    return render(
        request,
        "network/relationships/confirm_delete.html",
        {"relationship": rel, "subject": subject},
    )
