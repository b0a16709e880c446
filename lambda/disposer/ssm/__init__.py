"""The SSM adapter: the kill switch's parameter."""
