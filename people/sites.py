"""The admin site: its titles, and an index grouped the way editors think of the data."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

# The index shows the credits app first, in two groups, each in working order
# rather than alphabetically (Projects before Sections before Teams).
GROUPS = {
    "Credits pages": [
        "project",
        "resource",
        "section",
        "team",
        "credit",
        "acknowledgment",
        "mention",
    ],
    "People": ["person", "alias", "personredirect", "distinctpair"],
    "Changes": ["changeset"],
    "Reviews": ["review"],
}


class CreditsAdminSite(admin.AdminSite):
    site_header = "Credits administration"
    site_title = "Credits administration"
    index_title = "Curate the credits"

    def get_app_list(self, request, app_label=None):
        credits, others = [], []
        for app in super().get_app_list(request, app_label):
            if app["app_label"] != "people":
                others.append(app)
                continue
            models = {model["model"]._meta.model_name: model for model in app["models"]}
            for name, model_names in GROUPS.items():
                group = [
                    models.pop(model_name) for model_name in model_names if model_name in models
                ]
                if group:
                    credits.append({**app, "name": name, "models": group})
            if models:
                credits.append({**app, "models": list(models.values())})
        return credits + others


class CreditsAdminConfig(AdminConfig):
    default_site = "people.sites.CreditsAdminSite"
