"""The dashboard's cards and tiles, each drawn from wizard.dashboard.numbers's counts:
the funnel (overall and by week), where employers give up, side-effect failures and
retries, the task queue, refunds, the tiles above them, what needs doing now and the
revenue by week."""

from dataclasses import dataclass

from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone

from wizard.admin.dashboard_parts import (
    Card,
    Cell,
    Table,
    Tile,
    age,
    count_cell,
    percent,
    share,
    week_label,
)
from wizard.dashboard import charts, numbers
from wizard.dashboard.charts import Row, Segment
from wizard.payments.models import Refund
from wizard.postings.models import Status


def funnel_cards(funnel, links):
    created = funnel.total("created")
    rows, table_rows = [], []
    for index, stage in enumerate(funnel.stages):
        total = funnel.total(stage.key)
        params = links.created() if index == 0 else {"reached": stage.key, **links.created()}
        href = links.postings(**params)
        rows.append(
            Row(
                stage.label,
                [Segment(total, f"stage-{index}", stage.label.lower(), href)],
                note=f"{total} · {percent(total, created)}",
            )
        )
        table_rows.append(
            [Cell(stage.label), count_cell(total, href), Cell(percent(total, created))]
        )
    overall = Card(
        "funnel",
        "Funnel",
        f"Drafts created in the last {links.window.weeks} weeks, and how many of them got "
        "through each step.",
        charts.bar_chart(rows, "postings"),
        Table("Funnel", ["Stage", "Postings", "Of those created"], table_rows),
        empty_text="No drafts were created in these weeks.",
    )

    columns, week_rows = [], []
    for week in funnel.weeks:
        label = week_label(week.start)
        bars, cells = [], []
        for index, stage in enumerate(funnel.stages):
            params = links.created(week.start, week.end)
            if index:
                params["reached"] = stage.key
            href = links.postings(**params)
            count = week.reached[stage.key]
            verb = "created" if index == 0 else f"reached “{stage.label}”"
            bars.append(Segment(count, f"stage-{index}", f"{verb}, week of {label}", href))
            cells.append(count_cell(count, href))
        columns.append(charts.Column(label, bars))
        week_rows.append([Cell(f"Week of {label}"), *cells])
    weekly = Card(
        "funnel-by-week",
        "Funnel by week",
        "Each column is the drafts created that week; each colour band is how many of them "
        "got that far and no further.",
        charts.nested_columns(columns, "postings"),
        Table(
            "Funnel by week",
            ["Week", *(stage.label for stage in funnel.stages)],
            week_rows,
        ),
        legend=[(f"stage-{index}", stage.label) for index, stage in enumerate(funnel.stages)],
        empty_text="No drafts were created in these weeks.",
    )
    return overall, weekly


def give_up_card(give_ups, links):
    rows, table_rows = [], []
    for give_up in give_ups:
        point = give_up.point
        if point is None:
            label, last_done, abandoned_href, idle_href = "Unknown (no log)", "Unknown", None, None
        else:
            label, last_done = point.label, point.last_done
            common = {"gave_up": point.status, **links.created()}
            abandoned_href = links.postings(status__exact=Status.ABANDONED, **common)
            idle_href = links.postings(status__exact=point.status, **common)
        rows.append(
            Row(
                label,
                [
                    Segment(give_up.abandoned, "gave-up-abandoned", "abandoned", abandoned_href),
                    Segment(give_up.idle, "gave-up-idle", "idle for over a day", idle_href),
                ],
                note=str(give_up.total),
            )
        )
        table_rows.append(
            [
                Cell(label),
                Cell(last_done),
                count_cell(give_up.abandoned, abandoned_href),
                count_cell(give_up.idle, idle_href),
            ]
        )
    return Card(
        "give-ups",
        "Where employers give up",
        f"Drafts of the last {links.window.weeks} weeks that were abandoned, or left untouched "
        "for over a day, by the step they stopped at.",
        charts.bar_chart(rows, "drafts"),
        Table(
            "Where employers give up",
            ["Stopped at", "Last step done", "Abandoned", "Idle over a day"],
            table_rows,
        ),
        legend=[("gave-up-abandoned", "Abandoned"), ("gave-up-idle", "Idle for over a day")],
        empty_text="Nobody gave up on a draft in these weeks.",
    )


