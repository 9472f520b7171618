//! A strict fake Discord (REST + gateway) on loopback for the real serenity/poise client.
//!
//! `FakeDiscord::start()` binds two listeners on 127.0.0.1 with OS-chosen ports: an HTTP/1 REST
//! server under `/api/v10` and a websocket gateway at `/gateway`. Point serenity at it with
//! `HttpBuilder::new(TOKEN).proxy(fake.proxy_url()).ratelimiter_disabled(true)` (the proxy
//! rewrite only happens with the rate limiter off) and `ClientBuilder::new_with_http`.
//!
//! ```ignore
//! let fake = FakeDiscord::start().await?;              // or FakeDiscord::builder().bot_permissions(..)
//! fake.allow_all(&[Route::CreateMessage, Route::InteractionCallback]);
//! let http = HttpBuilder::new(TOKEN).proxy(fake.proxy_url()).ratelimiter_disabled(true).build();
//! let mut client = ClientBuilder::new_with_http(http, intents).event_handler(h).await?;
//! // spawn client.start(); then:
//! fake.wait_for_session(DEFAULT_WAIT).await?;
//! fake.send_message(ids::MEMBER_USER, ids::GENERAL_CHANNEL, "text").await?;
//! let alert = fake.wait_for_route("POST", "/channels/{id}/messages", 0, DEFAULT_WAIT).await?;
//! fake.assert_no_unexpected();
//! ```
//!
//! Invariants:
//! - Strict: a REST request no registered route matches is answered 404 and kept as
//!   *unexpected*; [`FakeDiscord::assert_no_unexpected`] fails the test listing them. Only the
//!   routes every serenity/poise bot calls at startup are registered by default (see
//!   [`Route::STARTUP`]); tests opt in to the rest with [`FakeDiscord::allow`] or
//!   [`FakeDiscord::expect`]. Later registrations win over earlier ones.
//! - Every REST request is recorded in arrival order with its JSON body (for multipart uploads,
//!   the `payload_json` part) and its raw body text.
//! - Every gateway dispatch carries a strictly increasing sequence number within a session;
//!   RESUME replays the dispatches the client missed, then sends RESUMED.
//! - Every payload comes from [`fixtures`], whose output is checked against the concrete serenity
//!   types in `tests/it/discord_fixtures.rs` (a missing field would silently turn an event into
//!   `Event::Unknown`).
//! - Loopback only; every wait has a timeout; dropping the fake (or [`FakeDiscord::shutdown`])
//!   aborts all of its tasks, so nothing keeps the test process alive.

#![allow(dead_code)] // Each test uses a different part of the API.

pub mod fixtures;
mod gateway;
mod rest;
mod routes;
pub mod world;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

pub use routes::Route;
#[allow(unused_imports)] // Re-exported for tests; each uses a part.
pub use world::{
    ChannelKind, FakeChannel, FakeRole, FakeUser, Overwrite, OverwriteTarget, World, ids, perms,
};

/// A bot token of the right shape (serenity does not check it against anything here).
pub const TOKEN: &str = "MTAwMDAwMDAwMDAwMDAwMDAx.FAKE00.fake-token-for-loopback-tests-only";

/// Default timeout for helpers that wait on the client.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// One REST request as the fake received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Position in arrival order, from 0.
    pub index: usize,
    /// HTTP method, upper case (`GET`, `POST`, ...).
    pub method: String,
    /// Path without the `/api/v10` prefix, e.g. `/channels/1/messages`.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// JSON body (for multipart, the `payload_json` part), if it parsed.
    pub body: Option<Value>,
    /// The whole body as text (lossy UTF-8), including multipart file parts.
    pub body_text: String,
    /// The pattern of the route that answered, `None` if unexpected.
    pub route: Option<String>,
    /// The status the fake answered with.
    pub status: u16,
}

