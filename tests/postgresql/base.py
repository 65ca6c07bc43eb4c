"""PostgreSQL for the tests: Django's backend, faster between tests that commit.

After each test that commits (those of the browser and of other processes), Django empties
every table and saves back, one row at a time, what the migrations wrote (serialized_rollback).
On tables this small, one TRUNCATE of the fifty tables takes a quarter of a second, as
PostgreSQL gives each table new files, where DELETE takes a hundredth; and the migrations'
rows go back in one INSERT per table instead of two statements per row. Selected by
tests/conftest.py when DATABASE_URL is PostgreSQL; nothing else differs from Django's backend.
"""

from django.core import serializers
from django.db import transaction
from django.db.backends.postgresql import base, creation, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Foreign keys are checked at the commit (Django makes them deferrable), and flush
        # runs the statements in one transaction, so the order of the tables does not matter.
        delete_from = f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')}"
        return [f"{delete_from} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


class DatabaseCreation(creation.DatabaseCreation):
    def deserialize_db_from_string(self, data):
        alias = self.connection.alias
        saved = {}
        for item in serializers.deserialize("json", data, using=alias):
            saved.setdefault(type(item.object), []).append(item)
        # The first test that commits finds the rows still there, as the migrations wrote
        # them: those are kept.
        with transaction.atomic(using=alias):
            for model, items in saved.items():
                rows = [item.object for item in items]
                model._base_manager.using(alias).bulk_create(rows, ignore_conflicts=True)
            for model, items in saved.items():
                for name in items[0].m2m_data or {}:
                    field = model._meta.get_field(name)
                    through = field.remote_field.through
                    own = through._meta.get_field(field.m2m_field_name()).attname
                    other = through._meta.get_field(field.m2m_reverse_field_name()).attname
                    links = [
                        through(**{own: item.object.pk, other: related})
                        for item in items
                        for related in item.m2m_data[name]
                    ]
                    through._base_manager.using(alias).bulk_create(links, ignore_conflicts=True)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    creation_class = DatabaseCreation
