"""Replacing a person's name everywhere: a former name, or a spelling they want gone.

An edit of the name shows on the draft and, once published, in the next version;
the versions before keep the name they were published with. A replacement also
rewrites those: every version that names the person (or a record merged into
them) names them by the new name, sorts them by it and links their new page
address; its files, its list of changes and search follow. This is the one case
where a version changes (people/versions.py).

The old name is kept as another spelling of the person, for imports to match,
or not kept at all if the person asks. Their old page addresses then lead to
the new one, or (not kept) no longer work: a redirect from an address spelling
the old name would tell anyone who tries it the new name. The admin's history
(django-simple-history, for editors only) keeps the old name.

The admin's screen is in people/admin_rename.py; a person's review can ask for a
replacement (people/reviews/decisions.py), which goes through the same code.
"""

import re
from dataclasses import dataclass, field, replace
from functools import cache

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.text import Truncator

from people.caching import invalidate_pages
from people.diff import (
    GROUPS,
    Comparison,
    Kind,
    Side,
    acknowledgment_changes,
    details_changed,
    kept_merges,
    reorder_changes,
)
from people.duplicates import look_alikes
from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    Mention,
    Person,
    PersonRedirect,
    Project,
    PublishedPerson,
    Resource,
    Section,
    Team,
    Version,
    credit_section,
    lock_projects,
    numbered_slug,
    slug_base,
)
from people.snapshots import (
    AcknowledgmentContent,
    Link,
    PageContent,
    PersonDetails,
    PersonRecord,
    SectionContent,
    Snapshot,
    TeamContent,
)
from people.snapshots import Credit as CreditContent
from people.sorting import lower, normalize_name, same_name_key, sort_key
from people.versions import merges, replace_published_name

REASON = "Name replaced"
PEOPLE_AND_CREDITS = {*GROUPS["People"], *GROUPS["Credits"]}
# The look-alikes the preview lists, surest first.
LOOK_ALIKES_SHOWN = 5


class RenameError(Exception):
    """A replacement that cannot be done as asked; the message is for the editor."""


@dataclass(frozen=True)
class NameReplacement:
    """What is asked: the new name, how it sorts, and what becomes of the old one."""

    name: str
    # Empty: worked out from the new name (the old ones would spell the old name).
    sort_name: str = ""
    family_name: str = ""
    keeps_old_name: bool = True
    # Also in the texts editors wrote (introductions, titles, notes) that spell the old name.
    replaces_in_texts: bool = True


@dataclass(frozen=True)
class TextMention:
    """A text written by editors that spells the old name: where, and the text."""

    where: str
    text: str


@dataclass(frozen=True)
class SameName:
    """Another person who goes by the new name, or by a name like it."""

    person: Person
    spelling: str
    is_alias: bool
    # "" for the very same name; else why they look alike.
    likeness: str = ""


@dataclass
class RenamePlan:
    """What replacing a person's name changes, worked out before anything is written."""

    person: Person
    old_name: str
    old_slug: str
    replacement: NameReplacement
    slug: str
    # The versions naming the person or a record merged into them, by project and number.
    versions: list = field(default_factory=list)
    # The projects whose draft or versions name the person.
    projects: list = field(default_factory=list)
    # The ids of the records merged into the person that versions name; their page
    # addresses, as versions link them, and the neutral ones they get instead.
    merged_ids: set = field(default_factory=set)
    merged_slugs: dict = field(default_factory=dict)
    # Old addresses that will lead to the new one, and redirects that go.
    new_redirects: list = field(default_factory=list)
    removed_redirects: list = field(default_factory=list)
    # The old name as a new other spelling ("" when not kept or already one).
    new_alias: str = ""
    removed_aliases: list = field(default_factory=list)
    texts: list = field(default_factory=list)

    @property
    def new_name(self):
        return self.replacement.name

    @property
    def changes_address(self):
        return self.slug != self.old_slug

    @property
    def old_url(self):
        return Person(slug=self.old_slug).get_absolute_url()

    @property
    def new_url(self):
        return Person(slug=self.slug).get_absolute_url()

    def versions_by_project(self):
        """[(project, [version numbers])] of the versions that change, by project title."""
        found = {}
        for version in self.versions:
            found.setdefault(version.project, []).append(version.number)
        return list(found.items())


