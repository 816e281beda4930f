//! Link keys as tables: each lab declares every key of its settings once — name, meaning, the
//! kind and range of its value, how to read and write it — and that one table drives decoding,
//! encoding, error messages, the settings forms' ranges and help, and the key reference
//! (`cli keys <lab>`, the README's tables). The text helpers every key uses live here too.

use crate::clip;
pub use crate::lab_error::LabError;
use crate::time::{fmt_ms, parse_ms, Duration};

/// What kind of value a key takes, with its limits (for forms and the key reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A whole number in `lo..=hi`.
    Int { lo: u64, hi: u64 },
    /// A time in ms, decimals allowed, in `lo..=hi` µs.
    Ms { lo_us: u64, hi_us: u64 },
    /// `0` or `1`.
    Flag,
    /// One of these names (link names, and the human labels shown in menus).
    Choice {
        /// Link names.
        names: &'static [&'static str],
        /// Human labels, one per name.
        labels: &'static [&'static str],
    },
    /// A small language of its own, described by this syntax hint (`MIN-MAX`, `W[@S],…`).
    Text(&'static str),
}

/// One link key of a lab's settings `P`.
pub struct Key<P: 'static> {
    /// The key in the link (`rate`).
    pub name: &'static str,
    /// What it means, in a few words (error messages, forms, the key reference).
    pub help: &'static str,
    /// Its kind and limits.
    pub kind: KeyKind,
    /// The value's text form.
    pub get: fn(&P) -> String,
    /// Sets the value from its text; the error says why (the caller names the key).
    pub set: fn(&mut P, &str) -> Result<(), KeyError>,
}

impl<P: Default> Key<P> {
    /// The default value's text form (on its own: see [`crate::lab::Lab::implied_defaults`]).
    pub fn default_text(&self) -> String {
        (self.get)(&P::default())
    }
    /// Sets this key to its value in `defaults` (which always reads back:
    /// `every_lab_declares_keys_that_read_back_and_presets_of_its_own` checks it for every lab).
    pub fn reset_to(&self, p: &mut P, defaults: &P) {
        let _ = (self.set)(p, &(self.get)(defaults));
    }
    /// Range or choices, for the key reference (`1–50`, `fixed | phi`, `0 | 1`).
    pub fn range_text(&self) -> String {
        match self.kind {
            KeyKind::Int { lo, hi } => format!("{lo}–{hi}"),
            KeyKind::Ms { lo_us, hi_us } => format!("{}–{} ms", fmt_ms(lo_us), fmt_ms(hi_us)),
            KeyKind::Flag => "0 | 1".into(),
            KeyKind::Choice { names, .. } => names.join(" | "),
            KeyKind::Text(syntax) => syntax.into(),
        }
    }
}

/// Settings that cannot hold together (`bbase` above `bcap`): the keys involved, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The keys involved, in the order to try putting back to their defaults.
    pub keys: &'static [&'static str],
    /// What is wrong, with the values.
    pub message: String,
}

/// Why a link key's value was refused (the caller names the key). Values are quoted
/// [`clip`]ped; the messages are the banner's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// `n=abc`
    #[error("'{0}' is not a whole number")]
    NotWhole(String),
    /// `n=99` for a key of 1–50.
    #[error("{value} is outside {lo}–{hi}")]
    Outside {
        /// The value (clipped).
        value: String,
        /// Lowest allowed.
        lo: u64,
        /// Highest allowed.
        hi: u64,
    },
    /// `hb=soon`
    #[error("'{0}' is not a time in ms")]
    NotMs(String),
    /// `hb=0` for a key of 1–10 000 ms.
    #[error("{value} ms is outside {} ms", ms_range(*lo_us, *hi_us))]
    MsOutside {
        /// The value (clipped).
        value: String,
        /// Lowest allowed, µs.
        lo_us: u64,
        /// Highest allowed, µs.
        hi_us: u64,
    },
    /// `pv=2`
    #[error("'{0}' is not 0 or 1")]
    NotFlag(String),
    /// `lb=best`
    #[error("'{value}' is not one of {names}")]
    NotAChoice {
        /// The value (clipped).
        value: String,
        /// The names allowed, `, `-separated.
        names: String,
    },
    /// A lab's own reader refused a text value: its typed error (`BackendsError`,
    /// `ClockError`, `RuleError`, …; tests match its variants through [`LabError::get`]).
    #[error("{0}")]
    Lab(LabError),
}

