//! Bookings the server refused, each with its reason and one-click rebooking.

use super::*;

#[derive(Properties, PartialEq)]
pub(super) struct ConflictsProps {
    pub(super) language: Language,
    pub(super) changed: u32,
    pub(super) on_changed: Callback<()>,
    pub(super) on_conflicts: Callback<usize>,
}

/// Bookings the server gave to someone else: first in the card, each with a one-click rebook.
#[component]
pub(super) fn BookingConflicts(props: &ConflictsProps) -> Html {
    let lang = props.language;
    let conflicts = use_state(Vec::<BookingConflict>::new);
    let model = use_context::<UseReducerHandle<AppModel>>().expect("AppModel context");
    let tick = model.connection.as_ref().map(|c| c.checked_at);
    let submission = use_submission();
    {
        let (conflicts, on_conflicts) = (conflicts.clone(), props.on_conflicts.clone());
        use_effect_with((props.changed, tick), move |_| {
            spawn_local(async move {
                if let Ok(found) = backend::booking_conflicts().await {
                    on_conflicts.emit(found.len());
                    conflicts.set(found);
                }
            });
        });
    }
    if conflicts.is_empty() {
        return html! {};
    }
    html! {
        <div class="conflicts" id="booking-conflicts" role="alert">
            <h3>{ text(lang, "conflicts-title") }</h3>
            <ErrorBanner error={submission.error()} language={lang} />
            <ul>
                for (i, c) in conflicts.iter().enumerate() {
                    { conflict_item(lang, i, c, &submission, &props.on_changed) }
                }
            </ul>
        </div>
    }
}

pub(super) fn conflict_item(
    lang: Language,
    i: usize,
    c: &BookingConflict,
    submission: &crate::hooks::Submission,
    on_changed: &Callback<()>,
) -> Html {
    let tz = zone(&c.time_zone);
    let when = c
        .start
        .map(|s| day_and_clock(lang, tz, s))
        .unwrap_or_default();
    let why = match (c.rejection.reason, c.rejection.taken_at) {
        (RejectionReason::SlotTaken, Some(taken)) => text_with(
            lang,
            "conflict-taken",
            &[
                ("time", when.clone().into()),
                ("doctor", c.doctor_name.clone().into()),
                ("taken", clock(tz, taken).into()),
            ],
        ),
        (reason, _) => text_with(
            lang,
            "conflict-refused",
            &[
                ("time", when.clone().into()),
                ("doctor", c.doctor_name.clone().into()),
                (
                    "reason",
                    text(lang, &format!("rejected-reason-{}", reason_key(reason))).into(),
                ),
            ],
        ),
    };
    let rebook = c.next_free.map(|slot| {
        let (submission, on_changed, command) = (submission.clone(), on_changed.clone(), c.command);
        let onclick = move |_| {
            let on_changed = on_changed.clone();
            submission.run(
                backend::rebook(RebookArgs {
                    command,
                    start: slot.start,
                }),
                move |_| on_changed.emit(()),
            );
        };
        html! {
            <button type="button" class="primary rebook" id={format!("rebook-{i}")} {onclick}>
                { text_with(lang, "conflict-rebook", &[("time", day_and_clock(lang, tz, slot.start).into())]) }
            </button>
        }
    });
    let dismiss = {
        let (on_changed, command) = (on_changed.clone(), c.command);
        move |_| {
            let on_changed = on_changed.clone();
            spawn_local(async move {
                let _ = backend::dismiss_rejected(command).await;
                on_changed.emit(());
            });
        }
    };
    html! {
        <li class="conflict" data-patient={c.patient_name.clone()}>
            <p><strong>{ c.patient_name.clone() }</strong>{ " — " }{ why }</p>
            { for rebook }
            <button type="button" class="secondary" id={format!("dismiss-conflict-{i}")} onclick={dismiss}>
                { text(lang, "conflict-dismiss") }
            </button>
        </li>
    }
}

pub(super) fn reason_key(reason: RejectionReason) -> String {
    serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "malformed".to_owned())
}
