"""The reports bucket: where a workflow run keeps its shards, its full plan, its parts, approval and report."""
