"""`make bench`: every benchmark in turn, each printing one JSON line of figures."""

import json

from bench import cold_start, deadline_bench, emulator_bench, retention_bench, scale_bench
from infra import asset_size

if __name__ == "__main__":
    print(json.dumps(cold_start.measure()))
    asset_size.main(["--json"])
    emulator_bench.main()
    retention_bench.main()
    deadline_bench.main()
    scale_bench.main()
