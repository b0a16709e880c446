"""The ledger: what the service remembers between runs (publish times; holds and quarantine records)."""
