"""Where we found our partners: a page of charts by source, and its JSON."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from svrazka.accounts.access import workspace_view
from svrazka.network import sources


@workspace_view()
@require_GET
def partner_sources(request: HttpRequest) -> HttpResponse:
    rows = sources.by_source(request.workspace)
    if request.GET.get("format") == "json":
        return JsonResponse({"sources": [r.as_json() for r in rows]})
    with_partners = [r for r in rows if r.partners]
    charts = [
        {
            "id": "partners",
            "title": _("Partners found through each source"),
            **sources.bar_chart(with_partners, lambda r: r.partners),
        },
        {
            "id": "success",
            "title": _("Partnerships completed, out of those that are over (%)"),
            **sources.bar_chart(
                with_partners,
                lambda r: None if r.success is None else round(100 * r.success),
            ),
        },
        {
            "id": "health",
            "title": _("Average health of the relationship now (0–100)"),
            **sources.bar_chart(
                with_partners, lambda r: None if r.health is None else round(r.health)
            ),
        },
        {
            "id": "rating",
            "title": _("Average evaluation (1–5)"),
            **sources.bar_chart(
                with_partners, lambda r: None if r.rating is None else round(r.rating, 1)
            ),
        },
    ]
    return render(
        request,
        "network/sources.html",
        {"workspace": request.workspace, "rows": rows, "charts": charts},
    )
