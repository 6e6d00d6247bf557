//! The outbound allowlist: the component may reach the API domain of a connection it fetched
//! credentials for, and nothing else. Loopback addresses are allowed only when the embedder
//! asks for them (tests and the offline sandbox).

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

/// Origins (`scheme://host:port`) the current call may reach.
#[derive(Debug, Clone, Default)]
pub struct Allowlist(Arc<Mutex<BTreeSet<String>>>);

impl Allowlist {
    /// Allows the origin of `api_domain` if it is an acceptable destination.
    pub fn allow_api_domain(&self, api_domain: &str, allow_loopback: bool) {
        let Ok(uri) = api_domain.parse::<http::Uri>() else {
            return;
        };
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return;
        };
        let loopback = is_loopback(host);
        let acceptable = match scheme {
            "https" => !loopback || allow_loopback,
            // Plain HTTP would expose the token on the wire; only a local fake may use it.
            "http" => loopback && allow_loopback,
            _ => false,
        };
        if acceptable {
            let origin = origin(scheme, host, uri.port_u16());
            let mut allowed = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            allowed.insert(origin);
            // Zoho serves bulk uploads and result files from hosts of the same data center
            // (one table with the component's, in zoho-facts); the token goes nowhere else.
            if scheme == "https" && uri.port_u16().is_none_or(|port| port == 443) {
                for file_origin in zoho_facts::file_origins(&format!("https://{host}")) {
                    allowed.insert(format!("{}:443", file_origin.to_ascii_lowercase()));
                }
            }
        }
    }

    fn allows(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return false;
        };
        let wanted = origin(scheme, host, uri.port_u16());
        self.0.lock().unwrap_or_else(PoisonError::into_inner).contains(&wanted)
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn origin(scheme: &str, host: &str, port: Option<u16>) -> String {
    let default_port = if scheme == "https" { 443 } else { 80 };
    format!(
        "{scheme}://{}:{}",
        host.to_ascii_lowercase(),
        port.unwrap_or(default_port)
    )
}

/// The `send_request` hook: refuses what the allowlist does not contain and bounds every
/// timeout, then sends the request on the harness's keep-alive pool.
#[derive(Debug)]
pub struct OutboundPolicy {
    pub allowlist: Allowlist,
    pub pool: crate::pool::ConnectionPool,
    pub max_timeout: std::time::Duration,
    pub requests_sent: Arc<std::sync::atomic::AtomicU64>,
    /// The call's requests and credits, and the harness's totals when it keeps them.
    pub stats: [Option<Arc<crate::stats::CallStats>>; 2],
    /// In-flight slots per organization, shared by every call of the harness.
    pub org_limits: Arc<crate::concurrency::OrgLimits>,
    /// Books' own limits per Books organization, shared by every call of the harness.
    pub books: Arc<crate::concurrency::BooksPacing>,
    /// Calls one Books organization may have in flight.
    pub books_max_in_flight: u32,
    /// The organization this call's requests go to (API domain and connection) and its
    /// in-flight limit, set when the component fetches the connection's credentials.
    pub organization: Option<(String, u32)>,
    /// Largest response body the component may read; past it the body fails with
    /// `HTTP-response-body-size`, so a huge answer cannot exhaust the instance's memory.
    pub max_response_bytes: usize,
}

/// The Books organization a request is for (its API domain and `organization_id`), if it is a
/// Books request that names one (`GET /books/v3/organizations` does not).
fn books_organization<B>(request: &http::Request<B>) -> Option<String> {
    let uri = request.uri();
    if !uri.path().starts_with(crate::stats::BOOKS_PATH) {
        return None;
    }
    let organization = uri
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("organization_id="))?;
    Some(format!("{}/{organization}", uri.authority().map_or("", |a| a.as_str())))
}

