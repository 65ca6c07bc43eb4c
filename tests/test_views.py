import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    Mention,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Section,
    Team,
)
from people.sorting import sort_key
from people.versions import publish
from tests.html_tree import parse

pytestmark = pytest.mark.django_db

# An anonymous reader's project page: the project with its latest version's id (the
# cache key), that version, the names it was published with (people.views), and which
# of its other spellings are public now, when it holds any (people.versions).
PROJECT_PAGE_QUERIES = 4
# The database's page generation, the person, their public other spellings, and the published
# names of the person in current versions with those versions (people.views).
PERSON_PAGE_QUERIES = 4
# The people found, their other spellings, and the current versions naming them
# (people.search).
SEARCH_QUERIES = 3


def names(node):
    return [link.text() for link in node.find_all("a", "person")]


@pytest.fixture
def page_project(make_project, make_person, make_section, make_team, make_credit):
    """A small published project, its credits entered out of alphabetical order."""
    assembler = make_person("Raul Puri")
    project = make_project(
        title="Vision credits",
        slug="vision",
        intro="First paragraph.\n\nOur work consists of:",
        closing_text="These credits reflect many people.",
        citation="Example Lab (2023)",
        assembled_by=assembler,
    )
    Resource.objects.create(
        project=project, title="Report", url="https://example.org/report", position=1
    )
    Resource.objects.create(
        project=project, title="System card", url="https://example.org/card", position=2
    )
    research = make_section(project, "Research contributions", position=1)
    safety = make_section(project, "Safety contributions", position=2)
    data = make_team(research, "Data", position=2)
    architecture = make_team(research, "Architecture research", position=1)
    unheaded = make_team(safety, "", position=1)
    for name in ["Paul Röttger", "Zoe Zed", "Diogo Moitinho de Almeida", "Łukasz Kondraciuk"]:
        make_credit(name, team=data)
    make_credit(assembler, team=architecture)
    make_credit("Zoe Zed", team=unheaded)
    make_credit(assembler, section=research, title="Research engineering lead")
    make_credit("Hyeonwoo Noh", section=research, title="Pretraining lead")
    thanks = Acknowledgment.objects.create(project=project, text="We thank our red teamers:")
    for name in ["Uwe Peters", "Sally Applin"]:
        Mention.objects.create(acknowledgment=thanks, person=make_person(name))
    Acknowledgment.objects.create(project=project, text="We thank Microsoft.", position=1)
    publish(project)
    return project


def test_home_lists_published_projects_only(client, make_project, make_section, make_credit):
    published = make_project(title="Published work", slug="published")
    make_credit("Ada Lovelace", section=make_section(published), title="Lead")
    publish(published)
    make_project(title="Secret draft", slug="secret", is_published=False)

    page = parse(client.get("/").text)

    links = page.find("ul", "project-list").find_all("a")
    assert [(a.text(), a.attrs["href"]) for a in links] == [
        ("Published work", "/credits/published/")
    ]
    assert "Secret draft" not in page.text()


def test_home_shows_drafts_to_staff_marked_as_drafts(editor_client, make_project):
    make_project(title="Published work", slug="published")
    make_project(title="Secret draft", slug="secret", is_published=False)

    items = parse(editor_client.get("/").text).find("ul", "project-list").find_all("li")

    assert [item.text() for item in items][1] == "Secret draft Draft"
    assert items[1].find("a").attrs["href"] == "/credits/secret/"


def test_draft_project_is_not_found_for_the_public(client, make_project):
    make_project(slug="secret", is_published=False)
    client.force_login(User.objects.create_user("reader"))

    response = client.get("/credits/secret/")

    assert response.status_code == 404
    assert "Page not found" in parse(response.text).find("h1").text()


def test_staff_see_a_draft_with_a_banner(editor_client, make_project):
    make_project(title="Secret draft", slug="secret", is_published=False)

    response = editor_client.get("/credits/secret/")

    assert response.status_code == 200
    assert (
        "Draft. This page is not published" in parse(response.text).find("p", "draft-banner").text()
    )


def test_published_page_has_no_draft_banner(client, page_project):
    page = parse(client.get("/credits/vision/").text)

    assert page.find_all("p", "draft-banner") == []


def test_unknown_project_is_not_found(client):
    assert client.get("/credits/nothing-here/").status_code == 404


