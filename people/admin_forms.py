"""Forms and formsets of the admin: the checks Django's own leave out."""

import re

from django import forms
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import UniqueConstraint
from django.db.models.functions import Lower

from people.models import (
    Person,
    PersonRedirect,
    Section,
    Team,
    numbered_slug,
    slug_base,
    validate_name,
)
from people.renaming import NameReplacement
from people.sites import is_id
from people.sorting import lower, normalize_name, split_at_family_name


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


# A person's page lists this many of their credits; the Credits list has them all.
PERSON_CREDITS_SHOWN = 100


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


class CreditInlineFormSet(forms.BaseInlineFormSet):
    """Refuses the same credit twice in one submission.

    Django compares the rows of a formset only for constraints without a
    condition, and the credit constraints have one.
    """

    def clean(self):
        super().clean()
        seen = set()
        for form in rows_to_save(self):
            credit = form.instance
            place = (credit.person_id, credit.section_id, credit.team_id, credit.title)
            if place in seen:
                form.add_error(None, "This credit is listed twice.")
                raise ValidationError("Please remove the credits listed twice.")
            seen.add(place)


class PersonCreditsFormSet(CreditInlineFormSet):
    """A person's credits on their page: the first PERSON_CREDITS_SHOWN, in page order."""

    def get_queryset(self):
        # BaseModelFormSet.get_queryset: the rows shown, and the rows a submission may change.
        if not hasattr(self, "_shown"):
            self._shown = super().get_queryset()[:PERSON_CREDITS_SHOWN]
        return self._shown


# Pickers of a section or team


def place_label(place, with_project=False):
    """What tells a section or team apart in its project: "Research contributions › Vision".

    `with_project` adds the project's title, last, for a list of several projects' places.
    Needs the section (and the project, with `with_project`) loaded.
    """
    if isinstance(place, Team):
        section = place.section
        label = f"{section.title} › {place.name or '(no heading)'}"
    else:
        section = place
        label = section.title
    return f"{label} — {section.project.title}" if with_project else label


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete picker, showing nothing chosen for a value that is no id.

    A form sent back with its errors shows what was sent, and an add form what its
    address says ("?person=abc"). Django's widget looks the value up, and a value that
    cannot be an id made that lookup fail instead of the form saying "Select a valid
    choice".
    """

    def optgroups(self, name, value, attr=None):
        return super().optgroups(
            name, [pk for pk in value if is_id(self.field.target_field, pk)], attr
        )


class CheckedAutocompleteMixin:
    """For ModelAdmins and inlines: their autocomplete_fields use CheckedAutocompleteSelect."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PlaceSelect(CheckedAutocompleteSelect):
    """An autocomplete picker of a section or team, labelled by place_label.

    Once `project` is set, it offers only that project's places, labelled without it.
    `selected`, the place the form's instance already has loaded, is shown without a
    query, so that an inline of many credits costs no query per row.
    """

    url_name = "%s:people_place_autocomplete"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = None
        self.selected = None

    def get_url(self):
        # AutocompleteMixin.get_url: the address select2 asks for choices (PlaceAutocompleteView).
        url = super().get_url()
        return f"{url}?project={self.project.pk}" if self.project else url

    def optgroups(self, name, value, attr=None):
        # AutocompleteMixin.optgroups looks the selected place up with a query of its own
        # and labels it with str(); this labels it with place_label, from `selected` if loaded.
        ids = [str(pk) for pk in value if is_id(self.field.target_field, pk)]
        if ids and self.selected is not None and ids == [str(self.selected.pk)]:
            places = [self.selected]
        else:
            places = list(self.choices.queryset.filter(pk__in=ids)) if ids else []
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for place in places:
            label = place_label(place, with_project=self.project is None)
            options.append(self.create_option(name, place.pk, label, True, len(options)))
        return [(None, options, 0)]


class PlaceAutocompleteView(AutocompleteJsonView):
    """The choices of a PlaceSelect: every section or team, or those of `?project=`."""

    def process_request(self, request):
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if model_admin.model not in (Section, Team):
            raise PermissionDenied
        return term, model_admin, source_field, to_field_name

    def project(self):
        project = self.request.GET.get("project", "")
        return int(project) if project.isdecimal() else None

    def get_queryset(self):
        places = super().get_queryset()
        if self.project() is None:
            return places
        if places.model is Team:
            return places.filter(section__project=self.project())
        return places.filter(project=self.project())

    def serialize_result(self, obj, to_field_name):
        # The hook Django documents for what an autocomplete result shows.
        return {"id": str(obj.pk), "text": place_label(obj, with_project=self.project() is None)}


