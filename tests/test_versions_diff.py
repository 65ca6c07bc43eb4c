"""What changed, by identity: the comparison the publish screen, the admin and the changelog show.

Each test publishes a small page, changes the draft as an editor would, and reads
the lines the publish step shows (people.versions.preview).
"""

import pytest

from people.merging import merge_people
from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    Mention,
    Person,
    Project,
    Resource,
    Section,
    Team,
)
from people.versions import preview, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(make_project, make_person, make_section, make_team, make_credit):
    """Version 1 of a page: two sections, three teams, lead lines, thanks, a link."""
    project = make_project(
        title="Vision credits",
        slug="vision",
        intro="Our work.",
        closing_text="Thanks to all.",
        citation="Example Lab (2023)",
        assembled_by=make_person("Raul Puri"),
        is_published=False,
    )
    Resource.objects.create(project=project, title="Report", url="https://example.org/r")
    research = make_section(project, "Research")
    safety = make_section(project, "Safety")
    data = make_team(research, "Data")
    vision = make_team(research, "Vision")
    make_team(safety, "Red team")
    make_credit("Madelaine Boyd", team=data)
    make_credit("Ada Lovelace", team=data, title="Data lead")
    make_credit("Grace Hopper", team=vision)
    make_credit("Raul Puri", section=research, title="Research lead")
    thanks = Acknowledgment.objects.create(project=project, text="We thank our testers:")
    Mention.objects.create(acknowledgment=thanks, person=make_person("Sally Applin"))
    publish(project)
    return project


def changes(project):
    """The lines the publish step shows, group by group."""
    return {group.title: group.lines for group in preview(project).groups()}


def summary(project):
    return preview(project).comparison.summary()


def test_nothing_changed(page):
    reviewed = preview(page)

    assert reviewed.is_unchanged
    assert not reviewed.comparison
    assert reviewed.comparison.summary() == "no changes"


def test_people_added_and_removed_with_their_places(page, make_credit):
    make_credit("Alan Turing", team=Team.objects.get(name="Vision"), title="Reviewer")
    make_credit("Alan Turing", section=Section.objects.get(title="Safety"), title="Safety lead")
    Credit.objects.filter(person__name="Grace Hopper").delete()

    assert changes(page) == {
        "People": [
            "Alan Turing added (Research › Vision; Safety (lead line))",
            "Grace Hopper removed (was in Research › Vision)",
        ]
    }
    assert summary(page) == "1 person added, 1 removed"


def test_a_renamed_person_is_renamed_not_removed_and_added(page):
    boyd = Person.objects.get(name="Madelaine Boyd")
    boyd.name = "Madeline Boyd"
    boyd.save()

    assert changes(page) == {"People": ["Madelaine Boyd → Madeline Boyd (renamed)"]}
    assert summary(page) == "1 person renamed"


def test_people_merged_show_as_merged_and_their_credits_as_the_kept_persons(
    page, make_person, make_credit
):
    kept = make_person("Madeline Boyd")
    make_credit(kept, team=Team.objects.get(name="Data"))
    make_credit(kept, team=Team.objects.get(name="Vision"))
    publish(page)

    merge_people(kept, [Person.objects.get(name="Madelaine Boyd")])

    # Both were in Data: no credit moved or went; the merged name is a private spelling now.
    assert changes(page) == {"People": ["Madelaine Boyd merged into Madeline Boyd"]}


def test_a_merged_persons_credits_moved_to_a_person_new_on_the_page(page, make_person):
    kept = make_person("Madeline Boyd")

    merge_people(kept, [Person.objects.get(name="Madelaine Boyd")])

    assert changes(page) == {"People": ["Madelaine Boyd merged into Madeline Boyd"]}


def test_a_persons_own_details_changed(page):
    ada = Person.objects.get(name="Ada Lovelace")
    ada.orcid = "0000-0002-1825-0097"
    ada.save()
    Alias.objects.create(person=ada, name="Ada King", is_public=True)
    Alias.objects.create(person=ada, name="Ada Lovelase")

    assert changes(page) == {"People": ["Ada Lovelace: ORCID iD, other spellings changed"]}


def test_credits_added_removed_moved_and_retitled(page, make_credit):
    research = Section.objects.get(title="Research")
    vision = Team.objects.get(name="Vision")
    make_credit("Grace Hopper", section=research, title="Vision lead")
    Credit.objects.filter(person__name="Raul Puri", section=research).delete()
    make_credit("Raul Puri", team=Team.objects.get(name="Red team"))
    Credit.objects.filter(person__name="Madelaine Boyd").update(team=vision)
    Credit.objects.filter(person__name="Ada Lovelace").update(title="Overall lead")

    # Person by person, in the order of the new page.
    assert changes(page) == {
        "Credits": [
            "Grace Hopper: new credit in Research (lead line) as “Vision lead”",
            "Ada Lovelace in Research › Data: “Data lead” → “Overall lead”",
            "Madelaine Boyd moved from Research › Data to Research › Vision",
            "Raul Puri moved from Research (lead line) to Safety › Red team",
            "Raul Puri in Safety › Red team: “Research lead” → no title",
        ]
    }
    assert summary(page) == "1 credit added, 2 credits moved, 2 titles changed"