def test_page_outline_one_h1_then_sections_in_order(client, page_project):
    page = parse(client.get("/credits/vision/").text)

    assert [h1.text() for h1 in page.find_all("h1")] == ["Vision credits"]
    assert [h2.text() for h2 in page.find_all("h2")] == [
        "Authorship, credit attribution, and acknowledgments",
        "Research contributions",
        "Safety contributions",
        "Acknowledgments",
    ]
    research = page.by_id("research-contributions")
    assert [h3.text() for h3 in research.find_all("h3")] == ["Architecture research", "Data"]


def test_intro_resources_and_closing_text(client, page_project):
    intro = parse(client.get("/credits/vision/").text).find("div", "intro")

    assert [p.text() for p in intro.find_all("p")] == [
        "First paragraph.",
        "Our work consists of:",
        "These credits reflect many people.",
    ]
    links = intro.find("ul", "resources").find_all("a")
    assert [(a.text(), a.attrs["href"]) for a in links] == [
        ("Report", "https://example.org/report"),
        ("System card", "https://example.org/card"),
    ]


def test_citation_block_names_the_citation_and_the_assembler(client, page_project):
    authorship = parse(client.get("/credits/vision/").text).by_id("authorship")

    text = authorship.find("p", "citation").text()
    assert "please cite it as “Example Lab (2023)”." in text
    assert "Contributions are sorted alphabetically. Assembled by Raul Puri." in text
    assembler = authorship.find("a", "person")
    assert (assembler.text(), assembler.attrs["href"]) == ("Raul Puri", "/people/raul-puri/")


def test_the_page_links_to_every_file(client, page_project):
    page = parse(client.get("/credits/vision/").text)

    links = page.by_id("authorship").find("ul", "downloads").find_all("a")

    assert [(a.text(), a.attrs["href"]) for a in links] == [
        ("CITATION.cff", "/credits/vision/CITATION.cff"),
        ("BibTeX", "/credits/vision/citation.bib"),
        ("JSON", "/credits/vision/credits.json"),
        ("CSV", "/credits/vision/credits.csv"),
    ]


def test_team_names_in_family_name_order_whatever_the_entry_order(client, page_project):
    team = parse(client.get("/credits/vision/").text).by_id("research-contributions--data")

    assert names(team) == [
        "Diogo Moitinho de Almeida",
        "Łukasz Kondraciuk",
        "Paul Röttger",
        "Zoe Zed",
    ]


def test_a_copied_team_list_reads_comma_separated(client, page_project):
    team = parse(client.get("/credits/vision/").text).by_id("research-contributions--data")

    assert team.find("ul", "names").text() == (
        "Diogo Moitinho de Almeida, Łukasz Kondraciuk, Paul Röttger, Zoe Zed"
    )


def test_names_sort_by_sort_key_not_by_database_collation(
    client, make_project, make_section, make_team, make_credit
):
    project = make_project()
    team = make_team(make_section(project, "Credits"), "Team")
    # A collation that ignores spaces would put "Vance" before "Van Dyke".
    for name in ["Bob Vance", "Anna Van Dyke"]:
        make_credit(name, team=team)
    publish(project)

    page = parse(client.get("/credits/example/").text)

    assert names(page.by_id("credits--team")) == ["Anna Van Dyke", "Bob Vance"]


def test_an_editors_sort_name_moves_the_person_once_published(client, page_project):
    zoe = Person.objects.get(name="Zoe Zed")
    zoe.sort_name = "Aardvark, Zoe"
    zoe.save()
    publish(page_project)

    team = parse(client.get("/credits/vision/").text).by_id("research-contributions--data")

    assert names(team)[0] == "Zoe Zed"


def test_lead_lines_with_titles_sorted_under_their_section(client, page_project):
    research = parse(client.get("/credits/vision/").text).by_id("research-contributions")

    leads = research.find("ul", "leads").find_all("li", "lead")
    assert [lead.text() for lead in leads] == [
        "Hyeonwoo Noh Pretraining lead",
        "Raul Puri Research engineering lead",
    ]
    assert [lead.find("span", "credit-title").text() for lead in leads] == [
        "Pretraining lead",
        "Research engineering lead",
    ]


def test_a_member_title_follows_the_name(client, page_project, make_credit):
    make_credit("Zoe Zed", team=Team.objects.get(name="Data"), title="Overall lead, data lead")
    publish(page_project)

    team = parse(client.get("/credits/vision/").text).by_id("research-contributions--data")

    assert team.find("ul", "names").text().endswith("Zoe Zed Overall lead, data lead")
    assert names(team).count("Zoe Zed") == 1


def test_unheaded_team_has_no_heading(client, page_project):
    safety = parse(client.get("/credits/vision/").text).by_id("safety-contributions")

    team = safety.find("section", "team")
    assert team.attrs["id"] == "safety-contributions--unheaded"
    assert team.find_all("h3") == []
    assert names(team) == ["Zoe Zed"]


