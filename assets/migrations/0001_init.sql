-- cardroll schema, version 1: roster, import runs, and the tables the desk,
-- printing and sync build on. Only what a card needs is kept (DESIGN §2.1).

CREATE TABLE district (
	id          INTEGER PRIMARY KEY,
	sourced_id  TEXT NOT NULL UNIQUE,      -- district org sourcedId, or --district KEY
	name        TEXT NOT NULL,
	created_at  INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE school (
	id            INTEGER PRIMARY KEY,
	district_id   INTEGER NOT NULL REFERENCES district(id),
	sourced_id    TEXT NOT NULL,
	name          TEXT NOT NULL,
	identifier    TEXT,
	status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
	seen_run      INTEGER,
	UNIQUE (district_id, sourced_id)
);

CREATE TABLE term (
	id            INTEGER PRIMARY KEY,
	district_id   INTEGER NOT NULL REFERENCES district(id),
	sourced_id    TEXT NOT NULL,
	title         TEXT NOT NULL,
	type          TEXT,
	start_date    TEXT,
	end_date      TEXT,
	school_year   TEXT,
	status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
	seen_run      INTEGER,
	UNIQUE (district_id, sourced_id)
);

-- Teachers are kept only as a label on the class.
CREATE TABLE class (
	id            INTEGER PRIMARY KEY,
	district_id   INTEGER NOT NULL REFERENCES district(id),
	sourced_id    TEXT NOT NULL,
	school_id     INTEGER REFERENCES school(id),
	title         TEXT NOT NULL,
	class_code    TEXT,
	grades        TEXT,
	periods       TEXT,
	term_ids      TEXT,
	teacher       TEXT,
	status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
	seen_run      INTEGER,
	UNIQUE (district_id, sourced_id)
);
CREATE INDEX class_by_school ON class (school_id);
-- A roster delta looks classes up by sourcedId and needs their school.
CREATE INDEX class_lookup ON class (district_id, sourced_id, school_id);

-- A student is never deleted while they hold a card: leaving is status 'withdrawn'.
CREATE TABLE student (
	id               INTEGER PRIMARY KEY,
	district_id      INTEGER NOT NULL REFERENCES district(id),
	sourced_id       TEXT NOT NULL,
	sid_key          INTEGER,             -- a 64-bit hash of sourced_id: a small, fast key
	student_number   TEXT,                -- the district student ID (identifier or userIds SIS)
	given_name       TEXT NOT NULL,
	family_name      TEXT NOT NULL,
	preferred_name   TEXT,
	grade            TEXT,
	school_id        INTEGER REFERENCES school(id),
	birth_date       TEXT,                -- YYYY-MM-DD, only where a policy needs age
	directory_optout INTEGER NOT NULL DEFAULT 0,
	-- a active, i inactive (enabledUser false), w withdrawn: one byte
	-- whatever the state, so a withdrawal rewrites the row in place
	-- instead of splitting its page; status spells it out.
	status_code      TEXT NOT NULL DEFAULT 'a' CHECK (status_code IN ('a', 'i', 'w')),
	status           TEXT GENERATED ALWAYS AS
	                 (CASE status_code WHEN 'a' THEN 'active' WHEN 'i' THEN 'inactive' ELSE 'withdrawn' END)
	                 VIRTUAL,
	name_fold        TEXT NOT NULL,       -- lower-case, accent-stripped names for search
	seen_run         INTEGER              -- the import that last changed or saw the row
	                                      -- (for a withdrawn child: the one that withdrew them)
);
-- A bulk import drops and rebuilds the student indexes and the search
-- triggers around its rows (much faster than a million index updates), so
-- they are kept as separate, named objects. Students are found by the hash
-- of their sourcedId (then compared in full): an index of 16-byte keys is a
-- third the size of one of UUIDs, and a delta rewrites that much less.
CREATE UNIQUE INDEX student_sid ON student (district_id, sid_key);
CREATE INDEX student_by_number ON student (student_number);
-- The dateLastModified of the last change applied to a child, so an older
-- delta row never overwrites a newer one. Bulk rows carry none; kept apart
-- so that the first delta does not grow (and split the pages of) a million
-- student rows.
CREATE TABLE student_modified (
	student_id   INTEGER PRIMARY KEY REFERENCES student(id),
	modified_at  TEXT NOT NULL
);
-- Active students by school: coverage counts and class rolls. Partial, so a
-- withdrawal only removes an entry (a roster delta withdraws thousands).
CREATE INDEX student_by_school ON student (school_id) WHERE status_code = 'a';

CREATE VIRTUAL TABLE student_fts USING fts5 (
	name_fold, content = 'student', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6', detail = 'none',
	columnsize = 0
);
CREATE TRIGGER student_fts_ai AFTER INSERT ON student BEGIN
	INSERT INTO student_fts (rowid, name_fold) VALUES (new.id, new.name_fold);
END;
CREATE TRIGGER student_fts_ad AFTER DELETE ON student BEGIN
	INSERT INTO student_fts (student_fts, rowid, name_fold) VALUES ('delete', old.id, old.name_fold);
END;
CREATE TRIGGER student_fts_au AFTER UPDATE OF name_fold ON student
	WHEN old.name_fold IS NOT new.name_fold BEGIN
	INSERT INTO student_fts (student_fts, rowid, name_fold) VALUES ('delete', old.id, old.name_fold);
	INSERT INTO student_fts (rowid, name_fold) VALUES (new.id, new.name_fold);
END;

-- Enrollments are kept child by child: a roster delta changes a few
-- children's classes, and their rows sit together. A class roll is found
-- through the active students of the class's school (student_by_school,
-- then this key), plus enrollment_away for children whose own school is
-- another one (shared-time programmes). No index by class: on millions of
-- enrollments it would double what every roster change writes.
CREATE TABLE enrollment (
	student_id   INTEGER NOT NULL REFERENCES student(id),
	class_id     INTEGER NOT NULL REFERENCES class(id),
	PRIMARY KEY (student_id, class_id)
) WITHOUT ROWID;

