//! The built component declares exactly its world: every import and export of the binary is
//! one `wit/world.wit` names (directly or through the interfaces it uses), and nothing more,
//! so a host that provides exactly the world can instantiate it.

use std::collections::BTreeSet;

/// Top-level imports and exports of a component binary, by name.
fn component_surface(wasm: &[u8]) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut imports, mut exports) = (BTreeSet::new(), BTreeSet::new());
    let mut depth = 0_usize;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.expect("the component parses") {
            wasmparser::Payload::ModuleSection { .. } | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(section) if depth == 0 => {
                for import in section {
                    imports.insert(import.expect("import").name.name.to_owned());
                }
            }
            wasmparser::Payload::ComponentExportSection(section) if depth == 0 => {
                for export in section {
                    exports.insert(export.expect("export").name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    (imports, exports)
}

/// The imports and exports world `connector` declares, elaborated with the interfaces they use.
fn world_surface() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut resolve = wit_parser::Resolve::default();
    let wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    let (package, _) = resolve.push_dir(&wit).expect("wit/ parses");
    let world = resolve
        .select_world(&[package], Some("connector"))
        .expect("world connector");
    let names = |items: &wit_parser::IndexMap<wit_parser::WorldKey, wit_parser::WorldItem>| -> BTreeSet<String> {
        items
            .iter()
            .filter_map(|(key, item)| match item {
                wit_parser::WorldItem::Interface { .. } => Some(resolve.name_world_key(key)),
                _ => None,
            })
            .collect()
    };
    let world = &resolve.worlds[world];
    (names(&world.imports), names(&world.exports))
}

#[test]
fn the_component_imports_and_exports_exactly_its_world() {
    let (imports, exports) = component_surface(zoho_host::BUNDLED_COMPONENT);
    let (declared_imports, declared_exports) = world_surface();
    let extra: Vec<&String> = imports.difference(&declared_imports).collect();
    assert!(
        extra.is_empty(),
        "the component imports what its world does not declare: {extra:?}"
    );
    assert_eq!(exports, declared_exports);
}
