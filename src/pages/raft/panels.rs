//! The Raft page's panels: the selected server, the measurements, the logs and the settings.

use super::term_colour;
use crate::components::lab::{action_button, param_input, setting};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::fixed;
use engine::net::LinkState;
use engine::raft::RaftLab;
use engine::raft::{self, RaftCommand, RaftNode, Role};
use engine::scenario::Scenario;
use engine::sim::Sim;
use engine::{Fault, NodeId};
use web_sys::HtmlInputElement;
use yew::prelude::*;

pub(super) fn render_selected(
    sim: &Sim<RaftNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(i) = selected.filter(|&i| i < sim.nodes().len()) else {
        return html! { <section class="panel"><h2>{ t("Server") }</h2><p class="muted">{ t("Click a server to crash it, time it out, send it a client request or move leadership.") }</p></section> };
    };
    let node = &sim.nodes()[i];
    let alive = sim.is_up(i);
    let n = sim.nodes().len();
    let is_leader = alive && node.role == Role::Leader;
    // A plain render function cannot call hooks; a fresh ref works because only this render's
    // submit handler reads it.
    let request_ref = NodeRef::default();
    let on_request = {
        let d = dispatch.clone();
        let r = request_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(input) = r.cast::<HtmlInputElement>() {
                let v = input.value();
                let v = v.trim();
                let text = if v.contains('=') {
                    format!("put:{v}")
                } else {
                    format!("incr:{v}")
                };
                d.emit(Action::InjectText(format!("cmd:{i}:{text}")));
            }
        })
    };
    let members = node.config().to_vec();
    let others: Vec<NodeId> = (0..n).filter(|&j| j != i).collect();
    let state: Vec<String> = node
        .applied()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    html! {
        <section class="panel selected sheet" data-testid="selected-node" data-node={i.to_string()}>
            { crate::components::sheet::close_button(dispatch) }
            <h2>{ trf("Server {}", &[&i]) }<span class="muted">{ trf(" — {}, term {}", &[&if alive { tr(node.role.as_str()) } else { tr("crashed") }, &node.current_term]) }</span></h2>
            <div class="actions">
                { cmd_button(dispatch, "action-crash".into(), tr("Crash").into(), Fault::Crash(i), alive) }
                { cmd_button(dispatch, "action-restart".into(), tr("Restart").into(), Fault::Restart(i), !alive) }
                { cmd_button(dispatch, "action-timeout".into(), tr("Force timeout").into(), Fault::command(i, RaftCommand::Timeout), alive) }
                { cmd_button(dispatch, "action-isolate".into(), tr("Isolate").into(), Fault::Isolate(i), true) }
            </div>
            <form class="inline" onsubmit={on_request}>
                <label title={tr("key=value sets a key; a bare key adds 1 to it")}>
                    <span>{ t("Client request") }</span>
                    <crate::components::lab::Field testid="request-input" node_ref={request_ref} value="x=1" size={8} />
                </label>
                <button type="submit" data-testid="action-request" disabled={!alive}>{ t("Send to this server") }</button>
            </form>
            if is_leader {
                <div class="actions">
                    <span class="muted">{ t("Transfer leadership to:") }</span>
                    { for members.iter().filter(|&&j| j != i).map(|&j| cmd_button(dispatch, format!("action-transfer-{j}"), j.to_string(), Fault::command(i, RaftCommand::Transfer(j)), true)) }
                </div>
                <div class="actions">
                    <span class="muted">{ t("Membership:") }</span>
                    { for (0..n).filter(|j| !members.contains(j)).map(|j| cmd_button(dispatch, format!("action-add-{j}"), trf("add {}", &[&j]), Fault::command(i, RaftCommand::Add(j)), true)) }
                    { for members.iter().map(|&j| cmd_button(dispatch, format!("action-remove-{j}"), trf("remove {}", &[&j]), Fault::command(i, RaftCommand::Remove(j)), members.len() > 1)) }
                </div>
            }
            <div class="actions">
                <span class="muted">{ t("Cut one way, from this server to:") }</span>
                { for others.iter().map(|&j| {
                    let up = sim.links().get(i, j) == LinkState::Up;
                    let (verb, fault) = if up { ("cut", Fault::Cut(i, j)) } else { ("restore", Fault::Restore(i, j)) };
                    cmd_button(dispatch, format!("action-{verb}-{j}"), format!("{}{j}", if up { "✂" } else { "↺" }), fault, true)
                }) }
            </div>
            <dl>
                <dt>{ t("votedFor") }</dt><dd>{ node.voted_for.map(|v| v.to_string()).unwrap_or("–".into()) }</dd>
                <dt>{ t("log") }</dt><dd>{ trf("{} entries, last term {}", &[&node.last_log_index(), &node.last_log_term()]) }</dd>
                <dt>{ t("commitIndex") }</dt><dd data-testid="sel-commit">{ node.commit_index }</dd>
                <dt>{ t("lastApplied") }</dt><dd>{ node.last_applied }</dd>
                <dt>{ t("leader known") }</dt><dd>{ node.leader_id.map(|v| v.to_string()).unwrap_or("–".into()) }</dd>
                <dt>{ t("configuration") }</dt><dd>{ raft::fmt_ids(node.config()) }</dd>
                <dt>{ t("state machine") }</dt><dd data-testid="sel-state">{ if state.is_empty() { tr("(empty)").to_string() } else { state.join(", ") } }</dd>
            </dl>
        </section>
    }
}