type IoFuture = Box<dyn Future<Output = wasmtime_wasi_http::Result<(), wasmtime_wasi_http::Error>> + Send>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: IoFuture,
    ) -> Box<dyn Future<Output = wasmtime_wasi_http::Result<(http::Response<WasiBody>, IoFuture)>> + Send> {
        if !self.allowlist.allows(request.uri()) {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        self.requests_sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stats: Vec<Arc<crate::stats::CallStats>> = self.stats.iter().flatten().cloned().collect();
        for stats in &stats {
            stats.count_request();
        }
        let books_organization = books_organization(&request);
        if request.uri().path().starts_with(crate::stats::BOOKS_PATH) {
            for stats in &stats {
                stats.count_books_request();
            }
        }
        let org_limits = Arc::clone(&self.org_limits);
        let books = Arc::clone(&self.books);
        let books_max_in_flight = self.books_max_in_flight;
        let organization = self.organization.clone();
        let cap = self.max_timeout;
        let options = options.unwrap_or_default();
        // Without a guest timeout wasmtime would wait 600 s; never wait longer than the cap.
        let timeouts = crate::pool::Timeouts {
            connect: options.connect_timeout.map_or(cap, |t| t.min(cap)),
            first_byte: options.first_byte_timeout.map_or(cap, |t| t.min(cap)),
            between_bytes: options.between_bytes_timeout.map_or(cap, |t| t.min(cap)),
        };
        let limit = self.max_response_bytes;
        let pool = self.pool.clone();
        Box::new(async move {
            let (request, priced) = read_json_body(request).await?;
            // Zoho counts a call in flight until its answer is out: the slot is held with the
            // response body and freed when the component drops it.
            // Books has its own limits per Books organization; CRM's slots are CRM's.
            let in_flight = match (&books_organization, &organization) {
                (Some(books_organization), _) => Some(books.acquire(books_organization, books_max_in_flight).await),
                (None, Some((organization, max))) => {
                    let bulk_write = priced.records_written() > crate::concurrency::BULK_WRITE_RECORDS;
                    Some(org_limits.acquire(organization, *max, bulk_write).await)
                }
                (None, None) => None,
            };
            let response = pool.send(request, timeouts).await?;
            if let Some(credits) = priced.charged(response.status().as_u16()) {
                for stats in &stats {
                    stats.add_credits(credits);
                }
            }
            // The pool drives each connection on its own task; there is no I/O left to await.
            drop(fut);
            let io: IoFuture = Box::new(async { Ok(()) });
            let response = response.map(|body| {
                use http_body_util::BodyExt;
                let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
                http_body_util::Limited::new(body, limit)
                    .map_err(move |error| match error.downcast::<wasmtime_wasi_http::Error>() {
                        Ok(inner) => *inner,
                        Err(_) => wasmtime_wasi_http::Error::HttpResponseBodySize(Some(limit_u64)),
                    })
                    // The closure owns the in-flight slot, so it lives exactly as long as the body.
                    .map_frame(move |frame| {
                        let _slot = &in_flight;
                        frame
                    })
                    .boxed_unsync()
            });
            Ok((response, io))
        })
    }
}

/// What a request costs once answered, from its method, path, query and JSON body.
struct Priced {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: bytes::Bytes,
}

impl Priced {
    /// The credits Zoho charges for an answer with `status` (a refused token, a refusal for
    /// credits or a server failure is not a served call).
    fn charged(&self, status: u16) -> Option<u32> {
        if matches!(status, 401 | 429) || status >= 500 {
            return None;
        }
        zoho_facts::credits::cost(&self.method, &self.path, &self.query, &self.body)
    }

    fn records_written(&self) -> usize {
        zoho_facts::credits::records_written(&self.method, &self.path, &self.body)
    }
}

