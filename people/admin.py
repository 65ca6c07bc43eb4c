from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from people.admin_filters import (
    CreditedInProjectFilter,
    CreditKindFilter,
    HasAliasesFilter,
    HasCreditsFilter,
    HasOrcidFilter,
    HasSortNameFilter,
    HasTitleFilter,
    NamingFilter,
    ProjectFilter,
    SectionFilter,
)
from people.admin_forms import (
    PERSON_CREDITS_SHOWN,
    CheckedAutocompleteMixin,
    CreditInlineFormSet,
    CreditPlacesForm,
    DistinctPairForm,
    InlineConstraintsForm,
    InlineCreditForm,
    LeadInlineForm,
    NamesIgnoringCaseFormSet,
    PersonCreditsFormSet,
    PersonForm,
    PlaceAutocompleteView,
    TeamForm,
    pick_places,
)
from people.admin_import import CreditsImportExportMixin
from people.admin_members import credits_panel, credits_urls
from people.admin_names import names_to_check_urls
from people.admin_people_import import can_import_people, people_import_urls
from people.admin_rename import rename_urls
from people.admin_reviews import PersonReviewsMixin, ReviewAdmin, ask_for_review
from people.admin_text_import import text_import_urls
from people.admin_versions import (
    publish_selected_projects,
    unpublish_selected_projects,
    version_urls,
)
from people.admin_views import (
    duplicate_urls,
    export_people_identity,
    merge_selected_people,
    undo_urls,
    warn_about_shared_spellings,
)
from people.changesets.record import done_by
from people.models import (
    Acknowledgment,
    Alias,
    ChangeSet,
    Credit,
    DistinctPair,
    Mention,
    NotNamed,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Review,
    Section,
    Team,
    Version,
    credit_section,
)
from people.resources import CreditResource, PersonCreditResource
from people.snapshots import draft_last_change
from people.sorting import sort_fold

# Inlines


# Addresses typed without a scheme are https (the Django 6.0 default).
URL_FIELD = {models.URLField: {"assume_scheme": "https"}}


class ResourceInline(admin.TabularInline):
    model = Resource
    form = InlineConstraintsForm
    fields = ["title", "url", "position"]
    extra = 0
    formfield_overrides = URL_FIELD


class SectionInline(admin.TabularInline):
    model = Section
    form = InlineConstraintsForm
    formset = NamesIgnoringCaseFormSet
    fields = ["title", "position"]
    extra = 0
    show_change_link = True


class AcknowledgmentInline(admin.TabularInline):
    model = Acknowledgment
    form = InlineConstraintsForm
    fields = ["text", "position"]
    extra = 0
    show_change_link = True
    formfield_overrides = {
        # Tabular rows stay readable with paragraphs of thanks.
        Acknowledgment._meta.get_field("text"): {"widget": forms.Textarea(attrs={"rows": 3})},
    }


class CreditInline(CheckedAutocompleteMixin, admin.TabularInline):
    model = Credit
    form = InlineCreditForm
    formset = CreditInlineFormSet
    extra = 0

    def get_queryset(self, request):
        # Each row is labelled with the credit's person and place.
        return (
            super()
            .get_queryset(request)
            .select_related("person", "team__section__project", "section__project")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        pick_places(db_field, self.admin_site, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("section", "team"):
            # A row of credits has no room for links that add, edit or delete a whole team.
            wrapper = formfield.widget
            wrapper.can_add_related = wrapper.can_change_related = False
            wrapper.can_delete_related = wrapper.can_view_related = False
        return formfield


class LeadInline(CreditInline):
    fk_name = "section"
    form = LeadInlineForm
    fields = ["person", "title"]
    autocomplete_fields = ["person"]
    verbose_name = "lead line"
    verbose_name_plural = "lead lines"


class TeamInline(admin.TabularInline):
    model = Team
    form = InlineConstraintsForm
    formset = NamesIgnoringCaseFormSet
    fields = ["name", "position"]
    extra = 0
    show_change_link = True


class MemberInline(CreditInline):
    fk_name = "team"
    fields = ["person", "title"]
    autocomplete_fields = ["person"]
    verbose_name = "member"
    verbose_name_plural = "members"


class PersonCreditInline(CreditInline):
    fk_name = "person"
    formset = PersonCreditsFormSet
    fields = ["project", "section", "team", "title"]
    readonly_fields = ["project"]
    autocomplete_fields = ["section", "team"]
    verbose_name = "credit"
    verbose_name_plural = "credits"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                is_not_named_here=Exists(
                    NotNamed.objects.filter(person=OuterRef("person_id")).filter(
                        Q(project=OuterRef("team__section__project_id"))
                        | Q(project=OuterRef("section__project_id"))
                    )
                )
            )
            .order_by(
                credit_section("project__title"),
                credit_section("position"),
                "team__position",
                "id",
            )
        )

    @admin.display(description="project")
    def project(self, credit):
        if credit.pk is None:
            return "-"
        project = credit.place_section.project
        if credit.is_not_named_here:
            marker = '<span class="not-named-marker">not named</span>'
            return format_html("{} " + marker, project)
        return project


