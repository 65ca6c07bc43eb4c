"""Publishing waits for everyone's answers, or a date, if a project says so (reviews/waiting.py)."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from people.models import Person, Project, Version
from people.reviews.answers import Change, confirm, propose
from people.reviews.models import Review
from people.versions import WaitingForAnswers, publish
from tests.admin_pages import errors_of, page_text, url
from tests.html_tree import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(credited):
    """The "Vision" draft with the rule on: Mark Chen asked and silent, Ada Lovelace never asked."""
    project = credited["project"]
    project.wait_for_reviews = True
    project.save()
    credited["mark_review"] = Review.objects.create(project=project, person=credited["mark"])
    return credited


def publish_screen(client, project):
    return client.get(url(Project, "publish", project.pk))


def confirm_screen(client, screen, **fields):
    """Send the publish screen's form as a browser would: its hidden fields, and `fields`."""
    form = parse(screen.text).by_id("publish-form")
    data = {"confirm": "Publish", "_selected_action": []}
    for field in form.find_all("input"):
        name, value = field.attrs.get("name"), field.attrs.get("value", "")
        if name == "_selected_action":
            data["_selected_action"].append(value)
        elif name and field.attrs.get("type") != "submit":
            data[name] = value
    data.update(fields)
    return client.post(url(Project, "changelist"), data, follow=True)


def waiting_pending(response):
    return [li.text() for li in parse(response.text).find("ul", "waiting-pending").find_all("li")]


