"""Where we found our partners: for each source an organisation was found through (a
conference, a previous project, a partner-search platform, …), how many became partners and how
their partnerships went (completed or ended early), how they were evaluated and how healthy the
relationship is now. Answers the deck's question "where do we find partners, and which ones?"
from the workspace's own record."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from svrazka.contacts.models import Organisation, WhereFound
from svrazka.partnerships.models import Evaluation, PartnershipPartner
from svrazka.touchpoints.models import Health

NOT_RECORDED = ""


@dataclass
class SourceRow:
    key: str
    label: str
    organisations: int = 0
    partners: int = 0
    active: int = 0
    completed: int = 0
    ended: int = 0
    other: int = 0
    rating_sum: float = 0.0
    rating_count: int = 0
    health_sum: int = 0
    health_count: int = 0

    @property
    def conversion(self) -> float | None:
        return self.partners / self.organisations if self.organisations else None

    @property
    def success(self) -> float | None:
        """Completed out of the partnerships that are over."""
        over = self.completed + self.ended
        return self.completed / over if over else None

    @property
    def rating(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def health(self) -> float | None:
        return self.health_sum / self.health_count if self.health_count else None

    @property
    def partnerships(self) -> int:
        return self.active + self.completed + self.ended + self.other

    def as_json(self) -> dict:
        return {
            "source": self.key,
            "label": self.label,
            "organisations": self.organisations,
            "partners": self.partners,
            "conversion": _round(self.conversion),
            "partnerships": {
                "active": self.active,
                "completed": self.completed,
                "ended_early": self.ended,
                "other": self.other,
            },
            "success_rate": _round(self.success),
            "average_rating": _round(self.rating),
            "average_health": _round(self.health),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def by_source(workspace) -> list[SourceRow]:
    """One row per source that any organisation came from, the most partners first."""
    labels = dict(WhereFound.choices)
    rows: dict[str, SourceRow] = {}

    def row(key: str) -> SourceRow:
        if key not in rows:
            label = str(labels.get(key, key)) if key else _("Not recorded")
            rows[key] = SourceRow(key=key, label=label)
        return rows[key]

    for key, count in (
        Organisation.objects.filter(workspace=workspace)
        .values_list("where_found")
        .annotate(n=Count("id"))
        .order_by()
    ):
        row(key or NOT_RECORDED).organisations += count

    source_of: dict[int, str] = {}
    seen_partner: set[int] = set()
    for org_id, key, status in PartnershipPartner.objects.filter(workspace=workspace).values_list(
        "organisation_id", "organisation__where_found", "partnership__status"
    ):
        key = key or NOT_RECORDED
        source_of[org_id] = key
        r = row(key)
        if org_id not in seen_partner:
            seen_partner.add(org_id)
            r.partners += 1
        if status == "active":
            r.active += 1
        elif status == "completed":
            r.completed += 1
        elif status == "ended":
            r.ended += 1
        else:
            r.other += 1

    if source_of:
        for org_id, ratings in Evaluation.objects.filter(
            workspace=workspace, organisation_id__in=list(source_of)
        ).values_list("organisation_id", "ratings"):
            values = [
                v for v in (ratings or {}).values() if isinstance(v, int | float) and 1 <= v <= 5
            ]
            if values:
                r = rows[source_of[org_id]]
                r.rating_sum += sum(values) / len(values)
                r.rating_count += 1
        for org_id, score in Health.objects.filter(
            workspace=workspace,
            subject="organisation",
            object_id__in=list(source_of),
            score__isnull=False,
        ).values_list("object_id", "score"):
            r = rows[source_of[org_id]]
            r.health_sum += score
            r.health_count += 1

    return sorted(rows.values(), key=lambda r: (-r.partners, -r.organisations, r.label))


def bar_chart(rows: list[SourceRow], value, *, width: int = 560, bar: int = 22) -> dict:
    """A horizontal bar chart (drawn as SVG by the template) of `value(row)` per source."""
    values = [(r.label, value(r)) for r in rows]
    values = [(label, v) for label, v in values if v is not None]
    top = max((v for _l, v in values), default=0) or 1
    left, right = 190, 60
    bars = [
        {
            "label": label,
            "value": v,
            "y": i * (bar + 6),
            "width": round((width - left - right) * v / top, 1),
            "x": left,
            "text_x": left + round((width - left - right) * v / top, 1) + 4,
        }
        for i, (label, v) in enumerate(values)
    ]
    return {"bars": bars, "width": width, "height": max(1, len(bars)) * (bar + 6), "bar": bar}
