//! The journal-club scheduler driven by a fake clock, on SQLite and PostgreSQL.
//!
//! The default club meets on Sundays at 20:00 Europe/London for 60 minutes: the session of
//! Sun 29 Nov 2026 starts at 20:00Z, is announced Fri 27 Nov 20:00Z, reminded Sat 28 Nov 20:00Z
//! and Sun 29 Nov 19:00Z, closes at 21:00Z and is archived Mon 30 Nov 21:00Z.

use rounds::commands::JcCommand;
use rounds::domain::{BotAction, ChannelId, IncomingMessage, MessageId, UserId, Visibility};
use rounds::journal_club::service::occurrence_key;
use rounds::journal_club::{JcContext, on_message, thread_for_key, thread_opened, tick};
use rounds::store::SharedStore;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::jc_support::*;
use crate::store_test;

const NEJM: &str = "10.1056/NEJMoa2034577";

async fn club_key(ctx: &JcContext, start: &str) -> String {
    let club = ctx
        .store
        .jc_club(&scope())
        .await
        .expect("club query")
        .expect("club exists");
    occurrence_key(club.id, at(start))
}

fn message(author: &str, channel: &str, n: u32, bot: bool) -> IncomingMessage {
    IncomingMessage {
        scope: scope(),
        channel: ChannelId::new(channel),
        channel_name: "thread".into(),
        thread: None,
        message: MessageId::new(format!("m{n}")),
        author: UserId::new(author),
        author_name: author.into(),
        author_is_bot: bot,
        text: "CANARY discussion text".into(),
        edited: false,
        link: None,
        at: at("2026-11-29T20:10:00Z"),
    }
}

