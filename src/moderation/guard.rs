//! Decisions of the confidentiality guard: a scanned message plus the
//! channel's policy become alerts, nudges and hides; moderators' commands
//! move alerts through their lifecycle.
//!
//! Lifecycle: open → claimed → resolved (outcome). One alert per message:
//! a re-delivered message never makes a second alert or nudge; an edit
//! re-scans and updates the alert, resolving it as `edited_clean` when the
//! identifiers are gone. Everything stored is ids, kinds, counts, statuses.

use crate::config::{Policy, Settings};
use crate::domain::{
    AlertCard, BotAction, ChannelId, IncomingMessage, Invocation, MessageBody, Scope,
};
use crate::error::{BotError, user_err};
use crate::phi::{DetectorHandle, Finding, Kind, Scan, Severity, masked_snippet, redact};
use crate::store::{
    AlertFilter, AlertRecord, AlertStatus, ChannelPolicy, NewAlert, Outcome, SharedStore,
};
use anyhow::Result;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use tracing::{debug, info, instrument};

/// Longest masked snippet shown to moderators, in characters.
pub const SNIPPET_CHARS: usize = 120;

/// What the guard needs.
#[derive(Clone)]
pub struct Guard {
    pub settings: Arc<Settings>,
    pub store: SharedStore,
    pub detector: DetectorHandle,
}

/// The effective guard policy of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effective {
    Exempt,
    Policy(Policy),
}

/// What the policy asks for at a given severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub alert: bool,
    pub hide: bool,
}

/// Pure policy decision: `policy` at `severity` with the configured thresholds.
pub fn decide(policy: Policy, severity: Severity, settings: &Settings) -> Decision {
    let notify_min = settings.guard.notify_min_severity;
    match policy {
        Policy::Off => Decision {
            alert: false,
            hide: false,
        },
        Policy::Notify => Decision {
            alert: severity >= notify_min,
            hide: false,
        },
        Policy::Hide => {
            let on = severity >= notify_min;
            Decision {
                alert: on,
                hide: on,
            }
        }
        Policy::Strict => Decision {
            alert: true,
            hide: severity >= settings.guard.strict_hide_min_severity,
        },
    }
}

/// Kinds with counts, sorted by kind.
pub fn kind_counts(findings: &[Finding]) -> Vec<(Kind, u32)> {
    let mut m: BTreeMap<Kind, u32> = BTreeMap::new();
    for f in findings {
        *m.entry(f.kind).or_default() += 1;
    }
    m.into_iter().collect()
}

fn explanations(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in findings {
        if !out.contains(&f.explanation) {
            out.push(f.explanation.clone());
        }
        if out.len() == 5 {
            break;
        }
    }
    out
}

impl Guard {
    /// The policy in force for a channel: exemptions first, then the
    /// channel's stored policy, the configured per-channel policy, the
    /// community default, and the configured default.
    pub async fn effective_policy(
        &self,
        scope: &Scope,
        channel: &ChannelId,
        channel_name: &str,
    ) -> Result<Effective> {
        let g = &self.settings.guard;
        let name = channel_name.trim_start_matches('#');
        let community = self.store.guild_settings(scope).await?;
        if community.mod_channel.as_ref() == Some(channel)
            || g.exempt_channels
                .iter()
                .any(|c| c == channel.as_str() || c.trim_start_matches('#') == name)
        {
            return Ok(Effective::Exempt);
        }
        let stored = self.store.channel_policy(scope, channel).await?;
        if stored.is_some_and(|p| p.exempt) {
            return Ok(Effective::Exempt);
        }
        let policy = stored
            .and_then(|p| p.policy)
            .or_else(|| g.channels.get(channel.as_str()).copied())
            .or_else(|| g.channels.get(name).copied())
            .or(community.default_policy)
            .unwrap_or(g.default_policy);
        Ok(Effective::Policy(policy))
    }

