"""Value types every layer shares (packages, plans, outcomes, holds, runs, reports); imports nothing of the project."""
