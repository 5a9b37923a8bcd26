"""Benchmarks of ops_metrics: `python -m benchmarks.run [--smoke]` writes docs/benchmarks.md.

Every measurement runs in a fresh subprocess (a worker module of this package) so timings and
peak RSS belong to that measurement alone; the runner collects their JSON and takes medians.
"""