impl RecordedRequest {
    /// Whether method and path match, with `{name}` segments in `pattern` matching anything.
    pub fn is(&self, method: &str, pattern: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && rest::match_path(pattern, &self.path).is_some()
    }

    /// A value of the JSON body by JSON pointer (e.g. `/data/flags`).
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        self.body.as_ref().and_then(|b| b.pointer(pointer))
    }
}

/// What a responder answers.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body; `None` sends an empty body.
    pub body: Option<Value>,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: Value) -> Self {
        Self {
            status: 200,
            body: Some(body),
        }
    }

    /// 204 without a body.
    pub fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
        }
    }

    /// A Discord-style error (`{"code", "message"}`).
    pub fn error(status: u16, code: u32, message: &str) -> Self {
        Self {
            status,
            body: Some(json!({ "code": code, "message": message })),
        }
    }
}

/// Mutable data the stock responders keep: created messages, channels, events.
#[derive(Debug, Default)]
pub struct Store {
    next_id: u64,
    /// Messages the bot created or edited, by id.
    pub messages: HashMap<u64, Value>,
    /// Channels created by the bot (threads, DMs) and the world's channels, by id.
    pub channels: HashMap<u64, Value>,
    /// Scheduled events, by id.
    pub scheduled_events: HashMap<u64, Value>,
    /// Interaction responses, by interaction token.
    pub originals: HashMap<String, Value>,
    /// Registered application commands, by name.
    pub commands: HashMap<String, u64>,
    /// The channel each dispatched interaction happened in, by token.
    pub interaction_channels: HashMap<String, u64>,
}

impl Store {
    /// A store that knows the world's channels and hands out ids above the world's.
    pub fn for_world(world: &World) -> Self {
        let mut store = Self {
            next_id: 900_000_000_000_000_000,
            ..Self::default()
        };
        for c in &world.channels {
            store.channels.insert(c.id, fixtures::channel(world, c));
        }
        store
    }

    /// A fresh snowflake, increasing.
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// What a responder gets to build its answer.
pub struct RestCall<'a> {
    /// The request (already recorded).
    pub request: &'a RecordedRequest,
    /// Values of the `{name}` segments of the matched pattern.
    pub params: &'a HashMap<String, String>,
    /// The fake guild.
    pub world: &'a World,
    /// State shared by responders.
    pub store: &'a mut Store,
    /// The fake's websocket URL.
    pub gateway_url: &'a str,
}

impl RestCall<'_> {
    /// A `{name}` path segment parsed as a snowflake.
    pub fn id(&self, name: &str) -> Option<u64> {
        self.params.get(name).and_then(|v| v.parse().ok())
    }
}

