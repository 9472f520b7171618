//! The confidentiality guard end to end through `Bot` (no platform): every
//! policy, the edit path, duplicate delivery, nudge rate limiting, retention,
//! and refusals — each on SQLite and PostgreSQL.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rounds::bot::Bot;
use rounds::commands::{AlertCommand, Command, GuardCommand};
use rounds::config::{Policy, Settings};
use rounds::domain::{
    BotAction, ChannelId, IncomingMessage, Invocation, MessageId, Platform, Scope, UserId,
};
use rounds::store::{AlertStatus, ChannelPolicy, Outcome, SharedStore};

use crate::store_test;

/// A valid NHS number (mod-11) in patient context, and its variants.
pub const NHS: &str = "943 476 5919";
pub const WITH_NHS: &str =
    "Pt in bay 3, NHS no 943 476 5919, needs a CT head — any thoughts on the timing?";
pub const CLEAN: &str = "Pt in bay 3 needs a CT head — any thoughts on the timing?";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

fn scope() -> Scope {
    Scope::new(Platform::Discord, "g1")
}

pub fn msg(id: &str, text: &str, edited: bool, at: DateTime<Utc>) -> IncomingMessage {
    IncomingMessage {
        scope: scope(),
        channel: ChannelId::new("c1"),
        channel_name: "#cases".into(),
        thread: None,
        message: MessageId::new(id),
        author: UserId::new("u1"),
        author_name: "Dr Amy".into(),
        author_is_bot: false,
        text: text.into(),
        edited,
        link: Some(format!("https://example.invalid/{id}")),
        at,
    }
}

fn inv(user: &str, moderator: bool, admin: bool) -> Invocation {
    Invocation {
        scope: scope(),
        channel: ChannelId::new("c1"),
        user: UserId::new(user),
        user_name: user.into(),
        is_moderator: moderator,
        is_admin: admin,
        at: t0() + Duration::hours(1),
    }
}

async fn bot_with(store: SharedStore, f: impl FnOnce(&mut Settings)) -> Bot {
    let mut s = Settings::default();
    f(&mut s);
    let bot = Bot::new(s, store).unwrap();
    bot.store
        .set_mod_channel(&scope(), &ChannelId::new("mods"))
        .await
        .unwrap();
    bot
}

fn texts(actions: &[BotAction]) -> String {
    format!("{actions:?}")
}

fn count(actions: &[BotAction], kind: &str) -> usize {
    actions.iter().filter(|a| a.kind() == kind).count()
}

store_test!(
    notify_alerts_and_nudges_with_masked_text,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        let actions = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        assert_eq!(count(&actions, "alert_moderators"), 1, "{actions:?}");
        assert_eq!(count(&actions, "direct_message"), 1);
        assert_eq!(count(&actions, "hide_message"), 0);
        let all = texts(&actions);
        assert!(
            !all.contains(NHS) && !all.contains("9434765919"),
            "raw identifier leaked: {all}"
        );
        let BotAction::AlertModerators { card } = &actions[0] else {
            panic!("first action is the alert")
        };
        assert!(
            card.snippet.as_deref().is_some_and(|s| s.contains('*')),
            "{card:?}"
        );
        assert!(card.kinds.iter().any(|(k, _)| k == "NHS number"));
        let stored = bot.store.alert(card.alert_id).await.unwrap().unwrap();
        assert_eq!(stored.status, AlertStatus::Open);
        assert!(!stored.hidden);
    }
);

store_test!(
    clean_message_does_nothing,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        assert!(
            bot.handle_message(&msg("m1", CLEAN, false, t0()))
                .await
                .is_empty()
        );
    }
);

