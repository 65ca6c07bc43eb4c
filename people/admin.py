import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, UniqueConstraint
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from people.credits_admin import CreditsImportExportMixin
from people.duplicates import duplicate_urls, shared_spellings
from people.merging import merge_selected_people
from people.models import (
    Acknowledgment,
    Alias,
    DistinctPair,
    Mention,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Role,
    Section,
    Team,
)
from people.resources import CreditResource, PersonCreditResource
from people.sorting import fold

PROJECT_OF_ROLE = Coalesce("team__section__project__title", "section__project__title")
SECTION_OF_ROLE = Coalesce("team__section__title", "section__title")


class InlineConstraintsForm(forms.ModelForm):
    """Checks the unique constraints that involve the inline's parent.

    Django leaves the parent's foreign key out of an inline form's constraint
    checks, so a duplicate of a saved row would otherwise reach the database.
    """

    def validate_unique(self):
        super().validate_unique()
        exclude = self._get_validation_exclusions()
        for constraint in self._meta.model._meta.constraints:
            if isinstance(constraint, UniqueConstraint):
                try:
                    constraint.validate(self._meta.model, self.instance, exclude=exclude)
                except ValidationError as error:
                    self._update_errors(error)


class NamesIgnoringCaseFormSet(forms.BaseInlineFormSet):
    """Refuses two rows whose names differ only in case, in one submission.

    Django compares the rows of a formset only for constraints on plain fields;
    the name constraints compare lower-cased names.
    """

    def clean(self):
        super().clean()
        fields = [
            expression.source_expressions[0].name
            for constraint in self.model._meta.constraints
            if isinstance(constraint, UniqueConstraint)
            for expression in constraint.expressions
            if isinstance(expression, Lower)
        ]
        for field in fields:
            seen = {}
            for form in self.forms:
                if not form.is_valid() or (not form.has_changed() and form.instance.pk is None):
                    continue
                if self.can_delete and self._should_delete_form(form):
                    continue
                value = form.cleaned_data.get(field, "")
                first = seen.get(value.lower())
                if first is None:
                    seen[value.lower()] = value
                    continue
                if first == value:
                    form.add_error(field, f"“{value}” is listed twice.")
                else:
                    message = "names that differ only in case are the same."
                    form.add_error(field, f"“{value}” repeats “{first}”: {message}")
                raise ValidationError("Please correct the names listed twice.")


