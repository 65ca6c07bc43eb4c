"""The public pages: what was published for readers, the draft for editors who may see it.

A project's page, its files, its older versions, its changelog and their feed
come from its versions (people/versions.py); editors allowed to see drafts get
the draft at the project's own address, with a banner saying what is not
published yet. A project taken down is 410 Gone.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from redis.exceptions import RedisError

from people import citations, pages
from people.caching import get_page, person_page_key, published_page_key, set_page
from people.changelog import VersionsFeed, changelog
from people.diff import Comparison, compare
from people.models import (
    Alias,
    NotNamed,
    Person,
    PersonRedirect,
    Project,
    PublishedPerson,
    Version,
    can_see_drafts,
)
from people.naming import unnamed_among
from people.search import SEARCH_MAX_LENGTH, search_people
from people.snapshots import draft_snapshot, one_snapshot
from people.sorting import sort_fold
from people.versions import (
    latest_published,
    latest_version,
    load_public_snapshot,
    load_snapshot,
    merges,
    projects_with_versions,
)

logger = logging.getLogger(__name__)


def cached_response(request, make_key, build):
    """Return build()'s response, cached under make_key() for readers who are not staff.

    Staff get fresh pages: theirs carry edit links (and drafts, with the permission),
    which must never reach the cache that readers are served from.
    """
    if request.user.is_active and request.user.is_staff:
        return build()
    # The key is taken before the page is built, so that a page built while a
    # change commits is stored under the old key and never served after it.
    try:
        key = make_key()
        cached = get_page(key)
    except RedisError:
        # Readers still get the page, only slower, while the shared cache is down.
        logger.warning("Page cache unreachable; serving %s uncached", request.path)
        return build()
    if cached is not None:
        content, headers = cached
        return HttpResponse(content, headers=headers)
    response = build()
    if response.status_code == 200:
        headers = {
            name: response.headers[name]
            for name in ("Content-Type", "Content-Disposition")
            if name in response.headers
        }
        try:
            set_page(key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
        except RedisError:
            logger.warning("Page cache unreachable; %s not cached", request.path)
    return response


@dataclass(frozen=True)
class ProjectListing:
    """A project on the home page."""

    title: str
    url: str
    published_at: object
    is_draft: bool


def home(request):
    projects = projects_with_versions().order_by("title", "pk")
    if can_see_drafts(request.user):
        listed = [
            ProjectListing(
                project.title,
                project.get_absolute_url(),
                project.published_at,
                is_draft=not (project.is_published and project.latest_number),
            )
            for project in projects
        ]
    else:
        published = projects.published().exclude(latest_number=None)
        listed = sorted(
            (
                ProjectListing(
                    project.latest_title, project.get_absolute_url(), project.published_at, False
                )
                for project in published
            ),
            key=lambda listing: listing.title,
        )
    return render(request, "people/home.html", {"projects": listed})


def search(request):
    query = " ".join(request.GET.get("q", "").split())
    context = {"search_query": query, "results": [], "has_more": False, "error": ""}
    if len(query) > SEARCH_MAX_LENGTH:
        context["error"] = f"Search for at most {SEARCH_MAX_LENGTH} characters."
    elif query:
        people = Person.objects.findable_by(request.user)
        # Editors also find people by their private spellings, which readers never see.
        private = can_see_drafts(request.user)
        context["results"], context["has_more"] = search_people(query, people, private)
    return render(request, "people/search.html", context)


# A project's page, files, versions and changes


@dataclass(frozen=True)
class Shown:
    """What a project's page or file shows: a version, or the draft for editors."""

    project: Project
    snapshot: object
    # None for the draft.
    version: Version | None
    # The number of the project's latest version; None before the first.
    latest_number: int | None
    # Whether shown at the version's own address (/credits/<slug>/v/<number>/).
    at_version: bool = False
    # For the draft, editors' only: the whole of it, people not named included, which
    # the banner compares with the latest version (`snapshot` is the page as published).
    draft: object = None

    @property
    def is_latest(self):
        return self.version is not None and self.version.number == self.latest_number

    def page_url(self):
        """The address of the page shown: the project's, or the version's own."""
        return self.version_url() if self.at_version else self.project.get_absolute_url()

    def version_url(self):
        if self.version is None:
            return None
        kwargs = {"slug": self.project.slug, "number": self.version.number}
        return reverse("people:version-detail", kwargs=kwargs)

    def file_url(self, name):
        """The address of one of the page's files: "json", "csv", "cff" or "bibtex"."""
        if self.at_version:
            kwargs = {"slug": self.project.slug, "number": self.version.number}
            return reverse(f"people:version-{name}", kwargs=kwargs)
        return reverse(f"people:project-{name}", kwargs={"slug": self.project.slug})

    def release(self, absolute):
        version_url = self.version_url()
        return citations.Release(
            number=self.version.number if self.version else None,
            published_at=self.version.published_at if self.version else None,
            url=absolute(self.page_url()),
            version_url=absolute(version_url) if version_url else None,
        )


