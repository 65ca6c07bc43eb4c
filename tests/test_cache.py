import pytest
from django.contrib.auth.models import User
from django.test import Client

from people.caching import invalidate_pages
from people.models import Acknowledgment, Alias, Person, Project, Role, Section, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def vision(make_project, make_section, make_team, make_credit):
    """A published page with two names in one team and an acknowledgment."""
    project = make_project("Vision credits", "vision")
    team = make_team(make_section(project, "Research contributions"), "Data")
    for name in ["Ada Lovelace", "Grace Hopper"]:
        make_credit(name, team=team)
    Acknowledgment.objects.create(project=project, text="We thank our testers.")
    return project


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(User.objects.create_superuser("admin", password="admin-password-123"))
    return client


def test_a_cached_page_is_served_with_one_query(client, vision, django_assert_num_queries):
    first = client.get("/credits/vision/")

    # Only the database's page generation is read (people.caching).
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


def test_a_rename_in_the_admin_shows_on_the_next_public_request(
    client, superuser_client, vision, form_data
):
    assert "Ada Lovelace" in client.get("/credits/vision/").content.decode()
    ada = Person.objects.get(name="Ada Lovelace")
    change_url = f"/admin/people/person/{ada.pk}/change/"
    data = form_data(superuser_client.get(change_url))
    data["name"] = "Ada King"

    saved = superuser_client.post(change_url, data)

    assert saved.status_code == 302
    page = client.get("/credits/vision/").content.decode()
    assert "Ada King" in page
    assert "Ada Lovelace" not in page
    assert "Ada King" in client.get("/people/ada-lovelace/").content.decode()


def test_a_rename_through_the_models_shows_at_once(client, vision):
    client.get("/credits/vision/")
    ada = Person.objects.get(name="Ada Lovelace")
    ada.name = "Ada King"
    ada.save()

    page = client.get("/credits/vision/").content.decode()

    assert "Ada King" in page
    assert "Ada Lovelace" not in page


def test_an_added_credit_shows_at_once(client, vision, make_credit):
    client.get("/credits/vision/")

    make_credit("Alan Turing", team=Team.objects.get(name="Data"))

    assert "Alan Turing" in client.get("/credits/vision/").content.decode()


def test_a_changed_section_title_shows_at_once(client, vision):
    client.get("/credits/vision/")
    section = Section.objects.get(title="Research contributions")
    section.title = "Science contributions"
    section.save()

    page = client.get("/credits/vision/").content.decode()

    assert "<h2>Science contributions</h2>" in page
    assert 'id="science-contributions"' in page


def test_a_deleted_credit_disappears_at_once(client, vision):
    client.get("/credits/vision/")

    Role.objects.get(person__name="Grace Hopper").delete()

    assert "Grace Hopper" not in client.get("/credits/vision/").content.decode()


def test_a_new_alias_shows_on_the_cached_person_page(client, vision):
    client.get("/people/ada-lovelace/")

    Alias.objects.create(person=Person.objects.get(name="Ada Lovelace"), name="Ada King")

    assert "Also credited as" in client.get("/people/ada-lovelace/").content.decode()


def test_a_new_alias_reaches_the_cached_project_pages_name_filter(client, vision):
    client.get("/credits/vision/")

    Alias.objects.create(person=Person.objects.get(name="Ada Lovelace"), name="Ada King")

    assert 'data-aliases="[&quot;Ada King&quot;]"' in client.get("/credits/vision/").text


def test_bulk_writes_show_after_invalidate_pages(client, vision):
    client.get("/credits/vision/")
    Person.objects.filter(name="Ada Lovelace").update(name="Ada King")

    stale = client.get("/credits/vision/").content.decode()
    invalidate_pages()
    fresh = client.get("/credits/vision/").content.decode()

    assert "Ada Lovelace" in stale
    assert "Ada King" in fresh


def test_a_draft_is_not_cached_and_appears_when_published(client, vision):
    Project.objects.filter(pk=vision.pk).update(is_published=False)
    invalidate_pages()
    assert client.get("/credits/vision/").status_code == 404

    vision.refresh_from_db()
    vision.publish()
    vision.save()

    assert client.get("/credits/vision/").status_code == 200


def test_unpublishing_removes_the_cached_page(client, vision):
    client.get("/credits/vision/")

    vision.is_published = False
    vision.save()

    assert client.get("/credits/vision/").status_code == 404


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
