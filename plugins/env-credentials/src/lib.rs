//! `credentials` from the process environment, so the composed standalone connector runs in a
//! stock WASI host: `wasmtime run -S http --env ZOHO_ACCESS_TOKEN=... --env ZOHO_API_DOMAIN=...`.
//! Only built for `wasm32-wasip2`.

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue is unsafe by nature")]
mod component {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "env-credentials",
        with: { "wasi:cli/environment@0.2.12": wasi::cli::environment },
    });

    use exports::zoho::connector::credentials::{ConnectionInfo, CredentialError, Guest};

    struct EnvCredentials;

    fn variable(name: &str) -> Option<String> {
        wasi::cli::environment::get_environment()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn current() -> Result<ConnectionInfo, CredentialError> {
        match (variable("ZOHO_ACCESS_TOKEN"), variable("ZOHO_API_DOMAIN")) {
            (Some(access_token), Some(api_domain)) => Ok(ConnectionInfo {
                access_token,
                api_domain: api_domain.trim_end_matches('/').to_owned(),
                books_organization_id: variable("ZOHO_BOOKS_ORGANIZATION_ID"),
            }),
            _ => Err(CredentialError::UnknownConnection(
                "set ZOHO_ACCESS_TOKEN and ZOHO_API_DOMAIN (e.g. https://www.zohoapis.eu) in the environment".into(),
            )),
        }
    }

    impl Guest for EnvCredentials {
        fn get(_connection: String) -> Result<ConnectionInfo, CredentialError> {
            current()
        }

        fn refresh(_connection: String, rejected_token: String) -> Result<ConnectionInfo, CredentialError> {
            let info = current()?;
            if info.access_token == rejected_token {
                // A token from the environment cannot be refreshed here.
                return Err(CredentialError::ReauthorizationRequired(
                    "Zoho rejected ZOHO_ACCESS_TOKEN; set a fresh one".into(),
                ));
            }
            Ok(info)
        }
    }

    export!(EnvCredentials);
}
