"""Retention policies and the pure engine that plans them: no I/O in this package."""
