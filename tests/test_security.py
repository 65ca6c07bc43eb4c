import csv
import io
import json
import os
import secrets
import subprocess
import sys
from urllib.parse import parse_qs

import bibtexparser
import openpyxl
import pytest
from cffconvert import Citation
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from creditsite.settings import forwarded_client_address
from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    DistinctPair,
    ImportUpload,
    Mention,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Section,
    Team,
)
from people.versions import publish

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "CREDITS_SECRET_KEY": secrets.token_urlsafe(60),
    "CREDITS_ALLOWED_HOSTS": "credits.example.org",
    "CREDITS_DEBUG": "0",
    "CREDITS_HTTPS": "1",
}


def run_with_env(args, extra_env):
    """Run a Python process in the project with the test environment replaced by `extra_env`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITS_")}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def csp_directives(header):
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.slow
def test_check_deploy_prints_no_warnings_with_production_settings():
    result = run_with_env(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow
def test_check_deploy_warns_when_https_settings_are_off():
    result = run_with_env(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION_ENV, "CREDITS_HTTPS": "0"},
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W012" in result.stderr  # session cookie not secure


HEADERS_OVER_HTTPS = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
storage = "django.contrib.staticfiles.storage.StaticFilesStorage"
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": storage}}).enable()
client = Client(HTTP_HOST="credits.example.org")
https = client.get("/admin/login/", secure=True)
http = client.get("/admin/login/")
print(json.dumps({
    "https": dict(https.headers),
    "csrf_cookie": {k: v for k, v in https.cookies["csrftoken"].items() if v},
    "http_status": http.status_code,
    "http_location": http.headers.get("Location"),
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
}))
"""


@pytest.mark.slow
def test_production_headers_over_https():
    env = {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "creditsite.settings"}

    result = run_with_env(["-c", HEADERS_OVER_HTTPS], env)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = seen["https"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert csp_directives(headers["Content-Security-Policy"])["script-src"] == "'self'"
    assert seen["csrf_cookie"]["secure"] is True
    assert seen["csrf_cookie"]["httponly"] is True
    assert seen["session_cookie"] == [True, True]
    assert seen["http_status"] == 301
    assert seen["http_location"] == "https://credits.example.org/admin/login/"


def test_every_response_carries_the_security_headers(client):
    response = client.get("/admin/login/")

    assert csp_directives(response.headers["Content-Security-Policy"]) == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


RIGHT_PASSWORD = "the-right-password-123"


def sign_in(client, password, address="10.0.0.9"):
    return client.post(
        "/admin/login/", {"username": "editor", "password": password}, REMOTE_ADDR=address
    )


def test_admin_sign_in_is_locked_after_repeated_failures(client):
    User.objects.create_user("editor", password=RIGHT_PASSWORD, is_staff=True)
    limit = django_settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = sign_in(client, "guess")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.text

    sign_in(client, "guess")
    response = sign_in(client, RIGHT_PASSWORD)

    assert response.status_code == 429
    assert "Sign-in locked" in response.text
    assert f"locked after {limit} failed attempts" in response.text
    assert "Try again in 15 minutes" in response.text
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_address_and_username(client):
    User.objects.create_user("editor", password=RIGHT_PASSWORD, is_staff=True)
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in(client, "guess", address="10.0.0.9")

    response = sign_in(client, RIGHT_PASSWORD, address="10.0.0.10")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="editor").pk)


def test_a_successful_sign_in_resets_the_failure_count(client):
    User.objects.create_user("editor", password=RIGHT_PASSWORD, is_staff=True)
    limit = django_settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        sign_in(client, "guess")
    sign_in(client, RIGHT_PASSWORD)
    client.logout()

    for _ in range(limit - 1):
        sign_in(client, "guess")
    response = sign_in(client, RIGHT_PASSWORD)

    assert response.status_code == 302


@pytest.fixture
def one_of_everything(make_project, make_section, make_team, make_person, make_credit):
    """A draft project with one row of every model, for walking the admin."""
    project = make_project("Secret draft", "secret-draft", is_published=False)
    Resource.objects.create(project=project, title="Paper", url="https://example.org/paper")
    section = make_section(project, "Research")
    team = make_team(section, "Vision")
    first = make_person("Ada Lovelace")
    second = make_person("Ada Lovelase")
    Alias.objects.create(person=first, name="Ada King")
    make_credit(first, team=team)
    make_credit(second, section=section, title="Lead")
    thanks = Acknowledgment.objects.create(project=project, text="Thanks to")
    Mention.objects.create(acknowledgment=thanks, person=first)
    PersonRedirect.objects.create(old_slug="ada-old", person=first)
    DistinctPair.objects.create(first=first, second=second)
    User.objects.create_user("someone", password="someone-password-123")
    return project


