//! Availability arithmetic and capacity planning (issue 13, "Availability" and "Capacity
//! planning"): the nines and their downtime, systems of components in series, in parallel and
//! k-of-n, MTBF/MTTR, a seeded Monte-Carlo of the same systems, and the M/M/c queue (Erlang C)
//! with a seeded discrete-event simulation that checks it.
//!
//! Everything here is a pure function of validated inputs: each input type has a `parse` or
//! `validate` that names the bad value, and every loop is bounded, so a hostile link or form value
//! gets a message, never a panic or a hang. Transcendental functions come from
//! [`crate::detmath`], so the page and the CLI print the same digits.
//!
//! - [`nines`]: availability ↔ number of nines ↔ allowed downtime per period.
//! - [`system`]: blocks (components, series, parallel, k-of-n) and their steady-state availability.
//! - [`montecarlo`]: simulated years of a system, with mean, standard error and confidence interval.
//! - [`mmc`]: M/M/c utilisation, waiting probability, mean wait, response-time quantiles, replicas
//!   needed for a latency target, and the discrete-event check.
//! - [`link`]: the calculator's state as query keys (`av…`), read with validation.

pub mod link;
pub mod mmc;
pub mod montecarlo;
pub mod nines;
pub mod stats;
pub mod system;

pub use nines::{Period, PERIODS};
pub use system::{Block, Leaf};
