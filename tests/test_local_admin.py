import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from people.management.commands import ensure_local_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_file(tmp_path, monkeypatch):
    path = tmp_path / ".local-admin-password"
    monkeypatch.setattr(ensure_local_admin, "PASSWORD_FILE", path)
    return path


def test_creates_admin_and_prints_the_login(settings, password_file, capsys):
    settings.DEBUG = True

    call_command("ensure_local_admin")

    password = password_file.read_text().strip()
    assert f"password '{password}'" in capsys.readouterr().out
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)


def test_running_twice_keeps_the_same_password(settings, password_file):
    settings.DEBUG = True
    call_command("ensure_local_admin")
    first = password_file.read_text()

    call_command("ensure_local_admin")

    assert password_file.read_text() == first
    assert User.objects.filter(username="admin").count() == 1


def test_refused_in_production(settings, password_file):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="createsuperuser"):
        call_command("ensure_local_admin")

    assert not User.objects.exists()
    assert not password_file.exists()
