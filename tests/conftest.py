from fnmatch import fnmatch
from itertools import groupby
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.utils import timezone

from people.caching import new_generation
from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    DistinctPair,
    Mention,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Section,
    Team,
    numbered_slug,
    slug_base,
)
from people.versions import first_version

GPT4V_FIXTURE = Path(django_settings.BASE_DIR) / "fixtures" / "gpt4v.json"

# `make test` without DATABASE_URL runs only these modules on SQLite: what the
# zero-setup default (`make setup`, `make run`) needs. The rest would only repeat
# on SQLite what the PostgreSQL run proves; `make test-all` runs them there too.
SQLITE_MODULES = [
    "test_admin_permissions.py",  # set-up: the migrations' Editors group
    "test_local_admin.py",  # set-up: the local admin login
    "test_commands.py",  # set-up: create_project, import and export commands
    "test_fixtures.py",  # the GPT-4V fixture and load_gpt4v
    "test_models.py",  # the database's constraints, which SQLite enforces its own way
    "test_sorting.py",  # sort keys, and SQLite given LOWER as PostgreSQL has it
    "test_views.py",  # pages
    "test_citations.py",  # pages: the public files
    "test_spreadsheet_*.py",  # import
    "test_admin_import.py",  # import through the admin
]


def pytest_configure(config):
    # Real password hashing costs a quarter of a second per user created or
    # signed in; the tests of sign-in itself only need the check, not its cost.
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Django's PostgreSQL backend, quicker between tests that commit (tests/postgresql).
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = "tests.postgresql"
        del connections["default"]  # made by django.setup() with the engine it read


def pytest_itemcollected(item):
    # Marked here, before `-m sqlite` selects.
    if any(fnmatch(item.path.name, pattern) for pattern in SQLITE_MODULES):
        item.add_marker(pytest.mark.sqlite)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # gpt4v_read keeps the GPT-4V page loaded from its module's first test that asks
    # for it to the module's end. The module's other tests run before, so that they
    # start from an empty database as usual. (After pytest-django's own ordering.)
    ordered = []
    for _, module_items in groupby(items, key=lambda item: item.path):
        ordered += sorted(module_items, key=lambda item: "gpt4v_read" in item.fixturenames)
    items[:] = ordered


