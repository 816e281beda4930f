//! A lesson carried in a link: `lessonfile=<base64url of the lesson's JSON>` (RFC 4648 §5, no
//! padding). The link then holds the whole lesson, so a teacher's own lesson is shared like any
//! other link and opens in every lab its steps visit. The value is capped ([`MAX_CHARS`]) and read
//! by the same strict reader as a lesson file.

use super::{json, lesson_from_json, Lesson, LinkCheck};

/// The link key.
pub const KEY: &str = "lessonfile";
/// The longest `lessonfile=` value read (about 18 KB of JSON; browsers and hosts accept links
/// far longer).
pub const MAX_CHARS: usize = 24_000;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    out
}

/// Reads base64url (padding `=` allowed at the end; `+` and `/` of plain base64 too).
pub fn from_base64url(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (i, c) in s.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => {
                return Err(format!(
                    "character {} ('{}') is not base64url",
                    i + 1,
                    c.escape_ascii()
                ))
            }
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if s.len() % 4 == 1 {
        return Err("the text is cut short (its length is not a base64url length)".into());
    }
    Ok(out)
}

/// The `lessonfile=` value of a lesson (its JSON without spaces, base64url), or `None` when it
/// is longer than [`MAX_CHARS`].
pub fn carry(lesson: &Lesson) -> Option<String> {
    let v = base64url(lesson.to_json().compact().as_bytes());
    (v.len() <= MAX_CHARS).then_some(v)
}

/// Reads a `lessonfile=` value: the lesson, carrying the value (its step links keep it), or what
/// is wrong with it.
pub fn read(value: &str, check: LinkCheck) -> Result<Lesson, String> {
    if value.len() > MAX_CHARS {
        return Err(format!("{} characters (limit {MAX_CHARS})", value.len()));
    }
    let bytes = from_base64url(value)?;
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text once decoded".to_string())?;
    let v = json::parse(&text).map_err(|e| format!("the JSON does not read: {e}"))?;
    let mut l = lesson_from_json(&v, check).map_err(|e| e.to_string())?;
    l.carried = Some(value.to_string());
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..40 {
            let enc = base64url(&data[..n]);
            assert!(!enc.contains(['=', '+', '/']));
            assert_eq!(from_base64url(&enc).unwrap(), &data[..n], "{n}");
        }
        // RFC 4648 §10 vectors, unpadded.
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(b"fooba"), "Zm9vYmE");
        assert_eq!(from_base64url("Zm9vYg==").unwrap(), b"foob");
        assert!(from_base64url("Zm9v*").is_err());
        assert!(from_base64url("Zm9vY").is_err());
    }

    #[test]
    fn a_builtin_lesson_travels_in_a_link() {
        let all = crate::lesson::builtins();
        let b = &all[0].1;
        let l = crate::lesson::parse_lesson(b.json, &crate::lesson::check_link_any).unwrap();
        let v = carry(&l).expect("fits");
        let back = read(&v, &crate::lesson::check_link_any).unwrap();
        assert_eq!(back.steps, l.steps);
        assert_eq!(back.carried.as_deref(), Some(v.as_str()));
        assert!(back.step_link(2).contains(&format!("{KEY}={v}&step=2")));
    }

    #[test]
    fn bad_lesson_values_say_what_is_wrong() {
        let check = &crate::lesson::check_link_any;
        assert!(read("%%%", check).unwrap_err().contains("base64url"));
        assert!(read(&base64url(b"{\"format\":1"), check)
            .unwrap_err()
            .contains("JSON"));
        assert!(read(&base64url(b"{\"format\":\"x\"}"), check)
            .unwrap_err()
            .contains("format"));
        assert!(read(&"A".repeat(MAX_CHARS + 4), check)
            .unwrap_err()
            .contains("limit"));
    }
}
