//! Checks of a response body's fields, in one call where a test would write one `assert_eq!`
//! per field.

use serde_json::Value;

/// Asserts that `actual` has every field of `expected`, with its value: objects member by
/// member (members `expected` does not name are not checked), a number as its kind compares
/// (an integer as `i64` or `u64`, a float as `f64`), anything else whole.
#[track_caller]
pub fn assert_fields(actual: &Value, expected: Value) {
    check(actual, &expected, "");
}

#[track_caller]
fn check(actual: &Value, expected: &Value, at: &str) {
    match expected {
        Value::Object(members) => {
            for (key, value) in members {
                check(&actual[key], value, &format!("{at}.{key}"));
            }
        }
        Value::Number(n) if n.is_f64() => assert_eq!(actual.as_f64(), n.as_f64(), "{at}"),
        Value::Number(n) if n.is_u64() => assert_eq!(actual.as_u64(), n.as_u64(), "{at}"),
        Value::Number(n) => assert_eq!(actual.as_i64(), n.as_i64(), "{at}"),
        _ => assert_eq!(actual, expected, "{at}"),
    }
}

/// `assert_fields!(actual, {"field": value, ...})`: [`assert_fields`] with the expected fields
/// written as for `json!`.
#[macro_export]
macro_rules! assert_fields {
    ($actual:expr, $($expected:tt)+) => {
        $crate::check::assert_fields(&$actual, ::serde_json::json!($($expected)+))
    };
}
