//! Journal-club commands through the console path and their permission rules, on SQLite and
//! PostgreSQL. Paper lookups go to a closed local port, so they fail fast and offline.

use std::time::Instant;

use rounds::commands::JcCommand;
use rounds::domain::{BotAction, ChannelId, Invocation, Platform, Scope, UserId, Visibility};
use rounds::journal_club::{JcContext, calendar, handle_command, occurrences_report};
use rounds::store::SharedStore;

use crate::jc_support::*;
use crate::store_test;

fn console(user: &str, now: chrono::DateTime<chrono::Utc>) -> Invocation {
    Invocation {
        scope: Scope::new(Platform::Console, "local"),
        channel: ChannelId::new("general"),
        user: UserId::new(user),
        user_name: user.to_owned(),
        is_moderator: false,
        is_admin: false,
        at: now,
    }
}

store_test!(jc_console_acceptance, |store: SharedStore| async move {
    let ctx = offline_ctx(store.clone());
    let now = at("2026-11-25T12:00:00Z");
    let me = console("you", now);

    let started = Instant::now();
    let actions = handle_command(&ctx, &me, suggest("10.1056/NEJMoa2034577"))
        .await
        .unwrap_or_else(|e| panic!("{}", e.user_text()));
    assert!(started.elapsed().as_secs() < 5, "lookup hung the console");
    match actions.as_slice() {
        [BotAction::Reply { body, .. }] => {
            assert!(
                body.text.contains("DOI 10.1056/nejmoa2034577"),
                "{}",
                body.text
            );
            assert!(body.text.contains("couldn't reach"), "{}", body.text);
            assert!(body.text.contains("kept the suggestion"), "{}", body.text);
        }
        other => panic!("{other:?}"),
    }
    let q = reply(&ctx, &me, JcCommand::Queue).await;
    assert!(
        q.contains("1. **DOI 10.1056/nejmoa2034577**") && q.contains("0 votes"),
        "{q}"
    );
    let j = reply(&ctx, &me, JcCommand::Join).await;
    assert!(j.contains("Sun 29 Nov 2026, 20:00 GMT (UTC+00:00)"), "{j}");
    let n = reply(&ctx, &me, JcCommand::Next).await;
    assert!(
        n.contains("Sun 29 Nov 2026, 20:00 GMT") && n.contains("#journal-club"),
        "{n}"
    );
    assert!(n.contains("including you"), "{n}");

    // The console club posts in `journal-club`, and its thread id is the key.
    let club = store
        .jc_club(&Scope::new(Platform::Console, "local"))
        .await
        .expect("query")
        .expect("club");
    assert_eq!(club.channel.as_str(), "journal-club");
    let open = tick_at(&ctx, "2026-11-29T20:00:00Z").await;
    let key = match open
        .iter()
        .find(|a| matches!(a, BotAction::OpenThread { .. }))
    {
        Some(BotAction::OpenThread { key, channel, .. }) => {
            assert_eq!(channel.as_str(), "journal-club");
            key.clone()
        }
        _ => panic!("{open:?}"),
    };
    let scope = Scope::new(Platform::Console, "local");
    assert_eq!(
        rounds::journal_club::thread_for_key(&ctx, &scope, &key)
            .await
            .expect("lookup"),
        Some(ChannelId::new(key.clone()))
    );
});

store_test!(jc_withdraw_rules, |store: SharedStore| async move {
    let ctx = offline_ctx(store);
    let now = at("2026-11-25T12:00:00Z");
    reply(&ctx, &inv("alice", false, now), suggest("34525541")).await;
    reply(&ctx, &inv("alice", false, now), suggest("10.1136/bmj.n71")).await;
    let refused = user_error(
        &ctx,
        &inv("bob", false, now),
        JcCommand::Withdraw { paper: "1".into() },
    )
    .await;
    assert!(
        refused.contains("Only the member who suggested"),
        "{refused}"
    );
    let unknown = user_error(
        &ctx,
        &inv("alice", false, now),
        JcCommand::Withdraw {
            paper: "10.9999/none".into(),
        },
    )
    .await;
    assert!(unknown.contains("isn't in the queue"), "{unknown}");
    let mine = reply(
        &ctx,
        &inv("alice", false, now),
        JcCommand::Withdraw {
            paper: "PMID 34525541".into(),
        },
    )
    .await;
    assert!(mine.starts_with("Withdrawn"), "{mine}");
    let moderator = reply(
        &ctx,
        &inv("mod", true, now),
        JcCommand::Withdraw { paper: "1".into() },
    )
    .await;
    assert!(moderator.contains("Withdrawn"), "{moderator}");
    let q = reply(&ctx, &inv("bob", false, now), JcCommand::Queue).await;
    assert!(q.contains("queue is empty"), "{q}");
    // A withdrawn paper can be suggested again.
    let again = reply(&ctx, &inv("bob", false, now), suggest("34525541")).await;
    assert!(again.contains("New suggestion"), "{again}");
    let bad = user_error(&ctx, &inv("bob", false, now), suggest("PMC8442398")).await;
    assert!(bad.contains("PubMed Central"), "{bad}");
    let bad_vote = user_error(&ctx, &inv("bob", false, now), vote("7")).await;
    assert!(bad_vote.contains("isn't in the queue"), "{bad_vote}");
});

