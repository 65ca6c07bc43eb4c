import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from people.duplicates import each_look_alike, find_groups, look_alikes, spelling_rule
from people.models import Alias, DistinctPair, Person
from tests.admin_pages import page_text

pytestmark = pytest.mark.django_db

DUPLICATES_URL = "/admin/people/person/duplicates/"
DISTINCT_URL = "/admin/people/person/duplicates/different/"


def with_aliases(person, *aliases):
    for alias in aliases:
        Alias.objects.create(person=person, name=alias)
    return person


def found():
    """Return {frozenset of names: (confidence, [rule descriptions])} of every group."""
    return {
        frozenset(Person.objects.get(pk=pk).name for pk in group.person_ids): (
            group.confidence,
            [match.rule.description for match in group.matches],
        )
        for group in find_groups()
    }


@pytest.mark.parametrize(
    ("names", "confidence", "rule"),
    [
        (
            ["David Mély", "David Mélý"],
            "high",
            "Same name up to case, accents, spaces and punctuation",
        ),
        (
            ["david mely", "David Mélý"],
            "high",
            "Same name up to case, accents, spaces and punctuation",
        ),
        (["Filippo Rasso", "Filippo Raso"], "high", "One letter apart"),
        (["Mario Salterelli", "Mario Saltarelli"], "high", "One letter apart"),
        (["Madeline Boyd", "Madelaine Boyd", "Madeleine Boyd"], "high", "One letter apart"),
        (["Sam Altman", "Samuel Altman"], "medium", "Nickname form of the given name"),
        (["Dan Smith", "Daniel Smith"], "medium", "Nickname form of the given name"),
        (["Nick Ryder", "Nicholas Ryder"], "medium", "Nickname form of the given name"),
        (
            ["Michael (Rai) Pokorny", "Rai Pokorny"],
            "high",
            "Same name with or without the nickname in brackets",
        ),
        (
            ["Felipe Such", "Felipe Petroski Such"],
            "medium",
            "Same first and last words, extra words in between",
        ),
        (
            ["Diogo Almeida", "Diogo Moitinho de Almeida"],
            "medium",
            "Same first and last words, extra words in between",
        ),
        (["Justin Jay Wang", "Wang Justin Jay"], "medium", "Same words in another order"),
    ],
)
def test_finder_groups_spellings_of_one_person(make_person, names, confidence, rule):
    for name in names:
        make_person(name)
    make_person("Greg Brockman")

    groups = found()

    assert groups == {frozenset(names): (confidence, [rule] * (len(names) * (len(names) - 1) // 2))}


def test_an_alias_of_one_person_matching_another_persons_name_is_evidence(
    editor_client, make_person
):
    with_aliases(make_person("Jong Wook Kim"), "J. W. Kim")
    make_person("JW Kim")
    make_person("Jamie Kiros")

    groups = found()
    text = page_text(editor_client.get(DUPLICATES_URL))

    assert groups == {
        frozenset(["Jong Wook Kim", "JW Kim"]): ("high", ["An alias of one is a name of the other"])
    }
    assert "“J. W. Kim” (alias of Jong Wook Kim) and “JW Kim”" in text


def test_near_names_of_different_people_are_not_ranked_high(make_person):
    make_person("Shantanu Jain")
    make_person("Shawn Jain")
    make_person("Jing Wang")
    make_person("Jing Yang")
    make_person("Wei Li")
    make_person("Wei Liu")
    make_person("Andrew Chen")
    make_person("Andrea Chen")

    groups = found()

    assert groups == {
        frozenset(["Andrew Chen", "Andrea Chen"]): (
            "medium",
            ["One letter apart, but each is a usual given name"],
        ),
    }


@pytest.mark.parametrize(
    ("word", "other", "score"),
    [
        ("rasso", "raso", 90),
        ("salterelli", "saltarelli", 90),
        ("andrew", "andrea", 70),
        ("chen", "chan", 60),
        ("walker", "wagner", 55),
        ("christopher", "kristopher", None),
        ("wang", "yang", None),
        ("shantanu", "shawn", None),
        ("lin", "liu", None),
    ],
)
def test_spelling_rule_weighs_the_difference(word, other, score):
    rule = spelling_rule(word, other)

    assert (rule.score if rule else None) == score


def test_spellings_that_several_people_use_are_names_of_their_own(make_person):
    for given in ["Ann", "Bo", "Cy"]:
        make_person(f"{given} Zhang")
        make_person(f"{given} Zheng")
    make_person("Filippo Rasso")
    make_person("Filippo Raso")

    groups = found()

    assert groups[frozenset(["Filippo Rasso", "Filippo Raso"])] == ("high", ["One letter apart"])
    assert groups[frozenset(["Ann Zhang", "Ann Zheng"])] == (
        "low",
        ["One letter apart, but several people use each spelling"],
    )


def test_weak_likeness_does_not_chain_different_people_into_one_group(make_person):
    make_person("Mario Salterelli")
    make_person("Mario Saltarelli")
    make_person("Mario Saltorelly")

    groups = found()

    assert groups == {
        frozenset(["Mario Salterelli", "Mario Saltarelli"]): ("high", ["One letter apart"]),
        frozenset(["Mario Salterelli", "Mario Saltorelly"]): ("low", ["Two letters apart"]),
        frozenset(["Mario Saltarelli", "Mario Saltorelly"]): ("low", ["Two letters apart"]),
    }


ONE_WORD_RULE = "A one-word name is the given or family name of the other"


@pytest.mark.parametrize(
    ("single", "longer"),
    [
        ("Cher", "Cher Smith"),
        ("Björk", "Björk Guðmundsdóttir"),
        ("Turing", "Alan Turing"),
        ("O'Brien", "Conan O'Brien"),
    ],
)
def test_finder_pairs_a_one_word_name_with_a_longer_name_it_is_part_of(make_person, single, longer):
    make_person(single)
    make_person(longer)
    make_person("Greg Brockman")

    groups = found()

    assert groups == {frozenset([single, longer]): ("low", [ONE_WORD_RULE])}


def test_finder_and_import_preview_agree_on_one_word_names(make_person):
    known = ["Cher Smith", "Björk Guðmundsdóttir", "Anna Björkman", "Bjorn Borg", "Alan Turing"]
    for name in known:
        make_person(name)
    names = list(Person.objects.values_list("id", "name"))
    new_names = ["Cher", "Björk", "Smith Cher", "Turingg", "Alan"]
    preview = {
        new: sorted(
            alike.spelling for alike in look_alikes([new], names)[new] if alike.rule.score == 40
        )
        for new in new_names
    }
    finder = {}
    for new in new_names:
        person = make_person(new)
        finder[new] = sorted(
            name
            for names_found, (_confidence, rules) in found().items()
            if person.name in names_found and rules == [ONE_WORD_RULE]
            for name in names_found - {person.name}
        )
        person.delete()

    assert (
        finder
        == preview
        == {
            "Cher": ["Cher Smith"],
            "Björk": ["Björk Guðmundsdóttir"],
            "Smith Cher": [],
            "Turingg": [],
            "Alan": ["Alan Turing"],
        }
    )


def test_finder_pairs_a_one_word_alias_with_the_longer_name(make_person):
    with_aliases(make_person("Madonna Ciccone"), "Madonna")
    make_person("Madonna Wayne Gacy")

    groups = found()

    assert groups == {
        frozenset(["Madonna Ciccone", "Madonna Wayne Gacy"]): ("low", [ONE_WORD_RULE])
    }


def test_a_one_word_pair_marked_different_is_not_shown_again(editor_client, make_person):
    cher = make_person("Cher")
    smith = make_person("Cher Smith")

    editor_client.post(DISTINCT_URL, {"first": cher.pk, "second": smith.pk})
    response = editor_client.get(DUPLICATES_URL)

    assert found() == {}
    assert "No possible duplicates" in page_text(response)


def test_duplicates_page_shows_a_one_word_match_at_low_confidence(editor_client, make_person):
    make_person("Cher")
    make_person("Cher Smith")

    response = editor_client.get(DUPLICATES_URL)

    text = page_text(response)
    assert "Low confidence (40): Cher / Cher Smith" in text
    assert f"<strong>{ONE_WORD_RULE}</strong> (low, 40):" in text
    assert "“Cher” and “Cher Smith”" in text


def test_duplicates_page_lists_groups_with_evidence_counts_and_projects(
    editor_client, make_project, make_section, make_team, make_credit, make_person
):
    section = make_section(make_project("GPT-4V", "gpt-4v"), "Additional contributions")
    legal = make_team(section, "Legal")
    make_credit(make_person("Filippo Rasso"), team=legal)
    raso = with_aliases(make_person("Filippo Raso"), "F. Raso")
    make_credit(raso, section=section, title="Legal lead")
    make_person("Shantanu Jain")
    make_person("Shawn Jain")

    response = editor_client.get(DUPLICATES_URL)

    assert response.status_code == 200
    text = page_text(response)
    assert "1 group of people who are probably one person" in text
    assert "High confidence (90): Filippo Raso / Filippo Rasso" in text
    assert "<strong>One letter apart</strong> (high, 90):" in text
    assert "“Filippo Rasso” and “Filippo Raso”" in text
    assert "F. Raso" in text
    assert text.count("<td>GPT-4V</td>") == 2
    assert "Shawn" not in text


def test_duplicates_page_links_from_the_people_list(editor_client):
    response = editor_client.get(reverse("admin:people_person_changelist"))

    assert f'href="{DUPLICATES_URL}"' in response.content.decode()


def test_marking_a_pair_as_different_people_hides_it(editor_client, editor, make_person):
    shawn = make_person("Shawn Jain")
    shaun = make_person("Shaun Jain")
    make_person("Mario Salterelli")
    make_person("Mario Saltarelli")

    response = editor_client.post(DISTINCT_URL, {"first": shaun.pk, "second": shawn.pk})

    assert response.status_code == 302
    pair = DistinctPair.objects.get()
    assert (pair.first, pair.second, pair.decided_by) == (shawn, shaun, editor)
    page = page_text(editor_client.get(response.url))
    assert "recorded as different people" in page
    assert "“Shawn Jain” and “Shaun Jain” are recorded as different people" in page
    assert "Mario Salterelli" in page
    assert page.count("Shaun Jain") == 1


def test_a_pair_marked_different_leaves_the_rest_of_its_group(editor_client, make_person):
    madeline = make_person("Madeline Boyd")
    madelaine = make_person("Madelaine Boyd")
    madeleine = make_person("Madeleine Boyd")

    editor_client.post(DISTINCT_URL, {"first": madeline.pk, "second": madelaine.pk})

    groups = find_groups()
    assert [sorted(group.person_ids) for group in groups] == [
        sorted([madeline.pk, madelaine.pk, madeleine.pk])
    ]
    assert {(match.first_id, match.second_id) for match in groups[0].matches} == {
        tuple(sorted([madeline.pk, madeleine.pk])),
        tuple(sorted([madelaine.pk, madeleine.pk])),
    }


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("", "", "Choose two different people to mark as different."),
        ("x", "someone", "Choose two different people to mark as different."),
        ("someone", "someone", "Choose two different people to mark as different."),
        ("someone", "999999", "One of these people no longer exists; nothing was recorded."),
    ],
)
def test_marking_different_with_bad_input_says_so_and_records_nothing(
    editor_client, make_person, first, second, message
):
    someone = str(make_person("Someone Else").pk)
    data = {
        "first": first.replace("someone", someone),
        "second": second.replace("someone", someone),
    }

    response = editor_client.post(DISTINCT_URL, data, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DistinctPair.objects.exists()


def test_marking_different_needs_a_post(editor_client):
    response = editor_client.get(DISTINCT_URL)

    assert response.status_code == 405


def test_marking_different_twice_keeps_one_decision(editor_client, make_person):
    first = make_person("Shawn Jain")
    second = make_person("Shaun Jain")

    editor_client.post(DISTINCT_URL, {"first": first.pk, "second": second.pk})
    editor_client.post(DISTINCT_URL, {"first": second.pk, "second": first.pk})

    assert DistinctPair.objects.count() == 1


def test_staff_without_change_person_permission_gets_403(client, make_person):
    viewer = User.objects.create_user("viewer", password="viewer-password-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(viewer)
    first = make_person("Shawn Jain")
    second = make_person("Shaun Jain")

    page = client.get(DUPLICATES_URL)
    decision = client.post(DISTINCT_URL, {"first": first.pk, "second": second.pk})

    assert (page.status_code, decision.status_code) == (403, 403)
    assert not DistinctPair.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(DUPLICATES_URL)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def far_apart_word(number):
    """A word at least four letters away from the word of every other number below 676."""
    return chr(97 + number % 26) * 4 + chr(97 + number // 26) * 4


def test_duplicates_page_paginates_groups(editor_client, make_person):
    for number in range(52):
        make_person(f"Ada {far_apart_word(number)}")
        make_person(f"ADA {far_apart_word(number)}")

    first_page = editor_client.get(DUPLICATES_URL).content.decode()
    last_page = editor_client.get(DUPLICATES_URL + "?page=2").content.decode()

    assert "52 groups" in first_page
    assert first_page.count('class="module duplicate-group"') == 50
    assert last_page.count('class="module duplicate-group"') == 2
    assert "Page 2 of 2" in last_page


@pytest.fixture
def make_groups(make_section, make_team, make_person, make_credit):
    """Make `number` groups of two people in a new section of `project`, each with a credit."""

    def make(number, project):
        team = make_team(make_section(project, f"Section {number}"), "Team")
        start = Person.objects.count() // 2
        for index in range(start, start + number):
            for name in (f"Ada {far_apart_word(index)}", f"ADA {far_apart_word(index)}"):
                make_credit(with_aliases(make_person(name), f"{name} Alias"), team=team)

    return make


def test_duplicates_page_query_count_does_not_grow_with_groups(
    editor_client, django_assert_max_num_queries, make_project, make_groups
):
    project = make_project("GPT-4V", "gpt-4v")
    make_groups(3, project)
    with django_assert_max_num_queries(12) as few:
        editor_client.get(DUPLICATES_URL)
    make_groups(40, project)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_client.get(DUPLICATES_URL)

    assert response.content.decode().count('class="module duplicate-group"') == 43


def test_names_on_the_duplicates_page_are_escaped(editor_client, make_person):
    make_person("Eve <script>alert(1)</script> Adams")
    make_person("EVE <script>alert(1)</script> ADAMS")

    text = editor_client.get(DUPLICATES_URL).content.decode()

    assert "<script>alert(1)</script>" not in text
    assert "Eve &lt;script&gt;alert(1)&lt;/script&gt; Adams" in text


# Look-alikes of names not yet in the database (an import's new people)


def best_look_alikes(new_names, people, aliases=()):
    """Return {new name: (spelling, person id or None, rule description) of its best look-alike}."""
    found = look_alikes(new_names, list(enumerate(people, start=1)), aliases)
    return {
        name: (alikes[0].spelling, alikes[0].person_id, alikes[0].rule.description)
        if alikes
        else None
        for name, alikes in found.items()
    }


def test_look_alikes_flag_what_the_import_preview_flags():
    people = ["Madeleine Boyd", "Daniel Levy"]
    new_names = ["Madeline Boyd", "Dan Levy", "Filippo Rasso", "Filippo Raso", "Alec Radford"]

    found = best_look_alikes(new_names, people)

    assert found == {
        "Madeline Boyd": ("Madeleine Boyd", 1, "One letter apart"),
        "Dan Levy": ("Daniel Levy", 2, "Nickname form of the given name"),
        "Filippo Rasso": None,
        "Filippo Raso": ("Filippo Rasso", None, "One letter apart"),
        "Alec Radford": None,
    }


@pytest.mark.parametrize(
    ("person", "new_name", "rule"),
    [
        ("Robert (Bob) Smith", "Bob Smith", "Same name with or without the nickname in brackets"),
        ("Robert Smith", "Bob Smith", "Nickname form of the given name"),
        ("Christopher Hesse", "Chris Hesse", "Nickname form of the given name"),
        ("José Pérez", "José Perez", "Same name up to case, accents, spaces and punctuation"),
        (
            "Felipe Petroski Such",
            "Felipe Such",
            "Same first and last words, extra words in between",
        ),
        ("Justin Jay Wang", "Wang Justin Jay", "Same words in another order"),
        ("Mario Salterelli", "Mario Saltorelly", "Two letters apart"),
        # Looser likenesses, asked about for a new name but not listed by the finder.
        ("John Smith", "J. Smith", "Same family name, given names alike or an initial"),
        ("Wojciech Zaremba", "Wojtek Zaremba", "Same family name, given names alike or an initial"),
        ("Tao Xu", "Tao Xue", "Similar spelling, same initials"),
        ("Madeleine Boyd", "Madeline Boid", "Similar spelling, same initials"),
    ],
)
def test_look_alikes_name_the_rule(person, new_name, rule):
    assert best_look_alikes([new_name], [person]) == {new_name: (person, 1, rule)}


def test_look_alikes_find_other_spellings_in_the_database(make_person):
    kim = with_aliases(make_person("Jong Wook Kim"), "J. W. Kim")
    make_person("Jamie Kiros")

    found = look_alikes(
        ["JW Kim"],
        Person.objects.values_list("id", "name"),
        Alias.objects.values_list("person_id", "name"),
    )

    [alike] = found["JW Kim"]
    assert (alike.spelling, alike.person_id, alike.is_alias) == ("J. W. Kim", kim.pk, True)
    assert (alike.rule.description, alike.score, alike.confidence) == (
        "An alias of one is a name of the other",
        95,
        "high",
    )


def test_look_alikes_come_best_first_one_per_person():
    people = [(1, "Madeleine Boyd"), (2, "Madelaine Boyd"), (3, "Sam Altman")]
    aliases = [(1, "Madeleine B. Boyd")]

    found = look_alikes(["Madeline Boyd", "Madeline Boid"], people, aliases)

    assert [(a.spelling, a.person_id, a.score) for a in found["Madeline Boyd"]] == [
        ("Madelaine Boyd", 2, 90),
        ("Madeleine Boyd", 1, 90),
    ]
    assert [(a.spelling, a.person_id, a.score) for a in found["Madeline Boid"]] == [
        ("Madeline Boyd", None, 60),
        ("Madelaine Boyd", 2, 50),
        ("Madeleine Boyd", 1, 50),
    ]


def test_a_new_name_is_compared_with_earlier_new_names_only():
    found = best_look_alikes(["Filippo Rasso", "Ada Lovelace", "Filippo Raso"], [])

    assert found == {
        "Filippo Rasso": None,
        "Ada Lovelace": None,
        "Filippo Raso": ("Filippo Rasso", None, "One letter apart"),
    }


def test_different_names_are_not_look_alikes():
    people = ["Jing Wang", "Wei Li", "Andrew Chen", "Shantanu Jain"]

    found = best_look_alikes(["Jing Yang", "Wei Lu", "Kim Chen", "Ana Jain"], people)

    assert found == {"Jing Yang": None, "Wei Lu": None, "Kim Chen": None, "Ana Jain": None}


@pytest.mark.parametrize(
    ("new", "known"),
    [
        ("Björk", "Björk Guðmundsdóttir"),
        ("Turing", "Alan Turing"),
        ("Alan Turing", "Turing"),
    ],
)
def test_a_one_word_name_resembles_a_longer_name_it_is_part_of_at_low_confidence(new, known):
    found = look_alikes([new], [(1, known)])

    [alike] = found[new]
    assert (alike.spelling, alike.person_id) == (known, 1)
    assert alike.rule.description == "A one-word name is the given or family name of the other"
    assert alike.confidence == "low"


def test_a_one_word_name_does_not_resemble_a_name_it_is_not_part_of():
    assert look_alikes(["Björk"], [(1, "Bjorn Borg"), (2, "Anna Björkman")]) == {"Björk": []}


def test_a_name_late_in_a_long_file_is_compared_with_the_database_and_the_first_new_names():
    fillers = [f"Volunteer {number:04}" for number in range(2000)]
    new_names = ["Filippo Rasso", *fillers, "Filippo Raso", "Madeline Boyd"]

    found = look_alikes(new_names, [(1, "Madeleine Boyd")])

    assert [alike.spelling for alike in found["Filippo Raso"]] == ["Filippo Rasso"]
    assert [alike.spelling for alike in found["Madeline Boyd"]] == ["Madeleine Boyd"]


def test_look_alikes_found_one_by_one_are_those_found_at_once():
    fillers = [f"Bulk Person {number:07}" for number in range(600)]
    new_names = ["Filippo Rasso", *fillers, "Filippo Raso", "Madeline Boyd", "Bo Chen"]
    people = [(1, "Madeleine Boyd"), (2, "Bob Chen")]

    one_by_one = each_look_alike(new_names, people)
    first = next(one_by_one)

    assert first == ("Filippo Rasso", [])
    assert dict([first, *one_by_one]) == look_alikes(new_names, people)
