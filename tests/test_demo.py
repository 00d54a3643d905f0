"""The demo workspace that `make demo` loads is realistic and works page by page."""

from django.core.management import call_command
from django.test import Client

from svrazka.contacts.demo import DEMO_EMAIL, DEMO_PASSWORD
from svrazka.contacts.models import Organisation, Person
from svrazka.partnerships.models import Agreement, Evaluation, Partnership


def test_demo_workspace_loads_and_its_pages_open(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    call_command("load_demo", stdout=open("/dev/null", "w"))  # again: replaced, not doubled
    organisations = Organisation.objects.filter(workspace__slug="demo")
    assert organisations.count() == 18
    assert {o.country for o in organisations} == {"BG", "GR", "RO"}
    people = Person.objects.filter(workspace__slug="demo")
    names = " ".join(p.full_name for p in people)
    assert "Христо" in names and "Νίκος" in names and "Andreea" in names
    assert Partnership.objects.filter(workspace__slug="demo").count() == 4
    assert Agreement.objects.filter(workspace__slug="demo").count() == 1
    assert Evaluation.objects.filter(workspace__slug="demo").count() == 1
    from svrazka.network.models import Relationship, Snapshot

    assert Relationship.objects.filter(workspace__slug="demo").count() == 5
    assert Snapshot.objects.get(workspace__slug="demo").status == "done"

    client = Client(HTTP_ACCEPT_LANGUAGE="bg")
    assert client.login(email=DEMO_EMAIL, password=DEMO_PASSWORD)
    person = people.get(given_name="Христо")
    partnership = Partnership.objects.get(workspace__slug="demo", form="coalition")
    for path in [
        "/w/demo/",
        "/w/demo/people/?q=hristo",
        "/w/demo/organisations/",
        f"/w/demo/people/{person.pk}/",
        "/w/demo/partnerships/board/",
        f"/w/demo/partnerships/{partnership.pk}/",
        f"/w/demo/organisations/{organisations.first().pk}/",
        "/w/demo/network/",
        "/w/demo/network/trends/",
        "/w/demo/network/sources/",
        "/w/demo/network/recommendations/?theme=SC5",
        "/w/demo/scorecards/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
    found = client.get("/w/demo/people/?q=hristo").context["page"].items
    assert [p.given_name for p in found] == ["Христо"]
