"""The admin's "Import a page's text" screen: paste or upload, preview, correct, confirm.

The text waits between preview and confirmation in the spreadsheet import's upload
table (people/spreadsheet/storage.py), so a page of 10 MB is never sent back and forth.
Headings the page lost can be typed in the preview; the interpretation can be
downloaded in the CSV import format, to correct in a spreadsheet instead.
"""

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from people.models import Project
from people.spreadsheet.format import CreditsError, is_too_large, size_limit
from people.spreadsheet.plan import ADD, MODES
from people.spreadsheet.storage import DatabaseUploadStorage, UploadExpired
from people.textimport.apply import (
    import_text,
    interpretation_csv,
    plan_text_import,
    prefer_known_spellings,
)
from people.textimport.decode import FORMATS, TextImportError, decode, detect_format
from people.textimport.reader import read_text

PREVIEW_ROWS = 500
UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}$")
HEADING_FIELD = re.compile(r"^heading-(\d{1,9})$")
TEMPLATE = "admin/people/textimport/import.html"


def text_import_urls(model_admin):
    """The screen's URLs, for ProjectAdmin.get_urls()."""
    admin_view = model_admin.admin_site.admin_view
    return [
        path(
            "import-text/",
            admin_view(lambda request: text_import_view(request, model_admin)),
            name="people_project_import_text",
        ),
        path(
            "import-text/csv/",
            admin_view(lambda request: download_csv_view(request, model_admin)),
            name="people_project_import_text_csv",
        ),
        path(
            "import-text/confirm/",
            admin_view(lambda request: confirm_view(request, model_admin)),
            name="people_project_import_text_confirm",
        ),
    ]


def can_import_text(user):
    return user.has_perms(["people.import_credit", "people.change_project", "people.add_person"])


class TextImportForm(forms.Form):
    project = forms.ModelChoiceField(
        Project.objects.none(), help_text="The project whose credits and page text change."
    )
    mode = forms.ChoiceField(choices=MODES, initial=ADD, widget=forms.RadioSelect)
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100, "spellcheck": "false"}),
        label="Paste the page's text",
        help_text="Copied from a web page, a document or a README: plain text, Markdown or "
        f"HTML, up to {filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} (upload a longer "
        "page as a file).",
    )
    file = forms.FileField(
        required=False,
        label="or upload a file",
        help_text=f".txt, .md, .html (a saved web page), CITATION.cff or .bib; UTF-8; at most "
        f"{size_limit()}.",
    )
    format = forms.ChoiceField(choices=FORMATS, required=False, initial="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.order_by("title", "pk")

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        if upload and text.strip():
            raise forms.ValidationError("Paste the text or upload a file, not both.")
        if upload is None and not text.strip():
            raise forms.ValidationError("Paste the page's text or choose a file: both are empty.")
        if upload is not None and is_too_large(upload.size):
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest you can import is "
                f"{size_limit()}."
            )
        data["source"] = upload.read() if upload is not None else text.encode("utf-8")
        data["filename"] = upload.name if upload is not None else ""
        try:
            data["decoded"] = decode(data["source"])
        except TextImportError as error:
            raise forms.ValidationError(error.messages) from error
        return data


class PreviewForm(forms.Form):
    """What a preview sends back: where the text waits, and the headings typed in."""

    upload = forms.RegexField(UPLOAD_NAME, widget=forms.HiddenInput)
    project = forms.ModelChoiceField(Project.objects.all(), widget=forms.HiddenInput)
    mode = forms.ChoiceField(choices=MODES, widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=FORMATS[1:], widget=forms.HiddenInput)
    filename = forms.CharField(required=False, widget=forms.HiddenInput)
    digest = forms.CharField(required=False, widget=forms.HiddenInput)


def typed_headings(data):
    """{line: heading} from the preview's heading fields ("heading-27": "Data")."""
    headings = {}
    for name, value in data.items():
        match = HEADING_FIELD.match(name)
        if match:
            headings[int(match.group(1))] = " ".join(value.split())[:200]
    return headings


def _check_permission(request):
    if not can_import_text(request.user):
        raise PermissionDenied


