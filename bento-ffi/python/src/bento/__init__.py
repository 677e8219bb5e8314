"""Bento for Python, on the bento-rs Rust core.

`bento._native` is the module uniffi generates from the Rust library; this package re-exports
everything in it and makes the generated classes behave like ordinary Python values:

- a `BentoClient` can be copied (the copy shares the thread-safe native client) and refuses to
  be pickled with a `TypeError` (it owns a native connection pool), instead of freeing its
  native handle once per copy and crashing the interpreter;
- every `BentoError` survives a pickle round trip (a `ProcessPoolExecutor` worker can raise it)
  and reads as a sentence (`str(error)`, never empty);
- records are real dataclasses: fields in `repr`, comparison by value (`event == 5` is
  `False`), `dataclasses.asdict(record)` and `record.to_dict()`;
- enum parameters also take their names as strings (`list_broadcasts(status="sent")`);
- `BroadcastType` is a `str` enum (`PLAIN`, `RAW`): `BroadcastData.broadcast_type` takes one of
  them or any other non-blank string, sent as the API's `type` as given;
- signatures show their real defaults (`help(bento.BentoClient.list_broadcasts)`);
- `BentoClient.from_env(**overrides)`;
- the Rust core's log records go to the standard `logging` logger `bento` (silent by default;
  DEBUG shows every attempt, WARNING every retry): see `bento._logging`.
"""

from __future__ import annotations

import dataclasses as _dataclasses
import enum as _enum
import functools as _functools
import inspect as _inspect
import json as _json
import marshal as _marshal
import os as _os
import queue as _queue
import threading as _threading
import warnings as _warnings

from . import _jsonvalue
from . import _logging
from ._native import bento as _ffi
from ._native.bento import *  # noqa: F401,F403  (the generated API, unchanged)
from ._native.bento import JsonValue  # noqa: F401  (typing.Any: dict/list/str/int/float/bool/None)



class BroadcastType(str, _enum.Enum):
    """A broadcast's content type (the API's `type`): `PLAIN`, `RAW`, or any other string.

    `PLAIN` is Bento's styling (the default), `RAW` your own HTML. `BroadcastData(broadcast_type=
    ...)` takes one of these or any other non-blank string (the API may accept more types),
    which is sent as given; a blank one raises `BentoError.InvalidInput`. A `str` enum:
    `BroadcastType.RAW == "raw"`, and `BroadcastType("RAW")` is `BroadcastType.RAW`."""

    PLAIN = "plain"
    RAW = "raw"

    def __str__(self):
        return self.value


__all__ = sorted(set(_ffi.__all__) | {"JsonValue", "BroadcastType"})


# ---- the client: no copy of the native handle without its own reference ---------------------

def _client_copy(self, memo=None):
    # A new Python object with its own reference (an `Arc` clone) to the same native client,
    # so each object frees only its own reference. Sharing is safe: the client is thread-safe
    # and immutable.
    return type(self)._uniffi_make_instance(self._uniffi_clone_handle())


def _client_no_pickle(self, protocol=None):
    name = type(self).__name__
    raise TypeError(
        f"a {name} cannot be pickled: it owns a native connection pool. Build one per "
        f"process instead, e.g. bento.{name}(config) in the worker, or "
        f"bento.{name}.from_env()")


_ENV = (("publishable_key", "BENTO_PUBLISHABLE_KEY"), ("secret_key", "BENTO_SECRET_KEY"),
        ("site_uuid", "BENTO_SITE_UUID"), ("base_url", "BENTO_BASE_URL"))
_REQUIRED = ("publishable_key", "secret_key", "site_uuid")
_CLIENTS = (BentoClient, AsyncBentoClient)  # noqa: F405
_NATIVE_FROM_ENV = {cls: cls.from_env for cls in _CLIENTS}


