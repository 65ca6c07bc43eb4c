from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import Q
from simple_history.utils import get_history_manager_for_model

from people.models import Credit, Person, Project
from people.versions import first_version

FIXTURE = settings.BASE_DIR / "fixtures" / "gpt4v.json"
SLUG = "gpt-4v"
HISTORY_REASON = "Loaded from fixtures/gpt4v.json"


class Command(BaseCommand):
    help = (
        "Load the GPT-4V credits page (fixtures/gpt4v.json) unless a project with the slug "
        "'gpt-4v' exists. Safe to run again: it never changes existing data."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            if Project.objects.filter(slug=SLUG).exists():
                self.stdout.write("The GPT-4V credits are already loaded; nothing changed.")
                return
            ids = fixture_ids()
            # The fixture has explicit ids; loaddata would silently overwrite other
            # rows that happen to use them.
            taken = rows_the_fixture_would_overwrite(ids)
            if taken:
                self.stderr.write(
                    f"Not loading the GPT-4V credits: the database already has {taken} with "
                    "the fixture's ids, which loading would overwrite. Load it into an empty "
                    "database instead."
                )
                return
            try:
                call_command("loaddata", FIXTURE, verbosity=0)
            except IntegrityError as error:
                raise CommandError(f"Could not load the GPT-4V credits: {error}") from error
            record_history(ids)

            project = Project.objects.get(slug=SLUG)
            # Published on 25 September 2023: its version 1 says so.
            first_version(project)
            credits = Credit.objects.in_projects([project])
            people = Person.objects.filter(
                Q(credits__in=credits) | Q(mentions__acknowledgment__project=project)
            ).distinct()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the GPT-4V credits: {people.count()} people, "
                    f"{credits.count()} credits."
                )
            )


def fixture_ids():
    """Return {model: [the fixture's ids]}."""
    ids = {}
    with open(FIXTURE, encoding="utf-8") as fixture:
        for item in serializers.deserialize("json", fixture):
            ids.setdefault(type(item.object), []).append(item.object.pk)
    return ids


def rows_the_fixture_would_overwrite(ids):
    for model, pks in ids.items():
        count = model.objects.filter(pk__in=pks).count()
        if count:
            return f"{count} {model._meta.verbose_name_plural}"
    return ""


def record_history(ids):
    """Give every loaded row its first history record, so that editors can revert to it.

    loaddata saves rows raw, which django-simple-history does not record.
    simple-history's populate_history is not used: it skips a model whose history
    already has rows, which any database edited before loading has.
    """
    for model, pks in ids.items():
        history = get_history_manager_for_model(model)
        rows = model.objects.filter(pk__in=pks).order_by("pk")
        history.bulk_history_create(rows, batch_size=500, default_change_reason=HISTORY_REASON)
