import re
import unicodedata
from contextvars import ContextVar
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import URLValidator
from django.db import OperationalError, connection, models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Length, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from people.sorting import fold, normalize_name, sort_key, split_at_family_name, visible

# Longest slug a person gets from a name, leaving room for a "-<number>" suffix.
SLUG_BASE_LENGTH = 190

ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
# Public pages link these addresses: only the web's own schemes (no ftp:, no javascript:).
# Its own code: a form would replace the message of an "invalid" error by its own.
validate_web_url = URLValidator(
    schemes=["http", "https"],
    message="Enter a web address starting with http:// or https://.",
    code="not_web_address",
)


def validate_orcid(value):
    """Check an ORCID iD's form and its ISO 7064 11,2 check character (the last one)."""
    if not ORCID.fullmatch(value):
        raise ValidationError(
            "Enter the ORCID iD as four groups of four digits, e.g. 0000-0002-1825-0097 "
            "(the very last character may be X).",
            code="orcid_form",
        )
    total = 0
    for digit in value.replace("-", "")[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if value[-1] != ("X" if check == 10 else str(check)):
        raise ValidationError(
            "“%(value)s” is not an ORCID iD: its last character does not match the others. "
            "Check it for a typo.",
            code="orcid_check_character",
            params={"value": value},
        )


# Characters that set the direction of the text around them: "Mark \u202enehC" (an
# override) displays as "Mark Chen". Names and titles need none of them: the
# direction of each script follows from its letters.
TEXT_DIRECTION_CHARACTERS = {
    "\u061c",  # ARABIC LETTER MARK
    "\u200e",  # LEFT-TO-RIGHT MARK
    "\u200f",  # RIGHT-TO-LEFT MARK
    *map(chr, range(0x202A, 0x202F)),  # embeddings, overrides and their end
    *map(chr, range(0x2066, 0x206A)),  # isolates and their end
}


# The control characters (Unicode's category Cc: C0, DEL and C1) and the text-direction
# ones, found at once: checking each character of 150,000 cells one by one was slow.
HIDDEN_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f" + "".join(sorted(TEXT_DIRECTION_CHARACTERS)) + "]"
)


def refuse_hidden_characters(value, what, allowed=""):
    """Refuse a control character (but those in `allowed`) or a text-direction character.

    Control characters cannot be shown, break spreadsheets (XLSX refuses them) and
    act on terminals; the message says which one is where, as nobody can see it.
    """
    for found in HIDDEN_CHARACTERS.finditer(value):
        character, position = found.group(), found.start() + 1
        code = f"U+{ord(character):04X}"
        if character in TEXT_DIRECTION_CHARACTERS:
            raise ValidationError(
                "This %(what)s contains an invisible text-direction character (%(character)s) "
                "at position %(position)d, which can make it display as something else: "
                "remove it.",
                code="text_direction_character",
                params={
                    "what": what,
                    "character": f"{code} {unicodedata.name(character)}",
                    "position": position,
                },
            )
        if unicodedata.category(character) == "Cc" and character not in allowed:
            raise ValidationError(
                "This %(what)s contains a control character (%(character)s) at position "
                "%(position)d: remove it.",
                code="control_character",
                params={"what": what, "character": code, "position": position},
            )


def validate_name(value):
    """Check a person's name (or other spelling, or sort name) holds only what can be seen."""
    refuse_hidden_characters(value, "name")
    if not any(unicodedata.category(character).startswith("L") for character in value):
        raise ValidationError(
            "A name needs at least one letter: "
            "this one has only spaces, punctuation or invisible characters.",
            code="no_letter",
        )


def validate_title(value):
    """Check a title or heading holds only what can be seen; a tab may separate its parts."""
    refuse_hidden_characters(value, "title", allowed="\t")
    if not visible(value).strip():
        raise ValidationError(
            "This title shows nothing: it has only spaces or invisible characters.",
            code="nothing_visible",
        )


def can_see_drafts(user):
    """Whether `user` may see what the public does not: drafts, their exports, every person.

    A staff account alone is not enough: it takes the permission to view projects,
    which the Editors group has.
    """
    return user.is_active and user.is_staff and user.has_perm("people.view_project")


EMAIL_PERMISSION = "people.view_person_email"


