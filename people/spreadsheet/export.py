"""Writing a project's credits in the import format: CSV, and XLSX for Excel.

The public credits.csv, `manage.py export_credits` and the admin's Export all write
through here, so the three give the same bytes. People's private email addresses
are written only when asked (`with_emails`): the admin asks only for staff allowed
to see them, and the public file never does.
"""

import csv
import io
import re

import tablib
from django.db.models import QuerySet

from people.models import Credit, Project, Section, Team, credit_section
from people.spreadsheet.format import COLUMNS, FORMULA_STARTS, OPTIONAL_COLUMNS, PRIVATE_COLUMNS


def export_credits_csv(project, credits=None, *, with_emails=False):
    """Return a project's credits (or only `credits`) as CSV text in the import format."""
    table = credits_table(project, credits, with_emails=with_emails)
    return write_csv(table.headers, table)


def export_credits_xlsx(project, *, with_emails=False):
    """Return a project's credits as an XLSX workbook, the same cells as the CSV."""
    return credits_table(project, with_emails=with_emails).export("xlsx")


# Excel refuses these in a sheet's name, and names longer than 31 characters.
SHEET_NAME_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
SHEET_NAME_LENGTH = 31


def sheet_name(title):
    """A project's title as Excel accepts it for a sheet's name, e.g. "GPT-4V(ision) technical…"."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", title)
    name = " ".join(name.split()).strip("'")[:SHEET_NAME_LENGTH].strip()
    return name or "Credits"


def export_file_name(slug, extension, date):
    """credits-<slug>-<date>.<extension>: what a downloaded export is called."""
    return f"credits-{slug}-{date.isoformat()}.{extension}"


def credits_table(project, credits=None, *, with_emails=False):
    """Return a project's credits (or only `credits`) as a table in page order.

    Page order: sections by position; in each, lead lines by the people's sort keys,
    then teams by position with their members by sort key. The `sort_name` column
    is there only when someone exported has a sort name of their own; the `email`
    column only `with_emails`. Cells a spreadsheet would run as formulas are escaped.
    """
    leads = Credit.objects.filter(section__project=project)
    members = Credit.objects.filter(team__section__project=project)
    if credits is not None:
        ids = credits.values("pk") if isinstance(credits, QuerySet) else [c.pk for c in credits]
        leads, members = leads.filter(pk__in=ids), members.filter(pk__in=ids)
    leads_by_section = _by_place(leads, "section_id", with_emails)
    members_by_team = _by_place(members, "team_id", with_emails)
    teams_by_section = {}
    for team in Team.objects.filter(section__project=project).order_by("position", "id"):
        teams_by_section.setdefault(team.section_id, []).append(team)

    rows = []
    for section in Section.objects.filter(project=project).order_by("position", "id"):
        for name, title, *details in leads_by_section.get(section.pk, []):
            rows.append([section.title, "", name, title, *details])
        for team in teams_by_section.get(section.pk, []):
            for name, title, *details in members_by_team.get(team.pk, []):
                rows.append([section.title, team.name, name, title, *details])
    headers = [*COLUMNS, *OPTIONAL_COLUMNS, *(PRIVATE_COLUMNS if with_emails else ())]
    sort_name = headers.index("sort_name")
    if not any(row[sort_name] for row in rows):
        del headers[sort_name]
        for row in rows:
            del row[sort_name]
    return tablib.Dataset(
        *([escape_cell(value) for value in row] for row in rows),
        headers=headers,
        title=sheet_name(project.title),
    )


def people_credits_table(people, *, with_emails=False):
    """Every credit of `people`, in every project: a `project` column (its slug) first.

    Projects by title, each in page order, as credits_table gives them.
    """
    credits = Credit.objects.filter(person__in=people)
    project_ids = credits.annotate(project_id=credit_section("project_id")).values("project_id")
    tables = [
        (project.slug, credits_table(project, credits, with_emails=with_emails))
        for project in Project.objects.filter(pk__in=project_ids).order_by("title", "pk")
    ]
    headers = ["project", *COLUMNS]
    for optional in (*OPTIONAL_COLUMNS, *(PRIVATE_COLUMNS if with_emails else ())):
        if any(optional in table.headers for _slug, table in tables):
            headers.append(optional)
    rows = []
    for slug, table in tables:
        for cells in table.dict:
            rows.append([slug, *(cells.get(header, "") for header in headers[1:])])
    return tablib.Dataset(*rows, headers=headers, title="Credits")


def _by_place(credits, place, with_emails):
    """Group [name, title, sort name(, email)] by section or team, people sorted as on the page.

    Sorted in Python: the database's collation may ignore spaces and punctuation.
    """
    grouped = {}
    fields = [place, "person__sort_key", "person__name", "person_id", "id", "title"]
    fields += ["person__sort_name"] + (["person__email"] if with_emails else [])
    for place_id, _key, name, _person, _id, title, *details in sorted(credits.values_list(*fields)):
        grouped.setdefault(place_id, []).append([name, title, *details])
    return grouped


def escape_cell(value):
    """Return a value safe from formula injection when a spreadsheet opens it.

    format.clean_cell undoes this on import.
    """
    if value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(headers, rows):
    """Return CSV text: UTF-8 without BOM once encoded, LF line endings, minimal quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()
