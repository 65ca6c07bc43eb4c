import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_editors_group_has_curation_permissions():
    editors = Group.objects.get(name="Editors")

    codenames = set(editors.permissions.values_list("codename", flat=True))

    assert {"change_person", "add_role", "import_role", "export_role"} <= codenames
    assert len(codenames) == 48
