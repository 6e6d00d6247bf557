//! What Zoho's Books v3 OpenAPI documents say about each record type a list operation
//! publishes: the key its list answer carries the records under, the key of a single record's
//! answer, the field holding each record's id, the columns its list documents sorting by, and
//! whether its list takes the `last_modified_time` filter.
//!
//! Source: Zoho Books' "Download Zoho Books OpenAPI Document" files (37 per-module YAML files),
//! as digested in `tests/contract/fixtures/zoho-oas/books-v3-digest.json`; each row names its
//! list operation. The contract crate's test `books_types_match_zohos_documents` holds every
//! row against that digest, so the table cannot drift from the documents. The id field is the
//! list answer's, not the single operation's path parameter: the two disagree for purchase
//! orders (`purchase_order_id` in the path, `purchaseorder_id` in every answer) and bank
//! transactions (`bank_transaction_id` / `transaction_id`), and a trigger reads lists.
//!
//! What a row does not settle, and where that is decided:
//! - `single_key` is `None` where the document shows the record's fields at the top level of a
//!   single answer (bank rules, chart of accounts) or publishes no single read (locations,
//!   recurring bills). The component never relies on it: it reads whichever entity key an
//!   answer carries (`books::decode`). The fixed asset document names the key `fissed-asset`,
//!   a typing slip in Zoho's document; the row keeps `fixed_asset`, the list's own naming.
//! - `lists_created_time` / `lists_modified_time` say whether the list schema shows the
//!   times. Books' schemas were written from samples, so a time missing from a schema may still
//!   come back; the Books triggers work either way (see `component/src/triggers/books_poll.rs`).
//! - Two `sort_column` descriptions are prose ("... created_time and last_modified_time");
//!   the digest's word `and` is not a column and is left out.

/// One Books record type, as Zoho's documents publish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BooksType {
    /// The path under `/books/v3`, which is also the `recordType` input: `invoices`,
    /// `settings/taxes`, `projects/timeentries`.
    pub path: &'static str,
    /// The key of a list answer's records: `invoices`, `customer_payments`, `time_entries`.
    pub list_key: &'static str,
    /// The key of a single record's answer, where the document names one.
    pub single_key: Option<&'static str>,
    /// The field holding a record's id in list answers.
    pub id_field: &'static str,
    /// The documented `sort_column` values of the list.
    pub sort_columns: &'static [&'static str],
    /// Whether the list documents `sort_order` (`A` or `D`) beside `sort_column`. Most lists
    /// document only the column; their answers' `page_context` says which order was used
    /// (`"sort_order": "D"` in Zoho's samples).
    pub sort_order: bool,
    /// Whether the list documents the `last_modified_time` filter ("modified after").
    pub modified_filter: bool,
    /// Whether the list schema shows `created_time` on each record.
    pub lists_created_time: bool,
    /// Whether the list schema shows `last_modified_time` on each record.
    pub lists_modified_time: bool,
}

impl BooksType {
    /// Whether the list documents sorting by `column`.
    pub fn sorts_by(&self, column: &str) -> bool {
        self.sort_columns.contains(&column)
    }
}

