//! `listen`: instant triggers tried locally. It serves a notify URL on 127.0.0.1, enables a
//! Notifications API channel pointing at it (`crmEnableNotifications`), hands every POSTed
//! body to `handle-notification` and prints its events as one JSON line on stdout, renews the
//! channel when it is due, and disables it when stopped (Ctrl-C, or after
//! `--max-notifications`).
//!
//! Bodies are handled one at a time, in the order they arrive, so events print in order. The
//! channel's token is never printed.
//!
//! With `--channel-key NAME` the channel lives in the store (`--store`), shared by every
//! replica listening under that name: the first enables it, each renewal happens once per due
//! time whichever replica gets there first (the others adopt the renewed channel), every
//! replica verifies notifications with the stored token, and a replica that stops leaves the
//! channel to the others.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::common::{ActionInput, Failure, print_error, print_log, read_input, wants_debug};
use super::connection::{ConnectionArgs, Resolved};
use super::context::Context;
use zoho_host::MemoryLog;
use zoho_host::output::scrub;
use zoho_host::store::Store;
use zoho_host::{CallContext, Harness};

/// Largest notification body accepted; Zoho's carry ids, not records.
const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Debug, Args)]
pub(super) struct ListenArgs {
    /// Port on 127.0.0.1 to serve the notify URL on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// crmEnableNotifications' inputs (events, expiryHours, fields, channelId, token); notifyUrl
    /// is this listener's unless --public-url is given.
    #[command(flatten)]
    input: ActionInput,

    /// The URL Zoho should POST to when it cannot reach 127.0.0.1 (a tunnel to this port).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,

    /// Stop (and disable the channel) after this many notifications.
    #[arg(long, value_name = "N")]
    max_notifications: Option<u64>,

    /// Stop (and disable the channel, unless shared) after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    max_seconds: Option<u64>,

    /// Share the channel with other replicas through the store under this name (give them
    /// one --public-url); a replica that stops leaves the channel enabled for the others.
    #[arg(long, value_name = "NAME")]
    channel_key: Option<String>,

    #[command(flatten)]
    target: ConnectionArgs,
}

/// A body received on the notify URL, and where to send the HTTP status to answer with.
type Received = (bytes::Bytes, oneshot::Sender<u16>);

pub(super) async fn run(args: ListenArgs, cx: Context<'_>) -> Result<i32, Failure> {
    let input = read_input(&args.input, cx.stdin)?;
    let Ok(Value::Object(mut enable)) = serde_json::from_str::<Value>(&input) else {
        return Err(Failure(
            "--input must be a JSON object of crmEnableNotifications' inputs".into(),
        ));
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| Failure(format!("could not listen on 127.0.0.1:{}: {e}", args.port)))?;
    let address = listener.local_addr()?;
    let notify_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}/zoho/notifications"));
    enable.insert("notifyUrl".into(), json!(notify_url));
    let debug = wants_debug(&input);

    let (resolved, harness) = cx.loader.connect(&args.target, cx.env).await?;
    let listening = Listening {
        harness: &harness,
        resolved: &resolved,
        debug,
    };
    let shared = match &args.channel_key {
        Some(key) => Some(SharedChannel {
            store: cx.loader.store(cx.env).await?,
            key: key.clone(),
        }),
        None => None,
    };
    let enabled = match &shared {
        Some(shared) => shared.establish(&listening, Value::Object(enable), cx.stderr).await?,
        None => listening
            .call("crmEnableNotifications", &Value::Object(enable), cx.stderr)
            .await?
            .map(|output| output["data"].clone()),
    };
    let mut channel = match enabled {
        Ok(channel) => channel,
        Err(error) => return print_error(&error, &resolved.provider.secrets(), cx.stdout),
    };
    writeln!(
        cx.stderr,
        "Listening on {notify_url} for channel {} ({}); it expires {} and is renewed at {}. Stop with Ctrl-C.",
        text(&channel["channelId"]),
        channel["events"],
        text(&channel["channelExpiry"]),
        text(&channel["renewAt"]),
    )?;
    cx.stderr.flush()?;

    let (sender, mut received) = mpsc::channel::<Received>(64);
    let server = tokio::spawn(serve(listener, sender));
    let mut handled = 0_u64;
    let until = args
        .max_seconds
        .map(|seconds| tokio::time::Instant::now() + Duration::from_secs(seconds));
    let code = loop {
        if args.max_notifications.is_some_and(|max| handled >= max) {
            break 0;
        }
        let renew_in = seconds_until(&channel["renewAt"]);
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break 0,
            () = sleep_until(until) => break 0,
            () = tokio::time::sleep(Duration::from_secs(renew_in)) => {
                channel = renew(&listening, shared.as_ref(), &channel, cx.stderr).await?;
            }
            next = received.recv() => {
                let Some((body, reply)) = next else { break 2 };
                if let Some(shared) = &shared {
                    // Another replica may have renewed it (or enabled a new one) since.
                    channel = shared.latest(channel).await?;
                }
                let body = String::from_utf8_lossy(&body).into_owned();
                let (status, renew_due) = listening.handle(&channel, &body, cx.stdout, cx.stderr).await?;
                let _ = reply.send(status);
                if status == 200 {
                    handled += 1;
                }
                if renew_due {
                    channel = renew(&listening, shared.as_ref(), &channel, cx.stderr).await?;
                }
            }
        }
    };
    server.abort();
    if shared.is_some() {
        writeln!(
            cx.stderr,
            "Left channel {} enabled for the other listeners of --channel-key.",
            text(&channel["channelId"])
        )?;
        return Ok(code);
    }
    let disabled = listening
        .call(
            "crmDisableNotifications",
            &json!({"channelIds": [channel["channelId"]]}),
            cx.stderr,
        )
        .await?;
    if let Err(error) = disabled {
        writeln!(
            cx.stderr,
            "could not disable the channel: {}",
            zoho_host::output::error_document(&error)
        )?;
    }
    Ok(code)
}