def test_sections_and_teams_carry_anchors_with_self_links(client, page_project):
    page = parse(client.get("/credits/vision/").text)

    sections = page.find_all("section", "credits-section")
    assert [s.attrs["id"] for s in sections] == ["research-contributions", "safety-contributions"]
    teams = page.by_id("research-contributions").find_all("section", "team")
    assert [t.attrs["id"] for t in teams] == [
        "research-contributions--architecture-research",
        "research-contributions--data",
    ]
    self_links = [a.attrs["href"] for a in page.find_all("a", "self-link")]
    assert "#research-contributions" in self_links
    assert "#research-contributions--data" in self_links


def test_anchors_are_unique_on_the_page_and_person_pages_link_to_them(
    client, make_project, make_section, make_team, make_credit
):
    project = make_project()
    acknowledgment = Acknowledgment.objects.create(project=project, text="Thanks.")
    titles = ["R-D", "R D", "Acknowledgments", "Authorship", "Content"]
    titles.append(f"Acknowledgment {acknowledgment.pk}")
    sections = [make_section(project, title) for title in titles]
    first_x = make_team(sections[0], "X")
    second_x = make_team(sections[1], "X")
    make_credit("Ada Lovelace", team=first_x)
    make_credit("Ada Lovelace", team=second_x)
    make_credit("Ada Lovelace", section=sections[2], title="Lead")
    publish(project)

    response = client.get("/credits/example/")
    person_page = parse(client.get("/people/ada-lovelace/").text)

    ids = re.findall(r'\sid="([^"]*)"', response.content.decode())
    assert len(ids) == len(set(ids))
    page = parse(response.text)
    sections_ids = [s.attrs["id"] for s in page.find_all("section", "credits-section")]
    assert sections_ids == [
        "r-d",
        "r-d-2",
        "acknowledgments-2",
        "authorship-2",
        "content-2",
        f"acknowledgment-{acknowledgment.pk}-2",
    ]
    assert [t.attrs["id"] for t in page.find_all("section", "team")] == ["r-d--x", "r-d-2--x"]
    self_links = {a.attrs["href"] for a in page.find_all("a", "self-link")}
    assert {"#r-d-2", "#r-d-2--x", "#acknowledgments-2", "#acknowledgments"} <= self_links
    credits = person_page.find_all("li", "credit")
    assert [credit.find("a").attrs["href"] for credit in credits] == [
        "/credits/example/#r-d--x",
        "/credits/example/#r-d-2--x",
        "/credits/example/#acknowledgments-2",
    ]


def test_self_links_follow_their_headings_with_no_space_to_wrap_at(client, page_project):
    html = client.get("/credits/vision/").content.decode()

    headings = re.findall(r"<(h[23])>[^<]*</h[23]>(.)", html)

    # The "#" stays with the heading's last word when the heading wraps.
    assert len(headings) == 6
    assert {following for _tag, following in headings} == {"<"}
    assert html.count('</h2><a class="self-link"') == 4
    assert html.count('</h3><a class="self-link"') == 2


def test_every_name_links_to_the_person_page(client, page_project):
    page = parse(client.get("/credits/vision/").text)

    links = {(a.text(), a.attrs["href"]) for a in page.find_all("a", "person")}

    assert ("Łukasz Kondraciuk", "/people/lukasz-kondraciuk/") in links
    assert all(href == Person.objects.get(name=name).get_absolute_url() for name, href in links)


def test_names_carry_their_other_spellings_for_the_name_filter(client, page_project):
    data = Person.objects.get(name="Diogo Moitinho de Almeida")
    Alias.objects.create(person=data, name="Diogo de Almeida", is_public=True)
    Alias.objects.create(person=data, name="D. M. de Almeida", is_public=True)
    Alias.objects.create(person=data, name="Diogo Almieda", is_public=False)
    noh = Person.objects.get(name="Hyeonwoo Noh")
    Alias.objects.create(person=noh, name="Hyeon-woo Noh", is_public=True)
    uwe = Person.objects.get(name="Uwe Peters")
    Alias.objects.create(person=uwe, name='Uwe "<Pete>"', is_public=True)
    Alias.objects.create(person=Person.objects.get(name="Zoe Zed"), name="Zoe Zedd")
    publish(page_project)

    page = parse(client.get("/credits/vision/").text)

    links = {a.text(): a.attrs.get("data-aliases") for a in page.find_all("a", "person")}
    assert links["Diogo Moitinho de Almeida"] == '["D. M. de Almeida", "Diogo de Almeida"]'
    assert links["Hyeonwoo Noh"] == '["Hyeon-woo Noh"]'
    assert links["Uwe Peters"] == '["Uwe \\"<Pete>\\""]'
    assert links["Zoe Zed"] is None
    # Without the script the reader sees the names only, as before.
    team = page.by_id("research-contributions--data")
    assert team.find("ul", "names").text() == (
        "Diogo Moitinho de Almeida, Łukasz Kondraciuk, Paul Röttger, Zoe Zed"
    )
    assert [li.find("a", "person").text() for li in team.find("ul", "names").find_all("li")] == (
        names(team)
    )


