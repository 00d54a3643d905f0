"""Searches read their pages without touching every match (contacts.selectors.ContactSearch):
every page, count and order they give is the plain query's (people_list, organisations_list).

The walk and the token sample are shrunk to a few contacts here, so that a workspace of a few
dozen people has what a million have: matches within the walk, Latin names sorting after every
Cyrillic one (beyond it), names shared by several people (ties in the sort key), several
matching tokens for one person (name and email)."""

import importlib

import pytest
from django.apps import apps

from svrazka.accounts.models import ApiToken
from svrazka.contacts import selectors, services
from svrazka.contacts.models import OrganisationToken, PersonToken
from svrazka.contacts.selectors import ContactFilters, ContactSearch
from svrazka.lib import translit
from svrazka.lib.paging import count_up_to
from tests.factories import make_organisation, make_person

# (given, middle, family, country, email); Cyrillic names sort before all Latin ones.
PEOPLE = [
    ("Анна", "Петрова", "Алексова", "BG", ""),
    ("Борис", "Петров", "Бонев", "BG", "boris.petrov@example.bg"),
    ("Васил", "", "Василев", "BG", ""),
    ("Галя", "Петрова", "Генова", "BG", ""),
    ("Иван", "", "Петров", "BG", "ivan.petrov@example.bg"),
    ("Иван", "", "Петров", "BG", ""),
    ("Иван", "", "Петров", "BG", "petrov@example.bg"),
    ("Иван", "Георгиев", "Иванов", "BG", ""),
    ("Мария", "", "Петрова", "BG", ""),
    ("Мария", "Иванова", "Петрова", "BG", ""),
    ("Никола", "Петров", "Николов", "BG", ""),
    ("Петър", "", "Петров", "BG", ""),
    ("Стоян", "", "Стоянов", "BG", ""),
    ("Теодора", "Иванова", "Тодорова", "BG", "teodora@example.bg"),
    ("Явор", "Петров", "Янев", "BG", ""),
    ("Andrei", "", "Popescu", "RO", "andrei.popescu@example.ro"),
    ("Elena", "", "Popescu", "RO", ""),
    ("Ion", "", "Popescu", "RO", ""),
    ("Ion", "", "Popescu", "RO", ""),
    ("Maria", "", "Popescu", "RO", ""),
    ("Mihai", "", "Popescu-Ionescu", "RO", ""),
    ("Eleni", "", "Papadopoulou", "GR", "eleni.papadopoulou@example.gr"),
    ("Giorgos", "", "Papadakis", "GR", ""),
    ("Ivan", "", "Petrov", "GR", ""),
    ("Nikos", "", "Papadopoulos", "GR", ""),
    ("Nikos", "", "Papadopoulos", "GR", ""),
    ("Sofia", "", "Papadimitriou", "GR", ""),
    ("Petros", "", "Petrovic", "RO", ""),
]
QUERIES = ["petrov", "Петров", "popescu", "papad", "Иван Петров", "ivan", "p", "nobody", "%"]
SORTS = ["name", "-name", "country", "updated"]
# (walk, sample): the walk within a few people, none at all, and the whole workspace.
SIZES = [(8, 10), (1, 3), (5_000, 5_000)]


@pytest.fixture
def people(workspace, alice):
    org = make_organisation(workspace, alice, name="Сдружение „Мост“")
    cause = services.cause_get_or_create(workspace=workspace, name="Образование")
    tag = services.tag_get_or_create(workspace=workspace, name="доброволец")
    made = []
    for i, (given, middle, family, country, email) in enumerate(PEOPLE):
        person = make_person(
            workspace,
            alice,
            given_name=given,
            middle_name=middle,
            family_name=family,
            country=country,
            emails=[email] if email else [],
            causes=[cause] if i % 2 else [],
            tags=[tag] if i % 3 == 0 else [],
        )
        if i % 4 == 0:
            services.affiliation_create(
                workspace=workspace, actor=alice, person=person, organisation=org, data={}
            )
        made.append(person)
    return {"people": made, "org": org, "cause": cause, "tag": tag}


@pytest.fixture
def small(monkeypatch):
    """Shrink the walk and the token sample (to `small(walk, sample)`)."""

    def shrink(walk: int, sample: int) -> None:
        monkeypatch.setattr(selectors, "SEARCH_WALK", walk)
        monkeypatch.setattr(selectors, "COUNT_SAMPLE", sample)

    return shrink


@pytest.fixture
def answers(monkeypatch):
    """Which way of reading answered: ("walk" | "tokens", how many ids it gave), in order."""
    calls = []
    for method, name in [("_walk", "walk"), ("_from_tokens", "tokens")]:
        original = getattr(ContactSearch, method)

        def spy(self, *args, _original=original, _name=name):
            ids = _original(self, *args)
            calls.append((_name, len(ids)))
            return ids

        monkeypatch.setattr(ContactSearch, method, spy)
    return calls