@pytest.fixture
def editor(db):
    """A staff user who is only in the Editors group (not a superuser)."""
    user = User.objects.create_user("editor", password="editor-password-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def admin_form_data(response):
    """Return the POST data of the admin form in `response`, as a browser would send it unchanged.

    Covers the main form and every inline (with its management form); readonly
    fields are not part of the form and are left out, as a browser would.
    """
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


@pytest.fixture
def form_data():
    """The admin_form_data helper, for tests that post admin forms."""
    return admin_form_data


@pytest.fixture
def submit_form():
    """Open an admin form, change some fields and send it, as an editor would.

    `submit_form(client, address, {"credits-TOTAL_FORMS": "2"}, name="Kim Lee")` returns the
    response to the POST; the other fields keep the values the form showed.
    """

    def submit(client, address, changes=None, **fields):
        data = admin_form_data(client.get(address))
        data.update({name: str(value) for name, value in {**(changes or {}), **fields}.items()})
        return client.post(address, data)

    return submit


@pytest.fixture(autouse=True)
def unhashed_static_files(settings):
    # The suite runs with production settings, whose static storage wants the
    # manifest written by collectstatic; pages under test link the plain files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def make_person(db):
    """Create a Person; the slug comes from the name unless given."""

    def make(name, **fields):
        if "slug" not in fields:
            base = slug_base(name)
            taken = set(Person.objects.filter(slug__startswith=base).values_list("slug", flat=True))
            fields["slug"] = numbered_slug(base, taken)
        return Person.objects.create(name=name, **fields)

    return make


@pytest.fixture
def make_section(db):
    """Create a Section of `project`, placed last unless a position is given."""

    def make(project, title="Research contributions", **fields):
        fields.setdefault("position", project.sections.count())
        return Section.objects.create(project=project, title=title, **fields)

    return make


@pytest.fixture
def make_team(db):
    """Create a Team of `section`; an empty name is the section's unheaded group."""

    def make(section, name="", **fields):
        fields.setdefault("position", section.teams.count())
        return Team.objects.create(section=section, name=name, **fields)

    return make


@pytest.fixture
def make_credit(db, make_person):
    """Create a credit: `person` (a Person or a name) in `team`, or a lead line under `section`."""

    def make(person, *, team=None, section=None, title=""):
        if isinstance(person, str):
            person = Person.objects.filter(name=person).first() or make_person(person)
        return Credit.objects.create(person=person, team=team, section=section, title=title)

    return make


@pytest.fixture
def make_project(db):
    """Create a Project, published unless is_published=False is given."""

    def make(title="Example credits", slug="example", **fields):
        fields.setdefault("is_published", True)
        if fields["is_published"]:
            fields.setdefault("published_at", timezone.now())
        return Project.objects.create(title=title, slug=slug, **fields)

    return make


@pytest.fixture
def one_of_each(make_project, make_section, make_team, make_person, make_credit):
    """One saved object of every credits model, linked as on a real credits page.

    The draft project GPT-4V has a resource, an acknowledgment naming Raul Puri, and a
    section "Research contributions" with Raul Puri's lead line "Overall lead" and the team
    "Architecture research", of which David Mélý is a member. David Mélý is also spelled
    "David Mely" and had the address "david-mely-2"; the two are recorded as different people.
    Keyed by model, and "raul" and "lead".
    """
    project = make_project("GPT-4V", "gpt-4v", is_published=False)
    section = make_section(project, "Research contributions", position=1)
    team = make_team(section, "Architecture research", position=1)
    david = make_person("David Mélý")
    raul = make_person("Raul Puri")
    acknowledgment = Acknowledgment.objects.create(
        project=project, text="We thank our red teamers."
    )
    return {
        Project: project,
        Resource: Resource.objects.create(
            project=project, title="System card", url="https://example.org/system-card"
        ),
        Section: section,
        Team: team,
        Person: david,
        Alias: Alias.objects.create(person=david, name="David Mely"),
        Credit: make_credit(david, team=team),
        Acknowledgment: acknowledgment,
        Mention: Mention.objects.create(acknowledgment=acknowledgment, person=raul),
        PersonRedirect: PersonRedirect.objects.create(old_slug="david-mely-2", person=david),
        DistinctPair: DistinctPair.objects.create(first=david, second=raul),
        "raul": raul,
        "lead": make_credit(raul, section=section, title="Overall lead"),
    }


def load_gpt4v():
    """Load fixtures/gpt4v.json and return its project.

    About ten times faster than loaddata, which saves row by row (an UPDATE, then
    an INSERT): one INSERT per model, then the id sequences moved past the
    fixture's ids as loaddata does. test_fixtures.py loads it with loaddata, as
    `make setup` does.
    """
    rows = {}
    with open(GPT4V_FIXTURE, encoding="utf-8") as fixture:
        for item in serializers.deserialize("json", fixture):
            rows.setdefault(type(item.object), []).append(item.object)
    [project] = rows[Project]
    updated_at = project.updated_at
    with transaction.atomic():
        for model, objects in rows.items():
            model.objects.bulk_create(objects)
        # bulk_create sets auto_now fields to the time of loading; loaddata keeps the fixture's.
        Project.objects.filter(pk=project.pk).update(updated_at=updated_at)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(rows)):
                cursor.execute(sql)
    return Project.objects.get(pk=project.pk)


@pytest.fixture
def gpt4v(db):
    """The GPT-4V page of the fixture, loaded for this test (which may change it)."""
    return load_gpt4v()


@pytest.fixture
def gpt4v_published(gpt4v):
    """The GPT-4V page as readers see it: published as version 1, as `make run` loads it."""
    first_version(gpt4v)
    return gpt4v


@pytest.fixture(scope="module")
def gpt4v_module(django_db_setup, django_db_blocker):
    """The GPT-4V page, loaded once for a module whose tests only read it.

    The module's tests that use it run last (pytest_collection_modifyitems above),
    inside this transaction (each in a savepoint of its own), which is rolled back
    after the last of them. Not for modules with transactional tests.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_gpt4v()
        transaction.set_rollback(True)


@pytest.fixture
def gpt4v_read(gpt4v_module, db):
    """The GPT-4V page loaded once per module: for tests that do not change it."""
    return Project.objects.get(pk=gpt4v_module.pk)


@pytest.fixture(autouse=True)
def fresh_page_cache():
    # Cached pages outlive a test's rolled-back rows; each test starts a new generation.
    new_generation()
