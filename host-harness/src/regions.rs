//! Zoho's data centers: where to authorize and which API domain to call. The token response's
//! `api_domain` wins whenever present; this table is the fallback and the allowlist of API
//! domains a token response may name.

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
}

/// Every Zoho data center. Canada's accounts server is `zohocloud.ca`, not `zoho.ca`.
pub const REGIONS: &[Region] = &[
    Region {
        code: "us",
        name: "United States",
        accounts_url: "https://accounts.zoho.com",
        api_domain: "https://www.zohoapis.com",
    },
    Region {
        code: "eu",
        name: "Europe",
        accounts_url: "https://accounts.zoho.eu",
        api_domain: "https://www.zohoapis.eu",
    },
    Region {
        code: "in",
        name: "India",
        accounts_url: "https://accounts.zoho.in",
        api_domain: "https://www.zohoapis.in",
    },
    Region {
        code: "au",
        name: "Australia",
        accounts_url: "https://accounts.zoho.com.au",
        api_domain: "https://www.zohoapis.com.au",
    },
    Region {
        code: "jp",
        name: "Japan",
        accounts_url: "https://accounts.zoho.jp",
        api_domain: "https://www.zohoapis.jp",
    },
    Region {
        code: "ca",
        name: "Canada",
        accounts_url: "https://accounts.zohocloud.ca",
        api_domain: "https://www.zohoapis.ca",
    },
    Region {
        code: "cn",
        name: "China",
        accounts_url: "https://accounts.zoho.com.cn",
        api_domain: "https://www.zohoapis.com.cn",
    },
    Region {
        code: "sa",
        name: "Saudi Arabia",
        accounts_url: "https://accounts.zoho.sa",
        api_domain: "https://www.zohoapis.sa",
    },
    Region {
        code: "uk",
        name: "United Kingdom",
        accounts_url: "https://accounts.zoho.uk",
        api_domain: "https://www.zohoapis.uk",
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

/// Whether `domain` is an API domain of some region and environment. A token response naming
/// anything else is refused, so a compromised accounts answer cannot redirect the token.
pub fn is_zoho_api_domain(domain: &str) -> bool {
    let domain = domain.trim_end_matches('/');
    REGIONS.iter().any(|r| {
        [Environment::Production, Environment::Sandbox, Environment::Developer]
            .iter()
            .any(|e| api_domain(r, *e).eq_ignore_ascii_case(domain))
    })
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
    }
}