    /// Scan a message (new or edited) and decide what happens.
    #[instrument(skip_all, fields(platform = %msg.scope.platform, channel = %msg.channel, message = %msg.message, edited = msg.edited))]
    pub async fn on_message(&self, msg: &IncomingMessage) -> Result<Vec<BotAction>> {
        if msg.author_is_bot && !self.settings.guard.scan_bots {
            return Ok(Vec::new());
        }
        let policy = match self
            .effective_policy(&msg.scope, &msg.channel, &msg.channel_name)
            .await?
        {
            Effective::Exempt | Effective::Policy(Policy::Off) => return Ok(Vec::new()),
            Effective::Policy(p) => p,
        };
        let scan = self.detector.current().scan(&msg.text);
        let existing = self
            .store
            .alert_for_message(&msg.scope, &msg.channel, &msg.message)
            .await?;
        debug!(
            findings = scan.findings.len(),
            flagged = scan.flagged,
            "scanned"
        );

        match existing {
            // The platform re-delivered a message we already handled.
            Some(_) if !msg.edited => {
                info!("duplicate delivery ignored");
                Ok(Vec::new())
            }
            Some(alert) => self.on_edit(msg, policy, &scan, alert).await,
            None => self.on_new(msg, policy, &scan).await,
        }
    }

    async fn on_new(
        &self,
        msg: &IncomingMessage,
        policy: Policy,
        scan: &Scan,
    ) -> Result<Vec<BotAction>> {
        let Some(severity) = scan.severity.filter(|_| scan.flagged) else {
            return Ok(Vec::new());
        };
        let decision = decide(policy, severity, &self.settings);
        if !decision.alert {
            return Ok(Vec::new());
        }
        let new = NewAlert {
            scope: msg.scope.clone(),
            channel: msg.channel.clone(),
            message: msg.message.clone(),
            author: msg.author.clone(),
            kinds: kind_counts(&scan.findings),
            severity,
            hidden: decision.hide,
            at: msg.at,
        };
        let Some(alert) = self.store.create_alert(&new).await? else {
            info!("duplicate delivery ignored (raced)");
            return Ok(Vec::new());
        };
        info!(alert = alert.id, severity = %severity, kinds = %crate::store::encode_kinds(&alert.kinds), hidden = decision.hide, "alert raised");
        let card = self.card(&alert, Some(msg), Some(scan));
        let snippet = card.snippet.clone().unwrap_or_default();
        let mut actions = vec![BotAction::AlertModerators { card }];
        if decision.hide {
            actions.push(BotAction::HideMessage {
                scope: msg.scope.clone(),
                channel: msg.channel.clone(),
                message: msg.message.clone(),
            });
            actions.push(self.hidden_text_back(msg, &alert));
        }
        if let Some(nudge) = self.nudge(msg, &snippet, &alert).await? {
            actions.push(nudge);
        }
        Ok(actions)
    }

    async fn on_edit(
        &self,
        msg: &IncomingMessage,
        policy: Policy,
        scan: &Scan,
        mut alert: AlertRecord,
    ) -> Result<Vec<BotAction>> {
        let reopened_after_clean = alert.outcome == Some(Outcome::EditedClean);
        if alert.status == AlertStatus::Resolved && !reopened_after_clean {
            // A moderator has decided; an edit does not reopen their decision.
            return Ok(Vec::new());
        }
        let now = msg.at;
        match scan.severity.filter(|_| scan.flagged) {
            None => {
                if alert.status == AlertStatus::Resolved {
                    return Ok(Vec::new());
                }
                alert.status = AlertStatus::Resolved;
                alert.outcome = Some(Outcome::EditedClean);
                alert.resolved_at = Some(now);
                alert.updated_at = now;
                alert.kinds = Vec::new();
                self.store.save_alert(&alert).await?;
                info!(alert = alert.id, "alert resolved: edited clean");
                Ok(vec![BotAction::UpdateAlert {
                    card: self.card(&alert, Some(msg), None),
                }])
            }
            Some(severity) => {
                let decision = decide(policy, severity, &self.settings);
                alert.kinds = kind_counts(&scan.findings);
                alert.severity = severity;
                alert.updated_at = now;
                if reopened_after_clean {
                    alert.status = AlertStatus::Open;
                    alert.outcome = None;
                    alert.resolved_at = None;
                    alert.resolved_by = None;
                }
                let hide_now = decision.hide && !alert.hidden;
                alert.hidden |= decision.hide;
                self.store.save_alert(&alert).await?;
                info!(alert = alert.id, severity = %severity, "alert updated after edit");
                let mut actions = vec![BotAction::UpdateAlert {
                    card: self.card(&alert, Some(msg), Some(scan)),
                }];
                if hide_now {
                    actions.push(BotAction::HideMessage {
                        scope: msg.scope.clone(),
                        channel: msg.channel.clone(),
                        message: msg.message.clone(),
                    });
                    actions.push(self.hidden_text_back(msg, &alert));
                }
                Ok(actions)
            }
        }
    }

