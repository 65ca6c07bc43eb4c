"""Review by the people credited (people/reviews/): links, asking, answers, decisions, reminders."""

import io
import logging
import runpy
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from creditsite.logs import RedactReviewLinks
from people.models import Credit, Person
from people.reviews.answers import Change, confirm, credit_lines, propose
from people.reviews.asking import EMAIL_BATCH, ask, remind
from people.reviews.decisions import DecisionError, accept, reject, review_counts
from people.reviews.links import find_link, new_link, revoke_links, signer
from people.reviews.models import Proposal, Review, ReviewLink
from tests.reviewing import links_in, path_of, run_queued_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

SITE = "https://credits.example.org"


def token_of(path):
    return path.removeprefix("/review/link/").removesuffix("/")


# Links


def test_a_link_is_found_by_its_token_and_only_its_hash_is_stored(credited, open_review):
    review, path = open_review(credited["mark"], credited["project"])
    token = token_of(path)

    link = find_link(token)

    assert link.review == review
    stored = ReviewLink.objects.values_list("token_hash", flat=True).get()
    assert len(stored) == 64 and token not in stored and token.split(".")[0] not in stored


@pytest.mark.parametrize(
    "damage",
    [
        lambda token: token[:-1],
        lambda token: token[:20],
        lambda token: ("A" if token[0] != "A" else "B") + token[1:],
        lambda token: token.replace(".", "x"),
        lambda token: "",
    ],
    ids=["last-character-cut", "truncated", "first-character-changed", "no-signature", "empty"],
)
def test_a_damaged_token_finds_nothing(credited, open_review, damage):
    _, path = open_review(credited["mark"], credited["project"])

    assert find_link(damage(token_of(path))) is None


def test_a_correctly_signed_token_that_was_never_issued_finds_nothing(credited, open_review):
    open_review(credited["mark"], credited["project"])

    assert find_link(signer().sign("made-up-random-part")) is None


def test_an_expired_or_revoked_link_finds_nothing(credited, open_review):
    review, expired = open_review(credited["mark"], credited["project"])
    _, revoked = open_review(credited["ada"], credited["project"])
    ReviewLink.objects.filter(review=review).update(expires_at=timezone.now())

    revoke_links(Review.objects.filter(person=credited["ada"]))

    assert find_link(token_of(expired)) is None
    assert find_link(token_of(revoked)) is None


def test_links_last_review_link_days(credited, settings):
    settings.REVIEW_LINK_DAYS = 7
    review = Review.objects.create(person=credited["mark"], project=credited["project"])

    link, _ = new_link(review)

    assert link.expires_at - link.created_at == timedelta(days=7)


# What the person is shown


def test_credit_lines_are_the_persons_own_in_page_order(
    credited, make_section, make_team, make_credit
):
    project, ada = credited["project"], credited["ada"]
    earlier = make_section(project, "Earlier section", position=0)
    credited["section"].position = 5
    credited["section"].save()
    make_credit(ada, team=make_team(earlier, ""), title="")
    make_credit(ada, team=credited["team"], title="Data lead")

    lines = [str(line) for line in credit_lines(ada, project)]

    assert lines == [
        "Earlier section",
        "Research contributions (lead line) — Overall lead",
        "Research contributions › Architecture research — Data lead",
    ]


# Asking


def test_asking_queues_emails_and_makes_links_to_copy_for_the_others(credited, editor):
    project = credited["project"]

    asked = ask(
        project, [credited["mark"], credited["ada"]], user=editor, site_url=SITE, by_email=True
    )

    assert asked.emailed == 1
    assert [link.person for link in asked.links] == [credited["ada"]]
    assert asked.links[0].url.startswith(f"{SITE}/review/link/")
    assert find_link(token_of(path_of(asked.links[0].url))).review.person == credited["ada"]
    reviews = {review.person: review for review in Review.objects.filter(project=project)}
    assert reviews[credited["mark"]].email_status == "queued"
    assert reviews[credited["ada"]].email_status == ""
    # Queued, not sent: the request that asks never talks to the mail server.
    assert mail.outbox == []
    [queued] = DBTaskResult.objects.ready()
    assert queued.task_path == "people.tasks.send_review_emails"
    assert queued.args_kwargs["args"] == [[reviews[credited["mark"]].pk], SITE]


def test_the_queue_holds_no_link_and_no_address(credited, editor):
    ask(credited["project"], [credited["mark"]], user=editor, site_url=SITE)

    queued = str(DBTaskResult.objects.values().get())

    assert "mark@example.org" not in queued and "/review/link/" not in queued


