"""Forms and formsets of the admin: the checks Django's own leave out."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import UniqueConstraint
from django.db.models.functions import Lower

from people.models import (
    Person,
    PersonRedirect,
    Section,
    Team,
    numbered_slug,
    slug_base,
)
from people.sorting import lower


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


def rows_to_save(formset):
    """The valid forms of `formset` that will be saved: filled in, not marked for deletion."""
    return [
        form
        for form in formset.forms
        if form.is_valid()
        and (form.has_changed() or form.instance.pk is not None)
        and not (formset.can_delete and formset._should_delete_form(form))
    ]


class NamesIgnoringCaseFormSet(forms.BaseInlineFormSet):
    """Refuses two rows whose names differ only in case, in one submission.

    Django compares the rows of a formset only for constraints on plain fields;
    the name constraints compare LOWER(name), which `lower` writes as the database does.
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
            for form in rows_to_save(self):
                value = form.cleaned_data.get(field, "")
                first = seen.get(lower(value))
                if first is None:
                    seen[lower(value)] = value
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
        for form in rows_to_save(self):
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
    base = slug_base(re.sub(r"(?<=.)-\d+$", "", slug))
    taken = {base}
    taken.update(Person.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True))
    taken.update(
        PersonRedirect.objects.filter(old_slug__startswith=f"{base}-").values_list(
            "old_slug", flat=True
        )
    )
    return numbered_slug(base, taken)


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
