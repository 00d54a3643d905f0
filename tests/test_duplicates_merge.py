"""Merging duplicates keeps everything (emails, phones, affiliations, touchpoints, tasks,
history) and can be undone; "not duplicates" is remembered; the scan stores what it finds."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from svrazka.contacts import services as contacts
from svrazka.contacts.models import Person, PersonToken
from svrazka.duplicates import services
from svrazka.duplicates.models import Candidate, CandidateStatus, Distinct, Merge, Scan
from svrazka.history.models import ChangeRecord
from svrazka.touchpoints import followups
from svrazka.touchpoints import services as touchpoints
from svrazka.touchpoints.models import InteractionPerson, Task
from tests.factories import make_organisation, make_person


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def pair(workspace, alice):
    org = make_organisation(workspace, alice, name="Зелена планета")
    other_org = make_organisation(workspace, alice, name="Мост")
    kept = make_person(
        workspace,
        alice,
        given_name="Георги",
        family_name="Петров",
        emails=["georgi@zelena.bg"],
        phones=["+359888123456"],
        city="София",
    )
    merged = make_person(
        workspace,
        alice,
        given_name="Gosho",
        family_name="Petroff",
        emails=["gosho@most.bg", "georgi@zelena.bg"],
        phones=["+359877000111"],
        notes="Met at the Varna conference",
        date_of_birth="1980-04-15",
    )
    contacts.affiliation_create(
        workspace=workspace, actor=alice, person=kept, organisation=org, data={}
    )
    contacts.affiliation_create(
        workspace=workspace, actor=alice, person=merged, organisation=other_org, data={}
    )
    touch = touchpoints.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="in",
        occurred_at=timezone.now(),
        people=[merged],
    )
    task = followups.task_create(
        workspace=workspace,
        actor=alice,
        data={"title": "Обади се", "assignee": alice, "person": merged},
    )
    tag = contacts.tag_get_or_create(workspace=workspace, name="партньор")
    contacts.bulk_tag(
        workspace=workspace, actor=alice, model=Person, ids=[kept.pk, merged.pk], tag=tag
    )
    return kept, merged, touch, task


def test_a_merge_keeps_everything_of_both(workspace, alice, pair):
    kept, merged, touch, task = pair
    merged_id = merged.pk
    services.merge(
        workspace=workspace,
        actor=alice,
        kind="person",
        kept=kept,
        merged=merged,
        choices={"city": "merged"},
    )
    assert not Person.objects.filter(pk=merged_id).exists()
    kept.refresh_from_db()
    assert sorted(e.email for e in kept.emails.all()) == ["georgi@zelena.bg", "gosho@most.bg"]
    assert sorted(p.number for p in kept.phones.all()) == ["+359877000111", "+359888123456"]
    assert sorted(a.organisation.name for a in kept.affiliations.all()) == [
        "Зелена планета",
        "Мост",
    ]
    assert InteractionPerson.objects.get(interaction=touch).person_id == kept.pk
    assert Task.objects.get(pk=task.pk).person_id == kept.pk
    assert kept.tags.count() == 1
    # Empty fields are filled, notes kept, the kept name stays unless chosen otherwise.
    assert kept.given_name == "Георги" and str(kept.date_of_birth) == "1980-04-15"
    assert "Varna conference" in kept.notes
    # The search finds the kept record by the merged one's email now.
    assert PersonToken.objects.filter(person=kept, token__startswith="gosho").exists()
    # The merged record's history moved to the kept one, and the merge is in it.
    history = ChangeRecord.objects.filter(object_id=kept.pk, content_type__model="person")
    assert history.filter(changes__has_key="merged").exists()
    assert history.count() >= 3


def test_undo_brings_the_merged_record_back_as_it_was(workspace, alice, pair):
    kept, merged, touch, task = pair
    before_kept = (kept.given_name, kept.city, kept.notes)
    record = services.merge(
        workspace=workspace, actor=alice, kind="person", kept=kept, merged=merged, choices={}
    )
    services.undo_merge(merge_record=record, actor=alice)
    back = Person.objects.get(pk=merged.pk)
    assert (back.given_name, back.family_name) == ("Gosho", "Petroff")
    assert sorted(e.email for e in back.emails.all()) == ["georgi@zelena.bg", "gosho@most.bg"]
    assert [a.organisation.name for a in back.affiliations.all()] == ["Мост"]
    assert InteractionPerson.objects.get(interaction=touch).person_id == back.pk
    assert Task.objects.get(pk=task.pk).person_id == back.pk
    kept.refresh_from_db()
    assert (kept.given_name, kept.city, kept.notes) == before_kept
    assert [e.email for e in kept.emails.all()] == ["georgi@zelena.bg"]
    assert PersonToken.objects.filter(person=back, token="petrov").exists()
    record.refresh_from_db()
    assert record.undone_at is not None
    with pytest.raises(ValidationError):
        services.undo_merge(merge_record=record, actor=alice)


def test_undo_is_refused_when_the_kept_record_changed_since(workspace, alice, pair):
    kept, merged, *_ = pair
    record = services.merge(
        workspace=workspace, actor=alice, kind="person", kept=kept, merged=merged, choices={}
    )
    kept = Person.objects.get(pk=kept.pk)
    contacts.person_update(person=kept, actor=alice, data={"city": "Пловдив"}, version=kept.version)
    with pytest.raises(ValidationError, match="changed after the merge"):
        services.undo_merge(merge_record=record, actor=alice)
    assert not Person.objects.filter(pk=merged.pk).exists()


def test_records_of_another_workspace_cannot_be_merged(workspace, alice, other_workspace, oscar):
    mine = make_person(workspace, alice, given_name="Иван")
    theirs = make_person(other_workspace, oscar, given_name="Ivan")
    with pytest.raises(ValidationError):
        services.merge(
            workspace=workspace, actor=alice, kind="person", kept=mine, merged=theirs, choices={}
        )
    assert Person.objects.filter(pk=theirs.pk).exists()


def test_not_duplicates_is_remembered_and_never_proposed_again(workspace, alice):
    a = make_person(workspace, alice, given_name="Иван", family_name="Иванов", emails=["i@x.bg"])
    b = make_person(workspace, alice, given_name="Ivan", family_name="Ivanov", emails=["i@x.bg"])
    job = Scan.objects.create(workspace=workspace, kind="person", threshold=50)
    services.scan_run(job)
    assert Candidate.objects.filter(workspace=workspace, a_id=a.pk, b_id=b.pk).exists()
    services.mark_distinct(workspace=workspace, actor=alice, kind="person", a_id=b.pk, b_id=a.pk)
    assert Distinct.objects.filter(a_id=a.pk, b_id=b.pk).exists()
    assert Candidate.objects.get(a_id=a.pk, b_id=b.pk).status == CandidateStatus.DISTINCT
    Candidate.objects.all().delete()
    services.scan_run(Scan.objects.create(workspace=workspace, kind="person", threshold=50))
    assert not Candidate.objects.filter(a_id=a.pk, b_id=b.pk).exists()


# --- pages -----------------------------------------------------------------------------------


def test_review_compare_merge_and_undo_through_the_pages(workspace, alice, alice_client, pair):
    kept, merged, *_ = pair
    job = Scan.objects.create(workspace=workspace, kind="person", threshold=40)
    services.scan_run(job)
    page = alice_client.get("/w/ngo/duplicates/?kind=person").content.decode()
    assert "Compare and merge" in page and "Same email" in page
    compare = alice_client.get(f"/w/ngo/duplicates/compare/?kind=person&a={kept.pk}&b={merged.pk}")
    assert compare.status_code == 200 and "Gosho" in compare.content.decode()
    response = alice_client.post(
        "/w/ngo/duplicates/compare/",
        {"kind": "person", "a": kept.pk, "b": merged.pk, "keep": "a", "field_given_name": "b"},
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.given_name == "Gosho"
    record = Merge.objects.get(workspace=workspace)
    assert "Undo" in alice_client.get("/w/ngo/duplicates/merges/").content.decode()
    alice_client.post(f"/w/ngo/duplicates/merges/{record.pk}/undo/")
    assert Person.objects.filter(pk=merged.pk).exists()
    kept.refresh_from_db()
    assert kept.given_name == "Георги"


def test_a_viewer_cannot_review_duplicates(vera_client, workspace):
    assert vera_client.get("/w/ngo/duplicates/").status_code == 403


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_pairs_merges_and_undoes(workspace, alice, client, pair):
    from tests.api_client import Caller

    kept, merged, *_ = pair
    api = Caller.of(client, workspace, alice)
    services.scan_run(Scan.objects.create(workspace=workspace, kind="person", threshold=40))
    items = api.get("/duplicates", {"kind": "person"}).json()["items"]
    assert [(i["a_id"], i["b_id"]) for i in items] == [(kept.pk, merged.pk)]
    assert "same_email" in items[0]["reasons"]
    response = api.post(
        "/merges",
        {"kind": "person", "kept": kept.pk, "merged": merged.pk, "take_from_merged": ["city"]},
    )
    assert response.status_code == 201, response.content
    merge_id = response.json()["id"]
    assert not Person.objects.filter(pk=merged.pk).exists()
    assert api.post(f"/merges/{merge_id}/undo").json()["undone_at"] is not None
    assert Person.objects.filter(pk=merged.pk).exists()
    assert api.post(f"/merges/{merge_id}/undo").status_code == 422


def test_the_api_refuses_a_merge_with_another_workspaces_record(
    workspace, alice, client, other_workspace, oscar
):
    from tests.api_client import Caller

    mine = make_person(workspace, alice, given_name="Иван")
    theirs = make_person(other_workspace, oscar, given_name="Ivan")
    api = Caller.of(client, workspace, alice)
    response = api.post("/merges", {"kind": "person", "kept": mine.pk, "merged": theirs.pk})
    assert response.status_code == 422
    assert Person.objects.filter(pk=theirs.pk).exists()
    response = api.post("/duplicates/distinct", {"kind": "person", "a": mine.pk, "b": theirs.pk})
    assert response.status_code == 422
