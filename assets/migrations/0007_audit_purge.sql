-- Audit and forgetting (issue 13).

-- The audit never holds a child's identifier in the clear: a row about a
-- child carries subject, the HMAC-SHA256 (hex) of the child's district and
-- sourcedId under this database's own random key. `cardroll audit` matches
-- it to a child still here; a purged child stays a hash. Rows written
-- before this migration keep the internal card or student row id they had.
ALTER TABLE audit ADD COLUMN subject TEXT;
CREATE INDEX audit_at ON audit (at);

CREATE TABLE audit_key (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	key  BLOB NOT NULL CHECK (length(key) = 32)
);
INSERT INTO audit_key (id, key) VALUES (1, randomblob(32));
CREATE TRIGGER audit_key_fixed_u BEFORE UPDATE ON audit_key
BEGIN SELECT RAISE(ABORT, 'the audit key never changes'); END;
CREATE TRIGGER audit_key_fixed_d BEFORE DELETE ON audit_key
BEGIN SELECT RAISE(ABORT, 'the audit key never changes'); END;

-- Append-only: a row once written is never changed or removed.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: a row cannot be changed'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: a row cannot be removed'); END;

-- What purged children leave behind for the report: cards still active
-- when their holder was purged, by the local day they were issued (the
-- report's signups per day and week add these in). Counts only.
CREATE TABLE purged_signups (
	day  TEXT PRIMARY KEY,                 -- YYYY-MM-DD, local time
	n    INTEGER NOT NULL CHECK (n >= 0)
) WITHOUT ROWID;

-- Files a committed purge must still remove (the print preview, batch
-- files for the ILS that hold a purged child): written in the purge's
-- transaction, removed after it, so a purge killed in between finishes
-- the next time. Paths only.
CREATE TABLE purge_file (
	path  TEXT PRIMARY KEY
) WITHOUT ROWID;
