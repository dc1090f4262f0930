"""Where a served 404 spends its worker's CPU: cProfile inside one gunicorn worker.

    python tests/profile_served.py [--requests N] [--top N] [--path PATH] [--save FILE]

Bakes the default project, serves it with its own ``gunicorn.conf.py`` and one worker (gevent, as
configured), sends ``--requests`` problem+json 404s from 16 kept-alive connections, and prints the
worker's functions with the most CPU time of their own, then the most CPU time in all. The
profiler runs inside the worker (started after it boots, stopped and dumped when it exits), added
by a wrapper that reads the project's own settings first.
"""

import argparse
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import gunicorn_process
from traffic import send_all

TEMPLATE = Path(__file__).resolve().parent.parent

PROFILED_CONFIG = """\
import cProfile
import os

# The project's own settings, then a profiler in each worker.
exec(open(os.path.join(os.getcwd(), "gunicorn.conf.py"), encoding="utf-8").read())
_profile = cProfile.Profile(timer=__import__("time").process_time)


def post_worker_init(worker):
    _profile.enable()


def worker_exit(server, worker):
    _profile.disable()
    _profile.dump_stats(os.path.join({output!r}, f"worker-{{os.getpid()}}.prof"))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--path", default="/api/no-such-route")
    parser.add_argument("--save", type=Path, help="also keep the profile (pstats) at this path")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as output:
        command = [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE), "-o", output]
        subprocess.run(command, check=True, capture_output=True)
        project = next(path for path in Path(output).iterdir() if path.is_dir())
        config = Path(output, "profiled.conf.py")
        config.write_text(PROFILED_CONFIG.format(output=output), encoding="utf-8")
        requests = [(options.path, f"profile-{number:05d}") for number in range(options.requests)]
        environment = {"GUNICORN_CMD_ARGS": f"--config {config}", "LOG_FILE": str(Path(output, "app.log"))}
        with gunicorn_process(project, workers=1, **environment) as (port, _, _):
            send_all(port, requests[:200])  # the first requests fill caches
            result = send_all(port, requests)
        assert not result["failures"], result["failures"][:3]
        [profile] = Path(output).glob("worker-*.prof")
        if options.save:
            shutil.copyfile(profile, options.save)
        stats = pstats.Stats(str(profile))
        print(f"{len(requests) + 200} requests, the profiler's own cost included in every figure")
        stats.sort_stats("tottime").print_stats(options.top)
        stats.sort_stats("cumulative").print_stats(options.top)


if __name__ == "__main__":
    os.environ.pop("FLASK_DEBUG", None)
    main()
