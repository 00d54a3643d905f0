"""Foreign keys indexed once: the index Django gives a foreign key column by default is
dropped wherever another index or a unique constraint already leads with that column (the
workspace of every workspace-owned table; the person or organisation of emails, phones, tags
and causes, whose unique constraints lead with it). Those serve the same lookups; the second
index was only kept up (a million people imported: some six million entries).

On the database only the indexes go (SQLite would otherwise copy each table to alter it);
the fields say db_index=False.
"""

import django.db.models.deletion
from django.db import migrations, models

FIELDS = [
    ("affiliation", "workspace"),
    ("cause", "workspace"),
    ("organisation", "workspace"),
    ("organisationcause", "organisation"),
    ("organisationcause", "workspace"),
    ("organisationtag", "organisation"),
    ("organisationtag", "workspace"),
    ("person", "workspace"),
    ("personcause", "person"),
    ("personcause", "workspace"),
    ("personemail", "person"),
    ("personemail", "workspace"),
    ("personphone", "person"),
    ("personphone", "workspace"),
    ("persontag", "person"),
    ("persontag", "workspace"),
    ("tag", "workspace"),
]


def _drop_indexes(apps, schema_editor):
    for model_name, field_name in FIELDS:
        model = apps.get_model("contacts", model_name)
        column = model._meta.get_field(field_name).column
        for name in schema_editor._constraint_names(
            model, [column], index=True, unique=False, primary_key=False
        ):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def _create_indexes(apps, schema_editor):
    for model_name, field_name in FIELDS:
        model = apps.get_model("contacts", model_name)
        field = model._meta.get_field(field_name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_daily_digest"),
        ("contacts", "0005_token_tables_lighter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_drop_indexes, _create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="affiliation",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="cause",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="organisation",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="organisationcause",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contacts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="organisationcause",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="organisationtag",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contacts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="organisationtag",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="personcause",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contacts.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="personcause",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="personemail",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="emails",
                        to="contacts.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="personemail",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="personphone",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="phones",
                        to="contacts.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="personphone",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="persontag",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contacts.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="persontag",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="tag",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.workspace",
                    ),
                ),
            ],
        ),
    ]
