//! `mcp --http`: Streamable HTTP at `/mcp`, served by hyper in front of rmcp's service.
//!
//! Every request must carry `Authorization: Bearer <ZOHO_MCP_TOKEN>` (401 otherwise, compared
//! in constant time); without a token the server starts on a loopback address only. Host and
//! Origin are checked against the bound address (and `--allowed-hosts`) by rmcp (403), which
//! keeps a web page's DNS rebinding away from the tools. Stops on Ctrl-C.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest, Sha256};

use super::server::ZohoTools;
use crate::cli::common::Failure;

const PATH: &str = "/mcp";

pub(super) async fn serve(
    tools: ZohoTools,
    address: SocketAddr,
    token: Option<String>,
    allowed_hosts: &[String],
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    if token.is_none() && !address.ip().is_loopback() {
        return Err(Failure(format!(
            "--http {address} is not a loopback address: set ZOHO_MCP_TOKEN, which every request must then carry as Authorization: Bearer"
        )));
    }
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| Failure(format!("could not listen on {address}: {e}")))?;
    let bound = listener.local_addr()?;
    let mut hosts: Vec<String> = if bound.ip().is_loopback() {
        vec!["localhost".into(), "127.0.0.1".into(), "::1".into()]
    } else {
        vec![bound.ip().to_string()]
    };
    hosts.extend(allowed_hosts.iter().cloned());
    let origins: Vec<String> = hosts
        .iter()
        .flat_map(|host| {
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            ["http", "https"].map(|scheme| format!("{scheme}://{host}:{}", bound.port()))
        })
        .collect();
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation();
    let factory = move || Ok(tools.clone());
    let service = Arc::new(StreamableHttpService::new(
        factory,
        Arc::new(LocalSessionManager::default()),
        config,
    ));
    // The token's digest, so each request is compared in constant time whatever its length.
    let expected = token.map(|token| Sha256::digest(format!("Bearer {token}").as_bytes()));
    if expected.is_none() {
        writeln!(
            stderr,
            "zoho-harness: warning: ZOHO_MCP_TOKEN is not set: any process on this machine may use the tools"
        )?;
    }
    writeln!(
        stderr,
        "zoho-harness: serving MCP at http://{bound}{PATH}; stop with Ctrl-C"
    )?;
    println!("ZOHO_MCP_URL=http://{bound}{PATH}");
    std::io::stdout().flush()?;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let service = Arc::clone(&service);
        tokio::spawn(async move {
            let handler = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let service = Arc::clone(&service);
                async move {
                    if request.uri().path() != PATH {
                        return Ok::<_, Infallible>(plain(404, "not found: the MCP endpoint is /mcp"));
                    }
                    if let Some(expected) = expected {
                        let given = request
                            .headers()
                            .get(hyper::header::AUTHORIZATION)
                            .map(|v| Sha256::digest(v.as_bytes()));
                        if given.is_none_or(|given| !constant_time_eq(&given, &expected)) {
                            let mut response = plain(401, "unauthorized: send Authorization: Bearer <ZOHO_MCP_TOKEN>");
                            response.headers_mut().insert(
                                hyper::header::WWW_AUTHENTICATE,
                                hyper::header::HeaderValue::from_static("Bearer"),
                            );
                            return Ok(response);
                        }
                    }
                    Ok(service.handle(request).await)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), handler)
                .await;
        });
    }
}

fn plain(status: u16, text: &'static str) -> hyper::Response<http_body_util::combinators::BoxBody<Bytes, Infallible>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())).boxed());
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// Equal digests, compared without stopping at the first difference (a few lines; no crate
/// for it is in the tree, and the digests are fixed-length).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
