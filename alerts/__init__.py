"""Alerting: subscriptions, matching, alert state, channels and the HTTP API."""
