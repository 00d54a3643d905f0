"""Reads of the contact database, always within one workspace."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from svrazka.accounts.models import Workspace
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


def _organisation_conditions(workspace, filters: ContactFilters) -> list:
    """The filters other than the search words, as conditions on Organisation."""
    conditions: list = []
    if filters.kind:
        conditions.append(Q(kind=filters.kind))
    if filters.country:
        conditions.append(Q(country=filters.country.upper()))
    if filters.cause:
        conditions.append(
            Exists(
                OrganisationCause.objects.filter(
                    workspace=workspace, cause_id=filters.cause, organisation_id=OuterRef("pk")
                )
            )
        )
    if filters.tag:
        conditions.append(
            Exists(
                OrganisationTag.objects.filter(
                    workspace=workspace, tag_id=filters.tag, organisation_id=OuterRef("pk")
                )
            )
        )
    if filters.unverified_months is not None:
        cutoff = _months_ago(filters.unverified_months)
        conditions.append(Q(last_verified__isnull=True) | Q(last_verified__lt=cutoff))
    return conditions


def organisations_list(*, workspace, filters: ContactFilters) -> QuerySet[Organisation]:
    """The organisations that match, in order: the plain query, which defines the list.

    Pages of a list view come from ``organisations_listing``, which reads the same rows faster.
    """
    conditions = _organisation_conditions(workspace, filters)
    qs = Organisation.objects.filter(*conditions, workspace=workspace)
    if filters.q:
        qs = _token_filter(qs, OrganisationToken, "organisation", workspace, filters.q)
    return qs.order_by(*ORGANISATION_SORTS.get(filters.sort, ORGANISATION_SORTS["name"]))


def _person_conditions(workspace, filters: ContactFilters) -> list:
    """The filters other than the search words, as conditions on Person."""
    conditions: list = []
    if filters.country:
        conditions.append(Q(country=filters.country.upper()))
    if filters.cause:
        conditions.append(
            Exists(
                PersonCause.objects.filter(
                    workspace=workspace, cause_id=filters.cause, person_id=OuterRef("pk")
                )
            )
        )
    if filters.tag:
        conditions.append(
            Exists(
                PersonTag.objects.filter(
                    workspace=workspace, tag_id=filters.tag, person_id=OuterRef("pk")
                )
            )
        )
    if filters.organisation:
        conditions.append(
            Exists(
                Affiliation.objects.filter(
                    workspace=workspace,
                    organisation_id=filters.organisation,
                    person_id=OuterRef("pk"),
                )
            )
        )
    return conditions


def people_list(*, workspace, filters: ContactFilters) -> QuerySet[Person]:
    """The people that match, in order: the plain query, which defines the list.

    Pages of a list view come from ``people_listing``, which reads the same rows faster.
    """
    qs = Person.objects.filter(*_person_conditions(workspace, filters), workspace=workspace)
    if filters.q:
        qs = _token_filter(qs, PersonToken, "person", workspace, filters.q)
    return qs.order_by(*PERSON_SORTS.get(filters.sort, PERSON_SORTS["name"]))


# --- searches on a million contacts (bench/README.md, issue 2) ------------------------------

# A search in name order may look for its page among this many contacts from the start of that
# order, probing the token index for each (see ContactSearch).
SEARCH_WALK = 5_000
# A one-word search counts its matches among this many of its token rows first,
COUNT_SAMPLE = 2_000
# and looks at this many of its tokens for one with enough holders to bound a page.
BOUND_TOKENS = 3
NAME_ORDERS = (PERSON_SORTS["name"], PERSON_SORTS["-name"])


@dataclass
class ContactSearch:
    """The rows and the count of a search of people or organisations, read so that their cost
    does not grow with the number of matches. They are those of ``plain`` (``people_list`` or
    ``organisations_list``): slicing gives the same rows, ``count_up_to`` the same count.

    In name order the first ``stop`` matches are looked for among the contacts up to a
    ``sort_key`` (a bound). Those contacts are the beginning of the whole order, so when ``stop``
    of them match, they are the first ``stop`` matches of the whole list. Two ways to read them:

    - a walk of the contacts in name order, each word an EXISTS on the token index, up to the
      SEARCH_WALK-th contact at most: cheap where the matches are dense (a common name);
    - the token rows of the word, which carry their owner's ``sort_key`` (one word and no other
      filter): their cost grows with the rows of the word, not with how late its matches sort
      (a Latin name sorts after every Cyrillic one).

    For one word the bound comes from its tokens: the ``stop``-th holder of one of them. If that
    lies within the walk, the walk goes there; else the walk is tried if the word has ``stop``
    token rows within it, then the token rows up to the bound. Several words or other filters:
    the walk, then ``plain``. Other orders slice ``plain``.
    """

    plain: QuerySet
    workspace: Workspace
    token_model: type[PersonToken] | type[OrganisationToken]
    owner: str  # the token's field that names its person or organisation
    words: list[str]
    conditions: list  # the other filters, on the contact model

    def __getitem__(self, window):
        if not isinstance(window, slice) or window.stop is None or not self._by_name:
            return self.plain[window]
        start, stop = window.start or 0, window.stop
        ids = self._first_ids(stop)[start:]
        found = self.plain.model.objects.filter(workspace=self.workspace).in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]  # one may be gone since

    def count_up_to(self, limit: int) -> int:
        """How many contacts match, counting no further than ``limit``."""
        if not self._one_word:
            return self.plain.order_by().values("pk")[:limit].count()
        owner = f"{self.owner}_id"
        owners = self._tokens().values(owner)
        first = owners[:COUNT_SAMPLE].aggregate(rows=Count("*"), found=Count(owner, distinct=True))
        if first["found"] >= limit or first["rows"] < COUNT_SAMPLE:
            return min(first["found"], limit)
        return owners.distinct()[:limit].count()

    @property
    def _by_name(self) -> bool:
        return self.plain.query.order_by in NAME_ORDERS

    @property
    def _descending(self) -> bool:
        return self.plain.query.order_by[0].startswith("-")

    @property
    def _one_word(self) -> bool:
        return len(self.words) == 1 and not self.conditions

    def _first_ids(self, stop: int) -> list[int]:
        """The ids of the first ``stop`` matches (fewer if there are fewer)."""
        far = self._sort_key_at(SEARCH_WALK)
        if far is None:  # fewer contacts than a walk: it sees them all
            return self._walk(stop, None)
        if not self._one_word:
            ids = self._walk(stop, far) if stop <= SEARCH_WALK else []
            if len(ids) == stop:
                return ids
            return list(self.plain.values_list("pk", flat=True)[:stop])
        bound = self._token_bound(stop)
        ids = []
        if bound is not None and self._within(bound, far):
            ids = self._walk(stop, bound)  # the first matches lie within the walk
        elif stop <= SEARCH_WALK and self._near(far, stop):
            ids = self._walk(stop, far)
        if len(ids) < stop:
            ids = self._from_tokens(stop, bound)
        if len(ids) < stop and bound is not None:  # only if a token repeated a holder
            ids = self._from_tokens(stop, None)
        return ids

    def _sort_key_at(self, position: int) -> str | None:
        """The sort key of the contact at this position in the order (from 1), if there is one."""
        contacts = self.plain.model.objects.filter(workspace=self.workspace)
        key = contacts.order_by(*self.plain.query.order_by).values_list("sort_key", flat=True)
        return next(iter(key[position - 1 : position]), None)

    def _within(self, key: str, bound: str) -> bool:
        """Whether a sort key comes no later than the bound in the order."""
        return key >= bound if self._descending else key <= bound

    def _near(self, far: str, stop: int) -> bool:
        """Whether the word has ``stop`` token rows up to the far end of the walk, so that the
        walk may fill the window (cheap when it has: the scan stops there)."""
        rows = self._up_to(self._tokens(), far).values(f"{self.owner}_id")
        return rows[:stop].count() == stop

    def _up_to(self, qs: QuerySet, bound: str | None) -> QuerySet:
        if bound is None:
            return qs
        return qs.filter(**{"sort_key__gte" if self._descending else "sort_key__lte": bound})

    def _has_word(self, word: str) -> Exists:
        return Exists(
            self.token_model.objects.filter(
                workspace=self.workspace,
                token__gte=word,
                token__lt=translit.upper_bound(word),
                **{self.owner: OuterRef("pk")},
            )
        )

    def _walk(self, stop: int, bound: str | None) -> list[int]:
        contacts = self.plain.model.objects.filter(
            *self.conditions,
            *(self._has_word(word) for word in self.words),
            workspace=self.workspace,
        )
        walk = self._up_to(contacts, bound).order_by(*self.plain.query.order_by)
        return list(walk.values_list("pk", flat=True)[:stop])

    def _tokens(self) -> QuerySet:
        word = self.words[0]
        return self.token_model.objects.filter(
            workspace=self.workspace, token__gte=word, token__lt=translit.upper_bound(word)
        )

    def _token_bound(self, stop: int) -> str | None:
        """A sort key that ``stop`` matches reach: that of the ``stop``-th holder of one of the
        word's first tokens (the holders of one token are different contacts)."""
        owner = f"{self.owner}_id"
        order = ("-sort_key", f"-{owner}") if self._descending else ("sort_key", owner)
        token = ""
        for _ in range(BOUND_TOKENS):
            later = self._tokens().filter(token__gt=token).order_by("token")
            token = later.values_list("token", flat=True).first()
            if token is None:
                return None
            holders = self._tokens().filter(token=token).order_by(*order)
            key = next(iter(holders.values_list("sort_key", flat=True)[stop - 1 : stop]), None)
            if key is not None:
                return key
        return None

    def _from_tokens(self, stop: int, bound: str | None) -> list[int]:
        owner = f"{self.owner}_id"
        order = ("-sort_key", f"-{owner}") if self._descending else ("sort_key", owner)
        rows = self._up_to(self._tokens(), bound).order_by(*order).values_list(owner, flat=True)
        # A contact with several matching tokens comes once per token, one after the other.
        # Sorting the first rows only is much cheaper than DISTINCT, which sorts them all.
        fetch = 4 * stop + 20
        while True:
            some = list(rows[:fetch])
            ids = list(dict.fromkeys(some))
            if len(ids) >= stop or len(some) < fetch:
                return ids[:stop]
            fetch *= 4


def organisations_listing(
    *, workspace, filters: ContactFilters
) -> QuerySet[Organisation] | ContactSearch:
    """What a list of organisations reads its pages from: ``organisations_list``, or for a
    search a ContactSearch that gives the same rows and count faster. Slice it; count it with
    ``svrazka.lib.paging.count_up_to``."""
    plain = organisations_list(workspace=workspace, filters=filters)
    words = translit.query_tokens(filters.q)
    if not words:
        return plain
    return ContactSearch(
        plain=plain,
        workspace=workspace,
        token_model=OrganisationToken,
        owner="organisation",
        words=words,
        conditions=_organisation_conditions(workspace, filters),
    )


def people_listing(*, workspace, filters: ContactFilters) -> QuerySet[Person] | ContactSearch:
    """What a list of people reads its pages from (see ``organisations_listing``)."""
    plain = people_list(workspace=workspace, filters=filters)
    words = translit.query_tokens(filters.q)
    if not words:
        return plain
    return ContactSearch(
        plain=plain,
        workspace=workspace,
        token_model=PersonToken,
        owner="person",
        words=words,
        conditions=_person_conditions(workspace, filters),
    )


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
            .select_related("workspace", "source_import__created_by")
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
            .select_related("source_import__created_by")
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
