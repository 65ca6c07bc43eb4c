"""The list of a project's versions with what changed in each: the changelog and its feed."""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from people.diff import Comparison, Names
from people.models import PublishedPerson, Version
from people.naming import names_not_to_show, without_names


@dataclass(frozen=True)
class ChangelogEntry:
    """A version as the list of changes shows it."""

    version: Version
    # None for the first version.
    comparison: Comparison | None
    names: Names
    # The editor's note, without the names of the people not to be named.
    note: str = ""

    def groups(self):
        return self.comparison.groups(self.names) if self.comparison else []

    def summary(self):
        return self.comparison.summary() if self.comparison else "First published version."


def changelog(project, limit=None):
    """Return the ChangelogEntries of `project`'s versions, newest first, in two queries.

    A version's changes name people by id: their names are those of the version
    (and of the one before, for the people it removed), looked up together. The
    people not to be named now are described without their names, and their names
    are taken out of the editors' notes (two queries more, when there are notes).
    """
    versions = list(
        Version.objects.filter(project=project)
        .defer("content")
        .select_related("published_by", "project")
        .order_by("-number")[:limit]
    )
    comparisons = {version.pk: Comparison.from_json(version.changes) for version in versions}
    previous = dict(Version.objects.filter(project=project).values_list("number", "pk"))
    wanted = Q(pk__in=[])
    for version in versions:
        ids = comparisons[version.pk].person_ids()
        if ids:
            sides = [version.pk, previous.get(version.number - 1)]
            wanted |= Q(version_id__in=[pk for pk in sides if pk], person_id__in=ids)
    names = {}
    hidden = set()
    for row in (
        PublishedPerson.objects.filter(wanted)
        .with_naming(project.pk)
        .values_list("version_id", "person_id", "name", "is_unnamed", named=True)
    ):
        names.setdefault(row.version_id, {})[row.person_id] = row.name
        if row.is_unnamed:
            hidden.add(row.person_id)
    unnamed = frozenset(hidden)
    hidden_names = names_not_to_show(project) if any(v.note for v in versions) else set()
    return [
        ChangelogEntry(
            version,
            comparisons[version.pk] if version.changes is not None else None,
            Names(
                old=names.get(previous.get(version.number - 1), {}),
                new=names.get(version.pk, {}),
                hidden=unnamed,
            ),
            without_names(version.note, hidden_names),
        )
        for version in versions
    ]


FEED_ENTRIES = 50


class VersionsFeed(Feed):
    """An Atom feed of a project's versions, newest first, each with its note and changes."""

    feed_type = Atom1Feed
    description_template = "people/includes/_version_changes.html"

    def __init__(self, project, title):
        super().__init__()
        self.project = project
        self.project_title = title

    def title(self):
        return f"{self.project_title}: versions"

    def subtitle(self):
        return f"Each published version of the credits of {self.project_title}, with its changes."

    def link(self):
        return reverse("people:project-changes", kwargs={"slug": self.project.slug})

    def items(self):
        return changelog(self.project, FEED_ENTRIES)

    def item_title(self, entry):
        return f"Version {entry.version.number}: {entry.summary()}"

    def item_link(self, entry):
        return entry.version.get_absolute_url()

    def item_pubdate(self, entry):
        return entry.version.published_at

    def item_updateddate(self, entry):
        return entry.version.published_at

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "entry": kwargs["item"]}