def _from_env(cls, **overrides):
    """A client configured from `BENTO_PUBLISHABLE_KEY`, `BENTO_SECRET_KEY`, `BENTO_SITE_UUID`
    and the optional `BENTO_BASE_URL`; any `BentoConfig` field given as a keyword argument
    overrides (or replaces) what the environment says, e.g.
    `BentoClient.from_env(timeout_secs=5.0, retry=bento.disabled_retry_settings())`."""
    if not overrides:
        return _NATIVE_FROM_ENV[cls]()
    values = {}
    for field, var in _ENV:
        text = _os.environ.get(var)
        if text is not None and text.strip():
            values[field] = text
    values.update(overrides)
    for field, var in _ENV:
        if field in _REQUIRED and field not in values:
            raise BentoError.InvalidInput(  # noqa: F405
                var, f"environment variable is not set (or pass {field}=...)")
    return cls(BentoConfig(**values))  # noqa: F405


for _client in _CLIENTS:
    _client.__copy__ = _client_copy
    _client.__deepcopy__ = _client_copy
    _client.__reduce_ex__ = _client_no_pickle
    _client.__reduce__ = _client_no_pickle
    _client.from_env = classmethod(_from_env)
del _client


# ---- errors: picklable, and a sentence as their text --------------------------------------

def _init_fields(cls):
    params = list(_inspect.signature(cls.__init__).parameters.values())[1:]
    return tuple(p.name for p in params)


def _error_reduce(self):
    # Rebuild from the fields (the generated `__init__` takes them), not from `args`.
    return (type(self), tuple(getattr(self, name) for name in _init_fields(type(self))))


def _error_str(self):
    try:
        return describe_error(self)  # noqa: F405  (the Rust Display: one formatter)
    except Exception:  # a half-built error must still print something
        fields = ", ".join(f"{n}={getattr(self, n, None)!r}" for n in _init_fields(type(self)))
        return f"{type(self).__name__}({fields})"


def _error_repr(self):
    fields = ", ".join(f"{n}={getattr(self, n, None)!r}" for n in _init_fields(type(self)))
    return f"BentoError.{type(self).__name__}({fields})"


for _variant in [BentoError] + BentoError.__subclasses__():  # noqa: F405
    _variant.__reduce__ = _error_reduce
    _variant.__str__ = _error_str
    _variant.__repr__ = _error_repr


# ---- records: real dataclasses -------------------------------------------------------------

def _calls_rust(fn):
    """Whether a generated dunder calls into Rust (an exported `Debug`/`Display`, e.g. the
    `BentoConfig` repr that hides the secret key), so it must be kept."""
    code = getattr(fn, "__code__", None)
    return code is not None and "_UniffiLib" in code.co_names


def _to_dict(self):
    """The record as a dict (nested records and lists converted too)."""
    return _dataclasses.asdict(self)


_LIST_SHOWN = 3  # items of a list field shown by repr() before "... (N more)"


class _More:
    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return f"... ({self.n} more)"


def _short_repr(self):
    """The dataclass repr, with long list fields cut short (a failed chunk holds up to 1,000
    records; printing the report should not print them all)."""
    parts = []
    for f in _dataclasses.fields(self):
        value = getattr(self, f.name)
        if isinstance(value, list) and len(value) > _LIST_SHOWN + 1:
            value = value[:_LIST_SHOWN] + [_More(len(value) - _LIST_SHOWN)]
        parts.append(f"{f.name}={value!r}")
    return f"{type(self).__qualname__}({', '.join(parts)})"


def _make_dataclass(cls):
    params = list(_inspect.signature(cls.__init__).parameters.values())[1:]
    keep_repr = _calls_rust(cls.__dict__.get("__repr__"))
    for name in ("__eq__", "__str__", "__repr__", "__dataclass_fields__",
                 "__dataclass_params__", "__match_args__"):
        if name in ("__repr__", "__str__") and keep_repr:
            continue
        if name in cls.__dict__ and not _calls_rust(cls.__dict__[name]):
            delattr(cls, name)
    cls.__annotations__ = {p.name: p.annotation for p in params}
    _dataclasses.dataclass(cls, init=False, repr=False, eq=True)
    if not keep_repr:
        cls.__repr__ = _short_repr
    cls.to_dict = _to_dict


def _generated_classes():
    for obj in list(vars(_ffi).values()):
        if isinstance(obj, type) and obj.__module__ == _ffi.__name__ \
                and not obj.__name__.startswith("_"):
            yield obj


