//! `zoho-dist`: turns the built connector into the distributable artifacts (scripts/dist.sh).
//!
//! `zoho-dist CONNECTOR.wasm OUT.wasm [--wit DIR --wit-out OUT.wasm] [--standalone OUT.wasm
//! --credentials C.wasm --logging L.wasm] [--source URL] [--revision REV]` writes the connector,
//! shrunk by Binaryen's `wasm-opt -Oz` (tools/shrink) and stamped with its name, version,
//! description, license and, when given, source URL and revision. With `--wit`, the WIT package `zoho:connector` read from DIR is encoded with every
//! doc comment into `--wit-out` and embedded in the artifacts as the custom section
//! `zoho-connector-wit`: wasm-tools reads a component's docs only for its own root package, so
//! the documented contract travels as the package itself. With `--standalone`, also the
//! connector with the credentials and logging components plugged into its imports, so that it
//! imports only standard WASI.

use anyhow::{Context, Result, bail};
use wac_graph::{CompositionGraph, EncodeOptions, types::Package};
use wasm_metadata::{AddMetadata, AddMetadataField, Description, Licenses, Revision, Source, Version};

const NAME: &str = "zoho-connector";
const DESCRIPTION: &str = "Zoho CRM and Zoho Books actions and triggers as a WebAssembly component: every request through wasi:http, every secret through the host's credentials import.";
const STANDALONE_DESCRIPTION: &str = "Zoho CRM and Zoho Books actions and triggers as a WebAssembly component that needs only WASI: credentials from ZOHO_ACCESS_TOKEN, ZOHO_API_DOMAIN and ZOHO_BOOKS_ORGANIZATION_ID, log lines on stderr.";

/// The custom section holding the encoded, documented WIT package.
const WIT_SECTION: &str = "zoho-connector-wit";

#[derive(Debug, Default)]
struct Args {
    connector: String,
    out: String,
    wit: Option<String>,
    wit_out: Option<String>,
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
            "usage: zoho-dist CONNECTOR.wasm OUT.wasm [--wit DIR --wit-out OUT.wasm] [--standalone OUT.wasm --credentials C.wasm --logging L.wasm] [--source URL] [--revision REV]"
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
            "--wit" => &mut args.wit,
            "--wit-out" => &mut args.wit_out,
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

/// The connector through Binaryen's `wasm-opt -Oz`, as zoho-host's build script embeds it: what
/// ships is what the harness runs. Required here, where the build script only warns.
fn shrink(connector: &[u8]) -> Result<Vec<u8>> {
    let wasm_opt = zoho_shrink::find_wasm_opt().with_context(|| {
        format!(
            "wasm-opt (Binaryen) is needed for the distributable: install the binaryen package or set {}",
            zoho_shrink::WASM_OPT_VARIABLE
        )
    })?;
    let scratch = std::env::temp_dir().join(format!("zoho-dist-shrink-{}", std::process::id()));
    let shrunk = zoho_shrink::shrink_component(connector, &wasm_opt, &scratch);
    std::fs::remove_dir_all(&scratch).ok();
    shrunk
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

/// The package `zoho:connector` in `dir`, encoded as a WIT package with every doc comment.
fn documented_wit(dir: &str) -> Result<Vec<u8>> {
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(dir)
        .with_context(|| format!("reading the WIT in {dir}"))?;
    wit_component::encode(&resolve, package, true).context("encoding the WIT package")
}

/// Appends a custom section to a component (or module): id 0, size, name, data.
fn with_custom_section(mut wasm: Vec<u8>, name: &str, data: &[u8]) -> Vec<u8> {
    fn leb128(mut value: usize, out: &mut Vec<u8>) {
        loop {
            let byte = u8::try_from(value & 0x7f).unwrap_or(0);
            value >>= 7;
            out.push(if value == 0 { byte } else { byte | 0x80 });
            if value == 0 {
                return;
            }
        }
    }
    let mut payload = Vec::with_capacity(name.len() + data.len() + 5);
    leb128(name.len(), &mut payload);
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(data);
    wasm.push(0);
    leb128(payload.len(), &mut wasm);
    wasm.extend(payload);
    wasm
}

fn main() -> Result<()> {
    let args = args()?;
    let connector = shrink(&read(&args.connector)?)?;
    let wit = match (&args.wit, &args.wit_out) {
        (Some(dir), Some(out)) => {
            let wit = documented_wit(dir)?;
            std::fs::write(out, &wit).with_context(|| format!("writing {out}"))?;
            Some(wit)
        }
        (None, None) => None,
        _ => bail!("--wit and --wit-out go together"),
    };
    let finish = |wasm: Vec<u8>| match &wit {
        Some(wit) => with_custom_section(wasm, WIT_SECTION, wit),
        None => wasm,
    };
    let stamped = finish(stamp(&connector, DESCRIPTION, &args)?);
    std::fs::write(&args.out, stamped).with_context(|| format!("writing {}", args.out))?;
    if let Some(standalone) = &args.standalone {
        let (Some(credentials), Some(logging)) = (&args.credentials, &args.logging) else {
            bail!("--standalone needs --credentials and --logging");
        };
        let composed = compose(&connector, &read(credentials)?, &read(logging)?)?;
        let stamped = finish(stamp(&composed, STANDALONE_DESCRIPTION, &args)?);
        std::fs::write(standalone, stamped).with_context(|| format!("writing {standalone}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoded_package_keeps_every_doc_comment() {
        let wit = documented_wit(concat!(env!("CARGO_MANIFEST_DIR"), "/../../wit")).expect("encodes");
        let wit_component::DecodedWasm::WitPackage(resolve, package) = wit_component::decode(&wit).expect("decodes")
        else {
            panic!("not a WIT package");
        };
        let package = &resolve.packages[package];
        let triggers = &resolve.interfaces[package.interfaces["triggers"]];
        assert!(
            triggers
                .docs
                .contents
                .as_deref()
                .is_some_and(|d| d.contains("Triggers"))
        );
        assert!(triggers.functions["poll"].docs.contents.is_some());
        let world = &resolve.worlds[package.worlds["connector"]];
        assert!(
            world
                .docs
                .contents
                .as_deref()
                .is_some_and(|d| d.contains("Zoho connector"))
        );
    }

    #[test]
    fn a_custom_section_is_appended_whole() {
        let header = b"\0asm\x0d\0\x01\0".to_vec();
        let wasm = with_custom_section(header, "n", &[7; 200]);
        // id 0, size 202 (name length, name, 200 bytes) as two LEB128 bytes, then the payload.
        assert_eq!(&wasm[8..13], &[0, 0xca, 0x01, 1, b'n']);
        assert_eq!(wasm.len(), 8 + 3 + 202);
    }
}