def test_acknowledgments_with_their_named_people_sorted(client, page_project):
    section = parse(client.get("/credits/vision/").text).by_id("acknowledgments")

    acknowledgments = section.find_all("div", "acknowledgment")
    assert [ack.find_all("p")[0].text() for ack in acknowledgments] == [
        "We thank our red teamers:",
        "We thank Microsoft.",
    ]
    assert acknowledgments[0].find("ul", "names").text() == "Sally Applin, Uwe Peters"
    assert acknowledgments[1].find_all("ul") == []


def test_page_shows_published_and_last_updated_dates(
    client, make_project, make_section, make_credit
):
    project = make_project(published_at=datetime(2023, 9, 25, tzinfo=UTC))
    make_credit("Ada Lovelace", section=make_section(project), title="Lead")
    Project.objects.filter(pk=project.pk).update(updated_at=datetime(2023, 10, 2, tzinfo=UTC))
    project.refresh_from_db()
    version = publish(project).version

    text = parse(client.get("/credits/example/").text).find("p", "page-dates").text()

    # The page last changed for readers when this version was published.
    updated = timezone.localtime(version.published_at)
    assert text == f"Published 25 September 2023 · Last updated {updated:%-d %B %Y}"


def test_a_draft_shows_no_published_date(editor_client, make_project):
    # Published once, then taken back to draft: published_at stays set.
    project = make_project(is_published=False, published_at=datetime(2023, 9, 25, tzinfo=UTC))
    Project.objects.filter(pk=project.pk).update(updated_at=datetime(2023, 10, 2, tzinfo=UTC))

    page = parse(editor_client.get("/credits/example/").text)
    data = editor_client.get("/credits/example/credits.json").json()

    assert page.find("p", "draft-banner").text().startswith("Draft.")
    assert page.find("p", "page-dates").text() == "Last updated 2 October 2023"
    assert data["published_at"] is None


def test_the_drafts_last_updated_follows_a_change_of_the_credits(
    editor_client, make_project, make_section, make_team, make_person, make_credit
):
    project = make_project(published_at=datetime(2023, 9, 25, tzinfo=UTC))
    team = make_team(make_section(project, "Credits"), "Team")
    ada = make_person("Ada Lovelace")
    Project.objects.filter(pk=project.pk).update(updated_at=datetime(2023, 10, 2, tzinfo=UTC))
    for model in [Section, Team, Person]:
        model.history.update(history_date=datetime(2023, 10, 1, tzinfo=UTC))
    make_credit(ada, team=team)
    Credit.history.update(history_date=datetime(2024, 3, 1, 12, tzinfo=UTC))

    text = parse(editor_client.get("/credits/example/").text).find("p", "page-dates").text()

    assert text.endswith("Last updated 1 March 2024")


def test_text_from_the_database_is_escaped(
    client, make_project, make_section, make_team, make_person, make_credit
):
    attack = "<script>alert(1)</script>"
    project = make_project(title=f"Title {attack}", intro=attack, citation=attack)
    section = make_section(project, f"Section {attack}")
    team = make_team(section, f"Team {attack}")
    person = make_person(f"Eve {attack}", slug="eve")
    make_credit(person, team=team, title=attack)
    make_credit(person, section=section, title=attack)
    Acknowledgment.objects.create(project=project, text=attack).people.add(person)
    publish(project)

    html = client.get("/credits/example/").content.decode()
    person_html = client.get("/people/eve/").content.decode()

    assert "<script>alert" not in html and "<script>alert" not in person_html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
    assert "Eve &lt;script&gt;" in person_html


def test_pages_have_landmarks_and_no_inline_script_or_style(client, page_project):
    for url in ["/", "/credits/vision/", "/people/raul-puri/", "/credits/missing/"]:
        html = client.get(url).content.decode()
        page = parse(html)

        assert '<html lang="en">' in html
        assert '<a class="skip-link" href="#content">' in html
        assert '<main id="content"' in html
        assert len(page.find_all("h1")) == 1
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
        assert re.search(r"\s(style|on[a-z]+)=", html) is None


