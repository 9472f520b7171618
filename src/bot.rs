//! The core dispatcher: turns a [`Command`] from any platform, or an
//! [`IncomingMessage`], into the [`BotAction`]s the adapter carries out.
//! It owns no platform types and does no platform I/O; everything it knows
//! about the outside comes through the store and the injected clock.

use crate::commands::{self, AlertCommand, Command, GuardCommand, GuidanceCommand, PhiCommand};
use crate::config::Settings;
use crate::domain::{
    BotAction, Button, ButtonStyle, IncomingMessage, Invocation, MessageBody, Scope, Visibility,
};
use crate::error::{BotError, user_err};
use crate::guidance::{self, GuidanceHandle, Jurisdiction};
use crate::journal_club::service::{self as jc, JcContext};
use crate::moderation::{Guard, require_admin};
use crate::phi::DetectorHandle;
use crate::store::SharedStore;
use anyhow::Result;
use chrono::{DateTime, Datelike, Utc};
use std::sync::Arc;
use tracing::{info, instrument, warn};

/// Everything a handler needs, shared by all adapters of one process.
#[derive(Clone)]
pub struct Bot {
    pub settings: Arc<Settings>,
    pub store: SharedStore,
    pub detector: DetectorHandle,
    pub guidance: GuidanceHandle,
    pub guard: Guard,
    pub jc: JcContext,
}

impl Bot {
    /// Build the core: the detector (configured rules or the built-in set)
    /// and the guidance (configured directory or the built-in content).
    pub fn new(settings: Settings, store: SharedStore) -> Result<Bot> {
        let detector = match &settings.guard.rules_dir {
            Some(dir) => DetectorHandle::new(
                crate::phi::Detector::from_dir(dir)
                    .map_err(|e| anyhow::anyhow!("detector rules in {}: {e}", dir.display()))?,
            ),
            None => DetectorHandle::builtin(),
        };
        let guidance = match &settings.guidance.dir {
            Some(dir) => GuidanceHandle::new(
                guidance::Library::load_dir(dir)
                    .map_err(|e| anyhow::anyhow!("guidance in {}: {e}", dir.display()))?,
            ),
            None => {
                GuidanceHandle::builtin().map_err(|e| anyhow::anyhow!("built-in guidance: {e}"))?
            }
        };
        let jc = JcContext::new(store.clone(), &settings)?;
        let settings = Arc::new(settings);
        let guard = Guard {
            settings: settings.clone(),
            store: store.clone(),
            detector: detector.clone(),
        };
        Ok(Bot {
            settings,
            store,
            detector,
            guidance,
            guard,
            jc,
        })
    }

    /// Run one command. Errors become a private reply: user errors verbatim,
    /// internal ones as a generic line with an error id.
    #[instrument(skip_all, fields(platform = %inv.scope.platform, command = command_name(&cmd)))]
    pub async fn handle_command(&self, inv: &Invocation, cmd: Command) -> Vec<BotAction> {
        match self.dispatch(inv, cmd).await {
            Ok(actions) => actions,
            Err(e) => vec![BotAction::private(e.user_text())],
        }
    }

