//! Keep-alive connections for the component's outbound requests, shared by every call a
//! [`Harness`](crate::harness::Harness) runs: the `send_request` hook hands requests here once the
//! allowlist has admitted them.
//!
//! wasmtime's stock client opens a TCP connection (and a TLS session) per request, which costs
//! a handshake per page against Zoho. Here, per origin, idle HTTP/1.1 connections wait (at most
//! `max_idle_per_origin`, at most `idle_timeout`) for the next request. A connection returns to
//! the pool only once its response body was read to the end without error; a body dropped
//! early, a timeout or any error closes it. A request is retried on a fresh connection only
//! when hyper hands it back unsent (the pooled connection had closed), so nothing is sent twice.
//! TLS sessions are resumed through one shared rustls configuration.
//!
//! Each connection is driven by a task on the tokio runtime that opened it. A harness shared by
//! several runtimes works as long as they all keep running; a runtime blocked by its own thread
//! stalls the connections it opened until their timeouts.
//!
//! Written against hyper's connection API rather than hyper-util's pooled client: the guest's
//! per-request connect, first-byte and between-bytes timeouts apply exactly as in wasmtime's
//! client, and the reuse rule above stays visible in one small file.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::Scheme;
use http_body::{Body, Frame, SizeHint};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error, WasiBody};

/// How long a pooled connection that is still finishing its previous exchange may take to
/// become ready before a new one is opened instead.
const READY_WAIT: Duration = Duration::from_millis(200);

/// Pool settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// Idle connections kept per origin; 0 turns pooling off (a connection per request).
    pub max_idle_per_origin: usize,
    /// An idle connection older than this is closed rather than reused; kept below the idle
    /// timeouts of common servers so a request rarely meets a connection being closed.
    pub idle_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_idle_per_origin: 32,
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// The timeouts of one request (already capped by the harness).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub first_byte: Duration,
    pub between_bytes: Duration,
}

/// Connections opened and reused so far, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub opened: u64,
    pub reused: u64,
}

struct Idle {
    sender: SendRequest<WasiBody>,
    since: Instant,
}

struct Shared {
    config: PoolConfig,
    tls: tokio_rustls::TlsConnector,
    idle: Mutex<HashMap<String, Vec<Idle>>>,
    opened: AtomicU64,
    reused: AtomicU64,
}

/// A pool of keep-alive connections; clones share it.
#[derive(Clone)]
pub struct ConnectionPool {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionPool")
            .field("config", &self.shared.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Where a request goes: the pool key and what connecting needs.
struct Origin {
    key: String,
    authority: String,
    host: String,
    tls: bool,
}

impl Origin {
    fn of(uri: &http::Uri) -> Result<Self, Error> {
        let tls = uri.scheme() == Some(&Scheme::HTTPS);
        let host = uri.host().ok_or(Error::HttpRequestUriInvalid)?.to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let authority = format!("{host}:{port}");
        Ok(Self {
            key: format!("{}://{authority}", if tls { "https" } else { "http" }),
            authority,
            host,
            tls,
        })
    }
}

/// TLS verifying servers against the Mozilla roots (webpki-roots), as wasmtime's client does;
/// the PostgreSQL store uses it too.
pub(crate) fn mozilla_tls() -> Result<rustls::ClientConfig, rustls::Error> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.into(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|builder| builder.with_root_certificates(roots).with_no_client_auth())
}

impl ConnectionPool {
    /// A pool verifying TLS against the Mozilla roots (webpki-roots), as wasmtime's client does.
    pub fn new(config: PoolConfig) -> Self {
        match mozilla_tls() {
            Ok(tls) => Self::with_tls(config, tls),
            // ring supports the default versions; this arm only keeps construction infallible.
            Err(_) => Self::with_tls(
                config,
                rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            ),
        }
    }

