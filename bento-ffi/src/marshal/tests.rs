//! The reader against hand-written marshal data (the same bytes CPython's `marshal.dumps(x, 4)`
//! writes; the Python tests check the real thing end to end).

use super::*;
use serde_json::json;

/// A writer for the subset of the format the tests need.
#[derive(Default)]
struct W(Vec<u8>);

impl W {
    fn code(&mut self, code: u8, remember: bool) -> &mut Self {
        self.0.push(code | if remember { FLAG_REF } else { 0 });
        self
    }
    fn i32(&mut self, n: i32) -> &mut Self {
        self.0.extend_from_slice(&n.to_le_bytes());
        self
    }
    /// A short ASCII string (`z`), remembered if `remember`.
    fn s(&mut self, text: &str, remember: bool) -> &mut Self {
        self.code(b'z', remember);
        self.0.push(text.len() as u8);
        self.0.extend_from_slice(text.as_bytes());
        self
    }
    /// A `u` string of any bytes (UTF-8 or not).
    fn u(&mut self, bytes: &[u8]) -> &mut Self {
        self.code(b'u', false).i32(bytes.len() as i32);
        self.0.extend_from_slice(bytes);
        self
    }
    fn int(&mut self, n: i32) -> &mut Self {
        self.code(b'i', false).i32(n)
    }
    fn r(&mut self, index: i32) -> &mut Self {
        self.code(b'r', false).i32(index)
    }
    fn list(&mut self, n: i32, remember: bool) -> &mut Self {
        self.code(b'[', remember).i32(n)
    }
    fn dict(&mut self, remember: bool) -> &mut Self {
        self.code(b'{', remember)
    }
    fn end(&mut self) -> &mut Self {
        self.0.push(b'0');
        self
    }
    fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn done(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

fn rows(data: Vec<u8>) -> Vec<bento::ImportSubscriberData> {
    import_rows(MarshalData::new(&data))
        .expect("rows")
        .collect()
}

fn problem(data: Vec<u8>) -> (String, String) {
    match import_rows(MarshalData::new(&data)) {
        Err(BentoError::InvalidInput { field, reason }) => (field, reason),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("accepted"),
    }
}

/// `[{"email": e}]` with `extra` written after the email pair, inside the dict.
fn one_row(extra: impl FnOnce(&mut W)) -> Vec<u8> {
    let mut w = W::default();
    w.list(1, false)
        .dict(false)
        .s("email", false)
        .s("a@example.com", false);
    extra(&mut w);
    w.end().done()
}

#[test]
fn rows_are_read_with_their_custom_fields_and_shared_objects() {
    // What marshal writes for rows sharing interned keys, a constant tag string and one
    // nested dict, with the second row given twice (the caller holds every row, so each row
    // dict is remembered).
    let mut w = W::default();
    w.list(3, false);
    // refs: 0 row0, 1 "email", 2 "tags", 3 "x,y", 4 "meta", 5 {"k": [1, -2]}, 6 "k"
    w.dict(true).s("email", true).s("a@example.com", false);
    w.s("tags", true).s("x,y", true);
    w.s("meta", true)
        .dict(true)
        .s("k", true)
        .list(2, false)
        .int(1)
        .int(-2)
        .end();
    w.s("first_name", false).code(b'N', false);
    w.s("vip", false).code(b'T', false);
    w.s("score", false)
        .code(b'g', false)
        .raw(&2.5f64.to_le_bytes());
    w.code(b'i', false).i32(7).s("seven", false); // an int key, as json.dumps writes it
    w.s("big", false)
        .code(b'l', false)
        .i32(-3)
        .raw(&[0, 0, 0, 0, 8, 0]); // -(8 << 30)
    w.end();
    // refs: 7 row1
    w.dict(true)
        .r(1)
        .s("b@example.com", false)
        .r(2)
        .r(3)
        .r(4)
        .r(5)
        .end();
    w.r(7);
    let rows = rows(w.done());
    assert_eq!(rows.len(), 3);
    let a = &rows[0];
    assert_eq!(a.email, "a@example.com");
    assert_eq!(a.tags.as_deref(), Some("x,y"));
    assert_eq!(a.first_name, None);
    assert_eq!(a.custom_fields["meta"], json!({"k": [1, -2]}));
    assert_eq!(a.custom_fields["vip"], json!(true));
    assert_eq!(a.custom_fields["score"], json!(2.5));
    assert_eq!(a.custom_fields["7"], json!("seven"));
    assert_eq!(a.custom_fields["big"], json!(-(8i64 << 30)));
    let b = &rows[1];
    assert_eq!(b.email, "b@example.com");
    assert_eq!(b.tags.as_deref(), Some("x,y"));
    assert_eq!(b.custom_fields["meta"], json!({"k": [1, -2]}));
    assert_eq!(rows[2], rows[1]);
}

#[test]
fn integers_keep_every_bit_up_to_64_and_beyond_is_refused_with_its_digits() {
    // 2^64 - 1: five 15-bit digits (75 bits of room).
    let max = u64::MAX;
    let digits: Vec<u16> = (0..5)
        .map(|i| ((max >> (15 * i)) & 0x7fff) as u16)
        .collect();
    let long = |w: &mut W, digits: &[u16], negative: bool| {
        let n = digits.len() as i32;
        w.code(b'l', false).i32(if negative { -n } else { n });
        for d in digits {
            w.raw(&d.to_le_bytes());
        }
    };
    let data = one_row(|w| {
        w.s("n", false);
        long(w, &digits, false);
        w.s("min", false);
        long(w, &[0, 0, 0, 0, 8], true); // -(2^63)
    });
    let row = &rows(data)[0];
    assert_eq!(row.custom_fields["n"], json!(u64::MAX));
    assert_eq!(row.custom_fields["min"], json!(i64::MIN));
    // 2^75: digits 0,0,0,0,0,1.
    let data = one_row(|w| {
        w.s("n", false);
        long(w, &[0, 0, 0, 0, 0, 1], false);
    });
    let (field, reason) = problem(data);
    assert_eq!(field, "rows_marshal[0].n");
    assert!(
        reason.starts_with("the integer 37778931862957161709568 does not fit in 64 bits"),
        "{reason}"
    );
    let data = one_row(|w| {
        w.s("n", false);
        long(w, &[0, 0, 0, 0, 16], true); // -(2^64)
    });
    assert!(
        problem(data)
            .1
            .starts_with("the integer -18446744073709551616 ")
    );
}

#[test]
fn a_bad_row_names_its_index_and_key() {
    let second = |extra: &dyn Fn(&mut W)| {
        let mut w = W::default();
        w.list(2, false)
            .dict(false)
            .s("email", false)
            .s("a@example.com", false)
            .end();
        w.dict(false);
        extra(&mut w);
        w.end().done()
    };
    // The second row with its email, then `extra`.
    let with_email = |extra: &dyn Fn(&mut W)| {
        second(&|w| {
            w.s("email", false).s("b@example.com", false);
            extra(w);
        })
    };
    for (data, field, reason) in [
        (
            second(&|w| {
                w.s("first_name", false).s("x", false);
            }),
            "rows_marshal[1].email",
            "is required",
        ),
        (
            second(&|w| {
                w.s("email", false).int(7);
            }),
            "rows_marshal[1].email",
            "must be a string",
        ),
        (
            second(&|w| {
                w.s("email", false).code(b'N', false);
            }),
            "rows_marshal[1].email",
            "is required",
        ),
        (
            with_email(&|w| {
                w.s("tags", false).list(0, false);
            }),
            "rows_marshal[1].tags",
            "must be a string",
        ),
        (
            with_email(&|w| {
                w.s("raw", false).code(b's', false).i32(0);
            }),
            "rows_marshal[1].raw",
            "is not a JSON value (bytes)",
        ),
        (
            with_email(&|w| {
                w.s("set", false).code(b'<', false).i32(0);
            }),
            "rows_marshal[1].set",
            "is not a JSON value (set)",
        ),
        (
            with_email(&|w| {
                w.s("f", false)
                    .code(b'g', false)
                    .raw(&f64::NAN.to_le_bytes());
            }),
            "rows_marshal[1].f",
            "is not a finite number (NaN or infinity)",
        ),
        (
            with_email(&|w| {
                w.s("s", false).u(&[0xed, 0xa0, 0x80]);
            }),
            "rows_marshal[1].s",
            "is not valid Unicode text (it holds a lone surrogate)",
        ),
        (
            with_email(&|w| {
                w.code(b'g', false).raw(&1.5f64.to_le_bytes()).int(1);
            }),
            "rows_marshal[1]",
            "has a key that is not a string (an object marshal version 4 does not write)",
        ),
    ] {
        assert_eq!(problem(data), (field.to_owned(), reason.to_owned()));
    }
}

#[test]
fn a_circular_reference_and_deep_nesting_are_refused() {
    // {"email": .., "me": <the same dict>}
    let mut w = W::default();
    w.list(1, false)
        .dict(true)
        .s("email", false)
        .s("a@example.com", false)
        .s("me", false)
        .r(0)
        .end();
    assert_eq!(
        problem(w.done()),
        (
            "rows_marshal[0].me".into(),
            "holds a circular reference".into()
        )
    );
    // a list inside itself
    let data = one_row(|w| {
        w.s("l", false).list(1, true).r(0);
    });
    assert_eq!(problem(data).1, "holds a circular reference");
    let deep = one_row(|w| {
        w.s("d", false);
        for _ in 0..200 {
            w.list(1, false);
        }
        w.int(1);
    });
    assert_eq!(
        problem(deep),
        (
            "rows_marshal[0].d".into(),
            "is nested too deeply (over 128 levels)".into()
        )
    );
    // Shallow twice is deep: a remembered 100-level list used inside another 100 levels.
    let mut w = W::default();
    w.list(1, false)
        .dict(false)
        .s("email", false)
        .s("a@example.com", false);
    w.s("a", false).list(1, true);
    for _ in 0..99 {
        w.list(1, false);
    }
    w.int(1).s("b", false);
    for _ in 0..100 {
        w.list(1, false);
    }
    w.r(0).end();
    assert_eq!(
        problem(w.done()).1,
        "is nested too deeply (over 128 levels)"
    );
}

#[test]
fn broken_data_names_the_data_and_expansion_is_bounded() {
    let good = one_row(|_| {});
    let mut trailing = good.clone();
    trailing.push(b'N');
    for data in [
        Vec::new(),
        b"N".to_vec(),
        good[..good.len() - 1].to_vec(),
        trailing,
        W::default().list(1, false).dict(false).r(5).done(),
        W::default().list(i32::MAX, false).done(),
    ] {
        let (field, reason) = problem(data.clone());
        assert_eq!(field, "rows_marshal", "{data:?}");
        assert_eq!(reason, NOT_MARSHAL, "{data:?}");
    }
    assert_eq!(
        problem(W::default().list(1, false).int(1).done()),
        ("rows_marshal[0]".into(), "must be a dict".into())
    );
    // One 1 MiB string used 600 times is 600 MiB of rows.
    let big = "x".repeat(1 << 20);
    let data = one_row(|w| {
        w.s("big", false)
            .code(b'a', true)
            .i32(big.len() as i32)
            .raw(big.as_bytes());
        w.s("again", false).list(600, false);
        for _ in 0..600 {
            w.r(0);
        }
    });
    assert_eq!(
        problem(data).1,
        "the rows are too large (over 512 MiB once built)"
    );
}

#[test]
fn rows_are_built_one_at_a_time() {
    let mut w = W::default();
    w.list(3, false);
    for e in ["a@example.com", "b@example.com", "c@example.com"] {
        w.dict(false).s("email", false).s(e, false).end();
    }
    let mut it = import_rows(MarshalData::new(&w.done())).expect("rows");
    assert_eq!(it.size_hint(), (3, Some(3)));
    assert_eq!(it.next().map(|r| r.email), Some("a@example.com".into()));
    assert_eq!(it.size_hint(), (2, Some(2)));
    assert_eq!(
        it.map(|r| r.email).collect::<Vec<_>>(),
        ["b@example.com", "c@example.com"]
    );
    assert_eq!(rows(W::default().list(0, false).done()).len(), 0);
}

#[test]
fn the_buffer_is_taken_as_uniffi_passes_it() {
    use uniffi::Lift;
    let data = W::default().list(0, false).done();
    let lowered = <Vec<u8> as uniffi::Lower<crate::UniFfiTag>>::lower(data.clone());
    let lifted = <MarshalData as Lift<crate::UniFfiTag>>::try_lift(lowered).expect("lift");
    assert_eq!(lifted.buffer[LENGTH..], data[..]);
    // A length that does not match the buffer is refused, not trusted.
    let mut bad = MarshalData::new(&data).buffer;
    bad[3] += 1;
    let bad = uniffi::RustBuffer::from_vec(bad);
    assert!(<MarshalData as Lift<crate::UniFfiTag>>::try_lift(bad).is_err());
    assert!(<MarshalData as Lift<crate::UniFfiTag>>::try_lift(uniffi::RustBuffer::new()).is_err());
    // Inside another value, read like `Vec<u8>`.
    let mut buf = Vec::new();
    <Vec<u8> as uniffi::Lower<crate::UniFfiTag>>::write(data.clone(), &mut buf);
    let mut slice = &buf[..];
    let read = <MarshalData as Lift<crate::UniFfiTag>>::try_read(&mut slice).expect("read");
    assert!(slice.is_empty());
    assert_eq!(rows(read.buffer[LENGTH..].to_vec()).len(), 0);
}
