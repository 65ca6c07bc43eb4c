"""What the spreadsheet tests share: writing a file, importing it, reading a page back."""

import threading
from contextlib import contextmanager

import psycopg
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import connection

from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import read_credits
from people.spreadsheet.plan import ADD

HEADER = "section,team,person,role"
FIXTURES = settings.BASE_DIR / "fixtures"
GPT4V_CSV = FIXTURES / "gpt4v.csv"


def csv_file(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode()


def run_import(project, data, mode=ADD, **options):
    """Import bytes the way the admin and the command line do."""
    return import_credits(project, read_credits(data), mode, **options)


def database_rows():
    """The number of rows of every model the import could touch, history included."""
    models = [*apps.get_app_config("people").get_models(), LogEntry]
    return {model._meta.label: model.objects.count() for model in models}


def page(project):
    """The credits as the page shows them: sections with lead lines, teams and members."""

    def people(roles):
        roles = sorted(roles, key=lambda r: (r.person.sort_key, r.person.name, r.person_id, r.pk))
        return [(role.person.name, role.title) for role in roles]

    return [
        (
            section.title,
            people(section.leads.select_related("person")),
            [
                (team.name, people(team.credits.select_related("person")))
                for team in section.teams.order_by("position", "id")
            ],
        )
        for section in project.sections.order_by("position", "id")
    ]


def empty_the_database():
    """Delete every project and person, as in a new database."""
    for model in ["Mention", "Acknowledgment", "Resource", "Credit", "Team", "Section", "Project"]:
        apps.get_model("people", model).objects.all().delete()
    for model in ["Alias", "PersonRedirect", "DistinctPair", "Person"]:
        apps.get_model("people", model).objects.all().delete()


def listed(credits):
    """A plan's credits as the preview lists them: section, team (None: a lead), person, role."""
    return [
        (
            credit.place.section.title,
            credit.place.team.name if credit.place.team else None,
            credit.person.name,
            credit.title,
        )
        for credit in credits
    ]


@contextmanager
def another_connection():
    """A second PostgreSQL connection, as another process would have; rolled back at the end."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        try:
            yield other
        finally:
            other.rollback()


@contextmanager
def locked_elsewhere(project, at_most=10):
    """The project's row locked by another connection, as a running import holds it.

    The lock is let go after `at_most` seconds in any case, so that a test of a
    request that would wait for it fails instead of hanging.
    """
    with another_connection() as other:
        other.execute("SELECT id FROM people_project WHERE id = %s FOR UPDATE", [project.pk])
        release = threading.Timer(at_most, other.rollback)
        release.start()
        try:
            yield
        finally:
            release.cancel()
