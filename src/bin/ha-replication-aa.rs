//! The replication lab's active-active section (`?lab=replication&sec=aa`) bundle, started by the loader in
//! `index.html`. Each section is its own bundle so a page carries one section's simulation; a
//! link of another section is handed to that section's bundle.

ha_playground::lab_root!(
    Root,
    ha_playground::pages::replication::ActivePage,
    engine::replication::ActiveSectionLab
);

fn main() {
    ha_playground::app::start_replication_section::<{ engine::replication::SEC_ACTIVE }, Root>();
}
