//! The optional HTTP endpoint (`[http] enabled = true`): `GET /health` and
//! `GET /calendar.ics[?community=PLATFORM:ID]`, the journal club's iCalendar
//! feed. Read-only; it serves no member data beyond session dates and papers.

use crate::bot::Bot;
use crate::domain::{Platform, Scope};
use anyhow::{Context, Result};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio::net::TcpListener;
use tracing::{info, warn};

/// Bind `addr` and serve until `shutdown` resolves.
pub async fn serve(bot: Bot, addr: &str, shutdown: impl Future<Output = ()>) -> Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the HTTP endpoint to {addr}"))?;
    info!(addr = %listener.local_addr()?, "HTTP endpoint listening");
    serve_on(bot, listener, shutdown).await
}

/// Serve on an already bound listener (tests bind port 0).
pub async fn serve_on(
    bot: Bot,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted.context("accepting an HTTP connection")?,
            () = &mut shutdown => return Ok(()),
        };
        let bot = bot.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let bot = bot.clone();
                async move { Ok::<_, std::convert::Infallible>(route(&bot, req).await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                warn!(error = %e, "HTTP connection ended with an error");
            }
        });
    }
}

fn text(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    resp
}

async fn route(bot: &Bot, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() != hyper::Method::GET {
        return text(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
    }
    match req.uri().path() {
        "/health" => text(StatusCode::OK, "text/plain", "ok\n"),
        "/calendar.ics" => {
            let community = req
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("community=")))
                .map(|v| v.replace("%3A", ":").replace("%3a", ":"));
            match calendar(bot, community.as_deref()).await {
                Ok(Some(ics)) => text(StatusCode::OK, "text/calendar; charset=utf-8", ics),
                Ok(None) => text(
                    StatusCode::NOT_FOUND,
                    "text/plain",
                    "no journal club for that community (use ?community=PLATFORM:ID)\n",
                ),
                Err(e) => {
                    let shown = crate::error::BotError::Internal(e).user_text();
                    text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "text/plain",
                        shown + "\n",
                    )
                }
            }
        }
        _ => text(StatusCode::NOT_FOUND, "text/plain", "not found\n"),
    }
}

/// The feed for `community` (`platform:id`), or for the only/first club when none is named.
async fn calendar(bot: &Bot, community: Option<&str>) -> Result<Option<String>> {
    let scope = match community {
        Some(c) => {
            let Some((p, g)) = c.split_once(':') else {
                return Ok(None);
            };
            let Some(platform) = Platform::parse(p) else {
                return Ok(None);
            };
            Scope::new(platform, g)
        }
        None => match bot.store.jc_clubs().await?.into_iter().next() {
            Some(club) => club.scope,
            None => return Ok(None),
        },
    };
    if bot.store.jc_club(&scope).await?.is_none() {
        return Ok(None);
    }
    crate::journal_club::service::calendar(&bot.jc, &scope)
        .await
        .map(Some)
}