/// Builds the answer to a matched request.
#[derive(Clone)]
pub struct Responder(Arc<dyn Fn(&mut RestCall<'_>) -> Reply + Send + Sync>);

impl Responder {
    /// Always answers this reply.
    pub fn reply(reply: Reply) -> Self {
        Self(Arc::new(move |_| reply.clone()))
    }

    /// Always answers 200 with this JSON.
    pub fn json(body: Value) -> Self {
        Self::reply(Reply::json(body))
    }

    /// Always answers 204.
    pub fn no_content() -> Self {
        Self::reply(Reply::no_content())
    }

    /// Answers with a closure.
    pub fn from_fn(f: impl Fn(&mut RestCall<'_>) -> Reply + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }
}

impl Responder {
    /// Runs the responder on a call (what the server does for a matched request).
    pub fn respond(&self, call: &mut RestCall<'_>) -> Reply {
        (self.0)(call)
    }
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Responder")
    }
}

/// A registered route.
#[derive(Clone, Debug)]
struct RouteEntry {
    method: String,
    pattern: String,
    responder: Responder,
}

/// Gateway session state.
#[derive(Debug, Default)]
struct GatewayState {
    session_id: Option<String>,
    seq: u64,
    /// Dispatches of the current session, for RESUME replay: (seq, frame).
    sent: Vec<(u64, String)>,
    /// The live connection able to receive dispatches: (connection id, outbox).
    live: Option<(u64, mpsc::UnboundedSender<gateway::Outgoing>)>,
    next_connection: u64,
    identifies: usize,
    resumes: usize,
    /// Frames the client sent (IDENTIFY token redacted).
    received: Vec<Value>,
}

/// Everything behind the lock.
#[derive(Debug, Default)]
struct State {
    requests: Vec<RecordedRequest>,
    routes: Vec<RouteEntry>,
    store: Store,
    gateway: GatewayState,
}

/// Shared between the handle and the server tasks.
struct Shared {
    world: World,
    rest_url: String,
    gateway_url: String,
    state: Mutex<State>,
    /// Bumped on every state change; waiters re-check their condition.
    changed: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }
}

/// Configures the fake guild before starting.
#[derive(Debug)]
pub struct FakeDiscordBuilder {
    world: World,
    default_routes: bool,
}

impl FakeDiscordBuilder {
    /// Replaces the bot role's guild-level permissions (raw bits, see [`perms`]).
    pub fn bot_permissions(mut self, bits: u64) -> Self {
        if let Some(role) = self.world.roles.iter_mut().find(|r| r.id == ids::BOT_ROLE) {
            role.permissions = bits;
        }
        self
    }

    /// Adds a permission overwrite to a channel of the world.
    pub fn overwrite(mut self, channel_id: u64, overwrite: Overwrite) -> Self {
        if let Some(c) = self.world.channels.iter_mut().find(|c| c.id == channel_id) {
            c.overwrites.retain(|o| o.target != overwrite.target);
            c.overwrites.push(overwrite);
        }
        self
    }

    /// Adds (or replaces, by id) a channel.
    pub fn channel(mut self, channel: FakeChannel) -> Self {
        self.world.channels.retain(|c| c.id != channel.id);
        self.world.channels.push(channel);
        self
    }

    /// Adds (or replaces, by id) a role.
    pub fn role(mut self, role: FakeRole) -> Self {
        self.world.roles.retain(|r| r.id != role.id);
        self.world.roles.push(role);
        self
    }

    /// Adds (or replaces, by id) a human member.
    pub fn user(mut self, user: FakeUser) -> Self {
        self.world.users.retain(|u| u.id != user.id);
        self.world.users.push(user);
        self
    }

    /// Edits the world directly.
    pub fn world(mut self, edit: impl FnOnce(&mut World)) -> Self {
        edit(&mut self.world);
        self
    }

    /// Registers no route at all, not even the startup ones.
    pub fn without_default_routes(mut self) -> Self {
        self.default_routes = false;
        self
    }

    /// Binds the listeners and starts serving.
    pub async fn start(self) -> std::io::Result<FakeDiscord> {
        let rest_listener = TcpListener::bind("127.0.0.1:0").await?;
        let gateway_listener = TcpListener::bind("127.0.0.1:0").await?;
        let rest_url = format!("http://{}", rest_listener.local_addr()?);
        let gateway_url = format!("ws://{}/gateway", gateway_listener.local_addr()?);
        let state = State {
            store: Store::for_world(&self.world),
            ..State::default()
        };
        let (changed, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            world: self.world,
            rest_url,
            gateway_url,
            state: Mutex::new(state),
            changed,
        });
        let fake = FakeDiscord {
            shared: Arc::clone(&shared),
            tasks: Arc::new(Mutex::new(JoinSet::new())),
        };
        if self.default_routes {
            for route in Route::STARTUP {
                fake.allow(*route);
            }
        }
        {
            let mut tasks = fake.tasks();
            tasks.spawn(rest::serve(
                Arc::clone(&shared),
                rest_listener,
                Arc::clone(&fake.tasks),
            ));
            tasks.spawn(gateway::serve(
                Arc::clone(&shared),
                gateway_listener,
                Arc::clone(&fake.tasks),
            ));
        }
        Ok(fake)
    }
}

/// Identifies an interaction the fake dispatched, to find its callback.
#[derive(Clone, Debug)]
pub struct InteractionRef {
    /// Interaction id.
    pub id: u64,
    /// Interaction token.
    pub token: String,
    /// The full INTERACTION_CREATE payload.
    pub payload: Value,
}

impl InteractionRef {
    /// The path of this interaction's callback.
    pub fn callback_path(&self) -> String {
        format!("/interactions/{}/{}/callback", self.id, self.token)
    }
}

/// A running fake Discord. Dropping it stops every task it started.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    tasks: Arc<Mutex<JoinSet<()>>>,
}

