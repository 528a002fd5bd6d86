"""Move the views and apply clicks counted in the cache (wizard.board.counts) into
DailyNumbers: a periodic job (wizard.tasks), every MAINTENANCE_INTERVAL_SECONDS.

Each run takes the counters of the postings that can have any (on the board, or off it
for less than the days the counters are read), then adds them to their (posting, day)
rows in one statement, `INSERT … ON CONFLICT (posting, day) DO UPDATE SET views = views +
excluded.views, …`, on SQLite and PostgreSQL alike.

**Safe twice, and at once.** A counter taken is subtracted from the cache before the
rows are written, so a second run finds only what was counted since; two runs at once
each take a different part (wizard.board.counts.take), and each adds its own part.
**A crash loses, never doubles.** A run that dies between taking and committing loses what
it took (a minute's counts at most). A write the database refused (rolled back for sure)
gives its counts back to the cache for the next run; a failure of the COMMIT itself
might have committed, so its counts are not given back.
"""

from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import Q

from wizard.board import counts
from wizard.postings.models import JobPosting, Status
from wizard.postings.numbers import DailyNumbers

BATCH = 500  # rows a statement


def postings_counted():
    """{slug: posting id} of every posting whose page or Apply link may have been counted
    in the days the flush reads."""
    since = datetime.now(UTC) - timedelta(days=counts.DAYS_READ)
    recent = Q(status=Status.PUBLISHED) | Q(published_at__isnull=False, updated_at__gte=since)
    rows = JobPosting.objects.filter(recent, slug__gt="").values_list("slug", "pk")
    return dict(rows)


def flush_numbers():
    """Add the counted views and apply clicks to DailyNumbers; returns what it added, in
    words."""
    counts.tally.push()  # this process's own (a web process's, in tests)
    postings = postings_counted()
    keys = [
        counts.key(kind, day, slug)
        for slug in postings
        for day in counts.days_read()
        for kind in counts.KINDS
    ]
    taken = counts.take(keys)
    if not taken:
        return "Nothing counted since the last run"
    totals = {}
    for counter, number in taken.items():
        kind, day, slug = counts.parse(counter)
        row = totals.setdefault((postings[slug], day), dict.fromkeys(counts.KINDS, 0))
        row[kind] += number
    write(totals, taken)
    views = sum(row[counts.VIEWS] for row in totals.values())
    clicks = sum(row[counts.APPLY_CLICKS] for row in totals.values())
    return f"{views} views and {clicks} apply clicks added to {len(totals)} postings' days"


def write(totals, taken):
    statement_failed = False
    try:
        with transaction.atomic():
            try:
                rows = list(totals.items())
                for start in range(0, len(rows), BATCH):
                    upsert(rows[start : start + BATCH])
            except DatabaseError:
                statement_failed = True
                raise
    except DatabaseError:
        if statement_failed:
            counts.give_back(taken)
        raise


def upsert(rows):
    meta = DailyNumbers._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    posting = meta.get_field("posting")
    columns = [posting.column, "day", "views", "apply_clicks"]
    values, params = [], []
    for (posting_id, day), row in rows:
        values.append("(%s, %s, %s, %s)")
        params += [
            posting.get_db_prep_value(posting_id, connection),
            connection.ops.adapt_datefield_value(day),
            row[counts.VIEWS],
            row[counts.APPLY_CLICKS],
        ]
    added = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}"
        for name in ("views", "apply_clicks")
    )
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES {', '.join(values)} "
        f"ON CONFLICT ({quote(posting.column)}, {quote('day')}) DO UPDATE SET {added}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
