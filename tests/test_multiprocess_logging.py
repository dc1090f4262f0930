"""Several gunicorn workers rotating one log file: every failing request's line, exactly once.

``RotatingFileHandler`` loses lines here, because each worker renames the files under the others;
the generated project's concurrent-log-handler takes a lock around every write and rotation.
"""

import pytest

from conftest import combination, fail_concurrently, logged_request_ids, serve_with_failing_route

pytestmark = pytest.mark.slow  # serves a project under load

REQUESTS = 3000
WORKERS = 4


@pytest.mark.parametrize("answers", [combination(use_file_logging=True)])
def test_four_workers_rotating_one_file_keep_every_line_once(bakery, tmp_path, answers):
    project = bakery(answers)
    log = tmp_path / "logs" / "app.log"
    ids = [f"rotation-{number:05d}" for number in range(REQUESTS)]
    rotation = {"LOG_FILE": str(log), "LOG_MAX_BYTES": "20000", "LOG_BACKUP_COUNT": "10000"}
    with serve_with_failing_route(project, tmp_path, workers=WORKERS, **rotation) as port:
        statuses = fail_concurrently(port, ids)
    assert statuses == {500: REQUESTS}
    assert len(list(log.parent.glob("app.log.*"))) > 10, "the file rotated too little to prove it"
    assert logged_request_ids(log) == dict.fromkeys(ids, 1)
