//! `import_subscribers_chunked_marshal`'s input: the rows as Python's own `marshal` data
//! (format version 4, `marshal.dumps(rows, 4)`), read into the core's import rows one chunk
//! at a time.
//!
//! Why marshal: it is the Python package's fast path for dict rows. `marshal.dumps` of
//! 100,000 rows takes ~25 ms where `json.dumps` takes ~220 ms and touches four times the
//! memory, and the data is smaller (no escapes, no quotes); in a fresh process every page
//! first touched is a fault, and those faults were most of a bulk import's system time.
//! Why lazily: reading every row up front materialized ~100 MB of rows (25,000 page faults);
//! here [`import_rows`] only checks the data and notes where shared objects are, and
//! [`MarshalRows`] builds each row as the chunked run takes it, so one chunk's rows are
//! alive at a time and their memory is reused.
//!
//! Only what JSON can say is accepted (`None`, `bool`, `int` within 64 bits, finite `float`,
//! `str`, `list`/`tuple`, `dict`), with the same rules as the JSON-text path: a row is a dict
//! with a string `email`; `first_name`, `last_name`, `tags`, `remove_tags` are strings or
//! `None`; every other key is a custom field. Dict keys that are `int`, `bool` or `None` become
//! strings as `json.dumps` writes them; other keys are refused. Anything else (bytes, sets, a
//! NaN, a lone surrogate, a circular reference, a truncated or hand-made buffer) is an
//! `InvalidInput` naming the row and key, before any request is sent.
//!
//! The format (CPython's `Python/marshal.c`): each object is a type byte, its high bit
//! (`FLAG_REF`) meaning "remember me"; a remembered object gets the next index and a later
//! `r` + index stands for it (interned keys, shared values, and every row dict the caller
//! also holds). Containers take their index before their contents.

use std::ops::Range;

use crate::error::BentoError;

/// The cap on the data, and on what it expands to once shared objects are counted each time
/// they are used (a small buffer can refer to one big object many times).
pub const MAX_BULK_MARSHAL_DATA: usize = 512 * 1024 * 1024;

const FIELD: &str = "rows_marshal";
const NOT_MARSHAL: &str = "is not Python marshal data (version 4) of a list of dicts";
const CIRCULAR: &str = "holds a circular reference";
const TOO_DEEP: &str = "is nested too deeply (over 128 levels)";
/// serde_json's limit, kept here so a row reads the same either way.
const MAX_DEPTH: u32 = 128;
const FLAG_REF: u8 = 0x80;
/// What a value costs in the expansion budget besides its text.
const VALUE_COST: usize = 16;

/// `rows_marshal` as it crosses the FFI: uniffi's `bytes` (Python `bytes`, Kotlin
/// `ByteArray`), kept in the buffer the foreign side filled. uniffi's own `Vec<u8>` reads a
/// byte string one byte at a time into a new vector (~30 ms for the 13 MB of 100,000 rows);
/// this takes the buffer as it is, behind its 4-byte length.
pub struct MarshalData {
    /// The buffer, its big-endian `i32` length first.
    buffer: Vec<u8>,
}

const LENGTH: usize = 4;

impl MarshalData {
    /// From the bytes alone: copied behind their length, as uniffi passes them.
    pub(crate) fn new(data: &[u8]) -> Self {
        let mut buffer = Vec::with_capacity(LENGTH + data.len());
        buffer.extend_from_slice(&(data.len() as i32).to_be_bytes());
        buffer.extend_from_slice(data);
        MarshalData { buffer }
    }
}

// SAFETY (the trait is `unsafe` because the FFI type must match what the bindings pass): the
// FFI type is uniffi's `RustBuffer` and the data is read exactly as uniffi's `Vec<u8>` writes
// it (an `i32` length, then the bytes), so the bindings for `Vec<u8>` (`TYPE_ID_META` below)
// pass what this reads.
unsafe impl uniffi::Lift<crate::UniFfiTag> for MarshalData {
    type FfiType = uniffi::RustBuffer;

    fn try_read(buf: &mut &[u8]) -> uniffi::Result<Self> {
        // Inside another value (not how it is used): copied out of the enclosing buffer.
        let data = <Vec<u8> as uniffi::Lift<crate::UniFfiTag>>::try_read(buf)?;
        Ok(MarshalData::new(&data))
    }

