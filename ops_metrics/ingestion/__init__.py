"""The extraction framework: retries, pagination, validation. Sources build on it, never around it."""