pub(super) fn render_metrics(sim: &Sim<RaftNode>) -> Html {
    let m = raft::measure(sim);
    let ms = |x: Option<f64>| {
        x.map(|v| format!("{} ms", fixed(v, 1)))
            .unwrap_or("–".into())
    };
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Measurements") }</h2>
            <dl>
                <dt>{ t("Leader") }</dt><dd data-testid="metric-leader" data-value={m.leader.map(|l| l.to_string()).unwrap_or_default()}>{ m.leader.map(|l| trf("server {} (term {})", &[&l, &m.term])).unwrap_or_else(|| tr("none").into()) }</dd>
                <dt>{ t("Time without a leader") }</dt><dd data-testid="metric-leaderless" data-value={fixed(m.leaderless_ms, 3).to_string()}>{ trf("{} ms in {} outage(s)", &[&fixed(m.leaderless_ms, 1).to_string(), &m.outages.len()]) }</dd>
                <dt>{ t("Elections") }</dt><dd data-testid="metric-elections">{ trf("{} ({} split votes, {} lone campaigns without a majority, {} pre-vote rounds)", &[&m.elections, &m.split_votes, &m.lone_campaigns, &m.pre_vote_rounds]) }</dd>
                <dt>{ t("Client requests") }</dt><dd>{ trf("{} appended; commit latency mean {}, p50 {}, max {}", &[&m.client_requests, &ms(m.commit_latency.mean_ms), &ms(m.commit_latency.p50_ms), &ms(m.commit_latency.max_ms)]) }</dd>
                <dt>{ t("Messages") }</dt><dd>{ trf("RV {} · RV✓✗ {} · AE {} · heartbeats {} · AE✓✗ {} · preRV {} · lost {} · dropped {}",
                    &[&m.messages.request_vote, &m.messages.request_vote_response, &m.messages.append_entries, &m.messages.heartbeat,
                    &m.messages.append_entries_response, &m.messages.pre_vote, &m.messages_lost, &m.messages_dropped]) }</dd>
            </dl>
            if let Some(o) = m.outages.last() {
                <p class="muted">{ trf("Last outage: {} at {} ms, {}", &[&o.cause, &fixed(o.start_ms, 1).to_string(), &o.end_ms.map(|e| trf("leader back after {} ms", &[&fixed(e - o.start_ms, 1).to_string()])).unwrap_or_else(|| tr("still without a leader").into())]) }</p>
            }
            <h3>{ t("Safety invariants (Figure 3)") }</h3>
            <ul class="invariants" data-testid="invariants">
                { for m.invariants.iter().map(|inv| html! {
                    <li class={if inv.holds { "ok" } else { "broken" }} data-ok={inv.holds.to_string()} data-invariant={inv.name}>{ if inv.holds { "✔ " } else { "✘ " } }{ inv.name }</li>
                }) }
            </ul>
            if !m.violations.is_empty() {
                <ul class="violations" data-testid="violations">
                    { for m.violations.iter().map(|v| html! { <li class="broken">{ v.clone() }</li> }) }
                </ul>
            }
        </section>
    }
}