def test_person_page_lists_credits_across_published_projects(
    client, page_project, make_project, make_section, make_team, make_credit
):
    other = make_project(title="Another work", slug="another")
    backend = make_team(make_section(other, "Engineering"), "Backend")
    make_credit("Raul Puri", team=backend, title="Backend lead")
    publish(other)
    draft = make_project(title="Hidden work", slug="hidden", is_published=False)
    make_credit("Raul Puri", team=make_team(make_section(draft, "Hidden"), "Secret team"))

    page = parse(client.get("/people/raul-puri/").text)

    assert page.find("h1").text() == "Raul Puri"
    projects = page.find_all("section", "person-project")
    assert [p.find("h3").text() for p in projects] == ["Another work", "Vision credits"]
    credits = [
        (li.text(), li.find("a").attrs["href"])
        for project in projects
        for li in project.find_all("li", "credit")
    ]
    assert credits == [
        ("Engineering › Backend — Backend lead", "/credits/another/#engineering--backend"),
        (
            "Research contributions — Research engineering lead",
            "/credits/vision/#research-contributions",
        ),
        (
            "Research contributions › Architecture research",
            "/credits/vision/#research-contributions--architecture-research",
        ),
    ]
    assert "Hidden" not in page.text()
    assembled = page.find("section", "person-assembled").find_all("a")
    assert [a.text() for a in assembled] == ["Vision credits"]


def test_person_page_lists_each_place_once_with_its_titles_as_the_project_page_does(
    client, page_project, make_credit
):
    zoe = Person.objects.get(name="Zoe Zed")
    data = Team.objects.get(name="Data")
    make_credit(zoe, team=data, title="Overall lead")
    make_credit(zoe, team=data, title="Data lead")
    publish(page_project)

    person_page = parse(client.get(zoe.get_absolute_url()).text)
    project_page = parse(client.get("/credits/vision/").text)

    credits = [li.text() for li in person_page.find_all("li", "credit")]
    assert credits == [
        "Research contributions › Data — Overall lead, Data lead",
        "Safety contributions",
    ]
    team_names = project_page.by_id("research-contributions--data").find("ul", "names").text()
    assert team_names.endswith("Zoe Zed Overall lead, Data lead")


def test_person_page_shows_aliases_and_links(client, make_person, page_project):
    person = Person.objects.get(name="Zoe Zed")
    person.orcid = "0000-0002-1825-0097"
    person.homepage = "https://zoe.example.org/"
    person.save()
    Alias.objects.create(person=person, name="Zoë Zedd", is_public=True)
    Alias.objects.create(person=person, name="Z. Zed", is_public=True)
    Alias.objects.create(person=person, name="Zoe Zedd", is_public=False)

    page = parse(client.get(person.get_absolute_url()).text)

    assert page.find("p", "aliases").text() == "Also credited as Z. Zed, Zoë Zedd."
    links = [(a.text(), a.attrs["href"]) for a in page.find("ul", "person-links").find_all("a")]
    assert links == [
        ("https://orcid.org/0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097"),
        ("https://zoe.example.org/", "https://zoe.example.org/"),
    ]


def test_person_page_lists_acknowledgments(client, page_project):
    page = parse(client.get("/people/sally-applin/").text)

    mention = page.find("section", "person-mentions").find("li")
    assert mention.text() == "Vision credits: “We thank our red teamers:”"
    ack = Acknowledgment.objects.get(text="We thank our red teamers:")
    assert mention.find("a").attrs["href"] == f"/credits/vision/#acknowledgment-{ack.pk}"


def test_merged_person_address_redirects_permanently(client, page_project):
    raul = Person.objects.get(name="Raul Puri")
    PersonRedirect.objects.create(old_slug="raul-puri-2", person=raul)

    response = client.get("/people/raul-puri-2/")

    assert response.status_code == 301
    assert response.headers["Location"] == "/people/raul-puri/"


def test_unknown_person_is_not_found(client):
    assert client.get("/people/nobody/").status_code == 404


def test_person_credited_only_on_a_draft_is_hidden_from_the_public(
    editor_client, make_project, make_section, make_team, make_credit
):
    draft = make_project(slug="secret", is_published=False)
    make_credit("Ada Lovelace", team=make_team(make_section(draft, "Hidden"), "Secret team"))

    public = Client().get("/people/ada-lovelace/")
    staff = editor_client.get("/people/ada-lovelace/")

    assert public.status_code == 404
    assert staff.status_code == 200
    assert "Hidden › Secret team" in parse(staff.text).text()


