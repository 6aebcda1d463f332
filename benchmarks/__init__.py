"""Benchmarks: speed and memory targets, printed as figures (`make bench`), never timed tests."""
