"""People in the admin: sort keys, search, other spellings, links, page addresses, the
warnings about a name two people go by, and deleting."""

import pytest

from people.models import Alias, DistinctPair, Person
from people.sorting import sort_key
from tests.admin_pages import errors_of, messages_after, url

pytestmark = pytest.mark.django_db


def test_add_person_computes_the_sort_key(editor_client, submit_form):
    response = submit_form(
        editor_client, url(Person, "add"), name="  Łukasz   Kondraciuk ", slug="lk"
    )

    assert response.status_code == 302
    person = Person.objects.get(slug="lk")
    assert person.name == "Łukasz Kondraciuk"
    assert person.sort_key == sort_key("Łukasz Kondraciuk")
    assert person.sort_key.startswith("kondraciuk")
    change = editor_client.get(url(Person, "change", person.pk))
    assert person.sort_key in change.content.decode()


def test_person_add_form_prepopulates_the_slug_and_explains_the_sort_key(editor_client):
    response = editor_client.get(url(Person, "add"))

    html = response.content.decode()
    assert "&quot;id&quot;: &quot;#id_slug&quot;" in html
    assert "&quot;dependency_ids&quot;: [&quot;#id_name&quot;]" in html
    assert "Leave empty to sort by the family name worked out from the name." in html
    assert "Lists of people are ordered by the sort key." in html


def test_person_form_lists_every_credit_with_its_project(editor_client, one_of_each):
    response = editor_client.get(url(Person, "change", one_of_each["raul"].pk))

    html = response.content.decode()
    assert "Overall lead" in html
    assert "GPT-4V" in html
    assert response.context["inline_admin_formsets"][1].formset.total_form_count() == 1


def test_distinct_pair_of_one_person_is_refused(editor_client, submit_form, one_of_each):
    david = one_of_each[Person].pk

    response = submit_form(editor_client, url(DistinctPair, "add"), first=david, second=david)

    assert errors_of(response) == "Choose two different people."
    assert DistinctPair.objects.count() == 1


# Search


def search_people(client, term):
    response = client.get(url(Person, "changelist"), {"q": term})
    return [person.name for person in response.context["cl"].result_list]


def test_person_search_ignores_accents_and_case(editor_client, one_of_each, make_person):
    make_person("Ann Meller")

    results = [search_people(editor_client, q) for q in ["mely", "MÉLÝ", "mely david", "puri"]]

    assert results == [["David Mélý"], ["David Mélý"], ["David Mélý"], ["Raul Puri"]]


def test_person_search_finds_other_spellings(editor_client, one_of_each):
    before = search_people(editor_client, "Dave")
    Alias.objects.create(person=one_of_each["raul"], name="Dave Puri")

    after = search_people(editor_client, "Dave")

    assert (before, after) == ([], ["Raul Puri"])


def test_person_autocomplete_returns_matches(editor_client, one_of_each):
    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "people", "model_name": "credit", "field_name": "person", "term": "mely"},
    )

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(one_of_each[Person].pk), "text": "David Mélý"}]


# Other spellings, which ignore case


def test_duplicate_alias_in_the_person_form_is_refused(editor_client, submit_form, one_of_each):
    david = one_of_each[Person]

    response = submit_form(
        editor_client,
        url(Person, "change", david.pk),
        {"aliases-TOTAL_FORMS": "2", "aliases-1-name": "DAVID mely"},
    )

    assert "This person already has this other spelling." in errors_of(response)
    assert david.aliases.count() == 1


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("Dave Mely", "“Dave Mely” is listed twice."),
        (
            "dave mely",
            "“dave mely” repeats “Dave Mely”: names that differ only in case are the same.",
        ),
    ],
)
def test_same_new_alias_twice_in_the_person_form_is_refused(
    editor_client, submit_form, one_of_each, second, message
):
    david = one_of_each[Person]

    response = submit_form(
        editor_client,
        url(Person, "change", david.pk),
        {"aliases-TOTAL_FORMS": "3", "aliases-1-name": "Dave Mely", "aliases-2-name": second},
    )

    assert "Please correct the names listed twice." in errors_of(response)
    assert message in response.content.decode()
    assert david.aliases.count() == 1


