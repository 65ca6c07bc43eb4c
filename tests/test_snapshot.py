"""A draft page is built from one state of the database, even while an import commits.

Readers see published versions, which never change; publishing while an import
commits is in tests/test_versions_concurrency.py.
"""

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite lets no other connection commit during a read transaction",
    ),
]


def commit_elsewhere(project):
    """Commit a new section with a team, as a concurrent import would."""
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        section_id = other.execute(
            "INSERT INTO people_section (project_id, title, position) VALUES (%s, %s, 9) "
            "RETURNING id",
            [project.pk, "Late section"],
        ).fetchone()[0]
        other.execute(
            "INSERT INTO people_team (section_id, name, position) VALUES (%s, %s, 0)",
            [section_id, "Late team"],
        )


def test_a_commit_between_a_draft_pages_queries_does_not_show(
    editor_client, make_project, make_section, make_team, make_credit
):
    project = make_project(title="Vision", slug="vision")
    make_credit("Ada Lovelace", team=make_team(make_section(project, "Research"), "Data"))
    committed = []

    def commit_after_sections_query(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if 'FROM "people_section"' in sql and not committed:
            commit_elsewhere(project)
            committed.append(sql)
        return result

    with connection.execute_wrapper(commit_after_sections_query):
        response = editor_client.get("/credits/vision/")

    assert committed
    assert response.status_code == 200
    assert "Ada Lovelace" in response.text
    assert "Late section" not in response.text
    assert "Late section" in editor_client.get("/credits/vision/").text
