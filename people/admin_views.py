"""The admin's screens for one person spelled many ways (the duplicate finder, the merge
action, the warnings about a name that two people go by), and the undo of a change set.

The algorithms are in people/duplicates.py (finding), people/merging.py (merging) and
people/changesets.py (undoing).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from people.changesets.plan import LISTED_CONFLICTS, UndoError, plan_undo
from people.changesets.undo import undo
from people.duplicates import find_groups, shared_spellings
from people.merging import MergeError, merge_people, plan_merge, suggest_kept, weigh_evidence
from people.models import (
    Alias,
    ChangeSet,
    Credit,
    DistinctPair,
    Mention,
    Person,
    can_see_emails,
    credit_section,
)
from people.spreadsheet.people import export_people_csv

GROUPS_PER_PAGE = 50


# The duplicate finder


def describe_people(groups):
    """Load the people of `groups` with their aliases, credit counts and projects."""
    person_ids = {person_id for group in groups for person_id in group.person_ids}
    people = Person.objects.filter(pk__in=person_ids).prefetch_related(
        Prefetch("aliases", queryset=Alias.objects.order_by("name"))
    )
    people = {person.pk: person for person in people}
    for person in people.values():
        person.credit_count = 0
        person.mention_count = 0
        person.project_titles = set()
    credits = Credit.objects.filter(person_id__in=person_ids).values_list(
        "person_id", credit_section("project__title")
    )
    for person_id, title in credits:
        people[person_id].credit_count += 1
        people[person_id].project_titles.add(title)
    mentions = Mention.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "acknowledgment__project__title"
    )
    for person_id, title in mentions:
        people[person_id].mention_count += 1
        people[person_id].project_titles.add(title)
    for person in people.values():
        person.project_titles = sorted(person.project_titles)
    for group in groups:
        group.people = [people[person_id] for person_id in group.person_ids]
        for match in group.matches:
            match.first = people[match.first_id]
            match.second = people[match.second_id]


def duplicates_view(request, model_admin):
    if not request.user.has_perm("people.change_person"):
        raise PermissionDenied
    groups = find_groups()
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    describe_people(page.object_list)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Possible duplicate people",
        "page": page,
        "group_count": len(groups),
        "merge_action_url": reverse("admin:people_person_changelist"),
    }
    return TemplateResponse(request, "admin/people/person/duplicates.html", context)


@require_POST
def mark_distinct_view(request, model_admin):
    if not request.user.has_perm("people.change_person"):
        raise PermissionDenied
    back = reverse("admin:people_person_duplicates")
    page = request.POST.get("page", "")
    if page.isdecimal():
        back += f"?page={page}"
    ids = [request.POST.get("first", ""), request.POST.get("second", "")]
    if not all(value.isdecimal() for value in ids) or ids[0] == ids[1]:
        messages.error(request, "Choose two different people to mark as different.")
        return redirect(back)
    people = Person.objects.filter(pk__in=ids).order_by("pk")
    if len(people) != 2:
        messages.error(request, "One of these people no longer exists; nothing was recorded.")
        return redirect(back)
    first, second = people
    DistinctPair.objects.get_or_create(
        first=first, second=second, defaults={"decided_by": request.user}
    )
    messages.success(
        request, f"“{first}” and “{second}” are recorded as different people and not shown again."
    )
    return redirect(back)


def duplicate_urls(model_admin):
    """The URLs of the duplicate finder, for PersonAdmin.get_urls()."""
    admin_view = model_admin.admin_site.admin_view
    return [
        path(
            "duplicates/",
            admin_view(lambda request: duplicates_view(request, model_admin)),
            name="people_person_duplicates",
        ),
        path(
            "duplicates/different/",
            admin_view(lambda request: mark_distinct_view(request, model_admin)),
            name="people_person_distinct",
        ),
    ]


# Merging


# "export" is import-export's has_export_permission: people.export_person.
@admin.action(description="Export people (identity)", permissions=["export"])
def export_people_identity(modeladmin, request, queryset):
    """The selected people's identities as the people file export_people writes."""
    response = HttpResponse(
        export_people_csv(queryset.model.objects.filter(pk__in=queryset.values("pk"))),
        content_type="text/csv; charset=utf-8",
    )
    name = f"people-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# "merge" is PersonAdmin.has_merge_permission: change and delete (Django accepts