fn ms_range(lo_us: u64, hi_us: u64) -> String {
    format!("{}–{}", fmt_ms(lo_us), fmt_ms(hi_us))
}

impl KeyError {
    /// A lab's own reader's typed error (its message is the banner's words).
    pub fn lab<E: std::error::Error + PartialEq + Send + Sync + 'static>(e: E) -> KeyError {
        KeyError::Lab(LabError::new(e))
    }
}

/// Reads a whole number in `lo..=hi`.
pub fn parse_int(v: &str, lo: u64, hi: u64) -> Result<u64, KeyError> {
    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KeyError::NotWhole(clip(v)));
    }
    match v.parse::<u64>() {
        Ok(x) if (lo..=hi).contains(&x) => Ok(x),
        _ => Err(KeyError::Outside {
            value: clip(v),
            lo,
            hi,
        }),
    }
}

/// Reads a time in ms (decimals allowed) in `lo_us..=hi_us`.
pub fn parse_ms_in(v: &str, lo_us: u64, hi_us: u64) -> Result<Duration, KeyError> {
    let us = parse_ms(v).ok_or_else(|| KeyError::NotMs(clip(v)))?;
    if us < lo_us || us > hi_us {
        return Err(KeyError::MsOutside {
            value: clip(v),
            lo_us,
            hi_us,
        });
    }
    Ok(Duration(us))
}

/// Reads `0` or `1`.
pub fn parse_flag(v: &str) -> Result<bool, KeyError> {
    match v {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(KeyError::NotFlag(clip(v))),
    }
}

/// The text of a flag.
pub fn fmt_flag(b: bool) -> String {
    if b { "1" } else { "0" }.into()
}

/// Reads one of a closed set of names.
pub fn parse_choice<T>(
    v: &str,
    names: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, KeyError> {
    parse(v).ok_or_else(|| KeyError::NotAChoice {
        value: clip(v),
        names: names.join(", "),
    })
}

/// A whole-number key: `int_key!("n", "what", field.path, lo, hi)`.
#[macro_export]
macro_rules! int_key {
    ($name:literal, $help:literal, $($f:ident).+ : $t:ty, $lo:expr, $hi:expr) => {
        $crate::scenario::keys::Key {
            name: $name,
            help: $help,
            kind: $crate::scenario::keys::KeyKind::Int {
                lo: $lo as u64,
                hi: $hi as u64,
            },
            get: |p| p.$($f).+.to_string(),
            set: |p, v| {
                p.$($f).+ = $crate::scenario::keys::parse_int(v, $lo as u64, $hi as u64)? as $t;
                Ok(())
            },
        }
    };
}

/// A time key in ms with limits in µs: `ms_key!("hb", "what", field.path, lo_us, hi_us)`.
#[macro_export]
macro_rules! ms_key {
    ($name:literal, $help:literal, $($f:ident).+, $lo_us:expr, $hi_us:expr) => {
        $crate::scenario::keys::Key {
            name: $name,
            help: $help,
            kind: $crate::scenario::keys::KeyKind::Ms {
                lo_us: $lo_us,
                hi_us: $hi_us,
            },
            get: |p| $crate::time::fmt_ms(p.$($f).+.0),
            set: |p, v| {
                p.$($f).+ = $crate::scenario::keys::parse_ms_in(v, $lo_us, $hi_us)?;
                Ok(())
            },
        }
    };
}

/// A 0/1 key: `flag_key!("fo", "what", field.path)`.
#[macro_export]
macro_rules! flag_key {
    ($name:literal, $help:literal, $($f:ident).+) => {
        $crate::scenario::keys::Key {
            name: $name,
            help: $help,
            kind: $crate::scenario::keys::KeyKind::Flag,
            get: |p| $crate::scenario::keys::fmt_flag(p.$($f).+),
            set: |p, v| {
                p.$($f).+ = $crate::scenario::keys::parse_flag(v)?;
                Ok(())
            },
        }
    };
}

/// A key naming one value of a [`text_enum!`](crate::text_enum) type:
/// `choice_key!("det", "what", field.path, Detector)`.
#[macro_export]
macro_rules! choice_key {
    ($name:literal, $help:literal, $($f:ident).+, $t:ty) => {
        $crate::scenario::keys::Key {
            name: $name,
            help: $help,
            kind: $crate::scenario::keys::KeyKind::Choice {
                names: <$t>::NAMES,
                labels: <$t>::LABELS,
            },
            get: |p| p.$($f).+.as_str().to_string(),
            set: |p, v| {
                p.$($f).+ = $crate::scenario::keys::parse_choice(v, <$t>::NAMES, <$t>::parse)?;
                Ok(())
            },
        }
    };
}

/// An enumeration with a text form, declared once: the link name and the human label of each
/// value give `ALL`, `NAMES`, `as_str`, `label`, `parse`, `Display` and `FromStr`.
///
/// ```
/// engine::text_enum! {
///     /// A colour.
///     pub enum Colour { Red = "red" / "Red", #[default] Blue = "blue" / "Deep blue" }
/// }
/// assert_eq!(Colour::parse("blue"), Some(Colour::Blue));
/// assert_eq!(Colour::Red.to_string(), "red");
/// assert_eq!(Colour::Blue.label(), "Deep blue");
/// assert_eq!("red".parse::<Colour>(), Ok(Colour::Red));
/// assert_eq!(Colour::NAMES, &["red", "blue"]);
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal / $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash,
                 serde::Serialize, serde::Deserialize)]
        $vis enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every value, in menu order.
            pub const ALL: [$name; [$( $text ),+].len()] = [ $( $name::$variant ),+ ];
            /// The link names, in menu order.
            pub const NAMES: &'static [&'static str] = &[ $( $text ),+ ];
            /// The human labels, in menu order.
            pub const LABELS: &'static [&'static str] = &[ $( $label ),+ ];
            /// The link name.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }
            /// The human name (menus, legends).
            pub fn label(self) -> &'static str {
                match self { $( $name::$variant => $label ),+ }
            }
            /// Reads a link name.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $( $text => Some($name::$variant), )+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::scenario::keys::KeyError;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                $crate::scenario::keys::parse_choice(s, $name::NAMES, $name::parse)
            }
        }
    };
}

