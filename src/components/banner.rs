//! The error banner: what was wrong with a link or a form value, and what is used instead.

use crate::i18n::{t, tr, tr_msg};
use engine::scenario::ParamError;
use yew::prelude::*;

/// Props of [`ErrorBanner`].
#[derive(Properties, PartialEq, Clone)]
pub struct BannerProps {
    /// The problems to show (nothing is rendered when empty).
    pub errors: Vec<ParamError>,
    /// Hides the banner.
    #[prop_or_default]
    pub ondismiss: Option<Callback<()>>,
}

/// A dismissible banner listing every bad parameter by name. Values are rendered as text.
#[component]
pub fn ErrorBanner(props: &BannerProps) -> Html {
    if props.errors.is_empty() {
        return html! {};
    }
    let dismiss = props.ondismiss.clone().map(|cb| {
        html! { <button class="dismiss" data-testid="dismiss-banner" onclick={move |_| cb.emit(())} aria-label={tr("Dismiss")}>{"✕"}</button> }
    });
    html! {
        <div class="banner error" role="alert" data-testid="error-banner">
            <strong>{ t("Some of this link could not be used — safe defaults were loaded instead:") }</strong>
            <ul>
                { for props.errors.iter().map(|e| html! {
                    <li data-param={e.param.clone()}><code>{ e.param.clone() }</code>{": "}{ tr_msg(&e.message) }</li>
                }) }
            </ul>
            { dismiss }
        </div>
    }
}
