"""The search-token tables, lighter to write (a big import writes millions of rows):

- a person's tokens have one index of their own, (person, token, workspace), instead of one on
  the person and one on (workspace, person, token), and no database constraint to the person
  (the ORM deletes them with the person, as it did);
- on PostgreSQL, the token and sort-key columns (of the token tables, people and
  organisations) compare byte by byte (COLLATE "C"): they only hold [a-z0-9] keys, which sort
  the same in every collation, and a B-tree of them is then built and searched with memcmp
  rather than the locale's rules. SQLite compares bytes already.
"""

import django.db.models.deletion
from django.db import migrations, models

BYTEWISE = [
    ("contacts_person", "sort_key", 120),
    ("contacts_organisation", "sort_key", 120),
    ("contacts_persontoken", "token", 40),
    ("contacts_persontoken", "sort_key", 120),
    ("contacts_organisationtoken", "token", 40),
    ("contacts_organisationtoken", "sort_key", 120),
]


def _collate(collation: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column, length in BYTEWISE:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" '
                f'TYPE varchar({length}) COLLATE "{collation}"'
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_daily_digest"),
        ("contacts", "0004_token_workspace_without_constraint"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="persontoken",
            name="persontoken_ws_person",
        ),
        migrations.AlterField(
            model_name="persontoken",
            name="person",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                to="contacts.person",
            ),
        ),
        migrations.AddIndex(
            model_name="persontoken",
            index=models.Index(fields=["person", "token", "workspace"], name="persontoken_person"),
        ),
        migrations.RunPython(_collate("C"), _collate("default")),
    ]
