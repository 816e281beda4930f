//! The availability calculator (issue 13): the nines and their downtime, a system builder with
//! its formula next to simulated years, and M/M/c capacity planning. Thin: every number comes
//! from `engine::avail`; this file only reads fields, shows results and keeps the state in the
//! address bar (`av…` keys, see `engine::avail::link`).
//!
//! Mount it anywhere: `<AvailCalculator />` (state in the address bar, other keys kept) or
//! `<AvailCalculator sync_url={false} />` (state kept in the component only).

use crate::i18n::{t, tr, tr_msg, trf};
use crate::web;
use engine::avail::link::{self, Arrangement, CalcLink, MAX_COMPONENTS};
use engine::avail::mmc::{self, Mmc, SimResult};
use engine::avail::montecarlo::{self, McResult};
use engine::avail::nines::{
    fmt_duration, fmt_nines, fmt_num, fmt_percent, fmt_percent_ci, Avail, PERIODS, YEAR_H,
};
use engine::avail::system::Block;
use engine::fmtnum::trim;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of [`AvailCalculator`].
#[derive(Properties, PartialEq, Clone)]
pub struct AvailCalculatorProps {
    /// Read the state from the address bar on load and write it back on every change (only the
    /// `av…` keys; a lab's keys are left alone). Default: true.
    #[prop_or(true)]
    pub sync_url: bool,
}

/// Common availabilities, one click each.
const PICKS: [&str; 6] = ["99", "99.5", "99.9", "99.95", "99.99", "99.999"];
/// Requests per M/M/c simulation.
const SIM_REQUESTS: u32 = 200_000;

/// A field's message and the default used meanwhile (`fallback`; empty: none), or nothing.
fn field_error(testid: &str, r: &Result<impl Sized, String>, fallback: &str) -> Html {
    match r {
        Ok(_) => html! {},
        Err(e) => html! {
            <span class="field-error" role="alert" data-testid={testid.to_string()}>
                { tr_msg(&if fallback.is_empty() { e.clone() } else { format!("{e}; using {fallback}") }) }
            </span>
        },
    }
}

fn text_input(testid: &str, value: &str, label: &str, on: Callback<String>) -> Html {
    let oninput = Callback::from(move |e: InputEvent| {
        on.emit(e.target_unchecked_into::<HtmlInputElement>().value());
    });
    html! {
        <input type="text" data-testid={testid.to_string()} aria-label={label.to_string()}
            value={value.to_string()} {oninput} spellcheck="false" autocomplete="off" />
    }
}

fn pct(a: f64) -> String {
    format!("{} %", fmt_percent(Avail::from_a(a.clamp(0.0, 1.0))))
}

