"""The dashboard's chart layout: gridlines at round numbers, bars in proportion."""

from wizard.dashboard.charts import Column, Row, Segment, bar_chart, nested_columns, nice_ticks


def test_gridlines_fall_on_round_numbers_past_the_largest_value():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(72) == [0, 20, 40, 60, 80]
    assert nice_ticks(13) == [0, 5, 10, 15]
    assert nice_ticks(1000) == [0, 500, 1000]


def test_bars_are_in_proportion_and_their_segments_side_by_side():
    rows = [
        Row("Email", [Segment(3, "failed", "failed"), Segment(1, "bounced", "bounced")]),
        Row("Refund", [Segment(2, "failed", "failed"), Segment(0, "bounced", "bounced")]),
    ]
    chart = bar_chart(rows, "side effects")
    first, second = rows[0].segments
    assert [tick.value for tick in chart.ticks] == [0, 1, 2, 3, 4]
    assert first.span == 3 * second.span
    assert second.left == first.left + first.span
    assert rows[1].segments[0].span == 2 * second.span
    assert rows[1].bar_y > rows[0].bar_y
    assert chart.ticks[-1].x == "99.5%"  # the largest tick at the plot's right edge


def test_each_stage_of_a_column_is_drawn_over_the_one_before_from_the_bottom():
    weeks = [
        Column(f"{day} Jun", [Segment(n, "stage-0", "created"), Segment(n // 2, "stage-1", "paid")])
        for day, n in [(2, 10), (9, 4)]
    ]
    chart = nested_columns(weeks, "postings")
    created, paid = weeks[0].bars
    assert created.y + created.height == paid.y + paid.height == chart.plot_bottom
    assert created.height == 2 * paid.height
    assert created.left == paid.left and weeks[1].left > weeks[0].left


def test_week_labels_thin_out_when_there_are_many_weeks():
    weeks = [Column(str(n), [Segment(1, "stage-0", "created")]) for n in range(26)]
    nested_columns(weeks, "postings")
    shown = [column for column in weeks if column.show_label]
    assert weeks[-1].show_label and 8 <= len(shown) <= 9
