"""The review page a person opens with their private link (people/reviews/views.py)."""

import secrets

import pytest
from django.test import Client

from people import caching
from people.models import Credit, Person, Project
from people.reviews.answers import Change, propose
from people.reviews.decisions import accept, reject
from people.reviews.models import Proposal, Review, ReviewLink
from people.versions import publish
from tests.admin_pages import page_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]


@pytest.fixture
def mark_page(client, credited, open_review):
    """Mark Chen's review, opened with his link in `client`; returns (review, page address)."""
    review, link = open_review(credited["mark"], credited["project"])
    response = client.get(link)
    return review, response["Location"]


def form(credited, **changes):
    """The corrections form as Mark Chen's page shows it, with `changes`."""
    data = {
        "action": "propose",
        "name": "Mark Chen",
        "sort_name": "",
        "orcid": "",
        "homepage": "",
        f"title-{credited['mark_credit'].pk}": "",
        "missing": "",
        "note": "",
    }
    return {**data, **changes}


# Opening a link


def test_a_link_leads_to_the_review_page_without_the_token_in_its_address(
    client, credited, open_review
):
    review, link = open_review(credited["mark"], credited["project"])

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"] == f"/review/{review.pk}/"
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_the_page_shows_how_the_person_appears_and_only_their_credits(
    client, credited, mark_page, make_credit, make_team
):
    other_team = make_team(credited["section"], "Secret team")
    make_credit("Grace Hopper", team=other_team)
    make_credit(credited["mark"], team=other_team, title="Data lead")
    _, page = mark_page

    text = page_text(client.get(page))

    assert "<h1>Vision</h1>" in text
    assert "This page is not published yet" in text
    assert '<dd class="review-name">Mark Chen</dd>' in text
    assert '<dd class="review-sorts-as">Chen, Mark</dd>' in text
    assert (
        '<li><span class="review-place">Research contributions › Architecture research</span>: '
        "Mark Chen</li>" in text
    )
    assert (
        '<li><span class="review-place">Research contributions › Secret team</span>: Mark Chen '
        '<span class="role-title">Data lead</span></li>' in text
    )
    # Not the rest of the draft page.
    assert "Grace Hopper" not in text
    assert "Ada Lovelace" not in text


def test_review_pages_are_private(client, credited, mark_page):
    _, page = mark_page

    response = client.get(page)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    # Not "no-referrer", under which browsers post its forms with "Origin: null".
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def invalid_link_responses(client, credited, open_review, make_person):
    """Every kind of link that must not open a review, by name."""
    project = credited["project"]
    _, good = open_review(credited["mark"], project)
    token = good.removeprefix("/review/link/").removesuffix("/")
    expired_review, expired = open_review(credited["ada"], project)
    ReviewLink.objects.filter(review=expired_review).update(expires_at="2000-01-01T00:00Z")
    revoked_review, revoked = open_review(make_person("Grace Hopper"), project)
    ReviewLink.objects.filter(review=revoked_review).update(revoked_at="2000-01-01T00:00Z")
    _, of_deleted_person = open_review(make_person("Gone Person"), project)
    Person.objects.filter(name="Gone Person").delete()
    other = Project.objects.create(title="Gone", slug="gone")
    _, of_deleted_project = open_review(credited["mark"], other)
    other.delete()
    links = {
        "wrong": "/review/link/not-a-link/",
        "tampered": f"/review/link/{'x' if token[0] != 'x' else 'y'}{token[1:]}/",
        "truncated": f"/review/link/{token[:-5]}/",
        "expired": expired,
        "revoked": revoked,
        "deleted person": of_deleted_person,
        "deleted project": of_deleted_project,
        "review page without the link": "/review/1/",
    }
    return {name: Client().get(link) for name, link in links.items()}


def test_every_link_that_does_not_work_gets_the_same_page(
    client, credited, open_review, make_person
):
    responses = invalid_link_responses(client, credited, open_review, make_person)

    pages = {response.content for response in responses.values()}
    assert {response.status_code for response in responses.values()} == {404}
    assert len(pages) == 1
    text = page_text(next(iter(responses.values())))
    assert "This review link does not work" in text
    for name in ["Mark Chen", "Ada Lovelace", "Grace Hopper", "Gone", "Vision"]:
        assert name not in text
    assert all(response["Referrer-Policy"] == "no-referrer" for response in responses.values())


def test_a_link_revoked_after_opening_closes_the_page(client, credited, mark_page):
    review, page = mark_page

    ReviewLink.objects.filter(review=review).update(revoked_at="2000-01-01T00:00Z")

    assert client.get(page).status_code == 404


def test_a_session_opens_only_the_review_its_link_opened(client, credited, mark_page, open_review):
    ada_review, _ = open_review(credited["ada"], credited["project"])

    response = client.get(f"/review/{ada_review.pk}/")

    assert response.status_code == 404


def test_the_review_endpoint_is_rate_limited(credited, open_review, settings, monkeypatch):
    settings.REVIEW_RATE_LIMIT = 3
    _, link = open_review(credited["mark"], credited["project"])
    # Counted per address and minute: one minute, and an address of this test's own.
    monkeypatch.setattr("people.reviews.views.time.time", lambda: 1_800_000_000.0)
    visitor, other = (Client(REMOTE_ADDR=f"10.{secrets.token_bytes(3).hex()}") for _ in "ab")

    statuses = [visitor.get(link).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]
    response = visitor.get("/review/link/anything/")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many requests" in page_text(response)
    assert other.get(link).status_code == 302


# Answering