def test_queued_emails_are_sent_by_the_task_with_a_link_that_works(credited, editor, client):
    ask(credited["project"], [credited["mark"]], user=editor, site_url=SITE)

    [result] = run_queued_tasks()

    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"sent": 1, "failed": 0}
    [message] = mail.outbox
    assert message.to == ["mark@example.org"]
    assert message.subject == "Please check your credits on “Vision”"
    [link] = links_in(message.body)
    assert client.get(path_of(link)).status_code == 302
    review = Review.objects.get(person=credited["mark"])
    assert review.email_status == "sent" and review.emailed_at is not None


def test_a_task_run_twice_sends_once(credited, editor):
    ask(credited["project"], [credited["mark"]], user=editor, site_url=SITE)
    [queued] = DBTaskResult.objects.ready()

    run_queued_tasks()
    queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])

    assert len(mail.outbox) == 1
    assert ReviewLink.objects.count() == 1


def test_many_people_are_queued_in_batches(
    editor, make_project, make_section, make_team, make_credit
):
    team = make_team(make_section(make_project()))
    people = []
    for number in range(EMAIL_BATCH + 1):
        credit = make_credit(f"Person {number:03}", team=team)
        credit.person.email = f"person{number}@example.org"
        credit.person.save()
        people.append(credit.person)

    ask(team.section.project, people, user=editor, site_url=SITE)

    batches = sorted(len(task.args_kwargs["args"][0]) for task in DBTaskResult.objects.all())
    assert batches == [1, EMAIL_BATCH]


def test_without_email_every_link_is_to_copy(credited, editor):
    asked = ask(
        credited["project"],
        [credited["mark"], credited["ada"]],
        user=editor,
        site_url=SITE,
        by_email=False,
    )

    assert asked.emailed == 0
    assert len(asked.links) == 2
    assert not DBTaskResult.objects.exists()


def test_asking_again_keeps_the_review_makes_it_pending_and_adds_a_link(credited, editor):
    project, ada = credited["project"], credited["ada"]
    first = ask(project, [ada], user=editor, site_url=SITE)
    confirm(Review.objects.get(person=ada))

    again = ask(project, [ada], user=editor, site_url=SITE)

    review = Review.objects.get(person=ada)
    assert review.status == "pending"
    assert again.asked_again == 1
    assert ReviewLink.objects.live().filter(review=review).count() == 2
    assert find_link(token_of(path_of(first.links[0].url))) is not None


def test_asking_is_in_the_admin_log_without_the_link(credited, editor):
    asked = ask(credited["project"], [credited["ada"]], user=editor, site_url=SITE)

    [entry] = LogEntry.objects.all()

    assert entry.get_change_message() == "Asked for review."
    assert entry.object_repr == "Ada Lovelace's review of Vision"
    token = token_of(path_of(asked.links[0].url))
    assert token not in str(LogEntry.objects.values().get())


# Answers


def test_confirming_records_the_answer_once(credited, open_review):
    review, _ = open_review(credited["mark"], credited["project"])

    assert confirm(review) is True
    answered_at = Review.objects.get(pk=review.pk).answered_at
    assert confirm(review) is False

    review.refresh_from_db()
    assert review.status == "confirmed"
    assert review.answered_at == answered_at


def test_the_same_proposals_twice_are_recorded_once(credited, open_review):
    review, _ = open_review(credited["mark"], credited["project"])
    changes = [
        Change("name", "Mark Chén", "Mark Chen"),
        Change("title", "Data lead", "", credit_id=credited["mark_credit"].pk, credit_text="team"),
        Change("note", "Thanks!"),
    ]

    assert propose(review, changes) == 3
    assert propose(review, changes) == 0

    assert Proposal.objects.count() == 3
    review.refresh_from_db()
    assert review.status == "changes_proposed"


def test_a_new_value_replaces_the_one_still_to_decide(credited, open_review):
    review, _ = open_review(credited["mark"], credited["project"])
    propose(review, [Change("name", "Mark Chén", "Mark Chen")])

    propose(review, [Change("name", "Marc Chen", "Mark Chen")])

    assert list(Proposal.objects.values_list("kind", "value")) == [("name", "Marc Chen")]


def test_a_new_value_after_a_decision_is_a_new_proposal(credited, open_review, editor):
    review, _ = open_review(credited["mark"], credited["project"])
    propose(review, [Change("name", "Mark Chén", "Mark Chen")])
    reject(Proposal.objects.get(), editor, "Your passport says Chen.")

    propose(review, [Change("name", "Mark Chén", "Mark Chen")])

    assert list(Proposal.objects.values_list("status", flat=True)) == ["rejected", "pending"]


