"""The network map: the page, its JSON (graph, warm paths), exports, and the trends of the
network's health across snapshots."""

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.network.models import NodeMetric, Snapshot

MAX_LIMIT = 5000
FORMATS = {
    "graphml": ("application/graphml+xml", "graphml"),
    "gexf": ("application/gexf+xml", "gexf"),
    "json": ("application/json", "json"),
}


class BadParameter(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _error(exc: BadParameter) -> JsonResponse:
    return JsonResponse({"error": exc.message, "message": exc.message}, status=exc.status)


def _ints(values: list[str], name: str) -> set[int]:
    out = set()
    for v in values:
        for part in v.split(","):
            if part.strip():
                try:
                    out.add(int(part))
                except ValueError:
                    raise BadParameter(
                        _("“%(value)s” is not a valid %(name)s.") % {"value": part, "name": name}
                    ) from None
    return out


def _strs(values: list[str]) -> set[str]:
    return {p.strip() for v in values for p in v.split(",") if p.strip()}


def _params(request: HttpRequest) -> dict:
    from svrazka.network.graph import Filters

    q = request.GET
    as_of = None
    if q.get("as_of"):
        try:
            as_of = date.fromisoformat(q["as_of"])
        except ValueError:
            raise BadParameter(
                _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": q["as_of"]}
            ) from None
    hops = 1
    if q.get("hops"):
        try:
            hops = int(q["hops"])
        except ValueError:
            hops = 0
        if not 1 <= hops <= 6:
            raise BadParameter(_("Hops must be a whole number from 1 to 6."))
    limit = MAX_LIMIT
    if q.get("limit"):
        try:
            limit = int(q["limit"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            raise BadParameter(
                _("The limit must be a whole number from 1 to %(max)s.") % {"max": MAX_LIMIT}
            )
    kinds = _strs(q.getlist("kind"))
    if kinds - {"person", "organisation"}:
        raise BadParameter(_("The kind must be “person” or “organisation”."))
    filters = Filters(
        kinds=kinds,
        organisation_types=_strs(q.getlist("type")),
        causes=_ints(q.getlist("cause"), _("cause")),
        countries={c.upper() for c in _strs(q.getlist("country"))},
        tags=_ints(q.getlist("tag"), _("tag")),
    )
    return {
        "as_of": as_of,
        "hops": hops,
        "limit": limit,
        "filters": filters,
        "focus": q.get("focus", "").strip(),
    }


def _view(request: HttpRequest):
    from svrazka.network import graph

    p = _params(request)
    network = graph.network_for(request.workspace, as_of=p["as_of"])
    if p["focus"]:
        try:
            return graph.focus(
                network, p["focus"], hops=p["hops"], filters=p["filters"], limit=p["limit"]
            )
        except graph.UnknownNode as exc:
            raise BadParameter(
                str(exc) or _("There is no such person or organisation in this network."), 404
            ) from None
    return graph.overview(network, filters=p["filters"], limit=p["limit"])


@workspace_view()
@require_GET
def network_map(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    this_year = date.today().year
    first = this_year - 10
    try:
        from svrazka.contacts.models import Affiliation

        earliest = (
            Affiliation.objects.filter(person__workspace=ws, start_date__isnull=False)
            .order_by("start_date")
            .first()
        )
        if earliest:
            first = min(first, earliest.start_date.year)
    except Exception:  # noqa: BLE001 - the slider falls back to ten years
        pass
    strings = {
        "loading": _("Loading the network…"),
        "nodes": _("nodes"),
        "edges": _("edges"),
        "aggregated": _("Too many to show one by one: shown as groups with their sizes."),
        "error": _("The network could not be loaded."),
        "noPaths": _("No warm path found."),
        "ask": _("Ask"),
        "community": _("Community"),
        "health": _("Health"),
        "healthUnknown": _("No health score"),
        "healthGood": _("Healthy (70–100)"),
        "healthMid": _("Needs attention (40–69)"),
        "healthBad": _("At risk (0–39)"),
        "us": _("Us"),
        "notFound": _("No node matches that name."),
    }
    context = {
        "workspace": ws,
        "first_year": first,
        "this_year": this_year,
        "today": date.today().isoformat(),
        "strings": strings,
        "urls": {
            "graph": reverse("network_graph", args=[ws.slug]),
            "paths": reverse("network_paths", args=[ws.slug]),
            "export": reverse("network_export", args=[ws.slug]),
        },
        "organisation_types": _organisation_types(),
        "causes": _choices(ws, "Cause"),
        "tags": _choices(ws, "Tag"),
    }
    return render(request, "network/map.html", context)


def _organisation_types():
    from svrazka.contacts.models import Organisation

    field = Organisation._meta.get_field("kind")
    return list(field.choices or [])


def _choices(ws, model_name):
    from django.apps import apps

    try:
        model = apps.get_model("contacts", model_name)
    except LookupError:
        return []
    return [(o.pk, str(o)) for o in model.objects.filter(workspace=ws)[:500]]


@workspace_view()
@require_GET
def graph_json(request: HttpRequest) -> JsonResponse:
    try:
        view = _view(request)
    except BadParameter as exc:
        return _error(exc)
    return JsonResponse(view.as_json())


@workspace_view()
@require_GET
def paths_json(request: HttpRequest) -> JsonResponse:
    from svrazka.network import graph

    target = request.GET.get("to", "").strip()
    if not target:
        return _error(BadParameter(_("Say whom to reach: ?to=o12 or ?to=p5.")))
    network = graph.network_for(request.workspace)
    try:
        paths = graph.warm_paths(network, target)
    except graph.UnknownNode as exc:
        return _error(
            BadParameter(
                str(exc) or _("There is no such person or organisation in this network."), 404
            )
        )
    message = (
        ""
        if paths
        else _("No warm path found: nobody we know is connected to them within four steps.")
    )
    return JsonResponse({"paths": [p.as_json() for p in paths], "message": message})


@workspace_view()
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    from svrazka.network import formats

    fmt = request.GET.get("format", "json")
    if fmt not in FORMATS:
        return _error(BadParameter(_("The format must be graphml, gexf or json.")))
    try:
        view = _view(request)
    except BadParameter as exc:
        return _error(exc)
    body = {"graphml": formats.to_graphml, "gexf": formats.to_gexf, "json": formats.to_json}[fmt](
        view
    )
    content_type, ext = FORMATS[fmt]
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    name = f"network-{request.workspace.slug}-{date.today().isoformat()}.{ext}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _line_chart(points: list[tuple[str, float]], width=480, height=140, pad=24) -> dict:
    if not points:
        return {"path": "", "dots": [], "max": 0}
    values = [v for _, v in points]
    top = max(values) or 1
    n = len(points)
    dots = []
    for i, (label, v) in enumerate(points):
        x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = height - pad - (height - 2 * pad) * (v / top)
        dots.append({"x": round(x, 1), "y": round(y, 1), "label": label, "value": v})
    path = "M" + " L".join(f"{d['x']},{d['y']}" for d in dots)
    return {"path": path, "dots": dots, "max": top, "width": width, "height": height}


@workspace_view()
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    snapshots = list(
        Snapshot.objects.filter(workspace=ws, status=Snapshot.Status.DONE).order_by(
            "as_of", "started_at"
        )[:200]
    )
    charts = [
        {
            "title": _("Density"),
            "id": "density",
            **_line_chart([(s.as_of.isoformat(), round(s.density, 4)) for s in snapshots]),
        },
        {
            "title": _("Active ties"),
            "id": "active",
            **_line_chart([(s.as_of.isoformat(), s.active_ties) for s in snapshots]),
        },
        {
            "title": _("Partners gone isolated"),
            "id": "isolated",
            **_line_chart([(s.as_of.isoformat(), s.isolated_partners) for s in snapshots]),
        },
    ]
    latest = snapshots[-1] if snapshots else None
    brokers = []
    if latest:
        brokers = list(
            NodeMetric.objects.filter(workspace=ws, snapshot=latest).order_by(
                "-brokerage", "-betweenness"
            )[:10]
        )
        _label_nodes(ws, brokers)
    running = (
        Snapshot.objects.filter(workspace=ws, status=Snapshot.Status.RUNNING)
        .order_by("-started_at")
        .first()
    )
    return render(
        request,
        "network/trends.html",
        {
            "workspace": ws,
            "snapshots": list(reversed(snapshots)),
            "charts": charts,
            "latest": latest,
            "brokers": brokers,
            "pending": running,
        },
    )


def _label_nodes(ws, metrics) -> None:
    from svrazka.contacts.models import Organisation, Person

    people = {m.node[1:] for m in metrics if m.node.startswith("p")}
    orgs = {m.node[1:] for m in metrics if m.node.startswith("o")}
    names = {
        f"p{p.pk}": str(p)
        for p in Person.objects.filter(workspace=ws, pk__in=[int(i) for i in people if i.isdigit()])
    }
    names |= {
        f"o{o.pk}": str(o)
        for o in Organisation.objects.filter(
            workspace=ws, pk__in=[int(i) for i in orgs if i.isdigit()]
        )
    }
    for m in metrics:
        m.label = names.get(m.node, m.node)
        m.url = ""
        try:
            if m.node.startswith("p") and m.node in names:
                m.url = reverse("person_detail", args=[ws.slug, int(m.node[1:])])
            elif m.node.startswith("o") and m.node in names:
                m.url = reverse("organisation_detail", args=[ws.slug, int(m.node[1:])])
        except Exception:  # noqa: BLE001 - a missing detail route only loses the link
            m.url = ""


@workspace_view("edit")
@require_POST
def snapshot_new(request: HttpRequest) -> HttpResponse:
    from svrazka.network import tasks

    enqueue = getattr(tasks, "enqueue_snapshot", None)
    if enqueue is not None:
        enqueue(request.workspace, actor=request.user)
    else:
        tasks.take_snapshot.enqueue(request.workspace.pk, request.user.pk)
    messages.success(request, _("A new snapshot is being computed; it appears here when done."))
    return redirect("network_trends", request.workspace.slug)