    fn try_lift(v: uniffi::RustBuffer) -> uniffi::Result<Self> {
        let buffer = v.destroy_into_vec();
        let length = buffer
            .first_chunk::<LENGTH>()
            .map(|b| i32::from_be_bytes(*b));
        match length.and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n == buffer.len() - LENGTH => Ok(MarshalData { buffer }),
            _ => Err(uniffi::deps::anyhow::anyhow!(
                "a byte string whose length does not match its buffer"
            )),
        }
    }
}

impl uniffi::TypeId<crate::UniFfiTag> for MarshalData {
    const TYPE_ID_META: uniffi::MetadataBuffer =
        <Vec<u8> as uniffi::TypeId<crate::UniFfiTag>>::TYPE_ID_META;
}

/// A checked buffer and the objects it remembers; iterate it with [`MarshalRows`].
pub(crate) fn import_rows(data: MarshalData) -> Result<MarshalRows, BentoError> {
    let data = data.buffer;
    if data.len().saturating_sub(LENGTH) > MAX_BULK_MARSHAL_DATA {
        return Err(BentoError::invalid(
            FIELD,
            "data is too large (over 512 MiB)",
        ));
    }
    let mut check = Check {
        r: Reader::new(&data, LENGTH),
        refs: Vec::new(),
        expanded: 0,
    };
    let (count, start) = check.rows()?;
    let refs = check.refs;
    Ok(MarshalRows {
        data,
        refs,
        pos: start,
        left: count,
    })
}

/// A problem and where it is: the row and key, or the data as a whole.
struct Problem {
    at: Option<(usize, String)>,
    reason: String,
}

impl Problem {
    fn data(reason: impl Into<String>) -> Self {
        Problem {
            at: None,
            reason: reason.into(),
        }
    }

    fn malformed() -> Self {
        Problem::data(NOT_MARSHAL)
    }
}

impl From<Problem> for BentoError {
    fn from(p: Problem) -> Self {
        match p.at {
            Some((row, key)) if key.is_empty() => {
                BentoError::invalid(format!("{FIELD}[{row}]"), p.reason)
            }
            Some((row, key)) => BentoError::invalid(format!("{FIELD}[{row}].{key}"), p.reason),
            None => BentoError::invalid(FIELD, p.reason),
        }
    }
}

/// A remembered object: enough to use it again without reading it again (scalars), or where
/// to read it again (containers).
#[derive(Clone, Debug)]
enum Remembered {
    /// A container whose contents are still being read: a reference to it is a cycle.
    Pending,
    Str(Range<usize>),
    Number(serde_json::Number),
    Container {
        at: usize,
        height: u32,
        size: usize,
        /// Checked as a row (a dict with an email): may stand for a row.
        row: bool,
    },
}

/// A cursor over the data; every read is bounds-checked.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        Reader { data, pos }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Problem> {
        let end = self.pos.checked_add(n).ok_or_else(Problem::malformed)?;
        let bytes = self
            .data
            .get(self.pos..end)
            .ok_or_else(Problem::malformed)?;
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Problem> {
        self.take(N)?.try_into().map_err(|_| Problem::malformed())
    }

    fn u8(&mut self) -> Result<u8, Problem> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn i32(&mut self) -> Result<i32, Problem> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    fn len(&mut self) -> Result<usize, Problem> {
        usize::try_from(self.i32()?).map_err(|_| Problem::malformed())
    }

    fn i64(&mut self) -> Result<i64, Problem> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    fn f64(&mut self) -> Result<f64, Problem> {
        Ok(f64::from_bits(self.i64()? as u64))
    }

    /// A type byte: the code without `FLAG_REF`, and whether the flag was set.
    fn header(&mut self) -> Result<(u8, bool), Problem> {
        let b = self.u8()?;
        Ok((b & !FLAG_REF, b & FLAG_REF != 0))
    }

    /// The text of a string object whose code was just read, as a range of the data.
    fn str_range(&mut self, code: u8) -> Result<Option<Range<usize>>, Problem> {
        let len = match code {
            b'z' | b'Z' => usize::from(self.u8()?),
            b'a' | b'A' | b'u' | b't' => self.len()?,
            _ => return Ok(None),
        };
        let start = self.pos;
        let bytes = self.take(len)?;
        // marshal writes `str` as UTF-8 with lone surrogates passed through: not Unicode text.
        std::str::from_utf8(bytes)
            .map_err(|_| Problem::data("is not valid Unicode text (it holds a lone surrogate)"))?;
        Ok(Some(start..start + len))
    }

    /// An integer object (`i`, `I`, `l`) whose code was just read.
    fn number(&mut self, code: u8) -> Result<Option<serde_json::Number>, Problem> {
        Ok(Some(match code {
            b'i' => self.i32()?.into(),
            b'I' => self.i64()?.into(),
            b'l' => long(self)?,
            _ => return Ok(None),
        }))
    }

    fn str_at(&self, range: Range<usize>) -> &'a str {
        // Checked when it was first read; an empty text if the data changed since (it cannot).
        self.data
            .get(range)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default()
    }
}

