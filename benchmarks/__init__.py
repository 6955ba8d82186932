"""Speed and quality measurements; run each from the repository root: ``python -m benchmarks.<name>``."""
