import pytest
from django.contrib.auth.models import User
from django.test import Client

from people.caching import invalidate_pages
from people.models import Acknowledgment, Alias, Credit, Person, Section, Team
from people.versions import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def vision(make_project, make_section, make_team, make_credit):
    """A published page with two names in one team and an acknowledgment."""
    project = make_project("Vision credits", "vision")
    team = make_team(make_section(project, "Research contributions"), "Data")
    for name in ["Ada Lovelace", "Grace Hopper"]:
        make_credit(name, team=team)
    Acknowledgment.objects.create(project=project, text="We thank our testers.")
    publish(project)
    return project


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(User.objects.create_superuser("admin", password="admin-password-123"))
    return client


def test_a_cached_page_is_served_with_one_query(client, vision, django_assert_num_queries):
    first = client.get("/credits/vision/")

    # Only the project with its latest version's id is read (people.caching).
    with django_assert_num_queries(1):
        second = client.get("/credits/vision/")

    assert second.status_code == 200
    assert second.content == first.content
    assert second.headers["Content-Type"] == "text/html; charset=utf-8"


def test_a_cached_person_page_is_served_with_one_query(client, vision, django_assert_num_queries):
    first = client.get("/people/ada-lovelace/")

    # Only the database's page generation is read (people.caching).
    with django_assert_num_queries(1):
        second = client.get("/people/ada-lovelace/")

    assert second.content == first.content


def test_staff_get_a_fresh_page_that_is_not_shown_to_the_public(client, vision):
    staff = Client()
    staff.force_login(User.objects.create_user("staff", is_staff=True))
    staff.get("/credits/vision/")

    staff_page = staff.get("/credits/vision/")
    public_page = client.get("/credits/vision/")

    assert b"Edit in the admin" in staff_page.content
    assert b"Edit in the admin" not in public_page.content
    assert b"Ada Lovelace" in public_page.content


def test_a_rename_in_the_admin_shows_on_the_person_page_at_once_and_the_project_page_once_published(
    client, superuser_client, vision, form_data
):
    assert "Ada Lovelace" in client.get("/credits/vision/").content.decode()
    assert "Ada Lovelace" in client.get("/people/ada-lovelace/").content.decode()
    ada = Person.objects.get(name="Ada Lovelace")
    change_url = f"/admin/people/person/{ada.pk}/change/"
    data = form_data(superuser_client.get(change_url))
    data["name"] = "Ada King"

    saved = superuser_client.post(change_url, data)
    before_publishing = client.get("/credits/vision/").content.decode()
    publish(vision)
    after_publishing = client.get("/credits/vision/").content.decode()

    assert saved.status_code == 302
    assert "Ada King" in client.get("/people/ada-lovelace/").content.decode()
    assert "Ada Lovelace" in before_publishing
    assert "Ada King" in after_publishing
    assert "Ada Lovelace" not in after_publishing


def test_a_rename_through_the_models_shows_once_published(client, vision):
    client.get("/credits/vision/")
    ada = Person.objects.get(name="Ada Lovelace")
    ada.name = "Ada King"
    ada.save()

    before = client.get("/credits/vision/").content.decode()
    publish(vision)
    after = client.get("/credits/vision/").content.decode()

    assert "Ada Lovelace" in before
    assert "Ada King" in after
    assert "Ada Lovelace" not in after


def test_an_added_credit_shows_once_published(client, vision, make_credit):
    client.get("/credits/vision/")

    make_credit("Alan Turing", team=Team.objects.get(name="Data"))

    assert "Alan Turing" not in client.get("/credits/vision/").content.decode()
    publish(vision)
    assert "Alan Turing" in client.get("/credits/vision/").content.decode()


def test_a_changed_section_title_shows_once_published(client, vision):
    client.get("/credits/vision/")
    section = Section.objects.get(title="Research contributions")
    section.title = "Science contributions"
    section.save()

    publish(vision)
    page = client.get("/credits/vision/").content.decode()

    assert "<h2>Science contributions</h2>" in page
    assert 'id="science-contributions"' in page


def test_a_deleted_credit_disappears_once_published(client, vision):
    client.get("/credits/vision/")

    Credit.objects.get(person__name="Grace Hopper").delete()

    assert "Grace Hopper" in client.get("/credits/vision/").content.decode()
    publish(vision)
    assert "Grace Hopper" not in client.get("/credits/vision/").content.decode()


