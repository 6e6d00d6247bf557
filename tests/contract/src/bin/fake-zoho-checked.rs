//! `fake-zoho-checked`: the `fake-zoho` binary (same arguments, same fake) with every exchange
//! checked against Zoho's published contract, as the Rust suites check theirs. Each violation
//! is appended to the file `ZOHO_CONTRACT_VIOLATIONS` names, as it happens; the test that
//! started it fails when that file is not empty. The Python and Node hosts', the packages' and
//! the platforms' tests run this binary.

use std::sync::Arc;

fn main() {
    let Some(path) = std::env::var_os("ZOHO_CONTRACT_VIOLATIONS").filter(|p| !p.is_empty()) else {
        eprintln!("fake-zoho-checked: set ZOHO_CONTRACT_VIOLATIONS to the file violations go to");
        std::process::exit(2);
    };
    let observer = match zoho_contract_check::ViolationsFile::create(&path) {
        Ok(observer) => observer,
        Err(error) => {
            eprintln!(
                "fake-zoho-checked: could not create {}: {error}",
                path.to_string_lossy()
            );
            std::process::exit(2);
        }
    };
    fake_zoho::binary::run("fake-zoho-checked", Some(Arc::new(observer)))
}