def test_this_is_right(client, credited, mark_page):
    review, page = mark_page

    response = client.post(page, {"action": "confirm"})

    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).status == "confirmed"
    text = page_text(client.get(page))
    assert "Thank you: you confirmed that your credits are right." in text
    assert "You confirmed your credits on" in text


def test_proposing_corrections(client, credited, mark_page):
    review, page = mark_page
    role = credited["mark_credit"]

    response = client.post(
        page,
        form(
            credited,
            name="Mark  Chén",
            orcid="https://orcid.org/0000-0002-1825-0097",
            homepage="example.org/mark",
            **{f"title-{role.pk}": "Data lead"},
            missing="Also in Evaluation, as a member.",
            note="Thank you!",
        ),
    )

    assert response.status_code == 302
    proposals = set(Proposal.objects.values_list("kind", "old_value", "value"))
    assert proposals == {
        ("name", "Mark Chen", "Mark Chén"),
        ("orcid", "", "0000-0002-1825-0097"),
        ("homepage", "", "https://example.org/mark"),
        ("title", "", "Data lead"),
        ("missing", "", "Also in Evaluation, as a member."),
        ("note", "", "Thank you!"),
    }
    assert Review.objects.get(pk=review.pk).status == "changes_proposed"
    text = page_text(client.get(page))
    assert "“Mark Chen” → “Mark Chén”" in text
    assert text.count("Waiting for the editors.") == 6


def test_sending_the_same_form_twice_records_it_once(client, credited, mark_page):
    _, page = mark_page
    data = form(credited, name="Mark Chén", note="Thank you!")

    first = client.post(page, data)
    second = client.post(page, data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Proposal.objects.count() == 2


def test_i_did_not_work_on_this(client, credited, mark_page):
    _, page = mark_page
    role = credited["mark_credit"]

    client.post(page, form(credited, **{f"not_mine-{role.pk}": "on"}))

    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.credit) == ("not_mine", role)
    assert proposal.credit_text == "Research contributions › Architecture research"


def test_an_orcid_with_a_wrong_check_digit_is_refused(client, credited, mark_page):
    _, page = mark_page

    response = client.post(page, form(credited, orcid="0000-0002-1825-0098"))

    assert response.status_code == 200
    assert "is not an ORCID iD: its last character does not match" in page_text(response)
    assert not Proposal.objects.exists()


def test_a_100_kb_note_is_refused_with_a_clear_message(client, credited, mark_page):
    _, page = mark_page

    response = client.post(page, form(credited, note="x" * 100_000))

    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters (it has 100000)." in page_text(response)
    assert not Proposal.objects.exists()


def test_a_lead_line_keeps_a_title(client, credited, open_review):
    _, link = open_review(credited["ada"], credited["project"])
    page = client.get(link)["Location"]
    role = credited["ada_credit"]

    response = client.post(
        page, {"action": "propose", "name": "Ada Lovelace", f"title-{role.pk}": ""}
    )

    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert not Proposal.objects.exists()


def test_sending_nothing_changed_says_so(client, credited, mark_page):
    _, page = mark_page

    response = client.post(page, form(credited))

    assert "You changed nothing." in page_text(response)
    assert not Proposal.objects.exists()


def test_a_credit_of_someone_else_cannot_be_corrected(client, credited, mark_page):
    _, page = mark_page
    other = credited["ada_credit"]

    client.post(page, form(credited, note="Hi", **{f"not_mine-{other.pk}": "on"}))

    assert list(Proposal.objects.values_list("kind", flat=True)) == ["note"]


def test_the_form_is_csrf_protected(credited, open_review):
    browser = Client(enforce_csrf_checks=True)
    _, link = open_review(credited["mark"], credited["project"])
    page = browser.get(link)["Location"]

    response = browser.post(page, {"action": "confirm"})

    assert response.status_code == 403
    assert Review.objects.get(person=credited["mark"]).status == "pending"


def test_a_second_visit_shows_the_editors_decisions(client, credited, mark_page, editor):
    review, page = mark_page
    propose(review, [Change("name", "Mark Chén", "Mark Chen"), Change("note", "Hi")])
    name, note = Proposal.objects.order_by("kind")
    accept(name, editor)
    reject(note, editor, "We do not keep notes.")

    text = page_text(client.get(page))

    assert "Accepted by the editors on" in text
    assert "Not accepted, on" in text and ": We do not keep notes." in text
    assert '<dd class="review-name">Mark Chén</dd>' in text


def test_a_credit_removed_since_leaves_the_page(client, credited, mark_page):
    _, page = mark_page

    Credit.objects.filter(pk=credited["mark_credit"].pk).delete()

    assert "You have no credits on this page." in page_text(client.get(page))


# The private email address


def test_the_email_address_is_never_public(client, make_project, make_section, make_team):
    project = make_project("Public", "public")
    team = make_team(make_section(project))
    person = Person.objects.create(
        name="Mark Chen", slug="mark-chen", email="mark.private@example.org"
    )
    Credit.objects.create(person=person, team=team)
    publish(project)
    addresses = [
        "/",
        "/credits/public/",
        "/credits/public/credits.json",
        "/credits/public/credits.csv",
        "/credits/public/CITATION.cff",
        "/credits/public/citation.bib",
        "/people/mark-chen/",
        "/search/?q=mark",
    ]

    responses = {address: client.get(address) for address in addresses}

    assert {address: response.status_code for address, response in responses.items()} == {
        address: 200 for address in addresses
    }
    for response in responses.values():
        assert b"mark.private" not in response.content
    cached = [content for content, _headers in caching._recent_pages.values()]
    assert cached
    assert not any(b"mark.private" in content for content in cached)
