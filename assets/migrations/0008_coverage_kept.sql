-- Progress (issue 12): coverage counts kept as they change, so the report
-- and the desk's dashboard read a few thousand rows instead of counting a
-- million children (and five million enrollments) each time.
--
-- Every count is of active children (status_code 'a'): enrolled, carded (an
-- active card), opted out and pending (their consent row's state).
-- coverage_cell: the children of one school (0: none) and grade ('' when the
-- roster gave none) of a district. coverage_class: the children of one grade
-- in one class (a child counts in each class they are enrolled in; a class's
-- status is applied when it is read). The triggers below keep both right
-- through every card, void, consent and roster change. A bulk import sets
-- the triggers aside with the student indexes (core/roster) and marks the
-- counts stale; the next reader counts them again from the roster
-- (core/desk/coverage_kept.c), once.
CREATE TABLE coverage_cell (
	district_id  INTEGER NOT NULL,
	school_id    INTEGER NOT NULL,
	grade        TEXT NOT NULL,
	enrolled     INTEGER NOT NULL DEFAULT 0,
	carded       INTEGER NOT NULL DEFAULT 0,
	opted_out    INTEGER NOT NULL DEFAULT 0,
	pending      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (district_id, school_id, grade)
) WITHOUT ROWID;

CREATE TABLE coverage_class (
	class_id     INTEGER NOT NULL,
	grade        TEXT NOT NULL,
	enrolled     INTEGER NOT NULL DEFAULT 0,
	carded       INTEGER NOT NULL DEFAULT 0,
	opted_out    INTEGER NOT NULL DEFAULT 0,
	pending      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (class_id, grade)
) WITHOUT ROWID;

-- One row. stale = 1: the counts are to be made again before they are read
-- (a new database, this migration on an old one, a bulk import).
CREATE TABLE coverage_kept (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	stale  INTEGER NOT NULL
);
INSERT INTO coverage_kept (id, stale) VALUES (1, 1);

-- A child joins (+1) or leaves (-1) the counts: their cell and each of
-- their classes, with their card and consent as they are now.

CREATE TRIGGER coverage_kept_student_ai AFTER INSERT ON student WHEN new.status_code = 'a' BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT new.district_id, coalesce(new.school_id, 0), coalesce(new.grade, ''), 1,
	 EXISTS (SELECT 1 FROM card WHERE student_id = new.id AND status = 'active'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = new.id AND state = 'opted_out'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = new.id AND state = 'pending')
	WHERE true
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(new.grade, ''), 1,
	 EXISTS (SELECT 1 FROM card WHERE student_id = new.id AND status = 'active'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = new.id AND state = 'opted_out'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = new.id AND state = 'pending')
	FROM enrollment e WHERE e.student_id = new.id
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;

CREATE TRIGGER coverage_kept_student_ad AFTER DELETE ON student WHEN old.status_code = 'a' BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT old.district_id, coalesce(old.school_id, 0), coalesce(old.grade, ''), -1,
	 -EXISTS (SELECT 1 FROM card WHERE student_id = old.id AND status = 'active'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = old.id AND state = 'opted_out'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = old.id AND state = 'pending')
	WHERE true
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(old.grade, ''), -1,
	 -EXISTS (SELECT 1 FROM card WHERE student_id = old.id AND status = 'active'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = old.id AND state = 'opted_out'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = old.id AND state = 'pending')
	FROM enrollment e WHERE e.student_id = old.id
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;

-- Withdrawn, back, moved to another school or grade. The roster's update
-- names these columns on every changed child (a rename too), so the WHEN
-- looks at what really changed.
CREATE TRIGGER coverage_kept_student_au AFTER UPDATE OF status_code, school_id, grade, district_id ON student
	WHEN (old.status_code = 'a' OR new.status_code = 'a')
	 AND (old.status_code IS NOT new.status_code OR old.school_id IS NOT new.school_id
	      OR old.grade IS NOT new.grade OR old.district_id IS NOT new.district_id) BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT old.district_id, coalesce(old.school_id, 0), coalesce(old.grade, ''), -1,
	 -EXISTS (SELECT 1 FROM card WHERE student_id = old.id AND status = 'active'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = old.id AND state = 'opted_out'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = old.id AND state = 'pending')
	WHERE old.status_code = 'a'
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT new.district_id, coalesce(new.school_id, 0), coalesce(new.grade, ''), 1,
	 EXISTS (SELECT 1 FROM card WHERE student_id = new.id AND status = 'active'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = new.id AND state = 'opted_out'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = new.id AND state = 'pending')
	WHERE new.status_code = 'a'
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	-- Classes change only with the status or the grade (a school move keeps
	-- the child's classes until the roster's enrollments change them).
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(old.grade, ''), -1,
	 -EXISTS (SELECT 1 FROM card WHERE student_id = old.id AND status = 'active'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = old.id AND state = 'opted_out'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = old.id AND state = 'pending')
	FROM enrollment e WHERE e.student_id = old.id AND old.status_code = 'a'
	 AND (old.status_code IS NOT new.status_code OR old.grade IS NOT new.grade)
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(new.grade, ''), 1,
	 EXISTS (SELECT 1 FROM card WHERE student_id = new.id AND status = 'active'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = new.id AND state = 'opted_out'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = new.id AND state = 'pending')
	FROM enrollment e WHERE e.student_id = new.id AND new.status_code = 'a'
	 AND (old.status_code IS NOT new.status_code OR old.grade IS NOT new.grade)
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;

-- A child in a class (or out of it).
CREATE TRIGGER coverage_kept_enrollment_ai AFTER INSERT ON enrollment BEGIN
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT new.class_id, coalesce(s.grade, ''), 1,
	 EXISTS (SELECT 1 FROM card WHERE student_id = s.id AND status = 'active'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = s.id AND state = 'opted_out'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = s.id AND state = 'pending')
	FROM student s WHERE s.id = new.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;

CREATE TRIGGER coverage_kept_enrollment_ad AFTER DELETE ON enrollment BEGIN
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT old.class_id, coalesce(s.grade, ''), -1,
	 -EXISTS (SELECT 1 FROM card WHERE student_id = s.id AND status = 'active'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = s.id AND state = 'opted_out'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = s.id AND state = 'pending')
	FROM student s WHERE s.id = old.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;

CREATE TRIGGER coverage_kept_enrollment_au AFTER UPDATE ON enrollment BEGIN
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT old.class_id, coalesce(s.grade, ''), -1,
	 -EXISTS (SELECT 1 FROM card WHERE student_id = s.id AND status = 'active'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = s.id AND state = 'opted_out'),
	 -EXISTS (SELECT 1 FROM consent WHERE student_id = s.id AND state = 'pending')
	FROM student s WHERE s.id = old.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT new.class_id, coalesce(s.grade, ''), 1,
	 EXISTS (SELECT 1 FROM card WHERE student_id = s.id AND status = 'active'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = s.id AND state = 'opted_out'),
	 EXISTS (SELECT 1 FROM consent WHERE student_id = s.id AND state = 'pending')
	FROM student s WHERE s.id = new.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, carded = carded + excluded.carded,
	 opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;

-- A card issued, voided (or removed): carded moves by one for its child,
-- when the child is active.
CREATE TRIGGER coverage_kept_card_ai AFTER INSERT ON card WHEN new.status = 'active' BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), 0, 1, 0, 0
	FROM student s WHERE s.id = new.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET carded = carded + excluded.carded;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(s.grade, ''), 0, 1, 0, 0
	FROM student s JOIN enrollment e ON e.student_id = s.id WHERE s.id = new.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET carded = carded + excluded.carded;
