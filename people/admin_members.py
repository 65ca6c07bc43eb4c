"""The credits of one place in the admin, however many: a team's members, a section's lead lines.

A team of 3,000 members cannot be an inline of 3,000 forms. The team's page (and the
section's, for its lead lines) shows a page of them at a time, searchable; they are added
one at a time with autocomplete, or many at once by pasting names, which are matched and
written by the credits import (people/spreadsheet/) as if they were rows of a file; and
removed in bulk, after a confirmation. The page costs the same queries whatever the size.
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from people.admin_forms import CheckedAutocompleteSelect, place_label
from people.caching import invalidate_pages
from people.models import (
    Alias,
    Credit,
    NotNamed,
    Person,
    ProjectBusy,
    Section,
    Team,
    validate_name,
    validate_title,
)
from people.sorting import sort_fold
from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import CreditRow, CreditsError, clean_cell
from people.spreadsheet.plan import ADD

CREDITS_PER_PAGE = 100
# A confirmation lists this many of the credits it removes, and counts the others.
LISTED = 100
NAME_LENGTH = Person._meta.get_field("name").max_length
TITLE_LENGTH = Credit._meta.get_field("title").max_length
BATCH_SIZE = 1000


@dataclass(frozen=True)
class PlaceCredits:
    """The credits of one place: a team's members, or a section's lead lines.

    `place` comes with its section (for a team) and its project loaded.
    """

    place: Team | Section

    @property
    def is_team(self):
        return isinstance(self.place, Team)

    @property
    def field(self):
        return "team" if self.is_team else "section"

    @property
    def section(self):
        return self.place.section if self.is_team else self.place

    @property
    def project(self):
        return self.section.project

    @property
    def noun(self):
        return "member" if self.is_team else "lead line"

    @property
    def nouns(self):
        return "members" if self.is_team else "lead lines"

    @property
    def title_required(self):
        return not self.is_team

    @property
    def titles_can_be_pasted(self):
        # The import reads a titled credit without a team as a lead line.
        return not self.is_team or bool(self.place.name)

    def __str__(self):
        return place_label(self.place, with_project=True)

    def credits(self):
        return Credit.objects.filter(**{self.field: self.place})

    def new_credit(self, person, title):
        return Credit(person=person, title=title, **{self.field: self.place})

    def row(self, line, name, title):
        """The pasted name on `line` as the import reads a row of a file."""
        team = self.place.name if self.is_team else ""
        return CreditRow(line, self.section.title, team, name, title)

    def url(self, view):
        model = self.place._meta.model_name
        return reverse(f"admin:people_{model}_credits_{view}", args=[self.place.pk])

    def change_url(self):
        model = self.place._meta.model_name
        return reverse(f"admin:people_{model}_change", args=[self.place.pk]) + "#credits"


def searched(credits, query):
    """The credits whose person's name, other spelling or sort key, or whose title, has each word.

    Folded like the people list's search: "mely" finds David Mélý.
    """
    for word in query.split():
        other_spelling = Alias.objects.filter(person=OuterRef("person"), name__icontains=word)
        credits = credits.filter(
            Q(person__name__icontains=word)
            | Q(person__sort_key__contains=sort_fold(word))
            | Q(title__icontains=word)
            | Exists(other_spelling)
        )
    return credits


class AddCreditForm(forms.Form):
    """One person, picked by autocomplete, with a title."""

    def __init__(self, place_credits, admin_site, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person = Credit._meta.get_field("person")
        self.fields["person"] = person.formfield(
            widget=CheckedAutocompleteSelect(person, admin_site),
            help_text="Type a name or another spelling.",
        )
        self.fields["title"] = forms.CharField(
            required=place_credits.title_required,
            max_length=TITLE_LENGTH,
            validators=[validate_title],
            help_text='e.g. "Optimization lead"'
            + ("" if place_credits.title_required else " (optional)"),
        )


class PasteForm(forms.Form):
    names = forms.CharField(
        label="Names",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        help_text="One name per line. To give a title, follow the name with a tab and the "
        "title, as two columns copied from a spreadsheet do. Names are matched as the "
        "credits import matches them: by name or other spelling, ignoring case.",
    )


def pasted_rows(place_credits, text):
    """The import's rows for the names pasted in `text`, or CreditsError naming the lines."""
    rows, problems = [], []
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        cells = [clean_cell(cell) for cell in content.split("\t")]
        name, title = cells[0], cells[1] if len(cells) > 1 else ""
        if any(cells[2:]):
            problem = "more than two columns; paste the names and, if you like, their titles."
        else:
            problem = line_problem(place_credits, name, title)
        if problem:
            problems.append(f"Line {line}: {problem}")
        else:
            rows.append(place_credits.row(line, name, title))
    if problems:
        raise CreditsError(problems)
    if not rows:
        raise CreditsError("Paste at least one name.")
    return rows