def admin_urls():
    """Every page of the admin that reads or changes data, with the method to use."""
    urls = [
        ("get", reverse("admin:index")),
        ("get", reverse("admin:password_change")),
        (
            "get",
            reverse("admin:autocomplete") + "?app_label=people&model_name=role&field_name=person",
        ),
        ("get", reverse("admin:people_person_duplicates")),
        ("post", reverse("admin:people_person_distinct")),
    ]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [
            ("get", reverse(f"{prefix}_changelist")),
            ("post", reverse(f"{prefix}_changelist")),
        ]
        urls.append(("post", reverse(f"{prefix}_add")))
        instance = model._default_manager.first()
        if instance is not None:
            for page in ["change", "delete", "history"]:
                urls.append(("post", reverse(f"{prefix}_{page}", args=[instance.pk])))
            if hasattr(instance, "history"):
                version = instance.history.first().history_id
                page = reverse(f"{prefix}_simple_history", args=[instance.pk, version])
                urls.append(("post", page))
        for page in ["import", "process_import", "export"]:
            try:
                urls.append(("post", reverse(f"{prefix}_{page}")))
            except NoReverseMatch:
                pass
    return urls


def test_anonymous_users_reach_no_admin_page(client, one_of_everything):
    urls = admin_urls()

    responses = {(method, url): getattr(client, method)(url) for method, url in urls}

    assert len(urls) > 40
    for (method, url), response in responses.items():
        assert response.status_code == 302, (method, url)
        login, query = response.url.split("?")
        assert (login, parse_qs(query)["next"]) == ("/admin/login/", [url]), (method, url)


def test_anonymous_users_get_404_for_a_draft_project(client, one_of_everything):
    response = client.get(one_of_everything.get_absolute_url())

    assert response.status_code == 404
    assert "Secret draft" not in response.text


def test_every_admin_form_refuses_a_post_without_csrf_token(one_of_everything):
    chief = User.objects.create_superuser("chief", password="chief-password-123")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(chief)
    forms = [url for method, url in admin_urls() if method == "post"]
    forms += [reverse("admin:password_change"), reverse("admin:logout")]

    responses = {url: browser.post(url, {"name": "Changed", "title": "Changed"}) for url in forms}

    assert len(forms) > 30
    for url, response in responses.items():
        assert response.status_code == 403, url
        assert "CSRF verification failed" in response.text, url
    assert not Project.objects.filter(title="Changed").exists()
    assert not Person.objects.filter(name="Changed").exists()


def test_the_sign_in_form_refuses_a_post_without_csrf_token():
    User.objects.create_user("editor", password=RIGHT_PASSWORD, is_staff=True)
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/admin/login/", {"username": "editor", "password": RIGHT_PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
RIGHT_TO_LEFT = "Mallory \u202eevil\u202c Smith"
LONG_TEXT = "Thanks " + "x" * 10_000 + SCRIPT


@pytest.fixture
def hostile_project(make_project, make_section, make_team, make_person, make_credit):
    """A published project whose every shown text is an attack, and the same in a draft."""
    person = make_person(SCRIPT, slug="script")
    attribute = make_person(ATTRIBUTE, slug="attribute")
    rtl = make_person(RIGHT_TO_LEFT, slug="rtl")
    project = make_project(
        f"Project {SCRIPT}",
        "hostile",
        intro=f"Intro {ATTRIBUTE}\n\n{LONG_TEXT}",
        closing_text=f"Closing {SCRIPT}",
        citation=f"Cite {ATTRIBUTE}",
        ordering_note=f"Note {SCRIPT}",
        assembled_by=attribute,
        published_at=None,  # no year in the BibTeX entry, whose fields a test lists
    )
    Resource.objects.create(
        project=project, title=f"Paper {SCRIPT}", url="https://example.org/?q=<script>"
    )
    section = make_section(project, f"Section {ATTRIBUTE}")
    team = make_team(section, f"Team {SCRIPT}")
    Alias.objects.create(person=person, name=f"Alias {ATTRIBUTE}")
    make_credit(person, team=team, title=f"Title {ATTRIBUTE}")
    make_credit(attribute, section=section, title=f"Lead {SCRIPT}")
    make_credit(rtl, team=team)
    thanks = Acknowledgment.objects.create(project=project, text=LONG_TEXT)
    Mention.objects.create(acknowledgment=thanks, person=attribute)
    publish(project)
    return project


def assert_escaped(html, *values):
    for value in values:
        assert value not in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html


