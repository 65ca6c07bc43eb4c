from django.urls import path

from people import views
from people.reviews import views as review_views

app_name = "people"

PROJECT = "credits/<slug:slug>/"
VERSION = "credits/<slug:slug>/v/<int:number>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path(PROJECT, views.project_detail, name="project-detail"),
    path(f"{PROJECT}credits.json", views.project_json, name="project-json"),
    path(f"{PROJECT}credits.csv", views.project_csv, name="project-csv"),
    path(f"{PROJECT}CITATION.cff", views.project_cff, name="project-cff"),
    path(f"{PROJECT}citation.bib", views.project_bibtex, name="project-bibtex"),
    path(f"{PROJECT}changes/", views.project_changes, name="project-changes"),
    path(f"{PROJECT}changes.atom", views.project_feed, name="project-feed"),
    path(VERSION, views.project_detail, name="version-detail"),
    path(f"{VERSION}credits.json", views.project_json, name="version-json"),
    path(f"{VERSION}credits.csv", views.project_csv, name="version-csv"),
    path(f"{VERSION}CITATION.cff", views.project_cff, name="version-cff"),
    path(f"{VERSION}citation.bib", views.project_bibtex, name="version-bibtex"),
    path("people/<str:slug>/", views.person_detail, name="person-detail"),
    # A private review link; creditsite/logs.py cuts its token out of the logs.
    path("review/link/<str:token>/", review_views.review_link, name="review-link"),
    path("review/<int:pk>/", review_views.review, name="review"),
]
