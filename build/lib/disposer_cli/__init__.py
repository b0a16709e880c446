"""The operator CLI: plan and apply retention policies from a terminal, with the function's own engine."""
