"""The admin's "Replace name" screen: a person's name replaced everywhere (people/renaming.py).

Opened from the person's change page, or from their review when they asked for
it (people/admin_reviews.py): the editor gives the new name, sees what replacing
it changes, then confirms. The work itself is in people/renaming.py.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from people.admin_forms import ReplaceNameForm
from people.models import Person, ProjectBusy
from people.renaming import RenameError, plan_rename, replace_name, same_names
from people.reviews.decisions import DecisionError, accept
from people.reviews.models import Proposal
from people.sorting import sort_name_used


def rename_urls(model_admin):
    """The URL of the Replace name screen, for PersonAdmin.get_urls()."""
    admin_view = model_admin.admin_site.admin_view
    return [
        path(
            "<int:object_id>/replace-name/",
            admin_view(lambda request, object_id: rename_view(request, model_admin, object_id)),
            name="people_person_replace_name",
        ),
    ]


def review_url(proposal):
    return reverse("admin:people_review_change", args=[proposal.review_id])


def proposal_of(request, person):
    """The pending proposal from the person's review this replacement answers, or None.

    Raises Http404 for a proposal that is not such a one, PermissionDenied for an
    editor who may not decide reviews.
    """
    value = request.POST.get("proposal") or request.GET.get("proposal") or ""
    if not value:
        return None
    proposal = (
        Proposal.objects.filter(pk=value if value.isdecimal() else None)
        .filter(review__person=person, kind=Proposal.Kind.NAME)
        .exclude(replacement=Proposal.Replacement.NONE)
        .select_related("review__project")
        .first()
    )
    if proposal is None:
        raise Http404("No such proposal of this person's.")
    if not request.user.has_perm("people.change_review"):
        raise PermissionDenied
    return proposal


def previewed(form, person):
    """What the editor saw previewed: the person's name and the replacement asked for.

    Posted back with the confirmation: a confirmation of anything else is previewed again.
    """
    data = form.cleaned_data
    fields = [data["name"], data["family_name"], data["sort_name"], data["old_name"]]
    return json.dumps([person.name, *fields], ensure_ascii=False)


def rename_view(request, model_admin, object_id):
    person = get_object_or_404(Person.objects.prefetch_related("aliases"), pk=object_id)
    if not model_admin.has_change_permission(request, person):
        raise PermissionDenied
    proposal = proposal_of(request, person)
    if proposal is not None and proposal.status != Proposal.Status.PENDING:
        messages.info(request, "This proposal was already decided.")
        return HttpResponseRedirect(review_url(proposal))
    choice = {"old_name_choice": proposal.replacement} if proposal else {}
    plan = None
    if request.method == "POST":
        form = ReplaceNameForm(person, request.POST, **choice)
        if form.is_valid():
            if "confirm" in request.POST:
                if request.POST.get("previewed") == previewed(form, person):
                    return confirm_rename(request, model_admin, person, form, proposal)
                messages.warning(
                    request, "The replacement changed since its preview: check it, then confirm."
                )
            # The texts spelling the old name are listed, whether replaced or not.
            plan = plan_rename(person, form.replacement(replaces_in_texts=True))
    else:
        form = ReplaceNameForm(
            person, initial={"name": proposal.value if proposal else ""}, **choice
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Replace the name of {person.name}",
        "original": person,
        "person": person,
        "form": form,
        "proposal": proposal,
        "plan": plan,
        "sorts_as": plan and sort_name_used(plan.new_name, *sort_fields(form)),
        "same_names": plan and same_names(person, plan.new_name),
        "previewed": plan and previewed(form, person),
    }
    return TemplateResponse(request, "admin/people/person/replace_name.html", context)


def sort_fields(form):
    return form.cleaned_data["sort_name"], form.cleaned_data["family_name"]


def confirm_rename(request, model_admin, person, form, proposal):
    """Replace the name, then show the person (or their review); or say why nothing changed."""
    replacement = form.replacement()
    old_name = person.name
    try:
        if proposal is None:
            replace_name(
                person,
                replacement,
                old_name=old_name,
                user=request.user,
                wait_seconds=settings.WEB_LOCK_WAIT_SECONDS,
            )
        else:
            accept(proposal, request.user, replacement=replacement, old_name=old_name)
    except (RenameError, ProjectBusy, DecisionError) as error:
        messages.error(request, f"Nothing was changed: {error}")
        return HttpResponseRedirect(request.get_full_path())
    person.refresh_from_db()
    kept = "kept as a private other spelling" if replacement.keeps_old_name else "not kept"
    model_admin.log_change(request, person, f"Replaced the name everywhere; the old name {kept}.")
    messages.success(
        request,
        f"The name is now “{person.name}” everywhere, published versions included; "
        f"the page is at {person.get_absolute_url()}. The old name was {kept}.",
    )
    if proposal is None:
        return HttpResponseRedirect(reverse("admin:people_person_change", args=[person.pk]))
    LogEntry.objects.log_actions(
        request.user.pk,
        [proposal.review],
        CHANGE,
        change_message="Accepted the proposed name, replaced everywhere.",
        single_object=True,
    )
    return HttpResponseRedirect(review_url(proposal))