store_test!(jc_full_cycle, |store: SharedStore| async move {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/works/10.1056/nejmoa2034577"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "ok",
            "message": {
                "DOI": "10.1056/NEJMoa2034577",
                "title": ["Colchicine in Patients with Chronic Coronary Disease"],
                "container-title": ["New England Journal of Medicine"],
                "author": [{"family": "Nidorf", "given": "Stefan M."}],
                "issued": {"date-parts": [[2020, 8, 31]]}
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
    // PubMed is not mocked: the lookup of the PMID gets a 404 and the suggestion is kept.
    let ctx = JcContext::with_metadata(store.clone(), settings(), metadata(&server.uri()));
    let t0 = at("2026-11-25T12:00:00Z");

    let a = reply(&ctx, &inv("alice", false, t0), suggest(NEJM)).await;
    assert!(a.contains("Colchicine in Patients"), "{a}");
    assert!(a.contains("number 1 in the queue"), "{a}");
    let b = reply(&ctx, &inv("bob", false, t0), suggest("PMID: 34525541")).await;
    assert!(b.contains("PMID 34525541"), "{b}");
    assert!(b.contains("kept the suggestion"), "{b}");
    let dup = reply(
        &ctx,
        &inv("carol", false, t0),
        suggest("https://doi.org/10.1056/nejmoa2034577"),
    )
    .await;
    assert!(dup.contains("already in the queue (number 1"), "{dup}");

    // Votes: alice → 1, bob → 2, carol → 1 then moves to 2: paper 2 wins 2–1.
    assert!(
        reply(&ctx, &inv("alice", false, t0), vote("1"))
            .await
            .starts_with("Vote recorded")
    );
    assert!(
        reply(&ctx, &inv("bob", false, t0), vote("34525541"))
            .await
            .starts_with("Vote recorded")
    );
    assert!(
        reply(&ctx, &inv("carol", false, t0), vote(NEJM))
            .await
            .starts_with("Vote recorded")
    );
    let moved = reply(&ctx, &inv("carol", false, t0), vote("pmid:34525541")).await;
    assert!(moved.starts_with("Moved your vote"), "{moved}");
    let again = reply(&ctx, &inv("carol", false, t0), vote("34525541")).await;
    assert!(again.starts_with("You've already voted"), "{again}");
    let q = reply(&ctx, &inv("dave", false, t0), JcCommand::Queue).await;
    let pos_b = q.find("PMID 34525541").expect("B listed");
    let pos_a = q.find("Colchicine").expect("A listed");
    assert!(pos_b < pos_a, "top-voted first: {q}");
    assert!(q.contains("— 2 votes") && q.contains("— 1 vote"), "{q}");

    for who in ["bob", "carol"] {
        let j = reply(&ctx, &inv(who, false, t0), JcCommand::Join).await;
        assert!(j.starts_with("You're in"), "{j}");
    }
    let next = reply(&ctx, &inv("bob", false, t0), JcCommand::Next).await;
    assert!(next.contains("Sun 29 Nov 2026, 20:00 GMT"), "{next}");
    assert!(
        next.contains("2 members have joined so far, including you"),
        "{next}"
    );

    assert!(tick_at(&ctx, "2026-11-25T12:00:00Z").await.is_empty());
    let key = club_key(&ctx, "2026-11-29T20:00:00Z").await;

    // Announce: the winning paper, the questions, and a scheduled event.
    let announce = tick_at(&ctx, "2026-11-27T20:00:00Z").await;
    assert_eq!(kinds(&announce), ["post", "schedule_event"]);
    let (channel, body) = post(&announce[0]);
    assert_eq!(channel.as_str(), JC_ROOM);
    assert!(body.text.contains("PMID 34525541"), "{}", body.text);
    assert!(
        body.text.contains("\n1. What question") && body.text.contains("\n5. "),
        "{}",
        body.text
    );
    match &announce[1] {
        BotAction::ScheduleEvent { event, .. } => {
            assert_eq!(event.key, key);
            assert_eq!(event.start, at("2026-11-29T20:00:00Z"));
            assert_eq!(event.end, at("2026-11-29T21:00:00Z"));
            assert_eq!(event.location, JC_ROOM);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        tick_at(&ctx, "2026-11-27T20:00:00Z").await.is_empty(),
        "double tick"
    );
    assert!(tick_at(&ctx, "2026-11-27T20:05:00Z").await.is_empty());

    // Reminders mention the members who joined.
    for (when, lead) in [
        ("2026-11-28T20:00:00Z", "24 hours"),
        ("2026-11-29T19:00:00Z", "1 hour"),
    ] {
        let r = tick_at(&ctx, when).await;
        assert_eq!(kinds(&r), ["post"], "{when}");
        let (channel, body) = post(&r[0]);
        assert_eq!(channel.as_str(), JC_ROOM);
        assert!(
            body.text.contains(&format!("starts in {lead}")),
            "{}",
            body.text
        );
        assert_eq!(body.mentions, [UserId::new("bob"), UserId::new("carol")]);
        assert!(body.text.contains("bob") && body.text.contains("carol"));
        assert!(
            tick_at(&ctx, when).await.is_empty(),
            "double tick at {when}"
        );
    }

    // Open: the thread, titled with the date and the paper.
    let open = tick_at(&ctx, "2026-11-29T20:00:00Z").await;
    assert_eq!(kinds(&open), ["open_thread"]);
    match &open[0] {
        BotAction::OpenThread {
            channel,
            key: k,
            title,
            body,
            ..
        } => {
            assert_eq!(channel.as_str(), JC_ROOM);
            assert_eq!(k, &key);
            assert_eq!(title, "Journal club — 29 Nov 2026: PMID 34525541");
            assert!(body.text.contains("1. What question"), "{}", body.text);
            assert_eq!(body.mentions, [UserId::new("bob"), UserId::new("carol")]);
        }
        other => panic!("{other:?}"),
    }
    assert!(tick_at(&ctx, "2026-11-29T20:00:00Z").await.is_empty());
    thread_opened(&ctx, &scope(), &key, &ChannelId::new("$thread"))
        .await
        .expect("thread recorded");
    assert_eq!(
        thread_for_key(&ctx, &scope(), &key).await.expect("lookup"),
        Some(ChannelId::new("$thread"))
    );
    let next = reply(
        &ctx,
        &inv("bob", false, at("2026-11-29T20:05:00Z")),
        JcCommand::Next,
    )
    .await;
    assert!(
        next.contains("happening now") && next.contains("PMID 34525541"),
        "{next}"
    );

    // Messages in the thread count; bots and other rooms don't.
    for (n, (who, room, bot)) in [
        ("bob", "$thread", false),
        ("bob", "$thread", false),
        ("carol", "$thread", false),
        ("erin", "!general:example.org", false),
        ("rounds", "$thread", true),
    ]
    .into_iter()
    .enumerate()
    {
        on_message(&ctx, &message(who, room, n as u32, bot))
            .await
            .expect("counted");
    }
    // On Matrix a thread lives inside its room: the thread root identifies the session.
    let mut in_room_thread = message("dave", "!club:example.org", 7, false);
    in_room_thread.thread = Some(ChannelId::new("$thread"));
    on_message(&ctx, &in_room_thread).await.expect("counted");

    // Close: wrap-up in the thread, then lock it.
    let close = tick_at(&ctx, "2026-11-29T21:00:00Z").await;
    assert_eq!(kinds(&close), ["post_in_thread", "close_thread"]);
    match (&close[0], &close[1]) {
        (
            BotAction::PostInThread { key: k1, body, .. },
            BotAction::CloseThread { key: k2, lock, .. },
        ) => {
            assert_eq!((k1, k2, *lock), (&key, &key, true));
            assert!(
                body.text.contains("3 members shared 4 messages"),
                "{}",
                body.text
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(tick_at(&ctx, "2026-11-29T21:00:00Z").await.is_empty());
    // Messages after the close no longer count.
    on_message(&ctx, &message("bob", "$thread", 9, false))
        .await
        .expect("ignored");
    assert!(
        tick_at(&ctx, "2026-11-30T21:00:00Z").await.is_empty(),
        "archive posts nothing"
    );

    // After the session: the discussed paper is recognised; the other stays queued.
    let after = at("2026-12-01T09:00:00Z");
    let again = reply(&ctx, &inv("erin", false, after), suggest("34525541")).await;
    assert!(
        again.contains("already discussed at the session on 29 Nov 2026"),
        "{again}"
    );
    let q = reply(&ctx, &inv("erin", false, after), JcCommand::Queue).await;
    assert!(
        q.contains("1. **Colchicine") && q.contains("0 votes"),
        "{q}"
    );
    assert!(!q.contains("34525541"), "{q}");

    // Attendance: bob joined and posted twice; carol once; erin has nothing.
    let bob = reply(&ctx, &inv("bob", false, after), JcCommand::Attendance).await;
    assert!(
        bob.contains("Sun 29 Nov 2026") && bob.contains("joined, 2 messages"),
        "{bob}"
    );
    assert!(
        bob.contains("https://pubmed.ncbi.nlm.nih.gov/34525541/"),
        "{bob}"
    );
    let carol = reply(&ctx, &inv("carol", false, after), JcCommand::Attendance).await;
    assert!(carol.contains("joined, 1 message"), "{carol}");
    let erin = reply(&ctx, &inv("erin", false, after), JcCommand::Attendance).await;
    assert!(erin.contains("no journal-club sessions"), "{erin}");
    let private = handle_command_visibility(&ctx, "bob", after).await;
    assert_eq!(private, Visibility::Private);
});

async fn handle_command_visibility(
    ctx: &JcContext,
    user: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Visibility {
    let actions =
        rounds::journal_club::handle_command(ctx, &inv(user, false, now), JcCommand::Attendance)
            .await
            .unwrap_or_else(|e| panic!("{}", e.user_text()));
    match actions.as_slice() {
        [BotAction::Reply { visibility, .. }] => *visibility,
        other => panic!("{other:?}"),
    }
}

store_test!(jc_restart_mid_session, |store: SharedStore| async move {
    let t0 = at("2026-11-25T12:00:00Z");
    let first = offline_ctx(store.clone());
    reply(&first, &inv("alice", false, t0), suggest(NEJM)).await;
    reply(&first, &inv("alice", false, t0), JcCommand::Join).await;
    for when in [
        "2026-11-27T20:00:00Z",
        "2026-11-28T20:00:00Z",
        "2026-11-29T19:00:00Z",
    ] {
        assert_eq!(
            tick_at(&first, when).await.len(),
            if when.starts_with("2026-11-27") { 2 } else { 1 }
        );
    }
    assert_eq!(
        kinds(&tick_at(&first, "2026-11-29T20:00:00Z").await),
        ["open_thread"]
    );
    drop(first);

    // A new process on the same database: nothing is re-posted, the session closes once.
    let second = offline_ctx(store.clone());
    for when in [
        "2026-11-29T20:00:00Z",
        "2026-11-29T20:01:00Z",
        "2026-11-29T19:00:00Z",
        "2026-11-28T20:00:00Z",
    ] {
        assert!(
            tick_at(&second, when).await.is_empty(),
            "re-posted at {when}"
        );
    }
    assert_eq!(
        kinds(&tick_at(&second, "2026-11-29T21:00:00Z").await),
        ["post_in_thread", "close_thread"]
    );
    assert!(tick_at(&second, "2026-11-29T21:30:00Z").await.is_empty());
});

store_test!(
    jc_open_discussion_without_suggestions,
    |store: SharedStore| async move {
        let ctx = offline_ctx(store);
        let t0 = at("2026-11-25T12:00:00Z");
        let q = reply(&ctx, &inv("alice", false, t0), JcCommand::Queue).await;
        assert!(q.contains("queue is empty"), "{q}");
        let announce = tick_at(&ctx, "2026-11-27T20:00:00Z").await;
        assert_eq!(kinds(&announce), ["post", "schedule_event"]);
        assert!(
            post(&announce[0]).1.text.contains("Open discussion"),
            "{:?}",
            announce[0]
        );
        let r = tick_at(&ctx, "2026-11-28T20:00:00Z").await;
        assert!(post(&r[0]).1.text.contains("open discussion"), "{:?}", r[0]);
        assert!(post(&r[0]).1.mentions.is_empty());
        tick_at(&ctx, "2026-11-29T19:00:00Z").await;
        let open = tick_at(&ctx, "2026-11-29T20:00:00Z").await;
        match open.as_slice() {
            [BotAction::OpenThread { title, .. }] => {
                assert_eq!(title, "Journal club — 29 Nov 2026: Open discussion")
            }
            other => panic!("{other:?}"),
        }
        let close = tick_at(&ctx, "2026-11-29T21:00:00Z").await;
        match close.as_slice() {
            [
                BotAction::PostInThread { body, .. },
                BotAction::CloseThread { lock: true, .. },
            ] => {
                assert!(
                    body.text
                        .contains("0 members shared 0 messages in the open discussion"),
                    "{}",
                    body.text
                )
            }
            other => panic!("{other:?}"),
        }
        // A suggestion made now waits for the next session.
        let late = at("2026-11-29T22:00:00Z");
        reply(&ctx, &inv("bob", false, late), suggest(NEJM)).await;
        let announce = tick_at(&ctx, "2026-12-04T20:00:00Z").await;
        assert!(
            post(&announce[0])
                .1
                .text
                .contains("DOI 10.1056/nejmoa2034577"),
            "{:?}",
            announce[0]
        );
    }
);

store_test!(jc_skip_by_admin, |store: SharedStore| async move {
    let ctx = offline_ctx(store);
    let t0 = at("2026-11-25T12:00:00Z");
    reply(&ctx, &inv("alice", false, t0), suggest(NEJM)).await;
    let refused = user_error(&ctx, &inv("alice", false, t0), JcCommand::Skip).await;
    assert!(refused.contains("Only admins"), "{refused}");

    // After the announcement, an admin skips: the event is cancelled and members told.
    assert_eq!(tick_at(&ctx, "2026-11-27T20:00:00Z").await.len(), 2);
    let when = at("2026-11-27T21:00:00Z");
    let actions =
        rounds::journal_club::handle_command(&ctx, &inv("admin", true, when), JcCommand::Skip)
            .await
            .unwrap_or_else(|e| panic!("{}", e.user_text()));
    let key = club_key(&ctx, "2026-11-29T20:00:00Z").await;
    assert_eq!(kinds(&actions), ["cancel_event", "post", "reply"]);
    assert!(matches!(&actions[0], BotAction::CancelEvent { key: k, .. } if *k == key));
    let (channel, body) = post(&actions[1]);
    assert_eq!(channel.as_str(), JC_ROOM);
    assert!(
        body.text.contains("cancelled") && body.text.contains("Sun 6 Dec 2026"),
        "{}",
        body.text
    );

    // Nothing more happens for the skipped session.
    for when in [
        "2026-11-28T20:00:00Z",
        "2026-11-29T19:00:00Z",
        "2026-11-29T20:00:00Z",
        "2026-11-29T21:00:00Z",
        "2026-11-30T21:00:00Z",
    ] {
        assert!(tick_at(&ctx, when).await.is_empty(), "acted at {when}");
    }
    // The paper went back to the queue and is announced for the next session.
    let next = reply(
        &ctx,
        &inv("alice", false, at("2026-11-30T22:00:00Z")),
        JcCommand::Next,
    )
    .await;
    assert!(next.contains("Sun 6 Dec 2026"), "{next}");
    let announce = tick_at(&ctx, "2026-12-04T20:00:00Z").await;
    assert!(
        post(&announce[0])
            .1
            .text
            .contains("DOI 10.1056/nejmoa2034577"),
        "{:?}",
        announce[0]
    );
});

store_test!(
    jc_missed_steps_reported_to_moderators,
    |store: SharedStore| async move {
        store
            .set_mod_channel(&scope(), &ChannelId::new("!mods:example.org"))
            .await
            .expect("mod channel");
        let ctx = offline_ctx(store);
        let t0 = at("2026-11-25T12:00:00Z");
        reply(&ctx, &inv("alice", false, t0), suggest(NEJM)).await;
        reply(&ctx, &inv("bob", false, t0), JcCommand::Join).await;
        // The bot was down from before the announcement until 30 minutes after the last reminder.
        let late = tick_at(&ctx, "2026-11-29T19:30:00Z").await;
        assert_eq!(kinds(&late), ["post", "post"], "{late:?}");
        let (room, reminder) = post(&late[0]);
        assert_eq!(room.as_str(), JC_ROOM);
        assert!(
            reminder.text.contains("starts in 1 hour"),
            "{}",
            reminder.text
        );
        assert_eq!(reminder.mentions, [UserId::new("bob")]);
        let (mods, report) = post(&late[1]);
        assert_eq!(mods.as_str(), "!mods:example.org");
        assert!(
            report.text.contains("The announcement") && report.text.contains("Reminder 1"),
            "{}",
            report.text
        );
        assert!(!report.text.contains("Reminder 2"), "{}", report.text);
        assert!(
            tick_at(&ctx, "2026-11-29T19:31:00Z").await.is_empty(),
            "reported once"
        );
        // The session still opens, with the paper chosen late.
        let open = tick_at(&ctx, "2026-11-29T20:00:00Z").await;
        match open.as_slice() {
            [BotAction::OpenThread { body, .. }] => assert!(body.text.contains("nejmoa2034577")),
            other => panic!("{other:?}"),
        }
    }
);

/// Ticks at the given instants (every step of some sessions); returns the instants at which a
/// thread was opened, and fails on any moderator report (a step missed).
async fn open_instants(ctx: &JcContext, instants: &[&str]) -> Vec<String> {
    let mut opened = Vec::new();
    for when in instants {
        let actions = tick_at(ctx, when).await;
        assert!(
            actions.iter().all(|a| !matches!(a, BotAction::Post { channel, .. } if channel.as_str().contains("mods"))),
            "unexpected moderator report at {when}"
        );
        if actions
            .iter()
            .any(|a| matches!(a, BotAction::OpenThread { .. }))
        {
            opened.push((*when).to_owned());
        }
    }
    opened
}

store_test!(
    jc_dst_spring_keeps_local_hour,
    |store: SharedStore| async move {
        store
            .set_mod_channel(&scope(), &ChannelId::new("!mods:example.org"))
            .await
            .expect("mod channel");
        let ctx = offline_ctx(store);
        reply(
            &ctx,
            &inv("alice", false, at("2026-03-18T12:00:00Z")),
            JcCommand::Join,
        )
        .await;
        // 22 Mar is GMT (20:00Z); 29 Mar is BST (19:00Z): 20:00 local both weeks.
        let opened = open_instants(
            &ctx,
            &[
                "2026-03-20T20:00:00Z",
                "2026-03-21T20:00:00Z",
                "2026-03-22T19:00:00Z",
                "2026-03-22T20:00:00Z",
                "2026-03-22T21:00:00Z",
                "2026-03-23T21:00:00Z",
                "2026-03-27T19:00:00Z",
                "2026-03-28T19:00:00Z",
                "2026-03-29T18:00:00Z",
                "2026-03-29T19:00:00Z",
                "2026-03-29T20:00:00Z",
            ],
        )
        .await;
        assert_eq!(opened, ["2026-03-22T20:00:00Z", "2026-03-29T19:00:00Z"]);
    }
);

store_test!(
    jc_dst_autumn_keeps_local_hour,
    |store: SharedStore| async move {
        store
            .set_mod_channel(&scope(), &ChannelId::new("!mods:example.org"))
            .await
            .expect("mod channel");
        let ctx = offline_ctx(store);
        reply(
            &ctx,
            &inv("alice", false, at("2026-10-14T12:00:00Z")),
            JcCommand::Join,
        )
        .await;
        // 18 Oct is BST (19:00Z); 25 Oct is GMT (20:00Z).
        let opened = open_instants(
            &ctx,
            &[
                "2026-10-16T19:00:00Z",
                "2026-10-17T19:00:00Z",
                "2026-10-18T18:00:00Z",
                "2026-10-18T19:00:00Z",
                "2026-10-18T20:00:00Z",
                "2026-10-19T20:00:00Z",
                "2026-10-23T20:00:00Z",
                "2026-10-24T20:00:00Z",
                "2026-10-25T19:00:00Z",
                "2026-10-25T19:59:00Z",
                "2026-10-25T20:00:00Z",
                "2026-10-25T21:00:00Z",
            ],
        )
        .await;
        assert_eq!(opened, ["2026-10-18T19:00:00Z", "2026-10-25T20:00:00Z"]);
    }
);

store_test!(
    jc_invalid_schedule_values,
    |store: SharedStore| async move {
        let ctx = offline_ctx(store.clone());
        let t0 = at("2026-11-25T12:00:00Z");
        let change =
            |day: Option<&str>, time: Option<&str>, tz: Option<&str>, duration: Option<&str>| {
                JcCommand::Schedule {
                    day: day.map(str::to_owned),
                    time: time.map(str::to_owned),
                    tz: tz.map(str::to_owned),
                    duration: duration.map(str::to_owned),
                    channel: None,
                    announce: None,
                    reminders: None,
                    archive_after: None,
                    questions: None,
                }
            };
        let member = user_error(
            &ctx,
            &inv("alice", false, t0),
            change(Some("mon"), None, None, None),
        )
        .await;
        assert!(member.contains("Only admins"), "{member}");
        let admin = inv("admin", true, t0);
        let hour = user_error(&ctx, &admin, change(None, Some("25:00"), None, None)).await;
        assert!(hour.contains("0–23"), "{hour}");
        let zone = user_error(
            &ctx,
            &admin,
            change(None, None, Some("Mars/Olympus_Mons"), None),
        )
        .await;
        assert!(zone.contains("Europe/London"), "{zone}");
        let abbrev = user_error(&ctx, &admin, change(None, None, Some("EST"), None)).await;
        assert!(abbrev.contains("abbreviation"), "{abbrev}");
        let day = user_error(&ctx, &admin, change(Some("someday"), None, None, None)).await;
        assert!(day.contains("weekday"), "{day}");
        let long = user_error(&ctx, &admin, change(None, None, None, Some("9h"))).await;
        assert!(long.contains("out of range"), "{long}");
        // Nothing was saved by the failed attempts.
        let club = store.jc_club(&scope()).await.expect("query").expect("club");
        assert_eq!(
            club.schedule,
            rounds::journal_club::schedule::ClubSchedule::default()
        );

        let ok = reply(
            &ctx,
            &admin,
            change(
                Some("tue"),
                Some("7:30pm"),
                Some("America/New_York"),
                Some("90m"),
            ),
        )
        .await;
        assert!(ok.starts_with("Saved."), "{ok}");
        assert!(ok.contains("Tue 1 Dec 2026, 19:30 EST (UTC-05:00)"), "{ok}");
        let club = store.jc_club(&scope()).await.expect("query").expect("club");
        assert_eq!(club.schedule.timezone, chrono_tz::America::New_York);
        assert_eq!(club.schedule.duration, chrono::Duration::minutes(90));
        // The scheduler follows the new schedule: 19:30 EST is 00:30Z the next day.
        let open = tick(&ctx, at("2026-12-02T00:30:00Z")).await.expect("tick");
        assert!(
            open.iter()
                .any(|a| matches!(a, BotAction::OpenThread { .. })),
            "{open:?}"
        );
    }
);

/// Two contexts on one database (two connection pools), ticked concurrently over every step of
/// a session: each step's actions are emitted exactly once in total.
async fn race(url: &str) {
    let a = offline_ctx(rounds::store::connect(url).await.expect("store a"));
    let b = offline_ctx(rounds::store::connect(url).await.expect("store b"));
    let t0 = at("2026-11-25T12:00:00Z");
    reply(&a, &inv("alice", false, t0), suggest(NEJM)).await;
    reply(&b, &inv("bob", false, t0), JcCommand::Join).await;
    let mut all = Vec::new();
    for when in [
        "2026-11-27T20:00:00Z",
        "2026-11-28T20:00:00Z",
        "2026-11-29T19:00:00Z",
        "2026-11-29T20:00:00Z",
        "2026-11-29T21:00:00Z",
        "2026-11-30T21:00:00Z",
    ] {
        for _ in 0..3 {
            let (x, y) = tokio::join!(tick(&a, at(when)), tick(&b, at(when)));
            all.extend(x.expect("tick a"));
            all.extend(y.expect("tick b"));
        }
    }
    let mut counts = std::collections::BTreeMap::new();
    for action in &all {
        *counts.entry(action.kind()).or_insert(0) += 1;
    }
    let want: std::collections::BTreeMap<&str, i32> = [
        ("post", 3),
        ("schedule_event", 1),
        ("open_thread", 1),
        ("post_in_thread", 1),
        ("close_thread", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, want, "{all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jc_two_instances_race_postgres() {
    let Some(db) = crate::support::TestDb::postgres().await else {
        return;
    };
    race(&db.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jc_two_instances_race_sqlite() {
    let db = crate::support::TestDb::sqlite().await;
    race(&db.url).await;
}