def build_credits(project, people, teams, sections=2):
    """Give `project` `people` people spread over `teams` teams, plus leads and mentions."""
    section_rows = Section.objects.bulk_create(
        Section(project=project, title=f"Section {number}", position=number)
        for number in range(sections)
    )
    team_rows = Team.objects.bulk_create(
        Team(section=section_rows[number % sections], name=f"Team {number}", position=number)
        for number in range(teams)
    )
    names = [f"Person Número{number:04d}" for number in range(people)]
    person_rows = Person.objects.bulk_create(
        Person(name=name, slug=f"{project.slug}-{number}", sort_key=sort_key(name))
        for number, name in enumerate(names)
    )
    Credit.objects.bulk_create(
        Credit(person=person, team=team_rows[number % teams])
        for number, person in enumerate(person_rows)
    )
    Credit.objects.bulk_create(
        Credit(person=person_rows[number], section=section, title="Lead")
        for number, section in enumerate(section_rows)
    )
    acknowledgment = Acknowledgment.objects.create(project=project, text="Thanks to:")
    Mention.objects.bulk_create(
        Mention(acknowledgment=acknowledgment, person=person) for person in person_rows[:20]
    )
    Resource.objects.create(project=project, title="Report", url="https://example.org/")
    return person_rows


@pytest.mark.parametrize(("people", "teams"), [(5, 2), (320, 12)])
def test_project_page_query_count_does_not_grow(
    client, make_project, make_person, django_assert_num_queries, people, teams
):
    project = make_project(slug="sized", assembled_by=make_person("A B", slug="a"))
    person_rows = build_credits(project, people, teams)
    Alias.objects.bulk_create(
        Alias(person=person, name="Other", is_public=True) for person in person_rows[::2]
    )
    publish(project)

    with django_assert_num_queries(PROJECT_PAGE_QUERIES):
        response = client.get("/credits/sized/")

    links = parse(response.text).find_all("a", "person")
    assert len(links) == people + 2 + min(people, 20) + 1
    assert sum("data-aliases" in link.attrs for link in links) > people / 2


@pytest.mark.parametrize(("projects", "teams"), [(1, 2), (6, 40)])
def test_person_page_query_count_does_not_grow(
    client, make_project, make_person, django_assert_num_queries, projects, teams
):
    person = make_person("Many Credits", slug="many")
    Alias.objects.create(person=person, name="M. Credits", is_public=True)
    for number in range(projects):
        project = make_project(title=f"Work {number}", slug=f"work-{number}", assembled_by=person)
        build_credits(project, 3, teams)
        Credit.objects.bulk_create(
            Credit(person=person, team=team)
            for team in Team.objects.filter(section__project=project)
        )
        Acknowledgment.objects.get(project=project).people.add(person)
        publish(project)

    with django_assert_num_queries(PERSON_PAGE_QUERIES):
        response = client.get("/people/many/")

    assert len(parse(response.text).find_all("li", "credit")) == projects * teams


@pytest.fixture
def searchable(page_project, make_credit):
    """People credited on the published page, some with other spellings."""
    team = Team.objects.get(name="Data")
    for name in ["David Mélý", "Filippo Rasso", "Michael (Rai) Pokorny", "Dave Melville"]:
        make_credit(name, team=team)
    rasso, zoe = Person.objects.get(name="Filippo Rasso"), Person.objects.get(name="Zoe Zed")
    Alias.objects.create(person=rasso, name="Filippo Raso", is_public=True)
    Alias.objects.create(person=zoe, name="Zoë Zedd-Ångström", is_public=True)
    publish(page_project)


def result_items(html):
    """The search results' items, without the lists of places inside them."""
    results = parse(html).find_all("ol", "search-results")
    if not results:
        return []
    return [child for child in results[0].children if getattr(child, "tag", "") == "li"]


def search_results(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return [item.find("a", "result-name").text() for item in result_items(response.text)]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("mely", ["David Mélý"]),
        ("MÉLÝ", ["David Mélý"]),
        ("david  mely", ["David Mélý"]),
        ("mel", ["Dave Melville", "David Mélý"]),
        ("lukasz", ["Łukasz Kondraciuk"]),
        ("Łukasz kondraciuk", ["Łukasz Kondraciuk"]),
        ("Raso", ["Filippo Rasso"]),
        ("rasso", ["Filippo Rasso"]),
        ("angstrom", ["Zoe Zed"]),
        ("zoë zedd", ["Zoe Zed"]),
        ("rai", ["Michael (Rai) Pokorny"]),
        ("moitinho de almeida", ["Diogo Moitinho de Almeida"]),
        ("nobody", []),
    ],
)
def test_search_finds_people_by_any_spelling(client, searchable, query, found):
    assert search_results(client, query) == found


