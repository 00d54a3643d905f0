"""The database's indexes, as migrated: each foreign key column leads an index (deleting a
workspace, a person or an organisation finds the rows that point at it without a scan), and
none is indexed twice over (a big import keeps every index up row by row)."""

import pytest
from django.apps import apps
from django.db import connection, models

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> list[dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [c for c in found.values() if c["index"] or c["unique"] or c["primary_key"]]


def _our_models():
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("svrazka.") and m._meta.managed and not m._meta.proxy
    ]


def test_every_foreign_key_column_leads_an_index():
    missing = []
    for model in _our_models():
        indexes = _indexes(model._meta.db_table)
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            if not any(c["columns"] and c["columns"][0] == field.column for c in indexes):
                missing.append(f"{model._meta.db_table}.{field.column}")
    assert missing == []


def test_no_contact_table_indexes_a_column_alone_that_another_index_leads():
    """An index on a column alone is redundant where a longer index or a unique constraint
    leads with the same column (Django's default index on a foreign key, say). The contact
    tables are those an import fills by the million (migration contacts 0006)."""
    twice = []
    for model in apps.get_app_config("contacts").get_models():
        indexes = _indexes(model._meta.db_table)
        for single in indexes:
            if single["unique"] or single["primary_key"] or len(single["columns"]) != 1:
                continue
            column = single["columns"][0]
            if any(
                other is not single and len(other["columns"]) > 1 and other["columns"][0] == column
                for other in indexes
            ):
                twice.append(f"{model._meta.db_table}.{column}")
    assert twice == []


def test_deleting_a_workspace_deletes_its_peoples_rows_without_a_constraint_to_do_it(
    workspace, alice
):
    """A person's emails, phones, tags, affiliations and search tokens have no database
    constraint to their workspace (contacts.models.restated_workspace); the ORM still
    deletes them with it, and nothing of another workspace."""
    from svrazka.accounts.models import Workspace
    from svrazka.contacts.models import (
        Affiliation,
        PersonEmail,
        PersonPhone,
        PersonTag,
        PersonToken,
        Tag,
    )
    from svrazka.contacts.services import affiliation_create
    from tests.factories import make_organisation, make_person

    other = Workspace.objects.create(slug="other-ngo", name="Other")
    for ws in (workspace, other):
        tag = Tag.objects.create(workspace=ws, name="Партньори")
        person = make_person(
            ws, alice, emails=["a@example.org"], phones=["+359888123456"], tags=[tag]
        )
        affiliation_create(
            workspace=ws, actor=alice, person=person, organisation=make_organisation(ws, alice),
            data={"position": "координатор"},
        )  # fmt: skip
    tables = (PersonEmail, PersonPhone, PersonTag, Affiliation, PersonToken)
    assert all(model.objects.filter(workspace=workspace).exists() for model in tables)
    workspace_id = workspace.pk
    workspace.delete()
    assert not any(model.objects.filter(workspace_id=workspace_id).exists() for model in tables)
    assert all(model.objects.filter(workspace=other).exists() for model in tables)
