//! Binaryen's `wasm-opt -Oz` over the component's core module.
//!
//! Why a second optimiser after LLVM: wit-bindgen writes the lifting and lowering of every
//! exported function out in full (about 4-5 KB each, most of it lowering the `error` variant),
//! and LLVM has no size pass for wasm that folds such near-duplicate code. Binaryen's -Oz
//! (code folding, duplicate and similar function merging, local and control-flow
//! simplification) takes about a sixth off the module; BENCHMARKS.md has the figures.
//!
//! wasm-opt reads core modules only, so the component's main core module is taken out,
//! optimised, validated, and put back in its place. Every other section (the component's
//! types, imports, exports, wit-component's small shim and fix-up modules, custom sections)
//! is copied byte for byte, but for the component-level name section: the `wasm` profile
//! strips the core module's names (`strip = true`), and wit-component adds 16 KB of names
//! back around it when it links the component, which only disassemblers read.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use wasm_encoder::{Component, ComponentSectionId, RawSection};
use wasmparser::{Parser, Payload, Validator};

/// The environment variable naming a wasm-opt binary; otherwise `wasm-opt` is looked up on PATH.
pub const WASM_OPT_VARIABLE: &str = "ZOHO_WASM_OPT";

/// The wasm features rustc's `wasm32-wasip2` target emits (LLVM's defaults for wasm since
/// Rust 1.82). wasm-opt accepts only the features it is told of, so a new one in rustc's
/// output fails the build loudly here instead of passing unoptimised.
const FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-multivalue",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
];

/// The wasm-opt to use: `ZOHO_WASM_OPT` when set, else `wasm-opt` on PATH (Debian's and
/// Homebrew's `binaryen` packages install it there).
pub fn find_wasm_opt() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(WASM_OPT_VARIABLE) {
        return Some(PathBuf::from(path));
    }
    // A PATH walk is a few lines; a crate for it would be the only new dependency here.
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("wasm-opt"))
        .find(|candidate| candidate.is_file())
}

/// The component with its main core module run through `wasm-opt -Oz`. `scratch` is a
/// directory for the module's files on their way through wasm-opt.
pub fn shrink_component(component: &[u8], wasm_opt: &Path, scratch: &Path) -> Result<Vec<u8>> {
    std::fs::create_dir_all(scratch).with_context(|| format!("creating {}", scratch.display()))?;
    let input = scratch.join("core-module.wasm");
    let output = scratch.join("core-module.oz.wasm");
    let shrunk = replace_main_module(component, |module| {
        std::fs::write(&input, module).with_context(|| format!("writing {}", input.display()))?;
        let ran = Command::new(wasm_opt)
            .arg("-Oz")
            .args(FEATURES)
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .output()
            .with_context(|| format!("running {}", wasm_opt.display()))?;
        if !ran.status.success() {
            bail!(
                "{} -Oz failed ({}):\n{}",
                wasm_opt.display(),
                ran.status,
                String::from_utf8_lossy(&ran.stderr)
            );
        }
        std::fs::read(&output).with_context(|| format!("reading {}", output.display()))
    })?;
    let shrunk = without_component_names(&shrunk)?;
    Validator::new()
        .validate_all(&shrunk)
        .context("the component with the optimised module does not validate")?;
    Ok(shrunk)
}

/// The component with its largest top-level core module (the program; wit-component's shim
/// and fix-up modules are a few hundred bytes) replaced by `replace(module)`, every other
/// section copied unchanged.
pub fn replace_main_module(component: &[u8], replace: impl FnOnce(&[u8]) -> Result<Vec<u8>>) -> Result<Vec<u8>> {
    let sections = top_level_sections(component)?;
    let main = sections
        .iter()
        .enumerate()
        .filter(|(_, section)| section.id == ComponentSectionId::CoreModule as u8)
        .max_by_key(|(_, section)| section.range.len())
        .map(|(index, _)| index)
        .context("the component holds no core module")?;
    let mut replacement = Some(replace(&component[sections[main].range.clone()])?);
    let mut out = Component::new();
    for (index, section) in sections.into_iter().enumerate() {
        let data = if index == main {
            replacement.take().unwrap_or_default()
        } else {
            component[section.range].to_vec()
        };
        out.section(&RawSection {
            id: section.id,
            data: &data,
        });
    }
    Ok(out.finish())
}

/// The component without its top-level `component-name` custom section, every other section
/// copied unchanged.
pub fn without_component_names(component: &[u8]) -> Result<Vec<u8>> {
    let mut out = Component::new();
    for section in top_level_sections(component)? {
        if section.custom_name.as_deref() != Some(COMPONENT_NAME_SECTION) {
            out.section(&RawSection {
                id: section.id,
                data: &component[section.range],
            });
        }
    }
    Ok(out.finish())
}

/// The custom section in which wit-component names a component's items.
const COMPONENT_NAME_SECTION: &str = "component-name";

/// A top-level section of a component.
struct Section {
    id: u8,
    /// Its contents in the component's bytes (for a nested module, the whole module).
    range: std::ops::Range<usize>,
    /// A custom section's name.
    custom_name: Option<String>,
}

