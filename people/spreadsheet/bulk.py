"""Writing rows in bulk with their history rows, as simple-history would record them.

An import writes tens of thousands of rows in one transaction: model by model, with
COPY on PostgreSQL and bulk_create elsewhere, each row's history row beside it, and
removes rows with their "-" history rows, without a query per row.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import connection

BATCH_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Stamp:
    """Who changed rows, why and when, as their history records say."""

    user: User | None
    reason: str
    date: datetime

    def for_simple_history(self):
        """The arguments of simple-history's bulk functions."""
        return {
            "default_user": self.user,
            "default_change_reason": self.reason,
            "default_date": self.date,
        }


def create(model, objects, stamp):
    """Insert `objects` and their "+" history rows; the objects get their pks."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    # Field.pre_save gives what bulk_create would save of each field.
    rows = [[field.pre_save(obj, True) for field in fields] for obj in objects]
    for obj, pk in zip(objects, insert(model, fields, rows, stamp), strict=True):
        obj.pk = pk


def insert(model, fields, rows, stamp, progress=None):
    """Insert rows of values for `fields` (all but the pk), and their "+" history rows.

    Returns the new rows' pks; calls `progress(done, total)` every BATCH_SIZE rows.
    Elsewhere than on PostgreSQL: bulk_create, then the history rows copied by the
    database from the new rows (building a Python object per history row, as
    simple-history's bulk_history_create does, took longer than the insert itself).
    """
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_in(model, fields, rows, stamp, progress)
    names = [field.attname for field in fields]
    pks = []
    for start in range(0, len(rows), BATCH_SIZE):
        objects = [
            model(**dict(zip(names, row, strict=True))) for row in rows[start : start + BATCH_SIZE]
        ]
        model.objects.bulk_create(objects)
        batch = [obj.pk for obj in objects]
        _copy_to_history(model, batch, "+", stamp)
        pks.extend(batch)
        if progress:
            progress(len(pks), len(rows))
    return pks


def _copy_in(model, fields, rows, stamp, progress):
    """PostgreSQL: rows and their history rows written by COPY, their pks drawn first.

    bulk_create's INSERTs and the history rows copied by INSERT … SELECT took longer
    than the rest of a 50,000-row import together.
    """
    opts = model._meta
    history = model.history.model
    columns = [opts.pk.column] + [field.column for field in fields]
    # The historical model has the model's columns, in its own order.
    tracked = [columns.index(field.column) for field in history.tracked_fields]
    stamp_columns = [
        history._meta.get_field(name).column
        for name in (
            "history_date",
            "history_change_reason",
            "history_type",
            "history_user",
            "change_set",
        )
    ]
    stamps = [stamp.date, stamp.reason, "+", getattr(stamp.user, "pk", None), change_set(history)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # The sequence is looked up once: in the select list, pg_get_serial_sequence() was
        # evaluated for each row, nine tenths of the time of drawing 50,000 pks.
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [opts.db_table, opts.pk.column])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)]
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        # psycopg's own errors become Django's (IntegrityError…), as with execute().
        with connection.wrap_database_errors:
            with cursor.copy(
                f"COPY {quote(opts.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
            ) as copy:
                for done, (pk, row) in enumerate(zip(pks, rows, strict=True), start=1):
                    copy.write_row((pk, *row))
                    if progress and (done % BATCH_SIZE == 0 or done == len(rows)):
                        progress(done, len(rows))
            history_columns = [columns[index] for index in tracked] + stamp_columns
            with cursor.copy(
                f"COPY {quote(history._meta.db_table)} "
                f"({', '.join(map(quote, history_columns))}) FROM STDIN"
            ) as copy:
                for pk, row in zip(pks, rows, strict=True):
                    values = (pk, *row)
                    copy.write_row([values[index] for index in tracked] + stamps)
    return pks


def remove(model, pks, stamp):
    """Copy rows to their history as "-" records, then delete them.

    QuerySet.delete() sends a signal per row, which simple-history answers with an
    INSERT of its own: removing 100,000 credits took minutes. The caller invalidates
    the cached pages, which the signal would have done.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for batch in _batches(pks):
            _copy_to_history(model, batch, "-", stamp)
            condition, params = _pk_in(model, batch)
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {condition}", params)


def _copy_to_history(model, pks, history_type, stamp):
    """INSERT … SELECT the rows `pks` of `model` into its history table, as `history_type`."""
    history = model.history.model
    field = history._meta.get_field
    quote = connection.ops.quote_name
    copied = [quote(tracked.column) for tracked in history.tracked_fields]
    stamps = {
        "history_date": field("history_date").get_db_prep_value(stamp.date, connection),
        "history_change_reason": stamp.reason,
        "history_type": history_type,
        "history_user": getattr(stamp.user, "pk", None),
        "change_set": change_set(history),
    }
    columns = copied + [quote(field(name).column) for name in stamps]
    condition, params = _pk_in(model, pks)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(copied + ['%s'] * len(stamps))} "
            f"FROM {quote(model._meta.db_table)} WHERE {condition}",
            [*stamps.values(), *params],
        )


def change_set(history):
    """The id of the change set being recorded (people.changesets), as the field's default."""
    return history._meta.get_field("change_set").get_default()


def _batches(pks):
    """`pks` in batches that one query can take: on PostgreSQL, all of them as one array."""
    size = len(pks) if connection.vendor == "postgresql" else BATCH_SIZE
    return [pks[start : start + size] for start in range(0, len(pks), size or 1)]


def _pk_in(model, pks):
    """The SQL condition "the pk is one of `pks`" and its parameters."""
    pk = connection.ops.quote_name(model._meta.pk.column)
    if connection.vendor == "postgresql":
        return f"{pk} = ANY(%s)", [list(pks)]
    return f"{pk} IN ({', '.join(['%s'] * len(pks))})", list(pks)