def test_the_database_refuses_two_pending_proposals_for_one_field(credited, open_review):
    review, _ = open_review(credited["mark"], credited["project"])
    Proposal.objects.create(review=review, kind="name", value="A")

    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(review=review, kind="name", value="B")


def test_a_correction_to_a_credit_removed_since_is_left_out(credited, open_review):
    review, _ = open_review(credited["mark"], credited["project"])
    role_id = credited["mark_credit"].pk
    Credit.objects.filter(pk=role_id).delete()

    recorded = propose(review, [Change("not_mine", "", credit_id=role_id, credit_text="team")])

    assert recorded == 0
    assert not Proposal.objects.exists()


# Decisions


def test_accepting_a_name_saves_it_with_its_history(credited, open_review, editor):
    review, _ = open_review(credited["mark"], credited["project"])
    propose(review, [Change("name", "Mark Chén", "Mark Chen")])

    changed = accept(Proposal.objects.get(), editor)

    mark = Person.objects.get(pk=credited["mark"].pk)
    assert changed == mark
    assert mark.name == "Mark Chén"
    assert mark.sort_key.startswith("chen")
    record = mark.history.first()
    assert record.history_change_reason == "Accepted from Mark Chen's review"
    assert record.history_user == editor
    proposal = Proposal.objects.get()
    assert (proposal.status, proposal.decided_by) == ("accepted", editor)


def test_accepting_is_validated_as_an_admin_edit(credited, open_review, editor):
    review, _ = open_review(credited["mark"], credited["project"])
    Proposal.objects.create(review=review, kind="orcid", value="0000-0002-1825-0098")

    with pytest.raises(DecisionError, match="not an ORCID iD"):
        accept(Proposal.objects.get(), editor)

    assert Person.objects.get(pk=credited["mark"].pk).orcid == ""
    assert Proposal.objects.get().status == "pending"


def test_accepting_a_title_and_a_credit_not_theirs(credited, open_review, editor):
    ada_review, _ = open_review(credited["ada"], credited["project"])
    mark_review, _ = open_review(credited["mark"], credited["project"])
    propose(ada_review, [Change("title", "Overall and data lead", "Overall lead",
                                credit_id=credited["ada_credit"].pk)])  # fmt: skip
    propose(mark_review, [Change("not_mine", "", credit_id=credited["mark_credit"].pk)])

    for proposal in Proposal.objects.all():
        accept(proposal, editor)

    assert Credit.objects.get(pk=credited["ada_credit"].pk).title == "Overall and data lead"
    assert not Credit.objects.filter(pk=credited["mark_credit"].pk).exists()
    removal = Credit.history.filter(id=credited["mark_credit"].pk, history_type="-").get()
    assert removal.history_change_reason == "Accepted from Mark Chen's review"
    # The decided proposal keeps what the credit was.
    assert Proposal.objects.get(kind="not_mine").status == "accepted"


def test_a_lead_line_cannot_lose_its_title(credited, open_review, editor):
    review, _ = open_review(credited["ada"], credited["project"])
    propose(review, [Change("title", "", "Overall lead", credit_id=credited["ada_credit"].pk)])

    with pytest.raises(DecisionError, match="needs a title"):
        accept(Proposal.objects.get(), editor)


def test_a_proposal_is_decided_once(credited, open_review, editor):
    review, _ = open_review(credited["mark"], credited["project"])
    propose(review, [Change("note", "Hello")])
    proposal = Proposal.objects.get()
    accept(proposal, editor)

    with pytest.raises(DecisionError, match="already decided"):
        reject(proposal, editor, "No.")


def test_a_rejection_needs_a_reason(credited, open_review):
    review, _ = open_review(credited["mark"], credited["project"])
    proposal = Proposal(review=review, kind="note", value="Hi", status="rejected")

    with pytest.raises(ValidationError, match="Say why"):
        proposal.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        proposal.save()


def test_review_counts(credited, open_review, make_credit, editor):
    project = credited["project"]
    make_credit("Grace Hopper", team=credited["team"])
    mark_review, _ = open_review(credited["mark"], project)
    ada_review, _ = open_review(credited["ada"], project)
    confirm(ada_review)
    propose(mark_review, [Change("note", "One"), Change("missing", "Two")])
    Review.objects.filter(pk=mark_review.pk).update(email_status="failed")

    counts = review_counts(project)

    assert counts.not_asked == 1
    assert (counts.pending, counts.confirmed, counts.changes_proposed) == (0, 1, 1)
    assert counts.to_decide == 2
    assert counts.email_failed == 1