for _cls in _generated_classes():
    if _dataclasses.is_dataclass(_cls):
        _make_dataclass(_cls)
    # Enums with data (`Command`): each variant is a generated dataclass (the variant class
    # users see subclasses it and the enum).
    for _attr in list(vars(_cls).values()):
        if isinstance(_attr, type) and issubclass(_attr, _cls) and _attr is not _cls \
                and not issubclass(_cls, BaseException):
            for _base in _attr.__mro__[1:]:
                if "__dataclass_fields__" in vars(_base):
                    _make_dataclass(_base)
                    break


# ---- enums: their names as strings are accepted too ---------------------------------------

def _enum_missing(cls, value):
    if isinstance(value, str):
        wanted = value.strip().replace("-", "_").upper()
        for member in cls:
            if member.name == wanted:
                return member
    return None


def _coerce_enum(cls, value):
    if isinstance(value, str):
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(repr(m.name.lower()) for m in cls)
            raise ValueError(f"{value!r} is not a {cls.__name__}; use one of {names} "
                             f"(or {cls.__name__}.<NAME>)") from None
    return value


def _accept_strings(cls):
    converter = getattr(_ffi, f"_UniffiFfiConverterType{cls.__name__}")
    check_lower, write = converter.check_lower, converter.write
    converter.check_lower = staticmethod(lambda value: check_lower(_coerce_enum(cls, value)))
    converter.write = staticmethod(lambda value, buf: write(_coerce_enum(cls, value), buf))
    cls._missing_ = classmethod(_enum_missing)


for _cls in _generated_classes():
    if issubclass(_cls, _enum.Enum):
        _accept_strings(_cls)

del _cls

# Not a generated enum (the field is a plain string), but `BroadcastType("RAW")` works the same.
BroadcastType._missing_ = classmethod(_enum_missing)


# ---- signatures: the real default instead of uniffi's `_DEFAULT` sentinel ------------------

class _Shown:
    """A default as `help()` and `inspect.signature` show it (the call itself still receives
    the generated sentinel, so a mutable default is never shared between calls)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _show_real_defaults(fn, real):
    sig = _inspect.signature(fn)
    params = [p.replace(default=_Shown(real[p.name])) if p.name in real else p
              for p in sig.parameters.values()]
    fn.__signature__ = sig.replace(parameters=params)


def _sentinel_defaults(fn):
    import re
    try:
        source = _inspect.getsource(fn)
    except (OSError, TypeError):
        return {}
    return dict(re.findall(r"if (\w+) is _DEFAULT:\s*\n\s*(?:self\.)?\1 = (.+)", source))


for _cls in _generated_classes():
    for _fn in [v for v in vars(_cls).values() if _inspect.isfunction(v)]:
        if any(p.default is _ffi._DEFAULT for p in _inspect.signature(_fn).parameters.values()):
            _show_real_defaults(_fn, _sentinel_defaults(_fn))
del _cls, _fn


# ---- JSON fields: native values; the old `*_json` text of outputs as deprecated properties ---

def _json_text_property(name):
    def get(self):
        _warnings.warn(f"`{name}_json` is deprecated: `{name}` holds the value itself",
                       DeprecationWarning, stacklevel=2)
        value = getattr(self, name)
        return None if value is None else _json.dumps(value)
    get.__doc__ = f"Deprecated: `{name}` as JSON text (`json.dumps(self.{name})`)."
    return property(get)


for _cls in _generated_classes():
    if _dataclasses.is_dataclass(_cls):
        _names = {f.name for f in _dataclasses.fields(_cls)}
        for _f in _dataclasses.fields(_cls):
            if "JsonValue" in str(_f.type) and f"{_f.name}_json" not in _names:
                setattr(_cls, f"{_f.name}_json", _json_text_property(_f.name))
del _cls


# ---- Ctrl-C: a blocking call on the main thread can be interrupted --------------------------

_SLICE = 0.05  # seconds between checks for a pending signal


class _Worker:
    """A daemon thread that makes native calls for the main thread, one at a time, and goes
    back to the idle list after each. Reusing it instead of starting a thread per call took
    about 200 µs off every call (the small-call benchmark); a worker whose call was abandoned
    (Ctrl-C) is busy until that call ends, so the next call takes another one."""

    def __init__(self):
        self.inbox = _queue.SimpleQueue()
        _threading.Thread(target=self._loop, name="bento.call", daemon=True).start()

    def _loop(self):
        while True:
            fn, box, done = self.inbox.get()
            try:
                box.append((True, fn()))
            except BaseException as e:  # noqa: BLE001 - re-raised on the caller's thread
                box.append((False, e))
            finally:
                del fn
                with _IDLE_LOCK:
                    _IDLE.append(self)
                done.set()


_IDLE = []
_IDLE_LOCK = _threading.Lock()
# A forked child has none of the parent's threads: its idle list starts empty.
_os.register_at_fork(after_in_child=_IDLE.clear)


def _interruptible(method):
    """Runs the native call on a daemon worker thread while the main thread waits in short
    slices, so SIGINT (KeyboardInterrupt) ends the wait at once, also during retries and
    Retry-After waits. The request itself is not cancelled: it finishes (or times out) in the
    background and its result is dropped. Off the main thread, the call runs directly."""

    @_functools.wraps(method)
    def call(self, *args, **kwargs):
        _logging.sync_level()  # the native log level follows the `bento` logger's, for both paths
        if _threading.current_thread() is not _threading.main_thread():
            return method(self, *args, **kwargs)
        box = []
        done = _threading.Event()
        with _IDLE_LOCK:
            worker = _IDLE.pop() if _IDLE else None
        if worker is None:
            worker = _Worker()
        worker.inbox.put((_functools.partial(method, self, *args, **kwargs), box, done))
        while not done.wait(_SLICE):
            pass
        ok, value = box[0]
        if ok:
            return value
        raise value

    return call


for _name, _fn in list(vars(BentoClient).items()):  # noqa: F405
    if _inspect.isfunction(_fn) and not _name.startswith("_") \
            and _name not in ("site_uuid", "base_url"):
        setattr(BentoClient, _name, _interruptible(_fn))  # noqa: F405


def _logged(method):
    """An `AsyncBentoClient` coroutine method that first brings the native log level in line
    with the `bento` logger's, as `_interruptible` does for the blocking client."""

    @_functools.wraps(method)
    async def call(self, *args, **kwargs):
        _logging.sync_level()
        return await method(self, *args, **kwargs)

    return call


