-- Staff and roles (issue 13): the schools and classes an admin assigned a
-- volunteer, and failed sign-ins (the growing delay holds across processes).

-- One row a school or a class; a volunteer issues and prints only there.
CREATE TABLE staff_assignment (
	id         INTEGER PRIMARY KEY,
	staff_id   INTEGER NOT NULL REFERENCES staff(id),
	school_id  INTEGER REFERENCES school(id),
	class_id   INTEGER REFERENCES class(id),
	CHECK ((school_id IS NULL) <> (class_id IS NULL))
);
CREATE UNIQUE INDEX staff_assignment_one
	ON staff_assignment (staff_id, coalesce(school_id, 0), coalesce(class_id, 0));

-- Keyed by a SHA-256 of the folded name that was tried, whether or not it
-- is an account's: an unknown name is delayed exactly like a known one, and
-- no typed name is kept.
CREATE TABLE signin_failure (
	name_key      TEXT PRIMARY KEY,
	failures      INTEGER NOT NULL,
	last_at       INTEGER NOT NULL,
	locked_until  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
