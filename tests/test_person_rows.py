"""A person's emails, phones, tags and affiliations have no database constraint to their
person (contacts.models.PERSON_ROW): the services hold them to an existing one. Every way
a person goes leaves none of their rows behind, and on PostgreSQL a row added while the
person is being deleted, in either order, is deleted with them or refused."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from svrazka.accounts import services as accounts
from svrazka.contacts import services
from svrazka.contacts.models import Affiliation, Person, PersonEmail, PersonPhone, PersonTag
from svrazka.duplicates import services as duplicates
from tests.factories import make_organisation, make_person

ROWS = (PersonEmail, PersonPhone, PersonTag, Affiliation)


def orphans() -> dict[str, int]:
    """Rows of each kind whose person is not there."""
    return {
        model.__name__: model.objects.exclude(person_id__in=Person.objects.values("pk")).count()
        for model in ROWS
    }


def person_with_rows(workspace, actor, n: int) -> Person:
    tag = services.tag_get_or_create(workspace=workspace, name="Партньори")
    person = make_person(
        workspace,
        actor,
        emails=[f"p{n}@example.org"],
        phones=[f"+35988812345{n}"],
        tags=[tag],
    )
    services.affiliation_create(
        workspace=workspace,
        actor=actor,
        person=person,
        organisation=make_organisation(workspace, actor),
        data={"position": "координатор"},
    )
    return person


def test_the_database_holds_no_constraint_from_a_persons_rows_to_the_person():
    for model in ROWS:
        assert model._meta.get_field("person").db_constraint is False
    for name in ("created_by", "source_import"):
        assert Person._meta.get_field(name).db_constraint is False


def test_every_way_a_person_goes_takes_their_rows_with_them(workspace, alice):
    people = [person_with_rows(workspace, alice, n) for n in range(5)]
    assert all(model.objects.count() == 5 for model in ROWS)

    services.person_delete(person=people[0], actor=alice)
    services.bulk_delete(workspace=workspace, actor=alice, model=Person, ids=[people[1].pk])
    record = duplicates.merge(
        workspace=workspace,
        actor=alice,
        kind="person",
        kept=people[2],
        merged=people[3],
        choices={},
    )

    assert orphans() == dict.fromkeys((m.__name__ for m in ROWS), 0)
    left = {people[2].pk, people[4].pk}
    for model in ROWS:
        assert set(model.objects.values_list("person_id", flat=True)) == left, model
    # The kept person of the merge has the merged one's rows too.
    assert PersonEmail.objects.filter(person=people[2]).count() == 2

    # Undone, the merged person comes back with their rows, and goes again with them.
    duplicates.undo_merge(merge_record=record, actor=alice)
    assert PersonEmail.objects.filter(person_id=people[3].pk).count() == 1
    services.person_delete(person=Person.objects.get(pk=people[3].pk), actor=alice)
    # The demo's reset deletes a whole workspace with its people.
    other = accounts.workspace_create(slug="other-ngo", name="Other", owner=alice)
    person_with_rows(other, alice, 7)
    with transaction.atomic():
        people_there = Person.objects.filter(workspace=other).values_list("pk", flat=True)
        services.hold_people(other.pk, people_there, delete=True)
        other.delete()
    assert orphans() == dict.fromkeys((m.__name__ for m in ROWS), 0)
    for model in ROWS:
        assert set(model.objects.values_list("person_id", flat=True)) == left, model


def test_an_affiliation_for_a_person_no_longer_there_is_refused(workspace, alice):
    person = person_with_rows(workspace, alice, 1)
    gone = Person.objects.get(pk=person.pk)
    services.person_delete(person=person, actor=alice)
    with pytest.raises(ValidationError):
        services.affiliation_create(
            workspace=workspace,
            actor=alice,
            person=gone,
            organisation=make_organisation(workspace, alice),
            data={},
        )
    assert orphans() == dict.fromkeys((m.__name__ for m in ROWS), 0)


class _Held(threading.Thread):
    """Runs `work` in a transaction of its own connection and holds it open (its locks
    taken) until `release` is set; `started` is set once the work is done or has failed."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work = work
        self.started = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with transaction.atomic():
                try:
                    self.work()
                except BaseException as e:  # looked at by the test
                    self.error = e
                    raise
                finally:
                    self.started.set()
                assert self.release.wait(30)
        except BaseException as e:
            self.error = self.error or e
        finally:
            self.started.set()
            connections.close_all()


def _affiliate(workspace, alice, person, organisation):
    return lambda: services.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=organisation, data={}
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["adding", "deleting"])
def test_a_row_added_while_its_person_is_deleted_is_not_left_behind(workspace, alice, first):
    if connection.vendor != "postgresql":
        # SQLite runs one writing transaction at a time: no two of them interleave.
        assert not connection.features.has_select_for_update
        return
    person = person_with_rows(workspace, alice, 1)
    person_id = person.pk
    organisation = make_organisation(workspace, alice)
    # Each with its own copy, as two requests have (a deletion sets its copy's pk to None).
    adding = _Held(_affiliate(workspace, alice, Person.objects.get(pk=person.pk), organisation))
    deleting = _Held(lambda: services.person_delete(person=person, actor=alice))
    one, two = (adding, deleting) if first == "adding" else (deleting, adding)
    one.start()
    assert one.started.wait(30) and one.error is None
    two.start()
    # The second waits for the first one's lock on the person.
    assert not two.started.wait(0.5), two.error
    one.release.set()
    one.join(30)
    assert two.started.wait(30)
    two.release.set()
    two.join(30)
    assert one.error is None
    if first == "adding":  # the deletion, second, took the new affiliation with the person
        assert two.error is None
    else:  # the adding, second, found the person gone
        assert isinstance(two.error, ValidationError)
    assert not Person.objects.filter(pk=person_id).exists()
    assert orphans() == dict.fromkeys((m.__name__ for m in ROWS), 0)
    assert not Affiliation.objects.filter(organisation=organisation).exists()