class AliasInline(admin.TabularInline):
    model = Alias
    form = InlineConstraintsForm
    formset = NamesIgnoringCaseFormSet
    fields = ["name", "is_public"]
    extra = 0
    verbose_name = "other spelling"
    verbose_name_plural = "other spellings (private unless marked public)"


class NotNamedInline(CheckedAutocompleteMixin, admin.TabularInline):
    """The projects where a person is not named (on the Person page), or the people not named
    on a project (on the Project page)."""

    model = NotNamed
    form = InlineConstraintsForm
    readonly_fields = ["since", "by_review"]
    extra = 0


class PersonNotNamedInline(NotNamedInline):
    fields = ["project", "since", "by_review"]
    autocomplete_fields = ["project"]
    verbose_name = "project where this person is not named"
    verbose_name_plural = "not named on these projects"


class ProjectNotNamedInline(NotNamedInline):
    fields = ["person", "since", "by_review"]
    autocomplete_fields = ["person"]
    verbose_name = "person not named on this project"
    verbose_name_plural = "people not named on this project"


class MentionInline(CheckedAutocompleteMixin, admin.TabularInline):
    model = Mention
    form = InlineConstraintsForm
    fields = ["person"]
    autocomplete_fields = ["person"]
    extra = 0
    verbose_name = "named person"
    verbose_name_plural = "named people"


class HistoryAdmin(CheckedAutocompleteMixin, SimpleHistoryAdmin):
    """Per-object history: who changed what and when, and a revert to any version."""

    object_history_list_template = "admin/people/object_history_list.html"
    formfield_overrides = URL_FIELD


def count_of(rows):
    """A subquery counting `rows` (filtered on an OuterRef), for annotate()."""
    return Coalesce(
        Subquery(rows.order_by().values(one=Value(1)).annotate(count=Count("pk")).values("count")),
        0,
    )


def add_credits_panel(request, model_admin, context, place):
    """Show the place's credits under its form: a page of them, and the forms that change them."""
    panel = credits_panel(request, model_admin, place)
    context["credits_panel"] = panel
    context["media"] = context["media"] + panel["add_form"].media


# Model admins, in the order of people/models.py


@admin.register(Project)
class ProjectAdmin(HistoryAdmin):
    list_display = ["title", "slug", "is_published", "latest_version", "published_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug"]
    ordering = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["assembled_by"]
    list_select_related = ["assembled_by"]
    # Publishing goes through its own screen, which shows the changes first.
    readonly_fields = ["is_published", "published_at", "last_updated"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "intro", "closing_text"]}),
        ("Citation", {"fields": ["citation", "assembled_by", "ordering_note"]}),
        (
            "Publication",
            {
                "fields": ["is_published", "published_at", "last_updated"],
                "description": "Readers see the latest published version, never this draft. "
                "Use “Publish…” to review the changes and publish them as a new version, "
                "and “Versions” to compare versions or restore the draft from one.",
            },
        ),
        (
            "Publishing waits for reviews",
            {
                "fields": ["wait_for_reviews", "publish_after"],
                "description": "An optional rule: publish only once everyone credited on the "
                "page has answered their review (see Reviews), or from a date on. Publishing "
                "earlier lists who has not answered, and asks you to confirm.",
            },
        ),
    ]
    inlines = [ResourceInline, SectionInline, AcknowledgmentInline, ProjectNotNamedInline]
    actions = ["publish", "unpublish"]
    change_list_template = "admin/people/textimport/project_change_list.html"

    def get_urls(self):
        return text_import_urls(self) + version_urls(self) + super().get_urls()

    def get_queryset(self, request):
        latest = Version.objects.filter(project=OuterRef("pk")).order_by("-number")
        return (
            super()
            .get_queryset(request)
            .annotate(latest_number=Subquery(latest.values("number")[:1]))
        )

    @admin.display(description="last updated")
    def last_updated(self, project):
        # The draft page's "Last updated", worked out as the page does: the newest change
        # to anything it shows, not Project.updated_at, which only follows the project row.
        if project.pk is None:
            return "-"
        moment = timezone.localtime(draft_last_change(project))
        return format_html(
            '<time datetime="{}">{}</time>', moment.isoformat(), date_format(moment, "j F Y")
        )

    @admin.action(description="Publish selected projects…", permissions=["change"])
    def publish(self, request, queryset):
        return publish_selected_projects(self, request, queryset)

    @admin.action(
        description="Unpublish selected projects (take their pages down)", permissions=["change"]
    )
    def unpublish(self, request, queryset):
        unpublish_selected_projects(self, request, queryset)

    @admin.display(description="version", ordering="latest_number")
    def latest_version(self, project):
        return project.latest_number