def can_see_emails(user):
    """Whether `user` may see and set people's private email addresses (a permission of its own).

    None is the command line, which may.
    """
    return user is None or user.has_perm(EMAIL_PERMISSION)


def describe_parent(row, field_name, describe=str):
    """describe(row.<field_name>) for a row's text, or "no team" / "deleted team".

    A form with a parent cleared builds a row without one, and history records keep
    the ids of parents deleted after them: neither may break a page that shows the row.
    """
    if getattr(row, f"{field_name}_id") is None:
        return f"no {field_name}"
    try:
        parent = getattr(row, field_name)
    except ObjectDoesNotExist:
        parent = None
    return f"deleted {field_name}" if parent is None else describe(parent)


def slug_base(name):
    """The slug a person's name gives before numbering ("person" for a name with no letters)."""
    return slugify(fold(name))[:SLUG_BASE_LENGTH].strip("-") or "person"


def numbered_slug(base, taken):
    """`base`, or `base-2`, `base-3`… : the first one not in `taken`."""
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def section_anchor(pk, title):
    """The id a section's title gives it on its page ("research-contributions")."""
    return slugify(title, allow_unicode=True) or f"section-{pk}"


def team_anchor_part(pk, name):
    """What a team's name adds to its section's id on the page ("--data", "--unheaded")."""
    return "--" + (slugify(name, allow_unicode=True) or ("unheaded" if not name else str(pk)))


def credit_section(path):
    """A field of a credit's section, whether the credit is a lead line or a team membership.

    `credit_section("project__title")` is the title of the credit's project, usable in
    annotate(), order_by() and values().
    """
    return Coalesce(f"team__section__{path}", f"section__{path}")


# The change set (people/changesets.py) being recorded in this thread or task, if any.
current_change_set = ContextVar("current_change_set", default=None)


def current_change_set_id():
    """The id of the change set the history records written now belong to (None: none)."""
    change_set = current_change_set.get()
    return None if change_set is None else change_set.pk


class ChangeSetRecord(models.Model):
    """What every history record adds: the import, sync, merge or undo it is part of."""

    change_set = models.ForeignKey(
        "ChangeSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        default=current_change_set_id,
        related_name="+",
    )

    class Meta:
        abstract = True


class ProjectQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def visible_to(self, user):
        if can_see_drafts(user):
            return self
        return self.published()


