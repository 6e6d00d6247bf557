//! The component's [`Host`] over its WIT imports (credentials, logging) and wasi:http,
//! clocks and random.

use std::time::Duration;

use super::{wit_credentials, wit_logging};
use crate::shared::error::{CredentialProblem, Error, TransportError};
use crate::shared::host::{Credentials, Host, Level};

/// The component's [`Host`]: the WIT imports plus wasi:http.
pub(super) struct WitHost;

impl Host for WitHost {
    fn credentials(&mut self, connection: &str) -> Result<Credentials, Error> {
        wit_credentials::get(connection)
            .map(credentials)
            .map_err(credential_error)
    }

    fn refresh(&mut self, connection: &str, rejected_token: &str) -> Result<Credentials, Error> {
        wit_credentials::refresh(connection, rejected_token)
            .map(credentials)
            .map_err(credential_error)
    }

    fn send(
        &mut self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        crate::http::send(request, timeout)
    }

    fn open(
        &mut self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<crate::shared::host::StreamedResponse, TransportError> {
        crate::http::open(request, timeout)
    }

    fn log(&mut self, level: Level, context: &str, message: &str) {
        let level = match level {
            Level::Debug => wit_logging::Level::Debug,
            Level::Warn => wit_logging::Level::Warn,
        };
        wit_logging::log(level, context, message);
    }

    fn monotonic_now(&mut self) -> Duration {
        Duration::from_nanos(wasi::clocks::monotonic_clock::now())
    }

    fn unix_now(&mut self) -> u64 {
        wasi::clocks::wall_clock::now().seconds
    }

    fn sleep(&mut self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        wasi::clocks::monotonic_clock::subscribe_duration(nanos).block();
    }

    fn random_bytes(&mut self, len: usize) -> Vec<u8> {
        wasi::random::random::get_random_bytes(u64::try_from(len).unwrap_or(u64::MAX))
    }
}

fn credentials(info: wit_credentials::ConnectionInfo) -> Credentials {
    Credentials {
        access_token: info.access_token,
        api_domain: info.api_domain.trim_end_matches('/').to_owned(),
        books_organization_id: info.books_organization_id,
    }
}

fn credential_error(error: wit_credentials::CredentialError) -> Error {
    use wit_credentials::CredentialError as E;
    let (problem, message, retry_after_seconds) = match error {
        E::UnknownConnection(m) => (CredentialProblem::UnknownConnection, m, None),
        E::ReauthorizationRequired(m) => (CredentialProblem::ReauthorizationRequired, m, None),
        E::Throttled(seconds) => (
            CredentialProblem::Throttled,
            format!("Zoho's accounts server throttled token requests; retry in {seconds} s"),
            Some(seconds),
        ),
        E::Unavailable(m) => (CredentialProblem::Unavailable, m, None),
    };
    Error::Credential {
        problem,
        message,
        retry_after_seconds,
    }
}
