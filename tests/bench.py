"""Benchmarks of the template, printed side by side with their baselines in one run.

    python tests/bench.py [--bakes N] [--no-matrix]

- one bake by the cookiecutter CLI (median of N), next to ``cookiecutter --version``: the start-up
  floor that every bake pays before it renders a file;
- the whole 48-combination check (``pytest tests/test_matrix.py``), timed once;
- one 404 through the test client: a bare Flask app next to a generated one, for problem+json and
  for the HTML page (median of 5 rounds of ``--requests``).
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
NO_REPORTING = ["use_email_logging=no", "use_file_logging=no", "use_sentry=no"]

# Run inside a baked project (its src on the path): microseconds per 404, bare Flask and generated.
NOT_FOUND_TIMING = """
import statistics, sys, time
from flask import Flask
from {slug} import create_app

def per_request(app, headers, requests):
    client = app.test_client()
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(requests):
            client.get("/no-such-page", headers=headers)
        rounds.append((time.perf_counter() - start) / requests * 1e6)
    return statistics.median(rounds)

bare = Flask("bare")
bare.add_url_rule("/", "index", lambda: "home")
generated = create_app({{"TESTING": True}})
headers = {{"Accept": sys.argv[1]}}
print(per_request(bare, headers, {requests}), per_request(generated, headers, {requests}))
"""


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
    parser.add_argument("--requests", type=int, default=2000, help="404s per round (default 2000)")
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
    print()
    not_found(options.requests)


def not_found(requests: int) -> None:
    """Time a 404 in a bare Flask app and in a generated one, for each error format."""
    print(f"{'one 404 through the test client':<44}{'bare Flask':>12}{'generated':>12}{'ratio':>8}")
    cases = [("json", "application/json", "problem+json"), ("html", "text/html", "HTML page")]
    with tempfile.TemporaryDirectory() as output:
        for error_format, accept, label in cases:
            bake = [*COOKIECUTTER, "--no-input", str(TEMPLATE), "-o", f"{output}/{error_format}"]
            subprocess.run([*bake, f"error_format={error_format}", *NO_REPORTING], check=True)
            project = next(Path(output, error_format).iterdir())
            script = NOT_FOUND_TIMING.format(slug=project.name, requests=requests)
            result = subprocess.run(
                [sys.executable, "-c", script, accept],
                env={**os.environ, "PYTHONPATH": str(project / "src")},
                check=True,
                capture_output=True,
                text=True,
            )
            bare, generated = map(float, result.stdout.split())
            row = f"{label} (microseconds)"
            print(f"{row:<44}{bare:>12.1f}{generated:>12.1f}{generated / bare:>7.2f}x")


if __name__ == "__main__":
    main()
