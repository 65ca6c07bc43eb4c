"""Named, or not: a person's choice not to be named on a project, or anywhere.

The choice lives apart from the credits (NotNamed rows, Person.never_listed), so
that imports, which remove and add credits, keep it. Public pages apply it when
they are served (people/versions.load_public_snapshot, Snapshot.without): a
choice made after a page was published applies at once to every published
version, and the page cache follows it (people/caching.naming_changed).
"""

import re

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from people.diff import NOT_NAMED
from people.models import Alias, NotNamed, Person, PublishedPerson
from people.search import accent_insensitive_pattern
from people.sorting import fold


class Choice(models.TextChoices):
    NAMED = "named", "Named as shown"
    NOT_NAMED = "not_named", "Not named on this project"
    NEVER_LISTED = "never_listed", "Never list me anywhere"


def current_choice(person, project):
    """The Choice that holds for `person` on `project` now."""
    if person.never_listed:
        return Choice.NEVER_LISTED
    if NotNamed.objects.filter(person=person, project=project).exists():
        return Choice.NOT_NAMED
    return Choice.NAMED


def naming_for_editors(person, project):
    """How `person` is named on `project`, in a few words for editors ("named as shown")."""
    row = NotNamed.objects.filter(person=person, project=project).first()
    if person.never_listed:
        return "never listed, on any project (their page is not found)"
    if row is None:
        return "named as shown"
    since = timezone.localtime(row.since)
    who = "chosen in their review" if row.by_review else "set by an editor"
    return f"not named on this project, since {since:%Y-%m-%d %H:%M} ({who})"


def unnamed_among(project, person_ids):
    """The ids of the people `person_ids` who are not to be named on `project`."""
    return set(
        Person.objects.filter(pk__in=person_ids)
        .filter(Q(never_listed=True) | Q(not_named__project=project))
        .values_list("pk", flat=True)
    )


def choose(person, project, choice, *, user=None, reason="", by_review=False):
    """Make `choice` hold for `person` on `project`, at once; return whether anything changed.

    "Never list me" is the person's across all projects; choosing either of the
    others takes it back. Each change is in the history with `user` and `reason`.
    """
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        changed = False
        never_listed = choice == Choice.NEVER_LISTED
        if person.never_listed != never_listed:
            person.never_listed = never_listed
            _record(person, user, reason).save()
            changed = True
        row = NotNamed.objects.filter(person=person, project=project).first()
        if choice == Choice.NOT_NAMED and row is None:
            row = NotNamed(project=project, person=person, by_review=by_review)
            _record(row, user, reason).save()
            changed = True
        elif choice == Choice.NAMED and row is not None:
            _record(row, user, reason).delete()
            changed = True
        return changed


def _record(instance, user, reason):
    # django-simple-history reads these for the history record's user and reason.
    instance._history_user = user
    instance._change_reason = Truncator(reason).chars(100)
    return instance


def names_not_to_show(project):
    """Every name of the people not to be named on `project` now, for texts written by hand.

    As its versions published them, as they are now, and their other spellings;
    those of everyone who asked never to be listed too.
    """
    published = (
        PublishedPerson.objects.filter(version__project=project)
        .with_naming(project)
        .filter(is_unnamed=True)
        .values_list("person_id", "name", named=True)
    )
    names = set()
    ids = set(NotNamed.objects.filter(project=project).values_list("person_id", flat=True))
    for row in published:
        ids.add(row.person_id)
        names.add(row.name)
    people = Person.objects.filter(Q(pk__in=ids) | Q(never_listed=True))
    names.update(people.values_list("name", flat=True))
    names.update(Alias.objects.filter(person__in=people).values_list("name", flat=True))
    return names


def without_names(text, names):
    """`text` with each of `names` in it replaced by "someone not named".

    A name is found whole, whatever its case and accents, its words separated by
    any white space ("Jose  garcia" for "José García").
    """
    if not text or not names:
        return text
    patterns = [
        r"\s+".join(accent_insensitive_pattern(fold(word)) for word in name.split())
        for name in sorted(names, key=len, reverse=True)
    ]
    found = re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)
    return found.sub(NOT_NAMED, text)
