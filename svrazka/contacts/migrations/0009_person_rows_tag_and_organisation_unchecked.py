"""A person's tags and affiliations point at their tag and organisation without a database
constraint (contacts.models.PERSON_ROW): contacts.services.hold holds them instead."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0008_person_rows_unchecked'),
    ]

    operations = [
        migrations.AlterField(
            model_name='affiliation',
            name='organisation',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='affiliations', to='contacts.organisation'),
        ),
        migrations.AlterField(
            model_name='persontag',
            name='tag',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, to='contacts.tag'),
        ),
    ]
