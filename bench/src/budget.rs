//! Zoho's API budget: the credits each job costs, as fake-zoho's meter charges them by Zoho's
//! table, beside the least Zoho allows and beside a whole-module poll as Prismatic's trigger
//! makes one (every page of the module, 200 records a page, on every poll); and the calls in
//! flight at one organization when 100 are made at once.

use std::sync::Arc;
use std::time::Duration;

use fake_zoho::{FakeZoho, Fault};
use serde_json::{Value, json};
use zoho_host::{CallContext, Harness};

use crate::report::{Row, Table};
use crate::setup::CONNECTION;

/// The module a trigger watches: 10,000 leads.
const MODULE_SIZE: usize = 10_000;
/// Prismatic's poll reads the whole module, 200 records a page: a credit a page.
const WHOLE_MODULE_POLL: u64 = (MODULE_SIZE as u64).div_ceil(200);
/// Seconds past a change for it to settle by Zoho's clock.
const LATER: i64 = 5;

pub async fn rows(table: &mut Table) -> anyhow::Result<()> {
    let harness = crate::setup::loopback_harness()?;
    let fake = FakeZoho::start()?;
    seed(&fake, MODULE_SIZE);
    let context = crate::setup::context(&fake);
    let input = json!({"recordType": "Leads", "fields": "Last_Name,Email"}).to_string();

    let anchor = poll(&harness, &context, &input, None).await?;
    fake.advance_clock(LATER);
    fake.reset_credits();
    poll(&harness, &context, &input, Some(&anchor)).await?;
    table.push(credits_row(
        "an idle `crmNewRecords` poll",
        fake.credits_charged(),
        1,
        Some(WHOLE_MODULE_POLL),
    ));

    fake.advance_clock(1);
    seed(&fake, 150);
    fake.advance_clock(LATER);
    fake.reset_credits();
    poll(&harness, &context, &input, Some(&anchor)).await?;
    table.push(credits_row(
        "a `crmNewRecords` poll returning 150 new leads with `fields` Last_Name,Email",
        fake.credits_charged(),
        1,
        Some(WHOLE_MODULE_POLL),
    ));

    let dir = std::env::temp_dir().join(format!("zoho-bench-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    for (action, export_input, least) in [
        (
            "crmGetRecords",
            r#"{"recordType":"Leads","fields":"Last_Name","maxRecords":10000}"#,
            50,
        ),
        (
            "crmRunQuery",
            r#"{"query":"select Last_Name from Leads where Last_Name is not null","maxRecords":10000}"#,
            15,
        ),
    ] {
        fake.reset_credits();
        let out = dir.join(format!("{action}.ndjson"));
        cli(
            &fake,
            &[
                "export",
                action,
                "--input",
                export_input,
                "--output",
                &out.to_string_lossy(),
            ],
        )
        .await?;
        table.push(credits_row(
            &format!("`zoho-harness export` of 10,000 leads through `{action}`"),
            fake.credits_charged(),
            least,
            None,
        ));
    }

    let csv = dir.join("leads.csv");
    let mut rows = String::from("Last_Name,Email\n");
    for i in 0..1_000 {
        rows.push_str(&format!("Imported {i},imported{i}@zylker.com\n"));
    }
    std::fs::write(&csv, rows)?;
    fake.set_bulk_step(Duration::from_millis(20));
    fake.reset_credits();
    cli(
        &fake,
        &[
            "bulk-write",
            "--input",
            r#"{"operation":"insert","recordType":"Leads"}"#,
            "--file",
            &csv.to_string_lossy(),
        ],
    )
    .await?;
    // Through the records API: 10 inserts of 100 records, 1 credit per 10 records.
    table.push(credits_row(
        "`zoho-harness bulk-write` of 1,000 leads",
        fake.credits_charged(),
        100,
        None,
    ));
    let _ = std::fs::remove_dir_all(&dir);

    books_idle_poll(table, &harness, &fake, &context).await?;

    // 100 calls at once to one organization whose limit is 10 (Zoho's Standard edition).
    fake.set_concurrency_limit(Some(10));
    fake.inject("/crm/v8/Leads", Fault::Delay(Duration::from_millis(20)), 100);
    let harness = Arc::new(harness);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let (harness, context) = (Arc::clone(&harness), context.clone());
        calls.spawn(async move {
            harness
                .invoke(
                    &context,
                    "crmGetRecords",
                    CONNECTION,
                    r#"{"recordType":"Leads","fields":"Last_Name","perPage":1,"maxRetries":0}"#,
                )
                .await
        });
    }
    while let Some(call) = calls.join_next().await {
        call??.map_err(|e| anyhow::anyhow!("a concurrent call failed: {e:?}"))?;
    }
    let (most, refused) = fake.concurrency();
    table.push(Row {
        figure: "100 calls at once to one organization with a limit of 10: most in flight at fake-zoho, and its 429s"
            .into(),
        component: format!("{most} in flight, {refused} refused"),
        native: "-".into(),
        ratio: "-".into(),
        target: "at most 10, no 429".into(),
        met: most <= 10 && refused == 0,
    });
    Ok(())
}