class LeadInlineForm(InlineConstraintsForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True


class RoleInlineFormSet(forms.BaseInlineFormSet):
    """Refuses the same credit twice in one submission.

    Django compares the rows of a formset only for constraints without a
    condition, and the role constraints have one.
    """

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.is_valid() or (not form.has_changed() and form.instance.pk is None):
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            role = form.instance
            credit = (role.person_id, role.section_id, role.team_id, role.title)
            if credit in seen:
                form.add_error(None, "This credit is listed twice.")
                raise ValidationError("Please remove the credits listed twice.")
            seen.add(credit)


def select_place_related(db_field, kwargs):
    # Team and section labels name their section or project: load them with the choices.
    if db_field.name == "team":
        kwargs["queryset"] = Team.objects.select_related("section__project")
    elif db_field.name == "section":
        kwargs["queryset"] = Section.objects.select_related("project")


class ProjectFilter(admin.SimpleListFilter):
    """Roles of one project, whether lead lines or team memberships."""

    title = "project"
    parameter_name = "project"

    def lookups(self, request, model_admin):
        return Project.objects.values_list("pk", "title")

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(f"Unknown project {value!r}.")
        return queryset.filter(Q(team__section__project=value) | Q(section__project=value))


class CreditedInProjectFilter(ProjectFilter):
    """People with a lead line or a team membership in one project."""

    title = "credited in project"

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        # A subquery, not a join: a join would repeat people and inflate their credit counts.
        roles = super().queryset(request, Role.objects.all())
        return queryset.filter(pk__in=roles.values("person_id"))


class SectionFilter(admin.SimpleListFilter):
    """Roles under one section of the project chosen in the project filter."""

    title = "section"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        # Shown once a project is chosen: every project's sections would be a long list.
        project = request.GET.get(ProjectFilter.parameter_name, "")
        if project.isdigit():
            return Section.objects.filter(project=project).values_list("pk", "title")
        # Without a project, a section already chosen (e.g. in a bookmark) still applies.
        if (self.value() or "").isdigit():
            return Section.objects.filter(pk=self.value()).values_list("pk", "title")
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(f"Unknown section {value!r}.")
        return queryset.filter(Q(team__section=value) | Q(section=value))


class RoleKindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("lead", "Lead line"), ("member", "Team member")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in ("lead", "member"):
            raise IncorrectLookupParameters(f"Unknown kind {self.value()!r}.")
        return queryset.filter(team__isnull=self.value() == "lead")


class YesNoFilter(admin.SimpleListFilter):
    """A filter with the choices Yes and No; `condition` is what Yes means."""

    condition = None

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in ("yes", "no"):
            raise IncorrectLookupParameters(f"Choose yes or no, not {self.value()!r}.")
        if self.value() == "yes":
            return queryset.filter(self.condition)
        return queryset.exclude(self.condition)


class HasCreditsFilter(YesNoFilter):
    title = "has credits"
    parameter_name = "has_credits"
    condition = Exists(Role.objects.filter(person=OuterRef("pk")))


class HasAliasesFilter(YesNoFilter):
    title = "has other spellings"
    parameter_name = "has_aliases"
    condition = Exists(Alias.objects.filter(person=OuterRef("pk")))


class HasSortNameFilter(YesNoFilter):
    title = "has a sort name"
    parameter_name = "has_sort_name"
    condition = ~Q(sort_name="")


class HasOrcidFilter(YesNoFilter):
    title = "has an ORCID iD"
    parameter_name = "has_orcid"
    condition = ~Q(orcid="")


class HasTitleFilter(YesNoFilter):
    title = "has a title"
    parameter_name = "has_title"
    condition = ~Q(title="")


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


class RoleInline(admin.TabularInline):
    model = Role
    form = InlineConstraintsForm
    formset = RoleInlineFormSet
    extra = 0

    def get_queryset(self, request):
        # Each row is labelled with the role's person and place.
        return (
            super()
            .get_queryset(request)
            .select_related("person", "team__section__project", "section__project")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        select_place_related(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LeadInline(RoleInline):
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


class MemberInline(RoleInline):
    fk_name = "team"
    fields = ["person", "title"]
    autocomplete_fields = ["person"]
    verbose_name = "member"
    verbose_name_plural = "members"


class PersonRoleInline(RoleInline):
    fk_name = "person"
    fields = ["project", "section", "team", "title"]
    readonly_fields = ["project"]
    autocomplete_fields = ["section", "team"]
    verbose_name = "credit"
    verbose_name_plural = "credits"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .order_by(
                PROJECT_OF_ROLE,
                Coalesce("team__section__position", "section__position"),
                "team__position",
                "id",
            )
        )

    @admin.display(description="project")
    def project(self, role):
        if role.pk is None:
            return "-"
        return role.place_section.project


class AliasInline(admin.TabularInline):
    model = Alias
    form = InlineConstraintsForm
    formset = NamesIgnoringCaseFormSet
    fields = ["name"]
    extra = 0


class MentionInline(admin.TabularInline):
    model = Mention
    form = InlineConstraintsForm
    fields = ["person"]
    autocomplete_fields = ["person"]
    extra = 0
    verbose_name = "named person"
    verbose_name_plural = "named people"


class HistoryAdmin(SimpleHistoryAdmin):
    """Per-object history: who changed what and when, and a revert to any version."""

    object_history_list_template = "admin/people/object_history_list.html"
    formfield_overrides = URL_FIELD


def warn_about_shared_spellings(request, person):
    """Warn when another person goes by one of `person`'s spellings.

    Two people may share a name, so this is no error; but it may be one person
    entered twice, and an import would credit the name to only one of them.
    """
    for shared in shared_spellings(person):
        if shared.is_alias:
            subject = f"The other spelling “{shared.spelling}”"
        else:
            subject = f"“{shared.spelling}”"
        if shared.other_is_alias:
            relation = "another spelling of"
        elif shared.is_alias:
            relation = "the name of"
        else:
            relation = "the name of another person,"
        ids = ",".join(str(pk) for pk in sorted([person.pk, shared.other.pk]))
        messages.warning(
            request,
            format_html(
                '{} is also {} <a href="{}">{}</a> — if they are the same person, '
                '<a href="{}?id__in={}">merge them</a>.',
                subject,
                relation,
                reverse("admin:people_person_change", args=[shared.other.pk]),
                shared.other.name,
                reverse("admin:people_person_changelist"),
                ids,
            ),
        )


# Model admins, in the order of people/models.py


@admin.register(Project)
class ProjectAdmin(HistoryAdmin):
    list_display = ["title", "slug", "is_published", "published_at", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug"]
    ordering = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["assembled_by"]
    list_select_related = ["assembled_by"]
    # Publishing goes through the actions, which set the publication date and log it.
    readonly_fields = ["is_published", "published_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "intro", "closing_text"]}),
        ("Citation", {"fields": ["citation", "assembled_by", "ordering_note"]}),
        (
            "Publication",
            {
                "fields": ["is_published", "published_at", "updated_at"],
                "description": "Use the “Publish” and “Unpublish” actions on the list of "
                "projects to change whether the public sees the page.",
            },
        ),
    ]
    inlines = [ResourceInline, SectionInline, AcknowledgmentInline]
    actions = ["publish", "unpublish"]

    @admin.action(description="Publish selected projects", permissions=["change"])
    def publish(self, request, queryset):
        with transaction.atomic():
            drafts = list(queryset.filter(is_published=False).select_for_update(of=["self"]))
            for project in drafts:
                project.publish()
                project._change_reason = "Published"
                project.save()
                self.log_change(request, project, "Published.")
        if drafts:
            self.message_user(request, f"Published {len(drafts)} project(s).", messages.SUCCESS)
        else:
            self.message_user(request, "The selected projects were already published.")

    @admin.action(description="Unpublish selected projects (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        with transaction.atomic():
            published = list(queryset.filter(is_published=True).select_for_update(of=["self"]))
            for project in published:
                project.is_published = False
                project._change_reason = "Unpublished"
                project.save()
                self.log_change(request, project, "Unpublished.")
        if published:
            self.message_user(
                request, f"Unpublished {len(published)} project(s).", messages.SUCCESS
            )
        else:
            self.message_user(request, "The selected projects were already drafts.")


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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("project")
            .annotate(
                team_count=Count("teams", distinct=True), lead_count=Count("leads", distinct=True)
            )
        )

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
    inlines = [MemberInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("section__project")
            .annotate(member_count=Count("roles"))
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


# What ORCID shows is an address: https://orcid.org/0000-0002-1825-0097.
ORCID_ADDRESS = re.compile(r"^(https?://)?(www\.)?orcid\.org/", re.IGNORECASE)


class PersonForm(forms.ModelForm):
    # Long enough for the iD's address, which editors paste; the iD alone is stored.
    orcid = forms.CharField(
        label="ORCID iD",
        required=False,
        max_length=100,
        help_text="e.g. 0000-0002-1825-0097 (or its address, https://orcid.org/0000-0002-1825-0097)",
    )

    def clean_orcid(self):
        return ORCID_ADDRESS.sub("", self.cleaned_data["orcid"].strip()).upper()

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        owner = Person.objects.filter(slug=slug).exclude(pk=self.instance.pk).first()
        if owner is not None:
            raise ValidationError(
                f"Another person, {owner}, has the page address “{slug}”. Try {free_slug(slug)}."
            )
        # A merged person's old address leads to the person kept; taking it would
        # send its old links to someone else.
        moved = (
            PersonRedirect.objects.filter(old_slug=slug)
            .exclude(person=self.instance.pk)
            .select_related("person")
            .first()
        )
        if moved is not None:
            raise ValidationError(
                f"“{slug}” is an old page address that now leads to {moved.person}. "
                f"Try {free_slug(slug)}."
            )
        return slug


def free_slug(slug):
    """The first of slug-2, slug-3, … that is neither a person's address nor an old one.

    A numbered slug counts on from its base: "david-mely-2" suggests "david-mely-3".
    """
    base = re.sub(r"(?<=.)-\d+$", "", slug)[:190].rstrip("-")
    taken = set(
        Person.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True)
    ) | set(
        PersonRedirect.objects.filter(old_slug__startswith=f"{base}-").values_list(
            "old_slug", flat=True
        )
    )
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


@admin.register(Person)
class PersonAdmin(CreditsImportExportMixin, HistoryAdmin):
    form = PersonForm
    resource_classes = [PersonCreditResource]
    list_display = ["name", "sort_key", "credit_count", "alias_names"]
    list_filter = [
        CreditedInProjectFilter,
        HasCreditsFilter,
        HasAliasesFilter,
        HasSortNameFilter,
        HasOrcidFilter,
    ]
    search_fields = ["name", "aliases__name", "slug"]
    ordering = ["sort_key", "name", "id"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["sort_key"]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "slug", "sort_name", "sort_key"],
                "description": "Lists of people are ordered by the sort key. It is worked out "
                "from the name (family name first), or from the sort name when one is given; "
                "it is shown here once the person is saved.",
            },
        ),
        ("Links", {"fields": ["orcid", "homepage"]}),
    ]
    inlines = [AliasInline, PersonRoleInline]
    actions = [merge_selected_people]

    def get_urls(self):
        return duplicate_urls(self) + super().get_urls()

    def has_merge_permission(self, request):
        # A merge deletes the merged records, so it needs both permissions.
        return self.has_change_permission(request) and self.has_delete_permission(request)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(credit_count=Count("roles"))
            .prefetch_related("aliases")
        )

    def get_search_results(self, request, queryset, search_term):
        # Each word is also matched, folded, against the sort key, so that "mely" or
        # "MÉLÝ" finds "David Mélý" on every database.
        for word in search_term.split():
            match = Q(sort_key__contains=fold(word))
            for field in self.search_fields:
                match |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(match)
        return queryset, bool(search_term.split())

    @admin.display(description="credits", ordering="credit_count")
    def credit_count(self, person):
        return person.credit_count

    @admin.display(description="other spellings")
    def alias_names(self, person):
        return ", ".join(alias.name for alias in person.aliases.all())

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        warn_about_shared_spellings(request, obj)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        warn_about_shared_spellings(request, obj)
        return response