class Project(models.Model):
    """A collaborative work and its credits page."""

    title = models.CharField(max_length=200, validators=[validate_title])
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The last part of the page's address: “gpt-4v” gives /credits/gpt-4v/.",
    )
    intro = models.TextField(
        blank=True, help_text="Opening paragraphs. Separate paragraphs with a blank line."
    )
    closing_text = models.TextField(
        blank=True,
        help_text="Text shown after the resource links and before the credits "
        "(e.g. what the collection of works reflects).",
    )
    citation = models.CharField(
        max_length=200, blank=True, help_text='How to cite the work, e.g. "OpenAI (2023)".'
    )
    ordering_note = models.CharField(
        max_length=300,
        blank=True,
        default="Contributions are sorted alphabetically.",
        help_text='Shown with the citation, e.g. "Contributions are sorted alphabetically."',
    )
    assembled_by = models.ForeignKey(
        "Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assembled_projects",
        help_text="The person who assembled the credits.",
    )
    is_published = models.BooleanField(
        default=False, help_text="Only published projects are visible to the public."
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When the project was first published."
    )
    wait_for_reviews = models.BooleanField(
        "publish only when everyone has answered",
        default=False,
        help_text="While someone credited on the page has not answered their review, or was "
        "never asked, publishing lists them and asks you to confirm (“Publish anyway”). "
        "Without this, publishing never waits.",
    )
    publish_after = models.DateField(
        "or from",
        null=True,
        blank=True,
        help_text="From this day on, publishing no longer waits for answers. Leave empty to "
        "wait until everyone has answered.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[ChangeSetRecord])
    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("people:project-detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.publish_after and not self.wait_for_reviews:
            raise ValidationError(
                {
                    "publish_after": ValidationError(
                        "This date only counts when publishing waits for answers: tick "
                        "“Publish only when everyone has answered”, or clear the date.",
                        code="date_without_rule",
                    )
                }
            )

    def waits_for_reviews(self, today=None):
        """Whether publishing waits for answers on `today` (default: today): the rule is on
        and its date, if any, has not come."""
        if not self.wait_for_reviews:
            return False
        today = today or timezone.localdate()
        return self.publish_after is None or today < self.publish_after

    def publish(self):
        self.is_published = True
        if self.published_at is None:
            self.published_at = timezone.now()


# PostgreSQL's lock_not_available: lock_timeout ran out, or NOWAIT found the row locked.
LOCK_NOT_AVAILABLE = "55P03"


class ProjectBusy(Exception):
    """Another transaction, such as an import, kept the project locked longer than we wait."""

    def __init__(self):
        super().__init__("An import is running on this project; try again when it finishes.")


def lock_projects(projects, *, wait_seconds=None):
    """Lock the rows of `projects` (a queryset) until the transaction ends; return them.

    Call inside a transaction. On PostgreSQL, waits at most `wait_seconds` for a lock
    another transaction holds, then raises ProjectBusy; None waits as long as it takes.
    SQLite locks nothing here: it lets one transaction write at a time anyway.
    """
    if wait_seconds is not None and connection.vendor == "postgresql":
        # Like SET LOCAL: the limit ends with the transaction.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)",
                [f"{max(1, round(wait_seconds * 1000))}ms"],
            )
    try:
        return list(projects.select_for_update(of=["self"]))
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise ProjectBusy from error
        raise


def lock_project(project, *, wait_seconds=None):
    """Lock one project's row (see lock_projects); None if the project no longer exists."""
    locked = lock_projects(Project.objects.filter(pk=project.pk), wait_seconds=wait_seconds)
    return locked[0] if locked else None


class Resource(models.Model):
    """A link to a related work listed in a project's introduction."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=300, validators=[validate_title])
    url = models.URLField(max_length=500, validators=[validate_web_url])
    position = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["project", "position", "id"]

    def __str__(self):
        return self.title


class Section(models.Model):
    """A heading of a credits page, e.g. "Research contributions"."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200, validators=[validate_title])
    position = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["project", "position", "id"]
        constraints = [
            # Titles that differ only in case would share an anchor on the page,
            # and the spreadsheet import matches titles ignoring case.
            models.UniqueConstraint(
                Lower("title"),
                "project",
                name="unique_section_title",
                violation_error_message="A section with this title already exists in this project.",
            ),
        ]

    def __str__(self):
        return f"{describe_parent(self, 'project')}: {self.title}"

    @property
    def anchor(self):
        """The id of the section on its page, stable across databases (from the title)."""
        return section_anchor(self.pk, self.title)


class Team(models.Model):
    """A group of people within a section, e.g. "Architecture research".

    A team with an empty name is the section's unheaded group.
    """

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_title],
        help_text="Leave empty for a group shown without a heading.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["section", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "section",
                name="unique_team_name",
                violation_error_message="A team with this name already exists in this section.",
            ),
        ]

    def __str__(self):
        return f"{describe_parent(self, 'section')}: {self.name or '(no heading)'}"

    @property
    def anchor(self):
        """The id of the team on its page; needs `section` loaded."""
        return self.section.anchor + team_anchor_part(self.pk, self.name)


class PersonQuerySet(models.QuerySet):
    def findable_by(self, user):
        """People `user` may find: for the public, those named on a page as it is published.

        Also people merged since into one the published page names: their page
        shows those credits.
        """
        if can_see_drafts(user):
            return self
        # Not on the pages where they asked not to be named, nor anywhere if they asked that.
        not_named_there = NotNamed.objects.filter(
            person=OuterRef(OuterRef("pk")), project=OuterRef("version__project_id")
        )
        published = PublishedPerson.objects.filter(version__in=Version.objects.current()).exclude(
            Exists(not_named_there)
        )
        merged = PersonRedirect.objects.filter(person=OuterRef(OuterRef("pk"))).values("old_slug")
        return self.filter(never_listed=False).filter(
            Exists(published.filter(person=OuterRef("pk")))
            | Exists(published.filter(slug__in=merged))
        )


