-- Import (issue 11): the district org's identifier from orgs.csv, to tell
-- a second district of the same name and identifier (another sourcedId) in
-- the report. NULL for a district not imported since, or from a plain CSV.
ALTER TABLE district ADD COLUMN identifier TEXT;
