//! `logging` to stderr, so the composed standalone connector needs no host code. The
//! connector redacts secrets before they reach this interface. Only built for `wasm32-wasip2`.

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue is unsafe by nature")]
mod component {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "stderr-logging",
        with: {
            "wasi:cli/stderr@0.2.12": wasi::cli::stderr,
            "wasi:io/streams@0.2.12": wasi::io::streams,
            "wasi:io/error@0.2.12": wasi::io::error,
            "wasi:io/poll@0.2.12": wasi::io::poll,
        },
    });

    use exports::zoho::connector::logging::{Guest, Level};

    struct StderrLogging;

    impl Guest for StderrLogging {
        fn log(level: Level, context: String, message: String) {
            let level = match level {
                Level::Trace => "trace",
                Level::Debug => "debug",
                Level::Info => "info",
                Level::Warn => "warn",
                Level::Error => "error",
            };
            let line = format!("[{level} {context}] {message}\n");
            let stderr = wasi::cli::stderr::get_stderr();
            // blocking-write-and-flush takes at most 4096 bytes a call.
            for chunk in line.as_bytes().chunks(4096) {
                if stderr.blocking_write_and_flush(chunk).is_err() {
                    return;
                }
            }
        }
    }

    export!(StderrLogging);
}
