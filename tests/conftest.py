import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.text import slugify

from people.caching import new_generation
from people.models import Person, Project
from people.sorting import fold


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
            base = slugify(fold(name)) or "person"
            fields["slug"] = base
            number = 1
            while Person.objects.filter(slug=fields["slug"]).exists():
                number += 1
                fields["slug"] = f"{base}-{number}"
        return Person.objects.create(name=name, **fields)

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


@pytest.fixture(autouse=True)
def fresh_page_cache():
    # Cached pages outlive a test's rolled-back rows; each test starts a new generation.
    new_generation()
