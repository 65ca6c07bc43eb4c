"""The admin site: its titles, and an index grouped the way editors think of the data."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError

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

    def admin_view(self, view, cacheable=False):
        """Every admin screen, refusing filters by regular expression and ids that are none.

        The lists accept a lookup on any field in their address; no screen links to
        `__regex`, and a broken expression ("name__regex=[") is a database error.
        Refused as Django refuses lookups it does not allow: 400 Bad Request.

        A list's actions look the selected rows up by the ids sent, and one that is no
        id of the list's rows ("abc", "²", tampered with) failed the lookup: it is left
        out, as a row deleted meanwhile would be.
        """
        protected = super().admin_view(view, cacheable)
        model = getattr(getattr(view, "__self__", None), "model", None)

        @wraps(protected)
        def inner(request, *args, **kwargs):
            if any(key.endswith(("__regex", "__iregex")) for key in request.GET):
                raise DisallowedModelAdminLookup("Filtering by regular expression is not allowed")
            if model is not None and ACTION_CHECKBOX_NAME in request.POST:
                selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
                ids = [value for value in selected if is_id(model._meta.pk, value)]
                if ids != selected:
                    request.POST = request.POST.copy()
                    request.POST.setlist(ACTION_CHECKBOX_NAME, ids)
            return protected(request, *args, **kwargs)

        return inner

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


def is_id(field, value):
    """Whether `value`, as sent in a form or an address, can be looked up in `field`."""
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class CreditsAdminConfig(AdminConfig):
    default_site = "people.sites.CreditsAdminSite"
