from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("", views.home, name="home"),
    path("credits/<slug:slug>/", views.project_detail, name="project-detail"),
    path("people/<str:slug>/", views.person_detail, name="person-detail"),
]
