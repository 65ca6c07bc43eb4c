"""Import and export of credits with django-import-export, on top of the bulk engine.

The admin's import and export screens are django-import-export's; its row-by-row
import is replaced by people.credits_import, which the command line uses too.
"""

from datetime import timedelta
from uuid import uuid4

import tablib
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from import_export import resources
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.results import Error, Result, RowResult
from import_export.tmp_storages import BaseStorage

from people.credits_csv import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    CreditRow,
    CreditsError,
    escape_cell,
    read_credits,
    write_csv,
)
from people.credits_import import import_credits
from people.credits_plan import ADD
from people.models import ImportUpload, Person, Role, Section, Team

DATASET_HEADERS = ["row", *COLUMNS, *OPTIONAL_COLUMNS]


class CreditsCSV(base_formats.CSV):
    """CSV read by our own reader (exact messages) and written with LF and formula escaping."""

    CONTENT_TYPE = "text/csv; charset=utf-8"

    def is_binary(self):
        # Bytes reach read_credits undecoded: it explains encoding problems itself.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode()
        dataset = tablib.Dataset(headers=DATASET_HEADERS)
        for row in read_credits(in_stream):
            dataset.append((row.row, row.section, row.team, row.person, row.role, row.sort_name))
        return dataset

    def export_data(self, dataset, **kwargs):
        return write_csv(dataset.headers, dataset)


class CreditsXLSX(base_formats.XLSX):
    """XLSX export of the same rows; importing is CSV only."""

    def can_import(self):
        return False


class CreditResource(resources.ModelResource):
    """The credits of one project as spreadsheet rows: section, team, person, role."""

    section = Field(column_name="section")
    team = Field(column_name="team")
    person = Field(column_name="person")
    role = Field(column_name="role")
    sort_name = Field(column_name="sort_name")

    class Meta:
        model = Role
        fields = (*COLUMNS, *OPTIONAL_COLUMNS)
        import_id_fields = ()

    def __init__(self, project=None, mode=ADD, expected_digest=None, **kwargs):
        super().__init__(**kwargs)
        self.project = project
        self.mode = mode
        self.expected_digest = expected_digest

    @classmethod
    def get_display_name(cls):
        return "Credits"

    def export(self, queryset=None, **kwargs):
        """Return the project's credits (those in `queryset`, if given) in page order."""
        headers, rows = credit_rows(self.project, self.roles_of(queryset))
        dataset = tablib.Dataset(headers=headers)
        for row in rows:
            dataset.append([escape_cell(value) for value in row])
        return dataset

    def roles_of(self, queryset):
        return queryset

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Import through the bulk engine; errors come back in the result, never half-written."""
        result = Result()
        result.diff_headers = list(COLUMNS)
        rows = [CreditRow(*values) for values in dataset]
        try:
            plan = import_credits(
                self.project,
                rows,
                self.mode,
                dry_run=dry_run,
                user=kwargs.get("user"),
                source=kwargs.get("file_name") or "",
                expected_digest=None if dry_run else self.expected_digest,
            )
        except CreditsError as error:
            if raise_errors:
                raise
            result.append_base_error(Error(error))
            return result
        result.plan = plan
        result.total_rows = plan.rows_read
        result.totals[RowResult.IMPORT_TYPE_NEW] = len(plan.new_credits)
        result.totals[RowResult.IMPORT_TYPE_SKIP] = len(plan.unchanged)
        result.totals[RowResult.IMPORT_TYPE_DELETE] = len(plan.removed)
        return result


class PersonCreditResource(CreditResource):
    """The credits of the chosen people in one project, in the same format."""

    class Meta:
        model = Person
        fields = (*COLUMNS, *OPTIONAL_COLUMNS)
        import_id_fields = ()

    def roles_of(self, queryset):
        if queryset is None:
            return None
        return Role.objects.filter(person__in=queryset)


def credit_rows(project, roles=None):
    """Return (headers, rows) of a project's credits in page order.

    Page order: sections by position; in each, lead lines by the people's sort keys,
    then teams by position with their members by sort key. The `sort_name` column
    is there only when someone exported has a sort name of their own.
    """
    leads = Role.objects.filter(section__project=project)
    members = Role.objects.filter(team__section__project=project)
    if roles is not None:
        ids = roles.values("pk") if isinstance(roles, QuerySet) else [r.pk for r in roles]
        leads, members = leads.filter(pk__in=ids), members.filter(pk__in=ids)
    leads_by_section = _by_place(leads, "section_id")
    members_by_team = _by_place(members, "team_id")
    teams_by_section = {}
    for team in Team.objects.filter(section__project=project).order_by("position", "id"):
        teams_by_section.setdefault(team.section_id, []).append(team)

    rows = []
    for section in Section.objects.filter(project=project).order_by("position", "id"):
        for name, sort_name, title in leads_by_section.get(section.pk, []):
            rows.append([section.title, "", name, title, sort_name])
        for team in teams_by_section.get(section.pk, []):
            for name, sort_name, title in members_by_team.get(team.pk, []):
                rows.append([section.title, team.name, name, title, sort_name])
    headers = [*COLUMNS, *OPTIONAL_COLUMNS]
    if not any(row[-1] for row in rows):
        headers = headers[:-1]
        rows = [row[:-1] for row in rows]
    return headers, rows


def _by_place(roles, place):
    """Group (name, sort name, title) by section or team, people sorted as on the page.

    Sorted in Python: the database's collation may ignore spaces and punctuation.
    """
    grouped = {}
    rows = roles.values_list(
        place, "person__sort_key", "person__name", "person_id", "id", "person__sort_name", "title"
    )
    for place_id, _key, name, _person, _id, sort_name, title in sorted(rows):
        grouped.setdefault(place_id, []).append((name, sort_name, title))
    return grouped


def export_credits_csv(project, roles=None):
    """Return a project's credits (or only `roles`) as CSV text in the import format."""
    return CreditsCSV().export_data(CreditResource(project=project).export(roles))


class UploadExpired(Exception):
    pass


class DatabaseUploadStorage(BaseStorage):
    """Keeps an upload between preview and confirm in the ImportUpload table.

    Every worker process reads the same database, unlike process memory or a
    local-memory cache, and nothing is reachable by URL, unlike media storage.
    """

    def save(self, data):
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        purge_expired_uploads()
        self.name = uuid4().hex
        ImportUpload.objects.create(name=self.name, data=data)

    def read(self):
        upload = ImportUpload.objects.filter(name=self.name, created_at__gte=_expiry()).first()
        if upload is None:
            raise UploadExpired(
                "The uploaded file is no longer available (an upload is kept for "
                f"{_hours(settings.IMPORT_UPLOAD_EXPIRY)} between preview and confirmation, "
                "and only once). Upload it again."
            )
        data = bytes(upload.data)
        return data if "b" in self.read_mode else data.decode(self.encoding or "utf-8")

    def remove(self):
        ImportUpload.objects.filter(name=self.name).delete()
        purge_expired_uploads()


def purge_expired_uploads():
    ImportUpload.objects.filter(created_at__lt=_expiry()).delete()


def _expiry():
    return timezone.now() - timedelta(seconds=settings.IMPORT_UPLOAD_EXPIRY)


def _hours(seconds):
    hours = seconds / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")
