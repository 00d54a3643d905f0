"""A person's emails, phones, tags and affiliations have no database constraint to their
person, nor a person's tags and affiliations to their tag and organisation
(contacts.models.PERSON_ROW): the services hold them to existing ones. Every way a person,
a tag or an organisation goes leaves none of those rows behind, and on PostgreSQL a row
added while what it points at is being deleted, in either order, is deleted with it or
refused."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from svrazka.accounts import services as accounts
from svrazka.contacts import services
from svrazka.contacts.models import (
    Affiliation,
    Organisation,
    Person,
    PersonEmail,
    PersonPhone,
    PersonTag,
    Tag,
)
from svrazka.duplicates import services as duplicates
from tests.factories import make_organisation, make_person

ROWS = (PersonEmail, PersonPhone, PersonTag, Affiliation)


def orphans() -> dict[str, int]:
    """Rows of each kind whose person, tag or organisation is not there."""
    found = {
        model.__name__: model.objects.exclude(person_id__in=Person.objects.values("pk")).count()
        for model in ROWS
    }
    found["PersonTag"] += PersonTag.objects.exclude(tag_id__in=Tag.objects.values("pk")).count()
    found["Affiliation"] += Affiliation.objects.exclude(
        organisation_id__in=Organisation.objects.values("pk")
    ).count()
    return found


NONE = dict.fromkeys((m.__name__ for m in ROWS), 0)


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
    assert PersonTag._meta.get_field("tag").db_constraint is False
    assert Affiliation._meta.get_field("organisation").db_constraint is False


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

    assert orphans() == NONE
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
        services.hold(Person, other.pk, people_there, delete=True)
        other.delete()
    assert orphans() == NONE
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
    assert orphans() == NONE


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


def _racers(kind: str, workspace, alice):
    """(adding, deleting, whether the target is gone, the rows the adding would make): work
    that adds a row pointing at a record of ``kind``, and work that deletes the record, each
    with a copy of its own, as two requests have (a deletion sets its copy's pk to None)."""
    person = person_with_rows(workspace, alice, 1)
    organisation = make_organisation(workspace, alice)
    tag = services.tag_get_or_create(workspace=workspace, name="Дарители")
    if kind == "person":
        copy = Person.objects.get(pk=person.pk)

        def adding():
            services.affiliation_create(
                workspace=workspace, actor=alice, person=copy, organisation=organisation, data={}
            )

        def deleting():
            services.person_delete(person=person, actor=alice)

        def gone():
            return not Person.objects.filter(pk=copy.pk).exists()

        made = Affiliation.objects.filter(organisation=organisation)
    elif kind == "tag":

        def adding():
            services.bulk_tag(
                workspace=workspace, actor=alice, model=Person, ids=[person.pk], tag=copy
            )

        copy = Tag.objects.get(pk=tag.pk)

        def deleting():
            services.tag_delete(tag=tag, actor=alice)

        def gone():
            return not Tag.objects.filter(pk=copy.pk).exists()

        made = PersonTag.objects.filter(tag_id=tag.pk)
    else:
        copy = Organisation.objects.get(pk=organisation.pk)

        def adding():
            services.affiliation_create(
                workspace=workspace, actor=alice, person=person, organisation=copy, data={}
            )

        def deleting():
            services.organisation_delete(organisation=organisation, actor=alice)

        def gone():
            return not Organisation.objects.filter(pk=copy.pk).exists()

        made = Affiliation.objects.filter(organisation_id=copy.pk)
    return adding, deleting, gone, made


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["adding", "deleting"])
@pytest.mark.parametrize("kind", ["person", "tag", "organisation"])
def test_a_row_added_while_what_it_points_at_is_deleted_is_not_left_behind(
    workspace, alice, kind, first
):
    if connection.vendor != "postgresql":
        # SQLite runs one writing transaction at a time: no two of them interleave.
        assert not connection.features.has_select_for_update
        return
    add, delete, gone, made = _racers(kind, workspace, alice)
    adding, deleting = _Held(add), _Held(delete)
    one, two = (adding, deleting) if first == "adding" else (deleting, adding)
    one.start()
    assert one.started.wait(30) and one.error is None
    two.start()
    # The second waits for the first one's lock.
    assert not two.started.wait(0.5), two.error
    one.release.set()
    one.join(30)
    assert two.started.wait(30)
    two.release.set()
    two.join(30)
    assert one.error is None
    if first == "adding":  # the deletion, second, took the new row with it
        assert two.error is None
    else:  # the adding, second, found it gone
        assert isinstance(two.error, ValidationError)
    assert gone()
    assert not made.exists()
    assert orphans() == NONE


def test_a_merge_undone_after_a_label_was_deleted_leaves_the_label_out(workspace, alice):
    tag = services.tag_get_or_create(workspace=workspace, name="Доброволци")
    kept = make_person(workspace, alice, given_name="Георги", tags=[tag])
    merged = make_person(workspace, alice, given_name="Гошо", tags=[tag])
    record = duplicates.merge(
        workspace=workspace, actor=alice, kind="person", kept=kept, merged=merged, choices={}
    )
    services.tag_delete(tag=tag, actor=alice)
    duplicates.undo_merge(merge_record=record, actor=alice)
    assert Person.objects.filter(pk=merged.pk).exists()
    assert not PersonTag.objects.exists()
    assert orphans() == NONE


def test_an_import_makes_anew_an_organisation_deleted_since_its_load_began(
    workspace, alice, monkeypatch
):
    """The load finds the workspace's organisations by name when it begins, and holds each
    when a row first names it: one deleted in between is not pointed at."""
    from svrazka.imports import services as imports
    from tests.test_imports import LINKEDIN, _run, _upload

    green = make_organisation(workspace, alice, name="Зелена планета")
    enter = imports._Loader.__enter__

    def enter_then_delete(loader):
        enter(loader)
        assert green.pk in loader.orgs.values()
        Organisation.objects.filter(pk=green.pk).delete()  # as if by someone else, committed
        return loader

    monkeypatch.setattr(imports._Loader, "__enter__", enter_then_delete)
    job = _run(_upload(workspace, alice, LINKEDIN))
    assert job.status == "done", job.message
    made = Organisation.objects.get(workspace=workspace, name="Зелена планета")
    assert made.source_import_id == job.pk  # made by the import: the old one had none
    maria = Person.objects.get(workspace=workspace, given_name="Мария")
    assert [a.organisation_id for a in maria.affiliations.all()] == [made.pk]
    assert orphans() == NONE
