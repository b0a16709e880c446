"""What the CLI prints of a plan of any size: counts from the whole plan, and exactly what a table leaves out."""

import io
import re

from disposer_cli.output import MAX_TABLE_ROWS, print_summary, print_table
from tests.support_plans import large_view


def printed(view, **options) -> str:
    out = io.StringIO()
    print_table(view, out, **options)
    print_summary(view, out)
    return out.getvalue()


def rows(text: str, action: str) -> int:
    """The table's rows with this action."""
    return len(re.findall(rf"^releases .* {action} ", text, flags=re.MULTILINE))


def test_table_over_the_row_limit_says_exactly_what_it_left_out():
    # GIVEN a plan of 10,000 versions: 9,200 to dispose, 800 kept
    view = large_view(packages=40, versions=10_000, kept=800)
    # WHEN printed as the text plan
    text = printed(view)
    # THEN the first 5,000 rows are dispose rows, and the rest are counted, each kind, with how to see them
    assert rows(text, "dispose") == MAX_TABLE_ROWS
    assert "... 4200 more rows not shown (4200 dispose): --all lists every row" in text
    assert "--json and --html FILE carry every decision" in text
    assert "... 800 keep versions not listed (--show-kept lists them)" in text
    assert "5000 kept versions" not in text
    # AND the summary counts the whole plan
    assert "10000 versions in 40 packages; keep 800, dispose 9200" in text


def test_table_with_show_kept_lists_kept_rows_and_counts_the_rest():
    view = large_view(packages=40, versions=10_000, kept=800)
    text = printed(view, show_kept=True)
    assert "more rows not shown (4200 dispose, 800 keep)" in text
    assert "(--show-kept lists them)" not in text


def test_table_with_all_lists_every_row():
    view = large_view(packages=40, versions=10_000, kept=800)
    text = printed(view, show_kept=True, show_all=True)
    assert rows(text, "dispose") == 9200 and rows(text, "keep") == 800
    assert "not shown" not in text and "not listed" not in text


def test_table_not_candidates_shown_apart_and_counted_apart():
    # GIVEN a plan where 40 versions are already Disposed (the engine keeps them: not selected by status)
    view = large_view(packages=40, versions=400, kept=80, not_candidates=40)
    # WHEN printed with the kept versions
    text = printed(view, show_kept=True)
    # THEN they are "not a candidate: Disposed", apart from the 80 a rule kept, in the rows and the summary
    assert text.count("not a candidate: Disposed") == 40
    assert "keep 80, not candidates 40 (Disposed 40), dispose 280" in text


def test_table_shows_publish_dates_and_ages_where_known_and_why_not():
    view = large_view(packages=1, versions=10, kept=2)
    text = printed(view, show_kept=True)
    # (the kept ones were described: published 1 and 2 days before the clock)
    assert "2026-05-31" in text and "1 d" in text and "2026-05-30" in text and "2 d" in text
    assert "unknown" in text and "a run describes only the few versions that place its age cutoffs" in text