def project_response(request, slug, respond, name, number=None, key_parts=()):
    """Serve respond(Shown) for a project's current version, or its version `number`.

    Editors who may see drafts get the draft at the project's own address. The
    page's first query reads the project's latest version, which is in the cache
    key; building the page from a version takes two more queries.
    """
    if number is None and can_see_drafts(request.user):
        with one_snapshot():
            project = get_object_or_404(projects_with_versions(), slug=slug)
            draft = draft_snapshot(project)
            public = draft.without(unnamed_among(project, draft.people))
            return respond(Shown(project, public, None, project.latest_number, draft=draft))
    latest = latest_published(slug)
    if latest is None:
        raise Http404("This project is not published.")
    if not latest.is_published and not can_see_drafts(request.user):
        return gone(request, latest)
    if number is not None and not 1 <= number <= latest.number:
        raise Http404("This project has no version with this number.")

    def build():
        version = Version.objects.select_related("project").get(
            project_id=latest.project_id, number=number or latest.number
        )
        snapshot = load_public_snapshot(version)
        at_version = number is not None
        return respond(Shown(version.project, snapshot, version, latest.number, at_version))

    def make_key():
        return published_page_key(
            name, slug, latest.project_id, latest.pk, latest.names_revision, number or "current",
            *key_parts,
        )  # fmt: skip

    return cached_response(request, make_key, build)


def gone(request, latest):
    """The page of a project taken down: 410 Gone, with the title it was published with.

    Editors who may see drafts still see its versions.
    """
    return render(request, "people/project_gone.html", {"title": latest.title}, status=410)


@dataclass(frozen=True)
class DraftStatus:
    """What the banner of a draft tells editors."""

    latest_number: int | None
    # None before the first version.
    comparison: Comparison | None
    is_published: bool
    publish_url: str
    # The people of the draft who are not named on the page, by name, for editors.
    not_named: list[str]


def draft_status(shown):
    project = shown.project
    draft = shown.draft
    comparison = None
    latest = latest_version(project) if shown.latest_number else None
    if latest is not None:
        old = load_snapshot(latest)
        comparison = compare(old, draft, merges(old, draft))
    return DraftStatus(
        latest_number=shown.latest_number,
        comparison=comparison,
        is_published=project.is_published,
        publish_url=reverse("admin:people_project_publish", args=[project.pk]),
        not_named=sorted(
            (person.name for pk, person in draft.people.items() if pk not in shown.snapshot.people),
            key=sort_fold,
        ),
    )


def project_page_context(shown):
    """The context of people/project_detail.html for what is shown."""
    return {
        "page": pages.snapshot_page(shown.snapshot, shown.project.slug),
        "project": shown.project,
        "shown": shown,
        "files": {name: shown.file_url(name) for name in ["json", "csv", "cff", "bibtex"]},
        "draft": draft_status(shown) if shown.version is None else None,
    }


def project_detail(request, slug, number=None):
    def respond(shown):
        return render(request, "people/project_detail.html", project_page_context(shown))

    return project_response(request, slug, respond, "project", number)


def project_file(request, slug, number, make_content, content_type, filename, as_attachment=True):
    """Serve a file made by make_content(Shown, absolute) from a project the reader may see."""

    def respond(shown):
        disposition = content_disposition_header(as_attachment, filename.format(slug=slug))
        return HttpResponse(
            make_content(shown, request.build_absolute_uri),
            headers={"Content-Type": content_type, "Content-Disposition": disposition},
        )

    # Files hold absolute addresses, which follow the host and scheme the reader used.
    key = [request.scheme, request.get_host()]
    return project_response(request, slug, respond, f"file:{filename}", number, key)


def project_json(request, slug, number=None):
    def make_content(shown, absolute):
        page = pages.snapshot_page(shown.snapshot, slug)
        return citations.credits_json(page, shown.release(absolute), absolute)

    json_type = "application/json; charset=utf-8"
    return project_file(
        request, slug, number, make_content, json_type, "{slug}-credits.json", False
    )


def project_csv(request, slug, number=None):
    def make_content(shown, absolute):
        return citations.credits_csv(shown.snapshot)

    csv_type = "text/csv; charset=utf-8"
    return project_file(request, slug, number, make_content, csv_type, "{slug}-credits.csv")


