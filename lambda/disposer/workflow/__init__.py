"""Runs of the run workflow as the API and the CLI see them: start one, read one, list them, approve or reject."""
