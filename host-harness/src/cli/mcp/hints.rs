//! What each action does to Zoho, as MCP's tool annotations say it: read-only, destructive,
//! idempotent, from the hints the manifest carries for every action.

/// The annotations of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

impl Hints {
    /// A polling trigger's poll only reads: its state comes back as the cursor.
    pub(super) const POLL: Hints = Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
    };

    /// MCP's annotations: every tool here reaches Zoho, an open world.
    pub(super) fn annotations(self, title: &str) -> rmcp::model::ToolAnnotations {
        rmcp::model::ToolAnnotations::with_title(title)
            .read_only(self.read_only)
            .destructive(self.destructive)
            .idempotent(self.idempotent)
            .open_world(true)
    }
}

impl From<&zoho_host::Hints> for Hints {
    fn from(hints: &zoho_host::Hints) -> Self {
        Hints {
            read_only: hints.read_only,
            destructive: hints.destructive,
            idempotent: hints.idempotent,
        }
    }
}