    /// The moderators' card. The snippet is masked; it exists only in memory.
    pub fn card(
        &self,
        alert: &AlertRecord,
        msg: Option<&IncomingMessage>,
        scan: Option<&Scan>,
    ) -> AlertCard {
        AlertCard {
            alert_id: alert.id,
            scope: alert.scope.clone(),
            channel: alert.channel.clone(),
            channel_name: msg
                .map(|m| m.channel_name.clone())
                .unwrap_or_else(|| format!("#{}", alert.channel)),
            message: alert.message.clone(),
            author: alert.author.clone(),
            author_name: msg
                .map(|m| m.author_name.clone())
                .unwrap_or_else(|| alert.author.to_string()),
            link: msg.and_then(|m| m.link.clone()),
            kinds: alert
                .kinds
                .iter()
                .map(|(k, n)| (k.describe().to_string(), *n))
                .collect(),
            severity: alert.severity.as_str().to_string(),
            explanations: scan.map(|s| explanations(&s.findings)).unwrap_or_default(),
            snippet: match (msg, scan) {
                (Some(m), Some(s)) if !s.findings.is_empty() => {
                    Some(masked_snippet(&m.text, &s.findings, SNIPPET_CHARS))
                }
                _ => None,
            },
            status: alert.status.as_str().to_string(),
            outcome: alert.outcome.map(|o| o.as_str().to_string()),
            claimed_by: alert.claimed_by.as_ref().map(|u| u.to_string()),
            resolved_by: alert.resolved_by.as_ref().map(|u| u.to_string()),
            hidden: alert.hidden,
        }
    }

    /// The private, friendly note to the author, if the rate limit allows.
    async fn nudge(
        &self,
        msg: &IncomingMessage,
        snippet: &str,
        alert: &AlertRecord,
    ) -> Result<Option<BotAction>> {
        let g = &self.settings.guard;
        let since = msg.at - Duration::minutes(i64::from(g.nudge_window_minutes));
        let sent = self
            .store
            .count_nudges_since(msg.scope.platform, &msg.author, since)
            .await?;
        if sent >= g.nudge_max_per_window {
            info!(alert = alert.id, "nudge suppressed by rate limit");
            return Ok(None);
        }
        self.store
            .record_nudge(msg.scope.platform, &msg.author, msg.at)
            .await?;
        // The alert already holds the kinds and the card the masked snippet:
        // nothing is scanned or masked twice.
        let spotted: Vec<String> = alert
            .kinds
            .iter()
            .map(|(k, _)| k.describe().to_string())
            .collect();
        let text = format!(
            "Hi {name} — a quick, private heads-up about your message in {channel}.\n\
             It may contain a detail that could identify a patient: {spotted} (“{snippet}”).\n\
             Why it matters: patients are owed the same confidentiality online as in clinic, and even small details can identify someone to people who know them (GMC, Confidentiality: good practice in handling patient information).\n\
             How to fix it: edit the message to remove or generalise the detail, or delete it{delete_hint}.\n\
             If you think something identifiable was posted, `/guidance breach-response` explains what to do next.\n\
             The moderators have been told (alert #{id}) so they can help — this is not a disciplinary step.",
            name = msg.author_name,
            channel = msg.channel_name,
            spotted = spotted.join(", "),
            delete_hint = if alert.hidden {
                ""
            } else {
                " (the button below does it for you)"
            },
            id = alert.id,
        );
        let mut body = MessageBody::text(text);
        if !alert.hidden {
            body.buttons = vec![crate::domain::Button {
                id: format!("alert:delete:{}", alert.id),
                label: "Delete my message".into(),
                style: crate::domain::ButtonStyle::Danger,
            }];
        }
        Ok(Some(BotAction::DirectMessage {
            scope: msg.scope.clone(),
            user: msg.author.clone(),
            body,
        }))
    }

