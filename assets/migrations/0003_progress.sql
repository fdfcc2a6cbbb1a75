-- Progress (issue 12): the coverage goals partners set, and the index the
-- signups-per-day report reads.

-- A target share of enrolled children carded by a date, for the whole
-- programme (school_id NULL) or one school. One goal per scope: setting it
-- again replaces it.
CREATE TABLE goal (
	id          INTEGER PRIMARY KEY,
	school_id   INTEGER REFERENCES school(id),
	target_pct  REAL NOT NULL CHECK (target_pct > 0 AND target_pct <= 100),
	due         TEXT NOT NULL,             -- YYYY-MM-DD
	set_at      INTEGER NOT NULL DEFAULT (unixepoch())
);
CREATE UNIQUE INDEX goal_one_per_scope ON goal (coalesce(school_id, 0));

-- Signups by day: the live cards in issue order (a void only removes an entry).
CREATE INDEX card_issued ON card (issued_at) WHERE status = 'active';

-- The community's commitment, for the partners' report: who signed on
-- (adults in public roles, never children) and when. One row.
CREATE TABLE community_profile (
	id                      INTEGER PRIMARY KEY CHECK (id = 1),
	chief_elected_official  TEXT,
	superintendent          TEXT,
	library_director        TEXT,
	commitment_date         TEXT,          -- YYYY-MM-DD
	updated_at              INTEGER NOT NULL DEFAULT (unixepoch())
);