/// The calculator.
#[component]
pub fn AvailCalculator(props: &AvailCalculatorProps) -> Html {
    let sync = props.sync_url;
    let loaded = use_memo((), move |_| {
        if sync {
            link::read(&web::location_query())
        } else {
            (CalcLink::default(), Vec::new())
        }
    });
    let state = use_state(|| loaded.0.clone());
    let mc = use_state(|| None::<(String, Result<McResult, String>)>);
    let sim = use_state(|| None::<(Mmc, Result<SimResult, String>)>);
    {
        let s = (*state).clone();
        use_effect_with(s, move |s| {
            if sync {
                web::replace_query(&link::merge(&web::location_query(), s));
            }
        });
    }
    let set = {
        let state = state.clone();
        move |f: fn(&mut CalcLink, String)| {
            let state = state.clone();
            Callback::from(move |v: String| {
                let mut s = (*state).clone();
                f(&mut s, v);
                state.set(s);
            })
        }
    };
    let s = &*state;

    // (a) The nines.
    let av = s.availability();
    let shown = av
        .clone()
        .unwrap_or_else(|_| Avail::from_a(link::defaults::AVAIL_PCT / 100.0));
    let pct_value = if s.nines_mode {
        fmt_percent(shown)
    } else {
        s.av.clone()
    };
    let nines_value = if s.nines_mode {
        s.nines.clone()
    } else {
        fmt_nines(shown)
    };
    let on_pct = set(|s, v| {
        s.av = v;
        s.nines_mode = false;
    });
    let on_nines = set(|s, v| {
        s.nines = v;
        s.nines_mode = true;
    });
    let pick = |p: &'static str| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*state).clone();
            s.av = p.to_string();
            s.nines_mode = false;
            state.set(s);
        })
    };
    let nines_section = html! {
        <section class="avail-part" aria-labelledby="avail-nines-h">
            <h3 id="avail-nines-h">{ t("Nines ↔ allowed downtime") }</h3>
            <div class="avail-fields">
                <label>{ t("Availability (%)") }
                    { text_input("avail-input-percent", &pct_value, tr("Availability in percent"), on_pct) }
                </label>
                <label>{ t("or number of nines") }
                    { text_input("avail-input-nines", &nines_value, tr("Number of nines"), on_nines) }
                </label>
            </div>
            { field_error(if s.nines_mode { "avail-error-nines" } else { "avail-error-percent" }, &av, "99.9 %") }
            <p class="avail-picks">
                { for PICKS.iter().map(|&p| html! {
                    <button type="button" class="chip" data-testid={format!("avail-pick-{p}")} onclick={pick(p)}>{ format!("{p} %") }</button>
                }) }
            </p>
            <p class="avail-headline" data-testid="avail-nines-result">
                { trf("{} % = {} nines (down {} of the time)", &[&fmt_percent(shown), &fmt_nines(shown), &(fmt_num(shown.u * 100.0) + " %")]) }
            </p>
            <table class="avail-table">
                <tbody>
                    { for PERIODS.iter().map(|&p| html! {
                        <tr>
                            <th scope="row">{ trf("Downtime {}", &[&tr(p.label())]) }</th>
                            <td data-testid={format!("avail-downtime-{}", p.id())}>{ fmt_duration(shown.downtime_s(p)) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    };

    // (b) The system builder.
    let leaves = s.leaves();
    let system = s.system();
    let k_checked = s.k_value();
    let on_arr = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let mut s = (*state).clone();
            s.arr = Arrangement::parse(&v).unwrap_or(Arrangement::Series);
            state.set(s);
        })
    };
    let on_k = set(|s, v| s.k = v);
    let comp_row = |i: usize, text: &str| {
        let on = {
            let state = state.clone();
            Callback::from(move |v: String| {
                let mut s = (*state).clone();
                if let Some(c) = s.comps.get_mut(i) {
                    *c = v;
                }
                state.set(s);
            })
        };
        let remove = {
            let state = state.clone();
            Callback::from(move |_: MouseEvent| {
                let mut s = (*state).clone();
                if s.comps.len() > 1 {
                    s.comps.remove(i);
                }
                state.set(s);
            })
        };
        let leaf = &leaves[i];
        let note = match leaf {
            Ok(l) => {
                let a = l.avail();
                html! { <span class="muted">{ format!("A = {} %", fmt_percent(a)) }</span> }
            }
            Err(_) => html! {},
        };
        html! {
            <li>
                <label>{ trf("Component {}", &[&(i + 1)]) }
                    { text_input(&format!("avail-input-comp-{i}"), text, &trf("Component {}", &[&(i + 1)]), on) }
                </label>
                { note }
                <button type="button" data-testid={format!("avail-remove-comp-{i}")} onclick={remove}
                    disabled={s.comps.len() <= 1} aria-label={trf("Remove component {}", &[&(i + 1)])}>{"✕"}</button>
                { match leaf { Err(e) => html! { <span class="field-error" role="alert" data-testid={format!("avail-error-comp-{i}")}>{ tr_msg(e) }</span> }, Ok(_) => html! {} } }
            </li>
        }
    };
    let add = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*state).clone();
            if s.comps.len() < MAX_COMPONENTS {
                let last = s.comps.last().cloned().unwrap_or_else(|| "99.9".into());
                s.comps.push(last);
            }
            state.set(s);
        })
    };
    let formula_text = match s.arr {
        Arrangement::Series => tr("series: all needed, A = A₁ × A₂ × … × Aₙ").to_string(),
        Arrangement::Parallel => {
            tr("parallel: one is enough, A = 1 − (1 − A₁)(1 − A₂)…(1 − Aₙ)").to_string()
        }
        Arrangement::KofN => {
            tr("k-of-n: A = P(at least k of the n up), independent failures").to_string()
        }
    };
    let system_result = match &system {
        Ok(b) => {
            let a = b.avail();
            html! {
                <p class="avail-headline" data-testid="avail-system-result" data-availability={a.a.to_string()}>
                    { trf("System availability {} % ({} nines): down {} per year", &[&fmt_percent(a), &fmt_nines(a), &fmt_duration(a.u * YEAR_H * 3600.0)]) }
                </p>
            }
        }
        Err(e) => html! {
            <p class="field-error" role="alert" data-testid="avail-system-error">{ trf("{}: fix it to see the result", &[&tr_msg(e)]) }</p>
        },
    };
    let years = s.years_value();
    let seed = s.seed_value();
    let years_v = years.clone().unwrap_or(link::defaults::YEARS);
    let seed_v = seed.clone().unwrap_or(link::defaults::SEED);
    let mc_key = system
        .as_ref()
        .map(|b| format!("{}|{years_v}|{seed_v}", b.text()))
        .unwrap_or_default();
    let run_mc = {
        let mc = mc.clone();
        let system = system.clone();
        let key = mc_key.clone();
        Callback::from(move |_: MouseEvent| {
            if let Ok(b) = &system {
                mc.set(Some((key.clone(), montecarlo::run(b, years_v, seed_v))));
            }
        })
    };
    let mc_view = match (&*mc, &system) {
        (Some((key, r)), Ok(b)) if *key == mc_key => match r {
            Ok(r) => mc_result(r, b),
            Err(e) => {
                html! { <p class="field-error" role="alert" data-testid="avail-mc-error">{ tr_msg(e) }</p> }
            }
        },
        _ => html! {},
    };
    let system_section = html! {
        <section class="avail-part" aria-labelledby="avail-system-h">
            <h3 id="avail-system-h">{ t("A system of components") }</h3>
            <p class="muted">{ t("Each component: availability in % (99.9) or MTBF/MTTR (1000h/4h, 30d/30m; units s m h d w y). Failures are independent.") }</p>
            <div class="avail-fields">
                <label>{ t("Arrangement") }
                    <select data-testid="avail-arr" onchange={on_arr}>
                        <option value="series" selected={s.arr == Arrangement::Series}>{ t("series (all needed)") }</option>
                        <option value="parallel" selected={s.arr == Arrangement::Parallel}>{ t("parallel (one enough)") }</option>
                        <option value="kofn" selected={s.arr == Arrangement::KofN}>{ t("k of n") }</option>
                    </select>
                </label>
                if s.arr == Arrangement::KofN {
                    <label>{ t("k (needed up)") }
                        { text_input("avail-input-k", &s.k, "k", on_k) }
                    </label>
                }
            </div>
            if s.arr == Arrangement::KofN {
                { field_error("avail-error-k", &k_checked, "") }
            }
            <ol class="avail-comps">
                { for s.comps.iter().enumerate().map(|(i, c)| comp_row(i, c)) }
            </ol>
            <button type="button" data-testid="avail-add-comp" onclick={add} disabled={s.comps.len() >= MAX_COMPONENTS}>{ t("+ Add component") }</button>
            <p class="muted">{ formula_text }</p>
            { system_result }
            if let Ok(b) = &system {
                <p class="muted">{ t("As text (for ") }<code>{ t("cli avail system") }</code>{"): "}<code data-testid="avail-system-text">{ b.text() }</code></p>
            }
            <div class="avail-fields">
                <label>{ t("Years to simulate") }
                    { text_input("avail-input-years", &s.years, tr("Years to simulate"), set(|s, v| s.years = v)) }
                </label>
                <label>{ t("Seed") }
                    { text_input("avail-input-seed", &s.seed, tr("Seed"), set(|s, v| s.seed = v)) }
                </label>
            </div>
            { field_error("avail-error-years", &years, "100") }
            { field_error("avail-error-seed", &seed, "1") }
            <button type="button" class="primary" data-testid="avail-mc-run" onclick={run_mc} disabled={system.is_err()}>
                { trf("Run {} simulated years", &[&years_v]) }
            </button>
            { mc_view }
        </section>
    };

    // (c) Capacity.
    let rps = s.rps_value();
    let svc = s.svc_value();
    let pods = s.pods_value();
    let slo = s.slo_value();
    let q = s.queue();
    let slo_v = slo.clone().unwrap_or(link::defaults::SLO_MS);
    let solved = q.solve();
    let needed = mmc::pods_needed(q.rate, q.service_ms, slo_v, 0.99);
    let run_sim = {
        let sim = sim.clone();
        Callback::from(move |_: MouseEvent| {
            sim.set(Some((q, mmc::simulate(&q, SIM_REQUESTS, seed_v))));
        })
    };
    let queue_view = match &solved {
        Err(u) => {
            html! { <p class="field-error" role="alert" data-testid="avail-mmc-unstable">{ u.message() }</p> }
        }
        Ok(r) => html! {
            <dl class="avail-dl">
                <dt>{ t("Utilisation ρ = λ / (c·μ)") }</dt><dd data-testid="avail-mmc-util">{ format!("{} %", fmt_num(round(r.utilisation * 100.0, 2))) }</dd>
                <dt>{ t("P(a request waits) (Erlang C)") }</dt><dd data-testid="avail-mmc-pwait">{ format!("{} %", fmt_num(round(r.p_wait * 100.0, 2))) }</dd>
                <dt>{ t("Mean wait in queue") }</dt><dd data-testid="avail-mmc-wait">{ format!("{} ms", fmt_num(round(r.mean_wait_ms, 3))) }</dd>
                <dt>{ t("Mean response") }</dt><dd data-testid="avail-mmc-mean">{ format!("{} ms", fmt_num(round(r.mean_response_ms, 3))) }</dd>
                <dt>{ t("Response p50 / p95") }</dt><dd>{ format!("{} / {} ms", fmt_num(round(r.p50_response_ms, 2)), fmt_num(round(r.p95_response_ms, 2))) }</dd>
                <dt>{ t("Response p99") }</dt><dd data-testid="avail-mmc-p99" data-ms={r.p99_response_ms.to_string()}>{ format!("{} ms", fmt_num(round(r.p99_response_ms, 2))) }</dd>
            </dl>
        },
    };
    let sim_view = match &*sim {
        Some((m, r)) if *m == q => match r {
            Ok(r) => sim_result(r),
            Err(e) => {
                html! { <p class="field-error" role="alert" data-testid="avail-mmc-sim-error">{ tr_msg(e) }</p> }
            }
        },
        _ => html! {},
    };
    let capacity_section = html! {
        <section class="avail-part" aria-labelledby="avail-mmc-h">
            <h3 id="avail-mmc-h">{ t("Capacity: how many pods? (M/M/c queue)") }</h3>
            <p class="muted">{ t("Requests arrive at random (Poisson) and take an exponentially distributed time to serve; one shared queue in front of c pods.") }</p>
            <div class="avail-fields">
                <label>{ t("Load λ (requests/s)") }{ text_input("avail-input-rps", &s.rps, tr("Load in requests per second"), set(|s, v| s.rps = v)) }</label>
                <label>{ t("Service time per request (ms)") }{ text_input("avail-input-svc", &s.svc, tr("Mean service time in ms"), set(|s, v| s.svc = v)) }</label>
                <label>{ t("Pods c") }{ text_input("avail-input-pods", &s.pods, tr("Pods"), set(|s, v| s.pods = v)) }</label>
                <label>{ t("p99 target (ms)") }{ text_input("avail-input-slo", &s.slo, tr("p99 target in ms"), set(|s, v| s.slo = v)) }</label>
            </div>
            { field_error("avail-error-rps", &rps, "800 requests/s") }
            { field_error("avail-error-svc", &svc, "20 ms") }
            { field_error("avail-error-pods", &pods, "20 pods") }
            { field_error("avail-error-slo", &slo, "100 ms") }
            <p class="muted">{ trf("One pod serves μ = {} requests/s; offered load {} pods' worth.", &[&fmt_num(round(q.mu(), 3)), &fmt_num(round(q.offered(), 3))]) }</p>
            { queue_view }
            <p class="avail-headline" data-testid="avail-mmc-needed">
                { trf("Pods needed for p99 ≤ {} ms at {} requests/s: {}", &[&fmt_num(slo_v), &fmt_num(q.rate), &tr_msg(&needed.message(0.99, slo_v))]) }
            </p>
            <button type="button" class="primary" data-testid="avail-mmc-sim" onclick={run_sim} disabled={solved.is_err()}>
                { t("Simulate 200 000 requests") }
            </button>
            { sim_view }
        </section>
    };

    // Problems of the link itself (an unknown arrangement, too many components); the fields'
    // own messages are shown next to them.
    let field_problems = loaded.0.problems();
    let notes: Vec<&(&str, String)> = loaded
        .1
        .iter()
        .filter(|p| !field_problems.contains(p))
        .collect();
    let copy = Callback::from(move |_: MouseEvent| {
        web::copy_to_clipboard(&web::full_link(&web::location_query()));
    });
    html! {
        <div class="avail" data-testid="avail-calculator">
            if !notes.is_empty() {
                <ul class="banner notice" data-testid="avail-link-notes">
                    { for notes.iter().map(|(k, m)| html! { <li><code>{ k.to_string() }</code>{ ": " }{ tr_msg(m) }</li> }) }
                </ul>
            }
            <div class="avail-grid">
                { nines_section }
                { system_section }
                { capacity_section }
            </div>
            if sync {
                <p><button type="button" data-testid="avail-copy-link" onclick={copy}>{ t("Copy link to this calculation") }</button></p>
            }
        </div>
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let k = [1.0, 10.0, 100.0, 1000.0][digits.clamp(0, 3) as usize];
    (x * k).round() / k
}

