"""Reliability tooling: the soak that runs every source under faults and compares with a clean run."""
