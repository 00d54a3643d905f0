"""Partner recommendations over HTTP: the same question as the "Find partners" page."""

from django.core.exceptions import ValidationError
from ninja import Router, Schema

from svrazka.api.schemas import Invalid, Message
from svrazka.network.views.recommendations import query_from_params, run

router = Router()
READ_ERRORS = {401: Message, 404: Message}


class CandidateOut(Schema):
    organisation_id: int
    pic: str
    name: str
    country: str
    kind: str
    score: float
    reasons: list[str]


class RecommendationsOut(Schema):
    theme: str
    coordinator_id: int | None
    excluded: list[int]
    candidates: list[CandidateOut]


@router.get(
    "/recommendations",
    response={200: RecommendationsOut, 422: Invalid, **READ_ERRORS},
    summary="Recommend partners",
    description="Query: `theme`, `country` (repeat or comma-separated ISO codes), `type` "
    "(organisation types), `coordinator` (a PIC or `o<id>`), `partnership` or `project` (an id: "
    "its theme, coordinator and current partners, who are left out), `limit` (1–100, default "
    "25). Candidates best first, each with the reasons in words (Accept-Language).",
    tags=["Network"],
)
def recommendations(request):
    ws = request.auth.workspace
    query = query_from_params(ws, request.GET)
    limit = request.GET.get("limit", "25")
    if not limit.isdigit() or not 1 <= int(limit) <= 100:
        query.errors.append("limit: 1–100")
    if query.errors:
        raise ValidationError(query.errors)
    if not (query.theme or query.coordinator or query.countries or query.types):
        raise ValidationError("theme, coordinator, country, type, partnership or project")
    candidates = run(ws, query, limit=int(limit))
    from svrazka.contacts.models import Organisation

    orgs = Organisation.objects.in_bulk([c.organisation_id for c in candidates])
    return {
        "theme": query.theme,
        "coordinator_id": query.coordinator.pk if query.coordinator else None,
        "excluded": sorted(query.exclude),
        "candidates": [
            {
                "organisation_id": c.organisation_id,
                "pic": orgs[c.organisation_id].pic if c.organisation_id in orgs else "",
                "name": orgs[c.organisation_id].name if c.organisation_id in orgs else "",
                "country": orgs[c.organisation_id].country if c.organisation_id in orgs else "",
                "kind": orgs[c.organisation_id].kind if c.organisation_id in orgs else "",
                "score": round(float(c.score), 4),
                "reasons": [str(r) for r in c.reasons],
            }
            for c in candidates
        ],
    }