fn mc_result(r: &McResult, b: &Block) -> Html {
    let a = &r.availability;
    let d = &r.downtime_h_per_year;
    let [m, lo, hi] = fmt_percent_ci(a.mean, a.lo, a.hi);
    let verdict = if r.too_few_outages() {
        trf(
            "Only {} outages in {} years: too few for the interval to mean anything; simulate more years.",
            &[&r.outages, &r.years],
        )
    } else if r.formula_in_ci() {
        tr("The formula lies inside the 95 % interval.").to_string()
    } else {
        tr("The formula lies outside the 95 % interval (expected about 1 run in 20).").to_string()
    };
    html! {
        <div class="avail-mc" data-testid="avail-mc-result" data-mean={a.mean.to_string()} data-lo={a.lo.to_string()}
            data-hi={a.hi.to_string()} data-formula={b.avail().a.to_string()} data-in-ci={r.formula_in_ci().to_string()}>
            <p><strong>{ trf("Simulated {} years (seed {}): ", &[&r.years, &r.seed]) }</strong>
                { trf("availability {} % (95 % CI {} – {} %), formula {}.", &[&m, &lo, &hi, &pct(r.formula_availability)]) }</p>
            <p>{ trf("Downtime per year {} (95 % CI {} – {}); formula {}. {} outages",
                &[&fmt_duration(d.mean * 3600.0), &fmt_duration(d.lo.max(0.0) * 3600.0), &fmt_duration(d.hi * 3600.0),
                &fmt_duration(r.formula_downtime_h_per_year * 3600.0), &r.outages]) }
                { r.mean_outage_h.map(|h| trf(", {} each on average.", &[&fmt_duration(h * 3600.0)])).unwrap_or_else(|| tr(".").into()) }</p>
            <p class="muted">{ verdict }
                if r.assumed_mttr { { trf(" Components given as a percentage are simulated with MTTR {} h.", &[&trim(montecarlo::AVAIL_ONLY_MTTR_H, 3)]) } }
            </p>
        </div>
    }
}

