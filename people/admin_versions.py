"""The admin's screens for published versions: publishing after reviewing the changes,
the versions of a project, comparing two of them, and restoring the draft from one.

The work is done in people/versions.py (publishing, restoring) and people/diff.py
(comparing).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from people.diff import compare
from people.models import NOTE_MAX_LENGTH, ProjectBusy, Version
from people.restoring import restore_draft
from people.snapshots import draft_snapshot, one_snapshot
from people.versions import (
    PublishError,
    WaitingForAnswers,
    load_snapshot,
    merges,
    names_of,
    preview,
    projects_with_versions,
    publish,
    unpublish,
)

# Publishing


@dataclass
class PublishForm:
    """A project on the publish screen: what publishing it changes, and the editor's note."""

    preview: object
    note: str = ""
    error: str = ""

    @property
    def prefix(self):
        return prefix_of(self.preview.project)


def prefix_of(project):
    return f"project-{project.pk}"


def publish_selected_projects(modeladmin, request, queryset):
    """Show what publishing the selected projects changes; publish once the editor confirms.

    The confirmation carries, for each project, the version its changes are from
    and the fingerprint of the draft shown: publish() refuses when either moved.
    """
    projects = list(queryset.select_related("assembled_by").order_by("title", "pk"))
    if "confirm" not in request.POST:
        return publish_screen(modeladmin, request, [PublishForm(preview(p)) for p in projects])
    notes = {
        project.pk: request.POST.get(f"{prefix_of(project)}-note", "").strip()
        for project in projects
    }
    if any(len(note) > NOTE_MAX_LENGTH for note in notes.values()):
        forms = [PublishForm(preview(project), notes[project.pk]) for project in projects]
        for form in forms:
            if len(form.note) > NOTE_MAX_LENGTH:
                form.error = (
                    f"Keep the note under {NOTE_MAX_LENGTH:,} characters "
                    f"(this one has {len(form.note):,})."
                )
        modeladmin.message_user(request, "Nothing was published: see below.", messages.ERROR)
        return publish_screen(modeladmin, request, forms)
    waiting = [project for project in projects if publish_one(modeladmin, request, project, notes)]
    if waiting:
        # Not confirmed as "Publish anyway" (someone stopped answering since the screen
        # was shown, or it listed nobody): the screen again, with whom they wait for.
        forms = [PublishForm(preview(project), notes[project.pk]) for project in waiting]
        return publish_screen(modeladmin, request, forms)
    return None


def publish_one(modeladmin, request, project, notes):
    """Publish one project as the editor reviewed it, and tell them what happened.

    Returns whether the project's rule made it wait for people's answers, which the
    editor did not confirm publishing without: nothing was published.
    """
    prefix = prefix_of(project)
    note = notes[project.pk]
    base = request.POST.get(f"{prefix}-base", "")
    fingerprint = request.POST.get(f"{prefix}-fingerprint", "")
    if not base.isdecimal() or not fingerprint:
        message = f"“{project}”: review its changes before publishing it; nothing was published."
        modeladmin.message_user(request, message, messages.ERROR)
        return False
    try:
        publication = publish(
            project,
            user=request.user,
            note=note,
            base=int(base),
            fingerprint=fingerprint,
            wait_seconds=settings.WEB_LOCK_WAIT_SECONDS,
            anyway=request.POST.get(f"{prefix}-anyway") == "1",
        )
    except WaitingForAnswers:
        message = (
            f"“{project}”: nothing was published. It waits for the answers of the people "
            "listed below: publish anyway, or wait for them."
        )
        modeladmin.message_user(request, message, messages.WARNING)
        return True
    except (PublishError, ProjectBusy) as error:
        modeladmin.message_user(request, f"“{project}”: {error}", messages.ERROR)
        return False
    number = publication.version.number
    if publication.is_new:
        text = f"Published “{project}” as version {number}."
    else:
        text = f"“{project}” is online again, as version {number}."
    modeladmin.message_user(request, text, messages.SUCCESS)
    return False


def publish_screen(modeladmin, request, forms):
    publishable = [
        form
        for form in forms
        if form.preview.credit_count
        and not (form.preview.is_unchanged and form.preview.project.is_published)
    ]
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": "Publish" if len(forms) != 1 else f"Publish “{forms[0].preview.project}”",
        "forms": forms,
        "can_publish": bool(publishable),
        "waits": any(form.preview.waiting for form in publishable),
        "note_max_length": NOTE_MAX_LENGTH,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "publish",
        "changelist_url": reverse("admin:people_project_changelist"),
    }
    return TemplateResponse(request, "admin/people/project/publish.html", context)


def publish_view(request, modeladmin, object_id):
    """The publish screen of one project (the change form's "Publish…" button)."""
    project = get_object_or_404(modeladmin.model, pk=object_id)
    if not modeladmin.has_change_permission(request, project):
        raise PermissionDenied
    return publish_screen(modeladmin, request, [PublishForm(preview(project))])