@admin.register(Alias)
class AliasAdmin(HistoryAdmin):
    list_display = ["name", "person"]
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


@admin.register(Role)
class RoleAdmin(CreditsImportExportMixin, HistoryAdmin):
    resource_classes = [CreditResource]
    list_display = ["person", "project", "section_title", "team_name", "title"]
    list_filter = [ProjectFilter, SectionFilter, RoleKindFilter, HasTitleFilter]
    search_fields = ["person__name", "title", "team__name", "section__title"]
    list_select_related = ["person", "team__section__project", "section__project"]
    ordering = ["person__sort_key", "id"]
    autocomplete_fields = ["person", "section", "team"]
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
        select_place_related(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="project", ordering=PROJECT_OF_ROLE)
    def project(self, role):
        return role.place_section.project

    @admin.display(description="section", ordering=SECTION_OF_ROLE)
    def section_title(self, role):
        return role.place_section.title

    @admin.display(description="team", ordering="team__name")
    def team_name(self, role):
        if role.team_id is None:
            return "(lead line)"
        return role.team.name or "(no heading)"


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
class PersonRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "person"]
    search_fields = ["old_slug", "person__name", "person__slug"]
    list_select_related = ["person"]
    ordering = ["old_slug"]
    autocomplete_fields = ["person"]


class DistinctPairForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        first, second = cleaned_data.get("first"), cleaned_data.get("second")
        if first and second:
            if first == second:
                self.add_error("second", "Choose two different people.")
            # The database stores each pair once, lower id first.
            elif first.pk > second.pk:
                cleaned_data["first"], cleaned_data["second"] = second, first
        return cleaned_data


@admin.register(DistinctPair)
class DistinctPairAdmin(admin.ModelAdmin):
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
