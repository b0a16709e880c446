"""The HTTP API: pre-routing checks, routes validated by Powertools, request and response models."""