impl FakeDiscord {
    /// Starts a fake with the default world and startup routes.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// A builder to configure the world first.
    pub fn builder() -> FakeDiscordBuilder {
        FakeDiscordBuilder {
            world: World::default(),
            default_routes: true,
        }
    }

    fn tasks(&self) -> MutexGuard<'_, JoinSet<()>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fake guild.
    pub fn world(&self) -> &World {
        &self.shared.world
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn proxy_url(&self) -> &str {
        &self.shared.rest_url
    }

    /// `ws://127.0.0.1:PORT/gateway`, as `GET /gateway` answers.
    pub fn gateway_url(&self) -> &str {
        &self.shared.gateway_url
    }

    /// A fresh snowflake.
    pub fn next_id(&self) -> u64 {
        self.shared.lock().store.next_id()
    }

    // ---- REST: routes -------------------------------------------------------------------

    /// Allows `method` on `pattern` (`{name}` segments match any one segment; path without
    /// `/api/v10`) and answers with `responder`.
    pub fn expect(&self, method: &str, pattern: &str, responder: Responder) {
        let entry = RouteEntry {
            method: method.to_ascii_uppercase(),
            pattern: pattern.to_owned(),
            responder,
        };
        self.shared.lock().routes.push(entry);
    }

    /// Allows a stock route with its realistic default responder.
    pub fn allow(&self, route: Route) {
        self.expect(route.method(), route.pattern(), route.responder());
    }

    /// Allows several stock routes.
    pub fn allow_all(&self, routes: &[Route]) {
        for route in routes {
            self.allow(*route);
        }
    }

    /// Runs `f` on the store (e.g. to read created threads or preset a message).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.shared.lock().store)
    }

    // ---- REST: recorded requests ----------------------------------------------------------