def submit_label(screen):
    buttons = parse(screen.text).by_id("publish-form").find_all("input")
    return [button.attrs["value"] for button in buttons if button.attrs.get("name") == "confirm"]


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def run(*args, **options):
    out = io.StringIO()
    call_command("publish", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


class Terminal(io.StringIO):
    def isatty(self):
        return True


# The rule itself


def test_without_the_rule_publishing_never_waits(credited):
    Review.objects.create(project=credited["project"], person=credited["mark"])

    publication = publish(credited["project"])

    assert publication.version.number == 1


def test_with_the_rule_publishing_waits_for_the_silent_and_the_never_asked(waiting):
    with pytest.raises(WaitingForAnswers) as error:
        publish(waiting["project"])

    assert str(error.value) == (
        "Nothing was published: the rule of this project is to publish only when everyone "
        "credited has answered their review. 1 person has not answered (Mark Chen); 1 was "
        "never asked (Ada Lovelace). Publish anyway to publish without their answers."
    )
    assert not Version.objects.exists()
    assert not Project.objects.get().is_published


def test_publishing_anyway_publishes(waiting):
    publication = publish(waiting["project"], anyway=True)

    assert publication.version.number == 1
    assert Project.objects.get().is_published


def test_once_everyone_has_answered_publishing_does_not_wait(waiting):
    project = waiting["project"]
    confirm(waiting["mark_review"])
    ada_review = Review.objects.create(project=project, person=waiting["ada"])
    propose(ada_review, [Change(kind="note", value="Thanks!")])

    publication = publish(project)

    assert publication.version.number == 1


def test_people_asked_but_no_longer_credited_are_not_waited_for(waiting, make_person):
    project = waiting["project"]
    Review.objects.create(project=project, person=make_person("Gone Person"))
    confirm(waiting["mark_review"])
    confirm(Review.objects.create(project=project, person=waiting["ada"]))

    assert publish(project).version.number == 1


@pytest.mark.parametrize(("days", "waits"), [(1, True), (0, False), (-3, False)])
def test_from_the_date_on_publishing_does_not_wait(waiting, days, waits):
    project = waiting["project"]
    project.publish_after = timezone.localdate() + timedelta(days=days)
    project.save()

    if waits:
        with pytest.raises(WaitingForAnswers, match=r"or from \d+ \w+ \d{4} on\. 1 person"):
            publish(project)
    else:
        assert publish(project).version.number == 1


def test_putting_an_unchanged_page_back_online_does_not_wait(credited):
    project = credited["project"]
    publish(project)
    project.refresh_from_db()
    project.is_published = False
    project.wait_for_reviews = True
    project.save()

    publication = publish(project)

    assert (publication.is_new, Project.objects.get().is_published) == (False, True)


# The admin


def test_the_rule_is_set_on_the_projects_change_page(admin_client, credited, submit_form):
    project = credited["project"]
    address = url(Project, "change", project.pk)
    text = page_text(admin_client.get(address))
    assert "Publish only when everyone has answered" in text
    assert "From this day on, publishing no longer waits for answers." in text

    submit_form(admin_client, address, wait_for_reviews="on", publish_after="2027-06-01")

    project.refresh_from_db()
    assert (project.wait_for_reviews, str(project.publish_after)) == (True, "2027-06-01")


def test_a_date_without_the_rule_is_refused(admin_client, credited, submit_form):
    address = url(Project, "change", credited["project"].pk)

    response = submit_form(admin_client, address, publish_after="2027-06-01")

    assert "This date only counts when publishing waits for answers" in errors_of(response)
    assert Project.objects.get().publish_after is None


def test_the_publish_screen_lists_who_has_not_answered(editor_client, waiting):
    project = waiting["project"]

    screen = publish_screen(editor_client, project)

    tree = parse(screen.text)
    pending = tree.find("ul", "waiting-pending")
    assert [li.text() for li in pending.find_all("li")] == [
        f"Mark Chen, asked {timezone.localdate():%-d %B %Y}"
    ]
    assert pending.find("a").attrs["href"] == url(Review, "change", waiting["mark_review"].pk)
    never = tree.find("ul", "waiting-not-asked")
    assert [li.text() for li in never.find_all("li")] == ["Ada Lovelace"]
    assert never.find("a").attrs["href"] == url(Person, "change", waiting["ada"].pk)
    assert (
        "The rule of this project is to publish only when everyone credited has answered "
        "their review, and 2 people have not answered." in page_text(screen)
    )
    assert submit_label(screen) == ["Publish anyway"]


def test_publish_anyway_from_the_screen_publishes(editor_client, waiting):
    project = waiting["project"]
    screen = publish_screen(editor_client, project)

    response = confirm_screen(editor_client, screen)

    assert messages_of(response) == ["Published “Vision” as version 1."]
    assert Project.objects.get().is_published


def test_nothing_is_published_until_confirmed_anyway(editor_client, waiting):
    project = waiting["project"]
    screen = publish_screen(editor_client, project)

    response = confirm_screen(editor_client, screen, **{f"project-{project.pk}-anyway": ""})

    assert messages_of(response) == [
        "“Vision”: nothing was published. It waits for the answers of the people listed "
        "below: publish anyway, or wait for them."
    ]
    assert waiting_pending(response) == [f"Mark Chen, asked {timezone.localdate():%-d %B %Y}"]
    assert not Version.objects.exists()


def test_someone_who_stops_answering_after_the_screen_stops_the_publication(
    editor_client, credited
):
    project = credited["project"]
    project.wait_for_reviews = True
    project.save()
    for person in (credited["mark"], credited["ada"]):
        confirm(Review.objects.create(project=project, person=person))
    screen = publish_screen(editor_client, project)
    assert submit_label(screen) == ["Publish"]
    Review.objects.filter(person=credited["ada"]).update(status=Review.Status.PENDING)

    response = confirm_screen(editor_client, screen)

    assert "nothing was published" in messages_of(response)[0]
    assert waiting_pending(response) == [f"Ada Lovelace, asked {timezone.localdate():%-d %B %Y}"]
    assert not Version.objects.exists()


def test_without_the_rule_the_screen_says_publish(editor_client, credited):
    Review.objects.create(project=credited["project"], person=credited["mark"])

    screen = publish_screen(editor_client, credited["project"])

    assert "waiting-pending" not in screen.text
    assert submit_label(screen) == ["Publish"]


# The command


def test_the_command_refuses_without_force_off_a_terminal(waiting):
    with pytest.raises(CommandError) as error:
        run("vision")

    assert "1 person has not answered (Mark Chen); 1 was never asked (Ada Lovelace)." in str(
        error.value
    )
    assert str(error.value).endswith("Run the command again with --force to publish anyway.")
    assert not Version.objects.exists()


def test_the_command_publishes_with_force(waiting):
    out = run("vision", "--force")

    assert out.splitlines() == [
        "The rule of this project is to publish only when everyone credited has answered "
        "their review. 1 person has not answered (Mark Chen); 1 was never asked (Ada Lovelace).",
        'Published "Vision" as version 1.',
    ]


@pytest.mark.parametrize(("answer", "published"), [("y\n", True), ("\n", False)])
def test_the_command_asks_on_a_terminal(waiting, answer, published):
    if published:
        out = run("vision", stdin=Terminal(answer))
        assert "Publish anyway, without their answers? [y/N] " in out
    else:
        with pytest.raises(CommandError, match="Nothing was published."):
            run("vision", stdin=Terminal(answer))

    assert Version.objects.exists() == published


def test_the_command_does_not_ask_when_nobody_is_waited_for(credited):
    project = credited["project"]
    project.wait_for_reviews = True
    project.save()
    for person in (credited["mark"], credited["ada"]):
        confirm(Review.objects.create(project=project, person=person))

    assert run("vision", stdin=Terminal("")) == 'Published "Vision" as version 1.\n'