def unpublish_selected_projects(modeladmin, request, queryset):
    wait = settings.WEB_LOCK_WAIT_SECONDS
    try:
        taken_down = [project for project in queryset if unpublish(project, request.user, wait)]
    except ProjectBusy as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return
    if taken_down:
        modeladmin.message_user(
            request, f"Unpublished {len(taken_down)} project(s).", messages.SUCCESS
        )
    else:
        modeladmin.message_user(request, "The selected projects were already unpublished.")


# Versions, comparing, restoring


def project_or_404(request, modeladmin, object_id, permission="view"):
    project = get_object_or_404(projects_with_versions(), pk=object_id)
    allowed = getattr(modeladmin, f"has_{permission}_permission")(request, project)
    if not allowed:
        raise PermissionDenied
    return project


def context_of(modeladmin, request, project, title):
    return {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "original": project,
        "project": project,
        "title": title,
    }


def versions_view(request, modeladmin, object_id):
    """The versions of a project, newest first, with a form to compare any two."""
    project = project_or_404(request, modeladmin, object_id)
    versions = list(
        Version.objects.filter(project=project)
        .defer("content")
        .select_related("published_by")
        .order_by("-number")
    )
    context = {
        **context_of(modeladmin, request, project, f"Versions of “{project}”"),
        "versions": versions,
        "can_change": modeladmin.has_change_permission(request, project),
    }
    return TemplateResponse(request, "admin/people/project/versions.html", context)


DRAFT = "draft"


def side(project, choice):
    """Return (label, Snapshot) of "draft" or a version number of `project`; 404 otherwise."""
    if choice == DRAFT:
        return "the draft", draft_snapshot(project)
    if not choice.isdecimal():
        raise Http404("Choose a version number or the draft.")
    version = get_object_or_404(Version, project=project, number=int(choice))
    return f"version {version.number}", load_snapshot(version)


def compare_view(request, modeladmin, object_id):
    """Compare two versions of a project, or a version with the draft (read-only)."""
    project = project_or_404(request, modeladmin, object_id)
    default_from = str(project.latest_number or "")
    first = request.GET.get("from", default_from)
    second = request.GET.get("to", DRAFT)
    context = {
        **context_of(modeladmin, request, project, f"Compare versions of “{project}”"),
        "numbers": list(
            Version.objects.filter(project=project)
            .order_by("-number")
            .values_list("number", flat=True)
        ),
        "first": first,
        "second": second,
    }
    if first == second:
        messages.warning(request, "Choose two different versions to compare.")
        return TemplateResponse(request, "admin/people/project/compare.html", context)
    with one_snapshot():
        (first_label, old), (second_label, new) = side(project, first), side(project, second)
        comparison = compare(old, new, merges(old, new))
    context.update(
        first_label=first_label,
        second_label=second_label,
        comparison=comparison,
        groups=comparison.groups(names_of(old, new)),
    )
    return TemplateResponse(request, "admin/people/project/compare.html", context)


def restore_view(request, modeladmin, object_id, number):
    """Confirm, then set the draft back to a version's content."""
    project = project_or_404(request, modeladmin, object_id, permission="change")
    version = get_object_or_404(Version, project=project, number=number)
    if request.method == "POST":
        try:
            restore_draft(
                project, version, user=request.user, wait_seconds=settings.WEB_LOCK_WAIT_SECONDS
            )
        except (PublishError, ProjectBusy) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"The draft is now version {version.number}'s content. Publishing it makes "
                f"version {project.latest_number + 1}.",
            )
        return HttpResponseRedirect(reverse("admin:people_project_change", args=[project.pk]))
    with one_snapshot():
        draft, old = draft_snapshot(project), load_snapshot(version)
        comparison = compare(draft, old, merges(draft, old))
    context = {
        **context_of(modeladmin, request, project, f"Restore the draft from version {number}"),
        "version": version,
        "comparison": comparison,
        "groups": comparison.groups(names_of(draft, old)),
    }
    return TemplateResponse(request, "admin/people/project/restore.html", context)


def version_urls(modeladmin):
    """The URLs of the publish and versions screens, for ProjectAdmin.get_urls()."""
    admin_view = modeladmin.admin_site.admin_view

    def view(function):
        return admin_view(lambda request, **kwargs: function(request, modeladmin, **kwargs))

    return [
        path("<int:object_id>/publish/", view(publish_view), name="people_project_publish"),
        path("<int:object_id>/versions/", view(versions_view), name="people_project_versions"),
        path(
            "<int:object_id>/versions/compare/",
            view(compare_view),
            name="people_project_compare",
        ),
        path(
            "<int:object_id>/versions/<int:number>/restore/",
            view(restore_view),
            name="people_project_restore",
        ),
    ]
