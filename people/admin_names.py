"""The admin's list of the names the sort rules are unsure about (People → Names to check).

Editors give a family name or a sort name in place, or confirm that a name sorts
right, for a page of people at once; beside each name, where it stands on the
chosen project's page. Which names are listed, and why, is people.sorting.sort_doubts.
"""

from dataclasses import dataclass, replace

from django import forms
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from simple_history.utils import bulk_update_with_history

from people.caching import invalidate_pages
from people.models import Credit, Mention, Person, Project
from people.pages import project_page
from people.sorting import DOUBT_KINDS, Doubt, sort_doubts, sort_name_used

PEOPLE_PER_PAGE = 100
TO_CHECK = "to-check"
SETTLED = "settled"
STATUSES = {TO_CHECK: "To check", SETTLED: "Settled"}
# What an editor changes on this screen, as the admin's history names it.
CHANGED_FIELDS = {
    "family_name": "Family name",
    "sort_name": "Sort name",
    "looks_right": "Sort checked for",
}


def is_checked(person):
    """Whether an editor confirmed that the person's name, as it is now, sorts right."""
    return person.sort_checked_name == person.name


class NameCheckForm(forms.ModelForm):
    looks_right = forms.BooleanField(required=False, label="Looks right")

    class Meta:
        model = Person
        fields = ["family_name", "sort_name"]
        widgets = {
            "family_name": forms.TextInput(attrs={"size": 16}),
            "sort_name": forms.TextInput(attrs={"size": 20}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.instance.name
        self.fields["looks_right"].initial = is_checked(self.instance)
        for field_name, field in self.fields.items():
            field.widget.attrs["aria-label"] = f"{field.label} of {name}"
            if field_name != "looks_right":
                field.widget.attrs["placeholder"] = field.label

    def save_to(self, person):
        """Apply the form to `person` (its instance) for a bulk update; return what changed."""
        if "looks_right" in self.changed_data:
            person.sort_checked_name = person.name if self.cleaned_data["looks_right"] else ""
        person.set_sort_key()
        return [CHANGED_FIELDS[name] for name in self.changed_data]


class NameCheckFormSet(forms.BaseFormSet):
    """One NameCheckForm for each of `people`, its fields prefixed with the person's id.

    BaseFormSet.add_prefix numbers the forms by position; by id, a row is saved
    to the person it showed even if the list changed since it was shown.
    """

    def __init__(self, data=None, *, people):
        self.people = people
        super().__init__(data, prefix="names")

    def total_form_count(self):
        return len(self.people)

    def initial_form_count(self):
        return len(self.people)

    def add_prefix(self, index):
        return f"{self.prefix}-{self.people[index].pk}"

    def get_form_kwargs(self, index):
        return {"instance": self.people[index]}


NameCheckForms = forms.formset_factory(NameCheckForm, formset=NameCheckFormSet, extra=0)


@dataclass(frozen=True)
class Listed:
    """A person the list shows, and why."""

    pk: int
    doubts: list[Doubt]


@dataclass(frozen=True)
class Neighbours:
    """Where a person stands in one list of a project's page, between two names ("" at an end)."""

    place: str
    before: str
    after: str


@dataclass(frozen=True)
class NameRow:
    """A listed person, as the screen shows them, with their form."""

    pk: int
    name: str
    doubts: list[Doubt]
    # What they sort by ("García Márquez, Gabriel") and the letter they sort under ("G").
    sorted_as: str
    initial: str
    form: NameCheckForm
    neighbours: list[Neighbours]


@dataclass(frozen=True)
class KindChoice:
    """A reason to choose in the filter, with how many people it lists (None on a POST)."""

    value: str
    label: str
    count: int | None


@dataclass(frozen=True)
class Filters:
    """What the screen lists: a status, a kind of doubt ("" for all), a project (or None)."""

    status: str
    kind: str
    project: Project | None
    projects: list[Project]

    @classmethod
    def of(cls, request):
        status = request.GET.get("status", TO_CHECK)
        kind = request.GET.get("kind", "")
        # Every project, for the choice of one: one query, the chosen one's assembler loaded.
        projects = list(Project.objects.select_related("assembled_by").order_by("title", "pk"))
        chosen = request.GET.get("project", "")
        project = next((p for p in projects if str(p.pk) == chosen), None)
        return cls(
            status=status if status in STATUSES else TO_CHECK,
            kind=kind if kind in DOUBT_KINDS else "",
            project=project,
            projects=projects,
        )


def shown_on(project):
    """A filter on people for those the project's page lists: credited or thanked by name."""
    return Q(pk__in=Credit.objects.in_projects([project]).values("person_id")) | Q(
        pk__in=Mention.objects.filter(acknowledgment__project=project).values("person_id")
    )


def listed_people(filters):
    """Return ([Listed] in sort order, {kind: how many}) for the filters.

    To check: the people whose sort is in doubt (see sort_doubts) and whom no
    editor confirmed. Settled: those whose name alone is in doubt, but whose sort
    name or family name settles it, or whom an editor confirmed. One query, the
    doubts worked out here.
    """
    people = Person.objects.all()
    if filters.project is not None:
        people = people.filter(shown_on(filters.project))
    rows = people.values_list(
        "pk", "name", "sort_name", "family_name", "sort_checked_name", "sort_key", named=True
    )
    found = []
    for row in sorted(rows, key=lambda row: (row.sort_key, row.name, row.pk)):
        confirmed = row.sort_checked_name == row.name
        doubts = sort_doubts(row.name, row.sort_name, row.family_name)
        if filters.status == TO_CHECK:
            if doubts and not confirmed:
                found.append(Listed(row.pk, doubts))
        elif not doubts or confirmed:
            name_doubts = sort_doubts(row.name)
            if name_doubts:
                found.append(Listed(row.pk, name_doubts))
    counts = {kind: 0 for kind in DOUBT_KINDS}
    for listed in found:
        for kind in {doubt.kind for doubt in listed.doubts}:
            counts[kind] += 1
    if filters.kind:
        found = [listed for listed in found if any(d.kind == filters.kind for d in listed.doubts)]
    return found, counts


def page_neighbours(project, person_ids):
    """Return {person id: [Neighbours]} of `person_ids` on the project's page, in page order."""
    page = project_page(project)
    lists = []
    for section in page.sections:
        lists.append((f"{section.title} (lead lines)", section.leads))
        for team in section.teams:
            lists.append((f"{section.title} › {team.name or '(no heading)'}", team.people))
    lists += [("Acknowledgments", ack.people) for ack in page.acknowledgments]
    wanted = set(person_ids)
    found = {person_id: [] for person_id in person_ids}
    for place, entries in lists:
        for index, entry in enumerate(entries):
            if entry.person_id in wanted:
                before = entries[index - 1].name if index > 0 else ""
                after = entries[index + 1].name if index + 1 < len(entries) else ""
                found[entry.person_id].append(Neighbours(place, before, after))
    return found


def name_rows(people, doubts, formset):
    """Return a NameRow for each of `people` (their `doubts` by id), as they are stored.

    Made before the forms are checked, which writes what was typed to the people.
    """
    return [
        NameRow(
            pk=person.pk,
            name=person.name,
            doubts=doubts[person.pk],
            sorted_as=sort_name_used(person.name, person.sort_name, person.family_name),
            initial=person.sort_key[:1].upper(),
            form=form,
            neighbours=[],
        )
        for person, form in zip(people, formset.forms, strict=True)
    ]


def with_neighbours(rows, project):
    """Return `rows` with where each person stands on the project's page (unchanged without one)."""
    if project is None:
        return rows
    neighbours = page_neighbours(project, [row.pk for row in rows])
    return [replace(row, neighbours=neighbours[row.pk]) for row in rows]


def names_to_check_view(request, model_admin):
    if not request.user.has_perm("people.change_person"):
        raise PermissionDenied
    filters = Filters.of(request)
    if request.method == "POST":
        people = posted_people(request.POST)
        formset = NameCheckForms(request.POST, people=people)
        doubts = {
            person.pk: sort_doubts(person.name, person.sort_name, person.family_name)
            or sort_doubts(person.name)
            for person in people
        }
        rows = name_rows(people, doubts, formset)
        if formset.is_valid():
            save_names(request, formset, filters.project)
            return redirect(request.get_full_path())
        page, counts = None, {}
    else:
        listed, counts = listed_people(filters)
        page = Paginator(listed, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
        doubts = {listed.pk: listed.doubts for listed in page.object_list}
        found = Person.objects.in_bulk(list(doubts))
        people = [found[pk] for pk in doubts]
        formset = NameCheckForms(people=people)
        rows = name_rows(people, doubts, formset)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Names to check",
        "filters": filters,
        "statuses": STATUSES,
        "kinds": [KindChoice(kind, label, counts.get(kind)) for kind, label in DOUBT_KINDS.items()],
        "page": page,
        "formset": formset,
        "rows": with_neighbours(rows, filters.project),
        "person_ids": ",".join(str(person.pk) for person in people),
    }
    return TemplateResponse(request, "admin/people/person/names_to_check.html", context)


def posted_people(data):
    """Return the people of a submitted page of the list, in its order (those still there)."""
    ids = [int(pk) for pk in data.get("people", "").split(",") if pk.isdecimal()]
    found = Person.objects.in_bulk(ids[:PEOPLE_PER_PAGE])
    return [found[pk] for pk in ids if pk in found]


def save_names(request, formset, project):
    """Save the changed rows at once, with their history, and say where each now sorts."""
    changed = {}
    moved = []
    for form in formset.forms:
        if form.has_changed():
            person = form.instance
            key = person.sort_key
            changed[person] = form.save_to(person)
            if person.sort_key != key:
                moved.append(person)
    if not changed:
        messages.info(request, "Nothing was changed.")
        return
    people = list(changed)
    with transaction.atomic():
        bulk_update_with_history(
            people,
            Person,
            ["family_name", "sort_name", "sort_key", "sort_checked_name"],
            default_user=request.user,
            default_change_reason="Names to check",
        )
        log_changes(request.user, changed)
        invalidate_pages()
    count = len(people)
    messages.success(request, f"Saved {count} {'person' if count == 1 else 'people'}.")
    neighbours = page_neighbours(project, [p.pk for p in moved]) if project and moved else {}
    for person in moved:
        messages.info(request, where_it_sorts(person, neighbours.get(person.pk, [])))


def log_changes(user, changed):
    """Record each change in the admin's log, one query for each set of fields changed."""
    by_fields = {}
    for person, fields in changed.items():
        by_fields.setdefault(tuple(fields), []).append(person)
    for fields, people in by_fields.items():
        LogEntry.objects.log_actions(
            user.pk, people, CHANGE, [{"changed": {"fields": list(fields)}}]
        )


def where_it_sorts(person, neighbours):
    """Say where a saved person now sorts: under which letter, and between whom on the page."""
    text = f"{person.name} now sorts under {person.sort_key[:1].upper()}"
    places = []
    for place in neighbours:
        if place.before and place.after:
            places.append(f"in {place.place} between {place.before} and {place.after}")
        elif place.before:
            places.append(f"in {place.place} last, after {place.before}")
        elif place.after:
            places.append(f"in {place.place} first, before {place.after}")
    return f"{text}: {'; '.join(places)}." if places else f"{text}."


def names_to_check_urls(model_admin):
    """The URL of the names to check, for PersonAdmin.get_urls()."""
    return [
        path(
            "names-to-check/",
            model_admin.admin_site.admin_view(
                lambda request: names_to_check_view(request, model_admin)
            ),
            name="people_person_names_to_check",
        ),
    ]