store_test!(jc_leave_and_visibility, |store: SharedStore| async move {
    let ctx = offline_ctx(store);
    let now = at("2026-11-25T12:00:00Z");
    let me = inv("alice", false, now);
    assert!(
        reply(&ctx, &me, JcCommand::Leave)
            .await
            .contains("hadn't joined")
    );
    reply(&ctx, &me, JcCommand::Join).await;
    assert!(
        reply(&ctx, &me, JcCommand::Join)
            .await
            .contains("already joined")
    );
    assert!(
        reply(&ctx, &me, JcCommand::Leave)
            .await
            .contains("cancelled")
    );
    for cmd in [
        JcCommand::Queue,
        JcCommand::Next,
        JcCommand::Attendance,
        JcCommand::Join,
    ] {
        let actions = handle_command(&ctx, &me, cmd)
            .await
            .unwrap_or_else(|e| panic!("{}", e.user_text()));
        assert!(
            matches!(
                actions.as_slice(),
                [BotAction::Reply {
                    visibility: Visibility::Private,
                    ..
                }]
            ),
            "{actions:?}"
        );
    }
});

store_test!(
    jc_calendar_and_occurrences,
    |store: SharedStore| async move {
        let ctx: JcContext = offline_ctx(store);
        let now = at("2026-11-25T12:00:00Z");
        reply(&ctx, &inv("alice", false, now), suggest("34525541")).await;
        tick_at(&ctx, "2026-11-27T20:00:00Z").await;
        let ics =
            rounds::journal_club::service::calendar_at(&ctx, &scope(), at("2026-11-28T00:00:00Z"))
                .await
                .expect("calendar");
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 8, "{ics}");
        assert!(ics.contains("DTSTART:20261129T200000Z"), "{ics}");
        let unfolded = ics.replace("\r\n ", "");
        assert!(
            unfolded.contains("SUMMARY:Journal club: PMID 34525541"),
            "{unfolded}"
        );
        assert!(
            unfolded.contains("URL:https://pubmed.ncbi.nlm.nih.gov/34525541/"),
            "{unfolded}"
        );
        // A community without a club gets the default schedule.
        let other = calendar(&ctx, &Scope::new(Platform::Discord, "99"))
            .await
            .expect("calendar");
        assert_eq!(other.matches("BEGIN:VEVENT").count(), 8);

        let club = ctx.store.jc_club(&scope()).await.expect("q").expect("club");
        let report = occurrences_report(
            &ctx,
            Some(club.id),
            chrono::NaiveDate::from_ymd_opt(2026, 10, 18).expect("date"),
            3,
        )
        .await
        .expect("report");
        assert!(
            report.contains("Sun 2026-10-18 19:00 UTC  |  Sun 18 Oct 2026, 20:00 BST"),
            "{report}"
        );
        assert!(
            report.contains("Sun 2026-10-25 20:00 UTC  |  Sun 25 Oct 2026, 20:00 GMT"),
            "{report}"
        );
        assert!(
            occurrences_report(&ctx, Some(club.id + 100), chrono::NaiveDate::MIN, 1)
                .await
                .is_err()
        );
    }
);

crate::store_test!(
    jc_schedule_sets_leads_reminders_and_questions,
    |store: SharedStore| async move {
        use rounds::domain::{ChannelId, Invocation, Platform, Scope, UserId};
        let bot = rounds::bot::Bot::new(rounds::config::Settings::default(), store).unwrap();
        let admin = Invocation {
            scope: Scope::new(Platform::Console, "local"),
            channel: ChannelId::new("general"),
            user: UserId::new("admin"),
            user_name: "admin".into(),
            is_moderator: true,
            is_admin: true,
            at: chrono::Utc::now(),
        };
        let run = |line: &'static str| {
            let bot = bot.clone();
            let admin = admin.clone();
            async move {
                let cmd = rounds::commands::parse(line).expect("parses");
                format!("{:?}", bot.handle_command(&admin, cmd).await)
            }
        };
        let out = run("/jc schedule --announce 72h --reminders 2h,30m --archive-after 12h --questions What was asked? | Was it randomised?").await;
        assert!(
            out.contains("announced 3 days ahead") || out.contains("72"),
            "{out}"
        );
        assert!(
            out.contains("2 hours before and 30 minutes before"),
            "{out}"
        );
        assert!(out.contains("2 discussion questions"), "{out}");
        let club = bot.store.jc_club(&admin.scope).await.unwrap().unwrap();
        assert_eq!(club.schedule.announce_lead, chrono::Duration::hours(72));
        assert_eq!(
            club.schedule.reminder_leads,
            vec![chrono::Duration::hours(2), chrono::Duration::minutes(30)]
        );
        assert_eq!(club.schedule.archive_after, chrono::Duration::hours(12));
        assert_eq!(
            club.questions,
            vec![
                "What was asked?".to_string(),
                "Was it randomised?".to_string()
            ]
        );
        let bad = run("/jc schedule --reminders 24h,soon").await;
        assert!(!bad.contains("Saved"), "{bad}");
        let none = run("/jc schedule --reminders none --questions default").await;
        assert!(
            none.contains("Reminders: none") && none.contains("the standard five"),
            "{none}"
        );
    }
);