def test_search_shows_other_spellings_and_links_to_the_person(client, searchable):
    response = client.get("/search/", {"q": "rasso"})

    [item] = result_items(response.text)
    assert item.text() == (
        "Filippo Rasso (also Filippo Raso) Vision credits › Research contributions › Data"
    )
    assert item.find("a", "result-name").attrs["href"] == "/people/filippo-rasso/"
    assert item.find_all("mark") == []
    assert 'value="rasso"' in response.content.decode()


def test_search_shows_the_other_spelling_that_matched(client, searchable):
    Alias.objects.create(person=Person.objects.get(name="Zoe Zed"), name="Z. Zed", is_public=True)

    [raso] = result_items(client.get("/search/", {"q": "raso"}).text)
    [zoe] = result_items(client.get("/search/", {"q": "ångström"}).text)

    assert raso.find("span", "other-spellings").text() == "(matched: Filippo Raso)"
    assert raso.find("mark").text() == "Filippo Raso"
    assert zoe.find("span", "other-spellings").text() == (
        "(matched: Zoë Zedd-Ångström; also Z. Zed)"
    )
    assert zoe.find("mark").text() == "Zoë Zedd-Ångström"


def test_search_finds_people_of_drafts_for_staff_only(
    editor_client, make_project, make_section, make_team, make_credit
):
    draft = make_project(slug="secret", is_published=False)
    make_credit("Ada Lovelace", team=make_team(make_section(draft, "S"), "T"))

    assert search_results(Client(), "lovelace") == []
    assert search_results(editor_client, "lovelace") == ["Ada Lovelace"]


def test_search_escapes_the_query(client, searchable):
    html = client.get("/search/", {"q": '<script>alert(1)</script>"'}).content.decode()

    assert "<script>alert" not in html
    assert "No one matches “&lt;script&gt;alert(1)&lt;/script&gt;&quot;”." in html


