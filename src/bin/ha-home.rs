//! The home bundle: the list of labs (started by the loader in `index.html` without `?lab=`, or
//! for a lab it does not know, with the error banner).

fn main() {
    ha_playground::app::start::<ha_playground::app::HomeApp>();
}
