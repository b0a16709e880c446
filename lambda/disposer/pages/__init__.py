"""Pages a person reads: a run's plan as one self-contained HTML page, for the CLI and the workflow's report alike."""