    /// Under `hide`, the author gets their own text back privately.
    fn hidden_text_back(&self, msg: &IncomingMessage, alert: &AlertRecord) -> BotAction {
        let fence = if msg.text.contains("```") {
            "~~~"
        } else {
            "```"
        };
        BotAction::DirectMessage {
            scope: msg.scope.clone(),
            user: msg.author.clone(),
            body: MessageBody::text(format!(
                "I removed your message from {channel} because this channel hides posts that may identify a patient (alert #{id}). \
                 Here is your text so nothing is lost — please repost it without the identifying details:\n{fence}\n{text}\n{fence}",
                channel = msg.channel_name,
                id = alert.id,
                text = msg.text,
            )),
        }
    }

    /// `/phi check` — a private pre-post check. The draft is never stored or logged.
    pub fn check_draft(&self, draft: &str) -> BotAction {
        let scan = self.detector.current().scan(draft);
        if !scan.flagged {
            return BotAction::private(
                "✅ Looks fine: I spotted nothing that identifies a patient. Still read it once more as the patient's family would.",
            );
        }
        let kinds: Vec<String> = kind_counts(&scan.findings)
            .iter()
            .map(|(k, n)| format!("{} ×{n}", k.describe()))
            .collect();
        let whys = explanations(&scan.findings);
        BotAction::private(format!(
            "⚠️ Before you post: this draft may identify a patient ({severity} severity).\n\
             Spotted: {kinds}\n{whys}\n\
             Masked: “{masked}”\n\
             How to rewrite: drop names, numbers, exact dates and places; give ages as ranges (\"in her 80s\"), dates as \"recently\", places as the region; leave out rare details that would let colleagues or family recognise the person.",
            severity = scan.severity.map(|s| s.as_str()).unwrap_or("low"),
            kinds = kinds.join(", "),
            whys = whys
                .iter()
                .map(|w| format!("• {w}"))
                .collect::<Vec<_>>()
                .join("\n"),
            masked = redact(draft, &scan.findings),
        ))
    }

    /// `/modlog [status] [since]`.
    pub async fn modlog(
        &self,
        inv: &Invocation,
        status: Option<&str>,
        since: Option<&str>,
    ) -> Result<Vec<BotAction>, BotError> {
        require_moderator(inv)?;
        let status = match status {
            None | Some("all") => None,
            Some(s) => match AlertStatus::parse(s) {
                Some(s) => Some(s),
                None => {
                    return user_err(format!(
                        "Unknown status `{s}`: use open, claimed, resolved or all."
                    ));
                }
            },
        };
        let since = match since {
            None => None,
            Some(s) => Some(parse_since(s, inv.at)?),
        };
        let alerts = self
            .store
            .list_alerts(
                &inv.scope,
                &AlertFilter {
                    status,
                    since,
                    limit: Some(25),
                },
            )
            .await?;
        if alerts.is_empty() {
            return Ok(vec![BotAction::private("No alerts match.")]);
        }
        let mut out = String::from("Confidentiality alerts (newest first, at most 25):\n");
        for a in &alerts {
            let kinds: Vec<(String, u32)> = a
                .kinds
                .iter()
                .map(|(k, n)| (k.describe().to_string(), *n))
                .collect();
            out.push_str(&format!(
                "#{} · {} · {} · {} · <#{}> · {}\n",
                a.id,
                status_text(a),
                a.severity,
                super::kinds_line(&kinds),
                a.channel,
                a.created_at.format("%Y-%m-%d %H:%M UTC"),
            ));
        }
        Ok(vec![BotAction::private(out.trim_end().to_string())])
    }

    async fn load_alert(&self, inv: &Invocation, id: i64) -> Result<AlertRecord, BotError> {
        match self.store.alert(id).await? {
            Some(a) if a.scope == inv.scope => Ok(a),
            _ => user_err(format!("There is no alert #{id} in this community.")),
        }
    }