pub(super) fn render_logs(sim: &Sim<RaftNode>) -> Html {
    let leader = raft::leader(sim).map(|l| &sim.nodes()[l]);
    let max_len = sim
        .nodes()
        .iter()
        .map(|n| n.last_log_index())
        .max()
        .unwrap_or(0);
    // Show the newest 30 indices so long runs stay readable.
    let first = max_len.saturating_sub(29).max(1);
    let rows = sim.nodes().iter().map(|node| {
        let i = node.id;
        let marks = leader.filter(|l| l.id != i && l.config().contains(&i)).map(|l| l.progress.get(i).map_or((0, 0), |p| (p.next_index, p.match_index)));
        let cells = (first..=max_len).map(|idx| {
            let next = marks.is_some_and(|(n, _)| n == idx);
            let matched = marks.is_some_and(|(_, m)| m == idx);
            match node.entry(idx) {
                Some(e) => {
                    let committed = idx <= node.commit_index;
                    html! {
                        <span class={classes!("entry", committed.then_some("committed"), next.then_some("next"), matched.then_some("match"))}
                            data-index={idx.to_string()} data-term={e.term.to_string()} data-committed={committed.to_string()}
                            style={format!("background:{}", term_colour(e.term))} title={trf("index {}, term {}: {}{}", &[&idx, &e.term, &e.cmd, &if committed { tr(" (committed)") } else { tr(" (not committed)") }])}>
                            <b>{ e.term }</b><small>{ e.cmd.to_string() }</small>
                        </span>
                    }
                }
                None => html! { <span class={classes!("entry", "empty", next.then_some("next"))}></span> },
            }
        });
        html! {
            <div class={classes!("log-row", (!sim.is_up(i)).then_some("crashed"), (node.role == Role::Leader).then_some("leader"))} data-testid={format!("log-{i}")}>
                <span class="who">{ format!("{}{i}", if node.role == Role::Leader && sim.is_up(i) { "★" } else { "" }) }<small>{ format!(" c{}", node.commit_index) }</small></span>
                { for cells }
            </div>
        }
    });
    html! {
        <section class="panel logs" data-testid="logs">
            <h2>{ t("Logs") }<span class="muted">{ trf(" — indices {}…{}; solid = committed on that server, dashed = not yet; ▲ leader's nextIndex, ● matchIndex", &[&first, &max_len]) }</span></h2>
            <div class="index-row"><span class="who"></span>{ for (first..=max_len).map(|i| html!{ <span class="idx">{ i }</span> }) }</div>
            { for rows }
        </section>
    }
}

pub(super) fn render_settings(
    s: &Scenario,
    setup: &engine::scenario::RaftSetup,
    dispatch: &Callback<Action>,
) -> Html {
    let p = &setup.params;
    let bugs = |name: &'static str, on: bool| {
        let d = dispatch.clone();
        let current: Vec<&str> = engine::scenario::RAFT_BUGS
            .iter()
            .filter(|(_, get, _)| get(p))
            .map(|(n, _, _)| *n)
            .collect();
        let onchange = Callback::from(move |e: Event| {
            let checked = e.target_unchecked_into::<HtmlInputElement>().checked();
            let mut list: Vec<&str> = current.iter().copied().filter(|n| *n != name).collect();
            if checked {
                list.push(name);
            }
            d.emit(Action::SetParam("bugs".into(), list.join(",")));
        });
        html! {
            <label class="bug"><span>{ trf("bug: {}", &[&name]) }</span>
                <input type="checkbox" data-testid={format!("param-bug-{name}")} checked={on} {onchange} />
            </label>
        }
    };
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time.") }</p>
            <div class="form">
                { param_input(dispatch, "n", tr("servers"), s.nodes.to_string(), tr("cluster size, 1–11")) }
                { setting::<RaftLab>(s, dispatch, "spare", tr("spare servers")) }
                { setting::<RaftLab>(s, dispatch, "et", tr("election timeout ms")) }
                { setting::<RaftLab>(s, dispatch, "hb", tr("heartbeat ms")) }
                { param_input(dispatch, "lat", tr("start latency ms"), s.net.latency.to_string(), tr("12, 10-15 or exp:10-60")) }
                { setting::<RaftLab>(s, dispatch, "prevote", tr("PreVote")) }
                { setting::<RaftLab>(s, dispatch, "cq", tr("CheckQuorum")) }
                { setting::<RaftLab>(s, dispatch, "fast", tr("fast log backup")) }
                { bugs("uptodate", p.bug_vote_without_uptodate) }
                { bugs("oldterm", p.bug_commit_old_term) }
                { bugs("forgetvote", p.bug_forget_vote) }
            </div>
        </section>
    }
}

/// A button injecting a fault or a typed command.
fn cmd_button(
    dispatch: &Callback<Action>,
    testid: String,
    label: String,
    fault: Fault,
    enabled: bool,
) -> Html {
    action_button(dispatch, &testid, &label, Action::Inject(fault), enabled)
}
