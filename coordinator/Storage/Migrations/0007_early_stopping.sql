-- Early stopping (issue #19): a job its sweep's `early_stopping` rule judges behind the others ends `stopped`, a
-- final state distinct from cancelled (a person's decision) and failed (the job's own error). Only a running job
-- can be stopped: the rule judges an epoch its lease just reported. Like succeeded, a stopped job is not retried.
-- A value added to an enum cannot be used in the transaction that adds it (this migration's), so the constraint
-- below compares text; the trigger functions compare when they run, after this transaction committed.
ALTER TYPE job_state ADD VALUE IF NOT EXISTS 'stopped';

ALTER TABLE jobs DROP CONSTRAINT job_finished_iff_terminal;
ALTER TABLE jobs ADD CONSTRAINT job_finished_iff_terminal CHECK (
    (state::text IN ('succeeded', 'failed', 'cancelled', 'lease_lost', 'stopped')) = (finished_at IS NOT NULL));

CREATE OR REPLACE FUNCTION jobs_guard_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.attempt < OLD.attempt THEN
        RAISE EXCEPTION 'job %: attempt may not go back from % to %', OLD.id, OLD.attempt, NEW.attempt
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state = OLD.state THEN
        IF NEW.attempt <> OLD.attempt THEN
            RAISE EXCEPTION 'job %: attempt changes only with a transition', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT ((OLD.state = 'queued' AND NEW.state IN ('running', 'cancelled'))
         OR (OLD.state = 'running' AND NEW.state IN ('succeeded', 'failed', 'cancelled', 'lease_lost', 'queued', 'stopped'))
         OR (OLD.state IN ('failed', 'lease_lost', 'cancelled') AND NEW.state = 'queued')) THEN
        RAISE EXCEPTION 'job %: illegal transition % -> %', OLD.id, OLD.state, NEW.state USING ERRCODE = 'check_violation';
    END IF;
    -- Back to the queue (next attempt or retry) is a new attempt; every other transition keeps the attempt.
    IF (NEW.state = 'queued') <> (NEW.attempt = OLD.attempt + 1) THEN
        RAISE EXCEPTION 'job %: % -> % with attempt % -> %', OLD.id, OLD.state, NEW.state, OLD.attempt, NEW.attempt
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state = 'queued' AND NEW.cancel_requested THEN
        RAISE EXCEPTION 'job %: a job may not go back to the queue with a cancel request', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

-- Why each stopped job was stopped, once per job (the key): the rule, the epoch it was judged at (ASHA's rung,
-- or the epoch median stopping compared), the job's value of the metric there, and the cut it fell behind (ASHA:
-- the worst value still in the top 1/eta of the rung; median: the completed jobs' median at that epoch).
CREATE TABLE job_stops (
    job_id       bigint PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    sweep_id     bigint NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    rule         text NOT NULL CHECK (rule IN ('asha', 'median')),
    rung         integer NOT NULL CHECK (rung >= 1),
    metric       text NOT NULL,
    value        double precision NOT NULL,
    cut          double precision NOT NULL,
    reason       text NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX job_stops_by_sweep ON job_stops (sweep_id);