def test_duplicate_alias_in_the_alias_form_is_refused(editor_client, submit_form, one_of_each):
    response = submit_form(
        editor_client, url(Alias, "add"), person=one_of_each[Person].pk, name="david MELY"
    )

    assert errors_of(response) == "This person already has this other spelling."
    assert Alias.objects.count() == 1


@pytest.mark.parametrize("spelling", ["DAVID MÉLÝ", "david mélý"])
# SQLite lowers only ASCII by itself: this is the run that proves people.apps gives it LOWER.
@pytest.mark.sqlite
def test_an_alias_differing_only_in_non_ascii_case_is_refused(
    editor_client, submit_form, one_of_each, spelling
):
    david = one_of_each[Person]
    Alias.objects.create(person=david, name="David Mélý")

    alone = submit_form(editor_client, url(Alias, "add"), person=david.pk, name=spelling)
    together = submit_form(
        editor_client,
        url(Person, "change", david.pk),
        {"aliases-TOTAL_FORMS": "4", "aliases-2-name": "Élodie", "aliases-3-name": "ÉLODIE"},
    )

    assert errors_of(alone) == "This person already has this other spelling."
    assert "Please correct the names listed twice." in errors_of(together)
    assert david.aliases.count() == 2


# Links


@pytest.mark.parametrize(
    ("orcid", "message"),
    [
        (
            "nonsense",
            "Enter the ORCID iD as four groups of four digits, e.g. 0000-0002-1825-0097 "
            "(the very last character may be X).",
        ),
        (
            "0000-0002-1825-0098",
            "“0000-0002-1825-0098” is not an ORCID iD: its last character does not match the "
            "others. Check it for a typo.",
        ),
    ],
)
def test_a_wrong_orcid_is_refused_with_a_message(
    editor_client, submit_form, one_of_each, orcid, message
):
    david = one_of_each[Person]

    response = submit_form(editor_client, url(Person, "change", david.pk), orcid=orcid)

    assert response.context["adminform"].form.errors == {"orcid": [message]}
    david.refresh_from_db()
    assert david.orcid == ""


@pytest.mark.parametrize(
    "typed",
    [
        "0000-0002-1694-233X",
        " 0000-0002-1694-233x ",
        "https://orcid.org/0000-0002-1694-233X",
        "orcid.org/0000-0002-1694-233x",
    ],
)
def test_an_orcid_is_stored_as_the_bare_id(editor_client, submit_form, one_of_each, typed):
    david = one_of_each[Person]

    response = submit_form(editor_client, url(Person, "change", david.pk), orcid=typed)

    assert response.status_code == 302, errors_of(response)
    david.refresh_from_db()
    assert david.orcid == "0000-0002-1694-233X"


@pytest.mark.parametrize(
    ("homepage", "message"),
    [
        ("ftp://example.org/david", "Enter a web address starting with http:// or https://."),
        ("mailto:david@example.org", "Enter a valid URL."),
    ],
)
def test_a_homepage_other_than_a_web_address_is_refused(
    editor_client, submit_form, one_of_each, homepage, message
):
    david = one_of_each[Person]

    response = submit_form(editor_client, url(Person, "change", david.pk), homepage=homepage)

    assert response.context["adminform"].form.errors == {"homepage": [message]}


def test_a_homepage_typed_without_a_scheme_is_https(editor_client, submit_form, one_of_each):
    david = one_of_each[Person]

    submit_form(editor_client, url(Person, "change", david.pk), homepage="example.org/david")

    david.refresh_from_db()
    assert david.homepage == "https://example.org/david"


# Page addresses