for _name, _fn in list(vars(AsyncBentoClient).items()):  # noqa: F405
    if _inspect.iscoroutinefunction(_fn) and not _name.startswith("_"):
        setattr(AsyncBentoClient, _name, _logged(_fn))  # noqa: F405
del _name, _fn


# ---- bulk: any iterable, rows as dicts ------------------------------------------------------

_ROW_KEYS = ("email", "first_name", "last_name", "tags", "remove_tags")


def _row(item, i):
    """One import row in the API's flat shape (custom fields beside the named keys)."""
    if isinstance(item, dict):
        nested = item.get("custom_fields")
        if isinstance(nested, dict):
            item = {**{k: v for k, v in item.items() if k != "custom_fields"}, **nested}
        return item
    if isinstance(item, ImportSubscriber):  # noqa: F405
        row = {k: getattr(item, k) for k in _ROW_KEYS if getattr(item, k) is not None}
        if item.custom_fields_json is not None:
            try:
                fields = _json.loads(item.custom_fields_json)
            except ValueError:
                raise BentoError.InvalidInput(  # noqa: F405
                    f"subscribers[{i}].custom_fields_json", "is not valid JSON text") from None
            if not isinstance(fields, dict):
                raise BentoError.InvalidInput(  # noqa: F405
                    f"subscribers[{i}].custom_fields_json", "must be a JSON object")
            row.update(fields)
        if isinstance(item.custom_fields, dict):
            row.update(item.custom_fields)
        elif item.custom_fields is not None:
            raise BentoError.InvalidInput(  # noqa: F405
                f"subscribers[{i}].custom_fields", "must be a JSON object")
        return row
    raise TypeError(f"subscribers[{i}] must be a dict or an ImportSubscriber, "
                    f"not {type(item).__name__}")


