from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from people import pages
from people.caching import page_cache_key
from people.models import Person, PersonRedirect, Project


def is_staff(user):
    return user.is_active and user.is_staff


def cached_response(request, key_parts, build):
    """Return build()'s response, cached for readers who are not staff.

    Staff get fresh pages: they see drafts and edit links, which are never cached.
    """
    if is_staff(request.user):
        return build()
    # The key is taken before the page is built, so that a page built while an
    # edit commits is stored under the old generation and never served after it.
    key = page_cache_key(*key_parts)
    cached = cache.get(key)
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
        cache.set(key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
    return response


def home(request):
    projects = Project.objects.visible_to(request.user).order_by("title", "pk")
    return render(request, "people/home.html", {"projects": projects})


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
        if not (page["projects"] or page["mentions"] or page["assembled"]):
            if not is_staff(request.user):
                # Someone credited only on drafts is not public yet.
                raise Http404("No published credits for this person.")
        context = {"page": page, "person": person}
        return render(request, "people/person_detail.html", context)

    return cached_response(request, ["person", slug], build)
