"""Reads of scorecards, always within one workspace: fetchers (404 outside it), the
side-by-side comparison with ranks, and the shortlist a partnership's page shows."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.http import Http404

from svrazka.scorecards.models import Assessment, Criterion, Score, Scorecard, ShortlistLink


def _get(model, workspace, pk, *select):
    try:
        return model.objects.select_related(*select).get(workspace=workspace, pk=pk)
    except (model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def get_scorecard(workspace, pk: int) -> Scorecard:
    return _get(Scorecard, workspace, pk, "workspace")


def get_criterion(workspace, pk: int) -> Criterion:
    return _get(Criterion, workspace, pk, "scorecard__workspace")


def get_assessment(workspace, pk: int) -> Assessment:
    return _get(
        Assessment, workspace, pk, "scorecard__workspace", "organisation", "person", "assessed_by"
    )


def scorecards_list(*, workspace, purpose: str = "") -> QuerySet[Scorecard]:
    """The workspace's scorecards by name, each with its numbers of criteria, candidates and
    shortlisted candidates."""
    qs = Scorecard.objects.filter(workspace=workspace)
    if purpose:
        qs = qs.filter(purpose=purpose)
    return qs.annotate(
        criteria_count=Count("criteria", distinct=True),
        candidate_count=Count("assessments", distinct=True),
    ).order_by("name", "id")


def shortlisted_counts(scorecard_ids: list[int]) -> dict[int, int]:
    return dict(
        Assessment.objects.filter(scorecard_id__in=scorecard_ids, shortlisted=True)
        .values_list("scorecard_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def assessments_of(scorecard: Scorecard) -> QuerySet[Assessment]:
    """A scorecard's candidates, best total first (unscored last)."""
    from django.db.models import F

    return (
        Assessment.objects.filter(scorecard=scorecard)
        .select_related("organisation", "person", "assessed_by")
        .order_by(F("total").desc(nulls_last=True), "id")
    )


def ranks(totals: list[Decimal | None]) -> list[int | None]:
    """Competition ranks ("1, 2, 2, 4") for totals sorted best first; None for no total."""
    result: list[int | None] = []
    previous, rank = None, 0
    for i, total in enumerate(totals):
        if total is None:
            result.append(None)
            continue
        if total != previous:
            rank, previous = i + 1, total
        result.append(rank)
    return result


@dataclass
class ComparisonRow:
    assessment: Assessment
    rank: int | None
    scores: list[Score | None]  # one per criterion, in the criteria's order

    @property
    def complete(self) -> bool:
        return all(s is not None for s in self.scores)


@dataclass
class Comparison:
    scorecard: Scorecard
    criteria: list[Criterion]
    rows: list[ComparisonRow] = field(default_factory=list)

    @property
    def weight_sum(self) -> Decimal:
        return sum((c.weight for c in self.criteria), Decimal(0))


def _sort_key(a: Assessment):
    return (a.total is None, -(a.total or 0), a.candidate_name.casefold(), a.pk)


def comparison(
    scorecard: Scorecard, *, shortlisted_only: bool = False, ids: list[int] | None = None
) -> Comparison:
    """The candidates side by side: per-criterion scores, weighted totals and ranks, best
    first. Ranks are over all the scorecard's candidates, also when only some are shown.
    Three queries."""
    criteria = list(Criterion.objects.filter(scorecard=scorecard).order_by("position", "id"))
    assessments = sorted(
        Assessment.objects.filter(scorecard=scorecard).select_related(
            "organisation", "person", "assessed_by"
        ),
        key=_sort_key,
    )
    rank_of = dict(
        zip([a.pk for a in assessments], ranks([a.total for a in assessments]), strict=True)
    )
    shown = [
        a
        for a in assessments
        if (not shortlisted_only or a.shortlisted) and (ids is None or a.pk in ids)
    ]
    by_cell = {
        (s.assessment_id, s.criterion_id): s
        for s in Score.objects.filter(assessment_id__in=[a.pk for a in shown])
    }
    return Comparison(
        scorecard=scorecard,
        criteria=criteria,
        rows=[
            ComparisonRow(
                assessment=a,
                rank=rank_of[a.pk],
                scores=[by_cell.get((a.pk, c.pk)) for c in criteria],
            )
            for a in shown
        ],
    )


@dataclass
class ShortlistGroup:
    """One scorecard's shortlist attached to a partnership."""

    link: ShortlistLink
    scorecard: Scorecard
    rows: list[ComparisonRow]  # the shortlisted candidates, best first, scores left out


def shortlist_for(partnership) -> list[ShortlistGroup]:
    """The shortlists attached to a partnership, for its page ("before" phase): per scorecard,
    the candidates shortlisted now with their totals and ranks among all the scorecard's
    candidates. Three queries, however many scorecards are attached."""
    links = list(
        ShortlistLink.objects.filter(workspace_id=partnership.workspace_id, partnership=partnership)
        .select_related("scorecard")
        .order_by("attached_at", "id")
    )
    if not links:
        return []
    scorecard_ids = [link.scorecard_id for link in links]
    totals: dict[int, list[Decimal | None]] = {pk: [] for pk in scorecard_ids}
    for scorecard_id, total in Assessment.objects.filter(
        scorecard_id__in=scorecard_ids, total__isnull=False
    ).values_list("scorecard_id", "total"):
        totals[scorecard_id].append(total)
    shortlisted: dict[int, list[Assessment]] = {pk: [] for pk in scorecard_ids}
    for a in Assessment.objects.filter(
        scorecard_id__in=scorecard_ids, shortlisted=True
    ).select_related("organisation", "person"):
        shortlisted[a.scorecard_id].append(a)
    groups = []
    for link in links:
        ordered = sorted(totals[link.scorecard_id], reverse=True)
        rows = []
        for a in sorted(shortlisted[link.scorecard_id], key=_sort_key):
            rank = ordered.index(a.total) + 1 if a.total is not None else None
            rows.append(ComparisonRow(assessment=a, rank=rank, scores=[]))
        groups.append(ShortlistGroup(link=link, scorecard=link.scorecard, rows=rows))
    return groups


def shortlists_attached(scorecard: Scorecard) -> QuerySet[ShortlistLink]:
    return (
        ShortlistLink.objects.filter(scorecard=scorecard)
        .select_related("partnership")
        .order_by("attached_at", "id")
    )
