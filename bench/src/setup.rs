//! What every figure starts from: the bundled component in a harness that may reach a fake on
//! 127.0.0.1, and a call context whose one connection points at that fake.

use std::sync::Arc;

use fake_zoho::FakeZoho;
use zoho_host::{CallContext, ConnectionInfo, Harness, HarnessConfig, StaticCredentials};

/// The connection name every figure calls through.
pub const CONNECTION: &str = "bench";

/// The bundled component in a harness allowed to reach 127.0.0.1.
pub fn loopback_harness() -> anyhow::Result<Harness> {
    Harness::bundled(HarnessConfig {
        allow_loopback: true,
        ..HarnessConfig::default()
    })
}

/// A call context whose one connection, [`CONNECTION`], points at `fake`.
pub fn context(fake: &FakeZoho) -> CallContext {
    let credentials = StaticCredentials::new().with(
        CONNECTION,
        ConnectionInfo {
            access_token: fake.access_token(),
            api_domain: fake.base_url(),
            books_organization_id: None,
        },
    );
    CallContext::new(Arc::new(credentials))
}