fn sim_result(r: &SimResult) -> Html {
    let w = &r.mean_wait_ms;
    let verdict = if r.too_few_waits() {
        trf(
            "Only {} requests waited: too few for the interval to mean anything.",
            &[&r.waited],
        )
    } else if r.formula_in_ci() {
        tr("The formula's mean wait lies inside the 95 % interval.").to_string()
    } else {
        tr("The formula's mean wait lies outside the 95 % interval (expected about 1 run in 20).")
            .to_string()
    };
    html! {
        <div class="avail-mc" data-testid="avail-mmc-sim-result" data-mean={w.mean.to_string()} data-lo={w.lo.to_string()}
            data-hi={w.hi.to_string()} data-formula={r.formula_mean_wait_ms.to_string()}>
            <p><strong>{ trf("Simulated {} requests (seed {}, first 10 % discarded): ", &[&r.requests, &r.seed]) }</strong>
                { trf("{} % waited; mean wait {} ms (95 % CI {} – {} ms), formula {} ms; p99 response {} ms.",
                    &[&fmt_num(round(r.p_wait * 100.0, 2)), &fmt_num(round(w.mean, 3)), &fmt_num(round(w.lo, 3)), &fmt_num(round(w.hi, 3)),
                    &fmt_num(round(r.formula_mean_wait_ms, 3)), &fmt_num(round(r.p99_response_ms, 2))]) }</p>
            <p class="muted">{ verdict }</p>
        </div>
    }
}