/// A Python `int` of any size (`l`: a signed count of base-2^15 digits, least significant
/// first), or the core's refusal of one beyond 64 bits.
fn long(r: &mut Reader<'_>) -> Result<serde_json::Number, Problem> {
    let n = r.i32()?;
    let count = n.unsigned_abs() as usize;
    let mut digits = Vec::with_capacity(count.min(1 << 16));
    for _ in 0..count {
        let d = u16::from_le_bytes(r.array()?);
        if d >= 1 << 15 {
            return Err(Problem::malformed());
        }
        digits.push(d);
    }
    let negative = n < 0;
    let magnitude = digits.iter().rev().try_fold(0u64, |acc, &d| {
        acc.checked_mul(1 << 15)?.checked_add(u64::from(d))
    });
    let number = match (magnitude, negative) {
        (Some(m), false) => Some(serde_json::Number::from(m)),
        (Some(m), true) => i64::try_from(-i128::from(m))
            .ok()
            .map(serde_json::Number::from),
        _ => None,
    };
    number.ok_or_else(|| {
        let text = decimal(&digits, negative);
        Problem::data(bento::json_text::oversized_integer_reason(&text))
    })
}

/// The decimal digits of a base-2^15 number (least significant digit first), for messages;
/// a number of more than 4,096 digits is described by its size instead (the conversion is
/// quadratic).
fn decimal(digits: &[u16], negative: bool) -> String {
    if digits.len() > 4096 {
        return format!("of about {} decimal digits", digits.len() * 15 * 3 / 10);
    }
    // Repeated division by 10^4 of the number in base 2^15, most significant digit first.
    let mut n: Vec<u32> = digits.iter().rev().map(|&d| u32::from(d)).collect();
    let mut groups = Vec::new();
    while n.iter().any(|&d| d != 0) {
        let mut rem = 0u32;
        for d in n.iter_mut() {
            let cur = (rem << 15) | *d;
            *d = cur / 10_000;
            rem = cur % 10_000;
        }
        groups.push(rem);
    }
    let mut text = String::from(if negative { "-" } else { "" });
    match groups.split_last() {
        None => text.push('0'),
        Some((first, rest)) => {
            text.push_str(&first.to_string());
            for g in rest.iter().rev() {
                text.push_str(&format!("{g:04}"));
            }
        }
    }
    text
}

// ---------------------------------------------------------------------------------------------
// The check: one pass over the data, every rule, nothing built.

struct Check<'a> {
    r: Reader<'a>,
    refs: Vec<Remembered>,
    /// Bytes the rows will take once built, shared objects counted at every use.
    expanded: usize,
}

/// What a checked value is, as far as the row rules care.
enum Shape {
    Str,
    Null,
    Other,
}

/// A checked value: its shape and how deep it nests.
struct Checked {
    shape: Shape,
    height: u32,
}

impl Checked {
    fn flat(shape: Shape) -> Self {
        Checked { shape, height: 0 }
    }
}

