-- Retrying a sweep (`orch retry`): a job that ended without success (failed, lease_lost, cancelled) may go back to
-- the queue. Only as a new attempt, so a worker still holding the old (job id, attempt) lease stays fenced out,
-- and never with a pending cancel, which would stop the retried job at its first heartbeat. Succeeded stays final.
-- The earlier attempts stay in job_events (the queued event of the new attempt is written by jobs_record_event,
-- which also wakes waiting LeaseJob calls) and in job_metrics, which are kept per attempt.

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
         OR (OLD.state = 'running' AND NEW.state IN ('succeeded', 'failed', 'cancelled', 'lease_lost', 'queued'))
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
