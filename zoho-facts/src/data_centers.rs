//! Zoho's data centers, as one table both sides of the component boundary read: the host
//! (where to authorize, which API domains a token response may name, which origins the
//! component may reach) and the component (where uploads go, which download URLs may receive
//! the token). Keeping it in one place means the allowlist and the component cannot drift.
//!
//! Sources: the official Python SDK's data-center classes (`zohocrmsdk/src/com/zoho/crm/api/dc/`
//! in `zoho/zohocrm-python-sdk-8.0`: API domain per environment, accounts URL, file upload URL);
//! Zoho's v8 OpenAPI `bulk_write.json` servers (`content.zohoapis.{dc}`); the Bulk Write docs
//! (`download_url` on `download-accl.zoho.{dc}`). See `docs/zoho-facts.md`.

/// One data center.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// The code used on the command line and in `ZOHO_REGION`.
    pub code: &'static str,
    pub name: &'static str,
    /// The accounts server (OAuth).
    pub accounts_url: &'static str,
    /// The production API domain.
    pub api_domain: &'static str,
    /// Where Bulk Write files are uploaded (`POST /crm/v8/upload`), whatever the environment:
    /// the SDKs give sandbox and developer orgs the production upload host of their data center.
    pub upload_origin: &'static str,
    /// Zoho's own domain in this data center (`accounts.{it}`, `download-accl.{it}`).
    zoho_domain: &'static str,
}

/// Every Zoho data center. Canada's accounts and file hosts are on `zohocloud.ca`, Saudi
/// Arabia's uploads on `files.zoho.sa` (Python SDK `ca_data_center.py`, `sa_data_center.py`).
pub const REGIONS: &[Region] = &[
    Region {
        code: "us",
        name: "United States",
        accounts_url: "https://accounts.zoho.com",
        api_domain: "https://www.zohoapis.com",
        upload_origin: "https://content.zohoapis.com",
        zoho_domain: "zoho.com",
    },
    Region {
        code: "eu",
        name: "Europe",
        accounts_url: "https://accounts.zoho.eu",
        api_domain: "https://www.zohoapis.eu",
        upload_origin: "https://content.zohoapis.eu",
        zoho_domain: "zoho.eu",
    },
    Region {
        code: "in",
        name: "India",
        accounts_url: "https://accounts.zoho.in",
        api_domain: "https://www.zohoapis.in",
        upload_origin: "https://content.zohoapis.in",
        zoho_domain: "zoho.in",
    },
    Region {
        code: "au",
        name: "Australia",
        accounts_url: "https://accounts.zoho.com.au",
        api_domain: "https://www.zohoapis.com.au",
        upload_origin: "https://content.zohoapis.com.au",
        zoho_domain: "zoho.com.au",
    },
    Region {
        code: "jp",
        name: "Japan",
        accounts_url: "https://accounts.zoho.jp",
        api_domain: "https://www.zohoapis.jp",
        upload_origin: "https://content.zohoapis.jp",
        zoho_domain: "zoho.jp",
    },
    Region {
        code: "ca",
        name: "Canada",
        accounts_url: "https://accounts.zohocloud.ca",
        api_domain: "https://www.zohoapis.ca",
        upload_origin: "https://upload.zohocloud.ca",
        zoho_domain: "zohocloud.ca",
    },
    Region {
        code: "cn",
        name: "China",
        accounts_url: "https://accounts.zoho.com.cn",
        api_domain: "https://www.zohoapis.com.cn",
        upload_origin: "https://content.zohoapis.com.cn",
        zoho_domain: "zoho.com.cn",
    },
    Region {
        code: "sa",
        name: "Saudi Arabia",
        accounts_url: "https://accounts.zoho.sa",
        api_domain: "https://www.zohoapis.sa",
        upload_origin: "https://files.zoho.sa",
        zoho_domain: "zoho.sa",
    },
    Region {
        // The SDKs have no UK class. The accounts server is on Zoho Accounts' multi-DC page;
        // the API domain follows every other data center's pattern. No Zoho source names a UK
        // file host, so uploads go to the one the Bulk Write upload page calls "the common
        // upload endpoint for all data centers" (docs `bulk-write/upload-file`).
        code: "uk",
        name: "United Kingdom",
        accounts_url: "https://accounts.zoho.uk",
        api_domain: "https://www.zohoapis.uk",
        upload_origin: "https://upload.zoho.com",
        zoho_domain: "zoho.uk",
    },
];

/// Which Zoho environment an API domain serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Production,
    Sandbox,
    Developer,
}

impl Environment {
    const ALL: [Environment; 3] = [Environment::Production, Environment::Sandbox, Environment::Developer];

    fn host_prefix(self) -> &'static str {
        match self {
            Environment::Production => "www",
            Environment::Sandbox => "sandbox",
            Environment::Developer => "developer",
        }
    }
}