    /// `/alert claim <id>`.
    pub async fn claim(&self, inv: &Invocation, id: i64) -> Result<Vec<BotAction>, BotError> {
        require_moderator(inv)?;
        let mut a = self.load_alert(inv, id).await?;
        match a.status {
            AlertStatus::Resolved => return user_err(format!("Alert #{id} is already resolved.")),
            AlertStatus::Claimed if a.claimed_by.as_ref() != Some(&inv.user) => {
                return user_err(format!(
                    "Alert #{id} is already claimed by {}.",
                    a.claimed_by
                        .as_ref()
                        .map(|u| u.as_str())
                        .unwrap_or("another moderator")
                ));
            }
            _ => {}
        }
        a.status = AlertStatus::Claimed;
        a.claimed_by = Some(inv.user.clone());
        a.updated_at = inv.at;
        self.store.save_alert(&a).await?;
        info!(alert = id, "alert claimed");
        Ok(vec![
            BotAction::UpdateAlert {
                card: self.card(&a, None, None),
            },
            BotAction::private(format!("You claimed alert #{id}.")),
        ])
    }

    /// `/alert resolve <id> <outcome>`.
    pub async fn resolve(
        &self,
        inv: &Invocation,
        id: i64,
        outcome: &str,
    ) -> Result<Vec<BotAction>, BotError> {
        require_moderator(inv)?;
        let Some(outcome) =
            Outcome::parse(outcome).filter(|o| Outcome::MODERATOR_CHOICES.contains(o))
        else {
            return user_err(format!(
                "Unknown outcome `{outcome}`: use {}.",
                Outcome::MODERATOR_CHOICES.map(|o| o.as_str()).join(", ")
            ));
        };
        let mut a = self.load_alert(inv, id).await?;
        if a.status == AlertStatus::Resolved {
            return user_err(format!(
                "Alert #{id} is already resolved ({}).",
                a.outcome.map(|o| o.as_str()).unwrap_or("unknown")
            ));
        }
        a.status = AlertStatus::Resolved;
        a.outcome = Some(outcome);
        a.resolved_by = Some(inv.user.clone());
        a.resolved_at = Some(inv.at);
        a.updated_at = inv.at;
        self.store.save_alert(&a).await?;
        info!(alert = id, outcome = outcome.as_str(), "alert resolved");
        Ok(vec![
            BotAction::UpdateAlert {
                card: self.card(&a, None, None),
            },
            BotAction::private(format!("Alert #{id} resolved as {}.", outcome.as_str())),
        ])
    }

    /// `/alert delete <id>` — by a moderator or the message's author.
    pub async fn delete(&self, inv: &Invocation, id: i64) -> Result<Vec<BotAction>, BotError> {
        let mut a = self.load_alert(inv, id).await?;
        if !inv.is_moderator && a.author != inv.user {
            return user_err("Only moderators or the message's author can delete it.");
        }
        let mut actions = Vec::new();
        if !a.hidden {
            actions.push(BotAction::HideMessage {
                scope: a.scope.clone(),
                channel: a.channel.clone(),
                message: a.message.clone(),
            });
        }
        a.hidden = true;
        a.updated_at = inv.at;
        if a.status != AlertStatus::Resolved {
            a.status = AlertStatus::Resolved;
            a.outcome = Some(Outcome::Removed);
            a.resolved_by = Some(inv.user.clone());
            a.resolved_at = Some(inv.at);
        }
        self.store.save_alert(&a).await?;
        info!(
            alert = id,
            by_author = a.author == inv.user,
            "flagged message deleted"
        );
        actions.push(BotAction::UpdateAlert {
            card: self.card(&a, None, None),
        });
        actions.push(BotAction::private(format!(
            "The message of alert #{id} has been removed. Thank you."
        )));
        Ok(actions)
    }