impl Check<'_> {
    /// The row list: its length and where its first row starts.
    fn rows(&mut self) -> Result<(usize, usize), BentoError> {
        let (code, flag) = self.r.header()?;
        let count = match code {
            b'[' | b'(' => self.r.len()?,
            b')' => usize::from(self.r.u8()?),
            _ => return Err(Problem::malformed().into()),
        };
        self.reserve(flag);
        let start = self.r.pos;
        for index in 0..count {
            self.row().map_err(|mut p| {
                if let Some((row, _)) = p.at.as_mut() {
                    *row = index;
                } else if p.reason != NOT_MARSHAL {
                    p.at = Some((index, String::new()));
                }
                p
            })?;
        }
        if self.r.pos != self.r.data.len() {
            return Err(Problem::malformed().into());
        }
        Ok((count, start))
    }

    fn spend(&mut self, bytes: usize) -> Result<(), Problem> {
        self.expanded = self.expanded.saturating_add(bytes);
        if self.expanded > MAX_BULK_MARSHAL_DATA {
            return Err(Problem::data(
                "the rows are too large (over 512 MiB once built)",
            ));
        }
        Ok(())
    }

    /// One row: a dict (or a reference to a row seen before). Problems carry the key; the
    /// caller fills in the row's index.
    fn row(&mut self) -> Result<(), Problem> {
        let at = self.r.pos;
        let (code, flag) = self.r.header()?;
        match code {
            b'{' => {}
            b'r' => {
                return match self.reference()? {
                    Remembered::Container {
                        row: true, size, ..
                    } => self.spend(size),
                    Remembered::Pending => Err(Problem::data(CIRCULAR)),
                    _ => Err(Problem::data(
                        "must be a dict (the same dict used as a row and inside a row)",
                    )),
                };
            }
            _ => return Err(Problem::data("must be a dict")),
        }
        let slot = self.reserve(flag);
        let before = self.expanded;
        let mut email = false;
        let mut height = 0;
        // A problem inside the row is about its key (broken data stays about the data).
        let at_key = |key: &str, p: Problem| match p.reason.as_str() {
            NOT_MARSHAL => p,
            _ => Problem {
                at: Some((0, key.to_owned())),
                ..p
            },
        };
        while self.r.peek() != Some(b'0') {
            let key = self.key()?;
            let name: &str = match &key {
                Key::Str(range) => self.r.str_at(range.clone()),
                Key::Converted(text) => text,
            };
            let value = self.value(1).map_err(|p| at_key(name, p))?;
            height = height.max(value.height + 1);
            match name {
                "email" | "first_name" | "last_name" | "tags" | "remove_tags" => {
                    match value.shape {
                        Shape::Str => email |= name == "email",
                        Shape::Null => {}
                        Shape::Other => {
                            return Err(at_key(name, Problem::data("must be a string")));
                        }
                    }
                }
                _ => {}
            }
        }
        self.r.u8()?; // the dict's end
        if !email {
            return Err(at_key("email", Problem::data("is required")));
        }
        self.fill(slot, at, height, before, true);
        Ok(())
    }

    /// The object a reference (`r`, just read) stands for.
    fn reference(&mut self) -> Result<Remembered, Problem> {
        let index = self.r.len()?;
        self.refs.get(index).cloned().ok_or_else(Problem::malformed)
    }

    fn key(&mut self) -> Result<Key, Problem> {
        let (code, flag) = self.r.header()?;
        let key = match code {
            b'r' => match self.reference()? {
                Remembered::Str(range) => Key::Str(range),
                Remembered::Number(n) => Key::Converted(n.to_string()),
                _ => return Err(Problem::data("has a key that is not a string")),
            },
            b'T' => Key::Converted("true".into()),
            b'F' => Key::Converted("false".into()),
            b'N' => Key::Converted("null".into()),
            _ => {
                if let Some(range) = self.r.str_range(code)? {
                    self.remember(flag, || Remembered::Str(range.clone()));
                    Key::Str(range)
                } else if let Some(n) = self.r.number(code)? {
                    self.remember(flag, || Remembered::Number(n.clone()));
                    Key::Converted(n.to_string())
                } else {
                    return Err(Problem::data(format!(
                        "has a key that is not a string ({})",
                        type_name(code)
                    )));
                }
            }
        };
        let len = match &key {
            Key::Str(range) => range.len(),
            Key::Converted(text) => text.len(),
        };
        self.spend(len + VALUE_COST)?;
        Ok(key)
    }

    fn remember(&mut self, flag: bool, what: impl FnOnce() -> Remembered) {
        if flag {
            self.refs.push(what());
        }
    }

    /// A container's index, taken before its contents are read (they may refer to it).
    fn reserve(&mut self, flag: bool) -> Option<usize> {
        self.remember(flag, || Remembered::Pending);
        flag.then(|| self.refs.len() - 1)
    }

    /// The container read from `at` once its contents are checked: what a reference to it
    /// stands for (`before`: the expansion spent when it started).
    fn fill(&mut self, slot: Option<usize>, at: usize, height: u32, before: usize, row: bool) {
        let size = self.expanded - before;
        if let Some(slot) = slot.and_then(|i| self.refs.get_mut(i)) {
            *slot = Remembered::Container {
                at,
                height,
                size,
                row,
            };
        }
    }

    /// Any JSON value at nesting `depth`.
    fn value(&mut self, depth: u32) -> Result<Checked, Problem> {
        if depth > MAX_DEPTH {
            return Err(Problem::data(TOO_DEEP));
        }
        self.spend(VALUE_COST)?;
        let at = self.r.pos;
        let (code, flag) = self.r.header()?;
        let count = match code {
            b'N' => return Ok(Checked::flat(Shape::Null)),
            b'T' | b'F' => return Ok(Checked::flat(Shape::Other)),
            b'g' => {
                let f = self.r.f64()?;
                let n = serde_json::Number::from_f64(f)
                    .ok_or_else(|| Problem::data("is not a finite number (NaN or infinity)"))?;
                self.remember(flag, || Remembered::Number(n));
                return Ok(Checked::flat(Shape::Other));
            }
            b'r' => {
                return match self.reference()? {
                    Remembered::Pending => Err(Problem::data(CIRCULAR)),
                    Remembered::Str(range) => {
                        self.spend(range.len())?;
                        Ok(Checked::flat(Shape::Str))
                    }
                    Remembered::Number(_) => Ok(Checked::flat(Shape::Other)),
                    Remembered::Container { height, size, .. } => {
                        if depth + height > MAX_DEPTH {
                            return Err(Problem::data(TOO_DEEP));
                        }
                        self.spend(size)?;
                        Ok(Checked {
                            shape: Shape::Other,
                            height,
                        })
                    }
                };
            }
            b'[' | b'(' => Some(self.r.len()?),
            b')' => Some(usize::from(self.r.u8()?)),
            b'{' => None,
            _ => {
                if let Some(range) = self.r.str_range(code)? {
                    self.spend(range.len())?;
                    self.remember(flag, || Remembered::Str(range.clone()));
                    return Ok(Checked::flat(Shape::Str));
                }
                if let Some(n) = self.r.number(code)? {
                    self.remember(flag, || Remembered::Number(n));
                    return Ok(Checked::flat(Shape::Other));
                }
                return Err(Problem::data(format!(
                    "is not a JSON value ({})",
                    type_name(code)
                )));
            }
        };
        let slot = self.reserve(flag);
        let before = self.expanded;
        let mut height = 0;
        match count {
            Some(n) => {
                for _ in 0..n {
                    height = height.max(self.value(depth + 1)?.height + 1);
                }
            }
            None => {
                while self.r.peek() != Some(b'0') {
                    self.key()?;
                    height = height.max(self.value(depth + 1)?.height + 1);
                }
                self.r.u8()?;
            }
        }
        self.fill(slot, at, height, before, false);
        Ok(Checked {
            shape: Shape::Other,
            height,
        })
    }
}

