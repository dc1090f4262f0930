"""Benchmarks of the template, printed side by side with their baselines in one run.

    python tests/bench.py [--bakes N] [--no-matrix]

- one bake by the cookiecutter CLI (median of N), next to ``cookiecutter --version``: the start-up
  floor that every bake pays before it renders a file;
- the whole 48-combination check (``pytest tests/test_matrix.py``), timed once.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
COOKIECUTTER = [sys.executable, "-m", "cookiecutter"]


def seconds(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


def median_seconds(command_for_run, runs: int) -> float:
    return statistics.median(seconds(command_for_run(number)) for number in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bakes", type=int, default=15, help="runs for each median (default 15)")
    parser.add_argument("--no-matrix", action="store_true", help="skip the 48-combination check")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as output:
        floor = median_seconds(lambda _: [*COOKIECUTTER, "--version"], options.bakes)
        bake = median_seconds(
            lambda number: [*COOKIECUTTER, "--no-input", str(TEMPLATE), "-o", f"{output}/{number}"],
            options.bakes,
        )
    print(f"{'measure':<44}{'seconds':>10}")
    print(f"{'cookiecutter --version (floor), median':<44}{floor:>10.3f}")
    print(f"{'one bake by the CLI, median':<44}{bake:>10.3f}")
    print(f"{'bake above the floor':<44}{bake - floor:>10.3f}")
    if not options.no_matrix:
        matrix = seconds([sys.executable, "-m", "pytest", "-q", "tests/test_matrix.py"], cwd=TEMPLATE)
        label = f"48-combination check ({os.cpu_count()} cores)"
        print(f"{label:<44}{matrix:>10.3f}")


if __name__ == "__main__":
    main()