/// Reads a JSON request body whole (the component built it in memory; Zoho prices writes and
/// COQL by it, and limits writes of many records apart) and passes it on unchanged. Other
/// bodies (uploads) stream through untouched.
async fn read_json_body(
    request: http::Request<WasiBody>,
) -> wasmtime_wasi_http::Result<(http::Request<WasiBody>, Priced)> {
    use http_body_util::BodyExt;
    let query = request
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let json = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let mut priced = Priced {
        method: request.method().as_str().to_owned(),
        path: request.uri().path().to_owned(),
        query,
        body: bytes::Bytes::new(),
    };
    if !json {
        return Ok((request, priced));
    }
    let (parts, body) = request.into_parts();
    priced.body = body.collect().await?.to_bytes();
    let body = http_body_util::Full::new(priced.body.clone())
        .map_err(|never| match never {})
        .boxed_unsync();
    Ok((http::Request::from_parts(parts, body), priced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_connection_origin_is_allowed() {
        let list = Allowlist::default();
        list.allow_api_domain("https://www.zohoapis.ca", false);
        assert!(list.allows(&"https://www.zohoapis.ca/crm/v8/Leads".parse().expect("uri")));
        assert!(list.allows(&"https://WWW.zohoapis.ca:443/x".parse().expect("uri")));
        for other in [
            "https://www.zohoapis.com/crm",
            "http://www.zohoapis.ca/crm",
            "https://www.zohoapis.ca:8443/",
            "https://evil.example/",
            "https://content.zohoapis.com/crm/v8/upload",
            "https://download-accl.zoho.com/x.zip",
        ] {
            assert!(!list.allows(&other.parse().expect("uri")), "{other}");
        }
        // The same data center's bulk file hosts come with the API domain: Canada's are on
        // zohocloud.ca, as its accounts server is.
        assert!(list.allows(&"https://upload.zohocloud.ca/crm/v8/upload".parse().expect("uri")));
        assert!(
            list.allows(
                &"https://download-accl.zohocloud.ca/v2/crm/1/bulk-write/2/2.zip"
                    .parse()
                    .expect("uri")
            )
        );
        assert!(!list.allows(&"https://content.zohoapis.ca/crm/v8/upload".parse().expect("uri")));
        let sandbox = Allowlist::default();
        sandbox.allow_api_domain("https://sandbox.zohoapis.sa", false);
        assert!(sandbox.allows(&"https://files.zoho.sa/crm/v8/upload".parse().expect("uri")));
        assert!(sandbox.allows(&"https://sandbox.zohoapis.sa/crm/v8/Leads".parse().expect("uri")));
    }

    #[test]
    fn every_data_center_and_environment_allows_its_own_file_hosts_only() {
        use zoho_facts::{Environment, REGIONS, api_domain, file_origins, upload_origin};
        for region in REGIONS {
            for environment in [Environment::Production, Environment::Sandbox, Environment::Developer] {
                let domain = api_domain(region, environment);
                let list = Allowlist::default();
                list.allow_api_domain(&domain, false);
                let upload = upload_origin(&domain).expect("a Zoho domain has an upload host");
                assert!(
                    list.allows(&format!("{upload}/crm/v8/upload").parse().expect("uri")),
                    "{domain}"
                );
                for file_origin in file_origins(&domain) {
                    assert!(
                        list.allows(&format!("{file_origin}/x.zip").parse().expect("uri")),
                        "{domain}: {file_origin}"
                    );
                }
                for other in REGIONS
                    .iter()
                    .filter(|r| r.code != region.code && r.upload_origin != region.upload_origin)
                {
                    assert!(
                        !list.allows(&format!("{}/crm/v8/upload", other.upload_origin).parse().expect("uri")),
                        "{domain} must not reach {}",
                        other.upload_origin
                    );
                }
            }
        }
    }

    #[test]
    fn loopback_needs_explicit_permission_and_plain_http_only_for_loopback() {
        let list = Allowlist::default();
        list.allow_api_domain("http://127.0.0.1:8080", false);
        assert!(!list.allows(&"http://127.0.0.1:8080/x".parse().expect("uri")));
        list.allow_api_domain("http://127.0.0.1:8080", true);
        assert!(list.allows(&"http://127.0.0.1:8080/x".parse().expect("uri")));
        list.allow_api_domain("http://www.zohoapis.com", true);
        assert!(!list.allows(&"http://www.zohoapis.com/x".parse().expect("uri")));
    }
}
