-- Sync (issue 5): what the outbox needs beyond its first shape.

-- Staff looked at a parked likely-duplicate and said "a different child":
-- the event is sent again with the ILS's override.
ALTER TABLE outbox ADD COLUMN confirm_not_duplicate INTEGER NOT NULL DEFAULT 0;

-- Events of one child, in order (a void never overtakes its signup).
CREATE INDEX event_by_student ON event (student_id, id);

-- What is left to send, in outbox order, without walking the rows done
-- (the outbox keeps every event ever sent).
CREATE INDEX outbox_todo ON outbox (target, id) WHERE state IN ('pending', 'sending', 'waiting');

-- Per target: the last success and the last error, for the status line;
-- stopped when the credentials were refused (a person must fix them).
CREATE TABLE sync_state (
	target        TEXT PRIMARY KEY,
	last_ok       INTEGER,
	last_error    TEXT,
	last_error_at INTEGER,
	stopped       INTEGER NOT NULL DEFAULT 0
);

-- Roster sources pulled over the network: what the server said last time,
-- for conditional GET (ETag, Last-Modified) and REST deltas.
CREATE TABLE roster_source (
	url            TEXT PRIMARY KEY,
	etag           TEXT,
	last_modified  TEXT,
	last_delta_at  TEXT,
	pulled_at      INTEGER
);