class Person(models.Model):
    """One human, across all projects."""

    name = models.CharField(
        max_length=200,
        validators=[validate_name],
        help_text="The name as shown on credits pages.",
    )
    sort_name = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_name],
        help_text='How the name sorts, family name first, e.g. "Almeida, Diogo Moitinho de". '
        "Leave empty to sort by the family name worked out from the name.",
    )
    family_name = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_name],
        help_text="Which words of the name are the family name, written as in the name, when "
        "the rules get it wrong: “García Márquez” for “Gabriel García Márquez”, “Zhang” for "
        "“Zhang Wei”, “村上” for “村上春樹”. The name sorts by it, then by its other words, "
        "and citations name it as the family name. Leave empty to let the rules work it out.",
    )
    sort_key = models.CharField(max_length=200, editable=False, db_index=True)
    sort_checked_name = models.CharField(
        "sort checked for",
        max_length=200,
        blank=True,
        editable=False,
        help_text="The name as it was when an editor confirmed, under People → Names to check, "
        "that it sorts right. A person whose name has changed since is listed there again.",
    )
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the person's page address: “ada-lovelace” gives "
        "/people/ada-lovelace/.",
    )
    orcid = models.CharField(
        "ORCID iD",
        max_length=19,
        blank=True,
        validators=[validate_orcid],
        help_text="e.g. 0000-0002-1825-0097",
    )
    homepage = models.URLField(max_length=500, blank=True, validators=[validate_web_url])

    never_listed = models.BooleanField(
        "never list me",
        default=False,
        help_text="The person asked never to be listed: no page or file names them (each page "
        "counts their credits, as “and 2 others”), their own page is not found, and search "
        "does not find them. Takes effect at once on every published version.",
    )

    email = models.EmailField(
        "private email address",
        blank=True,
        help_text="Where requests to review their credits are sent. Never shown on the site "
        "or in its files; only staff with the permission “Can see and set people's private "
        "email addresses” see it.",
    )

    # The private address stays out of the history, which every editor can read. History
    # rows are found by the person's id, never by slug or sort key: without those two
    # indexes (four on PostgreSQL) an import of 50,000 new people writes faster.
    history = HistoricalRecords(
        bases=[ChangeSetRecord], excluded_fields=["email"], no_db_index=["slug", "sort_key"]
    )
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key", "name", "id"]
        verbose_name_plural = "people"
        # The few people never listed, which every public page looks up.
        indexes = [
            models.Index(fields=["id"], condition=Q(never_listed=True), name="person_never_listed")
        ]
        permissions = [
            ("import_person", "Can import people"),
            ("export_person", "Can export people"),
            ("view_person_email", "Can see and set people's private email addresses"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.set_sort_key()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("people:person-detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        person = super().from_db(db, field_names, values)
        # What never_listed was when read, for the page cache to follow a change of it
        # (people/caching.py); Django's documented way to see what a save changes.
        person.never_listed_when_read = person.__dict__.get("never_listed")
        return person

    def set_sort_key(self):
        """Normalise the names and work out the sort key from them, before a save or bulk update.

        The sort key is derived data kept in the row so that lists can be ordered
        by the database; it must follow every change of the names.
        """
        self.name = normalize_name(self.name)
        self.sort_name = normalize_name(self.sort_name)
        self.family_name = normalize_name(self.family_name)
        self.sort_key = sort_key(self.name, self.sort_name, self.family_name)

    def clean(self):
        if self.family_name and split_at_family_name(self.name, self.family_name) is None:
            raise ValidationError(
                {
                    "family_name": ValidationError(
                        "Write the family name as the name does: “%(family_name)s” is not "
                        "part of “%(name)s”.",
                        code="family_name_not_in_name",
                        params={"family_name": self.family_name, "name": self.name},
                    )
                }
            )


class AliasQuerySet(models.QuerySet):
    def public(self):
        """The spellings readers may see: "Also credited as" (see Alias.is_public)."""
        return self.filter(is_public=True)


class Alias(models.Model):
    """Another spelling of a person's name, e.g. "Madelaine Boyd"; private unless marked public.

    Every spelling finds its person: in imports, the duplicate finder, the admin and
    the editors' search. Only public ones are shown to readers, on any page or file.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, validators=[validate_name])
    is_public = models.BooleanField(
        "public (“also credited as”)",
        default=False,
        help_text="Tick to show this spelling as “Also credited as” on the person's page, in "
        "the name filter of the pages that credit them, and in the public search. Unticked it "
        "is private: it still matches imports and finds the person in the admin, but no "
        "public page, file or search shows it. Leave misspellings and former names private. "
        "A spelling made public shows on project pages once they are published again; one "
        "made private disappears from every page and version at once.",
    )

    history = HistoricalRecords(bases=[ChangeSetRecord])
    objects = AliasQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "aliases"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "person",
                name="unique_alias_name",
                violation_error_message="This person already has this other spelling.",
            ),
        ]

    def __str__(self):
        return self.name


class NotNamed(models.Model):
    """A person who asked not to be named on one project: its pages count their credits instead.

    Apart from the credits, so that an import that removes and adds them again keeps
    it; read when a page is served, so that it applies at once to every published
    version (people/naming.py).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="not_named")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="not_named")
    since = models.DateTimeField(default=timezone.now)
    by_review = models.BooleanField(
        "chosen in their review",
        default=False,
        help_text="Whether the person chose it themselves, through their review link.",
    )

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["project", "person__sort_key", "id"]
        verbose_name = "person not named"
        verbose_name_plural = "people not named"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person"],
                name="unique_not_named",
                violation_error_message="This person is already not named on this project.",
            ),
        ]

    def __str__(self):
        person = describe_parent(self, "person")
        return f"{person}, not named on {describe_parent(self, 'project')}"


