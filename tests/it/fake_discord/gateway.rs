//! The gateway half: a websocket server speaking Discord's gateway protocol v10 in plain JSON
//! text frames (serenity asks for no transport compression).
//!
//! Per connection: send HELLO; on IDENTIFY start a new session and send READY then GUILD_CREATE;
//! on RESUME of the current session replay the dispatches after the client's sequence number
//! and send RESUMED (an unknown session gets INVALID_SESSION, not resumable); answer every
//! HEARTBEAT with HEARTBEAT_ACK. Only the most recent identified/resumed connection is *live*
//! and receives test dispatches. Sequence numbers increase by one per dispatch within a session.

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::{Shared, fixtures};

/// Heartbeat interval announced in HELLO, as real Discord does.
const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

/// What the fake sends on a connection.
#[derive(Debug)]
pub(super) enum Outgoing {
    /// A JSON text frame.
    Text(String),
    /// A close frame with this code; the connection ends after it.
    Close(u16),
}

/// Accepts websocket connections until aborted; each runs in `tasks`.
pub(super) async fn serve(
    shared: Arc<Shared>,
    listener: TcpListener,
    tasks: Arc<Mutex<JoinSet<()>>>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // e.g. out of file descriptors: back off instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let shared = Arc::clone(&shared);
        let mut set = tasks.lock().unwrap_or_else(PoisonError::into_inner);
        while set.try_join_next().is_some() {}
        set.spawn(connection(shared, stream));
    }
}

async fn connection(shared: Arc<Shared>, stream: TcpStream) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let conn_id = {
        let mut st = shared.lock();
        st.gateway.next_connection += 1;
        st.gateway.next_connection
    };
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": HEARTBEAT_INTERVAL_MS }, "s": null, "t": null });
    let _ = tx.send(Outgoing::Text(hello.to_string()));

    let writer = async {
        while let Some(out) = rx.recv().await {
            match out {
                Outgoing::Text(text) => {
                    if sink.send(Message::Text(text)).await.is_err() {
                        break;
                    }
                }
                Outgoing::Close(code) => {
                    let frame = CloseFrame {
                        code: CloseCode::from(code),
                        reason: "fake discord".into(),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
            }
        }
        let _ = sink.close().await;
    };
    let reader = async {
        while let Some(Ok(msg)) = source.next().await {
            match msg {
                Message::Text(text) => handle_frame(&shared, conn_id, &tx, &text),
                Message::Close(_) => break,
                _ => {}
            }
        }
    };
    tokio::select! {
        () = writer => {}
        () = reader => {}
    }
    {
        let mut st = shared.lock();
        if st
            .gateway
            .live
            .as_ref()
            .is_some_and(|(id, _)| *id == conn_id)
        {
            st.gateway.live = None;
        }
    }
    shared.notify();
}

fn handle_frame(shared: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<Outgoing>, text: &str) {
    let Ok(mut frame) = serde_json::from_str::<Value>(text) else {
        let _ = tx.send(Outgoing::Close(4002)); // decode error
        return;
    };
    if let Some(token) = frame.pointer_mut("/d/token") {
        *token = json!("[redacted]");
    }
    let op = frame.get("op").and_then(Value::as_u64);
    let mut st = shared.lock();
    st.gateway.received.push(frame.clone());
    match op {
        Some(1) => {
            let _ = tx.send(Outgoing::Text(
                json!({ "op": 11, "d": null, "s": null, "t": null }).to_string(),
            ));
        }
        Some(2) => {
            let gw = &mut st.gateway;
            gw.identifies += 1;
            let session_id = format!("fake-session-{}-{}", gw.identifies, conn_id);
            gw.session_id = Some(session_id.clone());
            gw.seq = 0;
            gw.sent.clear();
            gw.live = Some((conn_id, tx.clone()));
            let ready = fixtures::ready(&shared.world, &session_id, &shared.gateway_url);
            let guild = fixtures::guild_create(&shared.world);
            push_dispatch(&mut st.gateway, "READY", ready);
            push_dispatch(&mut st.gateway, "GUILD_CREATE", guild);
        }
        Some(6) => {
            let gw = &mut st.gateway;
            let asked = frame.pointer("/d/session_id").and_then(Value::as_str);
            let client_seq = frame.pointer("/d/seq").and_then(Value::as_u64).unwrap_or(0);
            if asked.is_some() && asked == gw.session_id.as_deref() {
                gw.resumes += 1;
                gw.live = Some((conn_id, tx.clone()));
                for (_, missed) in gw.sent.iter().filter(|(s, _)| *s > client_seq) {
                    let _ = tx.send(Outgoing::Text(missed.clone()));
                }
                push_dispatch(gw, "RESUMED", json!({ "_trace": [] }));
            } else {
                let _ = tx.send(Outgoing::Text(
                    json!({ "op": 9, "d": false, "s": null, "t": null }).to_string(),
                ));
            }
        }
        _ => {}
    }
    drop(st);
    shared.notify();
}

/// Numbers, logs and sends a dispatch on the live connection (if any).
fn push_dispatch(gw: &mut super::GatewayState, event: &str, data: Value) -> u64 {
    gw.seq += 1;
    let frame = json!({ "op": 0, "s": gw.seq, "t": event, "d": data }).to_string();
    if let Some((_, tx)) = &gw.live {
        let _ = tx.send(Outgoing::Text(frame.clone()));
    }
    gw.sent.push((gw.seq, frame));
    gw.seq
}

/// Sends a test dispatch on the live session.
pub(super) fn dispatch(shared: &Shared, event: &str, data: Value) -> Result<u64, String> {
    let mut st = shared.lock();
    if st.gateway.live.is_none() {
        return Err(format!("no live gateway session to dispatch {event}"));
    }
    let seq = push_dispatch(&mut st.gateway, event, data);
    drop(st);
    shared.notify();
    Ok(seq)
}
