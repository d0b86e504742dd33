-- A worker shutting down releases its job: a new attempt (so the old lease stays fenced out) that the job did not
-- fail. The retry backoff doubles per failed attempt, so it counts the released ones out of the attempt number.
ALTER TABLE jobs ADD COLUMN released_attempts integer NOT NULL DEFAULT 0 CHECK (released_attempts >= 0);