def pick_places(db_field, admin_site, kwargs):
    """Give a section or team foreign key a PlaceSelect, with what its labels need loaded.

    For a ModelAdmin's formfield_for_foreignkey, whose `kwargs` this completes.
    """
    if db_field.name == "team":
        kwargs["queryset"] = Team.objects.select_related("section__project")
    elif db_field.name == "section":
        kwargs["queryset"] = Section.objects.select_related("project")
    else:
        return
    kwargs["widget"] = PlaceSelect(db_field, admin_site, using=kwargs.get("using"))


def limit_places(form, project, **selected):
    """Limit the form's section and team pickers to `project`; `selected`: their places, loaded."""
    for name in ("section", "team"):
        field = form.fields.get(name)
        # The admin wraps the picker in a RelatedFieldWidgetWrapper (its add and edit links).
        picker = getattr(field.widget, "widget", None) if field else None
        if isinstance(picker, PlaceSelect):
            picker.project = project
            picker.selected = selected.get(name)


def parent(row, field_name):
    """row.<field_name>, or None when it is empty or gone (a past version's, in its history)."""
    if row is None or getattr(row, f"{field_name}_id") is None:
        return None
    try:
        return getattr(row, field_name)
    except ObjectDoesNotExist:
        return None


class CreditPlacesForm(forms.ModelForm):
    """A credit whose section and team pickers offer its own project's places, once it has one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        team, section = parent(self.instance, "team"), parent(self.instance, "section")
        project = parent(parent(team, "section") or section, "project")
        if project is not None:
            limit_places(self, project, team=team, section=section)


class InlineCreditForm(CreditPlacesForm, InlineConstraintsForm):
    """A credit in an inline: its project's places, and the constraints involving its parent."""


class TeamForm(forms.ModelForm):
    """A team, whose section picker offers its project's sections once it has one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        section = parent(self.instance, "section")
        project = parent(section, "project")
        if project is not None:
            limit_places(self, project, section=section)


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


class ReplaceNameForm(forms.Form):
    """A person's new name, for replacing their name everywhere (people/renaming.py)."""

    KEEP, DROP = "keep", "drop"

    name = forms.CharField(
        label="New name",
        max_length=200,
        validators=[validate_name],
        help_text="As every page, published versions included, will show it.",
    )
    family_name = forms.CharField(
        max_length=200,
        required=False,
        validators=[validate_name],
        help_text="Which words of the new name are the family name, written as in the name, "
        "when the rules get it wrong. Leave empty to let the rules work it out.",
    )
    sort_name = forms.CharField(
        max_length=200,
        required=False,
        validators=[validate_name],
        help_text="How the new name sorts, family name first. "
        "Leave empty to sort by the family name.",
    )
    old_name = forms.ChoiceField(
        label="The old name",
        widget=forms.RadioSelect,
        initial=KEEP,
    )
    replace_in_texts = forms.BooleanField(
        label="Also replace the old name in the texts editors wrote",
        required=False,
        initial=True,
        help_text="Introductions, titles, acknowledgments and notes of the pages naming this "
        "person, drafts and published versions: the preview lists those that spell it.",
    )

    def __init__(self, person, *args, old_name_choice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["old_name"].choices = [
            (
                self.KEEP,
                f"Keep “{person.name}” as a private other spelling, so that imports "
                "still find this person (its page's old address leads to the new one)",
            ),
            (
                self.DROP,
                f"Do not keep “{person.name}” at all, at the person's request (its "
                "page's old address no longer works)",
            ),
        ]
        if old_name_choice is not None:
            # The person chose in their review: the editor does not choose for them.
            self.fields["old_name"].choices = [
                choice for choice in self.fields["old_name"].choices if choice[0] == old_name_choice
            ]
            self.fields["old_name"].initial = old_name_choice

    def clean_name(self):
        name = normalize_name(self.cleaned_data["name"])
        if name == self.person.name:
            raise ValidationError("This is the name already: write the new one.")
        return name

    def clean_family_name(self):
        return normalize_name(self.cleaned_data["family_name"])

    def clean_sort_name(self):
        return normalize_name(self.cleaned_data["sort_name"])

    def clean(self):
        cleaned_data = super().clean()
        name, family_name = cleaned_data.get("name"), cleaned_data.get("family_name")
        if name and family_name and split_at_family_name(name, family_name) is None:
            self.add_error(
                "family_name",
                f"Write the family name as the new name does: “{family_name}” is not part of "
                f"“{name}”.",
            )
        return cleaned_data

    def replacement(self, replaces_in_texts=None):
        """The NameReplacement asked for; `replaces_in_texts` overrides the checkbox."""
        data = self.cleaned_data
        return NameReplacement(
            name=data["name"],
            sort_name=data["sort_name"],
            family_name=data["family_name"],
            keeps_old_name=data["old_name"] == self.KEEP,
            replaces_in_texts=(
                data["replace_in_texts"] if replaces_in_texts is None else replaces_in_texts
            ),
        )