/// A region by code (case-insensitive).
pub fn region(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code.eq_ignore_ascii_case(code.trim()))
}

/// The region whose accounts server is `accounts_url`.
pub fn region_for_accounts(accounts_url: &str) -> Option<&'static Region> {
    let wanted = accounts_url.trim_end_matches('/');
    REGIONS.iter().find(|r| r.accounts_url.eq_ignore_ascii_case(wanted))
}

/// The API domain of a region in an environment, e.g. `https://sandbox.zohoapis.eu`.
pub fn api_domain(region: &Region, environment: Environment) -> String {
    region.api_domain.replacen("www", environment.host_prefix(), 1)
}

/// The region and environment of a Zoho API domain (`https://sandbox.zohoapis.eu`), or `None`
/// for anything else (a local fake, an unknown host).
pub fn classify(domain: &str) -> Option<(&'static Region, Environment)> {
    let domain = domain.trim_end_matches('/');
    REGIONS.iter().find_map(|region| {
        Environment::ALL
            .iter()
            .find(|e| api_domain(region, **e).eq_ignore_ascii_case(domain))
            .map(|e| (region, *e))
    })
}

/// Whether `domain` is an API domain of some region and environment. A token response naming
/// anything else is refused, so a compromised accounts answer cannot redirect the token.
pub fn is_zoho_api_domain(domain: &str) -> bool {
    classify(domain).is_some()
}

/// Where Bulk Write uploads go for a connection on `api_domain`; `None` for an origin that is
/// not Zoho's (a local fake serves uploads itself).
pub fn upload_origin(api_domain: &str) -> Option<&'static str> {
    classify(api_domain).map(|(region, _)| region.upload_origin)
}

/// Every origin (`https://host`, no port) besides the API domain itself that serves a
/// connection's bulk files and so may receive its token: the upload host and the download
/// hosts of Bulk Write results in the same data center. Empty for an origin not Zoho's.
pub fn file_origins(api_domain: &str) -> Vec<String> {
    let Some((region, _)) = classify(api_domain) else {
        return Vec::new();
    };
    let mut origins = Vec::with_capacity(3);
    origins.push(String::from(region.upload_origin));
    for download in ["download", "download-accl"] {
        origins.push(format!("https://{download}.{}", region.zoho_domain));
    }
    origins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canada_uses_zohocloud_for_accounts_and_zohoapis_ca_for_apis() {
        let ca = region("CA").expect("known");
        assert_eq!(
            (ca.accounts_url, ca.api_domain),
            ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca")
        );
        assert_eq!(
            region_for_accounts("https://accounts.zohocloud.ca/").map(|r| r.code),
            Some("ca")
        );
    }

    #[test]
    fn sandbox_and_developer_domains_are_derived_and_allowed() {
        let eu = region("eu").expect("known");
        assert_eq!(api_domain(eu, Environment::Sandbox), "https://sandbox.zohoapis.eu");
        assert!(is_zoho_api_domain("https://developer.zohoapis.com.au"));
        assert!(is_zoho_api_domain("https://www.zohoapis.ca"));
        assert!(!is_zoho_api_domain("https://www.zohoapis.evil.example"));
        assert!(!is_zoho_api_domain("http://www.zohoapis.com"));
        assert_eq!(
            classify("https://DEVELOPER.zohoapis.sa").map(|(r, e)| (r.code, e)),
            Some(("sa", Environment::Developer))
        );
    }

    #[test]
    fn uploads_go_to_each_data_centers_file_host_in_every_environment() {
        for (domain, upload) in [
            ("https://www.zohoapis.com", "https://content.zohoapis.com"),
            ("https://www.zohoapis.eu", "https://content.zohoapis.eu"),
            ("https://www.zohoapis.ca", "https://upload.zohocloud.ca"),
            ("https://sandbox.zohoapis.ca", "https://upload.zohocloud.ca"),
            ("https://www.zohoapis.sa", "https://files.zoho.sa"),
            ("https://developer.zohoapis.sa", "https://files.zoho.sa"),
            ("https://sandbox.zohoapis.com.au", "https://content.zohoapis.com.au"),
            ("https://www.zohoapis.uk", "https://upload.zoho.com"),
        ] {
            assert_eq!(upload_origin(domain), Some(upload), "{domain}");
        }
        assert_eq!(upload_origin("http://127.0.0.1:4000"), None);
        assert_eq!(
            file_origins("https://sandbox.zohoapis.eu"),
            [
                "https://content.zohoapis.eu",
                "https://download.zoho.eu",
                "https://download-accl.zoho.eu"
            ]
        );
        assert_eq!(
            file_origins("https://www.zohoapis.ca"),
            [
                "https://upload.zohocloud.ca",
                "https://download.zohocloud.ca",
                "https://download-accl.zohocloud.ca"
            ]
        );
        assert!(file_origins("https://evil.example").is_empty());
    }
}