def spells(text, name):
    """Whether `text` holds `name` as a whole (not inside a longer word)."""
    return bool(name) and name in text and _pattern(name).search(text) is not None


def replace_words(text, old, new):
    """`text` with each whole `old` written `new`."""
    if old not in text:
        return text
    return _pattern(old).sub(lambda match: new, text)


@cache
def _pattern(name):
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def derived_slug(slug, name):
    """Whether `slug` is one a person with `name` gets: its slug_base, numbered or not."""
    return re.fullmatch(rf"{re.escape(slug_base(name))}(-\d+)?", slug) is not None


# Planning


def projects_naming(person):
    """The ids of the projects whose draft or versions name `person`."""
    credited = Credit.objects.filter(person=person).annotate(project=credit_section("project_id"))
    ids = set(credited.values_list("project", flat=True))
    mentions = Mention.objects.filter(person=person)
    ids.update(mentions.values_list("acknowledgment__project_id", flat=True))
    ids.update(Project.objects.filter(assembled_by=person).values_list("pk", flat=True))
    versions = Version.objects.filter(pk__in=published_rows(person).values("version_id"))
    ids.update(versions.values_list("project_id", flat=True))
    return ids


def merged_rows(person):
    """The PublishedPerson rows of records merged into `person` since they were published.

    A merge deletes the merged record and redirects its address to the person
    kept (people/merging.py): the versions naming it keep its id and address.
    """
    redirected = PersonRedirect.objects.filter(person=person).values("old_slug")
    return PublishedPerson.objects.filter(slug__in=redirected).exclude(
        person_id__in=Person.objects.values("pk")
    )


def published_rows(person):
    """Every PublishedPerson row naming `person` or a record merged into them."""
    return PublishedPerson.objects.filter(person=person) | merged_rows(person)


def new_slug(person, name):
    """The page address the new name gives: the person's own if it already spells it.

    Free of other people's addresses, old ones included (redirects, and those
    versions were published with), so that an old link never leads to the person
    by mistake; the person's own old addresses are theirs to take back.
    """
    if derived_slug(person.slug, name):
        return person.slug
    own = {person.slug}
    own.update(person.redirects.values_list("old_slug", flat=True))
    own.update(PublishedPerson.objects.filter(person=person).values_list("slug", flat=True))
    return numbered_slug(slug_base(name), taken_slugs(name) - own)


