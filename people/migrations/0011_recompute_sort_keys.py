"""Work out every person's sort key again with the rules of people/sorting.py.

Keys are stored, and the rules changed: apostrophes and hyphens are no longer
sorted on ("D'Angelo" after "Dalton"), nor an Arabic article starting a family
name ("al-Hakim" under H), and a family name can be given. People are read and
written in batches; only keys that change are written, and then every cached page
is dropped (the database's page generation moves), as its order may have changed.
"""

from django.db import migrations
from django.db.models import F

from people.sorting import sort_key

BATCH_SIZE = 1000


def recompute_sort_keys(apps, schema_editor, batch_size=BATCH_SIZE):
    Person = apps.get_model("people", "Person")
    PageGeneration = apps.get_model("people", "PageGeneration")
    changed = 0
    last_pk = 0
    while True:
        batch = list(
            Person.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "name", "sort_name", "family_name", "sort_key")[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1].pk
        stale = []
        for person in batch:
            key = sort_key(person.name, person.sort_name, person.family_name)
            if person.sort_key != key:
                person.sort_key = key
                stale.append(person)
        Person.objects.bulk_update(stale, ["sort_key"])
        changed += len(stale)
    if changed and not PageGeneration.objects.filter(pk=1).update(number=F("number") + 1):
        PageGeneration.objects.create(pk=1, number=1)
    return changed


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0010_person_family_name"),
    ]

    operations = [
        migrations.RunPython(recompute_sort_keys, migrations.RunPython.noop, elidable=True),
    ]
