//! The replication lab's locks section (`?lab=replication&sec=locks`) bundle, started by the loader in
//! `index.html`. Each section is its own bundle so a page carries one section's simulation; a
//! link of another section is handed to that section's bundle.

ha_playground::lab_root!(
    Root,
    ha_playground::pages::replication::LocksPage,
    engine::replication::LocksSectionLab
);

fn main() {
    ha_playground::app::start_replication_section::<{ engine::replication::SEC_LOCKS }, Root>();
}
