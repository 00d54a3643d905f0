"""Partner recommendations in the UI: for a new project idea (a theme, wanted countries and
organisation types, the coordinating organisation), or for a partnership or a project."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from svrazka.accounts.access import workspace_view
from svrazka.contacts.models import Organisation, OrganisationType
from svrazka.lib.countries import COUNTRIES
from svrazka.partnerships.models import JointProject, Partnership, ProjectParticipant

SHOWN = 25


@dataclass
class Query:
    theme: str = ""
    countries: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    coordinator: Organisation | None = None
    exclude: set[int] = field(default_factory=set)
    context_label: str = ""
    partnership: Partnership | None = None
    errors: list[str] = field(default_factory=list)


def find_coordinator(workspace, value: str) -> Organisation | None:
    """An organisation named by "o<id>", its id, or its PIC (organisationID); None if none."""
    value = (value or "").strip()
    if not value:
        return None
    qs = Organisation.objects.filter(workspace=workspace)
    if value[:1] == "o" and value[1:].isdigit():
        return qs.filter(pk=int(value[1:])).first()
    if value.isdigit():
        return qs.filter(pic=value).first() or (
            qs.filter(pk=int(value)).first() if len(value) < 9 else None
        )
    return None


def query_from_params(ws, q) -> Query:
    """The question asked in a query string (a QueryDict); problems go into `errors`."""
    query = Query()
    if q.get("partnership"):
        if not q["partnership"].isdigit():
            query.errors.append(_("Unknown partnership."))
        else:
            partnership = get_object_or_404(Partnership, workspace=ws, pk=int(q["partnership"]))
            query.partnership = partnership
            query.theme = " ".join(x for x in (partnership.title, partnership.goals[:300]) if x)
            partners = list(partnership.partners.select_related("organisation"))
            query.exclude = {p.organisation_id for p in partners}
            lead = next((p.organisation for p in partners if p.role == "lead"), None)
            query.coordinator = lead
            query.context_label = _("Partners for the partnership “%(title)s”") % {
                "title": partnership.title
            }
    elif q.get("project"):
        if not q["project"].isdigit():
            query.errors.append(_("Unknown project."))
        else:
            project = get_object_or_404(JointProject, workspace=ws, pk=int(q["project"]))
            query.theme = project.topics.replace(";", " ") or project.title
            if project.partnership_id:
                query.exclude = set(
                    project.partnership.partners.values_list("organisation_id", flat=True)
                )
            else:
                roles = ProjectParticipant.objects.filter(workspace=ws, project=project)
                query.exclude = set(roles.values_list("organisation_id", flat=True))
                coordinator = roles.filter(role="coordinator").select_related("organisation")
                query.coordinator = coordinator[0].organisation if coordinator else None
            query.context_label = _("Partners for a project like “%(title)s”") % {
                "title": project.acronym or project.title
            }
    if "theme" in q:
        query.theme = q["theme"].strip()[:300]
    if q.getlist("country"):
        wanted = {c.strip().upper() for v in q.getlist("country") for c in v.split(",")} - {""}
        known = {code for code, _name in COUNTRIES}
        unknown = sorted(wanted - known)
        if unknown:
            query.errors.append(
                _("Unknown country code: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        query.countries = wanted & known
    if q.getlist("type"):
        wanted = {t for v in q.getlist("type") for t in v.split(",") if t}
        query.types = wanted & set(OrganisationType.values)
        if wanted - query.types:
            query.errors.append(_("Unknown organisation type."))
    if q.get("coordinator"):
        query.coordinator = find_coordinator(ws, q["coordinator"])
        if query.coordinator is None:
            query.errors.append(
                _("No organisation “%(value)s” in this workspace (give its PIC or o<id>).")
                % {"value": q["coordinator"]}
            )
    return query


def run(workspace, query: Query, *, limit: int = SHOWN) -> list:
    from svrazka.network import recommend

    candidates = recommend.recommend(
        workspace,
        coordinator=query.coordinator,
        theme=query.theme,
        countries=query.countries,
        organisation_types=query.types,
        limit=limit + len(query.exclude),
    )
    chosen = [c for c in candidates if c.organisation_id not in query.exclude][:limit]
    _add_warm_paths(workspace, chosen)
    return chosen


def _add_warm_paths(workspace, candidates: list) -> None:
    """The warm-path reason: how many steps away through people we know, and whom to ask."""
    from svrazka.network import graph

    network = graph.network_for(workspace)
    for cand in candidates:
        try:
            paths = graph.warm_paths(network, f"o{cand.organisation_id}", k=1)
        except graph.UnknownNode:
            continue
        if not paths:
            continue
        path = paths[0].as_json()
        if path["hops"] == 1:
            cand.reasons.append(_("We are already in touch with them directly."))
        else:
            cand.reasons.append(
                _("%(n)s steps away through people we know: ask %(ask)s.")
                % {"n": path["hops"], "ask": path["ask"]["label"]}
            )


@workspace_view()
@require_GET
def recommendations(request: HttpRequest) -> HttpResponse:
    query = query_from_params(request.workspace, request.GET)
    asked = bool(query.theme or query.coordinator or query.countries or query.types)
    results = run(request.workspace, query) if asked and not query.errors else []
    organisations = {
        o.pk: o
        for o in Organisation.objects.filter(
            workspace=request.workspace, pk__in=[c.organisation_id for c in results]
        )
    }
    rows = [{"candidate": c, "organisation": organisations.get(c.organisation_id)} for c in results]
    return render(
        request,
        "network/recommendations.html",
        {
            "workspace": request.workspace,
            "query": query,
            "asked": asked,
            "rows": rows,
            "countries": COUNTRIES,
            "types": OrganisationType.choices,
        },
        status=400 if query.errors else 200,
    )
