"""Reads of touchpoints, always within one workspace: timelines, health, the dashboard."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from svrazka.accounts.models import User
from svrazka.contacts.models import Person
from svrazka.touchpoints.models import (
    Attachment,
    Channel,
    Health,
    Interaction,
    InteractionOrganisation,
    InteractionPerson,
)

TIMELINE_PAGE = 20
TIMELINE_FIELDS = (
    "workspace_id",
    "channel",
    "direction",
    "occurred_at",
    "subject",
    "summary",
    "partnership_id",
    "awaiting_reply",
    "reply_expected_by",
    "answered_at",
)


def get_interaction(workspace, pk: int) -> Interaction:
    try:
        return Interaction.objects.select_related("partnership", "created_by").get(
            workspace=workspace, pk=pk
        )
    except Interaction.DoesNotExist:
        raise Http404 from None


@dataclass
class TimelinePage:
    items: list[Interaction]
    next_cursor: str  # "" when this is the last page


def _cursor(i: Interaction) -> str:
    return f"{i.occurred_at.timestamp():.6f}_{i.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        stamp, pk = cursor.split("_", 1)
        return datetime.fromtimestamp(float(stamp), tz=timezone.get_current_timezone()), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def timeline(
    workspace,
    *,
    person=None,
    organisation=None,
    partnership=None,
    cursor: str = "",
    limit: int = TIMELINE_PAGE,
) -> TimelinePage:
    """The newest touchpoints of a person, an organisation or a partnership, `limit` at a
    time, older ones after `cursor`. Reads one index range of the participant table."""
    id_field = "interaction_id"
    if person is not None:
        links = InteractionPerson.objects.filter(workspace=workspace, person=person)
    elif organisation is not None:
        links = InteractionOrganisation.objects.filter(
            workspace=workspace, organisation=organisation
        )
    else:
        links = Interaction.objects.filter(workspace=workspace, partnership=partnership)
        id_field = "pk"
    after = _parse_cursor(cursor) if cursor else None
    if after is not None:
        when, pk = after
        links = links.filter(occurred_at__lte=when).exclude(
            occurred_at=when, **{f"{id_field}__gte": pk}
        )
    ids = list(
        links.order_by("-occurred_at", f"-{id_field}").values_list(id_field, flat=True)[: limit + 1]
    )
    more = len(ids) > limit
    ids = ids[:limit]
    # Only what a timeline item shows (templates/touchpoints/partials/timeline_items.html):
    # building model instances is most of this function's time.
    items = list(
        Interaction.objects.filter(workspace=workspace, pk__in=ids)
        .select_related("partnership")
        .only(*TIMELINE_FIELDS, "partnership__title")
        .prefetch_related(
            Prefetch(
                "people",
                queryset=Person.objects.only("pk", "given_name", "middle_name", "family_name"),
            ),
            Prefetch("users", queryset=User.objects.only("pk", "full_name", "email")),
            Prefetch(
                "attachments", queryset=Attachment.objects.only("pk", "interaction_id", "filename")
            ),
        )
        .order_by("-occurred_at", "-id")
    )
    return TimelinePage(items=items, next_cursor=_cursor(items[-1]) if more and items else "")


def health_of(workspace, subject: str, pk: int) -> Health | None:
    return Health.objects.filter(workspace=workspace, subject=subject, object_id=pk).first()


def alerts(workspace, *, subject: str | None = None, limit: int = 50) -> list[Health]:
    qs = Health.objects.filter(workspace=workspace, alert=True)
    if subject:
        qs = qs.filter(subject=subject)
    return list(qs.order_by("alert_since", "score", "object_id")[:limit])


def overdue_awaited(workspace, *, limit: int = 50) -> list[Interaction]:
    """Interactions whose awaited reply is past its date, oldest first."""
    today = timezone.localdate()
    return list(
        Interaction.objects.filter(
            workspace=workspace, awaiting_reply=True, reply_expected_by__lt=today
        )
        .select_related("partnership")
        .prefetch_related("people")
        .order_by("reply_expected_by", "id")[:limit]
    )


def touchpoints_per_week(workspace, *, weeks: int = 12) -> list[dict]:
    """Counts per week and channel over the last `weeks` weeks, oldest week first:
    [{"week": date, "counts": {channel: n}, "total": n}]."""
    today = timezone.localdate()
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    since = datetime.combine(start, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    rows = (
        Interaction.objects.filter(workspace=workspace, occurred_at__gte=since)
        .annotate(week=TruncWeek("occurred_at"))
        .values("week", "channel")
        .annotate(n=Count("id"))
    )
    buckets = {start + timedelta(weeks=k): {} for k in range(weeks)}
    for row in rows:
        week = row["week"]
        week = week.date() if isinstance(week, datetime) else week
        if week in buckets:
            buckets[week][row["channel"]] = row["n"]
    return [
        {"week": week, "counts": counts, "total": sum(counts.values())}
        for week, counts in sorted(buckets.items())
    ]


def reply_time_trend(workspace, *, weeks: int = 12) -> list[dict]:
    """Median hours to an answer per week, theirs and ours, by the week the answer came."""
    import statistics

    today = timezone.localdate()
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    since = datetime.combine(start, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    buckets: dict = {start + timedelta(weeks=k): {"out": [], "in": []} for k in range(weeks)}
    rows = Interaction.objects.filter(
        workspace=workspace, answered_at__gte=since, answered_by__isnull=False
    ).values_list("direction", "occurred_at", "answered_at")[:50000]
    for direction, asked, answered in rows:
        day = timezone.localdate(answered)
        week = day - timedelta(days=day.weekday())
        if week in buckets:
            buckets[week][direction].append((answered - asked).total_seconds() / 3600)
    return [
        {
            "week": week,
            "theirs": statistics.median(v["out"]) if v["out"] else None,
            "ours": statistics.median(v["in"]) if v["in"] else None,
        }
        for week, v in sorted(buckets.items())
    ]


CHANNEL_ORDER = [c.value for c in Channel]