/// Seconds from now until `renewAt` (0 once it has passed; an hour, to look again, when it
/// cannot be read).
fn seconds_until(time: &Value) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match time.as_str().and_then(zoho_facts::instants::parse_iso) {
        Some(at) => u64::try_from(at).unwrap_or(0).saturating_sub(now),
        None => 3600,
    }
}

/// Sleeps until `until`, or for ever without one.
async fn sleep_until(until: Option<tokio::time::Instant>) {
    match until {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Renews the channel: by this listener alone, or once for every replica sharing it.
async fn renew(
    listening: &Listening<'_>,
    shared: Option<&SharedChannel>,
    channel: &Value,
    stderr: &mut dyn Write,
) -> Result<Value, Failure> {
    match shared {
        Some(shared) => shared.renew(listening, channel, stderr).await,
        None => listening.renew(channel, stderr).await,
    }
}

/// A channel kept in the store under a name, for every replica listening under it.
struct SharedChannel {
    store: Arc<dyn Store>,
    key: String,
}

/// How long a replica waits for another one enabling or renewing the channel.
const CHANNEL_WAIT: Duration = Duration::from_secs(45);

impl SharedChannel {
    /// The stored channel if it is still alive, else a new one enabled with `enable` and
    /// stored; decided under the channel's hold, so replicas starting together enable once.
    async fn establish(
        &self,
        listening: &Listening<'_>,
        enable: Value,
        stderr: &mut dyn Write,
    ) -> Result<Result<Value, zoho_host::Error>, Failure> {
        let hold = self.store.hold_channel(&self.key, CHANNEL_WAIT).await?;
        if let Some(stored) = hold.channel()
            && seconds_until(&stored.channel["channelExpiry"]) > 0
        {
            let channel = stored.channel.clone();
            hold.release().await;
            writeln!(
                stderr,
                "Joined channel {} from the store ({:?}).",
                text(&channel["channelId"]),
                self.key
            )?;
            return Ok(Ok(channel));
        }
        match listening.call("crmEnableNotifications", &enable, stderr).await? {
            Ok(output) => Ok(Ok(hold.save(output["data"].clone()).await?.channel)),
            Err(error) => {
                hold.release().await;
                Ok(Err(error))
            }
        }
    }

    /// The stored channel when it is newer than `channel`.
    async fn latest(&self, channel: Value) -> Result<Value, Failure> {
        Ok(match self.store.channel(&self.key).await? {
            Some(stored) if stored.channel["channelExpiry"] != channel["channelExpiry"] => stored.channel,
            _ => channel,
        })
    }

    /// Renews once per due time across replicas: under the hold, a channel another replica
    /// has already renewed is adopted instead.
    async fn renew(
        &self,
        listening: &Listening<'_>,
        channel: &Value,
        stderr: &mut dyn Write,
    ) -> Result<Value, Failure> {
        let hold = self.store.hold_channel(&self.key, CHANNEL_WAIT).await?;
        if let Some(stored) = hold.channel()
            && seconds_until(&stored.channel["renewAt"]) > 0
        {
            let adopted = stored.channel.clone();
            hold.release().await;
            writeln!(
                stderr,
                "Channel {} was renewed by another listener: it now expires {}.",
                text(&adopted["channelId"]),
                text(&adopted["channelExpiry"])
            )?;
            return Ok(adopted);
        }
        match listening.renew(channel, stderr).await {
            Ok(renewed) => Ok(hold.save(renewed).await?.channel),
            Err(failure) => {
                hold.release().await;
                Err(failure)
            }
        }
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// What a running listener needs for each call.
struct Listening<'a> {
    harness: &'a Harness,
    resolved: &'a Resolved,
    debug: bool,
}

impl Listening<'_> {
    fn context(&self, log: &MemoryLog) -> CallContext {
        CallContext::new(Arc::clone(&self.resolved.provider)).with_log(Arc::new(log.clone()))
    }

    /// Runs an action, its log on stderr; the output as JSON.
    async fn call(
        &self,
        key: &str,
        input: &Value,
        stderr: &mut dyn Write,
    ) -> Result<Result<Value, zoho_host::Error>, Failure> {
        let log = MemoryLog::default();
        let mut input = input.clone();
        if self.debug {
            input["debugRequest"] = json!(true);
        }
        let outcome = self
            .harness
            .invoke(&self.context(&log), key, &self.resolved.connection, &input.to_string())
            .await;
        let secrets = self.resolved.provider.secrets();
        print_log(&log, self.debug, &secrets, stderr)?;
        Ok(outcome
            .map_err(|e| Failure(scrub(&e.to_string(), &secrets)))?
            .map(|output| serde_json::from_str(&output).unwrap_or(Value::Null)))
    }

    /// Renews the channel (same events and token, same lifetime as asked at first).
    async fn renew(&self, channel: &Value, stderr: &mut dyn Write) -> Result<Value, Failure> {
        let input = json!({
            "channelId": channel["channelId"],
            "events": channel["events"],
            "token": channel["token"],
            "notifyUrl": channel["notifyUrl"],
        });
        match self.call("crmRenewNotifications", &input, stderr).await? {
            Ok(output) => {
                let renewed = output["data"].clone();
                writeln!(
                    stderr,
                    "Renewed channel {}: it now expires {}.",
                    text(&renewed["channelId"]),
                    text(&renewed["channelExpiry"])
                )?;
                Ok(renewed)
            }
            Err(error) => Err(Failure(format!(
                "could not renew the channel: {}",
                scrub(
                    &zoho_host::output::error_document(&error).to_string(),
                    &self.resolved.provider.secrets()
                )
            ))),
        }
    }

    /// Handles one body: its events as one line on stdout (HTTP 200), or the refusal on stderr
    /// (403 for a body not from this channel, 500 when the records could not be fetched, so
    /// Zoho may send it again). Also says whether renewal is due.
    async fn handle(
        &self,
        channel: &Value,
        body: &str,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<(u16, bool), Failure> {
        let log = MemoryLog::default();
        let outcome = self
            .harness
            .handle_notification(
                &self.context(&log),
                &self.resolved.connection,
                &channel.to_string(),
                body,
            )
            .await;
        let secrets = self.resolved.provider.secrets();
        print_log(&log, self.debug, &secrets, stderr)?;
        match outcome.map_err(|e| Failure(scrub(&e.to_string(), &secrets)))? {
            Ok(result) => {
                let events: Value = serde_json::from_str(&result.events).unwrap_or(Value::Null);
                writeln!(stdout, "{}", scrub(&events.to_string(), &secrets))?;
                stdout.flush()?;
                let state: Value = serde_json::from_str(&result.state).unwrap_or(Value::Null);
                Ok((200, state["renewDue"] == json!(true)))
            }
            Err(error) => {
                let document = zoho_host::output::error_document(&error);
                writeln!(
                    stderr,
                    "notification not handled: {}",
                    scrub(&document.to_string(), &secrets)
                )?;
                let refused = document["error"]["kind"] == "invalid-input";
                Ok((if refused { 403 } else { 500 }, false))
            }
        }
    }
}

/// Serves the notify URL: every POST body goes to the main loop, which answers its status.
async fn serve(listener: tokio::net::TcpListener, sender: mpsc::Sender<Received>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let sender = sender.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let sender = sender.clone();
                async move {
                    let status = if request.method() == hyper::Method::POST {
                        match http_body_util::Limited::new(request.into_body(), MAX_BODY_BYTES)
                            .collect()
                            .await
                        {
                            Ok(body) => {
                                let (reply, answer) = oneshot::channel();
                                if sender.send((body.to_bytes(), reply)).await.is_ok() {
                                    answer.await.unwrap_or(503)
                                } else {
                                    503
                                }
                            }
                            Err(_) => 413,
                        }
                    } else {
                        405
                    };
                    hyper::Response::builder()
                        .status(status)
                        .body(http_body_util::Empty::<bytes::Bytes>::new())
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}
