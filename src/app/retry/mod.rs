//! The retries visualization: policies side by side on the same seed,
//! stepped with the shared player. Everything it shows comes from
//! [`crate::sim::retry`].

use leptos::prelude::*;

use super::live::open_live;
use super::player::Player;
use super::share::CopyLink;
use crate::sim::retry::Run;

/// The live retries visualization for the topic `slug`.
#[component]
pub fn RetryViz(slug: &'static str) -> impl IntoView {
    let (live, query) = open_live::<Run>(slug);
    view! {
        <div class="rt">
            <div class="viz-head">
                <h2 id="viz-title">{crate::content::visualization_title("retries")}</h2>
                <CopyLink query=query/>
            </div>
            <Player steps=live.steps() step=live.step caption=live.caption()/>
        </div>
    }
}