class CreditQuerySet(models.QuerySet):
    def in_projects(self, projects):
        """Credits on any of `projects` (a queryset, or a list of projects or ids)."""
        return self.filter(
            Q(section__project__in=projects) | Q(team__section__project__in=projects)
        )


class Credit(models.Model):
    """A person's credit: a member of a team, or a lead line directly under a section."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="credits")
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        help_text="For a lead line shown directly under a section heading.",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        help_text="For a member of a team.",
    )
    title = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_title],
        help_text='Optional, e.g. "Optimization lead".',
    )

    history = HistoricalRecords(bases=[ChangeSetRecord])
    objects = CreditQuerySet.as_manager()

    class Meta:
        ordering = ["person__sort_key", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(section__isnull=False, team__isnull=True)
                    | Q(section__isnull=True, team__isnull=False)
                ),
                name="check_credit_in_section_or_team",
                violation_error_message="Choose either a section (for a lead line) "
                "or a team, not both.",
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=False) | ~Q(title=""),
                name="check_lead_has_title",
                violation_error_message="A lead line under a section needs a title.",
            ),
            models.UniqueConstraint(
                fields=["person", "team", "title"],
                condition=Q(team__isnull=False),
                name="unique_team_credit",
                violation_error_message="This person already has this credit in this team.",
            ),
            models.UniqueConstraint(
                fields=["person", "section", "title"],
                condition=Q(section__isnull=False),
                name="unique_lead_line",
                violation_error_message="This person already has this lead line in this section.",
            ),
        ]
        permissions = [
            ("import_credit", "Can import credits"),
            ("export_credit", "Can export credits"),
        ]

    def __str__(self):
        if self.team_id is not None:
            place = describe_parent(self, "team", lambda team: team.name or "no heading")
        elif self.section_id is not None:
            place = describe_parent(self, "section", lambda section: section.title)
        else:
            place = "no section or team"
        title = f": {self.title}" if self.title else ""
        return f"{describe_parent(self, 'person')} ({place}{title})"

    @property
    def place_section(self):
        return self.team.section if self.team_id else self.section


class Acknowledgment(models.Model):
    """A paragraph of thanks, optionally followed by a list of named people."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="acknowledgments")
    text = models.TextField(help_text="The paragraph. The named people are listed after it.")
    position = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")
    people = models.ManyToManyField(
        Person, through="Mention", related_name="acknowledgments", blank=True
    )

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["project", "position", "id"]

    def __str__(self):
        return self.text[:80]


