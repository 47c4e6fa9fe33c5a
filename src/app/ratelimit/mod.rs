//! The rate-limiter visualization: algorithms side by side on the same
//! traffic, stepped with the shared player. Everything it shows comes from
//! [`crate::sim::ratelimit`].

use leptos::prelude::*;

use super::live::open_live;
use super::player::Player;
use super::share::CopyLink;
use crate::sim::ratelimit::Run;

/// The live rate-limiter visualization for the topic `slug`.
#[component]
pub fn RateLimitViz(slug: &'static str) -> impl IntoView {
    let (live, query) = open_live::<Run>(slug);
    view! {
        <div class="rl">
            <div class="viz-head">
                <h2 id="viz-title">{crate::content::visualization_title("rate-limiter")}</h2>
                <CopyLink query=query/>
            </div>
            <Player steps=live.steps() step=live.step caption=live.caption()/>
        </div>
    }
}