END;

CREATE TRIGGER coverage_kept_card_ad AFTER DELETE ON card WHEN old.status = 'active' BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), 0, -1, 0, 0
	FROM student s WHERE s.id = old.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET carded = carded + excluded.carded;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(s.grade, ''), 0, -1, 0, 0
	FROM student s JOIN enrollment e ON e.student_id = s.id WHERE s.id = old.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET carded = carded + excluded.carded;
END;

CREATE TRIGGER coverage_kept_card_au AFTER UPDATE OF status, student_id ON card
	WHEN old.status IS NOT new.status OR old.student_id IS NOT new.student_id BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), 0, -1, 0, 0
	FROM student s WHERE s.id = old.student_id AND s.status_code = 'a' AND old.status = 'active'
	ON CONFLICT DO UPDATE SET carded = carded + excluded.carded;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(s.grade, ''), 0, -1, 0, 0
	FROM student s JOIN enrollment e ON e.student_id = s.id
	WHERE s.id = old.student_id AND s.status_code = 'a' AND old.status = 'active'
	ON CONFLICT DO UPDATE SET carded = carded + excluded.carded;
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), 0, 1, 0, 0
	FROM student s WHERE s.id = new.student_id AND s.status_code = 'a' AND new.status = 'active'
	ON CONFLICT DO UPDATE SET carded = carded + excluded.carded;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(s.grade, ''), 0, 1, 0, 0
	FROM student s JOIN enrollment e ON e.student_id = s.id
	WHERE s.id = new.student_id AND s.status_code = 'a' AND new.status = 'active'
	ON CONFLICT DO UPDATE SET carded = carded + excluded.carded;
