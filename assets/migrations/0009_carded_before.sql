-- Carded before (issue 12): children the library system already had as
-- patrons before the programme issued them a card, as sync learned when it
-- asked the ILS (Koha: the patron its lookup found, enrolled before the day
-- the card was issued). One row a child; `cardroll report` counts these as
-- "carded before" instead of "carded". Only the ILS's patron id and date:
-- nothing about the child's use of the library.
CREATE TABLE ils_patron_before (
	student_id    INTEGER PRIMARY KEY REFERENCES student(id),
	patron_id     TEXT NOT NULL,              -- the ILS's patron record
	patron_since  TEXT NOT NULL,              -- YYYY-MM-DD: the ILS enrolled the patron
	card_id       INTEGER REFERENCES card(id), -- the programme's card linked to that patron
	recorded_at   INTEGER NOT NULL DEFAULT (unixepoch())
);
