//! Typed lab commands. A lab's commands are its own enum (`RaftCommand`, `ClusterCommand`, …)
//! with a `FromStr` and a `Display` that are each other's inverse; a link's `cmd:NODE:TEXT` is
//! parsed once, when the link is read ([`crate::lab::Lab::parse_command`]), and from then on the
//! timeline, the trace and the node hold the typed value. [`Cmd`] carries one through the
//! lab-independent [`Fault`](crate::fault::Fault): the simulator hands it to the node as the
//! node's own [`Node::Command`](crate::node::Node::Command) type.
//!
//! `Cmd` is a shared pointer to the value rather than an enum of every lab's commands, so a
//! lab's page bundle links only the commands it builds (its own), not every lab's `Display`.
//! [`CommandError`] carries a lab's typed parse error (`RaftCommandError`, …) the same way (a
//! [`LabError`]), so tests match the lab's variants and a page links only its own lab's messages.

pub use crate::lab_error::LabError;
use serde::{Serialize, Serializer};
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A lab's command type. Its `Display` is the link text (`put:x=1`); parsing that text back
/// gives an equal value (tests check every lab's commands).
pub trait Command: fmt::Display + fmt::Debug + PartialEq + Send + Sync + 'static {}

/// A node type that takes no commands (the heartbeat lab's): there is no value of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoCommand {}

impl fmt::Display for NoCommand {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl Command for NoCommand {}

/// What [`Cmd`] needs of a command, object-safe. (Not `Debug`: a vtable entry would link every
/// command's derived `Debug` and the formatter's debug builders into the page bundles; `Cmd`'s
/// `Debug` shows the link text.)
trait AnyCommand: fmt::Display + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn same(&self, other: &dyn AnyCommand) -> bool;
}

impl<C: Command> AnyCommand for C {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn same(&self, other: &dyn AnyCommand) -> bool {
        other.as_any().downcast_ref::<C>() == Some(self)
    }
}

/// One lab command, typed, inside a [`Fault::Command`](crate::fault::Fault::Command).
/// Cloning shares it; two are equal when they are of the same type and equal values.
#[derive(Clone)]
pub struct Cmd(Arc<dyn AnyCommand>);

impl Cmd {
    /// Wraps a command.
    pub fn new<C: Command>(c: C) -> Cmd {
        Cmd(Arc::new(c))
    }
    /// The command as type `C`, if it is one.
    pub fn get<C: Command>(&self) -> Option<&C> {
        self.0.as_any().downcast_ref::<C>()
    }
}

impl PartialEq for Cmd {
    fn eq(&self, other: &Cmd) -> bool {
        self.0.same(&*other.0)
    }
}

impl Eq for Cmd {}

impl fmt::Debug for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cmd({})", self.0)
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// Serialised as its link text.
impl Serialize for Cmd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a lab refused a command's text: the lab's own typed error (`RaftCommandError`,
/// `ClusterCommandError`, …, each a `thiserror` enum whose variants carry the offending
/// values), inside the lab-independent [`FaultError::Command`](crate::fault::FaultError).
/// `Display` is the lab's message (the banner's words); tests match the lab's variants through
/// [`LabError::get`]. (A [`LabError`]: link keys carry a lab's own value errors the same way.)
pub type CommandError = LabError;

/// A command where no lab's commands are read (outside a lab, or a lab without commands).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoCommandError {
    /// Read outside any lab ([`crate::fault::no_commands`]).
    #[error("no lab reads the command '{0}' here")]
    NoLab(String),
    /// The lab takes no commands (the heartbeat lab).
    #[error("the {lab} lab has no commands ('{text}')")]
    NoCommands {
        /// The lab's link name.
        lab: &'static str,
        /// The command's text (clipped).
        text: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct A(u8);
    impl fmt::Display for A {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a:{}", self.0)
        }
    }
    impl Command for A {}
    #[derive(Debug, PartialEq)]
    struct B(u8);
    impl fmt::Display for B {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a:{}", self.0)
        }
    }
    impl Command for B {}

    #[test]
    fn equal_by_type_and_value() {
        assert_eq!(Cmd::new(A(1)), Cmd::new(A(1)));
        assert_ne!(Cmd::new(A(1)), Cmd::new(A(2)));
        // Same text, other type: not equal.
        assert_ne!(Cmd::new(A(1)), Cmd::new(B(1)));
        assert_eq!(Cmd::new(A(3)).get::<A>(), Some(&A(3)));
        assert_eq!(Cmd::new(A(3)).get::<B>(), None);
        assert_eq!(Cmd::new(B(7)).to_string(), "a:7");
    }

    #[test]
    fn errors_keep_their_type() {
        let no_lab = || CommandError::new(NoCommandError::NoLab("x".into()));
        assert_eq!(no_lab(), no_lab());
        assert_eq!(no_lab().to_string(), "no lab reads the command 'x' here");
        assert_eq!(
            no_lab().get::<NoCommandError>(),
            Some(&NoCommandError::NoLab("x".into()))
        );
        assert_eq!(no_lab().get::<crate::net::PctError>(), None);
        // Same message, other type: not equal.
        let pct = CommandError::new(crate::net::PctError::NotAPercentage("x".into()));
        assert_ne!(pct, no_lab());
    }
}
