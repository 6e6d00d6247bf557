//! Zoho OAuth against an accounts server: the three grants, revocation, and reading Zoho's
//! answers, which report errors with HTTP 200 (`{"error": "invalid_code"}`) and throttle with
//! "too many requests continuously".

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;

/// A secret that never shows in `Debug` output or panics.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// What a token endpoint granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub api_domain: Option<String>,
    pub expires_in: Duration,
}

/// Why an OAuth request failed; messages never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// Zoho refused the grant: a bad, used or expired code, a revoked refresh token, a wrong
    /// client id or secret. Someone has to authorize again.
    #[error("Zoho refused the grant ({code}): {hint}")]
    Refused { code: String, hint: String },
    /// Zoho's refresh throttle (10 access tokens per 10 minutes per refresh token).
    #[error("Zoho's accounts server throttled token requests (too many requests continuously); retry in about {} minutes", .retry_after.as_secs() / 60)]
    Throttled { retry_after: Duration },
    /// The accounts server could not be reached or answered something unreadable.
    #[error("the accounts server could not be used: {0}")]
    Unavailable(String),
}

/// How long Zoho's throttle lasts: its window is 10 minutes.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(600);

fn hint(code: &str) -> &'static str {
    match code {
        "invalid_code" => {
            "the grant code or refresh token is invalid, expired or already used; generate a new grant code"
        }
        "invalid_client" => "the client id is unknown to this data center; check the region",
        "invalid_client_secret" => "the client secret is wrong",
        "invalid_redirect_uri" => "the redirect URI does not match the one registered for the client",
        "missing_org_info" => "client_credentials needs soid (e.g. ZohoCRM.<org id>)",
        "access_denied" => "access was denied",
        _ => "see Zoho's OAuth documentation for this error",
    }
}

/// Reads a token endpoint answer. Failure is detected from the body (`error`, no
/// `access_token`), never from the status alone.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<TokenSet, OAuthError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        OAuthError::Unavailable(format!(
            "the token endpoint answered HTTP {status} with a body that is not JSON"
        ))
    })?;
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        let description = value
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if description.to_ascii_lowercase().contains("too many requests")
            || error.eq_ignore_ascii_case("Access Denied") && status != 200
        {
            return Err(OAuthError::Throttled {
                retry_after: THROTTLE_WINDOW,
            });
        }
        let code: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ' ')
            .take(64)
            .collect();
        return Err(OAuthError::Refused {
            hint: hint(&code).to_owned(),
            code,
        });
    }
    let access_token = value
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            OAuthError::Unavailable(format!(
                "the token endpoint answered HTTP {status} without an access token"
            ))
        })?;
    // The older form gives `expires_in` in milliseconds alongside `expires_in_sec`.
    let seconds = match (
        value.get("expires_in_sec").and_then(Value::as_u64),
        value.get("expires_in").and_then(Value::as_u64),
    ) {
        (Some(seconds), _) => seconds,
        (None, Some(seconds)) => seconds,
        (None, None) => 3600,
    };
    Ok(TokenSet {
        access_token: Secret::new(access_token),
        refresh_token: value.get("refresh_token").and_then(Value::as_str).map(Secret::new),
        api_domain: value
            .get("api_domain")
            .and_then(Value::as_str)
            .map(|d| d.trim_end_matches('/').to_owned()),
        expires_in: Duration::from_secs(seconds),
    })
}

/// A client of one accounts server.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub accounts_url: String,
    pub client_id: String,
    pub client_secret: Secret,
}

fn form(pairs: &[(&str, &str)]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        let encode = |s: &str| {
            s.bytes().fold(String::new(), |mut acc, b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    acc.push(b as char);
                } else {
                    let _ = write!(acc, "%{b:02X}");
                }
                acc
            })
        };
        let _ = write!(out, "{}={}", encode(k), encode(v));
    }
    out
}

