//! The Store contract: every test runs on SQLite and on PostgreSQL
//! (`store_contract::<test>::sqlite` / `::postgres` in the test output).

use chrono::{Duration, TimeZone, Utc};
use rounds::config::Policy;
use rounds::domain::{ChannelId, MessageId, Platform, Scope, UserId};
use rounds::phi::{Kind, Severity};
use rounds::store::{AlertFilter, AlertStatus, ChannelPolicy, NewAlert, Outcome, SharedStore};

use crate::store_test;

fn scope() -> Scope {
    Scope::new(Platform::Discord, "100")
}

fn new_alert(msg: &str, at: chrono::DateTime<Utc>) -> NewAlert {
    NewAlert {
        scope: scope(),
        channel: ChannelId::new("200"),
        message: MessageId::new(msg),
        author: UserId::new("300"),
        kinds: vec![(Kind::NhsNumber, 1), (Kind::Person, 2)],
        severity: Severity::High,
        hidden: false,
        at,
    }
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

store_test!(migrations_create_tables, |store: SharedStore| async move {
    let tables = store.table_names().await.unwrap();
    for t in [
        "alerts",
        "channel_policies",
        "guild_settings",
        "jobs",
        "nudges",
    ] {
        assert!(
            tables.contains(&t.to_string()),
            "{t} missing from {tables:?}"
        );
    }
    // Migrating twice is a no-op.
    store.migrate().await.unwrap();
});

store_test!(guild_settings_roundtrip, |store: SharedStore| async move {
    let s = store.guild_settings(&scope()).await.unwrap();
    assert_eq!(s.mod_channel, None);
    store
        .set_mod_channel(&scope(), &ChannelId::new("mods"))
        .await
        .unwrap();
    store
        .set_default_policy(&scope(), Policy::Hide)
        .await
        .unwrap();
    let s = store.guild_settings(&scope()).await.unwrap();
    assert_eq!(s.mod_channel, Some(ChannelId::new("mods")));
    assert_eq!(s.default_policy, Some(Policy::Hide));
    // Another community is unaffected.
    let other = store
        .guild_settings(&Scope::new(Platform::Matrix, "100"))
        .await
        .unwrap();
    assert_eq!(other.mod_channel, None);
});

store_test!(
    channel_policies_roundtrip,
    |store: SharedStore| async move {
        let ch = ChannelId::new("200");
        assert_eq!(store.channel_policy(&scope(), &ch).await.unwrap(), None);
        let p = ChannelPolicy {
            policy: Some(Policy::Strict),
            exempt: false,
        };
        store.set_channel_policy(&scope(), &ch, p).await.unwrap();
        assert_eq!(store.channel_policy(&scope(), &ch).await.unwrap(), Some(p));
        let p2 = ChannelPolicy {
            policy: None,
            exempt: true,
        };
        store.set_channel_policy(&scope(), &ch, p2).await.unwrap();
        assert_eq!(store.channel_policy(&scope(), &ch).await.unwrap(), Some(p2));
        let all = store.list_channel_policies(&scope()).await.unwrap();
        assert_eq!(all, vec![(ch, p2)]);
    }
);

store_test!(
    alert_created_once_per_message,
    |store: SharedStore| async move {
        let a = store
            .create_alert(&new_alert("m1", t0()))
            .await
            .unwrap()
            .expect("created");
        assert_eq!(a.status, AlertStatus::Open);
        assert_eq!(a.kinds, vec![(Kind::NhsNumber, 1), (Kind::Person, 2)]);
        assert_eq!(a.severity, Severity::High);
        assert_eq!(a.created_at, t0());
        // Duplicate delivery of the same message: no second alert.
        assert!(
            store
                .create_alert(&new_alert("m1", t0()))
                .await
                .unwrap()
                .is_none()
        );
        let b = store
            .create_alert(&new_alert("m2", t0()))
            .await
            .unwrap()
            .expect("second message");
        assert_ne!(a.id, b.id);
        let found = store
            .alert_for_message(&scope(), &ChannelId::new("200"), &MessageId::new("m1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, a.id);
        assert_eq!(store.alert(a.id).await.unwrap(), Some(a));
        assert_eq!(store.alert(9_999).await.unwrap(), None);
    }
);

store_test!(
    alert_lifecycle_and_listing,
    |store: SharedStore| async move {
        let mut a = store
            .create_alert(&new_alert("m1", t0()))
            .await
            .unwrap()
            .unwrap();
        let _b = store
            .create_alert(&new_alert("m2", t0() + Duration::days(2)))
            .await
            .unwrap()
            .unwrap();
        a.status = AlertStatus::Claimed;
        a.claimed_by = Some(UserId::new("mod1"));
        a.updated_at = t0() + Duration::hours(1);
        store.save_alert(&a).await.unwrap();
        a.status = AlertStatus::Resolved;
        a.outcome = Some(Outcome::FalsePositive);
        a.resolved_by = Some(UserId::new("mod1"));
        a.resolved_at = Some(t0() + Duration::hours(2));
        a.mod_ref = Some("555".into());
        store.save_alert(&a).await.unwrap();
        assert_eq!(store.alert(a.id).await.unwrap().unwrap(), a);

        let all = store
            .list_alerts(&scope(), &AlertFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[0].id > all[1].id, "newest first");
        let resolved = store
            .list_alerts(
                &scope(),
                &AlertFilter {
                    status: Some(AlertStatus::Resolved),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            resolved.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![a.id]
        );
        let recent = store
            .list_alerts(
                &scope(),
                &AlertFilter {
                    since: Some(t0() + Duration::days(1)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(recent.len(), 1);
        let limited = store
            .list_alerts(
                &scope(),
                &AlertFilter {
                    limit: Some(1),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(limited.len(), 1);
    }
);

store_test!(
    purge_only_old_resolved_alerts,
    |store: SharedStore| async move {
        let mut old = store
            .create_alert(&new_alert("old", t0()))
            .await
            .unwrap()
            .unwrap();
        old.status = AlertStatus::Resolved;
        old.outcome = Some(Outcome::TruePositive);
        old.resolved_at = Some(t0());
        store.save_alert(&old).await.unwrap();
        let open_old = store
            .create_alert(&new_alert("open", t0()))
            .await
            .unwrap()
            .unwrap();
        let mut recent = store
            .create_alert(&new_alert("recent", t0()))
            .await
            .unwrap()
            .unwrap();
        recent.status = AlertStatus::Resolved;
        recent.resolved_at = Some(t0() + Duration::days(100));
        store.save_alert(&recent).await.unwrap();

        let purged = store
            .purge_resolved_alerts(t0() + Duration::days(90))
            .await
            .unwrap();
        assert_eq!(purged, 1);
        assert!(store.alert(old.id).await.unwrap().is_none());
        assert!(
            store.alert(open_old.id).await.unwrap().is_some(),
            "open alerts are kept"
        );
        assert!(store.alert(recent.id).await.unwrap().is_some());
    }
);

store_test!(nudge_counting, |store: SharedStore| async move {
    let u = UserId::new("300");
    for i in 0..3 {
        store
            .record_nudge(Platform::Discord, &u, t0() + Duration::minutes(i))
            .await
            .unwrap();
    }
    store
        .record_nudge(Platform::Matrix, &u, t0())
        .await
        .unwrap();
    assert_eq!(
        store
            .count_nudges_since(Platform::Discord, &u, t0())
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .count_nudges_since(Platform::Discord, &u, t0() + Duration::minutes(1))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .count_nudges_since(Platform::Matrix, &u, t0())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .purge_nudges(t0() + Duration::minutes(2))
            .await
            .unwrap(),
        3
    );
});

store_test!(jobs_are_claimed_once, |store: SharedStore| async move {
    assert!(store.claim_job("purge:2026-11-01", t0()).await.unwrap());
    assert!(!store.claim_job("purge:2026-11-01", t0()).await.unwrap());
    assert!(store.claim_job("purge:2026-11-02", t0()).await.unwrap());
});

store_test!(
    dump_refuses_unknown_tables,
    |store: SharedStore| async move {
        assert!(store.dump_table("alerts; DROP TABLE alerts").await.is_err());
        store.create_alert(&new_alert("m1", t0())).await.unwrap();
        let cells = store.dump_table("alerts").await.unwrap();
        assert!(
            cells.contains(&"NHS_NUMBER:1,PERSON:2".to_string()),
            "{cells:?}"
        );
    }
);

store_test!(
    mod_ref_update_keeps_the_status,
    |store: SharedStore| async move {
        let mut a = store
            .create_alert(&new_alert("m1", t0()))
            .await
            .unwrap()
            .unwrap();
        a.status = AlertStatus::Resolved;
        a.outcome = Some(Outcome::FalsePositive);
        a.resolved_at = Some(t0());
        store.save_alert(&a).await.unwrap();
        store.set_alert_mod_ref(a.id, "chan/123").await.unwrap();
        let b = store.alert(a.id).await.unwrap().unwrap();
        assert_eq!(b.mod_ref.as_deref(), Some("chan/123"));
        assert_eq!(b.status, AlertStatus::Resolved);
        assert_eq!(b.outcome, Some(Outcome::FalsePositive));
    }
);