    /// The named channel (or the invoking one) and its stored setting.
    async fn channel_setting(
        &self,
        inv: &Invocation,
        channel: Option<&str>,
    ) -> Result<(ChannelId, ChannelPolicy)> {
        let channel = channel
            .map(channel_arg)
            .unwrap_or_else(|| inv.channel.clone());
        let current = self
            .store
            .channel_policy(&inv.scope, &channel)
            .await?
            .unwrap_or(ChannelPolicy {
                policy: None,
                exempt: false,
            });
        Ok((channel, current))
    }

    /// `/guard policy|exempt|modchannel` (admins) and `/guard status|export` (moderators).
    pub async fn set_policy(
        &self,
        inv: &Invocation,
        policy: &str,
        channel: Option<&str>,
    ) -> Result<Vec<BotAction>, BotError> {
        require_admin(inv)?;
        let (channel, current) = self.channel_setting(inv, channel).await?;
        let new_policy = if policy.eq_ignore_ascii_case("default") {
            None
        } else {
            match Policy::parse(policy) {
                Some(p) => Some(p),
                None => {
                    return user_err(format!(
                        "Unknown policy `{policy}`: use off, notify, hide, strict or default."
                    ));
                }
            }
        };
        self.store
            .set_channel_policy(
                &inv.scope,
                &channel,
                ChannelPolicy {
                    policy: new_policy,
                    ..current
                },
            )
            .await?;
        info!(channel = %channel, policy = new_policy.map(|p| p.as_str()).unwrap_or("default"), "channel policy set");
        Ok(vec![BotAction::private(format!(
            "Policy for <#{channel}> is now {}.",
            new_policy
                .map(|p| p.as_str())
                .unwrap_or("the community default")
        ))])
    }

    pub async fn set_exempt(
        &self,
        inv: &Invocation,
        state: &str,
        channel: Option<&str>,
    ) -> Result<Vec<BotAction>, BotError> {
        require_admin(inv)?;
        let exempt = match state.to_ascii_lowercase().as_str() {
            "on" | "yes" | "true" => true,
            "off" | "no" | "false" => false,
            _ => return user_err("Use `on` to exempt the channel or `off` to scan it again."),
        };
        let (channel, current) = self.channel_setting(inv, channel).await?;
        self.store
            .set_channel_policy(&inv.scope, &channel, ChannelPolicy { exempt, ..current })
            .await?;
        Ok(vec![BotAction::private(if exempt {
            format!("<#{channel}> is now exempt: messages there are not scanned.")
        } else {
            format!("<#{channel}> is scanned again.")
        })])
    }

    pub async fn set_mod_channel(
        &self,
        inv: &Invocation,
        channel: Option<&str>,
    ) -> Result<Vec<BotAction>, BotError> {
        require_admin(inv)?;
        let channel = channel
            .map(channel_arg)
            .unwrap_or_else(|| inv.channel.clone());
        self.store.set_mod_channel(&inv.scope, &channel).await?;
        Ok(vec![BotAction::private(format!(
            "Confidentiality alerts will go to <#{channel}> (it is exempt from scanning)."
        ))])
    }

    pub async fn status(&self, inv: &Invocation) -> Result<Vec<BotAction>, BotError> {
        require_moderator(inv)?;
        let g = &self.settings.guard;
        let community = self.store.guild_settings(&inv.scope).await?;
        let mut out = format!(
            "Confidentiality guard\n• moderators' channel: {}\n• default policy: {}\n• alert from severity: {}; strict hides from: {}\n• nudges: at most {} per {} min per member\n• resolved alerts kept {} days\n",
            community
                .mod_channel
                .map(|c| format!("<#{c}>"))
                .unwrap_or_else(|| "not set (use /guard modchannel)".into()),
            community
                .default_policy
                .unwrap_or(g.default_policy)
                .as_str(),
            g.notify_min_severity,
            g.strict_hide_min_severity,
            g.nudge_max_per_window,
            g.nudge_window_minutes,
            g.retention_days,
        );
        for (ch, p) in self.store.list_channel_policies(&inv.scope).await? {
            out.push_str(&format!(
                "• <#{ch}>: {}\n",
                if p.exempt {
                    "exempt".to_string()
                } else {
                    p.policy
                        .map(|p| p.as_str())
                        .unwrap_or("default")
                        .to_string()
                }
            ));
        }
        Ok(vec![BotAction::private(out.trim_end().to_string())])
    }

