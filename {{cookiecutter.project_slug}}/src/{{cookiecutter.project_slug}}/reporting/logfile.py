"""Error reports to a rotating log file, safe with several worker processes.

``ConcurrentRotatingFileHandler`` (concurrent-log-handler) takes a lock file around every write and
rotation, so gunicorn's workers can share one ``LOG_FILE`` without losing or repeating a line.
"""

import logging
from pathlib import Path

from concurrent_log_handler import ConcurrentRotatingFileHandler
from flask import Flask

from .console import TextFormatter

logger = logging.getLogger(__name__)
FORMAT = (
    "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s [in %(pathname)s:%(lineno)d]"
)


def create_handler(app: Flask) -> logging.Handler | None:
    """The file handler for ``LOG_FILE`` (an INFO line says where); None, with a warning, when the
    file cannot be written."""
    path = Path(app.config["LOG_FILE"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = ConcurrentRotatingFileHandler(
            path,
            maxBytes=app.config["LOG_MAX_BYTES"],
            backupCount=app.config["LOG_BACKUP_COUNT"],
            encoding="utf-8",
        )
    except OSError as error:
        logger.warning("Cannot write the log file %s (%s); logging to stderr only", path, error)
        return None
    # A repeat of an error logged in full already is one line, as on the console.
    handler.setFormatter(TextFormatter(FORMAT))
    logger.info(
        "Log file reports are on: %s, rotated at %d bytes, %d kept.",
        path,
        app.config["LOG_MAX_BYTES"],
        app.config["LOG_BACKUP_COUNT"],
    )
    return handler
