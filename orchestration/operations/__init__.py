"""How runs share a warehouse and recover from each other: one run at a time per working
database (warehouse_lock), dead runs closed in Dagster (dead_runs), and the processes a run
leaves behind (processes). Free of Dagster but for dead_runs, which uses the instance's
public API only."""