/// Each top-level section of a component, in order.
fn top_level_sections(component: &[u8]) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    let mut depth = 0usize;
    let mut is_component = false;
    for payload in Parser::new(0).parse_all(component) {
        let payload = payload.context("reading the component")?;
        match &payload {
            Payload::Version { encoding, .. } if depth == 0 => {
                is_component = *encoding == wasmparser::Encoding::Component;
            }
            Payload::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            _ => {}
        }
        if depth == 1
            && let Some((id, range)) = payload.as_section()
        {
            let start = usize::try_from(range.start).context("a section beyond the address space")?;
            let end = usize::try_from(range.end).context("a section beyond the address space")?;
            let custom_name = match &payload {
                Payload::CustomSection(reader) => Some(reader.name().to_owned()),
                _ => None,
            };
            sections.push(Section {
                id,
                range: start..end,
                custom_name,
            });
        }
        if matches!(payload, Payload::Version { .. }) {
            depth += 1;
        }
    }
    if !is_component {
        bail!("not a component (a core module or something else)");
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, CustomSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, Module,
        ModuleSection, TypeSection,
    };

    /// A core module exporting `answer: () -> i32`, padded with `padding` no-ops so that two
    /// modules of different sizes can be told apart.
    fn module(answer: i32, padding: usize) -> Module {
        let mut types = TypeSection::new();
        types.ty().function([], [wasm_encoder::ValType::I32]);
        let mut functions = FunctionSection::new();
        functions.function(0);
        let mut exports = ExportSection::new();
        exports.export("answer", ExportKind::Func, 0);
        let mut body = Function::new([]);
        for _ in 0..padding {
            body.instruction(&Instruction::Nop);
        }
        body.instruction(&Instruction::I32Const(answer))
            .instruction(&Instruction::End);
        let mut code = CodeSection::new();
        code.function(&body);
        let mut module = Module::new();
        module
            .section(&types)
            .section(&functions)
            .section(&exports)
            .section(&code);
        module
    }

    fn custom<'a>(name: &'a str, data: &'a [u8]) -> CustomSection<'a> {
        CustomSection {
            name: name.into(),
            data: data.into(),
        }
    }

    fn component(main: &Module, small: &Module) -> Vec<u8> {
        let mut component = Component::new();
        component
            .section(&ModuleSection(small))
            .section(&ModuleSection(main))
            .section(&custom("kept", b"as it was"));
        component.finish()
    }

    #[test]
    fn an_unchanged_module_gives_back_the_same_bytes() {
        let original = component(&module(42, 100), &module(7, 0));
        let rewrapped = replace_main_module(&original, |bytes| Ok(bytes.to_vec())).expect("succeeds");
        assert_eq!(rewrapped, original);
    }

    #[test]
    fn only_the_largest_module_is_replaced() {
        let small = module(7, 0);
        let original = component(&module(42, 100), &small);
        let mut seen = Vec::new();
        let replaced = replace_main_module(&original, |bytes| {
            seen = bytes.to_vec();
            Ok(module(43, 0).finish())
        })
        .expect("succeeds");
        assert_eq!(seen, module(42, 100).finish());
        assert_eq!(replaced, component(&module(43, 0), &small));
        Validator::new().validate_all(&replaced).expect("succeeds");
    }

    #[test]
    fn the_component_name_section_goes_and_every_other_section_stays() {
        let mut named = Component::new();
        named
            .section(&ModuleSection(&module(42, 10)))
            .section(&custom("component-name", b"names"))
            .section(&custom("kept", b"as it was"));
        let mut expected = Component::new();
        expected
            .section(&ModuleSection(&module(42, 10)))
            .section(&custom("kept", b"as it was"));
        assert_eq!(
            without_component_names(&named.finish()).expect("rewritten"),
            expected.finish()
        );
    }

    #[test]
    fn a_core_module_is_refused() {
        let error = replace_main_module(&module(1, 0).finish(), |b| Ok(b.to_vec())).expect_err("an error");
        assert!(error.to_string().contains("not a component"), "{error}");
    }

    #[test]
    fn a_failing_wasm_opt_is_an_error_with_its_message() {
        let scratch = std::env::temp_dir().join(format!("zoho-shrink-test-{}", std::process::id()));
        let error = shrink_component(&component(&module(1, 10), &module(2, 0)), Path::new("false"), &scratch)
            .expect_err("an error");
        assert!(error.to_string().contains("-Oz failed"), "{error}");
        std::fs::remove_dir_all(&scratch).ok();
    }

    /// Runs the real wasm-opt. A machine without it fails this test (scripts/test.sh and
    /// .ci/run install Binaryen first); skipping takes an explicit `ZOHO_SKIP_WASM_OPT_TEST=1`,
    /// for building without Binaryen on purpose.
    #[test]
    fn wasm_opt_shrinks_a_module_and_keeps_what_it_does() {
        let Some(wasm_opt) = find_wasm_opt() else {
            assert!(
                std::env::var_os("ZOHO_SKIP_WASM_OPT_TEST").is_some_and(|v| v == "1"),
                "wasm-opt (Binaryen) is not installed: install the binaryen package, set {WASM_OPT_VARIABLE}, \
                 or skip this test on purpose with ZOHO_SKIP_WASM_OPT_TEST=1"
            );
            eprintln!("wasm-opt not found: skipped, as ZOHO_SKIP_WASM_OPT_TEST=1 asks");
            return;
        };
        let scratch = std::env::temp_dir().join(format!("zoho-shrink-real-{}", std::process::id()));
        let original = component(&module(42, 500), &module(7, 0));
        let shrunk = shrink_component(&original, &wasm_opt, &scratch).expect("succeeds");
        std::fs::remove_dir_all(&scratch).ok();
        assert!(
            shrunk.len() < original.len() - 400,
            "{} -> {}",
            original.len(),
            shrunk.len()
        );
        let mut answers = Vec::new();
        replace_main_module(&shrunk, |module| {
            answers.push(module.to_vec());
            Ok(module.to_vec())
        })
        .expect("succeeds");
        // The no-ops are gone; `answer` is still exported and still returns 42 (i32.const 42).
        let optimised = &answers[0];
        assert!(optimised.windows(6).any(|w| w == b"answer"), "the export kept");
        assert!(optimised.windows(2).any(|w| w == [0x41, 42]), "i32.const 42 kept");
    }
}
