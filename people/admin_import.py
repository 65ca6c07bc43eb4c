"""Credits import and export in the admin: django-import-export's screens on our engine.

django-import-export 4.4 reports "Import finished" even when the confirm step
failed, keeps uploads in a local temporary folder and logs one entry per row;
this mixin confirms only what was written, keeps uploads in the database
(people/spreadsheet/storage.py) and logs one entry per import on the project.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm

from people.admin_people_import import (
    can_import_people,
    people_file_field,
    read_people_upload,
    read_stored_people,
    remove_upload,
    store_upload,
)
from people.import_tasks import (
    draw_preview,
    import_preview_view,
    import_progress_view,
    is_large,
    queue_import,
    queue_preview,
    rows_at_most,
)
from people.models import ImportPreview, Project, ProjectBusy, can_see_emails
from people.resources import CreditsCSV, CreditsXLSX
from people.spreadsheet.apply import refuse_emails
from people.spreadsheet.export import export_file_name
from people.spreadsheet.format import CreditsError, is_too_large, read_credits, size_limit
from people.spreadsheet.plan import ADD, MODES, SYNC
from people.spreadsheet.storage import UploadExpired

UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}$")


SAME_PERSON = re.compile(r"^same-person-([0-9]+)$")


def same_people(post):
    """The preview's decisions, {row of a new name: pk of the person it is}.

    Each flagged name's choice is posted as "same-person-<row>": a pk, or "new".
    """
    decisions = {}
    for name, value in post.items():
        found = SAME_PERSON.match(name)
        if found and value.isdecimal():
            decisions[int(found[1])] = int(value)
    return decisions


def projects():
    return Project.objects.order_by("title", "pk")


class ModeSelect(forms.RadioSelect):
    """The import modes, each choice with a sentence saying what it does."""

    descriptions = {
        ADD: "Adds the file's credits that the project lacks; changes and removes nothing.",
        SYNC: "The project's credits become exactly the file's: credits, teams and sections "
        "the file lacks are removed. The preview lists them before anything is written.",
    }

    def create_option(self, name, value, label, selected, index, **kwargs):
        option = super().create_option(name, value, label, selected, index, **kwargs)
        option["description"] = self.descriptions[value]
        return option


class CreditsImportForm(ImportForm):
    project = forms.ModelChoiceField(projects(), help_text="The project whose credits change.")
    mode = forms.ChoiceField(choices=[(ADD, "Add"), (SYNC, "Sync")], initial=ADD, widget=ModeSelect)
    people_file = people_file_field(required=False)
    field_order = ["project", "mode", "import_file", "people_file", "format", "resource"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects()
        self.fields["import_file"].help_text = (
            "A CSV file, UTF-8, with the header section,team,person,role (optionally "
            "sort_name, and email for people's private addresses, if you may set them) and one "
            f"row per credit. Largest size: {size_limit()}."
        )
        self.fields["people_file"].help_text = (
            "Optional: the people file exported with the credits (People → “Export people "
            "(identity)”), imported first, in the same change set, so that the credits find "
            "the people, other spellings and addresses it carries. Largest size: "
            f"{size_limit()}."
        )
        self.people_rows = None

    def clean_people_file(self):
        upload = self.cleaned_data.get("people_file")
        if upload:
            self.people_data, self.people_rows = read_people_upload(upload)
        return upload

    def clean_import_file(self):
        # Only the size: the file is read once, by CreditsCSV.create_dataset.
        upload = self.cleaned_data["import_file"]
        if is_too_large(upload.size):
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest file you can import is "
                f"{size_limit()}. Split it into smaller files."
            )
        return upload


class CreditsConfirmImportForm(ConfirmImportForm):
    project = forms.ModelChoiceField(Project.objects.all(), widget=forms.HiddenInput)
    mode = forms.ChoiceField(choices=MODES, widget=forms.HiddenInput)
    digest = forms.CharField(widget=forms.HiddenInput)
    # The people file sent with the credits, if any: where it waits, and its name.
    people_file_name = forms.RegexField(UPLOAD_NAME, required=False, widget=forms.HiddenInput)
    people_source = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)

    def clean_import_file_name(self):
        name = super().clean_import_file_name()
        if not UPLOAD_NAME.match(name):
            raise forms.ValidationError("Unknown upload.")
        return name


class PrivateExportForm(ExportForm):
    """An export form that may add people's private email addresses, for staff who see them.

    CreditsImportExportMixin.init_request_context_data takes the choice away from others.
    """

    with_emails = forms.BooleanField(
        label="Include private email addresses",
        required=False,
        help_text="Adds an email column with people's private addresses, which the credits "
        "import reads back. Keep the file private.",
    )


class CreditsExportForm(PrivateExportForm):
    project = forms.ModelChoiceField(projects(), help_text="The project whose credits to export.")
    field_order = ["project", "format", "with_emails", "resource"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects()
        if "project" not in self.initial and len(self.fields["project"].queryset[:2]) == 1:
            self.initial["project"] = self.fields["project"].queryset.get()


class PeopleCreditsExportForm(PrivateExportForm):
    """The export of people's credits, in every project: only the file format to choose."""

    field_order = ["format", "with_emails", "resource"]


