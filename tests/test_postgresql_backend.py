"""The tests' PostgreSQL backend (tests/postgresql): what a test that commits leaves behind."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection, connections

from people.models import Person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is for PostgreSQL")
def test_the_tests_run_on_their_own_backend_on_postgresql():
    assert type(connections["default"]).__module__ == "tests.postgresql.base"


@pytest.mark.parametrize("run", ["first", "after another that changed everything"])
def test_each_test_that_commits_starts_from_exactly_what_the_migrations_wrote(run, make_person):
    assert connection.creation.serialize_db_to_string() == connection._test_serialized_contents
    assert not Person.objects.exists()

    make_person("Ada Lovelace")
    editors = Group.objects.get(name="Editors")
    editors.permissions.remove(Permission.objects.get(codename="change_person"))
    Group.objects.create(name="Readers").permissions.add(Permission.objects.first())