def _import_rows(subscribers):
    """`import_subscribers_chunked`'s rows as marshal data (or, failing that, one JSON text),
    and the items as given."""
    items = list(subscribers)
    # Plain flat dicts (the common case) are the rows as they are; one pass to tell.
    flat = all(type(item) is dict and "custom_fields" not in item for item in items)
    rows = items if flat else [_row(item, i) for i, item in enumerate(items)]
    try:
        # marshal's C writer is ~10x faster than json.dumps here and its output smaller; Rust
        # checks it in full, then builds each chunk's rows as it sends them (bento-ffi's
        # marshal.rs). Version 4 is what Rust reads (Python 3.4 to 3.14 write it).
        return items, _marshal.dumps(rows, 4)
    except ValueError:
        pass  # an object marshal does not write (a dict or str subclass, a datetime, ...)
    try:
        # json's C encoder; compact separators are a quarter faster here (less text to write,
        # and less for Rust to read). Integers keep every digit: Rust refuses any beyond 64 bits.
        text = _json.dumps(rows, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        bad = next((i for i, r in enumerate(rows) if not _dumps_ok(r)), None)
        field = "subscribers" if bad is None else f"subscribers[{bad}]"
        raise BentoError.InvalidInput(field, f"is not JSON ({e})") from None  # noqa: F405
    return items, text


def _own_records(items, report):
    """The report with rows given as records replaced by the caller's own objects."""
    def own(offset, records):
        return [item if isinstance(item, ImportSubscriber) else rec  # noqa: F405
                for item, rec in zip(items[offset:offset + len(records)], records)]
    for chunk in report.failed_chunks + report.partial_chunks:
        chunk.records = own(chunk.offset, chunk.records)
    report.failed_records = [r for c in report.failed_chunks for r in c.records]
    return report


_IMPORT_DOC = """Imports any number of subscribers in chunks (at most 1000, or `chunk_size`); the report
    holds the rows that were not accepted (as `ImportSubscriber` records).

    `subscribers` is any iterable (a list, a generator, ...) of dicts in the API's flat shape
    (`{"email": .., "first_name": .., "tags": "a,b", "plan": "pro"}`: every key besides
    `email`, `first_name`, `last_name`, `tags` and `remove_tags` is a custom field; a nested
    `"custom_fields": {..}` dict is flattened) and/or `ImportSubscriber` records. Every row is
    checked before anything is sent. The rows cross into Rust in one piece (Python's `marshal`
    data; one JSON text for values marshal does not write), which keeps 100,000 rows cheap."""


def _dumps_ok(value):
    try:
        _json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def _iterable_signature(native, kind):
    """`native`'s signature with its list parameter widened to any iterable (of dicts too)."""
    sig = _inspect.signature(native)
    params = list(sig.parameters.values())
    item = kind if kind == "Command" else f"typing.Union[{kind}, typing.Mapping[str, typing.Any]]"
    params[1] = params[1].replace(annotation=f"typing.Iterable[{item}]")
    return _progress_signature(sig.replace(parameters=params))


_ON_PROGRESS = ("typing.Optional[typing.Union[ProgressListener, "
                "typing.Callable[[Progress], typing.Any]]]")


def _progress_signature(sig):
    """`sig` with its `on_progress` parameter widened to any callable taking a `Progress`."""
    return sig.replace(parameters=[
        p.replace(annotation=_ON_PROGRESS) if p.name == "on_progress" else p
        for p in sig.parameters.values()])


class _Progress(ProgressListener):  # noqa: F405
    """`on_progress` as the native side calls it: any callable taking a `bento.Progress`
    (or an object with an `on_progress` method). An exception it raises cannot stop chunks
    already on their way, and must not unwind into the native run (its report would be lost):
    the first one is kept, later calls are skipped, and it is raised when the run has ended,
    with the run's report as its `report` attribute."""

    def __init__(self, fn):
        self.fn = fn if callable(fn) else fn.on_progress
        self.error = None

    def on_progress(self, progress):
        if self.error is None:
            try:
                self.fn(progress)
            except BaseException as e:  # noqa: BLE001 - raised after the run (see above)
                self.error = e

    @staticmethod
    def wrap(on_progress):
        if on_progress is None:
            return None
        if not callable(on_progress) and not callable(getattr(on_progress, "on_progress", None)):
            raise TypeError("on_progress must be a callable taking a bento.Progress, "
                            f"not {type(on_progress).__name__}")
        return _Progress(on_progress)

    def done(self, report):
        """The run's report, or the callback's exception carrying it."""
        if self.error is not None:
            error, self.error = self.error, None
            try:
                error.report = report
            except AttributeError:
                pass
            raise error
        return report


def _after_run(listener, report):
    return report if listener is None else listener.done(report)


def _wrapped(native, before, after, is_async, field=None):
    """`native` (a method) run between `before(*args, **kwargs)`, which returns the arguments
    for `native` and a state, and `after(state, result)`: a coroutine function on
    `AsyncBentoClient`, a plain one on `BentoClient`. The argument handling is the same on both.
    `field=(native_names, name)`: an `InvalidInput` about one of `native`'s parameters
    `native_names` is about the caller's `name` (`rows_json[3].email` is the caller's
    `subscribers[3].email`)."""
    def renamed(e):
        for prefix in () if field is None else field[0]:
            if e.field.startswith(prefix):
                return BentoError.InvalidInput(field[1] + e.field[len(prefix):],  # noqa: F405
                                               e.reason)
        return e

    if is_async:
        async def call(self, *args, **kwargs):
            native_args, state = before(*args, **kwargs)
            try:
                result = await native(self, *native_args)
            except BentoError.InvalidInput as e:  # noqa: F405
                raise renamed(e) from None
            return after(state, result)
    else:
        def call(self, *args, **kwargs):
            native_args, state = before(*args, **kwargs)
            try:
                result = native(self, *native_args)
            except BentoError.InvalidInput as e:  # noqa: F405
                raise renamed(e) from None
            return after(state, result)
    return _functools.wraps(native)(call)


def _listing(kind):
    """The arguments of a chunked helper that takes any iterable of records (or dicts of their
    fields) and an optional `on_progress` callable."""

    def before(items, chunk_size=None, on_progress=None):
        values = [kind(**item) if kind is not None and isinstance(item, dict) else item
                  for item in items]
        listener = _Progress.wrap(on_progress)
        return (values, chunk_size, listener), listener

    return before


def _progress_only(rows_json, chunk_size=None, on_progress=None):
    listener = _Progress.wrap(on_progress)
    return (rows_json, chunk_size, listener), listener


def _import_before(subscribers, chunk_size=None, on_progress=None):
    items, text = _import_rows(subscribers)
    return (text, chunk_size, on_progress), items


def _bulk_helpers(client, is_async):
    for name, kind in (("track_events_chunked", Event), ("send_emails_chunked", EmailData),  # noqa: F405
                       ("create_broadcasts_chunked", BroadcastData),  # noqa: F405
                       ("subscriber_commands_chunked", None)):
        native = getattr(client, name)
        call = _wrapped(native, _listing(kind), _after_run, is_async)
        call.__signature__ = _iterable_signature(native, "Command" if kind is None
                                                 else kind.__name__)
        setattr(client, name, call)

    native_json = client.import_subscribers_chunked_json
    call = _wrapped(native_json, _progress_only, _after_run, is_async)
    call.__signature__ = _progress_signature(_inspect.signature(native_json))
    client.import_subscribers_chunked_json = call
    # The fast path for dicts; private here (Python's marshal means nothing to a caller).
    client._import_subscribers_chunked_marshal = _wrapped(
        client.import_subscribers_chunked_marshal, _progress_only, _after_run, is_async)
    for cls in client.__mro__:  # the class and its generated Protocol
        if "import_subscribers_chunked_marshal" in vars(cls):
            delattr(cls, "import_subscribers_chunked_marshal")

    # Dict rows go through the marshal path, or the JSON-text one (progress handling included).
    native = client.import_subscribers_chunked
    call = _wrapped(lambda self, payload, *args: (
                        self._import_subscribers_chunked_marshal(payload, *args)
                        if isinstance(payload, bytes)
                        else self.import_subscribers_chunked_json(payload, *args)),
                    _import_before, _own_records, is_async,
                    field=(("rows_marshal", "rows_json"), "subscribers"))
    call.__name__ = "import_subscribers_chunked"
    call.__qualname__ = f"{client.__name__}.import_subscribers_chunked"
    call.__doc__ = _IMPORT_DOC
    call.__signature__ = _iterable_signature(native, "ImportSubscriber")
    client.import_subscribers_chunked = call


_bulk_helpers(BentoClient, is_async=False)  # noqa: F405
_bulk_helpers(AsyncBentoClient, is_async=True)  # noqa: F405