store_test!(
    off_and_exempt_channels_are_not_scanned,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        let out = bot
            .handle_command(
                &inv("admin", true, true),
                Command::Guard(GuardCommand::Policy {
                    policy: "off".into(),
                    channel: None,
                }),
            )
            .await;
        assert!(texts(&out).contains("now off"), "{out:?}");
        assert!(
            bot.handle_message(&msg("m1", WITH_NHS, false, t0()))
                .await
                .is_empty()
        );
        bot.store
            .set_channel_policy(
                &scope(),
                &ChannelId::new("c1"),
                ChannelPolicy {
                    policy: Some(Policy::Notify),
                    exempt: true,
                },
            )
            .await
            .unwrap();
        assert!(
            bot.handle_message(&msg("m2", WITH_NHS, false, t0()))
                .await
                .is_empty()
        );
        // The moderators' channel itself is never scanned.
        let mut in_mods = msg("m3", WITH_NHS, false, t0());
        in_mods.channel = ChannelId::new("mods");
        assert!(bot.handle_message(&in_mods).await.is_empty());
    }
);

store_test!(
    hide_policy_removes_and_returns_text,
    |store: SharedStore| async move {
        let bot = bot_with(store, |s| s.guard.default_policy = Policy::Hide).await;
        let actions = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        assert_eq!(count(&actions, "hide_message"), 1, "{actions:?}");
        assert_eq!(count(&actions, "alert_moderators"), 1);
        // The author's own text comes back in a DM (the only place it may appear).
        let dms: Vec<&BotAction> = actions
            .iter()
            .filter(|a| a.kind() == "direct_message")
            .collect();
        assert!(
            dms.iter()
                .any(|a| texts(&[(*a).clone()]).contains(WITH_NHS))
        );
        let BotAction::AlertModerators { card } = &actions[0] else {
            panic!()
        };
        assert!(card.hidden);
        assert!(!texts(&[actions[0].clone()]).contains(NHS));
    }
);

store_test!(
    strict_policy_hides_from_medium_up,
    |store: SharedStore| async move {
        let bot = bot_with(store, |s| s.guard.default_policy = Policy::Strict).await;
        let actions = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        assert_eq!(count(&actions, "alert_moderators"), 1);
        assert_eq!(
            count(&actions, "hide_message"),
            1,
            "an NHS number is high severity"
        );
    }
);

store_test!(
    duplicate_delivery_makes_no_second_alert,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        let first = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        assert_eq!(count(&first, "alert_moderators"), 1);
        let again = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        assert!(again.is_empty(), "{again:?}");
        let all = bot
            .store
            .list_alerts(&scope(), &Default::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
    }
);

store_test!(
    edit_rescans_updates_and_resolves_clean,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        // An edit that ADDS an identifier raises an alert.
        assert!(
            bot.handle_message(&msg("m1", CLEAN, false, t0()))
                .await
                .is_empty()
        );
        let added = bot
            .handle_message(&msg("m1", WITH_NHS, true, t0() + Duration::minutes(1)))
            .await;
        assert_eq!(count(&added, "alert_moderators"), 1, "{added:?}");
        let BotAction::AlertModerators { card } = &added[0] else {
            panic!()
        };
        let id = card.alert_id;
        // An edit that still holds it updates the alert.
        let more = format!("{WITH_NHS} Her daughter is on 07700 900123.");
        let updated = bot
            .handle_message(&msg("m1", &more, true, t0() + Duration::minutes(2)))
            .await;
        assert_eq!(count(&updated, "update_alert"), 1, "{updated:?}");
        assert_eq!(
            count(&updated, "direct_message"),
            0,
            "no second nudge on edits"
        );
        assert!(!texts(&updated).contains("900123"));
        let a = bot.store.alert(id).await.unwrap().unwrap();
        assert!(a.kinds.len() >= 2, "{:?}", a.kinds);
        // An edit that removes everything resolves it as edited_clean.
        let cleaned = bot
            .handle_message(&msg("m1", CLEAN, true, t0() + Duration::minutes(3)))
            .await;
        assert_eq!(count(&cleaned, "update_alert"), 1);
        let a = bot.store.alert(id).await.unwrap().unwrap();
        assert_eq!(a.status, AlertStatus::Resolved);
        assert_eq!(a.outcome, Some(Outcome::EditedClean));
    }
);

