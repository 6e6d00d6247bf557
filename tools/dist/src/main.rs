//! `zoho-dist`: turns the built connector into the distributable artifacts (scripts/dist.sh).
//!
//! `zoho-dist CONNECTOR.wasm OUT.wasm [--standalone OUT.wasm --credentials C.wasm --logging
//! L.wasm] [--source URL] [--revision REV]` writes the connector stamped with its name,
//! version, description, license and, when given, source URL and revision; with
//! `--standalone`, also the connector with the credentials and logging components plugged into
//! its `credentials` and `logging` imports, so that it imports only standard WASI.

use anyhow::{Context, Result, bail};
use wac_graph::{CompositionGraph, EncodeOptions, types::Package};
use wasm_metadata::{AddMetadata, AddMetadataField, Description, Licenses, Revision, Source, Version};

const NAME: &str = "zoho-connector";
const DESCRIPTION: &str = "Zoho CRM and Zoho Books actions and triggers as a WebAssembly component: every request through wasi:http, every secret through the host's credentials import.";
const STANDALONE_DESCRIPTION: &str = "Zoho CRM and Zoho Books actions and triggers as a WebAssembly component that needs only WASI: credentials from ZOHO_ACCESS_TOKEN, ZOHO_API_DOMAIN and ZOHO_BOOKS_ORGANIZATION_ID, log lines on stderr.";

#[derive(Debug, Default)]
struct Args {
    connector: String,
    out: String,
    standalone: Option<String>,
    credentials: Option<String>,
    logging: Option<String>,
    source: Option<String>,
    revision: Option<String>,
}

fn args() -> Result<Args> {
    let mut raw = std::env::args().skip(1);
    let (Some(connector), Some(out)) = (raw.next(), raw.next()) else {
        bail!(
            "usage: zoho-dist CONNECTOR.wasm OUT.wasm [--standalone OUT.wasm --credentials C.wasm --logging L.wasm] [--source URL] [--revision REV]"
        );
    };
    let mut args = Args {
        connector,
        out,
        ..Args::default()
    };
    while let Some(flag) = raw.next() {
        let value = raw.next().with_context(|| format!("{flag} needs a value"))?;
        let slot = match flag.as_str() {
            "--standalone" => &mut args.standalone,
            "--credentials" => &mut args.credentials,
            "--logging" => &mut args.logging,
            "--source" => &mut args.source,
            "--revision" => &mut args.revision,
            other => bail!("unknown argument {other:?}"),
        };
        *slot = Some(value);
    }
    Ok(args)
}

fn read(path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {path}"))
}

/// The connector's metadata, with the given description.
fn stamp(wasm: &[u8], description: &'static str, args: &Args) -> Result<Vec<u8>> {
    let mut metadata = AddMetadata::default();
    metadata.name = AddMetadataField::Set(NAME.to_owned());
    metadata.version = AddMetadataField::Set(Version::new(env!("CARGO_PKG_VERSION")));
    metadata.description = AddMetadataField::Set(Description::new(description));
    metadata.licenses = AddMetadataField::Set(Licenses::new(env!("CARGO_PKG_LICENSE"))?);
    if let Some(source) = &args.source {
        metadata.source = AddMetadataField::Set(Source::new(source)?);
    }
    if let Some(revision) = &args.revision {
        metadata.revision = AddMetadataField::Set(Revision::new(revision.clone()));
    }
    metadata.processed_by = vec![("zoho-dist".to_owned(), env!("CARGO_PKG_VERSION").to_owned())];
    metadata.to_wasm(wasm).context("adding the metadata")
}

/// Plugs the credentials and logging components into the connector's imports of them.
fn compose(connector: &[u8], credentials: &[u8], logging: &[u8]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes("zoho:connector-impl", None, connector.to_vec(), graph.types_mut())?;
    let socket = graph.register_package(socket)?;
    let mut plugs = Vec::new();
    for (name, bytes) in [("zoho:env-credentials", credentials), ("zoho:stderr-logging", logging)] {
        let package = Package::from_bytes(name, None, bytes.to_vec(), graph.types_mut())?;
        plugs.push(graph.register_package(package)?);
    }
    wac_graph::plug(&mut graph, plugs, socket).context("plugging credentials and logging into the connector")?;
    graph
        .encode(EncodeOptions::default())
        .context("encoding the composition")
}

fn main() -> Result<()> {
    let args = args()?;
    let connector = read(&args.connector)?;
    std::fs::write(&args.out, stamp(&connector, DESCRIPTION, &args)?)
        .with_context(|| format!("writing {}", args.out))?;
    if let Some(standalone) = &args.standalone {
        let (Some(credentials), Some(logging)) = (&args.credentials, &args.logging) else {
            bail!("--standalone needs --credentials and --logging");
        };
        let composed = compose(&connector, &read(credentials)?, &read(logging)?)?;
        std::fs::write(standalone, stamp(&composed, STANDALONE_DESCRIPTION, &args)?)
            .with_context(|| format!("writing {standalone}"))?;
    }
    Ok(())
}
