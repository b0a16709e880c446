"""The recorder benchmark on a small file: the real recorder, in a process of its own against moto's server, reads
the whole file and writes each distinct version downloaded once."""

import pytest

from bench.recorder_bench import measure

# A process of its own and moto's server: `make test` runs it, `-m "not slow"` leaves it out.
pytestmark = pytest.mark.slow


def test_recorder_bench_reads_the_whole_file_and_writes_each_version_once() -> None:
    figures = measure(target_bytes=2 * 1024 * 1024)
    made = figures["file"]
    assert made["json_mb"] == pytest.approx(2.0, abs=0.1) and made["downloads"] > made["versions"] > 100
    assert (figures["batch_item_failures"], figures["files_read"]) == (0, 1)
    assert figures["downloads_recorded"] == made["versions"]
    assert figures["peak_rss_mb"] >= figures["rss_before_mb"] > 0
