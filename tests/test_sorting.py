import importlib
import sqlite3
from contextlib import closing

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from people.models import Alias, Person
from people.sorting import default_sort_name, lower, same_name_key, sort_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "expected",
    [
        # Non-ASCII letters sort with their base letters, not after Z.
        ["Yongjik Kim", "Łukasz Kondraciuk", "Kyle Kosic", "Hyeonwoo Noh", "Tianhao Zheng"],
        ["Todor Markov", "David Mélý", "Luke Metz", "Reiichiro Nakano"],
        ["Maureen Robinson", "Paul Röttger", "Herman Wasserman", "Jianlong Zhu"],
        # Lower-case particles start the family name but are not sorted on.
        ["Ilge Akkaya", "Diogo Moitinho de Almeida", "Mark Chen"],
        ["Rajeev Nayak", "Henrique Ponde de Oliveira Pinto", "Adam Perelman"],
        ["Ludwig van Beethoven", "Oleg Boiko", "Dani Madrid-Morales"],
        # Capitalised particles belong to the family name.
        ["Yunxing Dai", "Joost De Vries", "Peter Deng", "Jason Kwon"],
        # A nickname in brackets is not part of the sort key.
        ["Michael Petrov", "Michael (Rai) Pokorny", "Alethea Power"],
        # Suffixes are not the family name, with or without a comma.
        ["Yongjik Kim", "Martin Luther King Jr.", "Jamie Kiros"],
        ["Jane Smith", "John Smith, Jr.", "Zoe Smith", "Natalie Staudacher"],
        ["Liam Fedus", "Henry Ford II", "Olivier Godement"],
        # A single name sorts as it is.
        ["Ruby Chen", "Cher", "Casey Chu"],
    ],
)
def test_names_sort_by_family_name(expected):
    shuffled = list(reversed(expected))

    in_order = sorted(shuffled, key=sort_key)

    assert in_order == expected


@pytest.mark.parametrize(
    ("name", "sort_name"),
    [
        ("Łukasz Kondraciuk", "Kondraciuk, Łukasz"),
        ("Diogo Moitinho de Almeida", "Almeida, Diogo Moitinho de"),
        ("Henrique Ponde de Oliveira Pinto", "Oliveira Pinto, Henrique Ponde de"),
        ("Joost De Vries", "De Vries, Joost"),
        ("Michael (Rai) Pokorny", "Pokorny, Michael"),
        ("John Smith, Jr.", "Smith, John"),
        ("Cher", "Cher"),
    ],
)
def test_default_sort_name_puts_the_family_name_first(name, sort_name):
    assert default_sort_name(name) == sort_name


def test_sort_key_ignores_case_and_accents():
    assert sort_key("David Mélý") == sort_key("david mely") == "mely\tdavid"


def test_a_sort_name_override_takes_effect_on_save(make_person):
    make_person("Rajeev Nayak")
    henrique = make_person("Henrique Ponde de Oliveira Pinto")
    make_person("Adam Perelman")
    make_person("Felipe Such")

    henrique.sort_name = "Pinto, Henrique Ponde de Oliveira"
    henrique.save()

    assert Person.objects.get(pk=henrique.pk).sort_key == "pinto\thenrique ponde de oliveira"
    assert list(Person.objects.values_list("name", flat=True)) == [
        "Rajeev Nayak",
        "Adam Perelman",
        "Henrique Ponde de Oliveira Pinto",
        "Felipe Such",
    ]


def test_clearing_the_sort_name_goes_back_to_the_default(make_person):
    person = make_person("Joost De Vries", sort_name="Vries, Joost de")

    person.sort_name = ""
    person.save()

    person.refresh_from_db()
    assert person.sort_key == "de vries\tjoost"


def test_a_family_name_sorts_before_longer_family_names_it_begins():
    names = ["Henrique Ponde de Oliveira Pinto", "Zed Oliveira", "Ana Oliveira"]

    in_order = sorted(names, key=sort_key)

    assert in_order == ["Ana Oliveira", "Zed Oliveira", "Henrique Ponde de Oliveira Pinto"]


# Same name


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("  Élodie   Durand ", "ÉLODIE DURAND"),
        ("José Pérez", "JOSE\u0301 PE\u0301REZ"),
        ("Σοφία Παππά", "ΣΟΦΊΑ ΠΑΠΠΆ"),
        ("İlkay Gündoğan", "ilkay GÜNDOĞAN"),
    ],
)
def test_names_differing_in_case_spaces_or_composition_are_the_same_name(name, other):
    assert same_name_key(name) == same_name_key(other)


@pytest.mark.parametrize(
    ("name", "other"),
    [("José Pérez", "José Perez"), ("Straße", "STRASSE"), ("Łukasz", "Lukasz")],
)
def test_names_differing_in_letters_are_not_the_same_name(name, other):
    assert same_name_key(name) != same_name_key(other)


@pytest.mark.parametrize(
    "text",
    ["ÉLODIE", "İSTANBUL", "ΟΔΟΣ", "ΣΑΣ ΣΑΣ", "STRASSE", "Straße", "ẞ", "ǅ", "Ꭰ", "𐐀", "ÅNGSTRÖM"],
)
def test_lower_is_the_databases_lower(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT LOWER(%s)", [text])
        database = cursor.fetchone()[0]

    assert lower(text) == database


def refused(create):
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_the_database_refuses_names_differing_only_in_non_ascii_case(
    make_project, make_section, make_team, make_person
):
    project = make_project()
    section = make_section(project, "ÉLODIE")
    make_team(section, "ÉQUIPE Ω")
    elodie = make_person("Élodie Durand")
    Alias.objects.create(person=elodie, name="ÉLODIE DURAND")

    refusals = [
        refused(lambda: make_section(project, "élodie")),
        refused(lambda: make_team(section, "équipe ω")),
        refused(lambda: Alias.objects.create(person=elodie, name="élodie durand")),
    ]

    assert refusals == [True, True, True]


def reindex_names(database):
    migration = importlib.import_module("people.migrations.0006_reindex_lower_names_on_sqlite")
    migration.reindex_names(database)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="rebuilds SQLite's own indexes")
def test_the_migration_rebuilds_indexes_written_by_sqlites_own_lower(tmp_path):
    path = tmp_path / "written-before.sqlite3"
    with closing(sqlite3.connect(path)) as before:
        for table, column, index in [
            ("people_section", "title", "unique_section_title"),
            ("people_team", "name", "unique_team_name"),
            ("people_alias", "name", "unique_alias_name"),
        ]:
            before.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {column} TEXT)")
            before.execute(f"CREATE UNIQUE INDEX {index} ON {table} (LOWER({column}))")
            before.execute(f"INSERT INTO {table} ({column}) VALUES ('ÉLODIE')")
        before.commit()
    database = DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, alias="before")

    with database.cursor() as cursor:
        broken = cursor.execute("PRAGMA integrity_check").fetchall()
        reindex_names(database)
        checked = cursor.execute("PRAGMA integrity_check").fetchall()
        with pytest.raises(IntegrityError):
            cursor.execute("INSERT INTO people_team (name) VALUES ('élodie')")
    database.close()

    assert broken != [("ok",)]
    assert checked == [("ok",)]