def test_draft_edits_keep_the_cached_public_pages(
    client, vision, make_person, django_assert_num_queries
):
    page = client.get("/credits/vision/").content
    person_page = client.get("/people/ada-lovelace/").content

    Credit.objects.create(person=make_person("Alan Turing"), team=Team.objects.get(name="Data"))
    Section.objects.create(project=vision, title="Late section")
    vision.title = "Renamed in the draft"
    vision.save()
    with django_assert_num_queries(1):
        cached = client.get("/credits/vision/").content
    with django_assert_num_queries(1):
        cached_person_page = client.get("/people/ada-lovelace/").content

    assert (cached, cached_person_page) == (page, person_page)


def test_a_new_alias_shows_on_the_cached_person_page(client, vision):
    client.get("/people/ada-lovelace/")

    ada = Person.objects.get(name="Ada Lovelace")
    Alias.objects.create(person=ada, name="Ada King", is_public=True)

    assert "Also credited as" in client.get("/people/ada-lovelace/").content.decode()


def test_a_new_alias_reaches_the_cached_project_pages_name_filter_once_published(client, vision):
    client.get("/credits/vision/")

    ada = Person.objects.get(name="Ada Lovelace")
    Alias.objects.create(person=ada, name="Ada King", is_public=True)
    publish(vision)

    assert 'data-aliases="[&quot;Ada King&quot;]"' in client.get("/credits/vision/").text


def test_an_alias_made_private_leaves_every_cached_page_and_file_at_once(client, vision):
    ada = Person.objects.get(name="Ada Lovelace")
    alias = Alias.objects.create(person=ada, name="Ada King", is_public=True)
    publish(vision)
    paths = [
        "/credits/vision/",
        "/credits/vision/v/2/",
        "/credits/vision/v/1/",
        "/people/ada-lovelace/",
    ]
    cached = {path: client.get(path).text for path in paths}

    alias.is_public = False
    alias.save()

    assert [path for path in paths if "Ada King" in cached[path]] == paths[:2] + paths[3:]
    assert [path for path in paths if "Ada King" in client.get(path).text] == []


def test_an_alias_made_public_shows_on_the_person_page_at_once_and_on_projects_once_published(
    client, vision
):
    ada = Person.objects.get(name="Ada Lovelace")
    alias = Alias.objects.create(person=ada, name="Ada King")
    client.get("/credits/vision/"), client.get("/people/ada-lovelace/")

    alias.is_public = True
    alias.save()
    before_publishing = client.get("/credits/vision/").text
    publish(vision)

    assert "Ada King" in client.get("/people/ada-lovelace/").text
    assert "Ada King" not in before_publishing
    assert "Ada King" in client.get("/credits/vision/").text


def test_bulk_writes_show_on_person_pages_after_invalidate_pages(client, vision):
    client.get("/people/ada-lovelace/")
    Person.objects.filter(name="Ada Lovelace").update(name="Ada King")

    stale = client.get("/people/ada-lovelace/").content.decode()
    invalidate_pages()
    fresh = client.get("/people/ada-lovelace/").content.decode()

    assert "Ada Lovelace" in stale
    assert "Ada King" in fresh


def test_a_project_never_published_is_not_found_until_published(
    client, make_project, make_section, make_credit
):
    draft = make_project(title="Draft", slug="draft", is_published=False)
    make_credit("Ada Lovelace", section=make_section(draft), title="Lead")
    assert client.get("/credits/draft/").status_code == 404

    publish(draft)

    assert client.get("/credits/draft/").status_code == 200


def test_unpublishing_replaces_the_cached_page_by_gone(client, vision):
    client.get("/credits/vision/")

    vision.is_published = False
    vision.save()

    assert client.get("/credits/vision/").status_code == 410


@pytest.mark.parametrize("path", ["/credits/{slug}/", "/credits/{slug}/credits.json"])
def test_readers_get_pages_while_the_shared_cache_is_down(client, settings, vision, path):
    # Nothing listens on port 1: every call to this Redis cache fails to connect.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }

    response = client.get(path.format(slug=vision.slug))

    assert response.status_code == 200
    assert "Ada Lovelace" in response.content.decode()
