"""django-import-export's face of the credits spreadsheet: its formats and resources.

The admin's Import and Export screens (people/admin_import.py) are the library's; the
reading, planning, writing and exporting behind them are people/spreadsheet's, which
the command line and the public credits.csv use without this library.
"""

from django.conf import settings
from import_export import resources
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.results import Error, Result, RowResult

from people.models import Credit, Person
from people.spreadsheet import apply
from people.spreadsheet.export import credits_table, people_credits_table, write_csv
from people.spreadsheet.format import COLUMNS, OPTIONAL_COLUMNS, CreditsError, read_credits
from people.spreadsheet.plan import ADD


class CreditsCSV(base_formats.CSV):
    """CSV read by our own reader (exact messages) and written with LF and formula escaping."""

    CONTENT_TYPE = "text/csv; charset=utf-8"

    # Format.is_binary and get_read_mode: the bytes reach read_credits undecoded, so that it
    # explains encoding problems itself.
    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        """Format.create_dataset: the typed rows of spreadsheet.format, not a tablib Dataset.

        CreditResource.import_data takes them as they are, so a row keeps one shape from
        the upload to the write. Raises CreditsError, which the admin shows on the form.
        """
        return read_credits(in_stream)

    def export_data(self, dataset, **kwargs):
        # Format.export_data: our CSV writer, LF line ends like the command's and the page's.
        return write_csv(dataset.headers, dataset)


class CreditsXLSX(base_formats.XLSX):
    """XLSX export of the same rows; importing is CSV only."""

    def can_import(self):
        return False


class CreditsResult(Result):
    """django-import-export's result of an import, with the plan the preview shows."""

    plan = None


class CreditResource(resources.ModelResource):
    """The credits of one project as spreadsheet rows: section, team, person, role."""

    section = Field(column_name="section")
    team = Field(column_name="team")
    person = Field(column_name="person")
    role = Field(column_name="role")
    sort_name = Field(column_name="sort_name")

    # Whether the export form asks for a project (the export is one project's credits).
    exports_one_project = True

    class Meta:
        model = Credit
        fields = (*COLUMNS, *OPTIONAL_COLUMNS)
        import_id_fields = ()

    def __init__(
        self,
        project=None,
        mode=ADD,
        expected_digest=None,
        same_people=None,
        with_emails=False,
        people=None,
        people_source="",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.project = project
        # Whether the export has people's private email addresses (the admin decides who may).
        self.with_emails = with_emails
        self.mode = mode
        self.expected_digest = expected_digest
        self.same_people = same_people
        # The rows of a people file imported first, with the credits (see import_credits).
        self.people = people
        self.people_source = people_source

    @classmethod
    def get_display_name(cls):
        return "Credits"

    def export(self, queryset=None, **kwargs):
        """Resource.export: the project's credits (those in `queryset`, if given) in page order.

        Overridden: the rows are a project's credits in page order, not one row per object.
        """
        return credits_table(self.project, self.credits_of(queryset), with_emails=self.with_emails)

    def credits_of(self, queryset):
        return queryset

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Resource.import_data: import `dataset`, CreditsCSV's rows, through our bulk engine.

        Overridden: the library saves row by row; ours plans, then writes everything in one
        transaction or nothing. Errors come back in the result, never half-written;
        ProjectBusy (an import held the project longer than a request waits) is raised.
        """
        result = CreditsResult()
        result.diff_headers = list(COLUMNS)
        try:
            plan = apply.import_credits(
                self.project,
                dataset,
                self.mode,
                people=self.people,
                people_source=self.people_source,
                dry_run=dry_run,
                user=kwargs.get("user"),
                source=kwargs.get("file_name") or "",
                expected_digest=None if dry_run else self.expected_digest,
                same_people=None if dry_run else self.same_people,
                wait_seconds=settings.WEB_LOCK_WAIT_SECONDS,
            )
        except CreditsError as error:
            if raise_errors:
                raise
            result.append_base_error(Error(error))
            return result
        result.plan = plan
        result.total_rows = plan.report.rows_read
        result.totals[RowResult.IMPORT_TYPE_NEW] = len(plan.changes.new_credits)
        result.totals[RowResult.IMPORT_TYPE_SKIP] = len(plan.report.unchanged)
        result.totals[RowResult.IMPORT_TYPE_DELETE] = len(plan.changes.removed_credits)
        return result


class PersonCreditResource(CreditResource):
    """People: imported as a project's credits; exported with all their credits, every project."""

    exports_one_project = False

    class Meta:
        model = Person
        fields = (*COLUMNS, *OPTIONAL_COLUMNS)
        import_id_fields = ()

    def export(self, queryset=None, **kwargs):
        """Resource.export: the credits of the people of `queryset` (everyone if None).

        Overridden: the rows are credits in every project, a `project` column first.
        """
        return people_credits_table(
            Person.objects.all() if queryset is None else queryset, with_emails=self.with_emails
        )