def test_search_without_a_query_asks_for_one(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/search/")

    assert "Type a name" in parse(response.text).find("p", "search-message").text()


def test_a_too_long_search_is_refused_with_a_message(client):
    response = client.get("/search/", {"q": "a" * 101})

    assert response.status_code == 200
    assert parse(response.text).find("p", "search-message").text() == (
        "Search for at most 100 characters."
    )


@pytest.mark.parametrize("people", [3, 120])
def test_search_query_count_does_not_grow(client, make_project, django_assert_num_queries, people):
    project = make_project()
    build_credits(project, people, 4)
    publish(project)

    with django_assert_num_queries(SEARCH_QUERIES):
        found = search_results(client, "numero")

    assert len(found) == min(people, 50)


def test_only_web_addresses_become_links(client, make_project, make_section, make_credit):
    # Forms refuse other schemes; this row was written some other way.
    project = make_project(slug="links")
    Resource.objects.create(project=project, title="Archive", url="ftp://example.org/a")
    Resource.objects.create(project=project, title="Report", url="https://example.org/r")
    make_credit("Ada Lovelace", section=make_section(project), title="Lead")
    publish(project)

    html = client.get("/credits/links/").text

    assert 'href="ftp:' not in html
    assert "Archive</li>" in html
    assert '<a href="https://example.org/r">Report</a>' in html


# The project page, for readers (issue 12, points 16-21)


def test_a_team_whose_members_carry_titles_lists_one_per_line(client, page_project, make_credit):
    data = Team.objects.get(name="Data")
    make_credit("Zoe Zed", team=data, title="Analysis lead")
    make_credit("Paul Röttger", team=data, title="Infrastructure lead")
    publish(page_project)

    page = parse(client.get("/credits/vision/").text)

    titled = page.by_id("research-contributions--data").find("ul", "names")
    assert titled.classes == ["names", "titled"]
    assert [item.text() for item in titled.find_all("li")] == [
        "Diogo Moitinho de Almeida",
        "Łukasz Kondraciuk",
        "Paul Röttger Infrastructure lead",
        "Zoe Zed Analysis lead",
    ]
    assert titled.find_all("span", "sep") == []
    untitled = page.by_id("research-contributions--architecture-research").find("ul", "names")
    assert untitled.classes == ["names"]


def test_titled_members_are_set_one_per_line_by_the_stylesheet():
    css = stylesheet()

    assert re.search(r"\.names\.titled li \{[^}]*display: block;", css)
    assert re.search(r"\.names li \{[^}]*display: inline;", css)


def stylesheet():
    with open(finders.find("people/site.css"), encoding="utf-8") as css:
        return css.read()


def test_names_and_titles_never_hyphenate_and_move_whole():
    css = stylesheet()

    rule = re.search(r"a\.person,\n\.credit-title \{([^}]*)\}", css)
    assert rule is not None
    assert "hyphens: none;" in rule[1]
    assert "display: inline-block;" in rule[1]
    assert "max-width: 100%;" in rule[1]


def test_contents_list_sections_and_teams_with_counts(client, page_project):
    page = parse(client.get("/credits/vision/").text)

    contents = page.find("details", "contents")
    assert contents.find("summary").text() == "Contents"
    nav = contents.find("nav")
    assert nav.attrs["aria-label"] == "Contents"
    links = [(a.text(), a.attrs["href"]) for a in nav.find_all("a")]
    assert links == [
        ("Research contributions", "#research-contributions"),
        ("Architecture research", "#research-contributions--architecture-research"),
        ("Data", "#research-contributions--data"),
        ("Safety contributions", "#safety-contributions"),
        ("Acknowledgments", "#acknowledgments"),
    ]
    assert [count.text() for count in nav.find_all("span", "count")] == [
        "(6)",
        "(1)",
        "(4)",
        "(1)",
    ]
    for _title, href in links:
        page.by_id(href[1:])


def test_a_page_without_sections_has_no_contents(editor_client, make_project):
    make_project(slug="empty", is_published=False)

    page = parse(editor_client.get("/credits/empty/").text)

    assert page.find_all("details", "contents") == []


def test_self_links_show_on_hover_and_focus_only_and_stay_focusable(client, page_project):
    css = stylesheet()
    page = parse(client.get("/credits/vision/").text)

    assert re.search(r"\.heading-row \.self-link \{\s*opacity: 0;\s*\}", css)
    assert re.search(
        r"\.heading-row:hover \.self-link,\n\.heading-row:focus-within \.self-link \{\s*"
        r"opacity: 1;",
        css,
    )
    link = page.find_all("a", "self-link")[0]
    assert link.attrs["href"] == "#authorship"
    assert "tabindex" not in link.attrs
    assert link.find("span", "visually-hidden").text().startswith("Link to")
    assert "display: none" not in re.search(r"\.self-link \{([^}]*)\}", css)[1]


def test_the_filter_box_draws_no_rule_of_its_own():
    css = stylesheet()

    assert "border" not in re.search(r"\.name-filter \{([^}]*)\}", css)[1]


def test_search_results_say_where_each_person_is_credited(
    client, make_project, make_section, make_team, make_credit
):
    vision = make_project(title="Vision", slug="vision")
    make_credit("Alex Kim", team=make_team(make_section(vision, "Research"), "Data"))
    make_credit("Alex Kim", section=vision.sections.get(), title="Lead")
    speech = make_project(title="Speech", slug="speech")
    make_credit("Alex Kimura", team=make_team(make_section(speech, "Safety"), "Red team"))
    draft = make_project(title="Secret", slug="secret", is_published=False)
    make_credit("Alex Kimura", team=make_team(make_section(draft, "Hidden"), "Team"))
    publish(vision)
    publish(speech)

    items = result_items(client.get("/search/", {"q": "alex kim"}).text)

    places = [
        [(a.text(), a.attrs["href"]) for a in item.find("ul", "search-places").find_all("a")]
        for item in items
    ]
    assert [item.find("a", "result-name").text() for item in items] == ["Alex Kim", "Alex Kimura"]
    assert places == [
        [
            ("Vision › Research", "/credits/vision/#research"),
            ("Vision › Research › Data", "/credits/vision/#research--data"),
        ],
        [("Speech › Safety › Red team", "/credits/speech/#safety--red-team")],
    ]
    assert items[0].find("span", "credit-title").text() == "Lead"
    assert "Secret" not in client.get("/search/", {"q": "alex kim"}).text


def test_search_places_are_shortened_after_three(
    client, make_project, make_section, make_team, make_credit
):
    project = make_project(title="Vision", slug="vision")
    section = make_section(project, "Research")
    for name in ["A", "B", "C", "D", "E"]:
        make_credit("Alex Kim", team=make_team(section, name))
    publish(project)

    [item] = result_items(client.get("/search/", {"q": "alex"}).text)

    assert len(item.find("ul", "search-places").find_all("li")) == 4
    assert item.find("li", "more-places").text() == "and 2 more on their page"
