//! `zoho-dist IN OUT [--source URL] [--revision REV]`: writes the connector component IN to
//! OUT with its name, version, description, license and, when given, source URL and revision,
//! so registries and `wasm-tools metadata show` can tell what the artifact is.

use anyhow::{Context, Result, bail};
use wasm_metadata::{AddMetadata, AddMetadataField, Description, Licenses, Revision, Source, Version};

const NAME: &str = "zoho-connector";
const DESCRIPTION: &str = "Zoho CRM and Zoho Books actions and triggers as a WebAssembly component: every request through wasi:http, every secret through the host's credentials import.";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        bail!("usage: zoho-dist IN.wasm OUT.wasm [--source URL] [--revision REV]");
    };
    let (mut source, mut revision) = (None, None);
    while let Some(flag) = args.next() {
        let value = args.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--source" => source = Some(value),
            "--revision" => revision = Some(value),
            other => bail!("unknown argument {other:?}"),
        }
    }
    let wasm = std::fs::read(&input).with_context(|| format!("reading {input}"))?;
    let mut metadata = AddMetadata::default();
    metadata.name = AddMetadataField::Set(NAME.to_owned());
    metadata.version = AddMetadataField::Set(Version::new(env!("CARGO_PKG_VERSION")));
    metadata.description = AddMetadataField::Set(Description::new(DESCRIPTION));
    metadata.licenses = AddMetadataField::Set(Licenses::new(env!("CARGO_PKG_LICENSE"))?);
    if let Some(source) = source {
        metadata.source = AddMetadataField::Set(Source::new(&source)?);
    }
    if let Some(revision) = revision {
        metadata.revision = AddMetadataField::Set(Revision::new(revision));
    }
    metadata.processed_by = vec![("zoho-dist".to_owned(), env!("CARGO_PKG_VERSION").to_owned())];
    let stamped = metadata.to_wasm(&wasm).context("adding the metadata")?;
    std::fs::write(&output, stamped).with_context(|| format!("writing {output}"))?;
    Ok(())
}
