//! Guard latency through the real client and the fake: MESSAGE_CREATE received by the
//! handler → alert request sent, over many flagged messages. Ignored by default (it takes a
//! few seconds and prints figures); run it alone so it can install its tracing subscriber:
//!
//! `cargo test --release --test it discord_latency -- --ignored --nocapture`
//!
//! The in-process figure comes from the adapter's own `alert posted` debug event
//! (`to_request_us`: handler entry → the alert request handed to the HTTP client;
//! `round_trip_us`: until Discord's answer). The end-to-end figure adds the gateway hop:
//! the fake's dispatch → the fake receiving the alert request.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::SubscriberExt;

use crate::discord_harness::{Harness, flagged_text, settings};
use crate::fake_discord::{DEFAULT_WAIT, FakeDiscord, Route, ids};

const MESSAGES: usize = 1_000;

#[derive(Default)]
struct Samples {
    to_request: Vec<u64>,
    round_trip: Vec<u64>,
}

struct Capture(Arc<Mutex<Samples>>);

#[derive(Default)]
struct Fields {
    to_request: Option<u64>,
    round_trip: Option<u64>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "to_request_us" => self.to_request = Some(value),
            "round_trip_us" => self.round_trip = Some(value),
            _ => {}
        }
    }
    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut f = Fields::default();
        event.record(&mut f);
        if let (Some(a), Some(b)) = (f.to_request, f.round_trip) {
            let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
            s.to_request.push(a);
            s.round_trip.push(b);
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn report(name: &str, mut v: Vec<u64>) -> (u64, u64) {
    v.sort_unstable();
    let (p50, p99) = (percentile(&v, 50.0), percentile(&v, 99.0));
    println!(
        "{name:<36} n={:<5} p50={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms",
        v.len(),
        p50 as f64 / 1000.0,
        p99 as f64 / 1000.0,
        v.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    (p50, p99)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "latency measurement; run alone with --ignored --nocapture"]
async fn discord_latency_message_to_alert() {
    let samples = Arc::new(Mutex::new(Samples::default()));
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::filter::Targets::new()
                .with_target("rounds::adapters::discord", tracing::Level::DEBUG),
        )
        .with(Capture(Arc::clone(&samples)));
    tracing::subscriber::set_global_default(subscriber)
        .expect("run this test alone: it installs the global tracing subscriber");

    let fake = FakeDiscord::start().await.expect("fake");
    fake.allow_all(&[Route::CreateMessage, Route::CreateDm]);
    let h = Harness::start(fake, settings()).await;
    let alert_path = format!("/channels/{}/messages", ids::MODERATORS_CHANNEL);
    let text = flagged_text();

    let mut end_to_end = Vec::with_capacity(MESSAGES);
    let started = Instant::now();
    for i in 0..MESSAGES {
        let from = h.mark();
        let t = Instant::now();
        h.fake
            .send_message(ids::MEMBER_USER, ids::GENERAL_CHANNEL, &text)
            .await
            .expect("dispatched");
        h.fake
            .wait_for_route("POST", &alert_path, from, DEFAULT_WAIT)
            .await
            .unwrap_or_else(|e| panic!("alert {i}: {e}"));
        end_to_end.push(t.elapsed().as_micros() as u64);
    }
    let total = started.elapsed();
    // Let the last alert's event be recorded.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let s = std::mem::take(&mut *samples.lock().unwrap_or_else(|e| e.into_inner()));
    println!(
        "\nDiscord guard latency over {MESSAGES} flagged messages ({:.1} s, {:.0} msg/s):",
        total.as_secs_f64(),
        MESSAGES as f64 / total.as_secs_f64()
    );
    let (p50, _) = report("handler entry → alert request sent", s.to_request);
    report("handler entry → alert answered", s.round_trip);
    report("fake dispatch → fake got the alert", end_to_end);
    let alerts = h
        .db
        .store
        .list_alerts(
            &rounds::domain::Scope::new(rounds::domain::Platform::Discord, ids::GUILD.to_string()),
            &Default::default(),
        )
        .await
        .expect("alerts");
    assert_eq!(alerts.len(), MESSAGES, "one alert per flagged message");
    assert!(p50 > 0, "the adapter reported its timings");
    h.fake.assert_no_unexpected();
    h.stop().await;
}