store_test!(
    moderator_decisions_are_not_reopened_by_edits,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        let first = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        let BotAction::AlertModerators { card } = &first[0] else {
            panic!()
        };
        let out = bot
            .handle_command(
                &inv("mod", true, false),
                Command::Alert(AlertCommand::Resolve {
                    id: card.alert_id,
                    outcome: "consented".into(),
                }),
            )
            .await;
        assert_eq!(count(&out, "update_alert"), 1);
        let edit = bot
            .handle_message(&msg("m1", WITH_NHS, true, t0() + Duration::minutes(5)))
            .await;
        assert!(edit.is_empty());
        let a = bot.store.alert(card.alert_id).await.unwrap().unwrap();
        assert_eq!(a.outcome, Some(Outcome::Consented));
    }
);

store_test!(
    nudges_are_rate_limited_alerts_are_not,
    |store: SharedStore| async move {
        let bot = bot_with(store, |s| {
            s.guard.nudge_max_per_window = 2;
            s.guard.nudge_window_minutes = 60;
        })
        .await;
        let mut nudges = 0;
        let mut alerts = 0;
        for i in 0..5 {
            let a = bot
                .handle_message(&msg(
                    &format!("m{i}"),
                    WITH_NHS,
                    false,
                    t0() + Duration::minutes(i),
                ))
                .await;
            nudges += count(&a, "direct_message");
            alerts += count(&a, "alert_moderators");
        }
        assert_eq!(alerts, 5);
        assert_eq!(nudges, 2);
        // After the window, nudges resume.
        let later = bot
            .handle_message(&msg("m9", WITH_NHS, false, t0() + Duration::minutes(120)))
            .await;
        assert_eq!(count(&later, "direct_message"), 1);
    }
);

store_test!(
    lifecycle_claim_resolve_and_modlog,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        let first = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        let BotAction::AlertModerators { card } = &first[0] else {
            panic!()
        };
        let id = card.alert_id;
        let m = inv("mod", true, false);
        let out = bot
            .handle_command(&m, Command::Alert(AlertCommand::Claim { id }))
            .await;
        assert!(texts(&out).contains("claimed"), "{out:?}");
        // A second moderator cannot claim it over the first.
        let other = bot
            .handle_command(
                &inv("mod2", true, false),
                Command::Alert(AlertCommand::Claim { id }),
            )
            .await;
        assert!(texts(&other).contains("already claimed"), "{other:?}");
        let bad = bot
            .handle_command(
                &m,
                Command::Alert(AlertCommand::Resolve {
                    id,
                    outcome: "maybe".into(),
                }),
            )
            .await;
        assert!(texts(&bad).contains("Unknown outcome"));
        let out = bot
            .handle_command(
                &m,
                Command::Alert(AlertCommand::Resolve {
                    id,
                    outcome: "true_positive".into(),
                }),
            )
            .await;
        assert!(texts(&out).contains("resolved as true_positive"));
        let a = bot.store.alert(id).await.unwrap().unwrap();
        assert_eq!(a.resolved_by, Some(UserId::new("mod")));
        let log = bot
            .handle_command(
                &m,
                Command::Modlog {
                    status: Some("resolved".into()),
                    since: None,
                },
            )
            .await;
        assert!(
            texts(&log).contains(&format!("#{id}")) && texts(&log).contains("true_positive"),
            "{log:?}"
        );
        assert!(!texts(&log).contains(NHS));
        // Unknown alert ids are a clear error.
        let none = bot
            .handle_command(&m, Command::Alert(AlertCommand::Claim { id: 999 }))
            .await;
        assert!(texts(&none).contains("no alert #999"));
    }
);