    /// A pool with its own TLS configuration (custom roots, tests).
    pub fn with_tls(config: PoolConfig, tls: rustls::ClientConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                config,
                tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
                idle: Mutex::new(HashMap::new()),
                opened: AtomicU64::new(0),
                reused: AtomicU64::new(0),
            }),
        }
    }

    pub fn config(&self) -> PoolConfig {
        self.shared.config
    }

    pub fn stats(&self) -> PoolStats {
        PoolStats {
            opened: self.shared.opened.load(Ordering::Relaxed),
            reused: self.shared.reused.load(Ordering::Relaxed),
        }
    }

    /// Sends `request` (absolute URI) on a pooled or new connection.
    pub async fn send(
        &self,
        mut request: http::Request<WasiBody>,
        timeouts: Timeouts,
    ) -> Result<http::Response<WasiBody>, Error> {
        let origin = Origin::of(request.uri())?;
        // The request line carries only the path: the authority is in the Host header.
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
        *request.uri_mut() = http::Uri::builder()
            .path_and_query(path)
            .build()
            .map_err(|_| Error::HttpRequestUriInvalid)?;
        loop {
            let (mut sender, reused) = match self.checkout(&origin.key).await {
                Some(sender) => (sender, true),
                None => (self.connect(&origin, timeouts.connect).await?, false),
            };
            let sent = tokio::time::timeout(timeouts.first_byte, sender.try_send_request(request)).await;
            match sent {
                Err(_) => return Err(Error::ConnectionReadTimeout),
                Ok(Ok(response)) => {
                    if reused {
                        self.shared.reused.fetch_add(1, Ordering::Relaxed);
                    }
                    let between_bytes = timeouts.between_bytes.max(Duration::from_nanos(1));
                    let mut interval = tokio::time::interval(between_bytes);
                    interval.reset();
                    let reuse =
                        (self.shared.config.max_idle_per_origin > 0).then(|| (self.clone(), origin.key, sender));
                    return Ok(response.map(|incoming| {
                        http_body_util::BodyExt::boxed_unsync(PooledBody {
                            incoming,
                            interval,
                            reuse,
                        })
                    }));
                }
                Ok(Err(mut failed)) => match failed.take_message() {
                    // Never written: the pooled connection had closed. Safe to send again.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(hyper_error(failed.into_error())),
                },
            }
        }
    }

    /// The most recently used idle connection to `key` that is still open and ready.
    async fn checkout(&self, key: &str) -> Option<SendRequest<WasiBody>> {
        loop {
            let idle = self
                .shared
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_mut(key)?
                .pop()?;
            if idle.since.elapsed() >= self.shared.config.idle_timeout || idle.sender.is_closed() {
                continue;
            }
            let mut sender = idle.sender;
            if sender.is_ready() {
                return Some(sender);
            }
            // Just checked in: hyper is still settling the previous exchange.
            if let Ok(Ok(())) = tokio::time::timeout(READY_WAIT, sender.ready()).await {
                return Some(sender);
            }
        }
    }

    /// Returns a connection whose exchange ended cleanly.
    fn check_in(&self, key: String, sender: SendRequest<WasiBody>) {
        if sender.is_closed() {
            return;
        }
        let config = self.shared.config;
        let mut pools = self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // Expired connections of every origin go now, so an origin no longer called does not
        // keep its sockets.
        for idle in pools.values_mut() {
            idle.retain(|c| c.since.elapsed() < config.idle_timeout && !c.sender.is_closed());
        }
        pools.retain(|_, idle| !idle.is_empty());
        let idle = pools.entry(key).or_default();
        if idle.len() < config.max_idle_per_origin {
            idle.push(Idle {
                sender,
                since: Instant::now(),
            });
        }
    }

    async fn connect(&self, origin: &Origin, timeout: Duration) -> Result<SendRequest<WasiBody>, Error> {
        let connecting = async {
            let tcp = TcpStream::connect(&origin.authority).await.map_err(Error::Connect)?;
            // Requests are small and answered before the next is sent; Nagle would only delay.
            let _ = tcp.set_nodelay(true);
            if origin.tls {
                let name = server_name(&origin.host)?;
                let stream = self.shared.tls.connect(name, tcp).await.map_err(Error::Tls)?;
                handshake(TokioIo::new(stream)).await
            } else {
                handshake(TokioIo::new(tcp)).await
            }
        };
        let sender = tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| Error::ConnectionTimeout)??;
        self.shared.opened.fetch_add(1, Ordering::Relaxed);
        Ok(sender)
    }
}

fn server_name(host: &str) -> Result<rustls::pki_types::ServerName<'static>, Error> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(rustls::pki_types::ServerName::from(ip));
    }
    Ok(rustls::pki_types::ServerName::try_from(bare.to_owned())?)
}

/// An HTTP/1.1 handshake over `io`, with the connection driven by its own task for as long as
/// it lives (in the pool or in use).
async fn handshake<T>(io: T) -> Result<SendRequest<WasiBody>, Error>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::Builder::new()
        .handshake(io)
        .await
        .map_err(hyper_error)?;
    tokio::spawn(async move {
        // A failed connection surfaces to whoever is reading its response body; nobody else
        // is waiting on it.
        let _ = connection.await;
    });
    Ok(sender)
}

fn hyper_error(error: hyper::Error) -> Error {
    if error.is_timeout() {
        Error::HttpResponseTimeout
    } else {
        Error::from(error)
    }
}

/// A response body that enforces the between-bytes timeout and, read to its end, gives its
/// connection back to the pool.
struct PooledBody {
    incoming: hyper::body::Incoming,
    interval: tokio::time::Interval,
    /// Taken when the body ends cleanly; dropped (closing the connection) otherwise.
    reuse: Option<(ConnectionPool, String, SendRequest<WasiBody>)>,
}

impl PooledBody {
    fn finished(&mut self) {
        if let Some((pool, key, sender)) = self.reuse.take() {
            pool.check_in(key, sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(None) => {
                self.finished();
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(error))) => {
                self.reuse = None;
                Poll::Ready(Some(Err(hyper_error(error))))
            }
            Poll::Ready(Some(Ok(frame))) => {
                self.interval.reset();
                if self.incoming.is_end_stream() {
                    self.finished();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                ready!(self.interval.poll_tick(cx));
                self.reuse = None;
                Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
