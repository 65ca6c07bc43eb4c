"""The admin's screens for review by the people credited: asking, the review queue, decisions.

The work itself is in people/reviews/ (asking.py, decisions.py); ReviewAdmin is
registered at the end of people/admin.py, and PersonAdmin takes PersonReviewsMixin.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from people.models import Credit, Person, Project, can_see_emails
from people.naming import naming_for_editors
from people.reviews.answers import credit_lines, sorts_as
from people.reviews.asking import ask
from people.reviews.decisions import (
    PERMISSIONS,
    DecisionError,
    accept,
    reject,
)
from people.reviews.forms import RejectForm
from people.reviews.links import revoke_links
from people.reviews.models import Proposal, Review
from people.reviews.waiting import not_yet_asked

# People named on the page that confirms an ask; the rest are counted.
LISTED_PEOPLE = 100


def site_url(request):
    """The site's address that links in emails start with."""
    return settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")


def queue_url(project):
    return f"{reverse('admin:people_review_changelist')}?project__id__exact={project.pk}"


# Asking


def ask_page(request, model_admin, project, people, *, hidden=()):
    """Confirm asking `people` about `project`, then ask; show the links to copy once.

    `hidden` are the (name, value) pairs the confirming form posts back, for an admin
    action to find its selection again.
    """
    if request.POST.get("confirm"):
        asked = ask(
            project,
            people,
            user=request.user,
            site_url=site_url(request),
            by_email=bool(request.POST.get("by_email")),
        )
        count = len(asked.links) + asked.emailed
        message = f"Asked {count} {'person' if count == 1 else 'people'} to review “{project}”"
        if asked.emailed:
            message += f": {asked.emailed} by email, sent in the background"
        model_admin.message_user(request, message + ".", messages.SUCCESS)
        if not asked.links:
            return HttpResponseRedirect(queue_url(project))
        # Only their hashes are kept: this page is the one chance to copy the links.
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": Review._meta,
            "title": f"Review links for “{project}”",
            "project": project,
            "links": asked.links,
            "queue_url": queue_url(project),
        }
        return TemplateResponse(request, "admin/people/review/links.html", context)
    people = list(people.order_by("sort_key", "pk").only("pk", "name", "email"))
    with_email = sum(1 for person in people if person.email)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Review._meta,
        "title": f"Ask for review of “{project}”",
        "project": project,
        "people": people[:LISTED_PEOPLE],
        "more_people": max(len(people) - LISTED_PEOPLE, 0),
        "count": len(people),
        "with_email": with_email,
        "without_email": len(people) - with_email,
        "already_asked": Review.objects.filter(project=project, person__in=people).count(),
        "hidden": hidden,
        "link_days": settings.REVIEW_LINK_DAYS,
    }
    return TemplateResponse(request, "admin/people/review/ask.html", context)


def filtered_project(request):
    """The project the People list is filtered by ("credited in project"), or None."""
    value = request.GET.get("project", "")
    return Project.objects.filter(pk=value).first() if value.isdecimal() else None


@admin.action(description="Ask selected people to review their credits…", permissions=["ask"])
def ask_for_review(model_admin, request, queryset):
    project = filtered_project(request)
    if project is None:
        model_admin.message_user(
            request,
            "Choose the project first: filter the list by “credited in project”, then select "
            "the people to ask.",
            messages.WARNING,
        )
        return None
    # The list is filtered by the project: `queryset` holds only people credited on it.
    hidden = [
        ("action", "ask_for_review"),
        ("select_across", request.POST.get("select_across", "0")),
        *((helpers.ACTION_CHECKBOX_NAME, pk) for pk in request.POST.getlist("_selected_action")),
    ]
    return ask_page(request, model_admin, project, queryset, hidden=hidden)