    async fn dispatch(&self, inv: &Invocation, cmd: Command) -> Result<Vec<BotAction>, BotError> {
        match cmd {
            Command::Help { command } => {
                Ok(vec![BotAction::private(commands::help(command.as_deref()))])
            }
            Command::Guidance(GuidanceCommand::List) => Ok(vec![BotAction::private(
                guidance::render_list(&self.guidance.current()),
            )]),
            Command::Guidance(GuidanceCommand::Show {
                topic,
                jurisdiction,
                share,
            }) => self.guidance_show(&topic, jurisdiction.as_deref(), share),
            Command::Guidance(GuidanceCommand::Reload) => self.guidance_reload(inv),
            Command::Ask { question, share } => Ok(self.ask(&question.join(" "), share)),
            Command::Phi(PhiCommand::Check { draft }) => {
                Ok(vec![self.guard.check_draft(&draft.join(" "))])
            }
            Command::Modlog { status, since } => {
                self.guard
                    .modlog(inv, status.as_deref(), since.as_deref())
                    .await
            }
            Command::Alert(AlertCommand::Claim { id }) => self.guard.claim(inv, id).await,
            Command::Alert(AlertCommand::Resolve { id, outcome }) => {
                self.guard.resolve(inv, id, &outcome).await
            }
            Command::Alert(AlertCommand::Delete { id }) => self.guard.delete(inv, id).await,
            Command::Guard(GuardCommand::Policy { policy, channel }) => {
                self.guard
                    .set_policy(inv, &policy, channel.as_deref())
                    .await
            }
            Command::Guard(GuardCommand::Exempt { state, channel }) => {
                self.guard.set_exempt(inv, &state, channel.as_deref()).await
            }
            Command::Guard(GuardCommand::Modchannel { channel }) => {
                self.guard.set_mod_channel(inv, channel.as_deref()).await
            }
            Command::Guard(GuardCommand::Status) => self.guard.status(inv).await,
            Command::Guard(GuardCommand::Export) => self.guard.export_csv(inv).await,
            Command::Jc(cmd) => jc::handle_command(&self.jc, inv, cmd).await,
        }
    }