# Reminders


def asked_days_ago(review, days):
    Review.objects.filter(pk=review.pk).update(
        asked_at=timezone.now() - timedelta(days=days), email_status="sent"
    )


def test_reminders_go_once_a_period_to_those_who_have_not_answered(credited, open_review):
    mark_review, _ = open_review(credited["mark"], credited["project"])
    asked_days_ago(mark_review, 8)

    assert remind(7, SITE) == 1
    assert remind(7, SITE) == 0
    run_queued_tasks()
    Review.objects.filter(pk=mark_review.pk).update(reminded_at=timezone.now() - timedelta(8))
    assert remind(7, SITE) == 1

    [message] = mail.outbox
    assert message.subject == "Reminder: Please check your credits on “Vision”"
    assert Review.objects.get(pk=mark_review.pk).email_status == "queued"


def test_no_reminder_too_early_after_an_answer_or_a_refused_address(
    credited, open_review, make_credit
):
    project = credited["project"]
    recent, _ = open_review(credited["mark"], project)
    asked_days_ago(recent, 3)
    grace = make_credit("Grace Hopper", team=credited["team"]).person
    Person.objects.filter(pk=grace.pk).update(email="grace@example.org")
    answered, _ = open_review(grace, project)
    asked_days_ago(answered, 10)
    confirm(answered)
    ada = Person.objects.get(pk=credited["ada"].pk)
    ada.email = "ghost@example.org"
    ada.save()
    refused, _ = open_review(ada, project)
    asked_days_ago(refused, 10)
    Review.objects.filter(pk=refused.pk).update(email_status="failed")

    assert remind(7, SITE) == 0


def test_the_reminder_command(credited, open_review, settings):
    settings.SITE_URL = SITE
    review, _ = open_review(credited["mark"], credited["project"])
    asked_days_ago(review, 15)

    call_command("send_review_reminders", "--days", "14")
    call_command("send_review_reminders", "--days", "14")

    assert DBTaskResult.objects.count() == 1
    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"reminder": True}


def test_the_reminder_command_needs_the_sites_address(settings):
    settings.SITE_URL = ""

    with pytest.raises(CommandError, match="CREDITS_SITE_URL"):
        call_command("send_review_reminders", "--days", "14")


# Logs


def test_a_review_link_is_cut_out_of_log_lines():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/review/link/abc.def/",),
        None,
    )  # fmt: skip

    RedactReviewLinks().filter(record)

    assert record.getMessage() == "Not Found: /review/link/[redacted]/"


@pytest.mark.parametrize("logger_name", ["django.request", "django.server", "people"])
def test_what_the_site_logs_has_review_links_cut_out(logger_name, monkeypatch):
    # Django gives "django" and "django.server" handlers of their own: the settings
    # replace them by the filtered console handler.
    logger = logging.getLogger(logger_name)
    handlers = [logging.getLogger(name).handlers for name in (logger_name, "django", "")]
    [console] = {
        handler for group in handlers for handler in group if type(handler) is logging.StreamHandler
    }
    written = io.StringIO()
    monkeypatch.setattr(console, "stream", written)

    logger.warning('"GET %s HTTP/1.1" 404', "/review/link/abc.def/")

    assert written.getvalue() == '"GET /review/link/[redacted]/ HTTP/1.1" 404\n'


def test_gunicorn_access_log_cuts_review_links(monkeypatch):
    conf = runpy.run_path(str(django_settings.BASE_DIR / "creditsite/gunicorn.conf.py"))
    from gunicorn.config import Config

    assert conf["logger_class"] is conf["RedactingLogger"]
    logger = conf["RedactingLogger"](Config())

    class Response:
        status, sent, headers = "302 Found", 0, []

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/review/link/abc.def/",
        "PATH_INFO": "/review/link/abc.def/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://mail.example.org/review/link/abc.def/",
    }
    atoms = logger.atoms(Response(), [], environ, timedelta(seconds=0.1))

    assert atoms["r"] == "GET /review/link/[redacted]/ HTTP/1.1"
    assert atoms["U"] == "/review/link/[redacted]/"
    assert atoms["f"] == "https://mail.example.org/review/link/[redacted]/"
    assert "abc.def" not in str(atoms)