class CreditsImportExportMixin(ImportMixin, ExportActionMixin):
    """Import and export of a project's credits in the spreadsheet format."""

    import_form_class = CreditsImportForm
    confirm_form_class = CreditsConfirmImportForm
    export_form_class = CreditsExportForm
    import_template_name = "admin/import_export/credits_import.html"
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    import_formats = [CreditsCSV]
    export_formats = [CreditsCSV, CreditsXLSX]
    # The engine logs one entry per import, on the project, in its own transaction.
    skip_admin_log = True
    # Exporting one credit from its change form is of no use; keep the admin's form.
    change_form_template = None
    show_change_form_export = False

    def init_change_list_template(self):
        # ImportExportMixinBase.init_change_list_template: overridden to keep the model's
        # own change list template (e.g. the people list's extra links) under the import
        # and export buttons; the library falls back on admin/change_list.html only.
        opts = self.model._meta
        self.ie_base_change_list_template = (
            self.change_list_template
            or select_template(
                [
                    f"admin/{opts.app_label}/{opts.model_name}/change_list.html",
                    f"admin/{opts.app_label}/change_list.html",
                    "admin/change_list.html",
                ]
            ).origin.template_name
        )
        self.change_list_template = self.import_export_change_list_template

    def get_export_queryset(self, request):
        # ExportMixin.get_export_queryset: wrapped, as it reads the list's filters from the
        # address through a ChangeList, which raises for one the list refuses (the list
        # itself then redirects): that is a bad address, not a server error.
        try:
            return super().get_export_queryset(request)
        except IncorrectLookupParameters as error:
            raise BadRequest(
                f"The list's filters in this address are not valid: {error}"
            ) from error

    def create_import_form(self, request):
        form = super().create_import_form(request)
        if not can_import_people(request.user):
            del form.fields["people_file"]
        return form

    def get_import_resource_kwargs(self, request, form=None, **kwargs):
        data = getattr(form, "cleaned_data", None) or {}
        if "project" not in data or form.errors:
            return {}
        return {
            "project": data["project"],
            "mode": data["mode"],
            "expected_digest": data.get("digest"),
            "same_people": same_people(request.POST),
            **self.people_file(request, form),
        }

    def people_file(self, request, form):
        """The rows and name of the people file sent with the credits, for the resource.

        From the upload form, or, on confirmation, from the upload table, where the
        preview left it (UploadExpired if it is gone, CreditsError if it cannot be read).
        """
        rows = getattr(form, "people_rows", None)
        if rows is not None:
            return {"people": rows, "people_source": form.cleaned_data["people_file"].name}
        name = form.cleaned_data.get("people_file_name")
        if not name:
            return {}
        return {
            "people": read_stored_people(name),
            "people_source": form.cleaned_data["people_source"],
        }

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["project"] = import_form.cleaned_data["project"].pk
            initial["mode"] = import_form.cleaned_data["mode"]
            if import_form.people_rows is not None:
                initial["people_file_name"] = store_upload(import_form.people_data)
                initial["people_source"] = import_form.cleaned_data["people_file"].name
        return initial

    def add_data_read_fail_error_to_form(self, form, e):
        # ImportMixin.add_data_read_fail_error_to_form: overridden to say what is wrong with
        # the file, by row and column, rather than the name of the exception.
        if isinstance(e, CreditsError):
            form.add_error("import_file", [str(problem) for problem in e.problems])
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        # ImportMixin.import_action: wrapped, to prepare the preview of a large file in the
        # background, to put the plan and our errors on its preview page and to delete an
        # upload that cannot be confirmed.
        if request.method == "POST" and self.has_import_permission(request):
            import_form = self.create_import_form(request)
            if import_form.is_valid():
                data = b"".join(import_form.cleaned_data["import_file"].chunks())
                if is_large(rows_at_most(data)):
                    return self.preview_in_background(request, import_form, data)
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if context is None:
            return response
        result = context.get("result")
        plan = getattr(result, "plan", None)
        if context.get("confirm_form") is not None and plan is not None:
            confirm_form = context["confirm_form"]
            confirm_form.initial["digest"] = plan.digest()
            context["preview_confirmation"], context["preview_page"] = draw_preview(
                plan, confirm_form.initial["original_file_name"], can_see_emails(request.user)
            )
            return response
        if result is not None and result.has_errors():
            context["credits_errors"] = [
                str(problem)
                for error in result.base_errors
                for problem in getattr(error.error, "problems", [error.error])
            ]
        name = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        if name is not None:
            self.tmp_storage(name).remove()
        return response

    def preview_in_background(self, request, import_form, data):
        """Store a large upload, queue its preview (people/import_tasks.py) and show its page.

        This request only stores the file: the task reads, plans and draws the preview.
        """
        form = import_form.cleaned_data
        storage = self.get_tmp_storage_class()(read_mode="rb")
        storage.save(data)
        preview = queue_preview(
            project=form["project"],
            user=request.user,
            upload_name=storage.name,
            source=form["import_file"].name,
            mode=form["mode"],
            file_format=form["format"],
            resource=form.get("resource", ""),
            rows=rows_at_most(data),
            **self.stored_people_file(import_form),
        )
        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_import_preview", preview.pk)

    def stored_people_file(self, import_form):
        """The people file sent with a large upload, stored for its background preview."""
        if getattr(import_form, "people_rows", None) is None:
            return {}
        return {
            "people_upload_name": store_upload(import_form.people_data),
            "people_source": import_form.cleaned_data["people_file"].name,
        }

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Write the confirmed import; report success only for what was written."""
        # ImportMixin.process_import: replaced, to show why nothing was imported (the
        # database changed, the project was deleted or is locked by an import, the upload
        # expired) instead of a success message, and to delete the upload whatever happens.
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.POST.get("people_file_name") and not can_import_people(request.user):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        name = request.POST.get("import_file_name", "")
        storage = self.tmp_storage(name if UPLOAD_NAME.match(name) else None)
        people_name = request.POST.get("people_file_name", "")
        if not confirm_form.is_valid():
            storage.remove()
            remove_upload(people_name)
            if "project" in confirm_form.errors:
                return self.import_failed(
                    request, ["The project of this import no longer exists; nothing was imported."]
                )
            return self.import_failed(request, ["The confirmation was incomplete; upload again."])
        queued = False
        prepared = ImportPreview.objects.filter(upload_name=storage.name).first()
        try:
            if prepared is not None:
                # Previewed in the background, so written there too, the file unread here.
                queued = True
                return self.import_in_background(request, confirm_form, prepared.rows)
            rows = read_credits(storage.read())
            refuse_emails(rows, request.user)
            if is_large(len(rows)):
                # The task reads the upload, then deletes it.
                queued = True
                return self.import_in_background(request, confirm_form, len(rows))
            result = self.process_dataset(rows, confirm_form, request, **kwargs)
        except (UploadExpired, CreditsError, ProjectBusy) as error:
            return self.import_failed(request, [str(error)])
        finally:
            if not queued:
                storage.remove()
                remove_upload(people_name)
            if prepared is not None:
                prepared.delete()
        if result.has_errors():
            return self.import_failed(request, [str(error.error) for error in result.base_errors])
        return self.process_result(result, request)

    def import_in_background(self, request, confirm_form, rows):
        """Queue a large confirmed import (people/import_tasks.py) and show its progress page.

        The task reads the upload, checks the confirmed plan's digest and writes, all or
        nothing; this request writes only the job.
        """
        data = confirm_form.cleaned_data
        job = queue_import(
            project=data["project"],
            user=request.user,
            upload_name=data["import_file_name"],
            source=data["original_file_name"],
            mode=data["mode"],
            digest=data["digest"],
            rows=rows,
            same_people=same_people(request.POST),
            people_upload_name=data["people_file_name"],
            people_source=data["people_source"],
        )
        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_import_progress", job.pk)

    def get_urls(self):
        opts = self.model._meta
        progress = path(
            "import/<uuid:job_id>/",
            self.admin_site.admin_view(self.import_progress),
            name=f"{opts.app_label}_{opts.model_name}_import_progress",
        )
        preview = path(
            "import/preview/<uuid:preview_id>/",
            self.admin_site.admin_view(self.import_preview),
            name=f"{opts.app_label}_{opts.model_name}_import_preview",
        )
        return [progress, preview, *super().get_urls()]

    def import_progress(self, request, job_id):
        return import_progress_view(self, request, job_id)

    def import_preview(self, request, preview_id):
        return import_preview_view(self, request, preview_id)

    def tmp_storage(self, name):
        return self.get_tmp_storage_class()(name=name, read_mode="rb")

    def import_failed(self, request, errors):
        """The import page again, with why nothing was imported and a fresh upload form."""
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import",
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "credits_errors": errors,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def add_success_message(self, result, request):
        plan = result.plan
        messages.success(request, f'Import finished for "{plan.project}": {plan.summary()}.')

    def exports_one_project(self):
        return all(resource.exports_one_project for resource in self.resource_classes)

    def get_export_form_class(self):
        return self.export_form_class if self.exports_one_project() else PeopleCreditsExportForm

    def init_request_context_data(self, request, form):
        # ExportMixin.init_request_context_data: extended, as the one place both export
        # screens pass the form through with the request, to offer the private email
        # column only to staff allowed to see it.
        if not can_see_emails(request.user):
            form.fields.pop("with_emails", None)
        return super().init_request_context_data(request, form)

    def get_export_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("export_form")
        data = getattr(form, "cleaned_data", {})
        resource_kwargs = {"with_emails": bool(data.get("with_emails"))}
        # Asked for by someone who may not see them (the field was not shown): never.
        resource_kwargs["with_emails"] &= can_see_emails(request.user)
        if "project" in data:
            resource_kwargs["project"] = data["project"]
        return resource_kwargs

    def get_export_filename(self, request, queryset, file_format):
        # ExportMixin.get_export_filename: overridden to name the file after the project
        # (the export form's, already validated) or, for people, after them.
        slug = "people"
        if self.exports_one_project():
            project = Project.objects.filter(pk=request.POST.get("project")).first()
            slug = project.slug if project is not None else "project"
        return export_file_name(slug, file_format.get_extension(), timezone.localdate())
