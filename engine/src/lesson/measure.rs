//! A lab's measurements as named values (`elections`, `writes_acked_lost`, `load_summary_cv`):
//! what a lesson goal checks and what the page's CSV export writes. Nested fields are joined
//! with `_` (as `cli run --format csv` names its columns); a list becomes one text value.

use serde::ser::{self, Serialize};
use std::fmt;

/// One measured value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number (counts, times in ms, ratios).
    Num(f64),
    /// Text (a scheme name, a list of numbers).
    Text(String),
    /// Nothing yet (e.g. no detection so far).
    None,
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Whole numbers as integers, others to the microsecond/millionth: the exact
            // formatter the pages already link (the shortest-form one would add its tables).
            Value::Num(x) if x.fract() == 0.0 && x.abs() < 1e15 => write!(f, "{}", *x as i64),
            Value::Num(x) => {
                let s = crate::fmtnum::fixed(*x, 6).to_string();
                f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
            }
            Value::Text(t) => f.write_str(t),
            Value::None => Ok(()),
        }
    }
}

/// The measurements as `(name, value)` in field order.
pub fn flatten<M: Serialize>(m: &M) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let _ = m.serialize(Flat {
        name: String::new(),
        out: &mut out,
    });
    out
}

/// The measurements as CSV: a header line and one row (cells with a comma or quote quoted).
pub fn csv(fields: &[(String, Value)]) -> String {
    let cell = |s: String| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let head: Vec<String> = fields.iter().map(|(k, _)| cell(k.clone())).collect();
    let row: Vec<String> = fields.iter().map(|(_, v)| cell(v.to_string())).collect();
    format!("{}\n{}\n", head.join(","), row.join(","))
}

/// The error type of the flattener (it never fails on the labs' metrics).
#[derive(Debug)]
pub struct FlatError(String);
impl fmt::Display for FlatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for FlatError {}
impl ser::Error for FlatError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        FlatError(msg.to_string())
    }
}

struct Flat<'a> {
    name: String,
    out: &'a mut Vec<(String, Value)>,
}

impl Flat<'_> {
    fn put(self, v: Value) -> Result<(), FlatError> {
        self.out.push((self.name, v));
        Ok(())
    }
}

/// A struct's or map's fields, each under its own name.
struct Fields<'a> {
    name: String,
    out: &'a mut Vec<(String, Value)>,
    key: String,
}

/// A list's items, joined into one text value.
struct Items<'a> {
    name: String,
    out: &'a mut Vec<(String, Value)>,
    items: Vec<String>,
    last: Vec<(String, Value)>,
}

macro_rules! num {
    ($($f:ident: $t:ty),*) => {$(
        fn $f(self, v: $t) -> Result<(), FlatError> { self.put(Value::Num(v as f64)) }
    )*};
}

impl<'a> ser::Serializer for Flat<'a> {
    type Ok = ();
    type Error = FlatError;
    type SerializeSeq = Items<'a>;
    type SerializeTuple = Items<'a>;
    type SerializeTupleStruct = Items<'a>;
    type SerializeTupleVariant = Items<'a>;
    type SerializeMap = Fields<'a>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = Fields<'a>;

    num!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
         serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
         serialize_f32: f32, serialize_f64: f64);
    fn serialize_bool(self, v: bool) -> Result<(), FlatError> {
        self.put(Value::Num(if v { 1.0 } else { 0.0 }))
    }
    fn serialize_char(self, v: char) -> Result<(), FlatError> {
        self.put(Value::Text(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<(), FlatError> {
        self.put(Value::Text(v.to_string()))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), FlatError> {
        self.put(Value::None)
    }
    fn serialize_none(self) -> Result<(), FlatError> {
        self.put(Value::None)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), FlatError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), FlatError> {
        self.put(Value::None)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), FlatError> {
        self.put(Value::None)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), FlatError> {
        self.put(Value::Text(variant.to_string()))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), FlatError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), FlatError> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'a>, FlatError> {
        Ok(Items {
            name: self.name,
            out: self.out,
            items: Vec::new(),
            last: Vec::new(),
        })
    }
    fn serialize_tuple(self, n: usize) -> Result<Items<'a>, FlatError> {
        self.serialize_seq(Some(n))
    }
    fn serialize_tuple_struct(self, _: &'static str, n: usize) -> Result<Items<'a>, FlatError> {
        self.serialize_seq(Some(n))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        n: usize,
    ) -> Result<Items<'a>, FlatError> {
        self.serialize_seq(Some(n))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'a>, FlatError> {
        Ok(Fields {
            name: self.name,
            out: self.out,
            key: String::new(),
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>, FlatError> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Fields<'a>, FlatError> {
        self.serialize_map(None)
    }
}

impl Fields<'_> {
    fn field<T: ?Sized + Serialize>(&mut self, key: &str, v: &T) -> Result<(), FlatError> {
        let name = if self.name.is_empty() {
            key.to_string()
        } else {
            format!("{}_{key}", self.name)
        };
        v.serialize(Flat {
            name,
            out: self.out,
        })
    }
}

/// A struct and a struct variant flatten alike: each field under `<name>_<field>`.
macro_rules! fields {
    ($($tr:ident),*) => {$(
        impl ser::$tr for Fields<'_> {
            type Ok = ();
            type Error = FlatError;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), FlatError> {
                self.field(key, v)
            }
            fn end(self) -> Result<(), FlatError> {
                Ok(())
            }
        }
    )*};
}
fields!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Fields<'_> {
    type Ok = ();
    type Error = FlatError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), FlatError> {
        self.key = text_of(k);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), FlatError> {
        let key = std::mem::take(&mut self.key);
        self.field(&key, v)
    }
    fn end(self) -> Result<(), FlatError> {
        Ok(())
    }
}

/// A value as one text cell (a list item, a map key).
fn text_of<T: ?Sized + Serialize>(v: &T) -> String {
    let mut tmp = Vec::new();
    let _ = v.serialize(Flat {
        name: String::new(),
        out: &mut tmp,
    });
    tmp.iter()
        .map(|(_, v)| v.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

macro_rules! items {
    ($($tr:ident :: $f:ident),*) => {$(
        impl ser::$tr for Items<'_> {
            type Ok = ();
            type Error = FlatError;
            fn $f<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), FlatError> {
                self.item(v)
            }
            fn end(self) -> Result<(), FlatError> {
                self.finish()
            }
        }
    )*};
}
items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl Items<'_> {
    fn item<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), FlatError> {
        self.last.clear();
        v.serialize(Flat {
            name: format!("{}_last", self.name),
            out: &mut self.last,
        })?;
        self.items.push(
            self.last
                .iter()
                .map(|(_, v)| v.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        );
        Ok(())
    }

    /// A list is one text value, its length (`<name>_count`) and its last item's fields
    /// (`<name>_last_<field>`), so a goal can check "the last move shifted under 10 %".
    fn finish(self) -> Result<(), FlatError> {
        let n = self.items.len();
        self.out
            .push((self.name.clone(), Value::Text(self.items.join(" "))));
        self.out
            .push((format!("{}_count", self.name), Value::Num(n as f64)));
        self.out.extend(self.last);
        Ok(())
    }
}