/// Invoices a Books trigger watches: 2,000, ten pages of 200.
const INVOICES: usize = 2_000;

/// Books meters requests, not credits: an idle `booksUpdatedRecords` poll on invoices, which
/// document the `last_modified_time` filter, beside a poll that reads the whole list (what the
/// trigger did before it read Zoho's Books documents, and what Prismatic's Books trigger does).
async fn books_idle_poll(
    table: &mut Table,
    harness: &Harness,
    fake: &FakeZoho,
    context: &CallContext,
) -> anyhow::Result<()> {
    let organization = fake.books_organization_id();
    let invoices: Vec<Value> = (0..INVOICES)
        .map(|i| json!({"customer_id": "460000000026049", "invoice_number": format!("INV-{i:05}")}))
        .collect();
    fake.seed_books(&organization, "invoices", "invoice_id", &invoices);
    fake.advance_clock(1);
    let input = json!({"recordType": "invoices"}).to_string();
    let poll = |state: Option<String>| {
        let input = input.clone();
        async move {
            harness
                .poll(context, "booksUpdatedRecords", CONNECTION, &input, state.as_deref())
                .await?
                .map_err(|e| anyhow::anyhow!("the Books poll failed: {e:?}"))
                .map(|outcome| outcome.state)
        }
    };
    let anchor = poll(None).await?;
    fake.advance_clock(LATER);
    fake.clear_requests();
    poll(Some(anchor)).await?;
    let sent = fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/books/v3/"))
        .count();
    let whole_list = INVOICES.div_ceil(200);
    // Every 5 minutes for a day: what a Standard organization's 2,000 requests must cover.
    let per_day = |requests: usize| requests * 288;
    table.push(Row {
        figure: format!(
            "requests: an idle `booksUpdatedRecords` poll over {INVOICES} invoices (and a day of polls every 5 minutes)"
        ),
        component: format!(
            "{sent} request{} ({} a day)",
            if sent == 1 { "" } else { "s" },
            per_day(sent)
        ),
        native: format!(
            "whole list: {whole_list} requests ({} a day); Books Standard allows 2,000 a day",
            per_day(whole_list)
        ),
        ratio: "-".into(),
        target: "at most 1".into(),
        met: sent <= 1,
    });
    Ok(())
}

fn credits_row(figure: &str, charged: u64, least: u64, whole_module: Option<u64>) -> Row {
    let native = match whole_module {
        Some(whole) => format!("least Zoho allows: {least}; a whole-module poll (Prismatic): {whole}"),
        None => format!("least Zoho allows: {least}"),
    };
    Row {
        figure: format!("credits: {figure}"),
        component: format!("{charged} credit{}", if charged == 1 { "" } else { "s" }),
        native,
        ratio: "-".into(),
        target: format!("at most {least}"),
        met: charged <= least,
    }
}

fn seed(fake: &FakeZoho, count: usize) {
    for start in (0..count).step_by(1_000) {
        let page: Vec<Value> = (start..(start + 1_000).min(count))
            .map(|i| json!({"Last_Name": format!("Budget {i}"), "Email": format!("budget{i}@zylker.com")}))
            .collect();
        fake.seed("Leads", &page);
    }
}

/// One poll of `crmNewRecords`; returns the new state.
async fn poll(harness: &Harness, context: &CallContext, input: &str, state: Option<&str>) -> anyhow::Result<String> {
    let outcome = harness
        .poll(context, "crmNewRecords", CONNECTION, input, state)
        .await?
        .map_err(|e| anyhow::anyhow!("the poll failed: {e:?}"))?;
    Ok(outcome.state)
}

/// The CLI in this process, against `fake`, on a thread of its own (it runs its own runtime).
async fn cli(fake: &FakeZoho, args: &[&str]) -> anyhow::Result<()> {
    let (domain, token) = (fake.base_url(), fake.access_token());
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let env = move |name: &str| match name {
            "ZOHO_API_DOMAIN" => Some(domain.clone()),
            "ZOHO_ACCESS_TOKEN" => Some(token.clone()),
            _ => None,
        };
        let argv = std::iter::once("zoho-harness".to_owned())
            .chain(args.iter().cloned())
            .map(std::ffi::OsString::from);
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let code = zoho_harness::cli::run(argv, &env, &mut std::io::empty(), &mut stdout, &mut stderr);
        anyhow::ensure!(
            code == 0,
            "zoho-harness {} exited {code}: {}",
            args.join(" "),
            String::from_utf8_lossy(&stderr)
        );
        Ok(())
    })
    .await?
}
