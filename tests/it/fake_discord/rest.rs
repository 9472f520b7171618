//! The REST half: an HTTP/1 server that records every request and answers from the route table.
//!
//! Invariants: the request is recorded before its responder runs and before the answer leaves,
//! so a test that saw the client's future complete also sees the record; a path outside
//! `/api/v10`, or one no route matches, is answered 404 with a Discord-style error body and kept
//! as unexpected; bodies over 16 MiB are refused (413) and recorded as unexpected.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::{RecordedRequest, Reply, RestCall, Shared};

const API_PREFIX: &str = "/api/v10";
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Accepts connections until aborted; each connection runs in `tasks`.
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
        set.spawn(async move {
            let service = service_fn(move |req| handle(Arc::clone(&shared), req));
            // A client hanging up mid-request is not the fake's concern.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Matches `path` against `pattern`; `{name}` segments capture one segment each.
pub(super) fn match_path(pattern: &str, path: &str) -> Option<HashMap<String, String>> {
    let pat: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if pat.len() != segs.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (p, s) in pat.iter().zip(&segs) {
        if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if s.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), (*s).to_owned());
        } else if p != s {
            return None;
        }
    }
    Some(params)
}

/// The `payload_json` part of a multipart body, or the body itself if it is JSON.
fn json_body(content_type: &str, text: &str) -> Option<Value> {
    if content_type.starts_with("multipart/") {
        let start = text.find("name=\"payload_json\"")?;
        let rest = &text[start..];
        let body_start = rest.find("\r\n\r\n")? + 4;
        let rest = &rest[body_start..];
        let end = rest.find("\r\n--").unwrap_or(rest.len());
        return serde_json::from_str(&rest[..end]).ok();
    }
    if text.trim().is_empty() {
        return None;
    }
    serde_json::from_str(text).ok()
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().as_str().to_ascii_uppercase();
    let full_path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let content_type = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (bytes, too_large) = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => (collected.to_bytes(), false),
        Err(_) => (Bytes::new(), true),
    };
    let body_text = String::from_utf8_lossy(&bytes).into_owned();
    let body = json_body(&content_type, &body_text);
    let path = full_path.strip_prefix(API_PREFIX).map(str::to_owned);

    let reply = {
        let mut st = shared.lock();
        let index = st.requests.len();
        let mut record = RecordedRequest {
            index,
            method: method.clone(),
            path: path.clone().unwrap_or_else(|| full_path.clone()),
            query,
            body,
            body_text,
            route: None,
            status: 404,
        };
        let matched = if too_large {
            None
        } else {
            path.as_deref().and_then(|p| {
                st.routes
                    .iter()
                    .rev()
                    .filter(|r| r.method == method)
                    .find_map(|r| match_path(&r.pattern, p).map(|params| (r.clone(), params)))
            })
        };
        let reply = match matched {
            Some((route, params)) => {
                record.route = Some(route.pattern.clone());
                let state = &mut *st;
                let mut call = RestCall {
                    request: &record,
                    params: &params,
                    world: &shared.world,
                    store: &mut state.store,
                    gateway_url: &shared.gateway_url,
                };
                (route.responder.0)(&mut call)
            }
            None if too_large => Reply::error(413, 40005, "Request entity too large"),
            None => Reply::error(404, 0, "404: Not Found (no route registered in the fake)"),
        };
        record.status = reply.status;
        st.requests.push(record);
        reply
    };
    shared.notify();

    let mut builder = Response::builder().status(reply.status);
    let body = match reply.body {
        Some(v) => {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
            Full::new(Bytes::from(v.to_string()))
        }
        None => Full::new(Bytes::new()),
    };
    let response = builder.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(Full::new(Bytes::from(
            json!({"code": 0, "message": "bad status"}).to_string(),
        )));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    });
    Ok(response)
}