def _both(workspace, **filters):
    f = ContactFilters(**filters)
    listing = selectors.people_listing(workspace=workspace, filters=f)
    plain = selectors.people_list(workspace=workspace, filters=f)
    return listing, plain


def _ids(rows) -> list[int]:
    return [row.pk for row in rows]


def _plain_ids(plain, start: int, stop: int) -> list[int]:
    return list(plain.values_list("pk", flat=True)[start:stop])


def test_first_page_of_a_common_name_comes_from_the_walk(workspace, people, small, answers):
    small(8, 10)
    listing, plain = _both(workspace, q="Петров")
    assert isinstance(listing, ContactSearch)
    assert _ids(listing[0:3]) == _plain_ids(plain, 0, 3)
    assert answers[-1] == ("walk", 3) and "tokens" not in dict(answers)


def test_names_beyond_the_walk_come_from_the_token_index(workspace, people, small, answers):
    small(8, 10)
    listing, plain = _both(workspace, q="papad")
    page = _ids(listing[0:3])
    assert page == _plain_ids(plain, 0, 3)
    assert [p.family_name for p in listing[0:3]] == ["Papadakis", "Papadimitriou", "Papadopoulos"]
    assert answers[-1] == ("tokens", 3)
    # the second page, and the last one, which is not full
    assert _ids(listing[3:6]) == _plain_ids(plain, 3, 6)
    assert _ids(listing[3:9]) == _plain_ids(plain, 3, 9) and len(_plain_ids(plain, 3, 9)) == 2


def test_two_words_beyond_the_walk_fall_back_to_the_plain_query(workspace, people, small, answers):
    small(4, 10)
    listing, plain = _both(workspace, q="Иван Петров")
    assert _ids(listing[0:4]) == _plain_ids(plain, 0, 4)
    assert answers == [("walk", 0)]  # none of the first people is an Иван Петров


def test_fewer_matches_than_a_page(workspace, people, small):
    small(8, 10)
    for q in ["popescu ion", "Petrovic", "eleni"]:
        listing, plain = _both(workspace, q=q)
        assert 0 < len(_plain_ids(plain, 0, 50)) < 5
        assert _ids(listing[0:50]) == _plain_ids(plain, 0, 50)
        assert count_up_to(listing, 1001) == plain.count()


def test_people_with_the_same_name_keep_their_order(workspace, people, small):
    small(8, 10)
    listing, plain = _both(workspace, q="ivan petrov")
    same = [p.pk for p in people["people"] if p.sort_name == "Петров Иван"]
    assert len(same) == 3
    for start in range(6):
        assert _ids(listing[start : start + 2]) == _plain_ids(plain, start, start + 2)


def test_a_token_written_twice_does_not_shorten_a_page(workspace, people, small):
    small(8, 10)
    andrei = next(p for p in people["people"] if p.given_name == "Andrei")
    word = translit.query_tokens("popescu")[0]
    twice = PersonToken.objects.filter(person=andrei, token__startswith=word)
    assert twice.exists()
    PersonToken.objects.bulk_create(
        [
            PersonToken(workspace=workspace, person=andrei, token=t.token, sort_key=t.sort_key)
            for t in twice
        ]
    )
    listing, plain = _both(workspace, q="popescu")
    for stop in range(1, 8):
        assert _ids(listing[0:stop]) == _plain_ids(plain, 0, stop)


@pytest.mark.parametrize("walk, sample", SIZES)
def test_every_window_count_and_order_equal_the_plain_query(workspace, people, small, walk, sample):
    small(walk, sample)
    filter_sets = [
        {},
        {"country": "BG"},
        {"country": "RO"},
        {"cause": people["cause"].pk},
        {"tag": people["tag"].pk},
        {"organisation": people["org"].pk},
        {"country": "GR", "cause": people["cause"].pk},
    ]
    checked = 0
    for q in QUERIES:
        for extra in filter_sets:
            for sort in SORTS if not extra else ["name", "-name"]:
                listing, plain = _both(workspace, q=q, sort=sort, **extra)
                total = plain.count()
                for size in (1, 4):
                    for start in range(0, total + size, size):
                        got = _ids(listing[start : start + size])
                        expected = _plain_ids(plain, start, start + size)
                        assert got == expected, (q, extra, sort, start, size)
                        checked += 1
                for cap in (1, 2, 5, 1001):
                    assert count_up_to(listing, cap) == min(total, cap), (q, extra, sort, cap)
    assert checked > 1000