class Mention(models.Model):
    """A person named in an acknowledgment."""

    acknowledgment = models.ForeignKey(
        Acknowledgment, on_delete=models.CASCADE, related_name="mentions"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mentions")

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["person__sort_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["acknowledgment", "person"], name="unique_mention"),
        ]

    def __str__(self):
        return describe_parent(self, "person")


class PersonRedirect(models.Model):
    """An old person-page address that now leads to another person, after a merge, or to
    the person's new address, after their name was replaced (people/renaming.py)."""

    old_slug = models.SlugField(max_length=200, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="redirects")

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"{self.old_slug} → {describe_parent(self, 'person', lambda person: person.slug)}"


class DistinctPair(models.Model):
    """Two people with similar names whom an editor confirmed are different people."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="unique_distinct_pair"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")),
                name="check_distinct_pair_ordered",
                violation_error_message="Store a pair with the lower person id first.",
            ),
        ]

    def __str__(self):
        return f"{describe_parent(self, 'first')} ≠ {describe_parent(self, 'second')}"


class ImportJob(models.Model):
    """A large credits import confirmed in the admin and written by a background task.

    The confirm request records it and queues people/import_tasks.py's task; the
    progress page reads it until the task has finished, then shows its outcome.
    """

    id = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_jobs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    upload_name = models.CharField(max_length=32)
    source = models.CharField(max_length=255, blank=True)
    people_upload_name = models.CharField(
        max_length=32, blank=True, help_text="The people file imported first, if any."
    )
    people_source = models.CharField(max_length=255, blank=True)
    mode = models.CharField(max_length=10)
    digest = models.CharField(max_length=128)
    rows = models.PositiveIntegerField()
    same_people = models.JSONField(
        default=dict,
        blank=True,
        help_text="The editor's decisions on the preview: {row of a new name: pk of the person "
        "it is}.",
    )
    summary = models.TextField(blank=True, help_text="What the import wrote, once it has.")
    error = models.TextField(blank=True, help_text="Why nothing was imported, if so.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import of {self.source or 'a file'} into {describe_parent(self, 'project')}"


class ImportPreview(models.Model):
    """The preview of a large credits upload, prepared by a background task for its editor.

    The import page records it and queues people/import_tasks.py's task; the preview's
    page refreshes itself until the task has stored what the preview shows, then shows
    it, with its Confirm button, to the editor who uploaded the file.
    """

    id = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_previews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    upload_name = models.CharField(max_length=32, unique=True)
    source = models.CharField(max_length=255, blank=True)
    people_upload_name = models.CharField(
        max_length=32, blank=True, help_text="The people file sent with the credits, if any."
    )
    people_source = models.CharField(max_length=255, blank=True)
    mode = models.CharField(max_length=10)
    file_format = models.CharField(max_length=10, help_text="The import form's format choice.")
    resource = models.CharField(max_length=10, blank=True)
    rows = models.PositiveIntegerField(
        help_text="The file's rows: counted by line ends until the task has read them."
    )
    digest = models.CharField(max_length=128, blank=True)
    # The preview of 200,000 credits takes as long to draw as a request may last: the
    # task draws it once, from the templates of the import page, and the page shows it.
    confirmation = models.TextField(blank=True, help_text="The HTML above the Confirm button.")
    page = models.TextField(blank=True, help_text="The HTML of the preview.")
    errors = models.JSONField(
        default=list, blank=True, help_text="Why the file cannot be imported, if so."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview of {self.source or 'a file'} for {describe_parent(self, 'project')}"


class PageGeneration(models.Model):
    """The number of edits committed, in the page cache's keys (people/caching.py).

    Edits of what person pages show as it is now (people, their other spellings,
    merges) and publications, which change whose credits are public.
    """

    number = models.BigIntegerField(default=0)

    def __str__(self):
        return str(self.number)


class ImportUpload(models.Model):
    """A credits file kept between an import's preview and its confirmation.

    Stored in the database so that every worker process can read it back; deleted
    once the import is confirmed, and purged when it expires.
    """

    name = models.CharField(max_length=32, unique=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class ChangeSet(models.Model):
    """An import, a sync or a merge, recorded as one change so that it can be undone as a whole.

    Every history record written while it was recorded points to it (ChangeSetRecord).
    """

    class Kind(models.TextChoices):
        IMPORT = "import", "import"
        SYNC = "sync", "sync"
        MERGE = "merge", "merge"
        UNDO = "undo", "undo"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_sets",
        help_text="The project whose credits an import or sync changed; empty for a merge or "
        "an import of people alone.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made the change; empty for the command line.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    description = models.CharField(max_length=300, help_text="What was done.")
    summary = models.CharField(max_length=500, blank=True, help_text="What changed, in counts.")
    undone_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="undoes",
        help_text="The undo that reverted this change.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("undo_changeset", "Can undo change sets")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class ChangeSetEmail(models.Model):
    """A private email address an import or a merge changed, as its undo puts it back.

    The history holds no addresses (every editor reads it): the change set records
    them here, and its undo deletes them once they are back.
    """

    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="emails")
    # Not a foreign key: a merge deletes the people it merges, and its undo brings them back.
    person_id = models.BigIntegerField()
    before = models.EmailField(blank=True)
    after = models.EmailField(blank=True)

    class Meta:
        ordering = ["change_set", "id"]

    def __str__(self):
        return f"email address of person #{self.person_id} in {describe_parent(self, 'change_set')}"


NOTE_MAX_LENGTH = 2000


class VersionQuerySet(models.QuerySet):
    def current(self):
        """The version the public reads of each published project: its latest."""
        latest = Version.objects.filter(project=OuterRef("project")).order_by("-number")
        return self.filter(project__is_published=True, pk=Subquery(latest.values("pk")[:1]))


class Version(models.Model):
    """A numbered publication of a project's page, frozen: what the public reads.

    `content` holds the page as people/snapshots.py writes it, with people by id;
    their names are PublishedPerson rows. Versions are never changed but for a
    name replaced everywhere (people/renaming.py).
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, help_text="The page's title in this version.")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="Shown to readers in the list of changes, "
        "e.g. “Added the safety evaluation team”.",
    )
    content = models.JSONField()
    # What changed since the previous version (people/diff.py); null for the first.
    changes = models.JSONField(null=True, blank=True)
    # Moved on every version of a project when a name in one of them is replaced
    # (people/renaming.py): the page cache's keys hold the latest version's.
    names_revision = models.PositiveIntegerField(default=0)

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="unique_version_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="check_version_number"),
            models.CheckConstraint(
                condition=models.lookups.LessThanOrEqual(Length("note"), NOTE_MAX_LENGTH),
                name="check_version_note_length",
                violation_error_message=f"Keep the note under {NOTE_MAX_LENGTH:,} characters.",
            ),
        ]

    def __str__(self):
        return f"{describe_parent(self, 'project')}, version {self.number}"

    def get_absolute_url(self):
        return reverse(
            "people:version-detail", kwargs={"slug": self.project.slug, "number": self.number}
        )


