"""Relationships made, changed and removed from a person's or an organisation's page.

The page a relationship is handled from is its *subject*; the form names the other side and the
direction the kind is read in ("Мария is mentor of Иван" made on Иван's page is read "in")."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from svrazka.accounts.access import workspace_view
from svrazka.contacts import selectors as contacts
from svrazka.contacts.models import Person
from svrazka.network import services
from svrazka.network.forms import RelationshipForm
from svrazka.network.models import Relationship

OPTIONS_SHOWN = 15  # of each kind, people and organisations


def node_object(workspace, node: str):
    """The person ("p12") or organisation ("o3") of this workspace, or 404."""
    if len(node or "") < 2 or not node[1:].isdigit() or node[0] not in "po":
        raise Http404
    if node[0] == "p":
        return contacts.get_person(workspace, int(node[1:]))
    return contacts.get_organisation(workspace, int(node[1:]))


def _page(request, subject) -> HttpResponse:
    name = "person_detail" if isinstance(subject, Person) else "organisation_detail"
    return redirect(name, slug=request.workspace.slug, pk=subject.pk)


def _options(workspace, q: str, chosen=None, exclude=None) -> list[tuple[str, str]]:
    """People and organisations whose name matches `q` (transliteration included), as
    (node, name) pairs; the chosen one first even if it does not match."""
    filters = contacts.ContactFilters(q=q[:200])
    people = contacts.people_listing(workspace=workspace, filters=filters)[:OPTIONS_SHOWN]
    orgs = contacts.organisations_listing(workspace=workspace, filters=filters)[:OPTIONS_SHOWN]
    options = [(f"p{p.pk}", str(p)) for p in people] + [
        (f"o{o.pk}", _("%(name)s (organisation)") % {"name": o.name}) for o in orgs
    ]
    skip = services.node_of(exclude) if exclude is not None else None
    options = [(value, name) for value, name in options if value != skip]
    if chosen is not None:
        node = services.node_of(chosen)
        options = [(node, str(chosen))] + [o for o in options if o[0] != node]
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


def _chosen_other(request, form, fallback=None):
    """The other side the form names, to keep it selected when the form comes back."""
    value = form["other"].value() if form.is_bound else None
    if value:
        try:
            return node_object(request.workspace, str(value))
        except Http404:
            return None
    return fallback


def _form_page(request, subject, form, *, relationship=None, other=None, status=200):
    other = _chosen_other(request, form, fallback=other)
    return render(
        request,
        "network/relationships/form.html",
        {
            "form": form,
            "subject": subject,
            "subject_node": services.node_of(subject),
            "relationship": relationship,
            "options": _options(request.workspace, "", chosen=other, exclude=subject),
            "chosen": services.node_of(other) if other is not None else "",
        },
        status=status,
    )


def _sides(subject, other, direction: str):
    return (subject, other) if direction == "out" else (other, subject)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def relationship_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    subject = (
        contacts.get_person(request.workspace, pk)
        if kind == "people"
        else contacts.get_organisation(request.workspace, pk)
    )
    form = RelationshipForm(request.POST or None, subject=subject)
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
            return _page(request, subject)
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
    return rel.target if came == rel.target_node else rel.source


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def relationship_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rel = _get(request, pk)
    subject = _subject_of(request, rel)
    outgoing = rel.source_node == services.node_of(subject)
    other = rel.target if outgoing else rel.source
    initial = {
        "version": rel.version,
        "direction": "out" if outgoing else "in",
        "kind": rel.kind,
        "other": services.node_of(other),
        "strength": rel.strength,
        "started_on": rel.started_on,
        "ended_on": rel.ended_on,
        "note": rel.note,
    }
    form = RelationshipForm(request.POST or None, initial=initial, subject=subject)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            chosen = node_object(request.workspace, d["other"])
            source, target = _sides(subject, chosen, d["direction"])
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
        except services.RelationshipChanged as e:
            form.add_error(None, str(e))
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        except Http404:
            form.add_error("other", _("Choose a person or an organisation of this workspace."))
        else:
            messages.success(request, _("The relationship is saved."))
            return _page(request, subject)
    if form.errors and status == 200:
        status = 400
    return _form_page(request, subject, form, relationship=rel, other=other, status=status)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def relationship_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rel = _get(request, pk)
    subject = _subject_of(request, rel)
    if request.method == "POST":
        services.relationship_delete(relationship=rel, actor=request.user)
        messages.success(request, _("The relationship is deleted."))
        return _page(request, subject)
    outgoing = rel.source_node == services.node_of(subject)
    return render(
        request,
        "network/relationships/confirm_delete.html",
        {
            "relationship": rel,
            "subject": subject,
            "subject_node": services.node_of(subject),
            "other": rel.target if outgoing else rel.source,
            "label": rel.get_kind_display() if outgoing else rel.reverse_label,
        },
    )
