"""Restoring a project's draft from one of its versions.

The draft gets the version's content back; publishing it then makes a new
version: a bad publication is undone by a new one, never by rewriting history.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from simple_history.utils import bulk_create_with_history

from people.diff import compare
from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    Mention,
    Person,
    PersonRedirect,
    Resource,
    Section,
    Team,
    lock_project,
    numbered_slug,
    slug_base,
)
from people.snapshots import draft_snapshot
from people.versions import load_snapshot, merges


def restore_draft(project, version, user=None, wait_seconds=None):
    """Set `project`'s draft back to `version`'s content; return the Comparison it made.

    Sections, teams and acknowledgments keep their ids (those deleted since are
    made again with them), so that comparing the draft with the version shows
    nothing but what people's own records changed since: people are never
    renamed here, as they belong to every project. People merged since are
    replaced by the person they were merged into; people deleted since are
    made again.
    """
    reason = f"Restored the draft from version {version.number}"
    with transaction.atomic():
        locked = lock_project(project, wait_seconds=wait_seconds)
        before = draft_snapshot(locked)
        target = load_snapshot(version)
        restore = Restore(locked, user, reason)
        people = restore.people(target, version)
        content = target.content

        locked.title = target.title
        locked.intro = content.intro
        locked.closing_text = content.closing_text
        locked.citation = content.citation
        locked.ordering_note = content.ordering_note
        locked.assembled_by_id = people.get(content.assembled_by)
        restore.record(locked).save()

        restore.resources(content.resources)
        credits = restore.wanted_credits(content, people)
        restore.remove_credits(credits)
        sections, teams = restore.places(content.sections)
        restore.add_credits(credits, sections, teams)
        restore.acknowledgments(content.acknowledgments, people)
        if user is not None:
            LogEntry.objects.log_actions(
                user.pk, [locked], CHANGE, change_message=f"{reason}.", single_object=True
            )
        after = draft_snapshot(locked)
    return compare(before, after, merges(before, after))


def placeholder(model):
    """A title no one gives, unique per row: unique titles are freed before being given again."""
    return Concat(Value(f"restoring {model._meta.model_name} "), Cast("pk", CharField()))


class Restore:
    """The writes of restore_draft, each recorded in the change history with its reason."""

    def __init__(self, project, user, reason):
        self.project = project
        self.user = user
        self.reason = reason

    def record(self, row):
        row._history_user = self.user
        row._change_reason = self.reason
        return row

    def new_row(self, model, pk, **fields):
        """A row of `model` made again with its old id when that id is free."""
        free = not model.objects.filter(pk=pk).exists()
        return model(pk=pk if free else None, **fields)

    def people(self, snapshot, version):
        """Map each person of `snapshot` to a person now: the same, the one merged into, or anew.

        A person made anew gets back the other spellings `version` was published
        with, as private ones: an editor marks them public again.
        """
        existing = set(
            Person.objects.filter(pk__in=list(snapshot.people)).values_list("pk", flat=True)
        )
        missing = {pk: person for pk, person in snapshot.people.items() if pk not in existing}
        people = {pk: pk for pk in existing}
        redirects = dict(
            PersonRedirect.objects.filter(
                old_slug__in=[person.slug for person in missing.values()]
            ).values_list("old_slug", "person_id")
        )
        for pk, person in missing.items():
            if person.slug in redirects:
                people[pk] = redirects[person.slug]
                continue
            taken = Person.objects.filter(slug__startswith=slug_base(person.slug))
            recreated = self.new_row(
                Person,
                pk,
                name=person.name,
                slug=numbered_slug(person.slug, set(taken.values_list("slug", flat=True))),
                sort_name=person.details.sort_name,
                orcid=person.details.orcid,
                homepage=person.details.homepage,
            )
            self.record(recreated).save(force_insert=True)
            # The snapshot shows only spellings public now, and a deleted person has none.
            stored = version.content["people"].get(str(pk), {})
            for alias in stored.get("aliases", ()):
                self.record(Alias(person=recreated, name=alias)).save()
            people[pk] = recreated.pk
        return people

    def wanted_credits(self, content, people):
        """The credits of `content` as (person id now, section id, team id, title)."""
        wanted = []
        for section in content.sections:
            for credit in section.leads:
                wanted.append((people[credit.person_id], section.id, None, credit.title))
            for team in section.teams:
                for credit in team.credits:
                    wanted.append((people[credit.person_id], None, team.id, credit.title))
        return list(dict.fromkeys(wanted))

    def current_credits(self):
        return {
            (credit.person_id, credit.section_id, credit.team_id, credit.title): credit.pk
            for credit in Credit.objects.in_projects([self.project])
        }

    def remove_credits(self, wanted):
        current = self.current_credits()
        unwanted = [pk for credit, pk in current.items() if credit not in set(wanted)]
        Credit.objects.filter(pk__in=unwanted).delete()

    def places(self, sections):
        """Make the sections and teams those of the version's `sections`.

        Returns ({version's section id: id now}, {version's team id: id now}).
        """
        wanted_teams = {team.id for section in sections for team in section.teams}
        Team.objects.filter(section__project=self.project).exclude(pk__in=wanted_teams).delete()
        current_sections = {row.pk: row for row in Section.objects.filter(project=self.project)}
        current_teams = {row.pk: row for row in Team.objects.filter(section__project=self.project)}
        wanted_sections = {section.id for section in sections}
        # Sections left out go now, unless a team of the version is still in one.
        holding = {team.section_id for team in current_teams.values()}
        Section.objects.filter(pk__in=set(current_sections) - wanted_sections - holding).delete()
        # Titles are unique in a project and names in a section: free them first.
        Section.objects.filter(project=self.project).update(title=placeholder(Section))
        Team.objects.filter(section__project=self.project).update(name=placeholder(Team))

        section_ids, team_ids = {}, {}
        team_position = 0
        for position, wanted in enumerate(sections):
            section = current_sections.get(wanted.id) or self.new_row(
                Section, wanted.id, project=self.project
            )
            section.title, section.position = wanted.title, position
            self.record(section).save()
            section_ids[wanted.id] = section.pk
            for wanted_team in wanted.teams:
                team = current_teams.get(wanted_team.id) or self.new_row(Team, wanted_team.id)
                team.section_id = section.pk
                team.name, team.position = wanted_team.name, team_position
                team_position += 1
                self.record(team).save()
                team_ids[wanted_team.id] = team.pk
        Section.objects.filter(project=self.project).exclude(pk__in=section_ids.values()).delete()
        return section_ids, team_ids

    def add_credits(self, wanted, sections, teams):
        existing = self.current_credits()
        new = []
        for person_id, section_id, team_id, title in wanted:
            section_id = sections[section_id] if section_id else None
            team_id = teams[team_id] if team_id else None
            if (person_id, section_id, team_id, title) not in existing:
                new.append(
                    Credit(person_id=person_id, section_id=section_id, team_id=team_id, title=title)
                )
        bulk_create_with_history(
            new, Credit, batch_size=1000, default_user=self.user, default_change_reason=self.reason
        )

    def resources(self, links):
        Resource.objects.filter(project=self.project).delete()
        for position, link in enumerate(links):
            resource = Resource(
                project=self.project, title=link.title, url=link.url, position=position
            )
            self.record(resource).save()

    def acknowledgments(self, acknowledgments, people):
        current = {ack.pk: ack for ack in Acknowledgment.objects.filter(project=self.project)}
        wanted_ids = {ack.id for ack in acknowledgments}
        Acknowledgment.objects.filter(project=self.project).exclude(pk__in=wanted_ids).delete()
        for position, wanted in enumerate(acknowledgments):
            ack = current.get(wanted.id) or self.new_row(
                Acknowledgment, wanted.id, project=self.project
            )
            ack.text, ack.position = wanted.text, position
            self.record(ack).save()
            named = {people[person_id] for person_id in wanted.people}
            Mention.objects.filter(acknowledgment=ack).exclude(person_id__in=named).delete()
            have = set(
                Mention.objects.filter(acknowledgment=ack).values_list("person_id", flat=True)
            )
            for person_id in sorted(named - have):
                self.record(Mention(acknowledgment=ack, person_id=person_id)).save()