/// One row of the key reference (`cli keys <lab>`, the README's tables, the settings forms).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KeyDoc {
    /// The key.
    pub name: &'static str,
    /// What it means.
    pub help: &'static str,
    /// Its default's text (empty: none).
    pub default: String,
    /// Its range or choices.
    pub range: String,
    /// Its kind and limits.
    #[serde(skip)]
    pub kind: KeyKind,
}

/// The key reference of a lab, in link order, ending with its timeline key.
pub fn key_docs(lab: crate::lab::LabKind) -> Vec<KeyDoc> {
    struct Docs;
    impl crate::lab::LabVisitor for Docs {
        type Output = Vec<KeyDoc>;
        fn visit<L: crate::lab::Lab>(self) -> Vec<KeyDoc> {
            L::keys()
                .iter()
                .map(|k| KeyDoc {
                    name: k.name,
                    help: k.help,
                    default: k.default_text(),
                    range: k.range_text(),
                    kind: k.kind,
                })
                .collect()
        }
    }
    lab.visit(Docs)
}

/// The key reference of a lab as a Markdown table (the README's tables are this text; a test
/// keeps them equal).
pub fn key_table_markdown(lab: crate::lab::LabKind) -> String {
    let mut out = String::from("| key | meaning | default | range |\n|---|---|---|---|\n");
    for d in key_docs(lab) {
        let default = if d.default.is_empty() {
            "—".to_string()
        } else {
            format!("`{}`", d.default)
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            d.name,
            d.help,
            default,
            d.range.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod key_error_tests {
    use super::*;

    #[test]
    fn readers_return_variants_with_the_banner_messages() {
        assert_eq!(parse_int("x1", 1, 5), Err(KeyError::NotWhole("x1".into())));
        let e = parse_int("9", 1, 5).unwrap_err();
        assert_eq!(
            e,
            KeyError::Outside {
                value: "9".into(),
                lo: 1,
                hi: 5
            }
        );
        assert_eq!(e.to_string(), "9 is outside 1–5");
        assert_eq!(
            parse_ms_in("0.5", 1_000, 10_000_000)
                .unwrap_err()
                .to_string(),
            "0.5 ms is outside 1–10000 ms"
        );
        assert_eq!(
            parse_ms_in("soon", 0, 1),
            Err(KeyError::NotMs("soon".into()))
        );
        assert_eq!(
            parse_flag("2").unwrap_err().to_string(),
            "'2' is not 0 or 1"
        );
        assert_eq!(
            parse_choice("best", &["rr", "p2c"], |_: &str| None::<u8>)
                .unwrap_err()
                .to_string(),
            "'best' is not one of rr, p2c"
        );
    }
}
