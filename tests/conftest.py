import pytest
from django.contrib.auth.models import Group, User


@pytest.fixture
def editor(db):
    """A staff user who is only in the Editors group (not a superuser)."""
    user = User.objects.create_user("editor", password="editor-password-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