/// Every record type with a published list operation and a per-record id, by path.
#[rustfmt::skip]
pub const BOOKS_TYPES: &[BooksType] = &[
    // list_bank_accounts
    BooksType { path: "bankaccounts", list_key: "bankaccounts", single_key: Some("bankaccount"), id_field: "account_id", sort_columns: &["account_name", "account_type", "account_code"], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_bank_account_rules
    BooksType { path: "bankaccounts/rules", list_key: "rules", single_key: None, id_field: "rule_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_bank_transactions
    BooksType { path: "banktransactions", list_key: "banktransactions", single_key: Some("banktransaction"), id_field: "transaction_id", sort_columns: &["date"], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_base_currency_adjustments
    BooksType { path: "basecurrencyadjustment", list_key: "base_currency_adjustments", single_key: Some("data"), id_field: "base_currency_adjustment_id", sort_columns: &["adjustment_date", "exchange_rate", "currency_code", "debit_or_credit", "gain_or_loss"], sort_order: false, modified_filter: true, lists_created_time: false, lists_modified_time: false },
    // list_bills
    BooksType { path: "bills", list_key: "bills", single_key: Some("bill"), id_field: "bill_id", sort_columns: &["vendor_name", "bill_number", "date", "due_date", "total", "balance", "created_time"], sort_order: true, modified_filter: true, lists_created_time: true, lists_modified_time: true },
    // list_chart_of_accounts
    BooksType { path: "chartofaccounts", list_key: "chartofaccounts", single_key: None, id_field: "account_id", sort_columns: &["account_name", "account_type"], sort_order: false, modified_filter: true, lists_created_time: true, lists_modified_time: true },
    // list_contacts
    BooksType { path: "contacts", list_key: "contacts", single_key: Some("contact"), id_field: "contact_id", sort_columns: &["contact_name", "first_name", "last_name", "email", "outstanding_receivable_amount", "created_time", "last_modified_time"], sort_order: false, modified_filter: false, lists_created_time: true, lists_modified_time: true },
    // list_credit_notes
    BooksType { path: "creditnotes", list_key: "creditnotes", single_key: Some("creditnote"), id_field: "creditnote_id", sort_columns: &["customer_name", "creditnote_number", "balance", "total", "date", "created_time"], sort_order: false, modified_filter: false, lists_created_time: true, lists_modified_time: true },
    // list_currencies
    BooksType { path: "settings/currencies", list_key: "currencies", single_key: Some("currency"), id_field: "currency_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_customer_payments
    BooksType { path: "customerpayments", list_key: "customer_payments", single_key: Some("payment"), id_field: "payment_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_estimates
    BooksType { path: "estimates", list_key: "estimates", single_key: Some("estimate"), id_field: "estimate_id", sort_columns: &["customer_name", "estimate_number", "date", "total", "created_time"], sort_order: false, modified_filter: false, lists_created_time: true, lists_modified_time: true },
    // list_expenses
    BooksType { path: "expenses", list_key: "expenses", single_key: Some("expense"), id_field: "expense_id", sort_columns: &["date", "account_name", "total", "bcy_total", "reference_number", "customer_name", "created_time"], sort_order: false, modified_filter: false, lists_created_time: true, lists_modified_time: true },
    // list_employees
    BooksType { path: "employees", list_key: "employees", single_key: Some("employee"), id_field: "employee_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_fixed_assets
    BooksType { path: "fixedassets", list_key: "fixedassets", single_key: Some("fixed_asset"), id_field: "fixed_asset_id", sort_columns: &["asset_name", "asset_number", "asset_cost", "created_time", "current_asset_value"], sort_order: true, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_invoices
    BooksType { path: "invoices", list_key: "invoices", single_key: Some("invoice"), id_field: "invoice_id", sort_columns: &["customer_name", "invoice_number", "date", "due_date", "total", "balance", "created_time"], sort_order: false, modified_filter: true, lists_created_time: true, lists_modified_time: true },
    // list_items
    BooksType { path: "items", list_key: "items", single_key: Some("item"), id_field: "item_id", sort_columns: &["name", "rate", "tax_name"], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_journals
    BooksType { path: "journals", list_key: "journals", single_key: Some("journal"), id_field: "journal_id", sort_columns: &["journal_date", "entry_number", "reference_number", "total"], sort_order: false, modified_filter: true, lists_created_time: false, lists_modified_time: false },
    // list_locations
    BooksType { path: "locations", list_key: "locations", single_key: None, id_field: "location_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_projects
    BooksType { path: "projects", list_key: "projects", single_key: Some("project"), id_field: "project_id", sort_columns: &["project_name", "customer_name", "rate", "created_time"], sort_order: false, modified_filter: false, lists_created_time: true, lists_modified_time: false },
    // list_purchase_orders
    BooksType { path: "purchaseorders", list_key: "purchaseorders", single_key: Some("purchaseorder"), id_field: "purchaseorder_id", sort_columns: &["vendor_name", "purchaseorder_number", "date", "delivery_date", "total", "created_time"], sort_order: false, modified_filter: true, lists_created_time: true, lists_modified_time: true },
    // list_recurring_bills
    BooksType { path: "recurringbills", list_key: "recurringbills", single_key: None, id_field: "recurring_bill_id", sort_columns: &[], sort_order: false, modified_filter: true, lists_created_time: true, lists_modified_time: true },
    // list_recurring_expenses
    BooksType { path: "recurringexpenses", list_key: "recurring_expenses", single_key: Some("recurring_expense"), id_field: "recurring_expense_id", sort_columns: &["next_expense_date", "account_name", "total", "last_created_date", "recurrence_name", "customer_name", "created_time"], sort_order: false, modified_filter: false, lists_created_time: true, lists_modified_time: true },
    // list_recurring_invoices
    BooksType { path: "recurringinvoices", list_key: "recurring_invoices", single_key: Some("recurring_invoice"), id_field: "recurring_invoice_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_retainer_invoices
    BooksType { path: "retainerinvoices", list_key: "retainerinvoices", single_key: Some("retainerinvoice"), id_field: "retainerinvoice_id", sort_columns: &["customer_name", "retainer", "invoice_number", "date", "due_date", "total", "balance", "created_time"], sort_order: true, modified_filter: false, lists_created_time: true, lists_modified_time: true },
    // list_sales_orders
    BooksType { path: "salesorders", list_key: "salesorders", single_key: Some("salesorder"), id_field: "salesorder_id", sort_columns: &["customer_name", "salesorder_number", "shipment_date", "last_modified_time", "reference_number", "total", "date", "created_time"], sort_order: false, modified_filter: true, lists_created_time: true, lists_modified_time: true },
    // list_sales_receipts
    BooksType { path: "salesreceipts", list_key: "salesreceipts", single_key: Some("salesreceipt"), id_field: "sales_receipt_id", sort_columns: &["customer_name", "receipt_number", "date", "total", "created_time"], sort_order: false, modified_filter: false, lists_created_time: true, lists_modified_time: true },
    // list_taxes
    BooksType { path: "settings/taxes", list_key: "taxes", single_key: Some("tax"), id_field: "tax_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_tax_authorities
    BooksType { path: "settings/taxauthorities", list_key: "tax_authorities", single_key: Some("tax_authority"), id_field: "tax_authority_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_tax_exemptions
    BooksType { path: "settings/taxexemptions", list_key: "tax_exemptions", single_key: Some("tax_exemption"), id_field: "tax_exemption_id", sort_columns: &[], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_time_entries
    BooksType { path: "projects/timeentries", list_key: "time_entries", single_key: Some("time_entry"), id_field: "time_entry_id", sort_columns: &["project_name", "task_name", "user_name", "log_date", "timer_started_at", "customer_name"], sort_order: false, modified_filter: false, lists_created_time: true, lists_modified_time: false },
    // list_users
    BooksType { path: "users", list_key: "users", single_key: Some("user"), id_field: "user_id", sort_columns: &["name", "email", "user_role", "status"], sort_order: false, modified_filter: false, lists_created_time: false, lists_modified_time: false },
    // list_vendor_credits
    BooksType { path: "vendorcredits", list_key: "vendorcredits", single_key: Some("vendor_credit"), id_field: "vendor_credit_id", sort_columns: &["vendor_name", "vendor_credit_number", "balance", "total", "date", "created_time", "last_modified_time", "reference_number"], sort_order: false, modified_filter: true, lists_created_time: true, lists_modified_time: true },
    // list_vendor_payments
    BooksType { path: "vendorpayments", list_key: "vendorpayments", single_key: Some("vendorpayment"), id_field: "payment_id", sort_columns: &["vendor_name", "date", "reference_number", "amount", "balance"], sort_order: false, modified_filter: true, lists_created_time: true, lists_modified_time: true },
];

/// The documented facts of the record type at `path`, if Zoho's documents publish it.
pub fn books_type(path: &str) -> Option<&'static BooksType> {
    BOOKS_TYPES.iter().find(|t| t.path == path)
}

#[cfg(test)]
mod tests {
    use super::books_type;

    #[test]
    fn the_ids_the_documents_give_not_the_path_minus_s() {
        for (path, id) in [
            ("vendorcredits", "vendor_credit_id"),
            ("recurringinvoices", "recurring_invoice_id"),
            ("salesreceipts", "sales_receipt_id"),
            ("fixedassets", "fixed_asset_id"),
            ("banktransactions", "transaction_id"),
            ("recurringbills", "recurring_bill_id"),
            ("recurringexpenses", "recurring_expense_id"),
            ("basecurrencyadjustment", "base_currency_adjustment_id"),
            ("settings/taxauthorities", "tax_authority_id"),
            ("settings/taxexemptions", "tax_exemption_id"),
            ("purchaseorders", "purchaseorder_id"),
        ] {
            assert_eq!(books_type(path).map(|t| t.id_field), Some(id), "{path}");
        }
    }

    #[test]
    fn documented_time_sorts_and_filters() {
        let invoices = books_type("invoices").expect("published");
        assert!(invoices.sorts_by("created_time") && !invoices.sorts_by("last_modified_time"));
        assert!(invoices.modified_filter);
        let sales_orders = books_type("salesorders").expect("published");
        assert!(sales_orders.sorts_by("last_modified_time"));
        assert!(!books_type("items").expect("published").sorts_by("created_time"));
        assert!(!books_type("contacts").expect("published").modified_filter);
        assert!(books_type("widgets").is_none());
    }
}
