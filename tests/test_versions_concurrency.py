"""Publishing under concurrency and faults: one transaction on one state of the database.

Two editors publishing at once make one version; a failure leaves no partial
version; an import committing while a version is made is in it whole or not at all.
"""

import threading

import psycopg
import pytest
from django.db import DatabaseError, connection, connections

from people.models import Project, PublishedPerson, Team, Version
from people.snapshots import draft_snapshot
from people.versions import AlreadyPublished, preview, publish

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets no two connections write at once, nor commit during a read transaction",
)


@pytest.fixture
def project(make_project, make_section, make_team, make_credit):
    project = make_project(title="Vision credits", slug="vision", is_published=False)
    data = make_team(make_section(project, "Research"), "Data")
    make_credit("Ada Lovelace", team=data)
    make_credit("Grace Hopper", team=data)
    return project


def fail_on(table):
    """An execute wrapper that fails the first statement writing into `table`."""

    def wrapper(execute, sql, params, many, context):
        if sql.startswith(f'INSERT INTO "{table}"'):
            raise DatabaseError("the database went away")
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.django_db
def test_a_failure_while_publishing_leaves_no_partial_version(project):
    with connection.execute_wrapper(fail_on("people_publishedperson")):
        with pytest.raises(DatabaseError):
            publish(project)

    project.refresh_from_db()
    assert not Version.objects.exists()
    assert not PublishedPerson.objects.exists()
    assert (project.is_published, project.published_at) == (False, None)


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failure_while_publishing_commits_nothing(project):
    with connection.execute_wrapper(fail_on("people_publishedperson")):
        with pytest.raises(DatabaseError):
            publish(project)

    # Read by another connection: nothing of the failed publication was committed.
    with psycopg.connect(**connection.get_connection_params()) as other:
        versions = other.execute("SELECT count(*) FROM people_version").fetchone()[0]
        published = other.execute(
            "SELECT is_published FROM people_project WHERE id = %s", [project.pk]
        ).fetchone()[0]
    assert (versions, published) == (0, False)


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_publishing_at_once_make_one_version(project, make_credit):
    publish(project)
    make_credit("Alan Turing", team=Team.objects.get())
    reviewed = preview(project)
    locked, release = threading.Event(), threading.Event()
    outcomes = {}

    def hold_the_lock(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "FOR UPDATE" in sql:
            locked.set()
            release.wait(timeout=10)
        return result

    def editor(name, wrapper=None):
        try:
            if wrapper:
                with connection.execute_wrapper(wrapper):
                    outcome = publish(project, base=1, fingerprint=reviewed.fingerprint)
            else:
                outcome = publish(project, base=1, fingerprint=reviewed.fingerprint)
            outcomes[name] = f"published version {outcome.version.number}"
        except AlreadyPublished as error:
            outcomes[name] = str(error)
        finally:
            connections.close_all()

    first = threading.Thread(target=editor, args=["first", hold_the_lock])
    second = threading.Thread(target=editor, args=["second"])
    first.start()
    assert locked.wait(timeout=10)
    second.start()
    # The second waits for the project's row, which the first holds until it commits.
    second.join(timeout=0.5)
    assert second.is_alive()
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)

    assert outcomes["first"] == "published version 2"
    assert outcomes["second"].startswith("Already published as version 2 (")
    assert list(Version.objects.values_list("number", flat=True).order_by("number")) == [1, 2]


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_committing_while_publishing_is_not_half_in_the_version(project):
    """A team and its member committed between the publication's queries are left out whole."""
    committed = []

    def commit_elsewhere():
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
            section_id = other.execute(
                "SELECT id FROM people_section WHERE project_id = %s", [project.pk]
            ).fetchone()[0]
            team_id = other.execute(
                "INSERT INTO people_team (section_id, name, position) VALUES (%s, 'Late', 9) "
                "RETURNING id",
                [section_id],
            ).fetchone()[0]
            person_id = other.execute(
                "SELECT id FROM people_person WHERE name = 'Ada Lovelace'"
            ).fetchone()[0]
            other.execute(
                "INSERT INTO people_credit (person_id, team_id, title) VALUES (%s, %s, '')",
                [person_id, team_id],
            )

    def commit_after_the_teams_query(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if 'FROM "people_team"' in sql and not committed:
            commit_elsewhere()
            committed.append(sql)
        return result

    with connection.execute_wrapper(commit_after_the_teams_query):
        version = publish(project).version

    assert committed
    teams = [team["name"] for team in version.content["sections"][0]["teams"]]
    assert teams == ["Data"]
    draft = draft_snapshot(Project.objects.get())
    assert [team.name for team in draft.content.sections[0].teams] == ["Data", "Late"]
