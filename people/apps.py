from django.apps import AppConfig
from django.db.backends.signals import connection_created

from people.sorting import lower


def lower_or_null(value):
    return lower(value) if isinstance(value, str) else value


def register_lower(sender, connection, **kwargs):
    """Give SQLite a LOWER that lowers every letter as PostgreSQL does, not only A to Z.

    The unique constraints on names compare LOWER(name): without this, SQLite would
    accept "Élodie" beside "ÉLODIE", which PostgreSQL refuses. Deterministic, as a
    function in an index must be.
    """
    if connection.vendor == "sqlite":
        connection.connection.create_function("LOWER", 1, lower_or_null, deterministic=True)


class PeopleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "people"
    verbose_name = "Credits"

    def ready(self):
        from people.caching import connect_signals

        connect_signals()
        connection_created.connect(register_lower, dispatch_uid="people.register_lower")