class PublishedPersonQuerySet(models.QuerySet):
    def with_naming(self, project):
        """Annotate `is_unnamed`: whether the row's person is not to be named, now, on `project`.

        `project` is the rows' versions' project (or its id). The person asked not to
        be named on it, or anywhere; a person merged since into another (their old
        address redirects) counts as the kept one. Subqueries that do not depend on
        the row, each run once however many rows.
        """
        not_named_here = NotNamed.objects.filter(project=project).values("person_id")
        never_listed = Person.objects.filter(never_listed=True).values("pk")
        merged_into_unnamed = PersonRedirect.objects.filter(
            Q(person__in=never_listed) | Q(person__in=not_named_here)
        ).values("old_slug")
        unnamed = (
            Q(person_id__in=not_named_here)
            | Q(person_id__in=never_listed)
            | Q(slug__in=merged_into_unnamed)
        )
        return self.annotate(
            is_unnamed=ExpressionWrapper(unnamed, output_field=models.BooleanField())
        )


class PublishedPerson(models.Model):
    """A person as one version names them: the name and page address they were published with.

    Apart from the version's content so that one UPDATE can replace a person's name
    in every version.
    """

    # Not indexed alone: unique_published_person's index starts with it.
    version = models.ForeignKey(
        Version, on_delete=models.CASCADE, db_index=False, related_name="people"
    )
    # Not a constraint: people merged into another are deleted, and the versions
    # that named them keep naming them (their address redirects).
    person = models.ForeignKey(
        Person,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="published_names",
    )
    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=200)

    objects = PublishedPersonQuerySet.as_manager()

    class Meta:
        # By the id, not the person: ordering by a foreign key joins its table,
        # which has no row for a person merged away.
        ordering = ["version", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "person"], name="unique_published_person"),
        ]
        # For the person pages' old addresses (views.find_person), only ever looked
        # up whole: a plain index (db_index would add one for LIKE on PostgreSQL).
        indexes = [models.Index(fields=["slug"], name="publishedperson_slug")]

    def __str__(self):
        return self.name


# Review by the people credited: its models live with the rest of it.
from people.reviews.models import MergedReview, Proposal, Review, ReviewLink  # noqa: E402, F401
