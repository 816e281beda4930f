//! A lab's own typed error inside a lab-independent one: a command's text a lab refused
//! ([`crate::command::CommandError`]), a link key's value a lab's own reader refused
//! ([`crate::scenario::keys::KeyError::Lab`]).
//!
//! It is a shared pointer to the error rather than an enum of every lab's errors, so a lab's
//! page bundle links only its own lab's messages; tests match the lab's variants through
//! [`LabError::get`].

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// What [`LabError`] needs of a lab's error, object-safe: its message and its type. (No
/// `PartialEq` entry: every lab error's derived `eq` would ride into the page bundles with it;
/// two errors compare by type and message instead. No `Debug` entry either: `LabError`'s
/// `Debug` shows the message.)
trait AnyError: fmt::Display + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<E: std::error::Error + Send + Sync + 'static> AnyError for E {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A lab's typed error (each a `thiserror` enum whose variants carry the offending values).
/// `Display` is the lab's message (the banner's words). Cloning shares it; two are equal when
/// of the same type with the same message (every variant's message shows the values it
/// carries).
#[derive(Clone)]
pub struct LabError(Arc<dyn AnyError>);

impl LabError {
    /// Wraps a lab's error.
    pub fn new<E: std::error::Error + PartialEq + Send + Sync + 'static>(e: E) -> LabError {
        LabError(Arc::new(e))
    }
    /// The error as type `E`, if it is one.
    pub fn get<E: std::error::Error + PartialEq + Send + Sync + 'static>(&self) -> Option<&E> {
        self.0.as_any().downcast_ref::<E>()
    }
}

impl PartialEq for LabError {
    fn eq(&self, other: &LabError) -> bool {
        self.0.as_any().type_id() == other.0.as_any().type_id()
            && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for LabError {}

impl fmt::Debug for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LabError({})", self.0)
    }
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for LabError {}