def test_a_taken_page_address_is_refused_with_a_free_one_suggested(
    editor_client, submit_form, one_of_each
):
    # "david-mely" is David Mélý's address and "david-mely-2" an old one that leads to him.
    response = submit_form(editor_client, url(Person, "add"), name="David Mely", slug="david-mely")

    assert response.context["adminform"].form.errors == {
        "slug": ["Another person, David Mélý, has the page address “david-mely”. Try david-mely-3."]
    }
    assert Person.objects.filter(name="David Mely").count() == 0


def test_an_old_address_of_a_merged_person_is_refused(editor_client, submit_form, one_of_each):
    response = submit_form(
        editor_client, url(Person, "add"), name="David Mely", slug="david-mely-2"
    )

    assert response.context["adminform"].form.errors == {
        "slug": [
            "“david-mely-2” is an old page address that now leads to David Mélý. Try david-mely-3."
        ]
    }


def test_the_suggested_address_can_be_used(editor_client, submit_form, one_of_each):
    response = submit_form(
        editor_client, url(Person, "add"), name="David Mely", slug="david-mely-3"
    )

    assert response.status_code == 302
    assert Person.objects.get(slug="david-mely-3").name == "David Mely"


def test_a_person_keeps_their_own_address_and_may_take_back_an_old_one(
    editor_client, submit_form, one_of_each
):
    david = one_of_each[Person]

    unchanged = submit_form(editor_client, url(Person, "change", david.pk))
    old = submit_form(editor_client, url(Person, "change", david.pk), slug="david-mely-2")

    assert (unchanged.status_code, old.status_code) == (302, 302)
    david.refresh_from_db()
    assert david.slug == "david-mely-2"


# Names shared between people


@pytest.fixture
def madeline(make_person):
    madeline = make_person("Madeline Boyd")
    Alias.objects.create(person=madeline, name="Madeleine Boyd")
    return madeline


def merge_link(*people):
    ids = ",".join(str(person.pk) for person in people)
    return f'<a href="{url(Person, "changelist")}?id__in={ids}">merge them</a>'


def change_link(person):
    return f'<a href="{url(Person, "change", person.pk)}">{person.name}</a>'


def test_a_new_person_named_as_another_persons_other_spelling_is_saved_with_a_warning(
    editor_client, submit_form, madeline
):
    response = submit_form(
        editor_client, url(Person, "add"), name="Madeleine Boyd", slug="madeleine-boyd"
    )

    shown = messages_after(editor_client, response)
    madeleine = Person.objects.get(slug="madeleine-boyd")
    assert shown[-1] == (
        f"“Madeleine Boyd” is also another spelling of {change_link(madeline)} — "
        f"if they are the same person, {merge_link(madeline, madeleine)}."
    )
    merge_list = editor_client.get(
        f"{url(Person, 'changelist')}?id__in={madeline.pk},{madeleine.pk}"
    )
    assert set(merge_list.context["cl"].result_list) == {madeline, madeleine}


def test_an_other_spelling_that_is_another_persons_name_or_spelling_is_saved_with_a_warning(
    editor_client, submit_form, one_of_each, madeline, make_person
):
    david = one_of_each[Person]
    kim = make_person("Kim Lee")

    response = submit_form(
        editor_client,
        url(Person, "change", david.pk),
        {
            "aliases-TOTAL_FORMS": "3",
            "aliases-1-name": "kim lee",
            "aliases-2-name": "Madeleine Boyd",
        },
    )

    shown = messages_after(editor_client, response)
    assert shown[1:] == [
        f"The other spelling “Madeleine Boyd” is also another spelling of {change_link(madeline)}"
        f" — if they are the same person, {merge_link(david, madeline)}.",
        f"The other spelling “kim lee” is also the name of {change_link(kim)} — "
        f"if they are the same person, {merge_link(david, kim)}.",
    ]
    assert david.aliases.count() == 3