    /// All recorded requests in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Recorded requests that matched `method` and `pattern`.
    pub fn requests_matching(&self, method: &str, pattern: &str) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.is(method, pattern))
            .cloned()
            .collect()
    }

    /// Requests no route matched.
    pub fn unexpected_requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.route.is_none())
            .cloned()
            .collect()
    }

    /// Panics listing every unexpected request (method, path, query; never bodies).
    #[track_caller]
    pub fn assert_no_unexpected(&self) {
        let unexpected = self.unexpected_requests();
        if !unexpected.is_empty() {
            let list: Vec<String> = unexpected
                .iter()
                .map(|r| {
                    format!(
                        "{} {}{}",
                        r.method,
                        r.path,
                        r.query
                            .as_ref()
                            .map(|q| format!("?{q}"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            panic!(
                "fake Discord got {} unexpected request(s):\n  {}",
                list.len(),
                list.join("\n  ")
            );
        }
    }

    /// Every recorded body concatenated (raw text, newline separated).
    pub fn requests_body_text(&self) -> String {
        let st = self.shared.lock();
        st.requests
            .iter()
            .map(|r| r.body_text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every recorded path, query and body concatenated: what left the bot over REST.
    pub fn requests_text(&self) -> String {
        let st = self.shared.lock();
        st.requests
            .iter()
            .map(|r| {
                format!(
                    "{} {}?{}\n{}",
                    r.method,
                    r.path,
                    r.query.as_deref().unwrap_or(""),
                    r.body_text
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits for the first request (from the start of the recording) that satisfies `pred`.
    /// On timeout the error lists the requests seen (method and path only).
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> Result<RecordedRequest, String> {
        let found = self
            .wait_until(timeout, |st| st.requests.iter().find(|r| pred(r)).cloned())
            .await;
        found.ok_or_else(|| {
            let seen: Vec<String> = self
                .requests()
                .iter()
                .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
                .collect();
            format!(
                "no matching request within {timeout:?}; seen:\n  {}",
                seen.join("\n  ")
            )
        })
    }

    /// Waits for a request to `method` `pattern` with index >= `from` (use `requests().len()`
    /// before acting to wait only for new ones).
    pub async fn wait_for_route(
        &self,
        method: &str,
        pattern: &str,
        from: usize,
        timeout: Duration,
    ) -> Result<RecordedRequest, String> {
        self.wait_for_request(|r| r.index >= from && r.is(method, pattern), timeout)
            .await
    }

    /// Waits until `check` returns `Some` (re-checked on every state change) or times out.
    async fn wait_until<T>(
        &self,
        timeout: Duration,
        check: impl Fn(&State) -> Option<T>,
    ) -> Option<T> {
        let mut rx = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(t) = check(&self.shared.lock()) {
                return Some(t);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => return check(&self.shared.lock()),
            }
        }
    }

    // ---- Gateway ---------------------------------------------------------------------------

    /// Waits until a client has identified (READY and GUILD_CREATE sent) or resumed.
    pub async fn wait_for_session(&self, timeout: Duration) -> Result<(), String> {
        self.wait_until(timeout, |st| st.gateway.live.as_ref().map(|_| ()))
            .await
            .ok_or_else(|| format!("no gateway session within {timeout:?}"))
    }

    /// How many IDENTIFYs and RESUMEs the gateway handled.
    pub fn session_counts(&self) -> (usize, usize) {
        let st = self.shared.lock();
        (st.gateway.identifies, st.gateway.resumes)
    }

    /// Frames the client sent over the gateway, in order (IDENTIFY/RESUME tokens redacted).
    pub fn gateway_frames(&self) -> Vec<Value> {
        self.shared.lock().gateway.received.clone()
    }

    /// Sends a dispatch (op 0) with event name `event`; waits up to [`DEFAULT_WAIT`] for a live
    /// session. Returns the sequence number used.
    pub async fn dispatch(&self, event: &str, data: Value) -> Result<u64, String> {
        self.wait_for_session(DEFAULT_WAIT).await?;
        gateway::dispatch(&self.shared, event, data)
    }

    /// Closes the live gateway connection with code 4000 (resumable); the client reconnects and
    /// sends RESUME.
    pub fn force_reconnect(&self) -> bool {
        let live = self.shared.lock().gateway.live.take();
        self.shared.notify();
        match live {
            Some((_, tx)) => tx.send(gateway::Outgoing::Close(4000)).is_ok(),
            None => false,
        }
    }

    /// Waits until the gateway has handled `n` RESUMEs.
    pub async fn wait_for_resumes(&self, n: usize, timeout: Duration) -> Result<(), String> {
        self.wait_until(timeout, |st| {
            (st.gateway.resumes >= n && st.gateway.live.is_some()).then_some(())
        })
        .await
        .ok_or_else(|| format!("fewer than {n} RESUME(s) within {timeout:?}"))
    }

    // ---- Gateway: event helpers -------------------------------------------------------------

    fn user_or_bot(&self, user_id: u64) -> FakeUser {
        self.world()
            .user(user_id)
            .cloned()
            .unwrap_or_else(|| FakeUser {
                id: user_id,
                username: format!("user{user_id}"),
                roles: Vec::new(),
                bot: false,
            })
    }

    /// Dispatches MESSAGE_CREATE from `user_id` in `channel_id`; returns the message object.
    pub async fn send_message(
        &self,
        user_id: u64,
        channel_id: u64,
        content: &str,
    ) -> Result<Value, String> {
        let author = self.user_or_bot(user_id);
        let id = self.next_id();
        let spec = fixtures::MessageSpec {
            id,
            channel_id,
            author: &author,
            content,
            embeds: json!([]),
            components: json!([]),
            flags: 0,
            in_guild: true,
        };
        let msg = fixtures::message(self.world(), &spec);
        self.dispatch("MESSAGE_CREATE", msg.clone()).await?;
        Ok(msg)
    }

    /// Dispatches MESSAGE_UPDATE: `user_id` edited message `message_id` to `content`.
    pub async fn edit_message(
        &self,
        user_id: u64,
        channel_id: u64,
        message_id: u64,
        content: &str,
    ) -> Result<Value, String> {
        let author = self.user_or_bot(user_id);
        let msg = fixtures::message_update(self.world(), message_id, channel_id, &author, content);
        self.dispatch("MESSAGE_UPDATE", msg.clone()).await?;
        Ok(msg)
    }

    /// The command id the bot registered for `name` (or a fresh one).
    fn command_id(&self, name: &str) -> u64 {
        let mut st = self.shared.lock();
        match st.store.commands.get(name) {
            Some(id) => *id,
            None => st.store.next_id(),
        }
    }

    /// Dispatches a slash command `name` with `options` (see [`fixtures::string_option`] etc.).
    pub async fn run_command(
        &self,
        user_id: u64,
        channel_id: u64,
        name: &str,
        options: Vec<Value>,
    ) -> Result<InteractionRef, String> {
        self.command_like(user_id, channel_id, name, options, false)
            .await
    }

    /// Dispatches an autocomplete request; mark the typed option with [`fixtures::focused`].
    pub async fn autocomplete(
        &self,
        user_id: u64,
        channel_id: u64,
        name: &str,
        options: Vec<Value>,
    ) -> Result<InteractionRef, String> {
        self.command_like(user_id, channel_id, name, options, true)
            .await
    }

    async fn command_like(
        &self,
        user_id: u64,
        channel_id: u64,
        name: &str,
        options: Vec<Value>,
        autocomplete: bool,
    ) -> Result<InteractionRef, String> {
        let user = self.user_or_bot(user_id);
        let id = self.next_id();
        let token = format!("fake-interaction-token-{id}");
        let command_id = self.command_id(name);
        self.with_store(|s| s.interaction_channels.insert(token.clone(), channel_id));
        let payload = fixtures::command_interaction(
            self.world(),
            id,
            &token,
            command_id,
            &user,
            channel_id,
            name,
            Value::Array(options),
            autocomplete,
        );
        self.dispatch("INTERACTION_CREATE", payload.clone()).await?;
        Ok(InteractionRef { id, token, payload })
    }

    /// Dispatches a button press on `message` (a full message object, e.g. one the bot posted:
    /// see [`Store::messages`] or the recorded response).
    pub async fn press_button(
        &self,
        user_id: u64,
        channel_id: u64,
        custom_id: &str,
        message: Value,
    ) -> Result<InteractionRef, String> {
        let user = self.user_or_bot(user_id);
        let id = self.next_id();
        let token = format!("fake-interaction-token-{id}");
        self.with_store(|s| s.interaction_channels.insert(token.clone(), channel_id));
        let payload = fixtures::component_interaction(
            self.world(),
            id,
            &token,
            &user,
            channel_id,
            custom_id,
            message,
        );
        self.dispatch("INTERACTION_CREATE", payload.clone()).await?;
        Ok(InteractionRef { id, token, payload })
    }

    /// Stops serving: closes the gateway connection and aborts every task.
    pub fn shutdown(&self) {
        if let Some((_, tx)) = self.shared.lock().gateway.live.take() {
            let _ = tx.send(gateway::Outgoing::Close(1001));
        }
        self.tasks().abort_all();
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.shutdown();
    }
}