def test_hostile_texts_are_escaped_in_the_admin(admin_client, hostile_project):
    pages = [
        reverse(f"admin:people_{model._meta.model_name}_changelist")
        for model in [Project, Resource, Section, Team, Person, Alias, Credit, Acknowledgment]
    ]
    pages += [
        reverse(f"admin:people_{obj._meta.model_name}_change", args=[obj.pk])
        for obj in [
            hostile_project,
            hostile_project.sections.get(),
            Team.objects.get(),
            Acknowledgment.objects.get(),
            *Person.objects.all(),
            *Credit.objects.all(),
        ]
    ]

    responses = {page: admin_client.get(page) for page in pages}

    for page, response in responses.items():
        assert response.status_code == 200, page
        assert_escaped(response.text, SCRIPT, ATTRIBUTE)
    person_list = responses[reverse("admin:people_person_changelist")].text
    assert escape(SCRIPT) in person_list
    assert escape(ATTRIBUTE) in person_list
    assert RIGHT_TO_LEFT in person_list


def test_a_name_longer_than_its_field_is_a_form_error_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:people_person_add"),
        {
            "name": "x" * 10_000,
            "slug": "long",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "credits-TOTAL_FORMS": "0",
            "credits-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters (it has 10000)." in response.text
    assert not Person.objects.exists()


def test_a_javascript_link_is_refused_by_the_admin(admin_client, hostile_project):
    person = Person.objects.get(slug="script")
    page = reverse("admin:people_person_change", args=[person.pk])
    form = admin_client.get(page).context["adminform"].form

    response = admin_client.post(
        page,
        {
            **{name: value for name, value in form.initial.items() if value is not None},
            "homepage": "javascript:alert(1)",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "credits-TOTAL_FORMS": "0",
            "credits-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Enter a valid URL." in response.text
    person.refresh_from_db()
    assert person.homepage == ""


def public_pages(project):
    return [
        "/",
        project.get_absolute_url(),
        *[person.get_absolute_url() for person in Person.objects.all()],
    ]


def test_hostile_texts_are_escaped_on_every_public_page(client, hostile_project):
    responses = {page: client.get(page) for page in public_pages(hostile_project)}

    for page, response in responses.items():
        assert response.status_code == 200, page
        assert_escaped(response.text, SCRIPT, ATTRIBUTE)
    project_page = responses[hostile_project.get_absolute_url()].text
    for text in [SCRIPT, ATTRIBUTE, f"Title {ATTRIBUTE}", f"Lead {SCRIPT}", f"Team {SCRIPT}"]:
        assert escape(text) in project_page
    assert escape(LONG_TEXT) in project_page
    assert RIGHT_TO_LEFT in project_page


FORMULA = '=HYPERLINK("https://evil.example/","x")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def formula_names(hostile_project, make_credit):
    team = Team.objects.get()
    for number, name in enumerate([FORMULA, "+1", "-1", "@SUM(A1)"]):
        Credit.objects.create(person=Person.objects.create(name=name, slug=f"f{number}"), team=team)
    publish(hostile_project)
    return hostile_project


def strings_in(data):
    if isinstance(data, dict):
        return {text for value in data.values() for text in strings_in(value)}
    if isinstance(data, list):
        return {text for value in data for text in strings_in(value)}
    return {data} if isinstance(data, str) else set()


def test_the_public_files_are_never_html(client, formula_names):
    types = {
        name: client.get(f"/credits/hostile/{name}")
        for name in ["credits.json", "credits.csv", "CITATION.cff", "citation.bib"]
    }

    for name, response in types.items():
        assert response.status_code == 200, name
        assert "html" not in response["Content-Type"], name
        assert response["X-Content-Type-Options"] == "nosniff", name


def test_hostile_texts_come_back_exactly_from_the_json_file(client, formula_names):
    response = client.get("/credits/hostile/credits.json")

    texts = strings_in(json.loads(response.content))

    assert {SCRIPT, ATTRIBUTE, RIGHT_TO_LEFT, FORMULA, f"Team {SCRIPT}"} <= texts
    assert any(LONG_TEXT in text for text in texts)


def test_formula_cells_are_escaped_in_the_public_csv(client, formula_names):
    response = client.get("/credits/hostile/credits.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))

    people = {row[2] for row in rows[1:]}
    assert {SCRIPT, ATTRIBUTE, RIGHT_TO_LEFT, f"'{FORMULA}", "'+1", "'-1", "'@SUM(A1)"} <= people
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)] == []


def test_formula_cells_are_escaped_in_the_admin_xlsx_export(admin_client, formula_names):
    response = admin_client.post(
        reverse("admin:people_credit_export"), {"project": formula_names.pk, "format": "1"}
    )

    cells = [
        cell for row in openpyxl.load_workbook(io.BytesIO(response.content)).active for cell in row
    ]
    values = {cell.value for cell in cells}
    assert {SCRIPT, f"'{FORMULA}", "'+1", "'-1", "'@SUM(A1)"} <= values
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert [v for v in values if isinstance(v, str) and v.startswith(FORMULA_STARTS)] == []


def test_a_citation_line_cannot_add_fields_to_the_bibtex_entry(client, hostile_project):
    hostile_project.citation = "Mallory}, note = {injected"
    hostile_project.save()
    publish(hostile_project)

    library = bibtexparser.parse_string(
        client.get("/credits/hostile/citation.bib").content.decode()
    )

    assert library.failed_blocks == []
    [entry] = library.entries
    assert [field.key for field in entry.fields] == [
        "author",
        "title",
        "year",
        "version",
        "date",
        "url",
        "note",
    ]
    # Braces without partners are commands: BibTeX counts even escaped braces.
    assert entry["author"] == r"{Mallory\textbraceright{}, note = \textbraceleft{}injected}"


def test_hostile_names_keep_the_citation_file_valid(client, formula_names):
    response = client.get("/credits/hostile/CITATION.cff")

    citation = Citation(response.content.decode())

    citation.validate()
    assert citation.cffobj["title"] == f"Project {SCRIPT}"


@pytest.fixture
def staff_without_import(db):
    """Staff with every permission the Editors have except importing and exporting."""
    user = User.objects.create_user("staff", password="staff-password-123", is_staff=True)
    user.user_permissions.set(
        Group.objects.get(name="Editors")
        .permissions.exclude(codename__startswith="import_")
        .exclude(codename__startswith="export_")
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["credit", "person"])
def test_staff_without_the_import_permission_get_403(
    staff_without_import, editor_client, one_of_everything, model
):
    pages = [f"admin:people_{model}_{page}" for page in ["import", "process_import", "export"]]

    refused = [staff_without_import.get(reverse(page)).status_code for page in pages[::2]]
    refused += [
        staff_without_import.post(reverse(page), {"project": one_of_everything.pk}).status_code
        for page in pages
    ]
    allowed = editor_client.get(reverse(pages[0])).status_code
    may_edit = staff_without_import.get(reverse(f"admin:people_{model}_changelist"))

    assert refused == [403, 403, 403, 403, 403]
    assert allowed == 200
    assert may_edit.status_code == 200
    assert "import_link" not in may_edit.text


def test_an_upload_over_the_default_limit_is_refused_with_a_friendly_message(
    editor_client, one_of_everything
):
    data = b"section,team,person,role\n" + b"Research,Data,Ann Beta,\n" * 500_000

    response = editor_client.post(
        reverse("admin:people_credit_import"),
        {
            "project": one_of_everything.pk,
            "mode": "add",
            "format": "0",
            "import_file": SimpleUploadedFile("big.csv", data, content_type="text/csv"),
        },
    )

    assert len(data) > django_settings.IMPORT_MAX_BYTES == 10 * 1024 * 1024
    assert response.status_code == 200
    assert "the largest file you can import is 10.0\xa0MB" in response.text
    assert not ImportUpload.objects.exists()
    assert Credit.objects.count() == 2


def test_a_confirmation_cannot_name_a_file_outside_the_upload_store(
    editor_client, one_of_everything
):
    response = editor_client.post(
        reverse("admin:people_credit_process_import"),
        {
            "project": one_of_everything.pk,
            "mode": "add",
            "digest": "x",
            "format": "0",
            "resource": "0",
            "import_file_name": "../../../../etc/passwd",
            "original_file_name": "passwd",
        },
    )

    assert response.status_code == 200
    assert "root:" not in response.text
    assert response.context["credits_errors"] == ["The confirmation was incomplete; upload again."]
    assert Credit.objects.count() == 2


def test_a_javascript_link_that_reached_the_database_is_not_a_link(client, hostile_project):
    # Forms refuse such URLs; this is a row written some other way (a script, a fixture).
    Resource.objects.create(project=hostile_project, title="Sneaky", url="javascript:alert(1)")
    Person.objects.filter(slug="script").update(homepage="javascript:alert(2)")
    publish(hostile_project)

    pages = [client.get(page).text for page in public_pages(hostile_project)]
    files = [
        client.get(f"/credits/hostile/{name}").text for name in ["credits.json", "CITATION.cff"]
    ]

    for html in pages:
        assert 'href="javascript:' not in html.lower()
    assert "Sneaky</li>" in pages[1]
    for text in files:
        assert "javascript:" not in text


def test_behind_a_proxy_the_lockout_follows_the_forwarded_address(client, settings):
    settings.AXES_CLIENT_IP_CALLABLE = forwarded_client_address
    User.objects.create_user("editor", password=RIGHT_PASSWORD, is_staff=True)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": "editor", "password": "guess"},
            HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
            **proxy,
        )

    guesser = client.post(
        "/admin/login/",
        {"username": "editor", "password": RIGHT_PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        **proxy,
    )
    editor = Client().post(
        "/admin/login/",
        {"username": "editor", "password": RIGHT_PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.44",
        **proxy,
    )

    assert guesser.status_code == 429
    assert editor.status_code == 302
