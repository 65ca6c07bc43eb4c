"""Rebuild, on SQLite, the indexes of the unique constraints on LOWER(name).

people/apps.py gives SQLite a LOWER that lowers every letter, as PostgreSQL's does;
entries written before by SQLite's own LOWER (A to Z only) would no longer be found,
and SQLite reports such an index as malformed. PostgreSQL's indexes are unchanged.
"""

from django.db import IntegrityError, migrations

INDEXES = ["unique_section_title", "unique_team_name", "unique_alias_name"]


def reindex_names(connection):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for index in INDEXES:
            try:
                cursor.execute(f"REINDEX {index}")
            except IntegrityError as error:
                raise IntegrityError(
                    f"{index}: two names differ only in the case of a non-ASCII letter "
                    "(e.g. “Élodie” and “ÉLODIE”); rename one of them, then migrate again."
                ) from error


def reindex(apps, schema_editor):
    reindex_names(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_names_ignore_case_valid_orcid"),
    ]

    operations = [
        migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True),
    ]
