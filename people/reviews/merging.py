"""What merging people (people/merging.py) does to their reviews, and how its undo puts them back.

A person has one review per project. When the people merged have reviews of the
same project, the kept person keeps the most informative one: an answer over a
review still pending, then the latest (answered, or else asked). The others are
folded into it: their proposals and links move to it, so that a link sent to a
merged person opens the kept person's review, and they are deleted. A pending
proposal of theirs for the same thing as one still to decide in the review kept is
dropped, as a newer proposal replaces the one still to decide when a person
answers twice. Reviews have no history: the merge records what it did to each in a
MergedReview, which its undo reads.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import serializers

from people.models import Credit, Person, Project
from people.reviews.models import MergedReview, Proposal, Review, ReviewLink


@dataclass(frozen=True)
class ReviewMerge:
    """One project's reviews in a merge: the one the kept person has after it, and the others."""

    project: Project
    kept: Review
    # Whether `kept` is a merged person's review, which moves to the kept person.
    moves: bool
    folded: list[Review]
    moved_proposals: list[Proposal]
    dropped_proposals: list[Proposal]
    moved_links: int


def _informative(kept_id):
    """The sort key of reviews, most informative last."""

    def key(review):
        answered = review.status != Review.Status.PENDING
        latest = review.answered_at if answered and review.answered_at else review.asked_at
        # On a tie, the kept person's own review stays where it is.
        return (answered, latest, review.person_id == kept_id, -review.pk)

    return key


def _constrained(proposal):
    """The key of a pending proposal that the review kept may hold only once (None: any number).

    As the constraints unique_pending_person_proposal and unique_pending_credit_proposal.
    """
    if proposal.status != Proposal.Status.PENDING:
        return None
    if proposal.kind in Proposal.PERSON_FIELDS or proposal.credit_id is not None:
        return (proposal.kind, proposal.credit_id)
    return None


def plan_review_merges(kept, removed_ids):
    """The ReviewMerge of each project whose reviews merging `removed_ids` into `kept` changes."""
    reviews = list(
        Review.objects.filter(person_id__in=[kept.pk, *removed_ids])
        .select_related("project", "person")
        .order_by("project__title", "project_id", "pk")
    )
    proposals = defaultdict(list)
    for proposal in Proposal.objects.filter(review__in=reviews).order_by("created_at", "pk"):
        proposals[proposal.review_id].append(proposal)
    links = defaultdict(int)
    for review_id in ReviewLink.objects.filter(review__in=reviews).values_list(
        "review_id", flat=True
    ):
        links[review_id] += 1
    by_project = defaultdict(list)
    for review in reviews:
        by_project[review.project_id].append(review)
    merges = []
    for project_reviews in by_project.values():
        best = max(project_reviews, key=_informative(kept.pk))
        folded = [review for review in project_reviews if review != best]
        if best.person_id == kept.pk and not folded:
            continue
        taken = {_constrained(proposal) for proposal in proposals[best.pk]} - {None}
        moved, dropped = [], []
        for review in folded:
            for proposal in proposals[review.pk]:
                key = _constrained(proposal)
                if key in taken:
                    dropped.append(proposal)
                    continue
                if key is not None:
                    taken.add(key)
                moved.append(proposal)
        merges.append(
            ReviewMerge(
                project=best.project,
                kept=best,
                moves=best.person_id != kept.pk,
                folded=folded,
                moved_proposals=moved,
                dropped_proposals=dropped,
                moved_links=sum(links[review.pk] for review in folded),
            )
        )
    return merges


def write_review_merges(merges, kept, change_set):
    """Fold and move the reviews as planned, recording each for the undo of `change_set`."""
    records = []
    for merge in merges:
        for review in merge.folded:
            moved = [p.pk for p in merge.moved_proposals if p.review_id == review.pk]
            dropped = [p for p in merge.dropped_proposals if p.review_id == review.pk]
            links = list(ReviewLink.objects.filter(review=review).values_list("pk", flat=True))
            records.append(
                MergedReview(
                    change_set=change_set,
                    review_id=review.pk,
                    person_id=review.person_id,
                    folded_into_id=merge.kept.pk,
                    saved=serializers.serialize("json", [review, *dropped]),
                    proposal_ids=moved,
                    link_ids=links,
                )
            )
            Proposal.objects.filter(pk__in=[proposal.pk for proposal in dropped]).delete()
            Proposal.objects.filter(pk__in=moved).update(review=merge.kept)
            ReviewLink.objects.filter(pk__in=links).update(review=merge.kept)
            # The kept person's own review goes before theirs can take its place.
            Review.objects.filter(pk=review.pk).delete()
        if merge.moves:
            records.append(
                MergedReview(
                    change_set=change_set,
                    review_id=merge.kept.pk,
                    person_id=merge.kept.person_id,
                )
            )
            Review.objects.filter(pk=merge.kept.pk).update(person=kept)
    MergedReview.objects.bulk_create(records)


def unmerge_reviews(records):
    """Put back what a merge did to reviews, from its MergedReview `records`; then delete them.

    Called by the undo once the merged people are back. A review whose project was
    deleted since stays deleted.
    """
    for record in records:
        if record.folded_into_id is None:
            Review.objects.filter(pk=record.review_id).update(person_id=record.person_id)
    for record in records:
        if record.folded_into_id is not None:
            _unfold(record)
    MergedReview.objects.filter(pk__in=[record.pk for record in records]).delete()


def _unfold(record):
    """Make a folded review again, with its id, and give it back its proposals and links."""
    review, *dropped = serializers.deserialize("json", record.saved)
    values = review.object
    taken = Review.objects.filter(project_id=values.project_id, person_id=values.person_id)
    if (
        not Project.objects.filter(pk=values.project_id).exists()
        or not Person.objects.filter(pk=values.person_id).exists()
        or taken.exists()
    ):
        return
    users = get_user_model().objects
    if values.asked_by_id and not users.filter(pk=values.asked_by_id).exists():
        values.asked_by_id = None
    review.save()
    Proposal.objects.filter(pk__in=record.proposal_ids, review_id=record.folded_into_id).update(
        review_id=record.review_id
    )
    ReviewLink.objects.filter(pk__in=record.link_ids, review_id=record.folded_into_id).update(
        review_id=record.review_id
    )
    for proposal in dropped:
        values = proposal.object
        if values.credit_id and not Credit.objects.filter(pk=values.credit_id).exists():
            values.credit_id = None
        if values.decided_by_id and not users.filter(pk=values.decided_by_id).exists():
            values.decided_by_id = None
        proposal.save()
