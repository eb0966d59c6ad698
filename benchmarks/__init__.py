"""Benchmarks of the papers warehouse: a corpus generator, a pure-Python baseline parser and
the runner that measures parser throughput, end-to-end builds and queries (see README.md)."""
