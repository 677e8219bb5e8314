"""How the generated module converts `JsonValue` (see `uniffi.toml`): Python values in, Python
values out, as JSON text across the boundary.

A value `json.dumps` refuses (a `set`, `float("nan")`, an arbitrary object) is not raised here,
where the field is unknown: it crosses as a marked text that Rust turns into
`BentoError.InvalidInput` naming the field (`events[2].details`). An integer beyond 64 bits
crosses as written (`json.dumps` keeps every digit) and the Rust core refuses it, naming the
field: it holds JSON numbers as 64-bit integers or floats and would otherwise send 2**70 as
1.1805916207174113e21.
"""

import json

_MARK = "\x00"
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def lower(value):
    try:
        return _dumps(value)
    except (TypeError, ValueError, RecursionError) as e:
        return _MARK + str(e)


lift = json.loads
