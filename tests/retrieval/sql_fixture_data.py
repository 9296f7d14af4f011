"""Rows, contracts and the values an acme analyst must never see (shared by the SQL tests)."""

from __future__ import annotations

SALT = "test-salt-not-secret-elsewhere"

CONTRACTS: dict[str, dict[str, object]] = {
    "customers": {
        "name": "customers",
        "owner": "crm",
        "classification": "confidential",
        "tenant_column": "tenant_id",
        "columns": [
            {"name": "tenant_id", "type": "VARCHAR"},
            {"name": "customer_id", "type": "INTEGER"},
            {"name": "name", "type": "VARCHAR", "tags": ["pii:PERSON"]},
            {"name": "email", "type": "VARCHAR", "tags": ["pii:EMAIL_ADDRESS"]},
            {"name": "phone", "type": "VARCHAR", "tags": ["pii:PHONE_NUMBER"]},
            {"name": "gender", "type": "VARCHAR", "tags": ["protected"]},
        ],
    },
    "orders": {
        "name": "orders",
        "owner": "sales",
        "tenant_column": "tenant_id",
        "columns": [
            {"name": "tenant_id", "type": "VARCHAR"},
            {"name": "order_id", "type": "INTEGER"},
            {"name": "customer_id", "type": "INTEGER"},
            {"name": "amount", "type": "DECIMAL(10,2)"},
            {"name": "ordered_on", "type": "DATE"},
        ],
    },
    "products": {
        "name": "products",
        "owner": "catalog",
        "classification": "public",
        "columns": [
            {"name": "product_id", "type": "INTEGER"},
            {"name": "title", "type": "VARCHAR"},
            {"name": "price", "type": "DOUBLE"},
        ],
    },
    "hr_salaries": {
        "name": "hr_salaries",
        "owner": "hr",
        "classification": "restricted",
        "tenant_column": "tenant_id",
        "columns": [
            {"name": "tenant_id", "type": "VARCHAR"},
            {"name": "employee", "type": "VARCHAR", "tags": ["pii:PERSON"]},
            {"name": "salary", "type": "INTEGER"},
        ],
    },
}

ROWS: dict[str, list[tuple[object, ...]]] = {
    "customers": [
        ("acme", 1, "Alice Anders", "alice.anders@acme.example", "+1-555-0101", "F"),
        ("acme", 2, "Bruno Baker", "bruno.baker@acme.example", "+1-555-0102", "M"),
        ("acme", 3, "Cleo Cruz", None, None, None),
        ("globex", 4, "Gwendolyn Globe", "gwendolyn.globe@globex.example", "+1-555-0404", "F"),
        ("globex", 5, "Hector Hollow", "hector.hollow@globex.example", "+1-555-0505", "M"),
    ],
    "orders": [
        ("acme", 10, 1, "19.99", "2026-01-05"),
        ("acme", 11, 2, "5.00", "2026-01-06"),
        ("globex", 12, 4, "777.77", "2026-01-07"),
    ],
    "products": [(100, "Widget", 9.5), (101, "Gadget", 12.25)],
    "hr_salaries": [("acme", "Alice Anders", 987654), ("globex", "Gwendolyn Globe", 876543)],
}

# Values the acme analyst must never see, in any form, in any result.
SECRETS: tuple[str, ...] = (
    "alice.anders@acme.example",
    "bruno.baker@acme.example",
    "gwendolyn.globe@globex.example",
    "hector.hollow@globex.example",
    "Gwendolyn",
    "Hector",
    "globex",
    "777.77",
    "987654",
    "876543",
    "+1-555-0",
    SALT,
)
