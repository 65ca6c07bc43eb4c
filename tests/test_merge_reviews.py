"""Merging people moves their reviews and private email address; undoing the merge puts them
back (people/reviews/merging.py, people/merging.py, people/changesets/undo.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from people.changesets.undo import undo
from people.merging import merge_people, plan_merge
from people.models import ChangeSet, ChangeSetEmail, Person
from people.reviews.answers import Change, confirm, propose
from people.reviews.models import MergedReview, Proposal, Review, ReviewLink
from tests.html_tree import parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

DAY = timedelta(days=1)


@pytest.fixture
def raso(make_project, make_section, make_team, make_person, make_credit):
    """Filippo Raso (kept) and Filippo Rasso, both credited on "Vision"; Rasso also on "Audio"."""
    kept = make_person("Filippo Raso")
    rasso = make_person("Filippo Rasso", email="rasso@example.org")
    vision = make_project("Vision", "vision", is_published=False)
    legal = make_team(make_section(vision, "Additional contributions"), "Legal")
    make_credit(kept, team=legal)
    rasso_credit = make_credit(rasso, team=legal, title="Counsel")
    audio = make_project("Audio", "audio", is_published=False)
    make_credit(rasso, team=make_team(make_section(audio, "Research"), "Data"))
    return {
        "kept": kept,
        "rasso": rasso,
        "vision": vision,
        "audio": audio,
        "rasso_credit": rasso_credit,
    }


def reviews():
    """Every review as (project, person, status), with its proposals and its links' ids."""
    return sorted(
        (
            review.pk,
            review.project.slug,
            review.person.name,
            review.status,
            sorted(review.proposals.values_list("pk", "kind", "value", "status")),
            sorted(review.links.values_list("pk", flat=True)),
        )
        for review in Review.objects.select_related("project", "person")
    )


def opened_by(client, link):
    """The name a review page opened with `link` shows, or its status code when it shows none."""
    response = client.get(link, follow=True)
    if response.status_code != 200:
        return response.status_code
    return parse(response.text).find("dd", "review-name").text()


def merge(raso, user=None):
    return merge_people(raso["kept"], [raso["rasso"]], user=user)


# Reviews move


def test_a_merged_persons_review_moves_to_the_kept_person_and_their_link_opens_it(
    raso, open_review, editor
):
    review, link = open_review(raso["rasso"], raso["audio"])
    propose(review, [Change(kind="note", value="I was on the data team.")])
    client = Client()

    merge(raso, editor)

    moved = Review.objects.get()
    assert (moved.pk, moved.person, moved.status) == (
        review.pk,
        raso["kept"],
        Review.Status.CHANGES_PROPOSED,
    )
    assert moved.proposals.get().value == "I was on the data team."
    assert opened_by(client, link) == "Filippo Raso"


def test_an_answer_is_kept_over_a_pending_review_and_the_pending_ones_links_lead_to_it(
    raso, open_review, editor
):
    kept_review, kept_link = open_review(raso["kept"], raso["vision"])
    rasso_review, rasso_link = open_review(raso["rasso"], raso["vision"])
    confirm(rasso_review)
    opened_before = Client()
    opened_before.get(kept_link)

    merge(raso, editor)

    survivor = Review.objects.get()
    assert (survivor.pk, survivor.person, survivor.status) == (
        rasso_review.pk,
        raso["kept"],
        Review.Status.CONFIRMED,
    )
    assert survivor.links.count() == 2
    assert opened_by(Client(), kept_link) == opened_by(Client(), rasso_link) == "Filippo Raso"
    # The page of the review folded away is gone; the link opens the one kept.
    assert opened_before.get(f"/review/{kept_review.pk}/").status_code == 404
    assert opened_by(opened_before, kept_link) == "Filippo Raso"


def test_between_two_answers_the_latest_is_kept_and_the_others_proposals_join_it(
    raso, open_review, editor
):
    kept_review, _ = open_review(raso["kept"], raso["vision"])
    rasso_review, _ = open_review(raso["rasso"], raso["vision"])
    propose(
        kept_review,
        [
            Change(kind="orcid", value="0000-0002-1825-0097"),
            Change(kind="note", value="Please add my ORCID iD."),
        ],
    )
    propose(
        rasso_review,
        [
            Change(kind="orcid", value="0000-0001-5109-3700"),
            Change(kind="name", value="Filippo Raso"),
        ],
    )
    Review.objects.filter(pk=kept_review.pk).update(answered_at=timezone.now() - DAY)

    merge(raso, editor)

    assert ChangeSet.objects.get().summary.endswith("; 1 review moved, 1 folded into another")
    survivor = Review.objects.get()
    assert survivor.pk == rasso_review.pk
    assert sorted(survivor.proposals.values_list("kind", "value")) == [
        ("name", "Filippo Raso"),
        ("note", "Please add my ORCID iD."),
        ("orcid", "0000-0001-5109-3700"),
    ]


def test_between_two_pending_reviews_the_one_asked_last_is_kept(raso, open_review):
    kept_review, _ = open_review(raso["kept"], raso["vision"])
    rasso_review, _ = open_review(raso["rasso"], raso["vision"])
    Review.objects.filter(pk=rasso_review.pk).update(asked_at=timezone.now() - DAY)

    merge(raso)

    assert list(Review.objects.values_list("pk", "person")) == [(kept_review.pk, raso["kept"].pk)]
    assert ReviewLink.objects.filter(review=kept_review).count() == 2