CREATE TABLE enrollment_away (
	class_id     INTEGER NOT NULL REFERENCES class(id),
	student_id   INTEGER NOT NULL REFERENCES student(id),
	PRIMARY KEY (class_id, student_id)
) WITHOUT ROWID;
CREATE INDEX enrollment_away_by_student ON enrollment_away (student_id);

CREATE TABLE import_run (
	id           INTEGER PRIMARY KEY,
	district_id  INTEGER REFERENCES district(id),
	started_at   INTEGER NOT NULL,
	finished_at  INTEGER,
	source       TEXT NOT NULL,
	kind         TEXT NOT NULL,           -- oneroster-bulk, oneroster-delta, csv
	dry_run      INTEGER NOT NULL DEFAULT 0,
	outcome      TEXT NOT NULL DEFAULT 'running'
	             CHECK (outcome IN ('running', 'ok', 'failed', 'interrupted')),
	added        INTEGER NOT NULL DEFAULT 0,
	updated      INTEGER NOT NULL DEFAULT 0,
	withdrawn    INTEGER NOT NULL DEFAULT 0,
	rejected     INTEGER NOT NULL DEFAULT 0,
	warnings     INTEGER NOT NULL DEFAULT 0,
	message      TEXT
);

-- The row report: where (file, line, field), how bad, and why. No names or IDs.
CREATE TABLE import_issue (
	run_id    INTEGER NOT NULL REFERENCES import_run(id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,
	file      TEXT NOT NULL,
	line      INTEGER NOT NULL,
	field     TEXT,
	severity  TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
	reason    TEXT NOT NULL,
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- Saved column mappings for plain CSV exports (cardroll import --map NAME).
CREATE TABLE column_map (
	name        TEXT PRIMARY KEY,
	district    TEXT NOT NULL,
	mapping     TEXT NOT NULL              -- field=Column lines
);

-- Sketches for the desk, printing and sync issues: shaped now so they need
-- no painful migration later.
CREATE TABLE staff (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	role        TEXT NOT NULL CHECK (role IN ('admin', 'librarian', 'volunteer')),
	pin_hash    TEXT NOT NULL,
	created_at  INTEGER NOT NULL DEFAULT (unixepoch()),
	disabled    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE card (
	id            INTEGER PRIMARY KEY,
	number        TEXT NOT NULL UNIQUE,
	student_id    INTEGER NOT NULL REFERENCES student(id),
	scheme        TEXT NOT NULL,           -- student-id, range, stock
	issued_at     INTEGER NOT NULL,
	issued_by     INTEGER REFERENCES staff(id),
	desk          TEXT,
	expires       TEXT,
	category      TEXT,
	status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'void')),
	void_reason   TEXT,
	ils_patron_id TEXT
);
CREATE UNIQUE INDEX card_one_active ON card (student_id) WHERE status = 'active';

-- Per-desk blocks of a library barcode range, so offline desks never collide.
CREATE TABLE card_block (
	id           INTEGER PRIMARY KEY,
	desk         TEXT NOT NULL,
	institution  TEXT NOT NULL,
	first_serial INTEGER NOT NULL,
	last_serial  INTEGER NOT NULL,
	next_serial  INTEGER NOT NULL
);

CREATE TABLE consent (
	student_id   INTEGER PRIMARY KEY REFERENCES student(id),
	state        TEXT NOT NULL CHECK (state IN ('none', 'pending', 'given', 'signed', 'opted_out')),
	recorded_at  INTEGER NOT NULL,
	recorded_by  INTEGER REFERENCES staff(id)
);

-- Every signup, void and consent change, with its idempotency key.
CREATE TABLE event (
	id          INTEGER PRIMARY KEY,
	uuid        TEXT NOT NULL UNIQUE,
	kind        TEXT NOT NULL CHECK (kind IN ('signup', 'void', 'consent', 'optout')),
	student_id  INTEGER NOT NULL REFERENCES student(id),
	card_id     INTEGER REFERENCES card(id),
	staff_id    INTEGER REFERENCES staff(id),
	desk        TEXT,
	at          INTEGER NOT NULL,
	detail      TEXT
);

CREATE TABLE outbox (
	id          INTEGER PRIMARY KEY,
	event_id    INTEGER NOT NULL REFERENCES event(id),
	target      TEXT NOT NULL,
	state       TEXT NOT NULL DEFAULT 'pending'
	            CHECK (state IN ('pending', 'sending', 'done', 'waiting', 'parked')),
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at     INTEGER,
	last_error  TEXT,
	remote_id   TEXT,
	updated_at  INTEGER,
	UNIQUE (event_id, target)
);
CREATE INDEX outbox_ready ON outbox (target, state, next_at);

CREATE TABLE print_job (
	id          INTEGER PRIMARY KEY,
	created_at  INTEGER NOT NULL,
	created_by  INTEGER REFERENCES staff(id),
	class_id    INTEGER REFERENCES class(id),
	driver      TEXT NOT NULL,
	target      TEXT,
	state       TEXT NOT NULL DEFAULT 'queued'
	            CHECK (state IN ('queued', 'sending', 'done', 'failed')),
	error       TEXT,
	updated_at  INTEGER
);

CREATE TABLE print_item (
	job_id   INTEGER NOT NULL REFERENCES print_job(id),
	seq      INTEGER NOT NULL,
	card_id  INTEGER NOT NULL REFERENCES card(id),
	PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

CREATE TABLE audit (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	staff_id    INTEGER REFERENCES staff(id),
	desk        TEXT,
	action      TEXT NOT NULL,
	object_kind TEXT,
	object_id   INTEGER,
	detail      TEXT
);
