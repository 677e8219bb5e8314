"""How the generated module converts `JsonValue` (see `uniffi.toml`): Python values in, Python
values out, as JSON text across the boundary.

A value `json.dumps` refuses (a `set`, `float("nan")`, an arbitrary object) is not raised here,
where the field is unknown: it crosses as a marked text that Rust turns into
`BentoError.InvalidInput` naming the field (`events[2].details`). So does an integer beyond
64 bits: the Rust core holds JSON numbers as 64-bit integers or floats, and would otherwise send
2**70 as 1.1805916207174113e21.
"""

import json
import re

_MARK = "\x00"
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
# u64::MAX has 20 digits, i64::MIN 19: a shorter run of digits is always in range, so only text
# with a run of 20 or more digits (in a number or inside a string) is looked at more closely.
_LONG_DIGITS = re.compile(r"\d{20,}")
INT_MIN, INT_MAX = -(2 ** 63), 2 ** 64 - 1


def too_big(value):
    """The first integer in `value` that does not fit 64 bits, or None."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, bool):
            continue
        if isinstance(v, int):
            if not INT_MIN <= v <= INT_MAX:
                return v
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return None


def check_text(text, value):
    """A reason when `text` (the JSON of `value`) holds an integer beyond 64 bits."""
    if _LONG_DIGITS.search(text) is None:
        return None
    big = too_big(value)
    if big is None:
        return None
    return (f"the integer {big} does not fit in 64 bits (JSON numbers are 64-bit integers or "
            f"floats in the Rust core); pass it as a string")


def lower(value):
    try:
        text = _dumps(value)
    except (TypeError, ValueError, RecursionError) as e:
        return _MARK + str(e)
    reason = check_text(text, value)
    return text if reason is None else _MARK + reason


lift = json.loads
