//! `listen`: instant triggers tried locally. It serves a notify URL on 127.0.0.1, enables a
//! Notifications API channel pointing at it (`crmEnableNotifications`), hands every POSTed
//! body to `handle-notification` and prints its events as one JSON line on stdout, renews the
//! channel when it is due, and disables it when stopped (Ctrl-C, or after
//! `--max-notifications`).
//!
//! Bodies are handled one at a time, in the order they arrive, so events print in order. The
//! channel's token stays in memory: it is never printed.

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
    let output = match listening
        .call("crmEnableNotifications", &Value::Object(enable), cx.stderr)
        .await?
    {
        Ok(output) => output,
        Err(error) => return print_error(&error, &resolved.provider.secrets(), cx.stdout),
    };
    let mut channel = output["data"].clone();
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
    let code = loop {
        if args.max_notifications.is_some_and(|max| handled >= max) {
            break 0;
        }
        let renew_in = seconds_until(&channel["renewAt"]);
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break 0,
            () = tokio::time::sleep(Duration::from_secs(renew_in)) => {
                channel = listening.renew(&channel, cx.stderr).await?;
            }
            next = received.recv() => {
                let Some((body, reply)) = next else { break 2 };
                let body = String::from_utf8_lossy(&body).into_owned();
                let (status, renew_due) = listening.handle(&channel, &body, cx.stdout, cx.stderr).await?;
                let _ = reply.send(status);
                if status == 200 {
                    handled += 1;
                }
                if renew_due {
                    channel = listening.renew(&channel, cx.stderr).await?;
                }
            }
        }
    };
    server.abort();
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
    match time.as_str().and_then(utc_seconds) {
        Some(at) => at.saturating_sub(now),
        None => 3600,
    }
}

/// `2026-03-28T13:20:28+00:00`, the UTC form the component writes `renewAt` in, to Unix
/// seconds. Hand-written: the only date the CLI ever reads.
fn utc_seconds(text: &str) -> Option<u64> {
    let date = text.get(..10)?;
    let time = text.get(11..19)?;
    if text.get(19..)? != "+00:00" {
        return None;
    }
    let mut parts = date.split('-').map(str::parse::<i64>);
    let (year, month, day) = (parts.next()?.ok()?, parts.next()?.ok()?, parts.next()?.ok()?);
    let mut clock = time.split(':').map(str::parse::<i64>);
    let (hour, minute, second) = (clock.next()?.ok()?, clock.next()?.ok()?, clock.next()?.ok()?);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    u64::try_from(days * 86_400 + hour * 3600 + minute * 60 + second).ok()
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