def project_cff(request, slug, number=None):
    def make_content(shown, absolute):
        page = pages.snapshot_page(shown.snapshot, slug)
        authors = citations.authors(shown.snapshot)
        return citations.citation_cff(page, authors, shown.release(absolute))

    yaml_type = "application/yaml; charset=utf-8"
    return project_file(request, slug, number, make_content, yaml_type, "CITATION.cff")


def project_bibtex(request, slug, number=None):
    def make_content(shown, absolute):
        page = pages.snapshot_page(shown.snapshot, slug)
        authors = citations.authors(shown.snapshot)
        return citations.citation_bibtex(page, authors, shown.release(absolute))

    bibtex_type = "application/x-bibtex; charset=utf-8"
    return project_file(request, slug, number, make_content, bibtex_type, "{slug}.bib")


# The changelog and its feed


def project_changes(request, slug):
    def respond(shown):
        project = shown.project
        context = {
            "project": project,
            "title": shown.version.title if shown.version else project.title,
            "entries": changelog(project),
        }
        return render(request, "people/project_changes.html", context)

    return published_only(request, slug, respond, "changes")


def published_only(request, slug, respond, name):
    """project_response for pages that list versions: editors see them too, not a draft."""
    latest = latest_published(slug)
    if latest is None:
        raise Http404("This project is not published.")
    if not latest.is_published and not can_see_drafts(request.user):
        return gone(request, latest)

    def build():
        version = Version.objects.select_related("project").defer("content").get(pk=latest.pk)
        return respond(Shown(version.project, None, version, latest.number))

    def make_key():
        return published_page_key(name, slug, latest.project_id, latest.pk, latest.names_revision)

    return cached_response(request, make_key, build)


def project_feed(request, slug):
    def respond(shown):
        return VersionsFeed(shown.project, shown.version.title)(request)

    # Feeds hold absolute addresses, which follow the host and scheme the reader used.
    name = f"feed:{request.scheme}:{request.get_host()}"
    return published_only(request, slug, respond, name)


# People


def person_detail(request, slug):
    if can_see_drafts(request.user):
        with one_snapshot():
            person = find_person(slug, request.user)
            if not isinstance(person, Person):
                return person
            page = pages.draft_person_page(person, Project.objects.all())
            not_named = NotNamed.objects.filter(person=person).select_related("project")
            context = {
                "page": page,
                "person": person,
                "not_named_on": [row.project for row in not_named],
            }
            return render(request, "people/person_detail.html", context)

    def build():
        person = find_person(slug, request.user)
        if not isinstance(person, Person):
            return person
        page = pages.published_person_page(person, published_names(person))
        if page.is_empty:
            # Someone credited only on drafts, or only where they are not named, is not public.
            raise Http404("No published credits for this person.")
        return render(request, "people/person_detail.html", {"page": page, "person": person})

    return cached_response(request, lambda: person_page_key("person", slug), build)


def find_person(slug, user):
    """Return the Person at /people/<slug>/, or a redirect to where they are now.

    A merged person's old address redirects to the person kept; an address a
    version was published with redirects to the person's current one. For the
    public, someone who asked never to be listed has no page, and an old address
    leads nowhere (the new address would tell the name) unless its person has a page.
    """
    public_aliases = Prefetch("aliases", Alias.objects.public(), to_attr="public_aliases")
    person = Person.objects.filter(slug=slug).prefetch_related(public_aliases).first()
    if person is not None:
        if person.never_listed and not can_see_drafts(user):
            raise Http404("No person has this address.")
        return person
    moved = PersonRedirect.objects.filter(old_slug=slug).select_related("person").first()
    moved_to = moved.person if moved is not None else None
    moved_to = moved_to or Person.objects.filter(published_names__slug=slug).first()
    if moved_to is not None and Person.objects.findable_by(user).filter(pk=moved_to.pk).exists():
        return redirect(moved_to, permanent=True)
    raise Http404("No person has this address.")


def published_names(person):
    """The PublishedPerson rows naming `person` in the versions the public reads.

    Those of people merged into them since too: the versions name them still. Not
    those of the projects where the person asked not to be named.
    """
    merged = PersonRedirect.objects.filter(person=person).values("old_slug")
    return (
        PublishedPerson.objects.filter(version__in=Version.objects.current())
        .filter(Q(person=person) | Q(slug__in=merged))
        .exclude(version__project__in=NotNamed.objects.filter(person=person).values("project"))
        .select_related("version__project")
    )
