"""Upgrading: the migration that brings versions makes version 1 of every published project;
the one that brings public other spellings makes every existing one private.

The database is migrated back to the migration before versions, filled with the
models of that time, and migrated forward, as Django's own migration tests do.
"""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField, CreateModel
from django.test import Client

from people.models import Alias, Project, Version
from people.sorting import sort_key
from tests.html_tree import parse

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def versions_migration():
    """Return the keys of (the migration before versions, the migration that makes them)."""
    loader = MigrationLoader(connection)
    for key, migration in loader.disk_migrations.items():
        creates = {op.name for op in migration.operations if isinstance(op, CreateModel)}
        if key[0] == "people" and "Version" in creates:
            [before] = [
                dependency for dependency in migration.dependencies if dependency[0] == "people"
            ]
            return before, key
    raise AssertionError("no migration creates Version")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def fill(apps):
    """A published project and a draft, written with the models before versions.

    A credit was still called a role then (renamed in migration 0014).
    """
    models = {name: apps.get_model("people", name) for name in [
        "Project", "Resource", "Section", "Team", "Person", "Alias", "Role", "Acknowledgment",
        "Mention",
    ]}  # fmt: skip

    def person(name, slug):
        return models["Person"].objects.create(name=name, slug=slug, sort_key=sort_key(name))

    raul, ada, grace = (
        person("Raul Puri", "raul-puri"),
        person("Ada Lovelace", "ada-lovelace"),
        (person("Grace Hopper", "grace-hopper")),
    )
    models["Alias"].objects.create(person=ada, name="Ada King")
    published = models["Project"].objects.create(
        title="Vision credits",
        slug="vision",
        intro="Our work.\n\nIn two paragraphs.",
        citation="Example Lab (2023)",
        assembled_by=raul,
        is_published=True,
        published_at=datetime(2023, 9, 25, tzinfo=UTC),
    )
    models["Resource"].objects.create(project=published, title="Report", url="https://e.org/r")
    section = models["Section"].objects.create(project=published, title="Research", position=1)
    data = models["Team"].objects.create(section=section, name="Data", position=1)
    models["Role"].objects.create(person=raul, section=section, title="Research lead")
    models["Role"].objects.create(person=grace, team=data)
    models["Role"].objects.create(person=ada, team=data, title="Data lead")
    thanks = models["Acknowledgment"].objects.create(project=published, text="We thank testers:")
    models["Mention"].objects.create(acknowledgment=thanks, person=grace)
    models["Project"].objects.filter(pk=published.pk).update(
        updated_at=datetime(2023, 10, 2, tzinfo=UTC)
    )
    draft = models["Project"].objects.create(title="Secret", slug="secret")
    models["Section"].objects.create(project=draft, title="Hidden")


def shown(html):
    """What a reader sees of a project page: its dates, and everything after the header."""
    page = parse(html)
    body = re.search(r'<div class="intro">.*</main>', html, re.DOTALL).group()
    return page.find("h1").text(), page.find("p", "page-dates").text(), body


def test_upgrading_makes_version_1_of_each_published_project_and_readers_see_the_same(
    editor_client,
):
    client = Client()
    before, after = versions_migration()
    fill(migrate([before]))

    migrate([after])
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    version = Version.objects.get()
    project = Project.objects.get(slug="vision")
    assert (version.project, version.number, version.title) == (project, 1, "Vision credits")
    assert version.published_at == datetime(2023, 9, 25, tzinfo=UTC)
    assert list(version.people.values_list("name", flat=True)) == [
        "Raul Puri",
        "Ada Lovelace",
        "Grace Hopper",
    ]
    public = client.get("/credits/vision/")
    assert public.status_code == 200
    title, dates, body = shown(public.text)
    assert (title, dates) == (
        "Vision credits",
        "Published 25 September 2023 · Last updated 2 October 2023",
    )
    # The page as it was (read from the database, as editors see the draft) is the page now.
    assert shown(editor_client.get("/credits/vision/").text) == (title, dates, body)
    # Every other spelling is private since migration 0017: version 1 holds it, and hides it.
    assert "Ada King" in str(version.content)
    assert "Ada King" not in public.text
    assert client.get("/credits/secret/").status_code == 404
    assert client.get("/people/ada-lovelace/").status_code == 200


def public_aliases_migration():
    """Return the keys of (the migration before Alias.is_public, the migration that adds it)."""
    loader = MigrationLoader(connection)
    for key, migration in loader.disk_migrations.items():
        if key[0] == "people" and any(
            isinstance(op, AddField) and (op.model_name, op.name) == ("alias", "is_public")
            for op in migration.operations
        ):
            [before] = [
                dependency for dependency in migration.dependencies if dependency[0] == "people"
            ]
            return before, key
    raise AssertionError("no migration adds Alias.is_public")


def test_upgrading_makes_every_existing_other_spelling_private():
    before, after = public_aliases_migration()
    apps = migrate([before])
    ada = apps.get_model("people", "Person").objects.create(
        name="Ada Lovelace", slug="ada-lovelace", sort_key=sort_key("Ada Lovelace")
    )
    apps.get_model("people", "Alias").objects.create(person=ada, name="Ada King")

    migrate([after])
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert list(Alias.objects.values_list("name", "is_public")) == [("Ada King", False)]