enum Key {
    Str(Range<usize>),
    Converted(String),
}

/// The Python type a marshal code writes, for messages.
fn type_name(code: u8) -> &'static str {
    match code {
        b's' => "bytes",
        b'<' => "set",
        b'>' => "frozenset",
        b'x' | b'y' => "complex",
        b'c' => "code",
        b'S' => "StopIteration",
        b'.' => "Ellipsis",
        b':' => "slice",
        _ => "an object marshal version 4 does not write",
    }
}

// ---------------------------------------------------------------------------------------------
// The build: a row at a time, from checked data.

/// The rows of checked marshal data, built one at a time as the chunked run takes them.
pub(crate) struct MarshalRows {
    data: Vec<u8>,
    refs: Vec<Remembered>,
    pos: usize,
    left: usize,
}

impl Iterator for MarshalRows {
    type Item = bento::ImportSubscriberData;

    fn next(&mut self) -> Option<Self::Item> {
        self.left = self.left.checked_sub(1)?;
        let mut build = Build {
            r: Reader::new(&self.data, self.pos),
            refs: &self.refs,
        };
        // The data was checked, so this cannot fail; if it did, the row still goes to the run
        // (with no email, which the core refuses and reports) rather than being lost.
        let row = build.row().unwrap_or_else(|_| {
            debug_assert!(false, "a checked row failed to build");
            bento::ImportSubscriberData::default()
        });
        self.pos = build.r.pos;
        Some(row)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

struct Build<'a> {
    r: Reader<'a>,
    refs: &'a [Remembered],
}

impl<'a> Build<'a> {
    /// The same data read again from `at` (what a reference to a container stands for).
    fn at(&self, at: usize) -> Build<'a> {
        Build {
            r: Reader::new(self.r.data, at),
            refs: self.refs,
        }
    }