    fn guidance_show(
        &self,
        topic: &str,
        jurisdiction: Option<&str>,
        share: bool,
    ) -> Result<Vec<BotAction>, BotError> {
        let (library, index) = self.guidance.snapshot();
        let jurisdiction = match jurisdiction {
            None => None,
            Some(j) => match j.parse::<Jurisdiction>() {
                Ok(j) => Some(j),
                Err(_) => {
                    return user_err(format!(
                        "Unknown jurisdiction `{j}`: use uk, us, ca, au or ie."
                    ));
                }
            },
        };
        let slug = topic.trim().to_ascii_lowercase();
        let found = library.get(&slug).or_else(|| {
            // A title or a few words instead of a slug: accept a confident match.
            index.search(topic).best.and_then(|s| library.get(&s))
        });
        let Some(t) = found else {
            return user_err(format!(
                "There is no guidance topic `{}`. Topics: {}.",
                topic.chars().take(40).collect::<String>(),
                library
                    .topics()
                    .iter()
                    .map(|t| t.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        Ok(vec![answer(
            guidance::render_topic(t, jurisdiction),
            share,
            &t.slug,
            jurisdiction,
        )])
    }

    fn ask(&self, question: &str, share: bool) -> Vec<BotAction> {
        let (library, index) = self.guidance.snapshot();
        let result = index.search(question);
        info!(
            matched = result.best.is_some(),
            confidence = result.confidence,
            "ask answered"
        );
        match result.best.as_deref().and_then(|s| library.get(s)) {
            Some(t) => vec![answer(
                guidance::render_topic(t, None),
                share,
                &t.slug,
                None,
            )],
            None => {
                let closest: Vec<&guidance::Topic> = result
                    .top(3)
                    .into_iter()
                    .filter_map(|s| library.get(s))
                    .collect();
                vec![BotAction::private(guidance::render_not_sure(&closest))]
            }
        }
    }

    fn guidance_reload(&self, inv: &Invocation) -> Result<Vec<BotAction>, BotError> {
        require_admin(inv)?;
        let Some(dir) = &self.settings.guidance.dir else {
            return user_err(
                "This bot uses the guidance built into it; set `guidance.dir` in the config to edit topics without a new release.",
            );
        };
        match self.guidance.reload_from(dir) {
            Ok(report) => {
                info!(
                    topics = report.topics,
                    changed = report.changed.len(),
                    "guidance reloaded"
                );
                Ok(vec![BotAction::private(format!(
                    "Guidance reloaded: {} topics, changed: {}.",
                    report.topics,
                    if report.changed.is_empty() {
                        "none".to_string()
                    } else {
                        report.changed.join(", ")
                    }
                ))])
            }
            Err(e) => {
                warn!("guidance reload refused; the previous topics stay in force");
                Ok(vec![BotAction::private(format!(
                    "The guidance files were NOT reloaded — the previous content stays in force. Reason: {e}"
                ))])
            }
        }
    }

    /// Handle a chat message (new or edited): the confidentiality guard.
    #[instrument(skip_all, fields(platform = %msg.scope.platform, edited = msg.edited))]
    pub async fn handle_message(&self, msg: &IncomingMessage) -> Vec<BotAction> {
        // Journal-club participation counts (ids and counts only).
        if let Err(e) = jc::on_message(&self.jc, msg).await {
            let _ = BotError::Internal(e).user_text();
        }
        match self.guard.on_message(msg).await {
            Ok(actions) => actions,
            Err(e) => {
                // The guard failed: say so (to logs) without content; never drop silently.
                let _ = BotError::Internal(e).user_text();
                Vec::new()
            }
        }
    }

    /// Periodic work driven by the given clock: the daily retention purge,
    /// the weekly digest and guidance-review notices. Each is claimed once
    /// per period through the store, so several instances never repeat it.
    pub async fn tick(&self, now: DateTime<Utc>) -> Vec<BotAction> {
        let mut actions = match crate::journal_club::scheduler::tick(&self.jc, now).await {
            Ok(actions) => actions,
            Err(e) => {
                let _ = BotError::Internal(e).user_text();
                Vec::new()
            }
        };
        match self.periodic(now).await {
            Ok(more) => actions.extend(more),
            Err(e) => {
                let _ = BotError::Internal(e).user_text();
            }
        }
        actions
    }

    async fn periodic(&self, now: DateTime<Utc>) -> Result<Vec<BotAction>> {
        let mut actions = Vec::new();
        let day = now.date_naive();
        if self.store.claim_job(&format!("purge:{day}"), now).await? {
            self.guard.purge(now).await?;
        }
        let week = now.iso_week();
        let week_key = format!("{}-W{:02}", week.year(), week.week());
        for scope in self.store.list_communities().await? {
            let Some(mod_channel) = self.store.guild_settings(&scope).await?.mod_channel else {
                continue;
            };
            let scope_key = format!("{}:{}", scope.platform, scope.guild);
            if self
                .store
                .claim_job(&format!("digest:{scope_key}:{week_key}"), now)
                .await?
            {
                let text = self
                    .guard
                    .digest(&scope, now - chrono::Duration::days(7), now)
                    .await?;
                actions.push(BotAction::Post {
                    scope: scope.clone(),
                    channel: mod_channel.clone(),
                    body: MessageBody::text(text),
                });
            }
            let library = self.guidance.current();
            let overdue = guidance::overdue(&library, day);
            if !overdue.is_empty()
                && self
                    .store
                    .claim_job(&format!("guidance-review:{scope_key}:{week_key}"), now)
                    .await?
            {
                actions.push(BotAction::Post {
                    scope: scope.clone(),
                    channel: mod_channel.clone(),
                    body: MessageBody::text(format!(
                        "📚 Guidance past its review date: {}. Please ask an admin to check these topics against their sources and update `reviewed`/`review_by` (this notice repeats weekly until then).",
                        overdue
                            .iter()
                            .map(|t| format!("{} (review by {})", t.slug, t.review_by))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                });
            }
        }
        Ok(actions)
    }

    // ---- callbacks and look-ups for adapters ----

    /// Remember the platform id of the alert message in the moderators' channel.
    pub async fn alert_posted(&self, alert_id: i64, mod_ref: String) -> Result<()> {
        // A targeted update: a moderator may already be acting on the alert.
        self.store.set_alert_mod_ref(alert_id, &mod_ref).await
    }

    /// The platform id of the alert message, if it was posted.
    pub async fn alert_mod_ref(&self, alert_id: i64) -> Result<Option<String>> {
        Ok(self.store.alert(alert_id).await?.and_then(|a| a.mod_ref))
    }

    /// Ids of alerts not yet resolved (autocomplete).
    pub async fn open_alert_ids(&self, scope: &Scope) -> Result<Vec<i64>> {
        let alerts = self
            .store
            .list_alerts(scope, &crate::store::AlertFilter::default())
            .await?;
        Ok(alerts
            .into_iter()
            .filter(|a| a.status != crate::store::AlertStatus::Resolved)
            .map(|a| a.id)
            .collect())
    }

    /// An adapter opened the thread (or created the event) behind `key`.
    pub async fn thread_opened(
        &self,
        scope: &Scope,
        key: &str,
        thread: &crate::domain::ChannelId,
    ) -> Result<()> {
        self.store
            .set_platform_ref(scope, key, thread.as_str())
            .await
    }

    /// The platform thread (or event) id behind `key`, if one was opened.
    pub async fn thread_for_key(
        &self,
        scope: &Scope,
        key: &str,
    ) -> Result<Option<crate::domain::ChannelId>> {
        Ok(self
            .store
            .platform_ref(scope, key)
            .await?
            .map(crate::domain::ChannelId))
    }

    /// `(key, label)` of papers in the journal-club queue (autocomplete).
    pub async fn queued_papers(&self, scope: &Scope) -> Result<Vec<(String, String)>> {
        // Filled in by the journal-club service (lands with the scheduler).
        let _ = scope;
        Ok(Vec::new())
    }

    /// `(slug, title)` of every guidance topic (autocomplete).
    pub fn guidance_topics(&self) -> Vec<(String, String)> {
        self.guidance
            .current()
            .topics()
            .iter()
            .map(|t| (t.slug.clone(), t.title.clone()))
            .collect()
    }
}

/// A guidance answer: private by default, with a button to share it.
fn answer(text: String, share: bool, slug: &str, jurisdiction: Option<Jurisdiction>) -> BotAction {
    if share {
        return BotAction::Reply {
            visibility: Visibility::Public,
            body: MessageBody::text(text),
        };
    }
    let id = match jurisdiction {
        Some(j) => format!("guidance:share:{slug}:{}", j.code()),
        None => format!("guidance:share:{slug}"),
    };
    BotAction::Reply {
        visibility: Visibility::Private,
        body: MessageBody::text(text).with_buttons(vec![Button {
            id,
            label: "Share in channel".into(),
            style: ButtonStyle::Secondary,
        }]),
    }
}

/// The command's name for logs (never its arguments).
pub fn command_name(cmd: &Command) -> &'static str {
    use commands::*;
    match cmd {
        Command::Help { .. } => "help",
        Command::Guidance(GuidanceCommand::Show { .. }) => "guidance show",
        Command::Guidance(GuidanceCommand::List) => "guidance list",
        Command::Guidance(GuidanceCommand::Reload) => "guidance reload",
        Command::Ask { .. } => "ask",
        Command::Phi(PhiCommand::Check { .. }) => "phi check",
        Command::Modlog { .. } => "modlog",
        Command::Alert(AlertCommand::Claim { .. }) => "alert claim",
        Command::Alert(AlertCommand::Resolve { .. }) => "alert resolve",
        Command::Alert(AlertCommand::Delete { .. }) => "alert delete",
        Command::Guard(GuardCommand::Policy { .. }) => "guard policy",
        Command::Guard(GuardCommand::Exempt { .. }) => "guard exempt",
        Command::Guard(GuardCommand::Modchannel { .. }) => "guard modchannel",
        Command::Guard(GuardCommand::Status) => "guard status",
        Command::Guard(GuardCommand::Export) => "guard export",
        Command::Jc(JcCommand::Suggest { .. }) => "jc suggest",
        Command::Jc(JcCommand::Queue) => "jc queue",
        Command::Jc(JcCommand::Vote { .. }) => "jc vote",
        Command::Jc(JcCommand::Withdraw { .. }) => "jc withdraw",
        Command::Jc(JcCommand::Join) => "jc join",
        Command::Jc(JcCommand::Leave) => "jc leave",
        Command::Jc(JcCommand::Next) => "jc next",
        Command::Jc(JcCommand::Skip) => "jc skip",
        Command::Jc(JcCommand::Schedule { .. }) => "jc schedule",
        Command::Jc(JcCommand::Attendance) => "jc attendance",
    }
}