@admin.register(Resource)
class ResourceAdmin(HistoryAdmin):
    list_display = ["title", "url", "project", "position"]
    list_editable = ["position"]
    list_filter = ["project"]
    search_fields = ["title", "url"]
    list_select_related = ["project"]
    ordering = ["project__title", "position", "id"]


@admin.register(Section)
class SectionAdmin(HistoryAdmin):
    list_display = ["title", "project", "position", "team_count", "lead_count"]
    list_editable = ["position"]
    list_filter = ["project"]
    search_fields = ["title", "project__title"]
    list_select_related = ["project"]
    ordering = ["project__title", "position", "id"]
    inlines = [LeadInline, TeamInline]

    class Media:
        css = {"all": ["people/admin.css"]}

    def get_queryset(self, request):
        # Counted by subqueries: joining both teams and lead lines would count their product.
        return (
            super()
            .get_queryset(request)
            .select_related("project")
            .annotate(
                team_count=count_of(Team.objects.filter(section=OuterRef("pk"))),
                lead_count=count_of(Credit.objects.filter(section=OuterRef("pk"))),
            )
        )

    def get_inlines(self, request, obj):
        # Once the section exists, its lead lines are listed under its form, a page at a
        # time (people/admin_members.py): there may be too many for an inline.
        return self.inlines if obj is None else [TeamInline]

    def get_urls(self):
        return credits_urls(self) + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            add_credits_panel(request, self, context, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="teams", ordering="team_count")
    def team_count(self, section):
        return section.team_count

    @admin.display(description="lead lines", ordering="lead_count")
    def lead_count(self, section):
        return section.lead_count


