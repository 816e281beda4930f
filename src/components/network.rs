//! The network panel shared by every lab: heal, partition, and live changes of loss and latency
//! (each recorded as a fault at the current time, so the link replays it).

use crate::components::lab::text_field;
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::net::{fmt_pct, NetConfig};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`NetworkPanel`].
#[derive(Properties, PartialEq, Clone)]
pub struct NetworkProps {
    /// Sends an action to the player.
    pub dispatch: Callback<Action>,
    /// The network as it is now.
    pub cfg: NetConfig,
    /// Link directions that are not up.
    pub faulty: usize,
    /// An example partition for the placeholder, e.g. `0.1|2.3.4`.
    pub example_partition: String,
}

/// A text field that applies the fault `<verb>:<value>` now (validated like a link entry).
fn fault_field(
    dispatch: &Callback<Action>,
    verb: &'static str,
    label: &str,
    value: String,
    help: &str,
) -> Html {
    text_field(
        dispatch,
        format!("net-{verb}"),
        label,
        value,
        help,
        move |v| Action::InjectText(format!("{verb}:{v}")),
    )
}

/// The panel.
#[component]
pub fn NetworkPanel(props: &NetworkProps) -> Html {
    let heal = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(Action::Inject(engine::Fault::Heal)))
    };
    let partition_ref = use_node_ref();
    let on_partition = {
        let d = props.dispatch.clone();
        let r = partition_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(input) = r.cast::<HtmlInputElement>() {
                d.emit(Action::InjectText(format!(
                    "partition:{}",
                    input.value().trim()
                )));
            }
        })
    };
    html! {
        <section class="panel network">
            <h2>{ t("Network") }</h2>
            <p class="muted">{ trf("Now: latency {} ms, loss {}%, {} link direction(s) cut or held. Changes here happen at the current time and are recorded in the fault timeline.",
                &[&props.cfg.latency, &fmt_pct(props.cfg.loss_ppm), &props.faulty]) }</p>
            <div class="actions">
                <button data-testid="heal" onclick={heal} disabled={props.faulty == 0}>{ t("Heal all links") }</button>
            </div>
            <form class="inline" onsubmit={on_partition}>
                <label title={tr("Groups of node ids separated by |, nodes by . — nodes left out form one more group")}>
                    <span>{ t("Partition into groups") }</span>
                    <input type="text" data-testid="net-partition" ref={partition_ref} placeholder={props.example_partition.clone()} size="14" />
                </label>
                <button type="submit" data-testid="net-partition-apply">{ t("Partition") }</button>
            </form>
            <div class="form">
                { fault_field(&props.dispatch, "lat", tr("latency ms"), props.cfg.latency.to_string(), tr("12 (constant), 10-15 (uniform), exp:10-60 (min 10, mean 60, long tail)")) }
                { fault_field(&props.dispatch, "loss", tr("loss %"), fmt_pct(props.cfg.loss_ppm), tr("percentage of messages lost from now on (0–100)")) }
            </div>
        </section>
    }
}
