//! Ready-made scenarios for teaching, one link each, kept in each lab's folder (`raft/presets.rs`,
//! …). The UI lists them; tests replay them all.

use super::{decode_for, encode_for, Scenario};
use crate::lab::LabKind;
use crate::lab::{Lab, LabVisitor};

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

/// The preset this scenario is (the same scenario at any position), if any: a shared preset
/// link opens with its lesson shown.
pub fn preset_for(s: &Scenario) -> Option<Preset> {
    struct Of<'a>(&'a Scenario);
    impl LabVisitor for Of<'_> {
        type Output = Option<Preset>;
        fn visit<L: Lab>(self) -> Option<Preset> {
            preset_for_lab::<L>(self.0)
        }
    }
    s.lab.visit(Of(s))
}

/// [`preset_for`] in lab `L`'s page.
pub fn preset_for_lab<L: Lab>(s: &Scenario) -> Option<Preset> {
    let strip = |s: &Scenario| Scenario {
        pos: Default::default(),
        notes: Vec::new(),
        ..s.clone()
    };
    // Compared as links (a link is one scenario): a deep `==` of scenarios would carry every
    // lab's settings comparison into each page's bundle.
    let want = encode_for::<L>(&strip(s));
    L::PRESETS
        .iter()
        .find(|p| encode_for::<L>(&strip(&decode_for::<L>(p.query).scenario)) == want)
        .copied()
}