@admin.register(Team)
class TeamAdmin(HistoryAdmin):
    list_display = ["heading", "section_title", "project", "position", "member_count"]
    list_display_links = ["heading"]
    list_editable = ["position"]
    list_filter = ["section__project"]
    search_fields = ["name", "section__title", "section__project__title"]
    list_select_related = ["section__project"]
    ordering = ["section__project__title", "section__position", "position", "id"]
    autocomplete_fields = ["section"]
    form = TeamForm
    inlines = [MemberInline]

    class Media:
        css = {"all": ["people/admin.css"]}

    def get_inlines(self, request, obj):
        # Once the team exists, its members are listed under its form, a page at a time
        # (people/admin_members.py): 3,000 members would be 3,000 forms.
        return self.inlines if obj is None else []

    def get_urls(self):
        return credits_urls(self) + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            add_credits_panel(request, self, context, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        pick_places(db_field, self.admin_site, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("section__project")
            .annotate(member_count=Count("credits"))
        )

    @admin.display(description="name", ordering="name")
    def heading(self, team):
        return team.name or "(no heading)"

    @admin.display(description="section", ordering="section__title")
    def section_title(self, team):
        return team.section.title

    @admin.display(description="project", ordering="section__project__title")
    def project(self, team):
        return team.section.project

    @admin.display(description="members", ordering="member_count")
    def member_count(self, team):
        return team.member_count


@admin.register(Person)
class PersonAdmin(PersonReviewsMixin, CreditsImportExportMixin, HistoryAdmin):
    form = PersonForm
    resource_classes = [PersonCreditResource]
    list_display = ["name", "sort_key", "credit_count", "alias_names", "naming"]
    list_filter = [
        CreditedInProjectFilter,
        NamingFilter,
        HasCreditsFilter,
        HasAliasesFilter,
        HasSortNameFilter,
        HasOrcidFilter,
    ]
    search_fields = ["name", "aliases__name", "slug"]
    ordering = ["sort_key", "name", "id"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["sort_key", "sort_checked_name"]
    fieldsets = [
        (None, {"fields": ["name", "slug"]}),
        (
            "Sorting",
            {
                "fields": ["family_name", "sort_name", "sort_key", "sort_checked_name"],
                "description": "Lists of people are ordered by the sort key. It is worked out "
                "from the name (family name first), or from the family name or the sort name "
                "when one is given; it is shown here once the person is saved. "
                "People → Names to check lists the names the rules are unsure about.",
            },
        ),
        ("Links", {"fields": ["orcid", "homepage"]}),
        (
            "Naming",
            {
                "fields": ["never_listed"],
                "description": "Named by default. A person may ask not to be named on a "
                "project (add it below, under “Not named on these projects”) or anywhere "
                "(“Never list me”): the pages, their files, search and the changelog then "
                "count their credits without their name, at once, on every published "
                "version too. Imports keep the choice.",
            },
        ),
    ]
    inlines = [AliasInline, PersonCreditInline, PersonNotNamedInline]
    actions = [merge_selected_people, ask_for_review, export_people_identity]

    class Media:
        css = {"all": ["people/admin.css"]}

    def get_urls(self):
        return (
            duplicate_urls(self)
            + names_to_check_urls(self)
            + people_import_urls(self)
            + rename_urls(self)
            + super().get_urls()
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import_people": can_import_people(request.user),
        }
        return super().changelist_view(request, extra_context)

    def has_merge_permission(self, request):
        # A merge deletes the merged records, so it needs both permissions.
        return self.has_change_permission(request) and self.has_delete_permission(request)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                credit_count=Count("credits"),
                not_named_count=count_of(NotNamed.objects.filter(person=OuterRef("pk"))),
            )
            .prefetch_related("aliases")
        )

    def get_search_results(self, request, queryset, search_term):
        # Each word is also matched, folded, against the sort key, so that "mely" or
        # "MÉLÝ" finds "David Mélý" on every database, and "o'brien" "Conan O’Brien".
        for word in search_term.split():
            match = Q(sort_key__contains=sort_fold(word))
            for field in self.search_fields:
                match |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(match)
        return queryset, bool(search_term.split())

    @admin.display(description="credits", ordering="credit_count")
    def credit_count(self, person):
        return person.credit_count

    @admin.display(description="other spellings")
    def alias_names(self, person):
        return ", ".join(
            f"{alias.name} (public)" if alias.is_public else alias.name
            for alias in person.aliases.all()
        )

    @admin.display(description="named")
    def naming(self, person):
        if person.never_listed:
            return format_html('<span class="not-named-marker">{}</span>', "never listed")
        if person.not_named_count:
            projects = "1 project" if person.not_named_count == 1 else "{} projects"
            text = f"not named on {projects.format(person.not_named_count)}"
            return format_html('<span class="not-named-marker">{}</span>', text)
        return "yes"

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        warn_about_shared_spellings(request, obj)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        warn_about_shared_spellings(request, obj)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.credit_count > PERSON_CREDITS_SHOWN:
            context["credits_not_shown"] = obj.credit_count - PERSON_CREDITS_SHOWN
            context["all_credits_url"] = (
                reverse("admin:people_credit_changelist") + f"?person__id__exact={obj.pk}"
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Alias)
class AliasAdmin(HistoryAdmin):
    list_display = ["name", "person", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["name", "person__name"]
    list_select_related = ["person"]
    ordering = ["name", "id"]
    autocomplete_fields = ["person"]

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        warn_about_shared_spellings(request, obj.person)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        warn_about_shared_spellings(request, obj.person)
        return response


@admin.register(NotNamed)
class NotNamedAdmin(HistoryAdmin):
    list_display = ["person", "project", "since", "by_review"]
    list_filter = ["project", "by_review"]
    search_fields = ["person__name", "project__title"]
    list_select_related = ["person", "project"]
    ordering = ["project__title", "person__sort_key", "id"]
    autocomplete_fields = ["person", "project"]
    readonly_fields = ["since", "by_review"]


def one_line(text, whole=None):
    """A list cell's text, whole in its tooltip when the list cuts it short (people/admin.css)."""
    return format_html('<span title="{}">{}</span>', whole or text, text)


@admin.register(Credit)
class CreditAdmin(CreditsImportExportMixin, HistoryAdmin):
    resource_classes = [CreditResource]
    list_display = ["person", "project", "section_title", "team_name", "credit_title"]
    list_filter = [ProjectFilter, SectionFilter, CreditKindFilter, HasTitleFilter]
    search_fields = ["person__name", "title", "team__name", "section__title"]
    list_select_related = ["person", "team__section__project", "section__project"]
    ordering = ["person__sort_key", "id"]
    autocomplete_fields = ["person", "section", "team"]
    form = CreditPlacesForm

    class Media:
        css = {"all": ["people/admin.css"]}

    fieldsets = [
        (None, {"fields": ["person"]}),
        (
            "Place",
            {
                "fields": ["section", "team", "title"],
                "description": "Choose a section for a lead line shown under the section heading "
                "(a title is required), or a team for a membership. Not both.",
            },
        ),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        pick_places(db_field, self.admin_site, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        places = PlaceAutocompleteView.as_view(admin_site=self.admin_site)
        return [
            path("places/", self.admin_site.admin_view(places), name="people_place_autocomplete"),
            *super().get_urls(),
        ]

    @admin.display(description="project", ordering=credit_section("project__title"))
    def project(self, credit):
        project = credit.place_section.project
        return one_line(project.slug, project.title)

    @admin.display(description="section", ordering=credit_section("title"))
    def section_title(self, credit):
        return one_line(credit.place_section.title)

    @admin.display(description="team", ordering="team__name")
    def team_name(self, credit):
        if credit.team_id is None:
            return "(lead line)"
        return one_line(credit.team.name or "(no heading)")

    @admin.display(description="title", ordering="title")
    def credit_title(self, credit):
        return one_line(credit.title) if credit.title else "-"


@admin.register(Acknowledgment)
class AcknowledgmentAdmin(HistoryAdmin):
    list_display = ["short_text", "project", "position", "mention_count"]
    list_editable = ["position"]
    list_filter = ["project"]
    search_fields = ["text"]
    list_select_related = ["project"]
    ordering = ["project__title", "position", "id"]
    inlines = [MentionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(mention_count=Count("mentions"))

    @admin.display(description="text", ordering="text")
    def short_text(self, acknowledgment):
        return str(acknowledgment)

    @admin.display(description="named people", ordering="mention_count")
    def mention_count(self, acknowledgment):
        return acknowledgment.mention_count


@admin.register(Mention)
class MentionAdmin(HistoryAdmin):
    list_display = ["person", "acknowledgment", "project"]
    list_filter = ["acknowledgment__project"]
    search_fields = ["person__name", "acknowledgment__text"]
    list_select_related = ["person", "acknowledgment__project"]
    ordering = ["acknowledgment__project__title", "acknowledgment__position", "person__sort_key"]
    autocomplete_fields = ["acknowledgment", "person"]

    @admin.display(description="project", ordering="acknowledgment__project__title")
    def project(self, mention):
        return mention.acknowledgment.project


@admin.register(PersonRedirect)
class PersonRedirectAdmin(HistoryAdmin):
    list_display = ["old_slug", "person"]
    search_fields = ["old_slug", "person__name", "person__slug"]
    list_select_related = ["person"]
    ordering = ["old_slug"]
    autocomplete_fields = ["person"]


@admin.register(DistinctPair)
class DistinctPairAdmin(HistoryAdmin):
    form = DistinctPairForm
    list_display = ["first", "second", "decided_by", "decided_at"]
    search_fields = ["first__name", "second__name"]
    list_select_related = ["first", "second", "decided_by"]
    ordering = ["-decided_at"]
    autocomplete_fields = ["first", "second"]
    readonly_fields = ["decided_by", "decided_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.decided_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ChangeSet)
class ChangeSetAdmin(admin.ModelAdmin):
    """Imports, syncs and merges as recorded, each undone as a whole from its page."""

    list_display = ["__str__", "created_at", "user", "project", "description", "summary", "undone"]
    list_filter = ["kind", "project"]
    search_fields = ["description", "summary", "user__username", "project__title"]
    list_select_related = ["user", "project", "undone_by__user", "undoes"]
    ordering = ["-created_at", "-id"]
    fields = ["kind", "created_at", "user", "project", "description", "summary", "undone"]
    readonly_fields = fields
    change_form_template = "admin/people/changeset/change_form.html"

    # A record of what happened: nobody adds, edits or deletes one by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return undo_urls(self) + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_undo": request.user.has_perm("people.undo_changeset"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="undone")
    def undone(self, change_set):
        if change_set.kind == ChangeSet.Kind.UNDO:
            undone = getattr(change_set, "undoes", None)
            return f"undoes {undone}" if undone else ""
        undo = change_set.undone_by
        if undo is None:
            return ""
        return f"by {done_by(undo)} ({undo})"


# Review by the people credited (people/admin_reviews.py)
admin.site.register(Review, ReviewAdmin)
