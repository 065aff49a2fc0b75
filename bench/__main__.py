"""Entry point of `make bench` (filled in by the benchmark module)."""

print("bench: no benchmarks yet")
