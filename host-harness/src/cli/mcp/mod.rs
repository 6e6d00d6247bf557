//! `mcp`: every action and polling trigger as Model Context Protocol tools, for AI agents. On
//! `rmcp`, the official Rust SDK, through a hand-written `ServerHandler` (`server.rs`) over
//! the catalog the component's manifests give (`catalog.rs`, with `hints.rs`). Over stdio by
//! default, or Streamable HTTP at `/mcp` (`http.rs`); the protocol's initialize era
//! (2025-06-18, 2025-11-25) and 2026-07-28's per-request envelope with `server/discover`
//! are both rmcp's.
//!
//! stdout carries the protocol alone; the component's log goes to stderr, redacted.

mod catalog;
mod hints;
mod http;
mod server;

use std::net::SocketAddr;

use clap::Args;
use rmcp::ServiceExt;

use super::common::Failure;
use super::connection::ConnectionArgs;
use super::context::Context;
use catalog::{Catalog, DEFAULT_LIMIT};
use server::ZohoTools;

#[derive(Debug, Args)]
pub(super) struct McpArgs {
    /// Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio. Every request must carry
    /// `Authorization: Bearer $ZOHO_MCP_TOKEN`; without that variable the server starts only on
    /// a loopback address.
    #[arg(long, value_name = "HOST:PORT")]
    http: Option<SocketAddr>,

    /// List these toolsets (crm, books, triggers, bulk, notifications, raw, metadata, all)
    /// instead of the default list of everyday reads, writes and triggers.
    #[arg(long, value_name = "SET,...", value_delimiter = ',')]
    toolsets: Vec<String>,

    /// List these tools (action and trigger keys), with any --toolsets.
    #[arg(long, value_name = "KEY,...", value_delimiter = ',')]
    tools: Vec<String>,

    /// List only read-only tools, and have runAction refuse anything else before it sends a
    /// request.
    #[arg(long)]
    read_only: bool,

    /// Results larger than this (JSON bytes) end at a record boundary with `more: true` and a
    /// cursor for the rest.
    #[arg(long, value_name = "BYTES", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1_000..=100_000_000))]
    max_result_bytes: u64,

    /// Hosts besides the bound address that Host and Origin may name (a reverse proxy's name),
    /// for --http.
    #[arg(long, value_name = "HOST,...", value_delimiter = ',')]
    allowed_hosts: Vec<String>,

    /// Trace each HTTP exchange with Zoho on stderr, Authorization redacted.
    #[arg(long)]
    debug: bool,

    #[command(flatten)]
    target: ConnectionArgs,
}

pub(super) async fn run(args: McpArgs, cx: Context<'_>) -> Result<i32, Failure> {
    let (resolved, harness) = cx.loader.connect(&args.target, cx.env).await?;
    let actions = harness.list_actions().await?;
    let triggers = harness.list_triggers().await?;
    let catalog = Catalog::new(&actions, &triggers, &args.toolsets, &args.tools, args.read_only).map_err(Failure)?;
    if args.toolsets.is_empty() && args.tools.is_empty() && catalog.listed.len() + 3 > DEFAULT_LIMIT {
        return Err(Failure(format!(
            "the default list has {} tools, more than {DEFAULT_LIMIT}",
            catalog.listed.len() + 3
        )));
    }
    let max_result_bytes = usize::try_from(args.max_result_bytes).unwrap_or(usize::MAX);
    let tools = ZohoTools::new(harness, resolved, catalog, max_result_bytes, args.debug);
    match args.http {
        Some(address) => {
            let token = (cx.env)("ZOHO_MCP_TOKEN").filter(|t| !t.trim().is_empty());
            http::serve(tools, address, token, &args.allowed_hosts, cx.stderr).await?;
        }
        None => {
            let running = tools
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| Failure(format!("the MCP session could not start: {e}")))?;
            running
                .waiting()
                .await
                .map_err(|e| Failure(format!("the MCP session ended with an error: {e}")))?;
        }
    }
    Ok(0)
}
