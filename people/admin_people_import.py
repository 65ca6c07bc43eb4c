"""The admin's "Import people (identity)" screen: upload a people file, preview, confirm.

The file is the one export_people and the People list's action "Export people (identity)"
write. Between preview and confirmation it waits in the import's upload table
(people/spreadsheet/storage.py); the confirmation writes it all at once as one change
set, which can be undone. The credits import takes the same file beside a credits file
(people/admin_import.py), through the same form field.
"""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from people.spreadsheet.format import CreditsError, is_too_large, size_limit
from people.spreadsheet.people import PEOPLE_COLUMNS, import_people, read_people
from people.spreadsheet.storage import DatabaseUploadStorage, UploadExpired

UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}$")
TEMPLATE = "admin/people/person/people_import.html"
# Each list of the preview is open when it has at most this many people, else folded.
PREVIEW_OPEN_ROWS = 500


def can_import_people(user):
    """Importing a people file creates and changes people: it takes all three permissions."""
    return user.has_perms(["people.import_person", "people.add_person", "people.change_person"])


def people_file_field(**kwargs):
    return forms.FileField(
        label="People file",
        help_text="A people file written by “Export people (identity)” or export_people: CSV, "
        f"UTF-8, with the header {','.join(PEOPLE_COLUMNS)}. Largest size: {size_limit()}.",
        **kwargs,
    )


def read_people_upload(upload):
    """(bytes, rows) of an uploaded people file; ValidationError naming each problem."""
    if is_too_large(upload.size):
        raise forms.ValidationError(
            f"The file is {filesizeformat(upload.size)}; the largest file you can import is "
            f"{size_limit()}. Split it into smaller files."
        )
    # From its start: the credits import's form may be validated twice (admin_import.py).
    data = b"".join(upload.chunks())
    try:
        return data, read_people(data)
    except CreditsError as error:
        raise forms.ValidationError([str(problem) for problem in error.problems]) from error


def read_stored_people(name):
    """The rows of a people file waiting in the upload table; UploadExpired or CreditsError."""
    return read_people(DatabaseUploadStorage(name=name, read_mode="rb").read())


def store_upload(data):
    """Keep `data` in the upload table until its confirmation; return its name there."""
    storage = DatabaseUploadStorage()
    storage.save(data)
    return storage.name


def remove_upload(name):
    if name and UPLOAD_NAME.match(name):
        DatabaseUploadStorage(name=name).remove()


class PeopleImportForm(forms.Form):
    people_file = people_file_field()

    def clean_people_file(self):
        upload = self.cleaned_data["people_file"]
        self.people_data, self.people_rows = read_people_upload(upload)
        return upload


class PeopleConfirmForm(forms.Form):
    """What the preview sends back: where the file waits, its name, and what was previewed."""

    upload = forms.RegexField(UPLOAD_NAME, widget=forms.HiddenInput)
    source = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)
    digest = forms.CharField(max_length=64, widget=forms.HiddenInput)


def people_import_urls(model_admin):
    """The screen's URLs, for PersonAdmin.get_urls()."""
    admin_view = model_admin.admin_site.admin_view
    return [
        path(
            "import-people/",
            admin_view(lambda request: people_import_view(request, model_admin)),
            name="people_person_import_people",
        ),
        path(
            "import-people/confirm/",
            admin_view(lambda request: confirm_view(request, model_admin)),
            name="people_person_import_people_confirm",
        ),
    ]


def _check_permission(request):
    if not can_import_people(request.user):
        raise PermissionDenied


def people_import_view(request, model_admin):
    """The upload form; once a file is sent, the preview of what importing it changes."""
    _check_permission(request)
    if request.method != "POST":
        return _render(request, model_admin, form=PeopleImportForm())
    form = PeopleImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, model_admin, form=form)
    source = form.cleaned_data["people_file"].name
    try:
        plan = import_people(form.people_rows, dry_run=True, source=source)
    except CreditsError as error:
        form.add_error("people_file", [str(problem) for problem in error.problems])
        return _render(request, model_admin, form=form)
    confirm = PeopleConfirmForm(
        initial={
            "upload": store_upload(form.people_data) if plan.has_changes else "",
            "source": source,
            "digest": plan.digest(),
        }
    )
    return _render(request, model_admin, confirm_form=confirm, plan=plan)


@require_POST
def confirm_view(request, model_admin):
    """Write the confirmed import, all at once, or say why nothing was written."""
    _check_permission(request)
    confirm = PeopleConfirmForm(request.POST)
    if not confirm.is_valid():
        remove_upload(request.POST.get("upload", ""))
        return _failed(request, model_admin, ["The confirmation was incomplete; upload again."])
    data = confirm.cleaned_data
    try:
        plan = import_people(
            read_stored_people(data["upload"]),
            user=request.user,
            source=data["source"],
            expected_digest=data["digest"],
        )
    except UploadExpired as error:
        return _failed(request, model_admin, [str(error)])
    except CreditsError as error:
        return _failed(request, model_admin, [str(problem) for problem in error.problems])
    finally:
        remove_upload(data["upload"])
    if plan.change_set is None:
        messages.info(request, f"Nothing to import from {data['source'] or 'the file'}.")
    else:
        messages.success(
            request,
            format_html(
                'Imported {}: {}. <a href="{}">Undo this import</a>',
                data["source"] or "the people file",
                plan.summary(),
                reverse("admin:people_changeset_undo", args=[plan.change_set.pk]),
            ),
        )
    return HttpResponseRedirect(reverse("admin:people_person_changelist"))


def _failed(request, model_admin, errors):
    return _render(request, model_admin, form=PeopleImportForm(), errors=errors)


def _render(request, model_admin, **context):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Import people (identity)",
        "preview_open_rows": PREVIEW_OPEN_ROWS,
        **context,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, TEMPLATE, context)
