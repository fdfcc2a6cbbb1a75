-- New children of a delta get a small index of their own (issue 9). The
-- sourcedId key is a hash, so each new child lands on a random leaf of
-- student_sid. A bulk leaves those leaves full, and each insert splits one:
-- 4,000 new children of a 1M district rewrote 4,800 of its pages. A delta
-- now inserts them with sid_tier 1, into student_sid_new: a few dozen pages
-- for a night's new children. The next bulk puts every child back in tier
-- 0, and so does a delta once the new tier outgrows a sixteenth of the
-- district (core/roster/oneroster_import.c). A child is looked up in tier 0,
-- then in tier 1. The import keeps sourcedIds unique across both tiers: it
-- always looks a child up before it inserts one.
ALTER TABLE student ADD COLUMN sid_tier INTEGER NOT NULL DEFAULT 0;
DROP INDEX student_sid;
CREATE UNIQUE INDEX student_sid ON student (district_id, sid_key) WHERE sid_tier = 0;
CREATE UNIQUE INDEX student_sid_new ON student (district_id, sid_key) WHERE sid_tier = 1;