impl OAuthClient {
    /// Posts a form to the accounts server and returns (status, body).
    async fn post(&self, path_and_query: &str, body: String) -> Result<(u16, Vec<u8>), OAuthError> {
        let url = format!("{}{path_and_query}", self.accounts_url.trim_end_matches('/'));
        let request = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(body)).map_err(|never| match never {}))
            .map_err(|e| OAuthError::Unavailable(format!("invalid accounts URL: {e}")))?;
        let timeout = Duration::from_secs(30);
        let options = wasmtime_wasi_http::RequestOptions {
            connect_timeout: Some(timeout),
            first_byte_timeout: Some(timeout),
            between_bytes_timeout: Some(timeout),
        };
        let (response, io) = wasmtime_wasi_http::default_send_request(request, Some(options))
            .await
            .map_err(|e| OAuthError::Unavailable(format!("could not reach {}: {e}", self.accounts_url)))?;
        let driver = tokio::spawn(io);
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| OAuthError::Unavailable(format!("reading the answer failed: {e}")))?
            .to_bytes();
        driver.abort();
        Ok((status, body.to_vec()))
    }

    async fn token(&self, pairs: &[(&str, &str)]) -> Result<TokenSet, OAuthError> {
        let (status, body) = self.post("/oauth/v2/token", form(pairs)).await?;
        parse_token_response(status, &body)
    }

    /// `authorization_code`: exchanges a grant code (Self Client or redirect flow).
    pub async fn exchange_code(&self, code: &str, redirect_uri: Option<&str>) -> Result<TokenSet, OAuthError> {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose()),
            ("code", code),
        ];
        if let Some(uri) = redirect_uri {
            pairs.push(("redirect_uri", uri));
        }
        self.token(&pairs).await
    }

    /// `refresh_token`: a new access token.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet, OAuthError> {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose()),
            ("refresh_token", refresh_token.expose()),
        ])
        .await
    }

    /// `client_credentials` for Self Clients, with `soid` (`ZohoCRM.<org id>`).
    pub async fn client_credentials(&self, scope: &str, soid: &str) -> Result<TokenSet, OAuthError> {
        self.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose()),
            ("scope", scope),
            ("soid", soid),
        ])
        .await
    }

    /// Revokes a refresh token; Zoho answers `"status": "success"`.
    pub async fn revoke(&self, refresh_token: &Secret) -> Result<(), OAuthError> {
        let query = form(&[("token", refresh_token.expose())]);
        let (status, body) = self
            .post(&format!("/oauth/v2/token/revoke?{query}"), String::new())
            .await?;
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if value.get("status").and_then(Value::as_str) == Some("success") {
            Ok(())
        } else {
            let code = value
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_owned();
            Err(OAuthError::Unavailable(format!(
                "revoking failed (HTTP {status}, {code})"
            )))
        }
    }
}

/// The consent URL for the authorization-code flow, asking for a refresh token.
pub fn authorize_url(accounts_url: &str, client_id: &str, scopes: &[String], redirect_uri: Option<&str>) -> String {
    let scope = scopes.join(",");
    let mut pairs = vec![
        ("scope", scope.as_str()),
        ("client_id", client_id),
        ("response_type", "code"),
        ("access_type", "offline"),
        ("prompt", "consent"),
    ];
    if let Some(uri) = redirect_uri {
        pairs.push(("redirect_uri", uri));
    }
    format!("{}/oauth/v2/auth?{}", accounts_url.trim_end_matches('/'), form(&pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_sent_with_http_200_are_detected_by_the_body() {
        let error = parse_token_response(200, br#"{"error":"invalid_code"}"#).expect_err("refused");
        assert!(
            matches!(error, OAuthError::Refused { ref code, .. } if code == "invalid_code"),
            "{error:?}"
        );
    }

    #[test]
    fn the_throttle_answer_is_recognised() {
        let body = br#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#;
        for status in [200, 400] {
            assert!(matches!(
                parse_token_response(status, body),
                Err(OAuthError::Throttled { .. })
            ));
        }
    }

    #[test]
    fn expiry_in_seconds_and_the_older_milliseconds_form() {
        let modern = parse_token_response(
            200,
            br#"{"access_token":"a","api_domain":"https://www.zohoapis.eu","expires_in":3600}"#,
        )
        .expect("ok");
        assert_eq!(
            (modern.expires_in, modern.api_domain.as_deref()),
            (Duration::from_secs(3600), Some("https://www.zohoapis.eu"))
        );
        let legacy = parse_token_response(
            200,
            br#"{"access_token":"a","expires_in":3600000,"expires_in_sec":3600}"#,
        )
        .expect("ok");
        assert_eq!(legacy.expires_in, Duration::from_secs(3600));
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let set =
            parse_token_response(200, br#"{"access_token":"1000.secret","refresh_token":"1000.refresh"}"#).expect("ok");
        let printed = format!("{set:?}");
        assert!(
            !printed.contains("1000.secret") && !printed.contains("1000.refresh"),
            "{printed}"
        );
    }

    #[test]
    fn the_consent_url_asks_for_offline_access_and_consent() {
        let url = authorize_url(
            "https://accounts.zohocloud.ca",
            "1000.ABC",
            &["ZohoCRM.modules.ALL".into(), "ZohoBooks.fullaccess.all".into()],
            None,
        );
        assert_eq!(
            url,
            "https://accounts.zohocloud.ca/oauth/v2/auth?scope=ZohoCRM.modules.ALL%2CZohoBooks.fullaccess.all&client_id=1000.ABC&response_type=code&access_type=offline&prompt=consent"
        );
    }
}
