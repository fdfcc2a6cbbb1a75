-- Server errors apart from tries (issue 14, found by the soak): an event is
-- parked when the library system has failed it with a server error (a 5xx
-- other than 503, its "busy") 8 times, not at the first 5xx after 8 tries
-- of any kind (resets, hangs and 503s are the network's or the server's
-- load, not this event's fault). A person's retry starts the count again.
ALTER TABLE outbox ADD COLUMN server_errors INTEGER NOT NULL DEFAULT 0;
