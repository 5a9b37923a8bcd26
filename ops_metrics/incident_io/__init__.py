"""Incident.io: one hourly-partitioned asset per workspace in the registry."""
