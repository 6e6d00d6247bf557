//! The columns Books documents sorting each record type by. Books publishes no OpenAPI
//! document; these come from Zoho's `books-java-wrappers` (each `*Api.java` list's
//! `sort_column` values) and the Books v3 list docs. What Books does with any other column is
//! not documented (an error, or the default order with either column echoed), so the
//! component's triggers sort only by a column listed here and check the order they get, and
//! fake-zoho honours only these.

/// Record type -> its documented sort columns.
pub const DOCUMENTED: &[(&str, &[&str])] = &[
    (
        "contacts",
        &[
            "contact_name",
            "first_name",
            "last_name",
            "email",
            "outstanding_receivable_amount",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "invoices",
        &[
            "customer_name",
            "invoice_number",
            "date",
            "due_date",
            "total",
            "balance",
            "created_time",
        ],
    ),
    (
        "bills",
        &[
            "vendor_name",
            "bill_number",
            "date",
            "due_date",
            "total",
            "balance",
            "created_time",
        ],
    ),
    (
        "estimates",
        &["customer_name", "estimate_number", "date", "total", "created_time"],
    ),
    (
        "salesorders",
        &[
            "customer_name",
            "salesorder_number",
            "shipment_date",
            "total",
            "date",
            "created_time",
        ],
    ),
    ("items", &["name", "rate", "tax_name"]),
];

/// Whether Books documents sorting `record_type` by `column`.
pub fn documented(record_type: &str, column: &str) -> bool {
    DOCUMENTED
        .iter()
        .find(|(name, _)| *name == record_type)
        .is_some_and(|(_, columns)| columns.contains(&column))
}

#[cfg(test)]
mod tests {
    use super::documented;

    #[test]
    fn only_documented_time_columns_are_sorted_by() {
        assert!(documented("invoices", "created_time"));
        assert!(!documented("invoices", "last_modified_time"));
        assert!(documented("contacts", "last_modified_time"));
        assert!(!documented("items", "created_time"));
        assert!(!documented("expenses", "created_time"));
    }
}
