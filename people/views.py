from django.shortcuts import get_object_or_404, render

from people.models import Person, Project


def home(request):
    projects = Project.objects.visible_to(request.user)
    return render(request, "people/home.html", {"projects": projects})


def project_detail(request, slug):
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    return render(request, "people/project_detail.html", {"project": project})


def person_detail(request, slug):
    person = get_object_or_404(Person, slug=slug)
    return render(request, "people/person_detail.html", {"person": person})
