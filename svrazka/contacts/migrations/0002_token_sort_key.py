"""Search tokens carry their owner's sort key, so that a search's page in name order can be read
from the token index (bench/README.md, issue 2); the old (workspace, token, owner) indexes give
way to (workspace, token, sort_key, owner) and (workspace, owner, token)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_sort_keys(apps, schema_editor):
    for token_name, owner_name, owner_field in [
        ("OrganisationToken", "Organisation", "organisation_id"),
        ("PersonToken", "Person", "person_id"),
    ]:
        token_model = apps.get_model("contacts", token_name)
        owner_model = apps.get_model("contacts", owner_name)
        owners = owner_model.objects.filter(pk=OuterRef(owner_field)).values("sort_key")[:1]
        token_model.objects.update(sort_key=Subquery(owners))


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="organisationtoken",
            name="orgtoken_ws",
        ),
        migrations.RemoveIndex(
            model_name="persontoken",
            name="persontoken_ws",
        ),
        migrations.AddField(
            model_name="organisationtoken",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=120),
        ),
        migrations.AddField(
            model_name="persontoken",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=120),
        ),
        # Filled before the new indexes are built, so that the update does not maintain them.
        migrations.RunPython(copy_sort_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="organisationtoken",
            index=models.Index(
                fields=["workspace", "token", "sort_key", "organisation"], name="orgtoken_ws_sort"
            ),
        ),
        migrations.AddIndex(
            model_name="organisationtoken",
            index=models.Index(
                fields=["workspace", "organisation", "token"], name="orgtoken_ws_org"
            ),
        ),
        migrations.AddIndex(
            model_name="persontoken",
            index=models.Index(
                fields=["workspace", "token", "sort_key", "person"], name="persontoken_ws_sort"
            ),
        ),
        migrations.AddIndex(
            model_name="persontoken",
            index=models.Index(
                fields=["workspace", "person", "token"], name="persontoken_ws_person"
            ),
        ),
    ]
