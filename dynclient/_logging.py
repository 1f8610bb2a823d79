"""The ``dynclient`` logger: silent unless asked, one record per event, never a token.

- A ``NullHandler`` is attached, so nothing reaches Python's last-resort handler: a library
  prints nothing on its own. A program sees dynclient's records once it configures logging
  (``logging.basicConfig(level=logging.INFO)``), or with one switch: the environment variable
  ``DYNCLIENT_LOG=debug|info|warning``, read when dynclient is imported, sends the records at
  that level and above to stderr (and only there: they then do not propagate to the root
  logger too, which would print them twice).
- One record per event: a request sent (DEBUG), a response received (DEBUG; INFO when it is
  retried), a transport error (INFO), drift, an answer in another API version or a response
  that fails validation in ``warn`` mode (INFO, one line: the report itself is the warning).
  Bodies, with ``log_bodies=True``, ride in the request's and the response's record.
- Nothing is logged at WARNING or above for what is also raised or warned: the exception or
  the warning is how the caller learns of it; the log line is for whoever reads the logs.
- Every record is scrubbed of every live token (``_secrets.ScrubFilter``).
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

from ._errors import DynclientWarning
from ._secrets import ScrubFilter

__all__ = ["LEVELS", "LOG_ENV", "configure_from_env", "logger", "warn_caller"]

#: The environment variable that turns dynclient's logs on (like ``OPENAI_LOG``).
LOG_ENV = "DYNCLIENT_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_FORMAT = "%(asctime)s dynclient %(levelname)s %(message)s"
_HANDLER_NAME = "dynclient-env"

logger = logging.getLogger("dynclient")
logger.addFilter(ScrubFilter())  # no log line of ours carries a token, whatever it quotes
logger.addHandler(logging.NullHandler())


_PACKAGE = str(Path(__file__).resolve().parent)


def warn_caller(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` pointing at the caller's line: the first frame outside this package
    (however deep the call was made: ``client.call()``, a group method, ``paginate()``, a
    raw call), so the warning names the user's code and the once-per-location filter works."""
    level, frame = 2, sys._getframe(1)  # stacklevel 2: the frame that called this function
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back  # type: ignore[assignment]
    warnings.warn(message, category, stacklevel=level)


def configure_from_env(environ: Mapping[str, str] = os.environ) -> logging.Handler | None:
    """Apply ``DYNCLIENT_LOG``: a stderr handler at that level (replacing one set up before),
    or nothing when it is unset or empty. Another value is warned about and ignored."""
    value = environ.get(LOG_ENV, "").strip().lower()
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(old)
    if not value:
        return None
    level = LEVELS.get(value)
    if level is None:
        warnings.warn(
            f"{LOG_ENV}={value[:20]!r} is not one of {', '.join(LEVELS)}: dynclient's logs stay off",
            DynclientWarning,
            stacklevel=2,
        )
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return handler


configure_from_env()