def text_import_view(request, model_admin):
    _check_permission(request)
    if request.method != "POST":
        initial = {"project": request.GET.get("project")} if "project" in request.GET else {}
        return _render(request, model_admin, form=TextImportForm(initial=initial))
    if "upload" in request.POST:
        return _preview_again(request, model_admin)
    form = TextImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, model_admin, form=form)
    data = form.cleaned_data
    storage = DatabaseUploadStorage()
    storage.save(data["source"])
    format_name = data["format"] or detect_format(data["decoded"], data["filename"])
    preview = PreviewForm(
        initial={
            "upload": storage.name,
            "project": data["project"].pk,
            "mode": data["mode"],
            "format": format_name,
            "filename": data["filename"],
        }
    )
    return _preview(
        request, model_admin, preview, data["project"], data["mode"], data["decoded"], {}
    )


def _preview_again(request, model_admin):
    preview = PreviewForm(request.POST)
    if not preview.is_valid():
        return _failed(request, model_admin, ["The preview was incomplete; paste the text again."])
    data = preview.cleaned_data
    try:
        text = _stored_text(data["upload"])
    except (UploadExpired, TextImportError) as error:
        return _failed(request, model_admin, [str(error)])
    preview = PreviewForm(initial={**data, "project": data["project"].pk})
    return _preview(
        request,
        model_admin,
        preview,
        data["project"],
        data["mode"],
        text,
        typed_headings(request.POST),
    )


def _preview(request, model_admin, preview, project, mode, text, headings):
    format_name = preview.initial["format"]
    errors = []
    planned = None
    try:
        document = read_text(text, format_name, headings)
        prefer_known_spellings(document)
        planned = plan_text_import(project, document, mode)
        preview.initial["digest"] = planned.digest()
    except TextImportError as error:
        document, errors = None, error.messages
    except CreditsError as error:
        errors = [str(problem) for problem in error.problems]
    return _render(
        request,
        model_admin,
        preview=preview,
        project=project,
        mode=mode,
        format_label=dict(FORMATS)[format_name],
        filename=preview.initial.get("filename") or "the pasted text",
        document=document,
        planned=planned,
        errors=errors,
    )


@require_POST
def download_csv_view(request, model_admin):
    """The interpretation in the CSV import format, with the headings typed so far."""
    _check_permission(request)
    preview = PreviewForm(request.POST)
    if not preview.is_valid():
        return _failed(request, model_admin, ["The preview was incomplete; paste the text again."])
    data = preview.cleaned_data
    try:
        text = _stored_text(data["upload"])
        document = read_text(text, data["format"], typed_headings(request.POST))
    except (UploadExpired, TextImportError) as error:
        return _failed(request, model_admin, [str(error)])
    prefer_known_spellings(document)
    response = HttpResponse(interpretation_csv(document), content_type="text/csv; charset=utf-8")
    name = f"{data['project'].slug}-from-text-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def confirm_view(request, model_admin):
    """Write the confirmed import, all at once, or say why nothing was written."""
    _check_permission(request)
    preview = PreviewForm(request.POST)
    if not preview.is_valid():
        if "project" in preview.errors:
            return _failed(
                request,
                model_admin,
                ["The project of this import no longer exists; nothing was imported."],
            )
        return _failed(
            request, model_admin, ["The confirmation was incomplete; nothing was imported."]
        )
    data = preview.cleaned_data
    storage = DatabaseUploadStorage(name=data["upload"], read_mode="rb")
    try:
        text = decode(storage.read())
        document = read_text(text, data["format"], typed_headings(request.POST))
        prefer_known_spellings(document)
        planned = import_text(
            data["project"],
            document,
            data["mode"],
            user=request.user,
            source=data["filename"] or "pasted text",
            expected_digest=data["digest"],
        )
    except (UploadExpired, TextImportError) as error:
        return _failed(request, model_admin, [str(error)])
    except CreditsError as error:
        return _failed(request, model_admin, [str(problem) for problem in error.problems])
    storage.remove()
    messages.success(request, f'Imported into "{data["project"]}": {planned.summary()}.')
    return HttpResponseRedirect(reverse("admin:people_project_change", args=[data["project"].pk]))


def _stored_text(name):
    return decode(DatabaseUploadStorage(name=name, read_mode="rb").read())


def _failed(request, model_admin, errors):
    return _render(request, model_admin, form=TextImportForm(), errors=errors, failed=True)


def _render(request, model_admin, **context):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Import a page's text",
        "preview_rows": PREVIEW_ROWS,
        **context,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, TEMPLATE, context)
