//! Ready-made scenarios for teaching, one link each, kept in each lab's folder (`raft/presets.rs`,
//! …). The UI lists them; tests replay them all.

use crate::lab::LabKind;

/// A named scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Stable id (`data-testid=preset-<id>`).
    pub id: &'static str,
    /// The lab it belongs to.
    pub lab: LabKind,
    /// Short title.
    pub title: &'static str,
    /// What to watch for.
    pub lesson: &'static str,
    /// The link query.
    pub query: &'static str,
}

/// Every preset of every lab, in the registry's order.
pub fn presets() -> Vec<Preset> {
    LabKind::ALL
        .iter()
        .flat_map(|lab| lab.presets().iter().copied())
        .collect()
}
