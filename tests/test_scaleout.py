"""Two app servers sharing one PostgreSQL database and one Redis page cache."""

import os
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener, urlopen

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection

from people.models import Credit, Person, Project, Section, Team
from people.versions import publish

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def require(condition, reason):
    # CI provides every service, so a missing one there is a failure, not a skip.
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def shared_redis():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        require(False, f"Redis is unreachable at {REDIS_URL}: {error}")
    return REDIS_URL


@pytest.fixture
def app_servers(shared_redis):
    """Start two gunicorn servers on the test database and one Redis, with a fresh key prefix."""
    if connection.vendor != "postgresql":
        # CI runs this test in its PostgreSQL pass.
        pytest.skip("needs PostgreSQL: the servers cannot open the in-memory SQLite test database")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITS_")}
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=shared_redis,
        CREDITS_CACHE_PREFIX=f"test-scaleout-{uuid.uuid4().hex}",
        # Debug on serves static files from the apps without collectstatic; the
        # page cache works the same.
        CREDITS_DEBUG="1",
        CREDITS_ALLOWED_HOSTS="127.0.0.1",
    )
    servers, urls = [], []
    for _ in range(2):
        port = free_port()
        servers.append(
            subprocess.Popen(
                [
                    f"{os.path.dirname(sys.executable)}/gunicorn",
                    "creditsite.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_until_serving(url)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        connection.close()


def wait_until_serving(url):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urlopen(f"{url}/admin/login/", timeout=10).read()
            return
        # A loaded machine may accept the connection and answer late.
        except (URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start serving within 60 s")


def fetch(url):
    with urlopen(url, timeout=10) as response:
        return response.read().decode()


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with the given id."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.fields, self.in_form = [], False
        self.select, self.textarea = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form or "name" not in attrs and tag != "option":
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind in {"checkbox", "radio"}:
            if "checked" in attrs:
                self.fields.append([attrs["name"], attrs.get("value", "on")])
        elif tag == "input" and kind not in {"submit", "button", "file"}:
            self.fields.append([attrs["name"], attrs.get("value", "")])
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append([self.select, attrs.get("value", "")])
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
            self.fields.append(self.textarea)

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.in_form = False


def sign_in(url, username, password):
    browser = build_opener(HTTPCookieProcessor(CookieJar()))
    login = browser.open(f"{url}/admin/login/").read().decode()
    fields = FormFields("login-form")
    fields.feed(login)
    data = dict(fields.fields) | {"username": username, "password": password}
    response = browser.open(f"{url}/admin/login/?next=/admin/", urlencode(data).encode())
    assert response.url == f"{url}/admin/", "sign-in failed"
    return browser


def change_in_admin(browser, change_url, form_id, **changes):
    form = browser.open(change_url).read().decode()
    fields = FormFields(form_id)
    fields.feed(form)
    data = [(name, changes.get(name, value)) for name, value in fields.fields] + [("_save", "")]
    response = browser.open(change_url, urlencode(data).encode())
    assert response.url != change_url, "the admin did not accept the change"


def publish_in_admin(browser, server, project):
    screen = browser.open(f"{server}/admin/people/project/{project.pk}/publish/").read().decode()
    fields = FormFields("publish-form")
    fields.feed(screen)
    data = [(name, value) for name, value in fields.fields] + [("confirm", "Publish")]
    response = browser.open(f"{server}/admin/people/project/", urlencode(data).encode())
    assert "as version 2" in response.read().decode(), "the admin did not publish"


def test_a_publication_through_one_server_refreshes_the_page_served_by_the_other(app_servers):
    server_a, server_b = app_servers
    chief = User.objects.create_superuser("chief")
    # The servers check passwords with the production hashers, not the tests' fast one.
    chief.password = PBKDF2PasswordHasher().encode("chief-password-123", "salt-for-tests")
    chief.save()
    project = Project.objects.create(title="Scale", slug="scale")
    team = Team.objects.create(section=Section.objects.create(project=project, title="Research"))
    person = Person.objects.create(name="Ada Lovelace", slug="ada-lovelace")
    Credit.objects.create(person=person, team=team)
    publish(project)
    page = project.get_absolute_url()
    assert "Ada Lovelace" in fetch(server_a + page)
    # Behind the cache's back: server B still shows the page server A cached.
    Person.objects.filter(pk=person.pk).update(name="Changed Silently")

    cached_on_b = fetch(server_b + page)
    browser = sign_in(server_a, "chief", "chief-password-123")
    change_in_admin(
        browser,
        f"{server_a}/admin/people/person/{person.pk}/change/",
        "person_form",
        name="Ada King",
    )
    renamed_on_b = fetch(server_b + page)
    publish_in_admin(browser, server_a, project)
    fresh_on_b = fetch(server_b + page)

    assert "Ada Lovelace" in cached_on_b
    assert "Changed Silently" not in cached_on_b
    assert "Ada Lovelace" in renamed_on_b
    assert "Ada King" in fresh_on_b
    assert "Ada Lovelace" not in fresh_on_b