def taken_slugs(name):
    """Every address, old ones included, that starts as the one `name` gives."""
    base = slug_base(name)
    taken = set(Person.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    taken.update(
        PersonRedirect.objects.filter(old_slug__startswith=base).values_list("old_slug", flat=True)
    )
    taken.update(
        PublishedPerson.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    return taken


def plan_rename(person, replacement):
    """Return the RenamePlan for giving `person` the name of `replacement`."""
    person = Person.objects.prefetch_related("aliases", "redirects").get(pk=person.pk)
    old_name = person.name
    slug = new_slug(person, replacement.name)
    plan = RenamePlan(person, old_name, person.slug, replacement, slug)
    project_ids = projects_naming(person)
    plan.projects = list(Project.objects.filter(pk__in=project_ids).order_by("title", "pk"))
    plan.versions = list(
        Version.objects.filter(pk__in=published_rows(person).values("version_id"))
        .select_related("project")
        .defer("content", "changes")
        .order_by("project__title", "project_id", "number")
    )
    plan_addresses(plan)
    plan_aliases(plan)
    if replacement.replaces_in_texts and old_name != replacement.name:
        plan.texts = list(texts_spelling(old_name, project_ids))
    return plan


def plan_addresses(plan):
    """Work out the old addresses that will lead to the new one, and the redirects that go."""
    person = plan.person
    taken = {plan.slug} | taken_slugs(plan.new_name)
    merged = merged_rows(person).values_list("person_id", "slug")
    plan.merged_ids = {person_id for person_id, _ in merged}
    for slug in sorted({slug for _, slug in merged}):
        plan.merged_slugs[slug] = numbered_slug(slug_base(plan.new_name), taken)
        taken.add(plan.merged_slugs[slug])
    redirects = {redirect.old_slug: redirect for redirect in person.redirects.all()}
    if plan.slug in redirects:
        # The address is the person's own again.
        plan.removed_redirects.append(redirects.pop(plan.slug))
    if plan.replacement.keeps_old_name:
        own = set(PublishedPerson.objects.filter(person=person).values_list("slug", flat=True))
        own = (own | {person.slug}) - {plan.slug}
        # An address that already leads somewhere keeps leading there.
        own -= set(
            PersonRedirect.objects.filter(old_slug__in=own).values_list("old_slug", flat=True)
        )
        others = Person.objects.filter(slug__in=own).exclude(pk=person.pk)
        own -= set(others.values_list("slug", flat=True))
        plan.new_redirects = sorted(own)
    else:
        plan.removed_redirects += [
            redirect
            for slug, redirect in sorted(redirects.items())
            if derived_slug(slug, plan.old_name)
        ]
    plan.new_redirects += sorted(plan.merged_slugs.values())


def plan_aliases(plan):
    """The new name stops being another spelling; the old one becomes one, or goes."""
    old_key, new_key = same_name_key(plan.old_name), same_name_key(plan.new_name)
    aliases = list(plan.person.aliases.all())
    plan.removed_aliases = [alias for alias in aliases if same_name_key(alias.name) == new_key]
    if plan.replacement.keeps_old_name:
        known = {same_name_key(alias.name) for alias in aliases}
        if old_key != new_key and old_key not in known:
            plan.new_alias = plan.old_name
    else:
        plan.removed_aliases += [
            alias for alias in aliases if same_name_key(alias.name) == old_key != new_key
        ]


# The texts editors wrote, as (model, fields, the path to its project) on a draft.
DRAFT_TEXTS = [
    (Project, ["title", "intro", "closing_text", "citation", "ordering_note"], "pk"),
    (Resource, ["title"], "project_id"),
    (Section, ["title"], "project_id"),
    (Team, ["name"], "section__project_id"),
    (Acknowledgment, ["text"], "project_id"),
]


def _draft_rows_spelling(name, project_ids):
    """(row, field) for each draft text of `project_ids` that spells `name`."""
    for model, fields, project in DRAFT_TEXTS:
        anywhere = Q()
        for field_name in fields:
            anywhere |= Q(**{f"{field_name}__contains": name})
        for row in model.objects.filter(anywhere, **{f"{project}__in": project_ids}):
            for field_name in fields:
                if spells(getattr(row, field_name), name):
                    yield row, field_name
    credits = Credit.objects.in_projects(list(project_ids)).filter(title__contains=name)
    for credit in credits.select_related("person"):
        if spells(credit.title, name):
            yield credit, "title"


def texts_spelling(name, project_ids):
    """TextMentions of every text of `project_ids` that spells `name`: drafts and versions."""
    for row, field_name in _draft_rows_spelling(name, project_ids):
        what = f"{row._meta.verbose_name} “{Truncator(str(row)).chars(60)}”"
        label = row._meta.get_field(field_name).verbose_name
        yield TextMention(f"{what} (draft): {label}", excerpt(getattr(row, field_name), name))
    versions = Version.objects.filter(project_id__in=project_ids).select_related("project")
    for version in versions.order_by("project__title", "number").iterator(chunk_size=20):
        for where, text in version_texts(version):
            if spells(text, name):
                yield TextMention(f"{version}: {where}", excerpt(text, name))


def excerpt(text, name, around=60):
    """The part of `text` around its first `name`, with "…" where cut."""
    match = _pattern(name).search(text)
    start, end = max(match.start() - around, 0), min(match.end() + around, len(text))
    return f"{'…' if start else ''}{text[start:end]}{'…' if end < len(text) else ''}"


def version_texts(version):
    """(where, text) of each text a version holds that editors wrote."""
    content = PageContent.from_json(version.content)
    yield "title", version.title
    for name in ["intro", "closing_text", "citation", "ordering_note"]:
        yield name.replace("_", " "), getattr(content, name)
    for link in content.resources:
        yield "link", link.title
    for section in content.sections:
        yield "section", section.title
        for credit in section.leads:
            yield "title of a credit", credit.title
        for team in section.teams:
            yield "team", team.name
            for credit in team.credits:
                yield "title of a credit", credit.title
    for ack in content.acknowledgments:
        yield "acknowledgment", ack.text
    yield "note", version.note
    for change in Comparison.from_json(version.changes).changes:
        for text in (change.old, change.new, change.where):
            yield "list of changes", text


def same_names(person, name):
    """The other people who go by `name` (ignoring case), or by a name like it (look-alikes)."""
    key = lower(normalize_name(name))
    found = [
        SameName(other, other.name, is_alias=False)
        for other in Person.objects.alias(key=Lower("name")).filter(key=key).exclude(pk=person.pk)
    ]
    found += [
        SameName(alias.person, alias.name, is_alias=True)
        for alias in Alias.objects.alias(key=Lower("name"))
        .filter(key=key)
        .exclude(person=person)
        .select_related("person")
    ]
    if found:
        return found
    names = Person.objects.exclude(pk=person.pk).values_list("pk", "name")
    aliases = Alias.objects.exclude(person=person).values_list("person_id", "name")
    likes = look_alikes([name], names, aliases)[name][:LOOK_ALIKES_SHOWN]
    people = Person.objects.in_bulk([like.person_id for like in likes])
    return [
        SameName(people[like.person_id], like.spelling, like.is_alias, like.rule.description)
        for like in likes
        if like.person_id in people
    ]


# Writing


def replace_name(person, replacement, *, old_name, user=None, reason=REASON, wait_seconds=None):
    """Give `person` the name of `replacement` everywhere, in one transaction; return the plan.

    `old_name` is the name the editor saw: if it changed since, nothing is done.
    The projects naming the person are locked (ProjectBusy after `wait_seconds`),
    and touched, so that a publication that read the old name before this commits
    fails rather than publishes it (people.versions.publish).
    """
    reason = Truncator(reason).chars(100)
    try:
        with transaction.atomic():
            _lock(person, wait_seconds)
            person = Person.objects.select_for_update().filter(pk=person.pk).first()
            if person is None:
                raise RenameError("This person no longer exists; nothing was changed.")
            if person.name != old_name:
                raise RenameError(
                    f"The name changed since you saw it: it is now “{person.name}”. "
                    "Nothing was changed; check the replacement again."
                )
            if replacement.name == old_name:
                raise RenameError("The new name is the name already: nothing was changed.")
            plan = plan_rename(person, replacement)
            _write(plan, user, reason)
    except IntegrityError as error:
        raise RenameError(
            f"Nothing was changed: the database refused the replacement ({error})."
        ) from error
    return plan


def _lock(person, wait_seconds):
    """Lock the projects naming `person`, again until no more do (an import may add one)."""
    locked = set()
    while True:
        ids = projects_naming(person) - locked
        if not ids:
            return
        projects = Project.objects.filter(pk__in=ids)
        lock_projects(projects, wait_seconds=wait_seconds)
        # A new row version: a publication whose snapshot is older than this
        # transaction cannot lock the project any more (people.versions.publish).
        projects.update(updated_at=F("updated_at"))
        locked |= ids


def _record(instance, user, reason):
    # django-simple-history reads these for the history record's user and reason.
    instance._history_user = user
    instance._change_reason = reason
    return instance


def _write(plan, user, reason):
    person = plan.person
    for alias in plan.removed_aliases:
        _record(alias, user, reason).delete()
    for redirect in plan.removed_redirects:
        _record(redirect, user, reason).delete()
    if plan.new_alias:
        _record(Alias(person=person, name=plan.new_alias), user, reason).save()
    for slug in plan.new_redirects:
        _record(PersonRedirect(old_slug=slug, person=person), user, reason).save()

    person.name = plan.new_name
    person.slug = plan.slug
    person.sort_name = plan.replacement.sort_name
    person.family_name = plan.replacement.family_name
    # Confirmed for the old name, which it would spell.
    person.sort_checked_name = ""
    try:
        person.full_clean(exclude=["sort_key"])
    except ValidationError as error:
        raise RenameError(" ".join(error.messages)) from error
    _record(person, user, reason).save()

    if plan.replacement.replaces_in_texts:
        _replace_in_drafts(plan, user, reason)
    _rewrite_versions(plan)
    invalidate_pages()


def _replace_in_drafts(plan, user, reason):
    for row, field_name in list(_draft_rows_spelling(plan.old_name, [p.pk for p in plan.projects])):
        setattr(
            row, field_name, replace_words(getattr(row, field_name), plan.old_name, plan.new_name)
        )
        _record(row, user, reason).save()


def _rewrite_versions(plan):
    """Name the person by the new name in every version, as the draft now does."""
    person = plan.person
    replace_published_name(person, plan.new_name, plan.slug)
    for old_slug, slug in plan.merged_slugs.items():
        PublishedPerson.objects.filter(slug=old_slug, person_id__in=plan.merged_ids).update(
            name=plan.new_name, slug=slug
        )
    versions = Version.objects.filter(project__in=plan.projects)
    if not plan.texts:
        versions = versions.filter(pk__in=[version.pk for version in plan.versions])
    rewriter = VersionRewriter(plan, {person.pk, *plan.merged_ids})
    for version in versions.order_by("project_id", "number").iterator(chunk_size=20):
        rewriter.rewrite(version)
    # The published pages' cache keys hold the latest version's names_revision.
    Version.objects.filter(project__in=plan.projects).update(names_revision=F("names_revision") + 1)


def acknowledgments_compared_again(changes, previous, snapshot):
    """The changes of acknowledgments, compared again from the texts with the name replaced.

    They quote the first 70 characters of a text, which may end inside the old
    name ("and Jane D…"), where no whole word is left to replace.
    """
    kinds = set(GROUPS["Acknowledgments"])
    at = next((index for index, change in enumerate(changes) if change.kind in kinds), None)
    if at is None:
        return changes
    others = [change for change in changes if change.kind not in kinds]
    again = acknowledgment_changes(Side(previous), Side(snapshot), merges(previous, snapshot))
    return others[:at] + again + others[at:]


def moved_into_place(items, moving, rank, person_of):
    """`items` with those of the people `moving` moved to where rank(person id) sorts them.

    The others keep their order, whatever rules sorted them when published; the
    items of one person keep theirs.
    """
    placed = [item for item in items if person_of(item) not in moving]
    if len(placed) == len(items):
        return tuple(items)
    for item in [item for item in items if person_of(item) in moving]:
        key = rank(person_of(item))
        index = next(
            (at for at, other in enumerate(placed) if rank(person_of(other)) > key), len(placed)
        )
        placed.insert(index, item)
    return tuple(placed)


class VersionRewriter:
    """Rewrites versions one at a time, each project's in number order.

    A version's people are named by its PublishedPerson rows, already updated;
    what it holds of them besides (sort and family names, other spellings, their
    place in each list, its list of changes) is rewritten here to match.
    """

    def __init__(self, plan, person_ids):
        self.plan = plan
        # The person and the records merged into them.
        self.person_ids = person_ids
        self.gone = {same_name_key(plan.old_name), same_name_key(plan.new_name)}
        # By project: the number of the version rewritten last and its PersonRecords.
        self.previous = {}

    def rewrite(self, version):
        people = {
            row.person_id: row
            for row in version.people.values_list("person_id", "name", "slug", named=True)
        }
        named = self.person_ids & people.keys()
        content = PageContent.from_json(version.content)
        if named:
            content = self.renamed(content, named, people)
        if self.plan.replacement.replaces_in_texts:
            content = self.texts_replaced(content)
            version.title = self.replaced(version.title)
            version.note = self.replaced(version.note)
        snapshot = Snapshot(
            version.title,
            content,
            {
                pk: PersonRecord(pk, row.name, row.slug, content.details.get(pk, PersonDetails()))
                for pk, row in people.items()
            },
        )
        number, previous = self.previous.get(version.project_id, (None, None))
        if number != version.number - 1:
            previous = None
        version.changes = self.changes(version.changes, snapshot, previous, named)
        self.previous[version.project_id] = (version.number, snapshot)
        version.content = content.to_json()
        version.save(update_fields=["title", "note", "content", "changes"])

    def renamed(self, content, named, people):
        replacement = self.plan.replacement
        details = dict(content.details)
        for pk in named:
            before = details.get(pk, PersonDetails())
            aliases = tuple(a for a in before.aliases if same_name_key(a) not in self.gone)
            details[pk] = replace(
                before,
                sort_name=replacement.sort_name,
                family_name=replacement.family_name,
                aliases=aliases,
            )

        @cache
        def rank(pk):
            person, name = details.get(pk, PersonDetails()), people[pk].name
            return (sort_key(name, person.sort_name, person.family_name), name, pk)

        def moved(credits):
            return moved_into_place(credits, named, rank, lambda credit: credit.person_id)

        return replace(
            content,
            details=details,
            sections=tuple(
                replace(
                    section,
                    leads=moved(section.leads),
                    teams=tuple(
                        replace(team, credits=moved(team.credits)) for team in section.teams
                    ),
                )
                for section in content.sections
            ),
            acknowledgments=tuple(
                replace(ack, people=moved_into_place(ack.people, named, rank, lambda pk: pk))
                for ack in content.acknowledgments
            ),
        )

    def replaced(self, text):
        return replace_words(text, self.plan.old_name, self.plan.new_name)

    def texts_replaced(self, content):
        text = self.replaced

        def credits(items):
            return tuple(CreditContent(credit.person_id, text(credit.title)) for credit in items)

        return replace(
            content,
            intro=text(content.intro),
            closing_text=text(content.closing_text),
            citation=text(content.citation),
            ordering_note=text(content.ordering_note),
            resources=tuple(Link(text(link.title), link.url) for link in content.resources),
            sections=tuple(
                SectionContent(
                    section.id,
                    text(section.title),
                    credits(section.leads),
                    tuple(
                        TeamContent(team.id, text(team.name), credits(team.credits))
                        for team in section.teams
                    ),
                )
                for section in content.sections
            ),
            acknowledgments=tuple(
                AcknowledgmentContent(ack.id, text(ack.text), ack.people)
                for ack in content.acknowledgments
            ),
        )

    def changes(self, data, snapshot, previous, named):
        """The version's list of changes, as it reads now that both sides name the person anew.

        A rename of the person between two versions is no change any more; their
        details, and the order of the lists they are in, are compared again.
        """
        if data is None:
            return None
        changes = Comparison.from_json(data).changes
        if previous is not None and named & previous.people.keys():
            changes = self.compared_again(changes, previous, snapshot, named)
        if self.plan.replacement.replaces_in_texts:
            changes = [
                replace(
                    change,
                    old=self.replaced(change.old),
                    new=self.replaced(change.new),
                    where=self.replaced(change.where),
                )
                if change.kind != Kind.PERSON_DETAILS_CHANGED
                else change
                for change in changes
            ]
            if previous is not None:
                changes = acknowledgments_compared_again(changes, previous, snapshot)
        return Comparison(changes).to_json()

    def compared_again(self, changes, previous, snapshot, named):
        both = named & previous.people.keys()
        kept = []
        for change in changes:
            if change.kind == Kind.NAMES_REORDERED:
                continue
            if change.person in both and change.kind == Kind.PERSON_RENAMED:
                continue
            if change.person in both and change.kind == Kind.PERSON_DETAILS_CHANGED:
                label = details_changed(
                    previous.people[change.person], snapshot.people[change.person]
                )
                if not label:
                    continue
                change = replace(change, new=label)
            kept.append(change)
        before, after = Side(previous), Side(snapshot)
        kept_merged = kept_merges(before, after, merges(previous, snapshot))
        reorders = reorder_changes(before, after, kept_merged)
        # Where compare() lists them: after the changes of people and credits.
        at = max(
            (index + 1 for index, change in enumerate(kept) if change.kind in PEOPLE_AND_CREDITS),
            default=0,
        )
        return kept[:at] + reorders + kept[at:]