def effects_card(troubles, links):
    since = {"sent_at__date__gte": timezone.localtime(links.window.start).date().isoformat()}
    rows, table_rows = [], []
    for trouble in troubles:
        kind = {"kind__exact": trouble.kind}
        hrefs = {
            "failed": links.effects(state__exact="failed", **kind),
            "bounced": links.effects(state__exact="bounced", **kind),
            "retrying": links.effects(outcome="retrying", **kind),
            "recovered": links.effects(outcome="recovered", **kind, **since),
        }
        label = f"{trouble.label} ({trouble.provider})" if trouble.provider else trouble.label
        rows.append(
            Row(
                label,
                [
                    Segment(trouble.failed, "effect-failed", "failed", hrefs["failed"]),
                    Segment(trouble.bounced, "effect-bounced", "bounced", hrefs["bounced"]),
                    Segment(trouble.retrying, "effect-retrying", "retrying", hrefs["retrying"]),
                    Segment(
                        trouble.recovered,
                        "effect-recovered",
                        "done after retries",
                        hrefs["recovered"],
                    ),
                ],
                note=str(trouble.troubled),
            )
        )
        table_rows.append(
            [
                Cell(trouble.label),
                Cell(trouble.provider or "–"),
                *(
                    count_cell(getattr(trouble, name), hrefs[name])
                    for name in ("failed", "bounced", "retrying", "recovered")
                ),
                count_cell(trouble.queued, links.effects(kind__exact=trouble.kind)),
            ]
        )
    return Card(
        "effects",
        "Side effects: failures and retries",
        "Failed and bounced: all that still need staff. Retrying: an attempt failed and "
        f"another is due. Done after retries: in the last {links.window.weeks} weeks.",
        charts.bar_chart(rows, "side effects"),
        Table(
            "Side effects: failures and retries",
            [
                "Kind",
                "Provider",
                "Failed",
                "Bounced",
                "Retrying",
                "Done after retries",
                f"Queued in {links.window.weeks} weeks",
            ],
            table_rows,
        ),
        legend=[
            ("effect-failed", "Failed"),
            ("effect-bounced", "Bounced"),
            ("effect-retrying", "Retrying"),
            ("effect-recovered", "Done after retries"),
        ],
        empty_text="No side effect has failed or needed a retry.",
    )


def queue_card(queues, links, now):
    rows, table_rows = [], []
    for queue in queues:
        task = {"task_path": queue.task_path}
        hrefs = {
            "due": links.tasks(due="now", **task),
            "later": links.tasks(due="later", **task),
            "running": links.tasks(status__exact=TaskResultStatus.RUNNING, **task),
        }
        waited = age(queue.waiting_since, now) if queue.waiting_since else ""
        rows.append(
            Row(
                queue.name,
                [
                    Segment(queue.due, "task-due", "due now", hrefs["due"]),
                    Segment(queue.running, "task-running", "running", hrefs["running"]),
                    Segment(queue.later, "task-later", "due later", hrefs["later"]),
                ],
                note=f"{queue.due + queue.running + queue.later}"
                + (f" · oldest {waited}" if waited else ""),
            )
        )
        table_rows.append(
            [
                Cell(queue.name),
                count_cell(queue.due, hrefs["due"]),
                Cell(waited or "–"),
                count_cell(queue.running, hrefs["running"]),
                count_cell(queue.later, hrefs["later"]),
            ]
        )
    return Card(
        "queue",
        "Task queue",
        "Tasks not finished yet, by task: due now (with how long the oldest has waited), "
        "running, and waiting for a retry's later time.",
        charts.bar_chart(rows, "tasks"),
        Table(
            "Task queue",
            ["Task", "Due now", "Oldest due waited", "Running", "Due later"],
            table_rows,
        ),
        legend=[
            ("task-due", "Due now"),
            ("task-running", "Running"),
            ("task-later", "Due later"),
        ],
        empty_text="The queue is empty: every task has run.",
    )


REFUND_LABELS = {
    Refund.State.PENDING: "Pending",
    Refund.State.FAILED: "Failed",
    Refund.State.SUCCEEDED: "Succeeded",
}


