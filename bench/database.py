"""The database of a bench script: DATABASE_URL, else the script's own PostgreSQL database."""

import os

import dj_database_url
import psycopg


def setup_django(default_url, *, migrate=True):
    """Set Django up on DATABASE_URL (default `default_url`) and return that URL.

    On PostgreSQL the database is created if it is missing; then it is migrated.
    `migrate=False` skips both, for a child process of a script that has done them.
    """
    url = os.environ.setdefault("DATABASE_URL", default_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditsite.settings")
    if migrate:
        create_database(url)

    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0)
    return url


def create_database(url):
    """Create the PostgreSQL database of `url` unless it exists; other engines make their own."""
    server, name = maintenance_connection(url)
    if server is None:
        return
    with psycopg.connect(**server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url):
    """Drop the PostgreSQL database of `url` if it exists, closing its connections."""
    server, name = maintenance_connection(url)
    if server is None:
        return
    with psycopg.connect(**server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def maintenance_connection(url):
    """Connection arguments for the server's `postgres` database and the database's name.

    The arguments are None when `url` is not a PostgreSQL database.
    """
    config = dj_database_url.parse(url)
    if not config["ENGINE"].endswith("postgresql"):
        return None, config["NAME"]
    server = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
    }
    return server, config["NAME"]
