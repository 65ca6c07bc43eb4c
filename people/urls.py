from django.urls import path

from people import views
from people.reviews import views as review_views

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
    # A private review link; creditsite/logs.py cuts its token out of the logs.
    path("review/link/<str:token>/", review_views.review_link, name="review-link"),
    path("review/<int:pk>/", review_views.review, name="review"),
]
