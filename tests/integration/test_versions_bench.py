"""The version rules benchmark runs, and measures every format whose library differs."""

from bench.versions_bench import MODULES, measure


def test_versions_bench_measures_each_library():
    # GIVEN / WHEN the benchmark runs at a small size
    figures = measure(count=200)

    # THEN every format has its figures, positive, and requirement checks where its requirements are read
    assert figures["comparisons"] == 200
    for fmt in MODULES:
        row = figures[str(fmt)]
        assert min(row["compare_ms"], row["parse_and_compare_ms"], row["import_ms"]) >= 0
        assert ("satisfies_ms" in row) is (str(fmt) != "ruby")
