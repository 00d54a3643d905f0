"""Relationships: typed, dated, with a strength, named in both directions; made from a
person's or an organisation's page; bad input refused with nothing changed; every change in
the history of the relationship and of both its sides."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from svrazka.contacts.services import EditConflict
from svrazka.history.models import ChangeRecord
from svrazka.network import services
from svrazka.network.models import Relationship
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
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


def create(workspace, actor, source, target, **kw):
    return services.relationship_create(
        workspace=workspace, actor=actor, kind=kw.pop("kind", "mentor_of"), source=source,
        target=target, **kw,
    )  # fmt: skip


def history(obj, action=None):
    records = ChangeRecord.objects.filter(
        content_type__model=obj._meta.model_name, object_id=obj.pk
    ).order_by("id")
    return [r for r in records if action is None or r.action == action]


# --- services -------------------------------------------------------------------------------


def test_create_reads_both_ways_and_is_in_every_history(workspace, bob, maria, ivan):
    rel = create(workspace, bob, maria, ivan, strength=5, started_on=date(2024, 1, 1), note=" x ")
    rel.refresh_from_db()
    assert (rel.from_person, rel.to_person, rel.strength, rel.version) == (maria, ivan, 5, 1)
    assert (rel.note, rel.created_by, rel.workspace) == ("x", bob, workspace)
    [mentor] = services.relationships_of(maria)
    [mentee] = services.relationships_of(ivan)
    assert (mentor.label, mentor.other, mentor.outgoing) == ("mentor of", ivan, True)
    assert (mentee.label, mentee.other, mentee.outgoing) == ("mentee of", maria, False)
    assert (mentee.strength, mentee.started_on, mentee.ended_on) == (5, date(2024, 1, 1), None)
    assert mentee.other_url == f"/w/ngo/people/{maria.pk}/"
    assert mentee.edit_url == f"/w/ngo/relationships/{rel.pk}/edit/?from=p{ivan.pk}"
    assert mentee.delete_url == f"/w/ngo/relationships/{rel.pk}/delete/?from=p{ivan.pk}"
    [created] = history(rel, "create")
    assert created.actor == bob
    assert created.changes["kind"] == [None, "mentor_of"]
    assert created.changes["strength"] == [None, "5"]
    for side in (maria, ivan):
        assert history(side)[-1].changes == {"relationship": [None, str(rel)]}


def test_an_organisations_rows_read_from_its_side(workspace, alice, maria, zelena):
    create(workspace, alice, zelena, maria, kind="funder_of")
    create(workspace, alice, maria, zelena, kind="volunteer_at", strength=5)
    rows = services.relationships_of(zelena)
    assert [(r.label, r.other_name) for r in rows] == [
        ("has as volunteer", "Мария Петрова"),  # strongest first
        ("funder of", "Мария Петрова"),
    ]
    assert [r.label for r in services.relationships_of(maria)] == ["volunteer at", "funded by"]
    assert rows[0].other_url == f"/w/ngo/people/{maria.pk}/"
    assert services.relationships_of(make_person(workspace, alice)) == []


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        ({"strength": 0}, "strength", "from 1 to 5"),
        ({"strength": 6}, "strength", "from 1 to 5"),
        ({"strength": 2.5}, "strength", "from 1 to 5"),
        ({"strength": None}, "strength", "from 1 to 5"),
        ({"started_on": date(2024, 5, 1), "ended_on": date(2024, 1, 1)}, "ended_on",
         "The end cannot be before the start."),
        ({"kind": "enemy_of"}, "kind", "Choose a kind of relationship."),
        ({"note": "x" * 2001}, "note", "2000"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_and_nothing_is_stored(
    workspace, alice, maria, ivan, kwargs, field, message
):
    before = ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as err:
        create(workspace, alice, maria, ivan, **kwargs)
    assert field in err.value.message_dict
    assert message in " ".join(err.value.message_dict[field])
    assert not Relationship.objects.exists()
    assert ChangeRecord.objects.count() == before


def test_the_same_one_on_both_sides_is_refused(workspace, alice, maria, zelena):
    for same in (maria, zelena):
        with pytest.raises(ValidationError) as err:
            create(workspace, alice, same, same, kind="knows")
        assert "two different sides" in str(err.value)
    assert not Relationship.objects.exists()


def test_sides_from_another_workspace_are_refused(workspace, alice, maria, other_workspace, oscar):
    theirs = make_person(other_workspace, oscar, given_name="Чужд", family_name="Човек")
    their_org = make_organisation(other_workspace, oscar, name="Чужда")
    with pytest.raises(ValidationError) as err:
        create(workspace, alice, maria, theirs, kind="knows")
    assert err.value.message_dict == {
        "target": ["Choose a person or an organisation of this workspace."]
    }
    with pytest.raises(ValidationError) as err:
        create(workspace, alice, their_org, maria, kind="knows")
    assert list(err.value.message_dict) == ["source"]
    with pytest.raises(ValidationError, match="Choose a person or an organisation"):
        create(workspace, alice, maria, workspace, kind="knows")  # not a person or organisation
    assert not Relationship.objects.exists()


def test_an_exact_duplicate_is_refused(workspace, alice, maria, ivan):
    first = create(workspace, alice, maria, ivan, started_on=date(2020, 1, 1))
    with pytest.raises(ValidationError) as err:
        create(workspace, alice, maria, ivan, started_on=date(2023, 1, 1), strength=5)
    assert "already recorded" in str(err.value) and str(first) in str(err.value)
    create(workspace, alice, maria, ivan, kind="knows")  # another kind: fine
    with pytest.raises(ValidationError, match="already recorded"):
        create(workspace, alice, ivan, maria, kind="knows")  # "knows" reads the same both ways
    assert Relationship.objects.count() == 2


def test_the_same_kind_at_other_times_or_the_other_way_is_not_a_duplicate(
    workspace, alice, maria, ivan
):
    create(workspace, alice, maria, ivan, started_on=date(2018, 1, 1), ended_on=date(2019, 6, 30))
    create(workspace, alice, maria, ivan, started_on=date(2019, 7, 1))  # mentoring again later
    create(workspace, alice, ivan, maria)  # they mentor each other
    with pytest.raises(ValidationError, match="already recorded"):
        create(workspace, alice, maria, ivan, ended_on=date(2018, 3, 1))  # overlaps the first
    assert Relationship.objects.count() == 3


def test_update_bumps_the_version_and_records_what_changed(
    workspace, alice, bob, maria, ivan, zelena
):
    rel = create(workspace, alice, maria, ivan)
    updated = services.relationship_update(
        relationship=rel, actor=bob, version=1, strength=2, target=zelena, kind="sponsor_of"
    )
    rel.refresh_from_db()
    assert (rel.strength, rel.version, rel.kind) == (2, 2, "sponsor_of")
    assert (rel.to_organisation, rel.to_person) == (zelena, None)
    assert updated.version == 2
    [change] = history(rel, "update")
    assert change.actor == bob
    assert change.changes == {
        "kind": ["mentor_of", "sponsor_of"],
        "strength": ["3", "2"],
        "target": ["Иван Иванов", "Зелена планета"],
    }
    after = str(rel)
    assert history(ivan)[-1].changes == {
        "relationship": ["Мария Петрова — mentor of — Иван Иванов", None]
    }
    assert history(zelena)[-1].changes == {"relationship": [None, after]}
    assert history(maria)[-1].changes == {
        "relationship": ["Мария Петрова — mentor of — Иван Иванов", after]
    }


def test_a_stale_version_is_refused_in_the_users_language_and_changes_nothing(
    workspace, alice, bob, maria, ivan
):
    rel = create(workspace, alice, maria, ivan)
    services.relationship_update(relationship=rel, actor=bob, version=1, strength=2)
    stale = Relationship.objects.get()
    stale.version = 1  # what alice still has on screen
    with pytest.raises(EditConflict) as err:
        services.relationship_update(relationship=stale, actor=alice, version=1, strength=5)
    assert isinstance(err.value, services.RelationshipChanged)
    assert "Someone else changed this relationship" in str(err.value)
    assert err.value.current.version == 2
    rel.refresh_from_db()
    assert (rel.strength, rel.version) == (2, 2)
    assert len(history(rel, "update")) == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"strength": 9}, "from 1 to 5"),
        ({"ended_on": date(2000, 1, 1)}, "before the start"),
        ({"target": "MARIA"}, "two different sides"),
        ({"target": "THEIRS"}, "of this workspace"),
        ({"kind": "knows"}, "already recorded"),
        ({"colour": "red"}, "Unknown fields: colour."),
    ],
)
def test_a_bad_update_changes_nothing(
    workspace, alice, maria, ivan, other_workspace, oscar, fields, message
):
    create(workspace, alice, maria, ivan, kind="knows")
    rel = create(workspace, alice, maria, ivan, started_on=date(2020, 1, 1))
    named = {"MARIA": maria, "THEIRS": make_person(other_workspace, oscar)}
    fields = {k: named.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
    with pytest.raises(ValidationError, match=message):
        services.relationship_update(relationship=rel, actor=alice, version=1, **fields)
    rel.refresh_from_db()
    assert (rel.kind, rel.strength, rel.version, rel.to_person) == ("mentor_of", 3, 1, ivan)
    assert rel.ended_on is None
    assert history(rel, "update") == []


def test_delete_records_history_on_the_relationship_and_both_sides(workspace, alice, maria, zelena):
    rel = create(workspace, alice, maria, zelena, kind="works_at")
    pk, text = rel.pk, str(rel)
    services.relationship_delete(relationship=rel, actor=alice)
    assert not Relationship.objects.exists()
    deleted = ChangeRecord.objects.get(content_type__model="relationship", object_id=pk,
                                       action="delete")  # fmt: skip
    assert deleted.actor == alice and deleted.changes["kind"] == ["works_at", None]
    for side in (maria, zelena):
        assert history(side)[-1].changes == {"relationship": [text, None]}


def section(page: str) -> str:
    """The relationships section of a person's or organisation's page."""
    start = page.index('id="relationships"')
    return page[start : page.index("</section>", start)]


# --- pages ----------------------------------------------------------------------------------


def test_add_from_a_persons_page(bob_client, workspace, maria, ivan):
    page = bob_client.get(f"/w/ngo/people/{maria.pk}/").content.decode()
    assert f"/w/ngo/people/{maria.pk}/relationships/new/" in page
    form = bob_client.get(f"/w/ngo/people/{maria.pk}/relationships/new/")
    assert form.status_code == 200
    body = form.content.decode()
    assert f'value="p{ivan.pk}"' in body and f'value="p{maria.pk}"' not in body  # not herself
    response = bob_client.post(
        f"/w/ngo/people/{maria.pk}/relationships/new/",
        {"kind": "mentor_of", "other": f"p{ivan.pk}", "direction": "out", "strength": "5",
         "started_on": "2024-02-01", "note": "Weekly calls"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/w/ngo/people/{maria.pk}/"
    rel = Relationship.objects.get()
    assert (rel.from_person, rel.to_person, rel.strength) == (maria, ivan, 5)
    assert (rel.started_on, rel.note) == (date(2024, 2, 1), "Weekly calls")
    mentor_page = bob_client.get(f"/w/ngo/people/{maria.pk}/").content.decode()
    assert "mentor of" in mentor_page and "Иван Иванов" in mentor_page
    mentee_page = bob_client.get(f"/w/ngo/people/{ivan.pk}/").content.decode()
    assert "mentee of" in mentee_page and "Мария Петрова" in mentee_page
    assert "mentor of" not in section(mentee_page)
    assert f"/w/ngo/relationships/{rel.pk}/edit/?from=p{ivan.pk}" in mentee_page


def test_add_from_an_organisation_page_read_the_other_way(alice_client, workspace, maria, zelena):
    page = alice_client.get(f"/w/ngo/organisations/{zelena.pk}/").content.decode()
    assert f"/w/ngo/organisations/{zelena.pk}/relationships/new/" in page
    response = alice_client.post(
        f"/w/ngo/organisations/{zelena.pk}/relationships/new/",
        {"kind": "volunteer_at", "other": f"p{maria.pk}", "direction": "in", "strength": "4"},
    )
    assert response["Location"] == f"/w/ngo/organisations/{zelena.pk}/"
    rel = Relationship.objects.get()
    assert (rel.from_person, rel.to_organisation, rel.kind) == (maria, zelena, "volunteer_at")
    org_page = alice_client.get(f"/w/ngo/organisations/{zelena.pk}/").content.decode()
    assert "has as volunteer" in org_page and "Мария Петрова" in org_page
    person_page = alice_client.get(f"/w/ngo/people/{maria.pk}/").content.decode()
    assert "volunteer at" in person_page and "Зелена планета" in person_page


def test_edit_from_the_other_side_and_a_stale_form(alice_client, workspace, alice, maria, ivan):
    rel = create(workspace, alice, maria, ivan)
    form = alice_client.get(f"/w/ngo/relationships/{rel.pk}/edit/?from=p{ivan.pk}")
    body = form.content.decode()
    assert form.status_code == 200 and "Мария Петрова" in body
    assert 'value="in"' in body and f'value="p{maria.pk}" selected' in body
    response = alice_client.post(
        f"/w/ngo/relationships/{rel.pk}/edit/",
        {"from": f"p{ivan.pk}", "version": "1", "kind": "mentor_of", "other": f"p{maria.pk}",
         "direction": "in", "strength": "5", "ended_on": "2025-01-31"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/w/ngo/people/{ivan.pk}/"
    rel.refresh_from_db()
    assert (rel.from_person, rel.to_person, rel.strength, rel.version) == (maria, ivan, 5, 2)
    assert rel.ended_on == date(2025, 1, 31)
    stale = alice_client.post(
        f"/w/ngo/relationships/{rel.pk}/edit/",
        {"from": f"p{ivan.pk}", "version": "1", "kind": "knows", "other": f"p{maria.pk}",
         "direction": "in", "strength": "1"},
    )  # fmt: skip
    assert stale.status_code == 409
    assert "Someone else changed this relationship" in stale.content.decode()
    rel.refresh_from_db()
    assert (rel.kind, rel.strength, rel.version) == ("mentor_of", 5, 2)


def test_delete_asks_first_then_deletes(alice_client, workspace, alice, maria, ivan):
    rel = create(workspace, alice, maria, ivan)
    confirm = alice_client.get(f"/w/ngo/relationships/{rel.pk}/delete/?from=p{ivan.pk}")
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "mentee of" in body and "Мария Петрова" in body
    assert Relationship.objects.exists()
    response = alice_client.post(f"/w/ngo/relationships/{rel.pk}/delete/", {"from": f"p{ivan.pk}"})
    assert response.status_code == 302 and response["Location"] == f"/w/ngo/people/{ivan.pk}/"
    assert not Relationship.objects.exists()
    assert ChangeRecord.objects.filter(object_id=rel.pk, action="delete").exists()
    assert alice_client.put(f"/w/ngo/relationships/{rel.pk}/delete/").status_code in (404, 405)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"other": "SELF"}, "two different sides"),
        ({"other": "p999999"}, "Choose a person or an organisation of this workspace."),
        ({"other": "THEIRS"}, "Choose a person or an organisation of this workspace."),
        ({"other": "x1"}, "Choose a person or an organisation."),
        ({"strength": "7"}, "Select a valid choice"),
        ({"kind": "spy_of"}, "Select a valid choice"),
        ({"started_on": "2024-05-01", "ended_on": "2024-01-01"}, "before the start"),
    ],
)
def test_bad_form_input_gets_a_message_and_saves_nothing(
    alice_client, maria, ivan, other_workspace, oscar, data, message
):
    theirs = make_person(other_workspace, oscar)
    post = {"kind": "knows", "other": f"p{ivan.pk}", "direction": "out", "strength": "3", **data}
    post["other"] = {"SELF": f"p{maria.pk}", "THEIRS": f"p{theirs.pk}"}.get(
        post["other"], post["other"]
    )
    response = alice_client.post(f"/w/ngo/people/{maria.pk}/relationships/new/", post)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Relationship.objects.exists()


def test_lookup_offers_people_and_organisations(alice_client, maria, zelena):
    body = alice_client.get("/w/ngo/relationships/lookup/?q=зел").content.decode()
    assert f'value="o{zelena.pk}"' in body and f'value="p{maria.pk}"' not in body
    body = alice_client.get("/w/ngo/relationships/lookup/?q=Petrova").content.decode()
    assert f'value="p{maria.pk}"' in body  # a Latin spelling finds the Cyrillic name


def test_a_viewer_reads_but_cannot_change(vera_client, workspace, alice, maria, ivan):
    rel = create(workspace, alice, maria, ivan)
    page = vera_client.get(f"/w/ngo/people/{maria.pk}/").content.decode()
    assert 'id="relationships"' in page and "mentor of" in page
    assert 'id="relationship-add"' not in page and f"/relationships/{rel.pk}/edit/" not in page
    assert vera_client.get(f"/w/ngo/people/{maria.pk}/relationships/new/").status_code == 403
    post = {"kind": "knows", "other": f"p{ivan.pk}", "direction": "out", "strength": "3"}
    assert vera_client.post(f"/w/ngo/people/{maria.pk}/relationships/new/", post).status_code == 403
    assert vera_client.get(f"/w/ngo/relationships/{rel.pk}/edit/").status_code == 403
    assert vera_client.post(f"/w/ngo/relationships/{rel.pk}/delete/").status_code == 403
    assert Relationship.objects.count() == 1


def test_an_outsider_gets_404_everywhere(oscar_client, workspace, alice, maria, zelena):
    rel = create(workspace, alice, maria, zelena, kind="works_at")
    urls = [
        f"/w/ngo/people/{maria.pk}/relationships/new/",
        f"/w/ngo/organisations/{zelena.pk}/relationships/new/",
        f"/w/ngo/relationships/{rel.pk}/edit/",
        f"/w/ngo/relationships/{rel.pk}/delete/",
        "/w/ngo/relationships/lookup/?q=a",
    ]
    for url in urls:
        assert oscar_client.get(url).status_code == 404, url
        assert oscar_client.post(url, {"kind": "knows"}).status_code == 404, url
    # Their own workspace does not reach ours either.
    assert oscar_client.get(f"/w/other/relationships/{rel.pk}/edit/").status_code == 404
    assert oscar_client.get(f"/w/other/people/{maria.pk}/relationships/new/").status_code == 404
    assert Relationship.objects.count() == 1


def test_in_bulgarian(alice_client, workspace, alice, maria, ivan):
    create(workspace, alice, maria, ivan)
    page = alice_client.get(f"/w/ngo/people/{ivan.pk}/", HTTP_ACCEPT_LANGUAGE="bg")
    assert "менториран от" in page.content.decode()
