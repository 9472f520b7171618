//! Proves the Synapse harness itself: a real homeserver starts, users register through the
//! shared-secret admin API, and the REST helpers create, join, send and read back events.
//! If these fail, every Matrix adapter test would fail for reasons unrelated to the bot.

use std::time::Duration;

use serde_json::Value;

use crate::synapse::Synapse;

const WAIT: Duration = Duration::from_secs(10);

fn body_is(event: &Value, body: &str) -> bool {
    event["type"] == "m.room.message" && event["content"]["body"] == body
}

#[tokio::test]
async fn synapse_registers_users_and_relays_a_message() -> anyhow::Result<()> {
    let hs = Synapse::start().await?;

    let (alice, alice_token) = hs.register_user("alice", true).await?;
    let (bob, bob_token) = hs.register_user("bob", false).await?;
    assert_eq!(alice, "@alice:localhost");
    assert_eq!(bob, hs.user_id("bob"));
    assert_ne!(alice_token, bob_token);
    // The same localpart cannot be registered twice.
    assert!(hs.register_user("bob", false).await.is_err());

    let room = hs.create_room(&alice_token, &[&bob]).await?;
    assert_eq!(hs.wait_for_invite(&bob_token, WAIT).await?, room);
    hs.join(&bob_token, &room).await?;

    let sent = hs
        .send_text(&alice_token, &room, "hello from alice")
        .await?;
    let seen = hs
        .wait_for_event(&bob_token, &room, |e| body_is(e, "hello from alice"), WAIT)
        .await?;
    assert_eq!(seen["event_id"], sent.as_str());
    assert_eq!(seen["sender"], alice.as_str());

    // Relations and redactions round-trip through the same helpers.
    let edit = hs
        .send_edit(&alice_token, &room, &sent, "hello, edited")
        .await?;
    let seen_edit = hs
        .wait_for_event(&bob_token, &room, |e| e["event_id"] == edit.as_str(), WAIT)
        .await?;
    assert_eq!(
        seen_edit["content"]["m.new_content"]["body"],
        "hello, edited"
    );
    assert_eq!(
        seen_edit["content"]["m.relates_to"]["rel_type"],
        "m.replace"
    );

    let reaction = hs.send_reaction(&bob_token, &room, &sent, "👍").await?;
    let seen_reaction = hs
        .wait_for_event(
            &alice_token,
            &room,
            |e| e["event_id"] == reaction.as_str(),
            WAIT,
        )
        .await?;
    assert_eq!(seen_reaction["content"]["m.relates_to"]["key"], "👍");

    hs.set_power_level(&alice_token, &room, &bob, 50).await?;
    let levels = hs
        .wait_for_event(
            &bob_token,
            &room,
            |e| e["type"] == "m.room.power_levels" && e["content"]["users"][&bob] == 50,
            WAIT,
        )
        .await?;
    assert_eq!(levels["sender"], alice.as_str());

    let redaction = hs.redact(&alice_token, &room, &sent).await?;
    let seen_redaction = hs
        .wait_for_event(
            &bob_token,
            &room,
            |e| e["event_id"] == redaction.as_str(),
            WAIT,
        )
        .await?;
    assert_eq!(seen_redaction["type"], "m.room.redaction");

    // A message that never arrives times out instead of hanging.
    let missing = hs
        .wait_for_event(
            &bob_token,
            &room,
            |e| body_is(e, "never sent"),
            Duration::from_millis(300),
        )
        .await;
    assert!(missing.is_err());
    Ok(())
}
