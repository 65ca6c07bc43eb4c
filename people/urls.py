from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("credits/<slug:slug>/", views.project_detail, name="project-detail"),
    path("credits/<slug:slug>/credits.json", views.project_json, name="project-json"),
    path("credits/<slug:slug>/credits.csv", views.project_csv, name="project-csv"),
    path("credits/<slug:slug>/CITATION.cff", views.project_cff, name="project-cff"),
    path("credits/<slug:slug>/citation.bib", views.project_bibtex, name="project-bibtex"),
    path("people/<str:slug>/", views.person_detail, name="person-detail"),
]
