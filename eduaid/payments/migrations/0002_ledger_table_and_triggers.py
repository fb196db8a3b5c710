"""The money ledger's table, and the triggers with which the database refuses to change it.

The table is created here by SQL (the model is unmanaged, so that Django's `flush` never tries to
empty it). SQLite: BEFORE UPDATE / BEFORE DELETE triggers raise. PostgreSQL: one trigger function
refuses UPDATE and DELETE row by row, and TRUNCATE by statement.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TABLE "payments_ledgerentry" (
        "sequence" bigint NOT NULL PRIMARY KEY CHECK ("sequence" >= 1),
        "kind" varchar(20) NOT NULL,
        "entitlement_ref" bigint NOT NULL,
        "payload" text NOT NULL CHECK (JSON_VALID("payload")),
        "prev_hash" varchar(64) NOT NULL,
        "hash" varchar(64) NOT NULL UNIQUE,
        "recorded_at" datetime NOT NULL
    )
    """,
    'CREATE INDEX "payments_ledgerentry_entitlement_ref" ON "payments_ledgerentry" ("entitlement_ref")',
    """
    CREATE TRIGGER "payments_ledger_refuse_update" BEFORE UPDATE ON "payments_ledgerentry"
    BEGIN SELECT RAISE(ABORT, 'the money ledger is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER "payments_ledger_refuse_delete" BEFORE DELETE ON "payments_ledgerentry"
    BEGIN SELECT RAISE(ABORT, 'the money ledger is append-only: DELETE refused'); END
    """,
]
SQLITE_BACKWARD = [
    'DROP TRIGGER IF EXISTS "payments_ledger_refuse_delete"',
    'DROP TRIGGER IF EXISTS "payments_ledger_refuse_update"',
    'DROP TABLE IF EXISTS "payments_ledgerentry"',
]

POSTGRES_FORWARD = [
    """
    CREATE TABLE "payments_ledgerentry" (
        "sequence" bigint NOT NULL PRIMARY KEY CHECK ("sequence" >= 1),
        "kind" varchar(20) NOT NULL,
        "entitlement_ref" bigint NOT NULL,
        "payload" jsonb NOT NULL,
        "prev_hash" varchar(64) NOT NULL,
        "hash" varchar(64) NOT NULL UNIQUE,
        "recorded_at" timestamp with time zone NOT NULL
    )
    """,
    'CREATE INDEX "payments_ledgerentry_entitlement_ref" ON "payments_ledgerentry" ("entitlement_ref")',
    """
    CREATE FUNCTION payments_ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the money ledger is append-only: % refused', TG_OP;
    END
    $$
    """,
    """
    CREATE TRIGGER payments_ledger_refuse_change BEFORE UPDATE OR DELETE ON "payments_ledgerentry"
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_refuse()
    """,
    """
    CREATE TRIGGER payments_ledger_refuse_truncate BEFORE TRUNCATE ON "payments_ledgerentry"
    FOR EACH STATEMENT EXECUTE FUNCTION payments_ledger_refuse()
    """,
]
POSTGRES_BACKWARD = [
    'DROP TABLE IF EXISTS "payments_ledgerentry"',
    "DROP FUNCTION IF EXISTS payments_ledger_refuse()",
]


class VendorRunSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor ("sqlite", "postgresql")."""

    def __init__(self, vendor, sql, reverse_sql):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_bank_accounts_batches_ledger")]

    operations = [
        VendorRunSQL("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        VendorRunSQL("postgresql", POSTGRES_FORWARD, POSTGRES_BACKWARD),
    ]
