"""The contact database through its pages: lists, search, filters, create, edit, delete,
history, edit conflicts, bulk actions, bad input."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svrazka.contacts import services
from svrazka.contacts.models import Affiliation, Organisation, Person, PersonTag, Tag
from svrazka.history.models import ChangeRecord
from tests.factories import make_organisation, make_person

VALID_EIK = "121602974"  # computed below to be sure


def valid_eik(prefix8: str) -> str:
    from svrazka.lib.identifiers import is_valid_eik

    for d in "0123456789":
        if is_valid_eik(prefix8 + d):
            return prefix8 + d
    raise AssertionError


ORG_FORM = {
    "name": "Фондация „Отворено общество“",
    "kind": "foundation",
    "country": "BG",
    "city": "София",
    "languages": ["bg", "en"],
    "tag_names": "donor, Erasmus+",
}


# --- organisations ---------------------------------------------------------------------------


def test_member_creates_an_organisation_with_tags_and_history(bob_client, workspace, bob):
    data = dict(ORG_FORM, eik=valid_eik("12160297"), phone="02 981 2345", website="https://osf.bg")
    response = bob_client.post("/w/ngo/organisations/new/", data)
    assert response.status_code == 302
    org = Organisation.objects.get(workspace=workspace)
    assert response["Location"] == f"/w/ngo/organisations/{org.pk}/"
    assert org.name == ORG_FORM["name"]
    assert org.phone == "+35929812345"
    assert org.languages == ["bg", "en"]
    assert sorted(t.name for t in org.tags.all()) == ["Erasmus+", "donor"]
    record = ChangeRecord.objects.get(object_id=org.pk, action="create")
    assert record.actor == bob and record.changes["name"] == [None, ORG_FORM["name"]]
    page = bob_client.get(response["Location"])
    assert "Отворено общество" in page.content.decode()
    assert "History" in page.content.decode()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("eik", "121602975", "EIK"),
        ("email", "not-an-email", "email"),
        ("phone", "12", "phone"),
        ("website", "javascript:alert(1)", "URL"),
        ("name", "<script>alert(1)</script>", "cannot contain"),
        ("name", "x" * 301, "at most 300"),
        ("pic", "12345", "PIC"),
        ("vat", "BG123", "VAT"),
    ],
)
def test_bad_organisation_input_is_refused_with_a_message(
    bob_client, workspace, field, value, message
):
    response = bob_client.post("/w/ngo/organisations/new/", dict(ORG_FORM, **{field: value}))
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    assert not Organisation.objects.filter(workspace=workspace).exists()
    assert not Tag.objects.filter(workspace=workspace).exists()  # nothing half-saved


def test_bad_input_message_is_in_bulgarian_for_a_bulgarian_user(bob_client, workspace, bob):
    bob.language = "bg"
    bob.save()
    session = bob_client.session
    session["language"] = "bg"
    session.save()
    response = bob_client.post("/w/ngo/organisations/new/", dict(ORG_FORM, eik="121602975"))
    assert response.status_code == 400
    assert "ЕИК" in response.content.decode()


def test_viewer_sees_but_cannot_change(vera_client, workspace, alice):
    org = make_organisation(workspace, alice, name="Видима организация")
    assert vera_client.get(f"/w/ngo/organisations/{org.pk}/").status_code == 200
    assert vera_client.get("/w/ngo/organisations/new/").status_code == 403
    assert vera_client.post("/w/ngo/organisations/new/", ORG_FORM).status_code == 403
    response = vera_client.post(f"/w/ngo/organisations/{org.pk}/edit/", dict(ORG_FORM))
    assert response.status_code == 403
    assert vera_client.post(f"/w/ngo/organisations/{org.pk}/delete/").status_code == 403
    assert (
        vera_client.post(
            "/w/ngo/organisations/bulk/", {"action": "delete", "ids": [org.pk], "confirm": "1"}
        ).status_code
        == 403
    )
    org.refresh_from_db()
    assert org.name == "Видима организация"
    page = vera_client.get(f"/w/ngo/organisations/{org.pk}/").content.decode()
    assert f"/w/ngo/organisations/{org.pk}/edit/" not in page


def test_edit_records_what_changed(bob_client, workspace, alice, bob):
    org = make_organisation(workspace, alice, name="Старо име", city="Пловдив")
    response = bob_client.post(
        f"/w/ngo/organisations/{org.pk}/edit/", dict(ORG_FORM, name="Ново име", version=org.version)
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Ново име" and org.version == 2
    change = ChangeRecord.objects.get(object_id=org.pk, action="update")
    assert change.actor == bob
    assert change.changes["name"] == ["Старо име", "Ново име"]
    assert change.changes["city"] == ["Пловдив", "София"]
    page = bob_client.get(f"/w/ngo/organisations/{org.pk}/").content.decode()
    assert "Старо име" in page and "Ново име" in page


def test_a_stale_edit_shows_a_conflict_and_overwrites_nothing(
    alice_client, bob_client, workspace, alice
):
    org = make_organisation(workspace, alice, name="Сдружение Мост")
    loaded_version = org.version
    # Alice saves first.
    assert (
        alice_client.post(
            f"/w/ngo/organisations/{org.pk}/edit/",
            dict(ORG_FORM, name="Сдружение Мост (нов адрес)", version=loaded_version),
        ).status_code
        == 302
    )
    # Bob saves the form he loaded before Alice's change.
    response = bob_client.post(
        f"/w/ngo/organisations/{org.pk}/edit/",
        dict(ORG_FORM, name="Сдружение Мостове", version=loaded_version),
    )
    assert response.status_code == 409
    assert "changed this record while you were editing" in response.content.decode()
    org.refresh_from_db()
    assert org.name == "Сдружение Мост (нов адрес)"
    assert org.version == loaded_version + 1
    # Bob's text is still in the form, and saving again (knowingly) now works.
    assert "Сдружение Мостове" in response.content.decode()
    again = bob_client.post(
        f"/w/ngo/organisations/{org.pk}/edit/",
        dict(ORG_FORM, name="Сдружение Мостове", version=org.version),
    )
    assert again.status_code == 302


def test_delete_asks_first_then_deletes_and_keeps_a_record(bob_client, workspace, alice):
    org = make_organisation(workspace, alice, name="За изтриване")
    confirm = bob_client.get(f"/w/ngo/organisations/{org.pk}/delete/")
    assert confirm.status_code == 200 and "За изтриване" in confirm.content.decode()
    assert Organisation.objects.filter(pk=org.pk).exists()
    assert bob_client.post(f"/w/ngo/organisations/{org.pk}/delete/").status_code == 302
    assert not Organisation.objects.filter(pk=org.pk).exists()
    assert ChangeRecord.objects.filter(object_id=org.pk, action="delete").exists()


def test_filters_by_type_country_cause_tag_and_unverified(alice_client, workspace, alice):
    from datetime import date, timedelta

    education = services.cause_get_or_create(workspace=workspace, name="Образование")
    partner = services.tag_get_or_create(workspace=workspace, name="partner")
    make_organisation(
        workspace,
        alice,
        name="Гръцко НПО",
        country="GR",
        causes=[education],
        last_verified=date.today(),
    )
    make_organisation(
        workspace,
        alice,
        name="Българско НПО",
        country="BG",
        tags=[partner],
        last_verified=date.today() - timedelta(days=500),
    )
    make_organisation(workspace, alice, name="Медия", kind="media", country="BG")

    def names(query):
        page = alice_client.get("/w/ngo/organisations/?" + query)
        assert page.status_code == 200
        return [o.name for o in page.context["page"].items]

    assert names("country=GR") == ["Гръцко НПО"]
    assert names(f"cause={education.pk}") == ["Гръцко НПО"]
    assert names(f"tag={partner.pk}") == ["Българско НПО"]
    assert names("kind=media") == ["Медия"]
    assert names("unverified_months=12") == ["Българско НПО", "Медия"]
    assert names("country=BG&sort=-name") == ["Медия", "Българско НПО"]
    assert names("country=XX&cause=abc&page=-3") == ["Българско НПО", "Гръцко НПО", "Медия"]


def test_list_sorts_in_bulgarian_order(alice_client, workspace, alice):
    for name in ["Ябълка", "Ясен", "Жар", "Ъгъл", "Ехо", "Alpha", "Άλφα", "Юг", "Цвят"]:
        make_organisation(workspace, alice, name=name)
    page = alice_client.get("/w/ngo/organisations/")
    assert [o.name for o in page.context["page"].items] == [
        "Ехо",
        "Жар",
        "Цвят",
        "Ъгъл",
        "Юг",
        "Ябълка",
        "Ясен",
        "Alpha",
        "Άλφα",
    ]


def test_list_pages_do_not_grow_queries_with_rows(alice_client, workspace, alice):
    org = make_organisation(workspace, alice, name="Работодател")

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get("/w/ngo/people/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        p = make_person(workspace, alice, given_name=f"Иван{i}", emails=[f"i{i}@example.org"])
        services.affiliation_create(
            workspace=workspace, actor=alice, person=p, organisation=org, data={}
        )
    alice_client.get("/w/ngo/")  # the first visit also records the workspace in the session
    few = count_queries()
    for i in range(3, 30):
        p = make_person(workspace, alice, given_name=f"Иван{i}", emails=[f"i{i}@example.org"])
        services.affiliation_create(
            workspace=workspace, actor=alice, person=p, organisation=org, data={}
        )
    assert count_queries() == few


def test_pagination_shows_next_page(alice_client, workspace, alice, settings):
    settings.PAGE_SIZE = 2
    for name in ["А", "Б", "В", "Г", "Д"]:
        make_organisation(workspace, alice, name=name)
    first = alice_client.get("/w/ngo/organisations/")
    assert [o.name for o in first.context["page"].items] == ["А", "Б"]
    assert "page=2" in first.content.decode()
    third = alice_client.get("/w/ngo/organisations/?page=3")
    assert [o.name for o in third.context["page"].items] == ["Д"]
    assert third.context["page"].count == 5


# --- people and search -----------------------------------------------------------------------


PERSON_FORM = {
    "given_name": "Христо",
    "family_name": "Петров",
    "country": "BG",
    "emails_text": "hristo@example.bg\nH.Petrov@Example.org",
    "phones_text": "0888 123 456",
    "consent": "given",
    "tag_names": "",
}


def test_member_creates_a_person_with_normalised_contacts(bob_client, workspace):
    response = bob_client.post("/w/ngo/people/new/", PERSON_FORM)
    assert response.status_code == 302
    person = Person.objects.get(workspace=workspace)
    assert [e.email for e in person.emails.all()] == ["hristo@example.bg", "h.petrov@example.org"]
    assert [p.number for p in person.phones.all()] == ["+359888123456"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("emails_text", "hristo@", "not a valid email"),
        ("phones_text", "+359 1", "not a valid phone"),
        ("given_name", "", "required"),
        ("given_name", "<b>Ivan</b>", "cannot contain"),
        ("date_of_birth", "2024-02-30", "valid date"),
        ("linkedin", "linkedin", "URL"),
    ],
)
def test_bad_person_input_is_refused(bob_client, workspace, field, value, message):
    response = bob_client.post("/w/ngo/people/new/", dict(PERSON_FORM, **{field: value}))
    assert response.status_code == 400
    assert message.lower() in response.content.decode().lower()
    assert not Person.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Петров", True),
        ("petrov", True),
        ("PETROFF", True),
        ("christo", True),
        ("hris", True),
        ("Хрис пет", True),
        ("petrov hristo", True),
        ("иванов", False),
        ("hristo@example", True),
        ("0888123456", True),
        ("' OR 1=1 --", False),
        ("%", True),
    ],
)
def test_search_finds_people_across_alphabets(alice_client, workspace, alice, query, expected):
    make_person(
        workspace,
        alice,
        given_name="Христо",
        family_name="Петров",
        emails=["hristo@example.bg"],
        phones=["0888123456"],
    )
    make_person(workspace, alice, given_name="Мария", family_name="Иванова-Петрова")
    page = alice_client.get("/w/ngo/people/", {"q": query})
    assert page.status_code == 200
    found = [p.given_name for p in page.context["page"].items]
    assert ("Христо" in found) is expected


def test_latin_names_are_found_by_a_cyrillic_query(alice_client, workspace, alice):
    make_person(workspace, alice, given_name="Georgi", family_name="Zhivkov")
    make_person(workspace, alice, given_name="Gueorgui", family_name="Jivkov")
    page = alice_client.get("/w/ngo/people/", {"q": "Георги Живков"})
    assert sorted(p.given_name for p in page.context["page"].items) == ["Georgi", "Gueorgui"]


def test_search_with_htmx_returns_only_the_results(alice_client, workspace, alice):
    make_person(workspace, alice, given_name="Христо", family_name="Петров")
    page = alice_client.get(
        "/w/ngo/people/", {"q": "hristo"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    body = page.content.decode()
    assert "Петров" in body and "<html" not in body


def test_affiliation_links_a_person_to_an_organisation(bob_client, workspace, alice):
    org = make_organisation(workspace, alice, name="Сдружение „Мост“")
    person = make_person(workspace, alice, given_name="Ана", family_name="Колева")
    response = bob_client.post(
        f"/w/ngo/people/{person.pk}/affiliations/new/",
        {
            "organisation": org.pk,
            "position": "Координатор",
            "start_date": "2024-01-01",
        },
    )
    assert response.status_code == 302
    a = Affiliation.objects.get(person=person)
    assert a.organisation == org and a.position == "Координатор"
    assert "Ана Колева" in bob_client.get(f"/w/ngo/organisations/{org.pk}/").content.decode()
    bad = bob_client.post(
        f"/w/ngo/people/{person.pk}/affiliations/new/",
        {
            "organisation": org.pk,
            "start_date": "2024-05-01",
            "end_date": "2024-01-01",
        },
    )
    assert bad.status_code == 400 and Affiliation.objects.count() == 1
    lookup = bob_client.get("/w/ngo/organisations/lookup/", {"q": "most"})
    assert "Сдружение „Мост“" in lookup.content.decode()


def test_affiliation_to_another_workspaces_organisation_is_refused(
    bob_client, workspace, alice, other_workspace, oscar
):
    theirs = make_organisation(other_workspace, oscar, name="Чужда")
    person = make_person(workspace, alice, given_name="Ана")
    response = bob_client.post(
        f"/w/ngo/people/{person.pk}/affiliations/new/", {"organisation": theirs.pk}
    )
    assert response.status_code == 404
    assert not Affiliation.objects.exists()


def test_bulk_tag_and_bulk_delete(bob_client, workspace, alice, other_workspace, oscar):
    people = [make_person(workspace, alice, given_name=n) for n in ("Ана", "Боян", "Вера")]
    foreign = make_person(other_workspace, oscar, given_name="Чужд")
    ids = [people[0].pk, people[1].pk, foreign.pk]
    response = bob_client.post(
        "/w/ngo/people/bulk/", {"action": "tag", "ids": ids, "tag_name": "event 2026"}
    )
    assert response.status_code == 302
    tag = Tag.objects.get(workspace=workspace, name="event 2026")
    assert set(PersonTag.objects.filter(tag=tag).values_list("person_id", flat=True)) == {
        people[0].pk,
        people[1].pk,
    }
    assert not foreign.tags.exists()
    confirm = bob_client.post("/w/ngo/people/bulk/", {"action": "delete", "ids": ids})
    assert confirm.status_code == 200 and Person.objects.filter(workspace=workspace).count() == 3
    done = bob_client.post("/w/ngo/people/bulk/", {"action": "delete", "ids": ids, "confirm": "1"})
    assert done.status_code == 302
    assert list(Person.objects.filter(workspace=workspace)) == [people[2]]
    assert Person.objects.filter(pk=foreign.pk).exists()


def test_person_page_shows_history_of_changes(bob_client, workspace, alice):
    person = make_person(workspace, alice, given_name="Ана", family_name="Колева")
    bob_client.post(
        f"/w/ngo/people/{person.pk}/edit/",
        dict(PERSON_FORM, given_name="Анна", family_name="Колева", version=person.version),
    )
    page = bob_client.get(f"/w/ngo/people/{person.pk}/").content.decode()
    assert "bob@example.org" in page and "Ана" in page and "Анна" in page


def test_wrong_methods_are_refused(bob_client, workspace, alice):
    person = make_person(workspace, alice)
    assert bob_client.get("/w/ngo/people/bulk/").status_code == 405
    assert bob_client.put(f"/w/ngo/people/{person.pk}/edit/").status_code == 405
    assert bob_client.get("/w/ngo/tags/1/delete/").status_code == 405