def test_list_pages_and_api_pages_equal_the_plain_query(
    alice_client, client, workspace, alice, people, small, settings
):
    small(8, 10)
    settings.PAGE_SIZE = 3
    _token, secret = ApiToken.issue(workspace=workspace, user=alice, name="test")
    for q in ["petrov", "papad", "popescu", "Иван Петров"]:
        plain = selectors.people_list(workspace=workspace, filters=ContactFilters(q=q))
        total = plain.count()
        for number in range(1, total // 3 + 2):
            page = alice_client.get("/w/ngo/people/", {"q": q, "page": number}).context["page"]
            assert _ids(page.items) == _plain_ids(plain, (number - 1) * 3, number * 3)
            assert page.has_next == (number * 3 < total)
            assert page.count == total and not page.count_capped
        for offset in (0, 2, 5):
            response = client.get(
                "/api/v1/people",
                {"q": q, "limit": 4, "offset": offset},
                headers={"Authorization": f"Bearer {secret}"},
            )
            body = response.json()
            assert [p["id"] for p in body["items"]] == _plain_ids(plain, offset, offset + 4)
            assert body["next_offset"] == (offset + 4 if offset + 4 < total else None)


def test_organisation_searches_equal_the_plain_query(workspace, alice, small):
    small(4, 5)
    names = [
        ("Фондация „Петров“", "foundation", "BG"),
        ("Сдружение „Петрови“", "ngo", "BG"),
        ("Читалище „Петров дол“", "other", "BG"),
        ("Асоциация „Бор“", "ngo", "BG"),
        ("Агенция „Петрово“", "ngo", "BG"),
        ("Fundația Popescu", "foundation", "RO"),
        ("Asociația Popescu", "ngo", "RO"),
        ("Ίδρυμα Παπαδόπουλου", "foundation", "GR"),
        ("Papadopoulos Foundation", "foundation", "GR"),
    ]
    for name, kind, country in names:
        make_organisation(workspace, alice, name=name, kind=kind, country=country)
    for q in ["petrov", "popescu", "papad", "fond", "p"]:
        for extra in [{}, {"kind": "ngo"}, {"country": "BG"}, {"unverified_months": 12}]:
            for sort in ["name", "-name", "verified"]:
                f = ContactFilters(q=q, sort=sort, **extra)
                listing = selectors.organisations_listing(workspace=workspace, filters=f)
                plain = selectors.organisations_list(workspace=workspace, filters=f)
                total = plain.count()
                for start in range(0, total + 2, 2):
                    assert _ids(listing[start : start + 2]) == _plain_ids(plain, start, start + 2)
                assert count_up_to(listing, 2) == min(total, 2)
                assert count_up_to(listing, 100) == total


def test_tokens_carry_the_sort_key_of_their_owner_through_renames(workspace, alice):
    person = make_person(workspace, alice, given_name="Яна", family_name="Янева")
    org = make_organisation(workspace, alice, name="Ябълка")
    services.person_update(
        person=person, actor=alice, data={"family_name": "Аврамова"}, version=None
    )
    services.organisation_update(
        organisation=org, actor=alice, data={"name": "Акация"}, version=None
    )
    person.refresh_from_db()
    org.refresh_from_db()
    assert set(PersonToken.objects.filter(person=person).values_list("sort_key", flat=True)) == {
        person.sort_key
    }
    assert set(
        OrganisationToken.objects.filter(organisation=org).values_list("sort_key", flat=True)
    ) == {org.sort_key}
    assert person.sort_name.startswith("Аврамова")


def test_the_migration_copies_sort_keys_to_existing_tokens(workspace, alice):
    person = make_person(workspace, alice, given_name="Ана", family_name="Колева")
    org = make_organisation(workspace, alice, name="Мост")
    PersonToken.objects.update(sort_key="")
    OrganisationToken.objects.update(sort_key="")
    migration = importlib.import_module("svrazka.contacts.migrations.0002_token_sort_key")
    migration.copy_sort_keys(apps, None)
    assert set(PersonToken.objects.values_list("sort_key", flat=True)) == {person.sort_key}
    assert set(OrganisationToken.objects.values_list("sort_key", flat=True)) == {org.sort_key}


def test_a_persons_tokens_go_with_the_person_and_compare_bytewise(db, workspace, alice):
    """The token table has no database constraint to the person (migration contacts 0005): the
    ORM deletes the tokens with their person. On PostgreSQL the keys compare byte by byte."""
    from django.db import connection

    gone = make_person(workspace, alice, given_name="Стоян", family_name="Колев")
    kept = make_person(workspace, alice, given_name="Стоян", family_name="Петров")
    assert PersonToken.objects.filter(person=gone).exists()
    gone.delete()
    assert not PersonToken.objects.filter(person_id=gone.pk).exists()
    assert PersonToken.objects.filter(person=kept, token="petrov").exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns "
                "WHERE table_name IN ('contacts_persontoken', 'contacts_organisationtoken', "
                "'contacts_person', 'contacts_organisation') "
                "AND column_name IN ('token', 'sort_key') ORDER BY 1, 2"
            )
            rows = cursor.fetchall()
            assert len(rows) == 6 and {row[2] for row in rows} == {"C"}