# an action when any one of the listed permissions is held).
@admin.action(description="Merge selected people…", permissions=["merge"])
def merge_selected_people(modeladmin, request, queryset):
    """Show what merging the selected people changes; merge once the editor confirms."""
    people = list(queryset.prefetch_related("aliases").order_by("pk"))
    if len(people) < 2:
        modeladmin.message_user(request, "Select at least two people to merge.", messages.WARNING)
        return None
    evidence = weigh_evidence(people)
    suggested, reasons = suggest_kept(evidence)
    by_id = {str(person.pk): person for person in people}
    kept = by_id.get(request.POST.get("keep")) or suggested
    removed = [person for person in people if person != kept]

    confirmed = "confirm" in request.POST
    if confirmed and request.POST.get("previewed") == str(kept.pk):
        return confirm_merge(modeladmin, request, kept, removed)
    if confirmed:
        modeladmin.message_user(
            request,
            "You chose another record to keep: check what will change, then confirm.",
            messages.WARNING,
        )
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": "Merge people",
        "people": people,
        "evidence": evidence,
        "suggested": suggested,
        "reasons": reasons,
        "plan": plan_merge(kept, removed),
        "can_see_emails": can_see_emails(request.user),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "merge_selected_people",
    }
    return TemplateResponse(request, "admin/people/person/merge_preview.html", context)


def confirm_merge(modeladmin, request, kept, removed):
    """Merge, then show the kept person; or say why nothing was merged."""
    try:
        plan = merge_people(kept, removed, user=request.user)
    except MergeError as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return None
    except (ProtectedError, RestrictedError) as error:
        blocking = ", ".join(sorted({str(obj) for obj in error.protected_objects})[:5])
        modeladmin.message_user(
            request, f"Nothing was merged: still referenced by {blocking}.", messages.ERROR
        )
        return None
    names = ", ".join(person.name for person in plan.removed)
    modeladmin.message_user(
        request,
        format_html(
            'Merged {} into {}. <a href="{}">Undo this merge</a>',
            names,
            plan.kept.name,
            reverse("admin:people_changeset_undo", args=[plan.change_set.pk]),
        ),
        messages.SUCCESS,
    )
    return HttpResponseRedirect(reverse("admin:people_person_change", args=[plan.kept.pk]))


# A name two people go by


def warn_about_shared_spellings(request, person):
    """Warn when another person goes by one of `person`'s spellings.

    Two people may share a name, so this is no error; but it may be one person
    entered twice, and an import would credit the name to only one of them.
    """
    for shared in shared_spellings(person):
        ids = ",".join(str(pk) for pk in sorted([person.pk, shared.other.pk]))
        messages.warning(
            request,
            format_html(
                '{} is also {} <a href="{}">{}</a> — if they are the same person, '
                '<a href="{}?id__in={}">merge them</a>.',
                shared_subject(shared),
                shared_relation(shared),
                reverse("admin:people_person_change", args=[shared.other.pk]),
                shared.other.name,
                reverse("admin:people_person_changelist"),
                ids,
            ),
        )


def shared_subject(shared):
    if shared.is_alias:
        return f"The other spelling “{shared.spelling}”"
    return f"“{shared.spelling}”"


def shared_relation(shared):
    if shared.other_is_alias:
        return "another spelling of"
    if shared.is_alias:
        return "the name of"
    return "the name of another person,"


# Undoing a change set


def undo_view(request, model_admin, object_id):
    """Show what undoing a change set reverts, or its conflicts; undo it once confirmed."""
    if not request.user.has_perm("people.undo_changeset"):
        raise PermissionDenied
    change_set = get_object_or_404(
        ChangeSet.objects.select_related("user", "project", "undone_by__user"), pk=object_id
    )
    refusal, conflicts = "", []
    if request.method == "POST":
        try:
            plan = undo(change_set, user=request.user)
        except UndoError as error:
            refusal, conflicts = str(error), error.conflicts
        else:
            messages.success(request, f"Undid {change_set}: {plan.summary()}.")
            return redirect("admin:people_changeset_change", change_set.pk)
    plan = None
    if not refusal:
        try:
            plan = plan_undo(change_set)
        except UndoError as error:
            refusal = str(error)
        else:
            conflicts = plan.conflicts
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Undo {change_set}",
        "change_set": change_set,
        "plan": plan,
        "refusal": refusal,
        "conflicts": conflicts[:LISTED_CONFLICTS],
        "more_conflicts": max(0, len(conflicts) - LISTED_CONFLICTS),
    }
    return TemplateResponse(request, "admin/people/changeset/undo.html", context)


def undo_urls(model_admin):
    """The URL of the undo page, for ChangeSetAdmin.get_urls()."""
    admin_view = model_admin.admin_site.admin_view
    return [
        path(
            "<int:object_id>/undo/",
            admin_view(lambda request, object_id: undo_view(request, model_admin, object_id)),
            name="people_changeset_undo",
        ),
    ]
