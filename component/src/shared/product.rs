//! The two Zoho products, and where each one's API lives below the API domain.

use super::plan::{BOOKS_BASE, CRM_BASE};

/// Which Zoho product an action, a trigger or a raw request talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Crm,
    Books,
}

impl Product {
    /// The product's API base below the API domain.
    pub fn base(self) -> &'static str {
        match self {
            Product::Crm => CRM_BASE,
            Product::Books => BOOKS_BASE,
        }
    }

    /// An action's or trigger's label as platforms and agents show it: the product first
    /// ("CRM: Create Record", "Books: Create Record"), so the two products' actions of the
    /// same name are told apart in any list that mixes them.
    pub fn label(self, label: &str) -> String {
        let name = match self {
            Product::Crm => "CRM",
            Product::Books => "Books",
        };
        format!("{name}: {label}")
    }
}
