"""Reads of the contact database, always within one workspace."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from svrazka.contacts.models import (
    Affiliation,
    Cause,
    Organisation,
    OrganisationCause,
    OrganisationTag,
    OrganisationToken,
    Person,
    PersonCause,
    PersonTag,
    PersonToken,
    Tag,
)
from svrazka.lib import translit

ORGANISATION_SORTS = {
    "name": ("sort_key", "id"),
    "-name": ("-sort_key", "-id"),
    "country": ("country", "sort_key", "id"),
    "-country": ("-country", "-sort_key", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "verified": ("last_verified", "id"),
    "-verified": ("-last_verified", "-id"),
}
PERSON_SORTS = {
    "name": ("sort_key", "id"),
    "-name": ("-sort_key", "-id"),
    "country": ("country", "sort_key", "id"),
    "-country": ("-country", "-sort_key", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


@dataclass
class ContactFilters:
    q: str = ""
    kind: str = ""
    country: str = ""
    cause: int | None = None
    tag: int | None = None
    organisation: int | None = None
    unverified_months: int | None = None
    sort: str = "name"
    extra: dict = field(default_factory=dict)


def _months_ago(months: int) -> date:
    today = timezone.localdate()
    year, month = divmod(today.month - 1 - months, 12)
    year += today.year
    month += 1
    day = min(today.day, 28)
    return date(year, month, day)


def _token_filter(qs: QuerySet, token_model, owner_field: str, workspace, q: str) -> QuerySet:
    for token in translit.query_tokens(q):
        matches = token_model.objects.filter(
            workspace=workspace, token__gte=token, token__lt=translit.upper_bound(token)
        ).values(f"{owner_field}_id")
        qs = qs.filter(pk__in=matches)
    return qs


def organisations_list(*, workspace, filters: ContactFilters) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(workspace=workspace)
    if filters.q:
        qs = _token_filter(qs, OrganisationToken, "organisation", workspace, filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.country:
        qs = qs.filter(country=filters.country.upper())
    if filters.cause:
        qs = qs.filter(
            Exists(
                OrganisationCause.objects.filter(
                    workspace=workspace, cause_id=filters.cause, organisation_id=OuterRef("pk")
                )
            )
        )
    if filters.tag:
        qs = qs.filter(
            Exists(
                OrganisationTag.objects.filter(
                    workspace=workspace, tag_id=filters.tag, organisation_id=OuterRef("pk")
                )
            )
        )
    if filters.unverified_months is not None:
        cutoff = _months_ago(filters.unverified_months)
        qs = qs.filter(last_verified__isnull=True) | qs.filter(last_verified__lt=cutoff)
    return qs.order_by(*ORGANISATION_SORTS.get(filters.sort, ORGANISATION_SORTS["name"]))


def people_list(*, workspace, filters: ContactFilters) -> QuerySet[Person]:
    qs = Person.objects.filter(workspace=workspace)
    if filters.q:
        qs = _token_filter(qs, PersonToken, "person", workspace, filters.q)
    if filters.country:
        qs = qs.filter(country=filters.country.upper())
    if filters.cause:
        qs = qs.filter(
            Exists(
                PersonCause.objects.filter(
                    workspace=workspace, cause_id=filters.cause, person_id=OuterRef("pk")
                )
            )
        )
    if filters.tag:
        qs = qs.filter(
            Exists(
                PersonTag.objects.filter(
                    workspace=workspace, tag_id=filters.tag, person_id=OuterRef("pk")
                )
            )
        )
    if filters.organisation:
        qs = qs.filter(
            Exists(
                Affiliation.objects.filter(
                    workspace=workspace,
                    organisation_id=filters.organisation,
                    person_id=OuterRef("pk"),
                )
            )
        )
    return qs.order_by(*PERSON_SORTS.get(filters.sort, PERSON_SORTS["name"]))


def with_list_details_people(people: list[Person], workspace) -> list[Person]:
    """Attach current affiliations and first email to a page of people in two queries."""
    ids = [p.pk for p in people]
    current: dict[int, list[Affiliation]] = {}
    for a in (
        Affiliation.objects.filter(workspace=workspace, person_id__in=ids, end_date__isnull=True)
        .select_related("organisation")
        .order_by("-start_date", "id")
    ):
        current.setdefault(a.person_id, []).append(a)
    from svrazka.contacts.models import PersonEmail

    emails: dict[int, str] = {}
    for e in PersonEmail.objects.filter(workspace=workspace, person_id__in=ids).order_by(
        "position", "id"
    ):
        emails.setdefault(e.person_id, e.email)
    for p in people:
        p.current_affiliations = current.get(p.pk, [])
        p.first_email = emails.get(p.pk, "")
    return people


def get_organisation(workspace, pk: int) -> Organisation:
    try:
        return Organisation.objects.get(workspace=workspace, pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_person(workspace, pk: int) -> Person:
    try:
        return Person.objects.get(workspace=workspace, pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_affiliation(workspace, pk: int) -> Affiliation:
    try:
        return Affiliation.objects.select_related("person", "organisation", "workspace").get(
            workspace=workspace, pk=pk
        )
    except (Affiliation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_cause(workspace, pk: int) -> Cause:
    try:
        return Cause.objects.get(workspace=workspace, pk=pk)
    except (Cause.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def affiliations_list(
    *, workspace, person: int | None = None, organisation: int | None = None
) -> QuerySet[Affiliation]:
    qs = Affiliation.objects.filter(workspace=workspace).select_related("person", "organisation")
    if person:
        qs = qs.filter(person_id=person)
    if organisation:
        qs = qs.filter(organisation_id=organisation)
    return qs.order_by("id")


def get_tag(workspace, pk: int) -> Tag:
    try:
        return Tag.objects.get(workspace=workspace, pk=pk)
    except (Tag.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def person_detail(workspace, pk: int) -> Person:
    try:
        return (
            Person.objects.filter(workspace=workspace, pk=pk)
            .select_related("workspace")
            .prefetch_related(
                "emails",
                "phones",
                "causes",
                "tags",
                Prefetch(
                    "affiliations",
                    queryset=Affiliation.objects.select_related("organisation").order_by(
                        F("end_date").desc(nulls_first=True), "-start_date", "id"
                    ),
                ),
            )
            .get()
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def organisation_detail(workspace, pk: int) -> Organisation:
    try:
        return (
            Organisation.objects.filter(workspace=workspace, pk=pk)
            .prefetch_related("causes", "tags")
            .get()
        )
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def organisation_people(workspace, organisation: Organisation, limit: int = 50):
    """The first people of an organisation (current first) and how many there are in all."""
    qs = Affiliation.objects.filter(workspace=workspace, organisation=organisation)
    rows = list(
        qs.select_related("person").order_by(
            F("end_date").desc(nulls_first=True), "person__sort_key", "id"
        )[:limit]
    )
    total = len(rows) if len(rows) < limit else qs.count()
    return rows, total


def causes(workspace) -> QuerySet[Cause]:
    return Cause.objects.filter(workspace=workspace).order_by("name")


def tags(workspace) -> QuerySet[Tag]:
    return Tag.objects.filter(workspace=workspace).order_by("name")


def countries_in_use(workspace, model) -> list[str]:
    return list(
        model.objects.filter(workspace=workspace)
        .exclude(country="")
        .values_list("country", flat=True)
        .distinct()
        .order_by("country")
    )
