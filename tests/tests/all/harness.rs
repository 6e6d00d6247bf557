//! The harness itself: the on-disk cache of compiled code.

use zoho_host::{Harness, HarnessConfig};

fn cached_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn compiled_code_is_cached_on_disk_and_a_corrupt_cache_is_recompiled() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = HarnessConfig {
        cache_dir: Some(dir.clone()),
        ..HarnessConfig::default()
    };

    Harness::bundled(config.clone()).expect("compiles");
    let files = cached_files(&dir);
    assert_eq!(files.len(), 1, "one compiled component cached: {files:?}");

    // A damaged cache file must not be trusted: the harness compiles again and still works.
    std::fs::write(&files[0], b"not a compiled component").expect("damage the cache");
    let harness = Harness::bundled(config).expect("recompiles");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let actions = runtime.block_on(harness.list_actions()).expect("runs");
    assert!(actions.iter().any(|a| a.key == "crmGetRecords"));
    let _ = std::fs::remove_dir_all(&dir);
}
