//! `zoho-harness`: see [`zoho_harness::cli`].

fn main() {
    let env = |name: &str| std::env::var(name).ok();
    let code = zoho_harness::cli::run(
        std::env::args_os(),
        &env,
        &mut std::io::stdin(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