    /// `/guard export` — counts per week, channel, kind and outcome as CSV.
    pub async fn export_csv(&self, inv: &Invocation) -> Result<Vec<BotAction>, BotError> {
        require_moderator(inv)?;
        let alerts = self
            .store
            .list_alerts(&inv.scope, &AlertFilter::default())
            .await?;
        Ok(vec![BotAction::private(format!(
            "```csv\n{}```",
            stats_csv(&alerts)
        ))])
    }

    /// The weekly digest text for a community, over alerts created in `[from, to)`.
    pub async fn digest(
        &self,
        scope: &Scope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<String> {
        let alerts = self
            .store
            .list_alerts(
                scope,
                &AlertFilter {
                    since: Some(from),
                    ..Default::default()
                },
            )
            .await?;
        let week: Vec<&AlertRecord> = alerts.iter().filter(|a| a.created_at < to).collect();
        let all_open = self
            .store
            .list_alerts(
                scope,
                &AlertFilter {
                    status: None,
                    ..Default::default()
                },
            )
            .await?;
        let stale: Vec<&AlertRecord> = all_open
            .iter()
            .filter(|a| {
                a.status != AlertStatus::Resolved && to - a.created_at > Duration::hours(48)
            })
            .collect();
        let mut by_kind: BTreeMap<&str, u32> = BTreeMap::new();
        let mut by_outcome: BTreeMap<&str, u32> = BTreeMap::new();
        for a in &week {
            for (k, n) in &a.kinds {
                *by_kind.entry(k.describe()).or_default() += n;
            }
            *by_outcome
                .entry(a.outcome.map(|o| o.as_str()).unwrap_or(a.status.as_str()))
                .or_default() += 1;
        }
        let judged = week
            .iter()
            .filter(|a| matches!(a.outcome, Some(o) if o != Outcome::EditedClean))
            .count();
        let fps = week
            .iter()
            .filter(|a| a.outcome == Some(Outcome::FalsePositive))
            .count();
        let fmt_map = |m: &BTreeMap<&str, u32>| {
            if m.is_empty() {
                "none".to_string()
            } else {
                m.iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        Ok(format!(
            "📊 Weekly confidentiality digest ({} – {})\n• alerts: {}\n• by kind: {}\n• by outcome: {}\n• open alerts older than 48 h: {}{}\n• false-positive rate: {}",
            from.format("%d %b"),
            to.format("%d %b %Y"),
            week.len(),
            fmt_map(&by_kind),
            fmt_map(&by_outcome),
            stale.len(),
            if stale.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    stale
                        .iter()
                        .map(|a| format!("#{}", a.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            if judged == 0 {
                "n/a (no alerts judged this week)".to_string()
            } else {
                format!(
                    "{:.0}% ({fps} of {judged} judged)",
                    100.0 * fps as f64 / judged as f64
                )
            },
        ))
    }

    /// Daily retention purge; returns the number of alerts removed.
    pub async fn purge(&self, now: DateTime<Utc>) -> Result<u64> {
        let days = i64::from(self.settings.guard.retention_days);
        let n = self
            .store
            .purge_resolved_alerts(now - Duration::days(days))
            .await?;
        let window = i64::from(self.settings.guard.nudge_window_minutes);
        self.store
            .purge_nudges(now - Duration::minutes(window * 2))
            .await?;
        info!(purged = n, "retention purge done");
        Ok(n)
    }
}

fn status_text(a: &AlertRecord) -> String {
    match a.status {
        AlertStatus::Open => "open".into(),
        AlertStatus::Claimed => format!(
            "claimed by {}",
            a.claimed_by.as_ref().map(|u| u.as_str()).unwrap_or("?")
        ),
        AlertStatus::Resolved => {
            format!("resolved: {}", a.outcome.map(|o| o.as_str()).unwrap_or("?"))
        }
    }
}

/// `#name`, `<#123>` or `123` → the channel id.
fn channel_arg(s: &str) -> ChannelId {
    let s = s.trim();
    let s = s
        .strip_prefix("<#")
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(s);
    ChannelId::new(s.trim_start_matches('#'))
}

/// Refuse non-moderators with a clear message.
pub fn require_moderator(inv: &Invocation) -> Result<(), BotError> {
    if inv.is_moderator || inv.is_admin {
        Ok(())
    } else {
        user_err("This command is for moderators only.")
    }
}

/// Refuse non-admins with a clear message.
pub fn require_admin(inv: &Invocation) -> Result<(), BotError> {
    if inv.is_admin {
        Ok(())
    } else {
        user_err("This command is for admins only.")
    }
}

/// `2026-11-01`, `7d`, `24h` → an instant.
pub fn parse_since(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, BotError> {
    let t = s.trim().to_ascii_lowercase();
    if let Ok(d) = NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc()).unwrap_or(now));
    }
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    match (num.parse::<i64>(), unit) {
        (Ok(n), "d") if n <= 3650 => Ok(now - Duration::days(n)),
        (Ok(n), "h") if n <= 87_600 => Ok(now - Duration::hours(n)),
        (Ok(n), "w") if n <= 520 => Ok(now - Duration::weeks(n)),
        _ => user_err("Give `since` as a date (2026-11-01) or a period (7d, 24h, 2w)."),
    }
}

/// CSV of counts per ISO week, channel, kind and outcome (no ids of members).
pub fn stats_csv(alerts: &[AlertRecord]) -> String {
    let mut rows: BTreeMap<(String, String, &'static str, &'static str), u32> = BTreeMap::new();
    for a in alerts {
        let w = a.created_at.iso_week();
        let week = format!("{}-W{:02}", w.year(), w.week());
        let outcome = a.outcome.map(|o| o.as_str()).unwrap_or(a.status.as_str());
        if a.kinds.is_empty() {
            *rows
                .entry((week.clone(), a.channel.to_string(), "NONE", outcome))
                .or_default() += 1;
        }
        for (k, n) in &a.kinds {
            *rows
                .entry((week.clone(), a.channel.to_string(), k.as_str(), outcome))
                .or_default() += n;
        }
    }
    let mut out = String::from("week,channel,kind,outcome,count\n");
    for ((week, channel, kind, outcome), n) in rows {
        out.push_str(&format!(
            "{week},{},{kind},{outcome},{n}\n",
            csv_field(&channel)
        ));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_decisions() {
        let default = Settings::default();
        let mut high_only = Settings::default();
        high_only.guard.notify_min_severity = Severity::High;
        // (name, settings, policy, severity, alert, hide)
        let rows = [
            (
                "off never acts",
                &default,
                Policy::Off,
                Severity::High,
                false,
                false,
            ),
            (
                "notify alerts only",
                &default,
                Policy::Notify,
                Severity::Low,
                true,
                false,
            ),
            (
                "hide alerts and hides",
                &default,
                Policy::Hide,
                Severity::Low,
                true,
                true,
            ),
            (
                "strict low alerts only",
                &default,
                Policy::Strict,
                Severity::Low,
                true,
                false,
            ),
            (
                "strict medium hides",
                &default,
                Policy::Strict,
                Severity::Medium,
                true,
                true,
            ),
            (
                "notify below threshold",
                &high_only,
                Policy::Notify,
                Severity::Medium,
                false,
                false,
            ),
            (
                "strict ignores the notify threshold",
                &high_only,
                Policy::Strict,
                Severity::Low,
                true,
                false,
            ),
        ];
        for (name, settings, policy, severity, alert, hide) in rows {
            assert_eq!(
                decide(policy, severity, settings),
                Decision { alert, hide },
                "{name}"
            );
        }
    }

    #[test]
    fn since_parsing() {
        let now = Utc::now();
        assert_eq!(parse_since("7d", now).unwrap(), now - Duration::days(7));
        assert!(parse_since("2026-11-01", now).is_ok());
        assert!(parse_since("yesterday", now).is_err());
        assert!(parse_since("99999999999d", now).is_err());
    }

    #[test]
    fn channel_args() {
        assert_eq!(channel_arg("<#123>"), ChannelId::new("123"));
        assert_eq!(channel_arg("#general"), ChannelId::new("general"));
    }
}
