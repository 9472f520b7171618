//! The HTTP endpoint: health and the journal-club calendar feed.

use rounds::bot::Bot;
use rounds::config::Settings;
use rounds::domain::{ChannelId, Invocation, Platform, Scope, UserId};

#[tokio::test]
async fn health_and_calendar() {
    let db = crate::support::TestDb::sqlite().await;
    let bot = Bot::new(Settings::default(), db.store.clone()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rounds::http::serve_on(bot.clone(), listener, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");

    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    // No club yet: a clear 404.
    let none = client
        .get(format!("{base}/calendar.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);

    // A club starts on first use.
    let inv = Invocation {
        scope: Scope::new(Platform::Console, "local"),
        channel: ChannelId::new("general"),
        user: UserId::new("amy"),
        user_name: "amy".into(),
        is_moderator: false,
        is_admin: false,
        at: chrono::Utc::now(),
    };
    bot.handle_command(
        &inv,
        rounds::commands::Command::Jc(rounds::commands::JcCommand::Next),
    )
    .await;
    let feed = client
        .get(format!("{base}/calendar.ics?community=console:local"))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let body = feed.text().await.unwrap();
    assert!(
        body.starts_with("BEGIN:VCALENDAR") && body.contains("BEGIN:VEVENT"),
        "{body}"
    );
    let unknown = client
        .get(format!("{base}/calendar.ics?community=discord:1"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let post = client.post(format!("{base}/health")).send().await.unwrap();
    assert_eq!(post.status(), 405);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
