"""Reads of partnerships, always within one workspace."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from svrazka.partnerships.models import (
    ChecklistItem,
    Duty,
    Partnership,
    PartnershipPartner,
)

PARTNERSHIP_SORTS = {
    "-updated": ("-updated_at", "-id"),
    "updated": ("updated_at", "id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "start": ("start_date", "id"),
    "-start": ("-start_date", "-id"),
}


@dataclass
class PartnershipFilters:
    q: str = ""
    form: str = ""
    status: str = ""
    phase: str = ""
    organisation: int | None = None
    liaison: int | None = None
    sort: str = "-updated"


def _get(model, workspace, pk, **related):
    try:
        return model.objects.select_related(*related.get("select", ())).get(
            workspace=workspace, pk=pk
        )
    except (model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def get_partnership(workspace, pk: int) -> Partnership:
    return _get(Partnership, workspace, pk, select=("liaison", "facilitator"))


def get_partner(workspace, pk: int) -> PartnershipPartner:
    return _get(PartnershipPartner, workspace, pk, select=("partnership", "organisation"))


def get_duty(workspace, pk: int) -> Duty:
    return _get(Duty, workspace, pk, select=("partnership",))


def get_checklist_item(workspace, pk: int) -> ChecklistItem:
    return _get(ChecklistItem, workspace, pk, select=("partnership",))


def partnerships_list(*, workspace, filters: PartnershipFilters) -> QuerySet[Partnership]:
    qs = Partnership.objects.filter(workspace=workspace)
    if filters.q:
        from svrazka.lib.translit import fold

        for word in fold(filters.q).split()[:8]:
            qs = qs.filter(search_text__contains=word)
    if filters.form:
        qs = qs.filter(form=filters.form)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.phase:
        qs = qs.filter(phase=filters.phase)
    if filters.liaison:
        qs = qs.filter(liaison_id=filters.liaison)
    if filters.organisation:
        qs = qs.filter(
            pk__in=PartnershipPartner.objects.filter(
                workspace=workspace, organisation_id=filters.organisation
            ).values("partnership_id")
        )
    return qs.order_by(*PARTNERSHIP_SORTS.get(filters.sort, PARTNERSHIP_SORTS["-updated"]))


def with_card_details(partnerships: list[Partnership], workspace) -> list[Partnership]:
    """Partner names and checklist progress for a page of cards, in two queries."""
    ids = [p.pk for p in partnerships]
    partners: dict[int, list[str]] = {}
    for partnership_id, name in (
        PartnershipPartner.objects.filter(workspace=workspace, partnership_id__in=ids)
        .order_by("id")
        .values_list("partnership_id", "organisation__name")
    ):
        partners.setdefault(partnership_id, []).append(name)
    progress = {
        row["partnership_id"]: (row["done"], row["total"])
        for row in ChecklistItem.objects.filter(workspace=workspace, partnership_id__in=ids)
        .values("partnership_id")
        .annotate(total=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)))
    }
    for p in partnerships:
        p.partner_names = partners.get(p.pk, [])
        p.done_count, p.item_count = progress.get(p.pk, (0, 0))
    return partnerships


def board_columns(*, workspace, filters: PartnershipFilters, per_column: int = 15):
    """The board: one column per step of the flow, each with its first cards."""
    from svrazka.partnerships import practice

    base = (
        partnerships_list(workspace=workspace, filters=filters)
        .order_by("board_position", "-updated_at", "id")
        .only("id", "title", "form", "status", "step", "phase", "board_position", "updated_at")
    )
    counts = dict(base.order_by().values_list("step").annotate(n=Count("id")))
    columns = []
    for step in practice.STEPS:
        cards = list(base.filter(step=step.key)[:per_column])
        columns.append({"step": step, "cards": cards, "count": counts.get(step.key, 0)})
    with_card_details([c for col in columns for c in col["cards"]], workspace)
    return columns


def partnership_room(workspace, pk: int) -> Partnership:
    """A partnership with everything its room shows, in a fixed number of queries."""
    try:
        return (
            Partnership.objects.filter(workspace=workspace, pk=pk)
            .select_related("liaison", "facilitator")
            .prefetch_related(
                Prefetch(
                    "partners",
                    queryset=PartnershipPartner.objects.select_related(
                        "organisation", "liaison"
                    ).order_by("id"),
                ),
                Prefetch(
                    "duties",
                    queryset=Duty.objects.select_related(
                        "person", "user", "partner__organisation"
                    ).order_by("start_date", "id"),
                ),
                Prefetch("checklist", queryset=ChecklistItem.objects.order_by("position", "id")),
                "projects",
                Prefetch("resources", queryset=_resources()),
            )
            .get()
        )
    except (Partnership.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def _resources():
    from svrazka.partnerships.models import Resource

    return Resource.objects.select_related("source", "project").order_by("received_on", "id")