    fn reference(&mut self) -> Result<&'a Remembered, Problem> {
        let index = self.r.len()?;
        self.refs.get(index).ok_or_else(Problem::malformed)
    }

    fn row(&mut self) -> Result<bento::ImportSubscriberData, Problem> {
        let (code, _) = self.r.header()?;
        if code == b'r' {
            return match self.reference()? {
                Remembered::Container { at, .. } => self.at(*at).row(),
                _ => Err(Problem::malformed()),
            };
        }
        let mut row = bento::ImportSubscriberData::default();
        while self.r.peek() != Some(b'0') {
            let key = self.key()?;
            let slot = match key.as_str() {
                "email" => {
                    row.email = self.string()?.unwrap_or_default();
                    continue;
                }
                "first_name" => &mut row.first_name,
                "last_name" => &mut row.last_name,
                "tags" => &mut row.tags,
                "remove_tags" => &mut row.remove_tags,
                _ => {
                    let value = self.value()?;
                    row.custom_fields.insert(key, value);
                    continue;
                }
            };
            *slot = self.string()?;
        }
        self.r.u8()?;
        Ok(row)
    }

    fn key(&mut self) -> Result<String, Problem> {
        match self.value()? {
            serde_json::Value::String(s) => Ok(s),
            serde_json::Value::Bool(b) => Ok(b.to_string()),
            serde_json::Value::Null => Ok("null".into()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            _ => Err(Problem::malformed()),
        }
    }

    /// A named key's value: a string or `None`.
    fn string(&mut self) -> Result<Option<String>, Problem> {
        match self.value()? {
            serde_json::Value::String(s) => Ok(Some(s)),
            serde_json::Value::Null => Ok(None),
            _ => Err(Problem::malformed()),
        }
    }

    fn value(&mut self) -> Result<serde_json::Value, Problem> {
        use serde_json::Value;
        let (code, _) = self.r.header()?;
        let count = match code {
            b'N' => return Ok(Value::Null),
            b'T' => return Ok(Value::Bool(true)),
            b'F' => return Ok(Value::Bool(false)),
            b'g' => {
                let f = self.r.f64()?;
                return serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(Problem::malformed);
            }
            b'r' => {
                return match self.reference()? {
                    Remembered::Str(range) => {
                        Ok(Value::String(self.r.str_at(range.clone()).into()))
                    }
                    Remembered::Number(n) => Ok(Value::Number(n.clone())),
                    Remembered::Container { at, .. } => self.at(*at).value(),
                    Remembered::Pending => Err(Problem::malformed()),
                };
            }
            b'[' | b'(' => Some(self.r.len()?),
            b')' => Some(usize::from(self.r.u8()?)),
            b'{' => None,
            _ => {
                if let Some(range) = self.r.str_range(code)? {
                    return Ok(Value::String(self.r.str_at(range).into()));
                }
                return self
                    .r
                    .number(code)?
                    .map(Value::Number)
                    .ok_or_else(Problem::malformed);
            }
        };
        Ok(match count {
            Some(n) => {
                // Bounded by the data: every element takes at least one byte.
                let mut items = Vec::with_capacity(n.min(self.r.data.len() - self.r.pos));
                for _ in 0..n {
                    items.push(self.value()?);
                }
                Value::Array(items)
            }
            None => {
                let mut map = serde_json::Map::new();
                while self.r.peek() != Some(b'0') {
                    let key = self.key()?;
                    map.insert(key, self.value()?);
                }
                self.r.u8()?;
                Value::Object(map)
            }
        })
    }
}

#[cfg(test)]
mod tests;
