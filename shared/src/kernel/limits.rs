//! Size limits of request bodies, checked at the edge before a body is parsed into its type
//! (docs/security.md, "Sizes").
//!
//! Every JSON body has a maximum size, and every string and list in it a maximum length, so
//! that nothing a request writes or causes to be sent can exceed an AWS limit (400 KB per
//! DynamoDB item, 256 KiB per SNS or SQS message and per `PublishBatch`) and no request can
//! make the platform do work out of proportion to its purpose. The walk below reads the body
//! once, allocates nothing per value, and stops at the first violation.

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The limits one operation applies to its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The whole body, in bytes.
    pub body_bytes: usize,
    /// Any one string (object keys included), in characters.
    pub string_chars: usize,
    /// Any one list, in items.
    pub list_items: usize,
}

/// Every JSON operation unless it says otherwise: an event derived from such a body (its
/// payload is the entity the body describes, plus the platform's own fields) stays well
/// inside 256 KiB, so it fits one SNS message, one SQS message and one feed item.
pub const DEFAULT: Limits = Limits {
    body_bytes: 64 * 1024,
    string_chars: 10_000,
    list_items: 1_000,
};

/// Tenant events (Event Collector, Listener): their payloads are opaque strings (base64 in
/// the Event Collector), so a string may take the whole body. The largest derived message,
/// a collector delivery (the event and its decoded payload, about 1.75 × the body), stays
/// inside 256 KiB.
pub const EVENTS: Limits = Limits {
    body_bytes: 96 * 1024,
    string_chars: 96 * 1024,
    list_items: 1_000,
};

/// Form templates and submissions: documents of up to
/// [`crate::marketplace::form::MAX_DOCUMENT_BYTES`], checked again as a whole by the form rules.
pub const DOCUMENTS: Limits = Limits {
    body_bytes: 256 * 1024,
    string_chars: 200_000,
    list_items: 1_000,
};

/// Splits `items` into batches of at most `max_items` and `max_bytes` (by `size`), in order,
/// as SNS's `PublishBatch` and SQS's `SendMessageBatch` take them; an item larger than
/// `max_bytes` on its own comes back apart, since no batch can carry it.
pub fn batches<T>(
    items: impl IntoIterator<Item = T>,
    max_items: usize,
    max_bytes: usize,
    size: impl Fn(&T) -> usize,
) -> (Vec<Vec<T>>, Vec<T>) {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut too_large = Vec::new();
    let mut bytes = 0;
    for item in items {
        let n = size(&item);
        if n > max_bytes {
            too_large.push(item);
            continue;
        }
        match out.last_mut() {
            Some(batch) if batch.len() < max_items && bytes + n <= max_bytes => {
                bytes += n;
                batch.push(item);
            }
            _ => {
                bytes = n;
                out.push(vec![item]);
            }
        }
    }
    (out, too_large)
}

/// A body that breaks a limit: what and where (`offer.comment`, `visits[3].tasks`).
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge(pub String);

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks `body` against `limits`. JSON that does not parse passes: the typed parse that
/// follows reports it in its own words.
pub fn check(body: &[u8], limits: &Limits) -> Result<(), TooLarge> {
    if body.len() > limits.body_bytes {
        return Err(TooLarge(format!(
            "the request body is {} bytes; at most {} are accepted",
            body.len(),
            limits.body_bytes
        )));
    }
    let walk = Walk {
        limits,
        path: RefCell::new(Vec::new()),
        violation: RefCell::new(None),
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let _ = (&walk).deserialize(&mut de);
    match walk.violation.into_inner() {
        Some(v) => Err(TooLarge(v)),
        None => Ok(()),
    }
}

struct Walk<'a> {
    limits: &'a Limits,
    path: RefCell<Vec<Segment>>,
    /// Set at the first violation; the walk then unwinds with a serde error.
    violation: RefCell<Option<String>>,
}

enum Segment {
    Key(String),
    Index(usize),
}

impl Walk<'_> {
    fn here(&self) -> String {
        let mut out = String::new();
        for s in self.path.borrow().iter() {
            match s {
                Segment::Key(k) if out.is_empty() => out.push_str(k),
                Segment::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        if out.is_empty() { "body".into() } else { out }
    }

    fn fail<E: serde::de::Error>(&self, what: String) -> E {
        *self.violation.borrow_mut() = Some(what);
        E::custom("size limit")
    }

    fn string<E: serde::de::Error>(&self, s: &str) -> Result<(), E> {
        // Bytes bound characters from above: count only when the bytes could exceed.
        if s.len() > self.limits.string_chars && s.chars().count() > self.limits.string_chars {
            return Err(self.fail(format!(
                "{}: at most {} characters",
                self.here(),
                self.limits.string_chars
            )));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for &Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        self.string(s)
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<(), E> {
        self.string(s)
    }
    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<(), E> {
        self.string(&s)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        loop {
            self.path.borrow_mut().push(Segment::Index(n));
            let item = seq.next_element_seed(self);
            self.path.borrow_mut().pop();
            if item?.is_none() {
                return Ok(());
            }
            n += 1;
            if n > self.limits.list_items {
                return Err(self.fail(format!(
                    "{}: at most {} items",
                    self.here(),
                    self.limits.list_items
                )));
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut n = 0;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            self.string::<A::Error>(&key)?;
            n += 1;
            if n > self.limits.list_items {
                return Err(self.fail(format!(
                    "{}: at most {} members",
                    self.here(),
                    self.limits.list_items
                )));
            }
            self.path.borrow_mut().push(Segment::Key(key.into_owned()));
            let value = map.next_value_seed(self);
            self.path.borrow_mut().pop();
            value?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        body_bytes: 1_000,
        string_chars: 6,
        list_items: 3,
    };

    fn check_small(v: serde_json::Value) -> Result<(), TooLarge> {
        check(v.to_string().as_bytes(), &SMALL)
    }

    #[test]
    fn within_every_limit_passes() {
        let v = serde_json::json!({"a": "abcdef", "b": [1, 2, 3], "c": {"d": ["é€🙂xxx"]}});
        assert_eq!(check_small(v), Ok(()));
    }

    #[test]
    fn names_the_path_of_a_long_string_or_list() {
        let long = serde_json::json!({"offer": {"visits": [{"x": 1}, {"note": "abcdefg"}]}});
        assert_eq!(
            check_small(long),
            Err(TooLarge(
                "offer.visits[1].note: at most 6 characters".into()
            ))
        );
        let many = serde_json::json!({"ids": [1, 2, 3, 4]});
        assert_eq!(
            check_small(many),
            Err(TooLarge("ids: at most 3 items".into()))
        );
        let wide = serde_json::json!({"a": 1, "b": 2, "c": 3, "d": 4});
        assert_eq!(
            check_small(wide),
            Err(TooLarge("body: at most 3 members".into()))
        );
        let key = serde_json::json!({"abcdefg": 1});
        assert!(check_small(key).is_err());
    }

    #[test]
    fn the_body_size_is_checked_first_and_bad_json_is_left_to_the_parser() {
        let big = vec![b' '; 1_001];
        assert!(check(&big, &SMALL).unwrap_err().0.contains("1001 bytes"));
        assert_eq!(check(b"{not json", &SMALL), Ok(()));
    }

    #[test]
    fn strings_count_characters_not_bytes() {
        // Six characters of four bytes each: within six characters.
        assert_eq!(check_small(serde_json::json!(["🙂🙂🙂🙂🙂🙂"])), Ok(()));
    }
}