store_test!(
    non_moderators_are_refused,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        let first = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        let BotAction::AlertModerators { card } = &first[0] else {
            panic!()
        };
        let member = inv("u2", false, false);
        for cmd in [
            Command::Modlog {
                status: None,
                since: None,
            },
            Command::Alert(AlertCommand::Claim { id: card.alert_id }),
            Command::Alert(AlertCommand::Resolve {
                id: card.alert_id,
                outcome: "false_positive".into(),
            }),
            Command::Guard(GuardCommand::Export),
        ] {
            let out = bot.handle_command(&member, cmd).await;
            assert!(texts(&out).contains("moderators only"), "{out:?}");
        }
        let out = bot
            .handle_command(
                &inv("mod", true, false),
                Command::Guard(GuardCommand::Policy {
                    policy: "hide".into(),
                    channel: None,
                }),
            )
            .await;
        assert!(texts(&out).contains("admins only"), "{out:?}");
        assert_eq!(
            bot.store
                .alert(card.alert_id)
                .await
                .unwrap()
                .unwrap()
                .status,
            AlertStatus::Open
        );
        // The author may delete their own flagged message; another member may not.
        let out = bot
            .handle_command(
                &member,
                Command::Alert(AlertCommand::Delete { id: card.alert_id }),
            )
            .await;
        assert!(texts(&out).contains("Only moderators or the message's author"));
        let author = inv("u1", false, false);
        let out = bot
            .handle_command(
                &author,
                Command::Alert(AlertCommand::Delete { id: card.alert_id }),
            )
            .await;
        assert_eq!(count(&out, "hide_message"), 1, "{out:?}");
        assert_eq!(
            bot.store
                .alert(card.alert_id)
                .await
                .unwrap()
                .unwrap()
                .outcome,
            Some(Outcome::Removed)
        );
    }
);

store_test!(
    retention_purge_runs_daily_once,
    |store: SharedStore| async move {
        let bot = bot_with(store, |s| s.guard.retention_days = 30).await;
        let first = bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        let BotAction::AlertModerators { card } = &first[0] else {
            panic!()
        };
        let id = card.alert_id;
        bot.handle_command(
            &inv("mod", true, false),
            Command::Alert(AlertCommand::Resolve {
                id,
                outcome: "true_positive".into(),
            }),
        )
        .await;
        // An open alert is kept however old.
        let open = bot.handle_message(&msg("m2", WITH_NHS, false, t0())).await;
        let BotAction::AlertModerators { card: open_card } = &open[0] else {
            panic!()
        };
        bot.tick(t0() + Duration::days(10)).await;
        assert!(
            bot.store.alert(id).await.unwrap().is_some(),
            "within retention"
        );
        bot.tick(t0() + Duration::days(40)).await;
        assert!(
            bot.store.alert(id).await.unwrap().is_none(),
            "purged after retention"
        );
        assert!(bot.store.alert(open_card.alert_id).await.unwrap().is_some());
    }
);

store_test!(
    weekly_digest_once_per_week,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        let now = t0() + Duration::days(3);
        let first = bot.tick(now).await;
        let digest: Vec<&BotAction> = first
        .iter()
        .filter(|a| matches!(a, BotAction::Post { body, .. } if body.text.contains("Weekly confidentiality digest")))
        .collect();
        assert_eq!(digest.len(), 1, "{first:?}");
        let t = texts(&first);
        assert!(
            t.contains("alerts: 1") && t.contains("older than 48 h: 1"),
            "{t}"
        );
        assert!(!t.contains(NHS));
        let again = bot.tick(now + Duration::hours(1)).await;
        assert!(!texts(&again).contains("Weekly confidentiality digest"));
    }
);

store_test!(
    export_csv_has_counts_only,
    |store: SharedStore| async move {
        let bot = bot_with(store, |_| {}).await;
        bot.handle_message(&msg("m1", WITH_NHS, false, t0())).await;
        let out = bot
            .handle_command(
                &inv("mod", true, false),
                Command::Guard(GuardCommand::Export),
            )
            .await;
        let t = texts(&out);
        assert!(
            t.contains("week,channel,kind,outcome,count") && t.contains("NHS_NUMBER"),
            "{t}"
        );
        assert!(!t.contains(NHS));
    }
);