def refunds_card(states, links, now):
    rows, table_rows = [], []
    order = list(REFUND_LABELS)
    for state in sorted(states, key=lambda state: order.index(state.state)):
        params = {"state__exact": state.state}
        if state.state == Refund.State.SUCCEEDED:
            label = f"Succeeded (last {links.window.weeks} weeks)"
            params["created_at__date__gte"] = (
                timezone.localtime(links.window.start).date().isoformat()
            )
        else:
            label = REFUND_LABELS.get(state.state, state.label)
        href = links.refunds(**params)
        oldest = age(state.oldest, now) if state.oldest else ""
        note = str(state.count)
        if oldest and state.state == Refund.State.PENDING:
            note += f" · oldest {oldest}"
        rows.append(Row(label, [Segment(state.count, f"refund-{state.state}", label, href)], note))
        table_rows.append(
            [
                Cell(label),
                count_cell(state.count, href),
                Cell(numbers.amounts_display(state.amounts) or "–"),
                Cell(oldest or "–"),
            ]
        )
    return Card(
        "refunds",
        "Refunds",
        "Refunds waiting for Stripe or a bank, those Stripe refused (staff run them again), "
        "and those made lately.",
        charts.bar_chart(rows, "refunds"),
        Table("Refunds", ["State", "Refunds", "Amount", "Oldest asked"], table_rows),
        empty_text="No refund is pending, failed or recently made.",
    )


def now_tiles(awaiting, troubles, attention, links, now):
    """What needs doing now: postings to review, side effects that failed, and postings
    that need staff for another reason."""
    failing = sum(trouble.failed + trouble.bounced for trouble in troubles)
    return [
        Tile(
            "Awaiting review",
            str(awaiting.count),
            f"oldest waiting {age(awaiting.oldest, now)}" if awaiting.oldest else "nothing waiting",
            links.queue(),
            "warn" if awaiting.count else "good",
        ),
        Tile(
            "Side effects failing",
            str(failing),
            "failed or bounced, need staff",
            links.effects(outcome="attention"),
            "bad" if failing else "good",
        ),
        Tile(
            "Postings needing attention",
            str(attention),
            "stuck, disputed, an edit to review, a failed refund or effect…",
            links.postings(attention="any"),
            "bad" if attention else "good",
        ),
    ]


@dataclass
class RevenueRow:
    week: str
    paid: str
    tax: str  # the tax collected, included in paid
    refunded: str
    net: str
    discounts: str


def revenue_rows(weeks):
    """Each week's money in the currency's format, newest first ("–" for none)."""
    return [
        RevenueRow(
            week_label(week.start),
            numbers.amounts_display(week.paid) or "–",
            numbers.amounts_display(week.tax) or "–",
            numbers.amounts_display(week.refunded) or "–",
            numbers.amounts_display(week.net) or "–",
            numbers.amounts_display(week.discounts) or "–",
        )
        for week in reversed(weeks)
    ]


def tiles(funnel, give_ups, troubles, queues, refund_states, links, now, processing=0):
    created, paid = funnel.total("created"), funnel.total(Status.PAID)
    published = funnel.total(Status.PUBLISHED)
    gave_up = sum(give_up.total for give_up in give_ups)
    due = sum(queue.due for queue in queues)
    waiting = [queue.waiting_since for queue in queues if queue.waiting_since]
    oldest = min(waiting) if waiting else None
    stuck = oldest is not None and (now - oldest).total_seconds() > settings.STUCK_AFTER_SECONDS
    pending = next(state for state in refund_states if state.state == Refund.State.PENDING)
    weeks = f"in the last {links.window.weeks} weeks"
    return [
        Tile("Drafts started", str(created), weeks, links.postings(**links.created())),
        Tile(
            "Paid",
            str(paid),
            share(paid, created),
            links.postings(reached=Status.PAID, **links.created()),
        ),
        Tile(
            "Published",
            str(published),
            share(published, created),
            links.postings(reached=Status.PUBLISHED, **links.created()),
        ),
        Tile(
            "Payments processing",
            str(processing),
            "by a delayed method (a bank debit): money on its way",
            links.postings(status__exact=Status.PAYMENT_PROCESSING),
        ),
        Tile(
            "Gave up",
            str(gave_up),
            "abandoned or idle over a day",
            links.postings(gave_up="any", **links.created()),
            "warn" if gave_up else "",
        ),
        Tile(
            "Oldest waiting task",
            age(oldest, now) if oldest else "None",
            f"{due} due now" if due else "nothing due now",
            links.tasks(due="now"),
            "bad" if stuck else ("good" if not due else ""),
        ),
        Tile(
            "Refunds pending",
            str(pending.count),
            numbers.amounts_display(pending.amounts) or "nothing owed",
            links.refunds(state__exact=Refund.State.PENDING),
            "warn" if pending.count else "good",
        ),
    ]
