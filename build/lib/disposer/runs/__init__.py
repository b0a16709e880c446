"""Runs: the one place a run is orchestrated (plan, guards, apply, report), and what it needs."""