def line_problem(place_credits, name, title):
    """What is wrong with a pasted name and title, as a sentence; "" if nothing."""
    if not name:
        return "a title without a name; put the name first."
    if len(name) > NAME_LENGTH:
        return f"a name of {len(name)} characters; at most {NAME_LENGTH} are allowed."
    if len(title) > TITLE_LENGTH:
        return f"a title of {len(title)} characters; at most {TITLE_LENGTH} are allowed."
    if title and not place_credits.titles_can_be_pasted:
        return (
            "members of a group without a heading are pasted without titles; "
            "add a titled member with “Add a member”."
        )
    if not title and place_credits.title_required:
        return f"a lead line needs a title: “{name}”, a tab, then the title."
    try:
        validate_name(name)
        if title:
            validate_title(title)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def credits_panel(request, model_admin, place):
    """What the team's (or section's) page shows of its credits: a page of them and the forms."""
    place_credits = PlaceCredits(place)
    query = request.GET.get("q", "").strip()
    not_named_here = NotNamed.objects.filter(
        project=place_credits.project, person=OuterRef("person_id")
    )
    credits = (
        place_credits.credits()
        .select_related("person")
        .annotate(is_not_named_here=Exists(not_named_here))
    )
    if query:
        credits = searched(credits, query)
    credits = credits.order_by("person__sort_key", "person__name", "pk")
    page = Paginator(credits, CREDITS_PER_PAGE).get_page(request.GET.get("page"))
    add_form = AddCreditForm(place_credits, model_admin.admin_site, prefix="add")
    return {
        "place_credits": place_credits,
        "query": query,
        "page": page,
        "add_form": add_form,
        "paste_form": PasteForm(prefix="paste"),
        "add_url": place_credits.url("add"),
        "paste_url": place_credits.url("paste"),
        "remove_url": place_credits.url("remove"),
        "can_add": user_may(request.user, "add"),
        "can_paste": user_may(request.user, "paste"),
        "can_remove": user_may(request.user, "delete"),
    }


def user_may(user, action):
    """Whether `user` may add, paste (which may add people too) or delete credits."""
    if action == "paste":
        return user.has_perms(["people.add_credit", "people.add_person"])
    return user.has_perm(f"people.{action}_credit")


def get_place(model_admin, request, object_id, action):
    if not user_may(request.user, action):
        raise PermissionDenied
    places = model_admin.get_queryset(request)
    return PlaceCredits(get_object_or_404(places, pk=object_id))


@require_POST
def add_view(request, model_admin, object_id):
    place_credits = get_place(model_admin, request, object_id, "add")
    form = AddCreditForm(place_credits, model_admin.admin_site, request.POST, prefix="add")
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form[field].label}: {' '.join(errors)}")
        return redirect(place_credits.change_url())
    credit = place_credits.new_credit(form.cleaned_data["person"], form.cleaned_data["title"])
    try:
        credit.full_clean()
    except ValidationError as error:
        messages.error(request, f"{credit.person}: {' '.join(error.messages)}")
        return redirect(place_credits.change_url())
    credit._change_reason = f"Added to {place_credits} in the admin"[:100]
    credit.save()
    LogEntry.objects.log_actions(request.user.pk, [credit], ADDITION, single_object=True)
    messages.success(request, f"Added {credit.person} to {place_credits}.")
    return redirect(place_credits.change_url())


@require_POST
def paste_view(request, model_admin, object_id):
    """Preview the pasted names (who is new, who looks like someone); import them once confirmed."""
    place_credits = get_place(model_admin, request, object_id, "paste")
    form = PasteForm(request.POST, prefix="paste")
    plan, problems = None, []
    if form.is_valid():
        text = form.cleaned_data["names"]
        try:
            rows = pasted_rows(place_credits, text)
            if "confirm" in request.POST:
                plan = import_credits(
                    place_credits.project,
                    rows,
                    ADD,
                    user=request.user,
                    source=f"names pasted into {place_credits}"[:200],
                    expected_digest=request.POST.get("digest", ""),
                    wait_seconds=settings.WEB_LOCK_WAIT_SECONDS,
                )
                messages.success(request, pasted_message(place_credits, plan))
                return redirect(place_credits.change_url())
            plan = import_credits(place_credits.project, rows, ADD, dry_run=True)
        except CreditsError as error:
            plan, problems = None, [str(problem) for problem in error.problems]
        except ProjectBusy as error:
            plan, problems = None, [str(error)]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": place_credits.place,
        "title": f"Add {place_credits.nouns} to {place_credits}",
        "place_credits": place_credits,
        "form": form,
        "plan": plan,
        "problems": problems,
    }
    if plan is not None:
        context.update(
            newcomers=listing(plan.newcomers),
            to_add=listing(plan.changes.new_credits),
            already=listing(plan.report.unchanged),
            repeated=listing(plan.report.duplicates),
        )
    return TemplateResponse(request, "admin/people/place_credits_paste.html", context)