def test_undoing_the_merge_gives_back_every_review_proposal_and_link(raso, open_review, editor):
    kept_review, kept_link = open_review(raso["kept"], raso["vision"])
    rasso_review, rasso_link = open_review(raso["rasso"], raso["vision"])
    audio_review, audio_link = open_review(raso["rasso"], raso["audio"])
    propose(kept_review, [Change(kind="orcid", value="0000-0002-1825-0097")])
    propose(
        rasso_review,
        [
            Change(kind="orcid", value="0000-0001-5109-3700"),
            Change(
                kind="title",
                value="Lead counsel",
                old_value="Counsel",
                credit_id=raso["rasso_credit"].pk,
                credit_text="Additional contributions › Legal — Counsel",
            ),
        ],
    )
    Review.objects.filter(pk=kept_review.pk).update(answered_at=timezone.now() - DAY)
    before = reviews()
    merge(raso, editor)
    assert Review.objects.count() == 2

    plan = undo(ChangeSet.objects.get(), editor)

    assert reviews() == before
    assert "3 reviews given back to the people merged" in plan.counts()
    assert not MergedReview.objects.exists()
    assert opened_by(Client(), kept_link) == "Filippo Raso"
    assert opened_by(Client(), rasso_link) == opened_by(Client(), audio_link) == "Filippo Rasso"


def test_the_merge_preview_says_what_happens_to_the_reviews(
    raso, open_review, admin_client, make_person
):
    kept_review, _ = open_review(raso["kept"], raso["vision"])
    rasso_review, _ = open_review(raso["rasso"], raso["vision"])
    open_review(raso["rasso"], raso["audio"])
    propose(rasso_review, [Change(kind="note", value="Hello")])

    response = admin_client.post(
        "/admin/people/person/",
        {
            "action": "merge_selected_people",
            "_selected_action": [raso["kept"].pk, raso["rasso"].pk],
            "keep": raso["kept"].pk,
        },
    )

    items = parse(response.text).find("ul", "merged-reviews").find_all("li")
    assert [item.text() for item in items] == [
        "Audio: Filippo Rasso’s review (pending) becomes Filippo Raso’s.",
        "Vision: Filippo Rasso’s review (changes proposed) becomes Filippo Raso’s; folded into "
        "it: Filippo Raso’s (pending), with 0 proposals and 1 link.",
    ]


# The email address


def test_the_kept_person_gets_a_merged_persons_address_when_they_have_none(raso, editor):
    plan = merge(raso, editor)

    assert Person.objects.get().email == "rasso@example.org"
    assert plan.email_from.name == "Filippo Rasso"
    assert "rasso@example.org" not in ChangeSet.objects.get().summary


def test_the_kept_persons_own_address_is_kept(raso, editor):
    Person.objects.filter(pk=raso["kept"].pk).update(email="raso@example.org")
    kept = Person.objects.get(pk=raso["kept"].pk)

    merge_people(kept, [raso["rasso"]], user=editor)

    assert Person.objects.get().email == "raso@example.org"


def test_undoing_the_merge_puts_both_addresses_back(raso, editor):
    merge(raso, editor)

    undo(ChangeSet.objects.get(), editor)

    assert dict(Person.objects.values_list("name", "email")) == {
        "Filippo Raso": "",
        "Filippo Rasso": "rasso@example.org",
    }
    assert not ChangeSetEmail.objects.exists()


def test_an_address_changed_after_the_merge_is_kept_by_its_undo(raso, editor):
    merge(raso, editor)
    Person.objects.filter(pk=raso["kept"].pk).update(email="filippo@example.org")

    undo(ChangeSet.objects.get(), editor)

    assert dict(Person.objects.values_list("name", "email")) == {
        "Filippo Raso": "filippo@example.org",
        "Filippo Rasso": "rasso@example.org",
    }


@pytest.mark.parametrize("allowed", [True, False])
def test_the_merge_preview_shows_addresses_only_to_staff_who_see_them(
    raso, editor_client, editor, allowed
):
    if allowed:
        editor.user_permissions.add(Permission.objects.get(codename="view_person_email"))

    response = editor_client.post(
        "/admin/people/person/",
        {
            "action": "merge_selected_people",
            "_selected_action": [raso["kept"].pk, raso["rasso"].pk],
            "keep": raso["kept"].pk,
        },
    )

    text = parse(response.text).find("p", "merge-email").text()
    if allowed:
        assert text == "Filippo Raso has none and gets Filippo Rasso’s (rasso@example.org)."
    else:
        assert text == "Filippo Raso has none and gets Filippo Rasso’s."
        assert "rasso@example.org" not in response.text


def test_a_merged_persons_other_address_is_not_kept(raso, make_person):
    Person.objects.filter(pk=raso["kept"].pk).update(email="raso@example.org")
    kept = Person.objects.get(pk=raso["kept"].pk)

    plan = plan_merge(kept, [raso["rasso"]])

    assert (plan.email, plan.email_from, plan.dropped_emails) == (
        "raso@example.org",
        None,
        [raso["rasso"]],
    )


def test_a_dropped_proposal_comes_back_with_its_review(raso, open_review, editor):
    kept_review, _ = open_review(raso["kept"], raso["vision"])
    rasso_review, _ = open_review(raso["rasso"], raso["vision"])
    propose(kept_review, [Change(kind="orcid", value="0000-0002-1825-0097")])
    propose(rasso_review, [Change(kind="orcid", value="0000-0001-5109-3700")])

    merge(raso, editor)

    assert list(Proposal.objects.values_list("value", flat=True)) == ["0000-0001-5109-3700"]
    undo(ChangeSet.objects.get(), editor)
    assert sorted(Proposal.objects.values_list("review__person__name", "value")) == [
        ("Filippo Raso", "0000-0002-1825-0097"),
        ("Filippo Rasso", "0000-0001-5109-3700"),
    ]
