"""The admin's review screens: the private email address, asking, the queue, decisions."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core import mail
from django_tasks_db.models import DBTaskResult

from people.models import Credit, Person, Project
from people.reviews.answers import Change, confirm, propose
from people.reviews.models import Proposal, Review, ReviewLink
from tests.admin_pages import messages_after, page_text, url
from tests.reviewing import path_of, run_queued_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

EMAIL_INPUT = 'name="email"'


def grant_email_permission(user):
    user.user_permissions.add(Permission.objects.get(codename="view_person_email"))
    return User.objects.get(pk=user.pk)


def copied_links(response):
    return re.findall(r'value="(http://testserver/review/link/[^"]+)"', response.content.decode())


# The private email address


def test_editors_do_not_see_or_set_email_addresses(editor_client, credited, form_data):
    mark = credited["mark"]
    change = url(Person, "change", mark.pk)

    page = editor_client.get(change)
    data = {**form_data(page), "email": "attacker@example.org"}
    editor_client.post(change, data)

    assert EMAIL_INPUT not in page.content.decode()
    assert "mark@example.org" not in page.content.decode()
    assert Person.objects.get(pk=mark.pk).email == "mark@example.org"


def test_with_the_permission_the_address_is_shown_and_set(client, editor, credited, form_data):
    client.force_login(grant_email_permission(editor))
    mark = credited["mark"]
    change = url(Person, "change", mark.pk)

    page = client.get(change)
    response = client.post(change, {**form_data(page), "email": "mark.chen@example.org"})

    assert 'value="mark@example.org"' in page.content.decode()
    assert response.status_code == 302
    assert Person.objects.get(pk=mark.pk).email == "mark.chen@example.org"


def test_the_history_never_holds_the_address(client, editor, credited, form_data):
    client.force_login(grant_email_permission(editor))
    change = url(Person, "change", credited["mark"].pk)
    client.post(change, {**form_data(client.get(change)), "email": "mark.chen@example.org"})

    history = client.get(url(Person, "history", credited["mark"].pk))

    assert "email" not in {field.name for field in Person.history.model._meta.fields}
    assert history.status_code == 200
    assert "mark.chen@example.org" not in history.content.decode()
    assert "mark.chen@example.org" not in str(list(LogEntry.objects.values()))


# Asking from the People list


def people_changelist(project):
    return f"{url(Person, 'changelist')}?project={project.pk}"


def test_ask_for_review_from_the_people_list(editor_client, credited):
    project = credited["project"]
    selection = {
        "action": "ask_for_review",
        "_selected_action": [credited["mark"].pk, credited["ada"].pk],
    }
    address = people_changelist(project)

    preview = editor_client.post(address, selection)
    confirmed = editor_client.post(address, {**selection, "by_email": "1", "confirm": "1"})

    text = page_text(preview)
    assert "Ask <strong>2</strong> people to review their credits on “Vision”" in text
    assert "1 with an email address" in text and "1 without one" in text
    assert confirmed.status_code == 200
    [link] = copied_links(confirmed)
    assert "Copy these links now" in page_text(confirmed)
    assert "Ada Lovelace" in page_text(confirmed)
    assert Review.objects.filter(project=project).count() == 2
    assert DBTaskResult.objects.count() == 1
    assert editor_client.get(path_of(link)).status_code == 302


def test_the_preview_asks_nothing(editor_client, credited):
    editor_client.post(
        people_changelist(credited["project"]),
        {"action": "ask_for_review", "_selected_action": [credited["mark"].pk]},
    )

    assert not Review.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_asking_only_emails_and_never_sends_in_the_request(editor_client, credited):
    address = people_changelist(credited["project"])
    selection = {"action": "ask_for_review", "_selected_action": [credited["mark"].pk]}

    response = editor_client.post(address, {**selection, "by_email": "1", "confirm": "1"})

    assert response.status_code == 302
    assert response["Location"] == (
        f"{url(Review, 'changelist')}?project__id__exact={credited['project'].pk}"
    )
    assert mail.outbox == []
    assert messages_after(editor_client, response) == [
        "Asked 1 person to review “Vision”: 1 by email, sent in the background."
    ]


def test_asking_needs_the_list_filtered_by_project(editor_client, credited):
    response = editor_client.post(
        url(Person, "changelist"),
        {"action": "ask_for_review", "_selected_action": [credited["mark"].pk]},
    )

    assert "Choose the project first" in messages_after(editor_client, response)[0]
    assert not Review.objects.exists()


def test_people_without_a_credit_on_the_project_are_left_out(editor_client, credited, make_person):
    stranger = make_person("Grace Hopper")
    selection = {
        "action": "ask_for_review",
        "_selected_action": [credited["mark"].pk, stranger.pk],
    }
    address = people_changelist(credited["project"])

    preview = editor_client.post(address, selection)
    editor_client.post(address, {**selection, "by_email": "1", "confirm": "1"})

    assert "Ask <strong>1</strong> person" in page_text(preview)
    assert list(Review.objects.values_list("person__name", flat=True)) == ["Mark Chen"]


def test_asking_takes_a_permission(client, credited):
    client.force_login(User.objects.create_user("visitor", is_staff=True))

    response = client.get(url(Review, "ask", credited["project"].pk))

    assert response.status_code == 403


# Asking everyone not yet asked, from the project


def test_the_project_page_counts_the_reviews(editor_client, credited, open_review):
    open_review(credited["mark"], credited["project"])

    text = page_text(editor_client.get(url(Project, "change", credited["project"].pk)))

    assert "Review by the people credited" in text
    assert re.search(r'class="count-not-asked">1 ·', text)
    assert re.search(r'class="count-pending"><a [^>]+>1</a>', text)
    assert "Ask everyone not yet asked" in text


def test_ask_everyone_not_yet_asked(editor_client, credited, make_credit, open_review):
    project = credited["project"]
    open_review(credited["mark"], project)
    grace = make_credit("Grace Hopper", team=credited["team"]).person
    address = url(Review, "ask", project.pk)

    preview = editor_client.get(address)
    response = editor_client.post(address, {"by_email": "1", "confirm": "1"})

    assert "Ask <strong>2</strong> people" in page_text(preview)
    assert "Mark Chen" not in page_text(preview)
    people_with_links = re.findall(r"<tr><td>([^<]+)</td><td><input", page_text(response))
    assert sorted(people_with_links) == ["Ada Lovelace", "Grace Hopper"]
    assert set(Review.objects.values_list("person__name", flat=True)) == {
        "Mark Chen",
        "Ada Lovelace",
        "Grace Hopper",
    }
    assert "Nobody to ask" in page_text(editor_client.get(address))
    assert grace.reviews.get().asked_by.username == "editor"


def test_asking_takes_the_same_queries_for_ten_or_a_hundred_people(
    editor_client, make_project, make_section, make_team, make_credit, django_assert_max_num_queries
):
    def ask_everyone(count, slug):
        team = make_team(make_section(make_project(slug, slug)))
        for number in range(count):
            person = make_credit(f"{slug} person {number}", team=team).person
            if number % 2:
                Person.objects.filter(pk=person.pk).update(email=f"{slug}{number}@example.org")
        return url(Review, "ask", team.section.project_id)

    small, large = ask_everyone(10, "small"), ask_everyone(100, "large")

    with django_assert_max_num_queries(40) as queries:
        editor_client.post(small, {"by_email": "1", "confirm": "1"})
    small_count = len(queries)
    with django_assert_max_num_queries(small_count + 2):
        editor_client.post(large, {"by_email": "1", "confirm": "1"})

    assert Review.objects.count() == 110


# The queue and the decisions


@pytest.fixture
def proposed(credited, open_review):
    """Mark Chen proposed a new name and a note; Ada Lovelace confirmed."""
    review, _ = open_review(credited["mark"], credited["project"])
    propose(review, [Change("name", "Mark Chén", "Mark Chen"), Change("note", "Thanks.")])
    ada_review, _ = open_review(credited["ada"], credited["project"])
    confirm(ada_review)
    return review


def test_the_queue_lists_reviews_with_what_is_to_decide(editor_client, credited, proposed):
    response = editor_client.get(
        f"{url(Review, 'changelist')}?project__id__exact={credited['project'].pk}&to_decide=yes"
    )

    rows = [
        (review.person.name, review.status, review.to_decide)
        for review in response.context["cl"].result_list
    ]
    assert rows == [("Mark Chen", "changes_proposed", 2)]
    assert "Ask everyone not yet asked" in page_text(response)


def test_the_review_shows_each_proposal_beside_the_current_data(editor_client, proposed):
    text = page_text(editor_client.get(url(Review, "change", proposed.pk)))

    assert re.search(r"<td>Name<br>.*?</td> <td>Mark Chen</td> <td>Mark Chén</td>", text)
    assert "Accept and apply" in text and "Mark as done" in text


def test_accepting_applies_the_change_as_an_admin_edit(editor_client, proposed, editor):
    name = proposed.proposals.get(kind="name")
    page = url(Review, "change", proposed.pk)

    response = editor_client.post(page, {"proposal": name.pk, "decision": "accept"})

    assert messages_after(editor_client, response) == ["Accepted and applied."]
    mark = Person.objects.get(pk=proposed.person_id)
    assert mark.name == "Mark Chén"
    record = mark.history.first()
    assert (record.history_user, record.history_change_reason) == (
        editor,
        "Accepted from Mark Chen's review",
    )
    entry = LogEntry.objects.filter(object_id=str(mark.pk), content_type__model="person").get()
    assert entry.get_change_message() == "Accepted from Mark Chen's review: name."


def test_rejecting_needs_a_reason_the_person_sees(editor_client, proposed, client):
    note = proposed.proposals.get(kind="note")
    page = url(Review, "change", proposed.pk)

    without = editor_client.post(page, {"proposal": note.pk, "decision": "reject"})
    rejected = editor_client.post(
        page,
        {"proposal": note.pk, "decision": "reject", f"reject-{note.pk}-reason": "Noted, thanks."},
    )

    assert without.status_code == 200
    assert "This field is required." in page_text(without)
    assert rejected.status_code == 302
    note.refresh_from_db()
    assert (note.status, note.reason) == ("rejected", "Noted, thanks.")


def test_an_invalid_acceptance_says_why_and_changes_nothing(editor_client, credited, open_review):
    review, _ = open_review(credited["mark"], credited["project"])
    Proposal.objects.create(review=review, kind="orcid", value="0000-0002-1825-0098")
    proposal = Proposal.objects.get()

    response = editor_client.post(
        url(Review, "change", review.pk), {"proposal": proposal.pk, "decision": "accept"}
    )

    [message] = messages_after(editor_client, response)
    assert message.startswith("Not accepted: “0000-0002-1825-0098” is not an ORCID iD")
    assert Proposal.objects.get().status == "pending"


def test_deciding_takes_the_permission_of_the_edit(client, proposed):
    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_review", "change_review"])
    )
    client.force_login(viewer)
    name = proposed.proposals.get(kind="name")

    response = client.post(
        url(Review, "change", proposed.pk), {"proposal": name.pk, "decision": "accept"}
    )

    assert response.status_code == 403
    assert Person.objects.get(pk=proposed.person_id).name == "Mark Chen"


def test_revoking_closes_the_links(editor_client, credited, open_review, client):
    review, link = open_review(credited["mark"], credited["project"])

    response = editor_client.post(
        url(Review, "changelist"), {"action": "revoke", "_selected_action": [review.pk]}
    )

    assert messages_after(editor_client, response) == ["Revoked 1 link(s)."]
    assert client.get(link).status_code == 404
    assert ReviewLink.objects.live().count() == 0


def test_ask_again_from_the_queue(editor_client, credited, open_review):
    review, _ = open_review(credited["ada"], credited["project"])
    confirm(review)
    selection = {"action": "ask_again", "_selected_action": [review.pk]}

    response = editor_client.post(
        url(Review, "changelist"), {**selection, "by_email": "1", "confirm": "1"}
    )

    assert len(copied_links(response)) == 1
    assert Review.objects.get(pk=review.pk).status == "pending"


def test_staff_outside_editors_cannot_see_the_queue(client, credited):
    client.force_login(User.objects.create_user("visitor", is_staff=True))

    assert client.get(url(Review, "changelist")).status_code == 403


# Refused addresses


def test_the_queue_shows_which_emails_were_refused(editor_client, client, editor, credited):
    ghost = credited["ada"]
    Person.objects.filter(pk=ghost.pk).update(email="ghost@example.org")
    Review.objects.create(
        person=ghost,
        project=credited["project"],
        email_status="failed",
        email_error="550 5.1.1 <ghost@example.org>: Recipient address rejected",
    )
    review = Review.objects.get()

    listing = editor_client.get(f"{url(Review, 'changelist')}?email_status__exact=failed")
    without_permission = page_text(editor_client.get(url(Review, "change", review.pk)))
    client.force_login(grant_email_permission(editor))
    with_permission = page_text(client.get(url(Review, "change", review.pk)))

    assert [row.person.name for row in listing.context["cl"].result_list] == ["Ada Lovelace"]
    assert "failed (the mail server refused it)" in without_permission
    assert "ghost@example.org" not in without_permission
    assert (
        "failed: the mail server answered “550 5.1.1 &lt;ghost@example.org&gt;: Recipient "
        "address rejected” for ghost@example.org" in with_permission
    )


def test_emails_sent_later_are_recorded_per_person(editor_client, credited):
    Person.objects.filter(pk=credited["ada"].pk).update(email="ada@example.org")
    address = people_changelist(credited["project"])
    selection = {
        "action": "ask_for_review",
        "_selected_action": [credited["mark"].pk, credited["ada"].pk],
    }
    editor_client.post(address, {**selection, "by_email": "1", "confirm": "1"})

    run_queued_tasks()

    assert set(Review.objects.values_list("person__name", "email_status")) == {
        ("Mark Chen", "sent"),
        ("Ada Lovelace", "sent"),
    }
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.org",
        "mark@example.org",
    ]
    assert Credit.objects.count() == 2


@pytest.mark.parametrize("rows", [5, 100])
def test_the_queue_takes_the_same_queries_whatever_its_size(
    editor_client, make_project, make_section, make_team, make_credit, rows,
    django_assert_max_num_queries,
):  # fmt: skip
    team = make_team(make_section(make_project()))
    people = [make_credit(f"Person {number}", team=team).person for number in range(rows)]
    reviews = Review.objects.bulk_create(
        Review(person=person, project=team.section.project) for person in people
    )
    Proposal.objects.bulk_create(
        Proposal(review=review, kind="note", value="Hi") for review in reviews
    )

    with django_assert_max_num_queries(12):
        response = editor_client.get(url(Review, "changelist"), {"to_decide": "yes"})

    assert response.context["cl"].result_count == rows