class PersonReviewsMixin:
    """What reviews add to PersonAdmin: the private email address, and asking for review."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not can_see_emails(request.user):
            # Not in the form at all: neither shown nor changed.
            return fieldsets
        private = (
            "Private",
            {
                "fields": ["email"],
                "description": "Never shown on the site, in its files or in the history.",
            },
        )
        return [*fieldsets, private]

    def has_ask_permission(self, request):
        return request.user.has_perm("people.add_review")


# The review queue


class ToDecideFilter(admin.SimpleListFilter):
    title = "proposals to decide"
    parameter_name = "to_decide"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        pending = Q(proposals__status=Proposal.Status.PENDING)
        if self.value() == "yes":
            return queryset.filter(pending).distinct()
        if self.value() == "no":
            return queryset.exclude(pending)
        return queryset


@dataclass(frozen=True)
class ProposalRow:
    """A proposal beside what it would change, as it is now."""

    proposal: Proposal
    current: str
    can_accept: bool
    reject_form: RejectForm

    @property
    def replace_name_url(self):
        return replace_name_url(self.proposal) if self.proposal.replacement else ""


def replace_name_url(proposal):
    """The Replace name screen, for a name the person asks to replace everywhere."""
    person_id = proposal.review.person_id
    path = reverse("admin:people_person_replace_name", args=[person_id])
    return f"{path}?proposal={proposal.pk}"


def current_value(proposal, credits, aliases):
    """What `proposal` would change, as it is now: the field, the credit's title, the credit,
    or whether the other spelling is public."""
    if proposal.kind in Proposal.PERSON_FIELDS:
        return getattr(proposal.review.person, proposal.kind)
    if proposal.kind in Proposal.ALIAS_KINDS:
        alias = aliases.get(proposal.alias_id)
        if alias is None:
            return "(this other spelling no longer exists)"
        return f"“{alias.name}”: {'public' if alias.is_public else 'private'}"
    if proposal.kind in Proposal.CREDIT_KINDS:
        credit = credits.get(proposal.credit_id)
        if credit is None:
            return "(this credit no longer exists)"
        return credit.title if proposal.kind == Proposal.Kind.TITLE else proposal.credit_text
    return ""


class ReviewAdmin(admin.ModelAdmin):
    """Each person asked about a project: their answer, and their proposals to decide."""

    list_display = ["person", "project", "status", "to_decide", "answered_at", "email", "link"]
    list_filter = ["project", "status", ToDecideFilter, "email_status"]
    search_fields = ["person__name", "project__title"]
    list_select_related = ["person", "project"]
    ordering = ["project__title", "person__sort_key", "id"]
    actions = ["ask_again", "revoke"]

    def get_queryset(self, request):
        live = Q(links__revoked_at__isnull=True, links__expires_at__gt=timezone.now())
        return (
            super()
            .get_queryset(request)
            .annotate(
                to_decide=Count(
                    "proposals",
                    filter=Q(proposals__status=Proposal.Status.PENDING),
                    distinct=True,
                ),
                link_expires_at=Max("links__expires_at", filter=live),
            )
        )

    def changelist_view(self, request, extra_context=None):
        # The list of one project's reviews offers to ask everyone not yet asked.
        project_id = request.GET.get("project__id__exact", "")
        asks = project_id.isdecimal() and self.has_ask_permission(request)
        ask_project = Project.objects.filter(pk=project_id).first() if asks else None
        extra_context = {**(extra_context or {}), "ask_project": ask_project}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        ask_view = self.admin_site.admin_view(self.ask_not_yet_asked_view)
        return [
            path("ask/<int:project_id>/", ask_view, name="people_review_ask"),
            *super().get_urls(),
        ]

    # Asking happens through the actions and the project's "ask everyone not yet asked".
    def has_add_permission(self, request):
        return False

    def has_ask_permission(self, request):
        return request.user.has_perm("people.add_review")

    @admin.display(description="to decide", ordering="to_decide")
    def to_decide(self, review):
        return review.to_decide

    @admin.display(description="email", ordering="email_status")
    def email(self, review):
        return review.get_email_status_display()

    @admin.display(description="link until", ordering="link_expires_at")
    def link(self, review):
        return review.link_expires_at.date() if review.link_expires_at else "no live link"

    def ask_not_yet_asked_view(self, request, project_id):
        if not self.has_ask_permission(request):
            raise PermissionDenied
        project = get_object_or_404(Project, pk=project_id)
        return ask_page(request, self, project, not_yet_asked(project))

    @admin.action(description="Ask the selected people again (new links)…", permissions=["ask"])
    def ask_again(self, request, queryset):
        projects = set(queryset.values_list("project", flat=True))
        if len(projects) != 1:
            self.message_user(
                request,
                "Choose reviews of one project: filter the list by project.",
                messages.WARNING,
            )
            return None
        project = Project.objects.get(pk=projects.pop())
        people = Person.objects.filter(pk__in=queryset.values("person"))
        hidden = [
            ("action", "ask_again"),
            ("select_across", request.POST.get("select_across", "0")),
            *(
                (helpers.ACTION_CHECKBOX_NAME, pk)
                for pk in request.POST.getlist("_selected_action")
            ),
        ]
        return ask_page(request, self, project, people, hidden=hidden)

    @admin.action(description="Revoke the links of the selected reviews", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = revoke_links(queryset)
        for review in queryset.select_related("person", "project"):
            self.log_change(request, review, "Revoked its review links.")
        self.message_user(request, f"Revoked {revoked} link(s).", messages.SUCCESS)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The change page is the review itself: proposals beside the current data,
        # each accepted or rejected on its own (the review's fields are never edited).
        if not object_id.isdecimal():
            raise Http404
        queryset = self.get_queryset(request).select_related("person", "project", "asked_by")
        review = get_object_or_404(queryset, pk=object_id)
        if not self.has_view_or_change_permission(request, review):
            raise PermissionDenied
        reject_forms = {}
        if request.method == "POST":
            if not self.has_change_permission(request, review):
                raise PermissionDenied
            response, reject_forms = self.decide(request, review)
            if response is not None:
                return response
        return self.review_page(request, review, reject_forms)

    def decide(self, request, review):
        """Accept or reject the posted proposal; return (redirect, None) or (None, forms)."""
        proposal_id = request.POST.get("proposal", "")
        proposal = (
            review.proposals.filter(pk=proposal_id).first() if proposal_id.isdecimal() else None
        )
        back = HttpResponseRedirect(request.path)
        if proposal is None:
            self.message_user(request, "This proposal no longer exists.", messages.ERROR)
            return back, None
        if request.POST.get("decision") == "reject":
            form = RejectForm(request.POST, prefix=f"reject-{proposal.pk}")
            if not form.is_valid():
                return None, {proposal.pk: form}
            try:
                reject(proposal, request.user, form.cleaned_data["reason"])
            except DecisionError as error:
                self.message_user(request, str(error), messages.ERROR)
                return back, None
            self.log_change(
                request, review, f"Rejected the proposed {proposal.get_kind_display()}."
            )
            self.message_user(request, "Rejected; the person will see why.", messages.SUCCESS)
            return back, None
        needed = PERMISSIONS.get(proposal.kind)
        if needed and not request.user.has_perm(needed):
            raise PermissionDenied
        if proposal.replacement:
            # Replaced everywhere: the editor sees what changes first, as for any replacement.
            return HttpResponseRedirect(replace_name_url(proposal)), None
        try:
            changed = accept(proposal, request.user)
        except DecisionError as error:
            self.message_user(request, f"Not accepted: {error}", messages.ERROR)
            return back, None
        if changed is not None:
            what = f"Accepted from {review.person.name}'s review: {proposal.get_kind_display()}."
            changed_admin = self.admin_site._registry.get(type(changed))
            if changed_admin is not None:
                changed_admin.log_change(request, changed, what)
        self.log_change(request, review, f"Accepted the proposed {proposal.get_kind_display()}.")
        self.message_user(request, "Accepted and applied.", messages.SUCCESS)
        return back, None

    def review_page(self, request, review, reject_forms):
        proposals = list(review.proposals.select_related("decided_by"))
        for proposal in proposals:
            proposal.review = review
        credits = Credit.objects.in_bulk(
            [proposal.credit_id for proposal in proposals if proposal.credit_id]
        )
        aliases = {alias.pk: alias for alias in review.person.aliases.all()}
        can_change = self.has_change_permission(request, review)
        rows = [
            ProposalRow(
                proposal=proposal,
                current=current_value(proposal, credits, aliases),
                can_accept=can_change
                and request.user.has_perm(PERMISSIONS.get(proposal.kind, "people.change_review")),
                reject_form=reject_forms.get(proposal.pk)
                or RejectForm(prefix=f"reject-{proposal.pk}"),
            )
            for proposal in proposals
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(review),
            "review": review,
            "person": review.person,
            "sorts_as": sorts_as(review.person),
            "credits": credit_lines(review.person, review.project),
            "aliases": list(aliases.values()),
            "naming": naming_for_editors(review.person, review.project),
            "rows": rows,
            "can_change": can_change,
            "can_see_emails": can_see_emails(request.user),
            "links": review.links.order_by("-created_at", "-id"),
            "now": timezone.now(),
            "queue_url": queue_url(review.project),
        }
        return TemplateResponse(request, "admin/people/review/review.html", context)
