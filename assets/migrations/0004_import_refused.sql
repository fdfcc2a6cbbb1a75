-- Import (issue 11): files of a package that were refused (a zip entry
-- whose path leaves the package) are counted apart from rejected rows.
ALTER TABLE import_run ADD COLUMN refused_files INTEGER NOT NULL DEFAULT 0;
