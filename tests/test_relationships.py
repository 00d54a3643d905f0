"""Relationships: typed, dated, with a strength, named in both directions; made from a
person's or an organisation's page; bad input refused with nothing changed."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from svrazka.contacts.services import EditConflict
from svrazka.history.models import ChangeRecord
from svrazka.network import services
from svrazka.network.models import Relationship
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def maria(workspace, alice):
    return make_person(workspace, alice, given_name="Мария", family_name="Петрова")


@pytest.fixture
def ivan(workspace, alice):
    return make_person(workspace, alice, given_name="Иван", family_name="Иванов")


@pytest.fixture
def zelena(workspace, alice):
    return make_organisation(workspace, alice, name="Зелена планета")


def create(workspace, alice, source, target, **kw):
    return services.relationship_create(
        workspace=workspace, actor=alice, kind=kw.pop("kind", "mentor_of"), source=source,
        target=target, **kw,
    )  # fmt: skip


def test_create_reads_both_ways_and_is_in_both_histories(workspace, alice, maria, ivan):
    rel = create(workspace, alice, maria, ivan, strength=5, started_on=date(2024, 1, 1))
    assert [(r.label, r.other) for r in services.relationships_of(maria)] == [("mentor of", ivan)]
    assert [(r.label, r.other) for r in services.relationships_of(ivan)] == [("mentee of", maria)]
    assert ChangeRecord.objects.filter(object_id=rel.pk, action="create").exists()
    assert ChangeRecord.objects.filter(object_id=ivan.pk, changes__has_key="relationship").exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"strength": 0}, "from 1 to 5"),
        ({"strength": 6}, "from 1 to 5"),
        ({"started_on": date(2024, 5, 1), "ended_on": date(2024, 1, 1)}, "before the start"),
        ({"kind": "enemy_of"}, "kind of relationship"),
    ],
)
def test_bad_values_are_refused(workspace, alice, maria, ivan, kwargs, message):
    with pytest.raises(ValidationError) as err:
        create(workspace, alice, maria, ivan, **kwargs)
    assert message in str(err.value)
    assert not Relationship.objects.exists()


def test_self_loops_duplicates_and_other_workspaces_are_refused(
    workspace, alice, maria, ivan, other_workspace, oscar
):
    with pytest.raises(ValidationError, match="two different sides"):
        create(workspace, alice, maria, maria)
    create(workspace, alice, maria, ivan, started_on=date(2020, 1, 1))
    with pytest.raises(ValidationError, match="already recorded"):
        create(workspace, alice, ivan, maria)  # the same tie read the other way
    theirs = make_person(other_workspace, oscar, given_name="Чужд", family_name="Човек")
    with pytest.raises(ValidationError, match="of this workspace"):
        create(workspace, alice, maria, theirs, kind="knows")
    assert Relationship.objects.count() == 1
    # The same two, another kind, is fine; so is the same kind after the first ended.
    create(workspace, alice, maria, ivan, kind="knows")
    assert Relationship.objects.count() == 2


def test_update_with_a_stale_version_changes_nothing(workspace, alice, bob, maria, ivan, zelena):
    rel = create(workspace, alice, maria, ivan)
    services.relationship_update(relationship=rel, actor=bob, version=1, strength=2)
    rel.refresh_from_db()
    assert (rel.strength, rel.version) == (2, 2)
    with pytest.raises(EditConflict):
        services.relationship_update(relationship=rel, actor=alice, version=1, strength=5)
    services.relationship_update(relationship=rel, actor=alice, version=2, target=zelena)
    rel.refresh_from_db()
    assert rel.strength == 2 and rel.to_organisation == zelena and rel.to_person is None


def test_delete_records_history(workspace, alice, maria, ivan):
    rel = create(workspace, alice, maria, ivan)
    pk = rel.pk
    services.relationship_delete(relationship=rel, actor=alice)
    assert not Relationship.objects.exists()
    assert ChangeRecord.objects.filter(object_id=pk, action="delete").exists()


def test_add_from_an_organisation_page_and_see_it_on_the_person_page(
    alice_client, workspace, maria, zelena
):
    page = alice_client.get(f"/w/ngo/organisations/{zelena.pk}/").content.decode()
    assert f"/w/ngo/organisations/{zelena.pk}/relationships/new/" in page
    response = alice_client.post(
        f"/w/ngo/organisations/{zelena.pk}/relationships/new/",
        {"kind": "funder_of", "other": f"p{maria.pk}", "direction": "out", "strength": "4"},
    )
    assert response.status_code == 302
    rel = Relationship.objects.get()
    assert rel.from_organisation == zelena and rel.to_person == maria
    person_page = alice_client.get(f"/w/ngo/people/{maria.pk}/").content.decode()
    assert "funded by" in person_page and "Зелена планета" in person_page
    org_page = alice_client.get(f"/w/ngo/organisations/{zelena.pk}/").content.decode()
    assert "funder of" in org_page


def test_edit_and_delete_from_a_person_page(alice_client, workspace, alice, maria, ivan):
    rel = create(workspace, alice, maria, ivan)
    form = alice_client.get(f"/w/ngo/relationships/{rel.pk}/edit/?from=p{ivan.pk}")
    assert form.status_code == 200 and "Мария Петрова" in form.content.decode()
    response = alice_client.post(
        f"/w/ngo/relationships/{rel.pk}/edit/",
        {"from": f"p{ivan.pk}", "version": "1", "kind": "mentor_of", "other": f"p{maria.pk}",
         "direction": "in", "strength": "5"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith(f"/people/{ivan.pk}/")
    rel.refresh_from_db()
    assert (rel.from_person, rel.to_person, rel.strength) == (maria, ivan, 5)
    stale = alice_client.post(
        f"/w/ngo/relationships/{rel.pk}/edit/",
        {"version": "1", "kind": "knows", "other": f"p{maria.pk}", "direction": "in",
         "strength": "1"},
    )  # fmt: skip
    assert stale.status_code == 409
    assert "Someone else changed" in stale.content.decode()
    response = alice_client.post(f"/w/ngo/relationships/{rel.pk}/delete/", {"from": f"p{ivan.pk}"})
    assert response.status_code == 302 and not Relationship.objects.exists()


def test_bad_form_input_gets_a_message_and_saves_nothing(alice_client, maria):
    response = alice_client.post(
        f"/w/ngo/people/{maria.pk}/relationships/new/",
        {"kind": "knows", "other": f"p{maria.pk}", "direction": "out", "strength": "3"},
    )
    assert response.status_code == 400
    assert "two different sides" in response.content.decode()
    response = alice_client.post(
        f"/w/ngo/people/{maria.pk}/relationships/new/",
        {"kind": "knows", "other": "p999999", "direction": "out", "strength": "3"},
    )
    assert response.status_code == 400 and not Relationship.objects.exists()


def test_lookup_offers_people_and_organisations(alice_client, maria, zelena):
    body = alice_client.get("/w/ngo/relationships/lookup/?q=зел").content.decode()
    assert f'value="o{zelena.pk}"' in body and f'value="p{maria.pk}"' not in body


def test_a_viewer_reads_but_cannot_add(vera_client, maria):
    page = vera_client.get(f"/w/ngo/people/{maria.pk}/").content.decode()
    assert 'id="relationships"' in page and 'id="relationship-add"' not in page
    assert vera_client.get(f"/w/ngo/people/{maria.pk}/relationships/new/").status_code == 403


def test_in_bulgarian(alice_client, workspace, alice, maria, ivan):
    create(workspace, alice, maria, ivan)
    page = alice_client.get(f"/w/ngo/people/{ivan.pk}/", HTTP_ACCEPT_LANGUAGE="bg")
    assert "менториран от" in page.content.decode()
