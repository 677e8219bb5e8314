"""The `bento` logger: the Rust core's log records through the standard `logging` module.

At import the logger `logging.getLogger("bento")` gets a `NullHandler` (a library stays silent
unless the application configures logging: without it, Python's last-resort handler would print
a retry's WARNING to stderr) and the native side gets a listener that hands every record to
that logger:

- `bento.attempt` per attempt at DEBUG, at WARNING when it is retried (`retry_in_ms`); a
  `bento.chunk` per chunk of a chunked helper at DEBUG;
- the record's message is one line, e.g. `bento.attempt: retrying attempt=1 status=429
  latency_ms=1.2 retry_after=0 retry_in_ms=0 operation=TrackEvents method=POST
  path=/api/v1/batch/events`;
- `record.bento_name` is the event (`"bento.attempt"`), `record.bento_fields` a dict of the
  same fields (all values strings).

The native level follows the logger's effective level without anyone calling anything:
`sync_level()` runs at the start of every client call and crosses into Rust only when the level
changed since the last call, so records the logger would drop are never built. Never a key, the
Authorization header or an email address (the Rust core redacts them).

`bento.set_log_listener` (for Kotlin/Swift) replaces this bridge if called from Python.
"""

from __future__ import annotations

import logging

from ._native import bento as _ffi

logger = logging.getLogger("bento")
logger.addHandler(logging.NullHandler())

_TO_PYTHON = {
    _ffi.LogLevel.ERROR: logging.ERROR,
    _ffi.LogLevel.WARN: logging.WARNING,
    _ffi.LogLevel.INFO: logging.INFO,
    _ffi.LogLevel.DEBUG: logging.DEBUG,
    # logging has no TRACE; nothing of bento's is logged at TRACE yet.
    _ffi.LogLevel.TRACE: logging.DEBUG,
}


def native_level(level):
    """The most verbose native level whose records a logger at effective `level` keeps (`None`:
    none, above ERROR)."""
    if level <= logging.DEBUG:
        return _ffi.LogLevel.TRACE
    if level <= logging.INFO:
        return _ffi.LogLevel.INFO
    if level <= logging.WARNING:
        return _ffi.LogLevel.WARN
    if level <= logging.ERROR:
        return _ffi.LogLevel.ERROR
    return None


class _Forward(_ffi.LogListener):
    """The native listener: each record to the `bento` logger."""

    def log(self, record):
        try:
            level = _TO_PYTHON.get(record.level, logging.DEBUG)
            if logger.isEnabledFor(level):
                # The message as given (no %-args, so a `%` in it is just a character).
                logger.log(level, record.message, extra={
                    "bento_name": record.name, "bento_fields": dict(record.fields)})
        except BaseException:  # noqa: BLE001
            # Nothing may unwind into the native call (it would only drop the record there,
            # with a panic message). Handlers report their own errors through handleError;
            # what is left is a bug in a filter or a KeyboardInterrupt, which is not sent to
            # the worker threads that run the calls anyway.
            pass


_FORWARD = _Forward()
_cached = logger.getEffectiveLevel()
_ffi.set_log_listener(_FORWARD, native_level(_cached))


def sync_level():
    """Makes the native level follow the `bento` logger's effective level: one comparison when
    it has not changed (the common case), one native call when it has. Two threads racing here
    at a change can leave `_cached` and the native level one change behind; the next call
    compares again and puts it right."""
    global _cached
    level = logger.getEffectiveLevel()
    if level != _cached:
        _cached = level
        _ffi.set_log_level(native_level(level))
