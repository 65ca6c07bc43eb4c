import pytest

from people.models import Person
from people.sorting import default_sort_name, sort_key

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


def test_a_sort_name_override_takes_effect_on_save():
    Person.objects.create(name="Rajeev Nayak", slug="rajeev-nayak")
    henrique = Person.objects.create(
        name="Henrique Ponde de Oliveira Pinto", slug="henrique-ponde-de-oliveira-pinto"
    )
    Person.objects.create(name="Adam Perelman", slug="adam-perelman")
    Person.objects.create(name="Felipe Such", slug="felipe-such")

    henrique.sort_name = "Pinto, Henrique Ponde de Oliveira"
    henrique.save()

    assert Person.objects.get(pk=henrique.pk).sort_key == "pinto\thenrique ponde de oliveira"
    assert list(Person.objects.values_list("name", flat=True)) == [
        "Rajeev Nayak",
        "Adam Perelman",
        "Henrique Ponde de Oliveira Pinto",
        "Felipe Such",
    ]


def test_clearing_the_sort_name_goes_back_to_the_default():
    person = Person.objects.create(name="Joost De Vries", sort_name="Vries, Joost de", slug="jdv")

    person.sort_name = ""
    person.save()

    person.refresh_from_db()
    assert person.sort_key == "de vries\tjoost"


def test_a_family_name_sorts_before_longer_family_names_it_begins():
    names = ["Henrique Ponde de Oliveira Pinto", "Zed Oliveira", "Ana Oliveira"]

    in_order = sorted(names, key=sort_key)

    assert in_order == ["Ana Oliveira", "Zed Oliveira", "Henrique Ponde de Oliveira Pinto"]
