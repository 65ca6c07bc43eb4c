"""Recording an import, a sync or a merge as one change set.

While a change set is being recorded (`recording`), every history record written gets
its id: the `change_set` field of the history records (people.models.ChangeSetRecord)
defaults to it. people/changesets/plan.py reads them back to undo the change set.
"""

from contextlib import contextmanager, nullcontext

from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import Truncator
from simple_history.signals import pre_create_historical_record

from people.models import ChangeSet, ChangeSetEmail, current_change_set
from people.spreadsheet.plan import SYNC


@contextmanager
def recording(kind, *, description, summary="", user=None, project=None):
    """Record every history record written inside the block as part of one new change set.

    Call inside a transaction: the change set is saved or rolled back with the change.
    """
    change_set = ChangeSet.objects.create(
        kind=kind,
        description=Truncator(description).chars(300),
        summary=Truncator(summary).chars(500),
        user=user,
        project=project,
    )
    token = current_change_set.set(change_set)
    try:
        yield change_set
    finally:
        current_change_set.reset(token)


@receiver(pre_create_historical_record)
def _who_and_why(sender, history_instance, **kwargs):
    # django-simple-history's hook before it saves a record: a record of a change set
    # that does not say who and why (a row deleted by QuerySet.delete()) says the
    # change set's. Records written in bulk are stamped by their writer. Connected
    # whenever it matters: a change set is recorded only through this module.
    change_set = current_change_set.get()
    if change_set is None:
        return
    if history_instance.history_user_id is None:
        history_instance.history_user_id = change_set.user_id
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = Truncator(change_set.description).chars(100)


def record_emails(changes):
    """Record (person id, address before, address after) of each address the change set changes.

    The history holds no addresses: its undo finds them here (people/changesets/undo.py).
    """
    change_set = current_change_set.get()
    if change_set is None:
        return
    ChangeSetEmail.objects.bulk_create(
        [
            ChangeSetEmail(change_set=change_set, person_id=pk, before=before, after=after)
            for pk, before, after in changes
            if before != after
        ]
    )


def recording_import(plan, user=None, source=""):
    """The change set of an import or sync that changes something (none for one that does not)."""
    if not plan.has_changes:
        return nullcontext()
    sync = plan.mode == SYNC
    verb = "Synced" if sync else "Imported"
    people = f" with the people of {plan.people.source or 'a file'}" if plan.people else ""
    return recording(
        ChangeSet.Kind.SYNC if sync else ChangeSet.Kind.IMPORT,
        description=f"{verb} {source or 'a file'}{people} into {plan.project}",
        summary=plan.summary(),
        user=user,
        project=plan.project,
    )


def recording_people_import(plan, user=None):
    """The change set of a people file's import (people/spreadsheet/people.py)."""
    return recording(
        ChangeSet.Kind.IMPORT,
        description=f"Imported the people of {plan.source or 'a file'}",
        summary=plan.summary(),
        user=user,
    )


def done_by(change_set):
    """'editor on 2026-11-29 10:04': who recorded a change set, and when."""
    return f"{who(change_set.user)} on {when(change_set.created_at)}"


def who(user):
    return user.get_username() if user is not None else "the command line"


def when(moment):
    return format_date(timezone.localtime(moment), "Y-m-d H:i")