def test_an_alias_added_on_its_own_is_saved_with_a_warning(
    editor_client, submit_form, one_of_each, make_person
):
    kim = make_person("Kim Lee")

    response = submit_form(editor_client, url(Alias, "add"), person=kim.pk, name="David Mely")

    shown = messages_after(editor_client, response)
    assert shown[-1] == (
        f"The other spelling “David Mely” is also another spelling of "
        f"{change_link(one_of_each[Person])} — if they are the same person, "
        f"{merge_link(one_of_each[Person], kim)}."
    )


# SQLite lowers only ASCII by itself: this is the run that proves people.apps gives it LOWER.
@pytest.mark.sqlite
def test_a_spelling_differing_only_in_non_ascii_case_is_saved_with_a_warning(
    editor_client, submit_form, make_person
):
    elodie = make_person("Élodie Durand")
    kim = make_person("Kim Lee")

    response = submit_form(editor_client, url(Alias, "add"), person=kim.pk, name="ÉLODIE DURAND")

    shown = messages_after(editor_client, response)
    assert shown[-1] == (
        f"The other spelling “ÉLODIE DURAND” is also the name of {change_link(elodie)}"
        f" — if they are the same person, {merge_link(elodie, kim)}."
    )


def test_no_warning_for_people_recorded_as_different(editor_client, submit_form, one_of_each):
    # one_of_each records David Mélý and Raul Puri as different people.
    raul = one_of_each["raul"]

    response = submit_form(editor_client, url(Alias, "add"), person=raul.pk, name="David Mely")

    assert len(messages_after(editor_client, response)) == 1


def test_two_people_of_one_name_are_saved_with_a_warning(editor_client, submit_form, one_of_each):
    response = submit_form(editor_client, url(Person, "add"), name="Raul Puri", slug="raul-puri-2")

    shown = messages_after(editor_client, response)
    raul = one_of_each["raul"]
    other = Person.objects.get(slug="raul-puri-2")
    assert shown[-1] == (
        f"“Raul Puri” is also the name of another person, {change_link(raul)} — "
        f"if they are the same person, {merge_link(raul, other)}."
    )


def test_no_warning_for_a_name_of_ones_own(editor_client, submit_form, one_of_each):
    response = submit_form(
        editor_client, url(Person, "change", one_of_each[Person].pk), name="David Mely"
    )

    assert len(messages_after(editor_client, response)) == 1


def test_shared_name_warnings_escape_names(editor_client, submit_form, make_person):
    make_person("<b>Kim</b>", slug="kim")

    response = submit_form(editor_client, url(Person, "add"), name="<b>Kim</b>", slug="kim-2")

    page = editor_client.get(response["Location"]).content.decode()
    assert "“&lt;b&gt;Kim&lt;/b&gt;” is also the name of another person" in page
    assert "<b>Kim</b>" not in page


# Deleting what still carries credits


def test_deleting_a_person_with_credits_is_refused(editor_client, one_of_each):
    david = one_of_each[Person]

    page = editor_client.get(url(Person, "delete", david.pk))
    post = editor_client.post(url(Person, "delete", david.pk), {"post": "yes"})

    for response in [page, post]:
        assert response.status_code == 200
        html = response.content.decode()
        assert "would require deleting the following protected related objects" in html
        assert "David Mélý (Architecture research)" in html
    assert Person.objects.filter(pk=david.pk).exists()


def test_deleting_people_in_bulk_is_refused_while_they_have_credits(editor_client, one_of_each):
    action = {"action": "delete_selected", "_selected_action": [one_of_each[Person].pk]}

    response = editor_client.post(url(Person, "changelist"), {**action, "post": "yes"})

    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Person.objects.count() == 2


def test_deleting_a_person_without_credits_works(editor_client, one_of_each, make_person):
    kim = make_person("Kim Lee")

    response = editor_client.post(url(Person, "delete", kim.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Person.objects.filter(pk=kim.pk).exists()
