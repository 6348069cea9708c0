//! The canonical text of a JSON value: object keys sorted by their bytes, no whitespace,
//! strings escaped as `serde_json` escapes them, numbers as integers.
//!
//! It is the RFC 8785 (JCS) form for the values the audit log holds — objects with ASCII keys
//! (JCS sorts by UTF-16 code units, which agrees with bytes on ASCII), arrays, strings,
//! booleans, null and integers. A float is written as `serde_json` writes it; the
//! log never stores one (positions, versions, counts and seconds are integers).
//!
//! Why not `serde_json::to_string`: its key order depends on whether some crate in the build
//! turned on `preserve_order`, and a hash must not change with a dependency's feature.

use serde_json::Value;

/// The canonical text of `value`.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_string(key, out);
                out.push(':');
                if let Some(inner) = map.get(key) {
                    write(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::String(text) => push_string(text, out),
        // Null, booleans and numbers have one form in serde_json already.
        other => out.push_str(&other.to_string()),
    }
}

fn push_string(text: &str, out: &mut String) {
    // serde_json escapes exactly what JSON requires (quote, backslash, control characters)
    // and leaves everything else, non-ASCII included, as it is.
    out.push_str(&Value::String(text.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_and_there_is_no_whitespace() {
        let value = json!({"b": 1, "a": {"z": [true, null], "y": "x"}});
        assert_eq!(
            canonical(&value),
            r#"{"a":{"y":"x","z":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn strings_keep_non_ascii_and_escape_what_json_requires() {
        let value = json!({"text": "Café \"quoted\"\n\u{202e}"});
        assert_eq!(
            canonical(&value),
            "{\"text\":\"Café \\\"quoted\\\"\\n\u{202e}\"}"
        );
    }

    #[test]
    fn the_same_value_built_in_another_order_has_the_same_text() {
        let mut one = serde_json::Map::new();
        one.insert("first".into(), json!(1));
        one.insert("second".into(), json!(2));
        let mut two = serde_json::Map::new();
        two.insert("second".into(), json!(2));
        two.insert("first".into(), json!(1));
        assert_eq!(
            canonical(&Value::Object(one)),
            canonical(&Value::Object(two))
        );
    }
}
