"""A person's credit is called a credit everywhere: the model Role becomes Credit."""

from django.db import migrations, models
from django.db.models import Q

ACTIONS = ["add", "change", "delete", "view", "import", "export"]


def rename_permissions(old, new):
    def rename(apps, schema_editor):
        # The content type itself is renamed by Django along with the model; the
        # permissions keep their codenames unless told, and the Editors group holds them.
        Permission = apps.get_model("auth", "Permission")
        for permission in Permission.objects.filter(
            content_type__app_label="people",
            codename__in=[f"{action}_{old}" for action in ACTIONS],
        ):
            action = permission.codename.removesuffix(f"_{old}")
            permission.codename = f"{action}_{new}"
            permission.name = permission.name.replace(old, new)
            permission.save()

    return rename


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("people", "0013_slug_help_texts"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="role", name="check_role_in_section_or_team"),
        migrations.RemoveConstraint(model_name="role", name="unique_team_role"),
        migrations.RemoveConstraint(model_name="role", name="unique_section_role"),
        migrations.RenameModel("Role", "Credit"),
        migrations.RenameModel("HistoricalRole", "HistoricalCredit"),
        migrations.AlterModelOptions(
            name="credit",
            options={
                "ordering": ["person__sort_key", "id"],
                "permissions": [
                    ("import_credit", "Can import credits"),
                    ("export_credit", "Can export credits"),
                ],
            },
        ),
        migrations.AlterModelOptions(
            name="historicalcredit",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical credit",
                "verbose_name_plural": "historical credits",
            },
        ),
        migrations.AlterField(
            model_name="credit",
            name="person",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT, related_name="credits", to="people.person"
            ),
        ),
        migrations.AlterField(
            model_name="credit",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="For a member of a team.",
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="credits",
                to="people.team",
            ),
        ),
        migrations.AddConstraint(
            model_name="credit",
            constraint=models.CheckConstraint(
                condition=Q(("section__isnull", False), ("team__isnull", True))
                | Q(("section__isnull", True), ("team__isnull", False)),
                name="check_credit_in_section_or_team",
                violation_error_message="Choose either a section (for a lead line) "
                "or a team, not both.",
            ),
        ),
        migrations.AddConstraint(
            model_name="credit",
            constraint=models.UniqueConstraint(
                condition=Q(("team__isnull", False)),
                fields=("person", "team", "title"),
                name="unique_team_credit",
                violation_error_message="This person already has this credit in this team.",
            ),
        ),
        migrations.AddConstraint(
            model_name="credit",
            constraint=models.UniqueConstraint(
                condition=Q(("section__isnull", False)),
                fields=("person", "section", "title"),
                name="unique_lead_line",
                violation_error_message="This person already has this lead line in this section.",
            ),
        ),
        migrations.RunPython(
            rename_permissions("role", "credit"), rename_permissions("credit", "role")
        ),
    ]
