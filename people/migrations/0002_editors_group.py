from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_MODELS = [
    "project",
    "resource",
    "section",
    "team",
    "person",
    "alias",
    "role",
    "acknowledgment",
    "mention",
    "personredirect",
    "distinctpair",
]
EXTRA_CODENAMES = ["import_role", "export_role", "import_person", "export_person"]


def editor_codenames():
    actions = ["add", "change", "delete", "view"]
    return [f"{action}_{model}" for model in EDITOR_MODELS for action in actions] + EXTRA_CODENAMES


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; the group
    # needs them now.
    app_config = apps.get_app_config("people")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    permissions = Permission.objects.filter(
        content_type__app_label="people", codename__in=editor_codenames()
    )
    editors.permissions.set(permissions)


def delete_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