@dataclass(frozen=True)
class Listing:
    """A list a preview shows: its first LISTED items, and how many more there are."""

    shown: list
    more: int


def listing(items):
    items = list(items)
    return Listing(items[:LISTED], max(0, len(items) - LISTED))


def pasted_message(place_credits, plan):
    new_people = len(plan.changes.new_people)
    added = len(plan.changes.new_credits)
    message = f"Added {added} {place_credits.noun if added == 1 else place_credits.nouns}"
    if new_people:
        message += f", of whom {new_people} new {'person' if new_people == 1 else 'people'}"
    unchanged = len(plan.report.unchanged)
    if unchanged:
        message += f"; {unchanged} already listed"
    return f"{message}."


@require_POST
def remove_view(request, model_admin, object_id):
    """Ask to confirm the removal of the chosen credits; remove them once confirmed."""
    place_credits = get_place(model_admin, request, object_id, "delete")
    query = request.POST.get("q", "").strip()
    chosen = place_credits.credits()
    if request.POST.get("all") == "yes":
        chosen = searched(chosen, query)
    else:
        ids = [pk for pk in request.POST.getlist("credit") if pk.isdecimal()]
        chosen = chosen.filter(pk__in=ids)
    chosen = chosen.select_related("person")
    chosen = chosen.order_by("person__sort_key", "person__name", "pk")
    count = chosen.count()
    if not count:
        messages.warning(request, f"Choose the {place_credits.nouns} to remove.")
        return redirect(place_credits.change_url())
    if "confirm" in request.POST:
        if request.POST.get("count") == str(count):
            removed = remove(request.user, place_credits, chosen)
            noun = place_credits.noun if removed == 1 else place_credits.nouns
            messages.success(request, f"Removed {removed} {noun} from {place_credits}.")
            return redirect(place_credits.change_url())
        messages.warning(
            request,
            f"The {place_credits.nouns} changed since you chose them: check the list, "
            "then confirm again.",
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": place_credits.place,
        "title": f"Remove {place_credits.nouns} from {place_credits}",
        "place_credits": place_credits,
        "credits": chosen[:LISTED],
        "count": count,
        "more": max(0, count - LISTED),
        "all": request.POST.get("all") == "yes",
        "query": query,
    }
    return TemplateResponse(request, "admin/people/place_credits_remove.html", context)


def remove(user, place_credits, chosen):
    """Delete the chosen credits in one transaction, each with its history; return how many.

    In bulk: deleted one by one, with a history row and a page-cache signal each,
    3,000 members took 5 s. The history rows say who removed them and why, as a
    deletion through the admin's forms would.
    """
    reason = f"Removed from {place_credits} in the admin"[:100]
    with transaction.atomic():
        credits = list(chosen.select_for_update(of=["self"]))
        if not credits:
            return 0
        history = Credit.history.model
        now = timezone.now()
        history.objects.bulk_create(
            (
                history(
                    **{
                        field.attname: getattr(credit, field.attname)
                        for field in history.tracked_fields
                    },
                    history_date=now,
                    history_type="-",
                    history_user=user,
                    history_change_reason=reason,
                )
                for credit in credits
            ),
            batch_size=BATCH_SIZE,
        )
        # One entry on the place, as an import logs one on its project.
        noun = place_credits.noun if len(credits) == 1 else place_credits.nouns
        LogEntry.objects.log_actions(
            user.pk,
            [place_credits.place],
            CHANGE,
            change_message=f"Removed {len(credits)} {noun}.",
            single_object=True,
        )
        ids = [credit.pk for credit in credits]
        table = connection.ops.quote_name(Credit._meta.db_table)
        with connection.cursor() as cursor:
            for start in range(0, len(ids), BATCH_SIZE):
                batch = ids[start : start + BATCH_SIZE]
                placeholders = ", ".join(["%s"] * len(batch))
                cursor.execute(f"DELETE FROM {table} WHERE id IN ({placeholders})", batch)
        # Deleted without model signals: the pages are invalidated here, once.
        invalidate_pages()
    return len(credits)


def credits_urls(model_admin):
    """The URLs that add, paste and remove a place's credits, for the ModelAdmin's get_urls()."""
    model = model_admin.opts.model_name
    admin_view = model_admin.admin_site.admin_view
    views = {"add": add_view, "paste": paste_view, "remove": remove_view}
    return [
        path(
            f"<int:object_id>/credits/{name}/",
            admin_view(lambda request, object_id, view=view: view(request, model_admin, object_id)),
            name=f"people_{model}_credits_{name}",
        )
        for name, view in views.items()
    ]