def test_a_credit_removed_from_someone_still_on_the_page(page, make_credit):
    make_credit("Ada Lovelace", team=Team.objects.get(name="Vision"))
    publish(page)

    Credit.objects.filter(person__name="Ada Lovelace", team__name="Data").delete()

    assert changes(page) == {
        "Credits": ["Ada Lovelace: credit removed from Research › Data (“Data lead”)"]
    }


def test_names_reordered_by_a_sort_name(page):
    boyd = Person.objects.get(name="Madelaine Boyd")
    boyd.sort_name = "Zzz, Madelaine"
    boyd.save()

    assert changes(page) == {
        "People": ["Madelaine Boyd: sort name changed"],
        "Credits": ["Names reordered in Research › Data"],
    }


def test_sections_added_removed_renamed_and_reordered(page, make_section):
    make_section(page, "Deployment", position=0)
    Section.objects.filter(title="Research").update(title="Science", position=5)
    Team.objects.filter(section__title="Safety").delete()
    Section.objects.filter(title="Safety").delete()

    assert changes(page) == {
        "Sections and teams": [
            "Section “Deployment” added",
            "Section “Research” renamed “Science”",
            "Section “Safety” removed",
        ]
    }


def test_sections_reordered(page):
    Section.objects.filter(title="Research").update(position=9)

    assert changes(page) == {"Sections and teams": ["Sections reordered: Safety, Research"]}


def test_teams_added_removed_renamed_moved_and_reordered(page, make_team):
    safety = Section.objects.get(title="Safety")
    make_team(safety, "Policy")
    Team.objects.filter(name="Red team").delete()
    Team.objects.filter(name="Data").update(name="Datasets", position=9)
    Team.objects.filter(name="Vision").update(section=safety)

    assert changes(page) == {
        "Sections and teams": [
            "Team “Data” renamed “Datasets” in Research",
            "Team “Vision” moved from Research to Safety",
            "Team “Policy” added to Safety",
            "Team “Red team” removed from Safety",
        ]
    }


def test_teams_reordered(page):
    Team.objects.filter(name="Data").update(position=9)

    assert changes(page) == {"Sections and teams": ["Teams of Research reordered: Vision, Data"]}


def test_acknowledgments_added_removed_reworded_and_people_named(page, make_person):
    thanks = Acknowledgment.objects.get()
    thanks.text = "We thank our many testers:"
    thanks.save()
    Mention.objects.filter(person__name="Sally Applin").delete()
    Mention.objects.create(acknowledgment=thanks, person=make_person("Uwe Peters"))
    Acknowledgment.objects.create(project=page, text="We thank Microsoft.", position=5)

    assert changes(page) == {
        "Acknowledgments": [
            "Acknowledgment reworded: “We thank our testers:” → “We thank our many testers:”",
            "Uwe Peters now named in “We thank our many testers:”",
            "Sally Applin no longer named in “We thank our many testers:”",
            "Acknowledgment added: “We thank Microsoft.”",
        ]
    }


def test_an_acknowledgment_removed(page):
    Acknowledgment.objects.all().delete()

    assert changes(page) == {"Acknowledgments": ["Acknowledgment removed: “We thank our testers:”"]}


def test_the_pages_texts_links_and_assembler(page, make_person):
    Project.objects.filter(pk=page.pk).update(
        title="Vision credits, revised",
        intro="Our work, told again.",
        closing_text="",
        citation="Example Lab (2024)",
        ordering_note="By family name.",
        assembled_by=make_person("Sally Smith"),
    )
    page.refresh_from_db()
    Resource.objects.create(project=page, title="Card", url="https://example.org/c", position=9)
    Resource.objects.filter(title="Report").update(url="https://example.org/report")

    assert changes(page) == {
        "Page": [
            "Title changed: “Vision credits” → “Vision credits, revised”",
            "Introduction reworded",
            "Closing text reworded",
            "Citation changed: “Example Lab (2023)” → “Example Lab (2024)”",
            "Ordering note changed: “Contributions are sorted alphabetically.” → “By family name.”",
            "Link added: Report (https://example.org/report)",
            "Link added: Card (https://example.org/c)",
            "Link removed: Report (https://example.org/r)",
            "Assembled by: Raul Puri → Sally Smith",
        ]
    }


def test_links_reordered(page):
    Resource.objects.create(project=page, title="Card", url="https://example.org/c", position=9)
    publish(page)

    Resource.objects.filter(title="Card").update(position=0)
    Resource.objects.filter(title="Report").update(position=5)

    assert changes(page) == {"Page": ["Links reordered"]}


def test_the_summary_reads_as_the_banner_says(page, make_credit, make_person):
    data = Team.objects.get(name="Data")
    for name in ["Alan Turing", "Barbara Liskov", "Edsger Dijkstra", "Frances Allen"]:
        make_credit(name, team=data)
    Credit.objects.filter(person__name="Grace Hopper").delete()
    Credit.objects.filter(person__name="Ada Lovelace").update(title="Overall lead")
    Credit.objects.filter(person__name="Raul Puri").update(title="Science lead")

    assert summary(page) == "4 people added, 1 removed, 2 titles changed"
