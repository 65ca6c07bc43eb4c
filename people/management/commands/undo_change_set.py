import sys

from django.core.management.base import BaseCommand, CommandError

from people.changesets.plan import LISTED_CONFLICTS, UndoError, plan_undo
from people.changesets.record import done_by
from people.changesets.undo import undo
from people.models import ChangeSet

LISTED = 20


class Command(BaseCommand):
    help = (
        "Undo an import, a sync or a merge as a whole (see README.md). Without an id, list "
        "the latest ones. Refuses, changing nothing, if the rows it changed were changed since."
    )

    def add_arguments(self, parser):
        parser.add_argument("id", nargs="?", type=int, help="the change set's number")
        parser.add_argument(
            "--yes", action="store_true", help="undo without asking (needed without a terminal)"
        )

    def handle(self, *args, **options):
        if options["id"] is None:
            self.list_latest()
            return
        change_set = (
            ChangeSet.objects.select_related("user", "project", "undone_by__user")
            .filter(pk=options["id"])
            .first()
        )
        if change_set is None:
            raise CommandError(
                f"There is no change set #{options['id']}. "
                "Run undo_change_set without an id to list them."
            )
        self.stdout.write(f"{self.describe(change_set)}: {change_set.summary}")
        try:
            plan = plan_undo(change_set)
        except UndoError as error:
            raise CommandError(str(error)) from error
        if plan.conflicts:
            self.refuse(change_set, plan.conflicts)
        self.stdout.write("Undoing it changes: " + "; ".join(plan.counts() or ["nothing"]) + ".")
        if not options["yes"]:
            self.confirm(change_set)
        try:
            plan = undo(change_set)
        except UndoError as error:
            if error.conflicts:
                self.refuse(change_set, error.conflicts)
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Undid {change_set}: {plan.summary()}."))

    def list_latest(self):
        change_sets = ChangeSet.objects.select_related("user", "project", "undone_by__user")
        for change_set in change_sets[:LISTED]:
            undone = f" (undone by {done_by(change_set.undone_by)})" if change_set.undone_by else ""
            self.stdout.write(f"{self.describe(change_set)}{undone}")

    def describe(self, change_set):
        return f"#{change_set.pk} {change_set.description}, by {done_by(change_set)}"

    def refuse(self, change_set, conflicts):
        for conflict in conflicts[:LISTED_CONFLICTS]:
            self.stdout.write(f"  {conflict.text}")
        if len(conflicts) > LISTED_CONFLICTS:
            self.stdout.write(f"  … and {len(conflicts) - LISTED_CONFLICTS:,} more")
        raise CommandError(
            f"{change_set} cannot be undone: the rows above were changed since. Nothing was undone."
        )

    def confirm(self, change_set):
        if not sys.stdin.isatty():
            raise CommandError(
                f"Not undoing {change_set} without a terminal to confirm: add --yes to undo it."
            )
        answer = input(f"Undo {change_set}? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            raise CommandError("Nothing was undone.")
