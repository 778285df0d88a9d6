"""Helpers shared by the integration and browser tests: a real database, a real SMTP server."""
