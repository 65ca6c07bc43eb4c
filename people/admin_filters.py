"""List filters of the admin."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Exists, OuterRef, Q

from people.models import (
    Alias,
    Credit,
    NotNamed,
    Project,
    Section,
)


class ProjectFilter(admin.SimpleListFilter):
    """Credits of one project, whether lead lines or team memberships."""

    title = "project"
    parameter_name = "project"

    def lookups(self, request, model_admin):
        return Project.objects.values_list("pk", "title")

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdecimal():
            raise IncorrectLookupParameters(f"Unknown project {value!r}.")
        return queryset.in_projects([value])


class CreditedInProjectFilter(ProjectFilter):
    """People with a lead line or a team membership in one project."""

    title = "credited in project"

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        # A subquery, not a join: a join would repeat people and inflate their credit counts.
        credits = super().queryset(request, Credit.objects.all())
        return queryset.filter(pk__in=credits.values("person_id"))


class SectionFilter(admin.SimpleListFilter):
    """Credits under one section of the project chosen in the project filter."""

    title = "section"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        # Shown once a project is chosen: every project's sections would be a long list.
        project = request.GET.get(ProjectFilter.parameter_name, "")
        if project.isdecimal():
            return Section.objects.filter(project=project).values_list("pk", "title")
        # Without a project, a section already chosen (e.g. in a bookmark) still applies.
        if (self.value() or "").isdecimal():
            return Section.objects.filter(pk=self.value()).values_list("pk", "title")
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdecimal():
            raise IncorrectLookupParameters(f"Unknown section {value!r}.")
        return queryset.filter(Q(team__section=value) | Q(section=value))


class CreditKindFilter(admin.SimpleListFilter):
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
    condition = Exists(Credit.objects.filter(person=OuterRef("pk")))


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


class NamingFilter(admin.SimpleListFilter):
    """People who asked not to be named: on some project, or anywhere."""

    title = "named"
    parameter_name = "named"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Named everywhere"),
            ("not_somewhere", "Not named on some project"),
            ("never", "Never listed"),
        ]

    def queryset(self, request, queryset):
        not_named = Exists(NotNamed.objects.filter(person=OuterRef("pk")))
        match self.value():
            case None:
                return queryset
            case "yes":
                return queryset.filter(never_listed=False).exclude(not_named)
            case "not_somewhere":
                return queryset.filter(not_named)
            case "never":
                return queryset.filter(never_listed=True)
        raise IncorrectLookupParameters(f"Unknown choice {self.value()!r}.")
