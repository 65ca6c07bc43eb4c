import logging
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from redis.exceptions import RedisError

from people import citations, pages
from people.caching import get_page, page_cache_key, set_page
from people.models import Person, PersonRedirect, Project, can_see_drafts
from people.search import SEARCH_MAX_LENGTH, search_people
from people.spreadsheet.export import export_credits_csv

logger = logging.getLogger(__name__)


@contextmanager
def one_snapshot():
    """Run a page's queries against one state of the database.

    A page takes several queries; an import committing between two of them
    could otherwise show its new teams without their members. PostgreSQL's
    default isolation gives each query its own snapshot, so ask for one
    snapshot for the whole transaction.
    """
    if connection.in_atomic_block:
        # Already one transaction (a test, or a caller's atomic block).
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def cached_response(request, key_parts, build):
    """Return build()'s response, cached for readers who are not staff.

    Staff get fresh pages: theirs carry edit links (and drafts, with the permission),
    which must never reach the cache that readers are served from.
    """
    if request.user.is_active and request.user.is_staff:
        with one_snapshot():
            return build()
    # The key is taken before the page is built, so that a page built while an
    # edit commits is stored under the old generation and never served after it.
    try:
        key = page_cache_key(*key_parts)
        cached = get_page(key)
    except RedisError:
        # Readers still get the page, only slower, while the shared cache is down.
        logger.warning("Page cache unreachable; serving %s uncached", request.path)
        with one_snapshot():
            return build()
    if cached is not None:
        content, headers = cached
        return HttpResponse(content, headers=headers)
    with one_snapshot():
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


def home(request):
    projects = Project.objects.visible_to(request.user).order_by("title", "pk")
    return render(request, "people/home.html", {"projects": projects})


def search(request):
    query = " ".join(request.GET.get("q", "").split())
    context = {"search_query": query, "results": [], "has_more": False, "error": ""}
    if len(query) > SEARCH_MAX_LENGTH:
        context["error"] = f"Search for at most {SEARCH_MAX_LENGTH} characters."
    elif query:
        people = Person.objects.findable_by(request.user)
        context["results"], context["has_more"] = search_people(query, people)
    return render(request, "people/search.html", context)


def visible_project(request, slug):
    projects = Project.objects.visible_to(request.user).select_related("assembled_by")
    return get_object_or_404(projects, slug=slug)


def project_detail(request, slug):
    def build():
        project = visible_project(request, slug)
        context = {"page": pages.project_page(project), "project": project}
        return render(request, "people/project_detail.html", context)

    return cached_response(request, ["project", slug], build)


def person_detail(request, slug):
    def build():
        person = Person.objects.filter(slug=slug).prefetch_related("aliases").first()
        if person is None:
            moved = PersonRedirect.objects.filter(old_slug=slug).select_related("person").first()
            if moved is None:
                raise Http404("No person has this address.")
            return redirect(moved.person, permanent=True)
        page = pages.person_page(person, Project.objects.visible_to(request.user))
        if page.is_empty and not can_see_drafts(request.user):
            # Someone credited only on drafts is not public yet.
            raise Http404("No published credits for this person.")
        context = {"page": page, "person": person}
        return render(request, "people/person_detail.html", context)

    return cached_response(request, ["person", slug], build)


def project_file(request, slug, make_content, content_type, filename, as_attachment=True):
    """Serve a file made by make_content(project) from a project the reader may see."""

    def build():
        project = visible_project(request, slug)
        disposition = content_disposition_header(as_attachment, filename.format(slug=slug))
        return HttpResponse(
            make_content(project),
            headers={"Content-Type": content_type, "Content-Disposition": disposition},
        )

    # Files hold absolute addresses, which follow the host and scheme the reader used.
    key = ["file", filename, request.scheme, request.get_host(), slug]
    return cached_response(request, key, build)


def project_json(request, slug):
    def make_content(project):
        page = pages.project_page(project)
        return citations.credits_json(project, page, request.build_absolute_uri)

    json_type = "application/json; charset=utf-8"
    return project_file(request, slug, make_content, json_type, "{slug}-credits.json", False)


def project_csv(request, slug):
    return project_file(
        request, slug, export_credits_csv, "text/csv; charset=utf-8", "{slug}-credits.csv"
    )


def project_cff(request, slug):
    def make_content(project):
        page = pages.project_page(project)
        authors = citations.authors(project, page)
        return citations.citation_cff(project, page, authors, request.build_absolute_uri)

    return project_file(
        request, slug, make_content, "application/yaml; charset=utf-8", "CITATION.cff"
    )


def project_bibtex(request, slug):
    def make_content(project):
        page = pages.project_page(project)
        authors = citations.authors(project, page)
        return citations.citation_bibtex(project, page, authors, request.build_absolute_uri)

    bibtex_type = "application/x-bibtex; charset=utf-8"
    return project_file(request, slug, make_content, bibtex_type, "{slug}.bib")