END;

-- A family's answer recorded, changed or removed: opted out and pending
-- move with the state.
CREATE TRIGGER coverage_kept_consent_ai AFTER INSERT ON consent WHEN new.state IN ('opted_out', 'pending') BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), 0, 0,
	 new.state = 'opted_out', new.state = 'pending'
	FROM student s WHERE s.id = new.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(s.grade, ''), 0, 0, new.state = 'opted_out', new.state = 'pending'
	FROM student s JOIN enrollment e ON e.student_id = s.id WHERE s.id = new.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;

CREATE TRIGGER coverage_kept_consent_ad AFTER DELETE ON consent WHEN old.state IN ('opted_out', 'pending') BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), 0, 0,
	 -(old.state = 'opted_out'), -(old.state = 'pending')
	FROM student s WHERE s.id = old.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(s.grade, ''), 0, 0, -(old.state = 'opted_out'), -(old.state = 'pending')
	FROM student s JOIN enrollment e ON e.student_id = s.id WHERE s.id = old.student_id AND s.status_code = 'a'
	ON CONFLICT DO UPDATE SET opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;

CREATE TRIGGER coverage_kept_consent_au AFTER UPDATE OF state, student_id ON consent
	WHEN old.state IS NOT new.state OR old.student_id IS NOT new.student_id BEGIN
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), 0, 0,
	 -(old.state = 'opted_out'), -(old.state = 'pending')
	FROM student s WHERE s.id = old.student_id AND s.status_code = 'a' AND old.state IN ('opted_out', 'pending')
	ON CONFLICT DO UPDATE SET opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(s.grade, ''), 0, 0, -(old.state = 'opted_out'), -(old.state = 'pending')
	FROM student s JOIN enrollment e ON e.student_id = s.id
	WHERE s.id = old.student_id AND s.status_code = 'a' AND old.state IN ('opted_out', 'pending')
	ON CONFLICT DO UPDATE SET opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, opted_out, pending)
	SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), 0, 0,
	 new.state = 'opted_out', new.state = 'pending'
	FROM student s WHERE s.id = new.student_id AND s.status_code = 'a' AND new.state IN ('opted_out', 'pending')
	ON CONFLICT DO UPDATE SET opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
	INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, pending)
	SELECT e.class_id, coalesce(s.grade, ''), 0, 0, new.state = 'opted_out', new.state = 'pending'
	FROM student s JOIN enrollment e ON e.student_id = s.id
	WHERE s.id = new.student_id AND s.status_code = 'a' AND new.state IN ('opted_out', 'pending')
	ON CONFLICT DO UPDATE SET opted_out = opted_out + excluded.opted_out, pending = pending + excluded.pending;
END;
