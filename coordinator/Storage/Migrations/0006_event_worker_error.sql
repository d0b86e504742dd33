-- A job's history says who ran each attempt and why it ended: the dashboard's job page lists attempts with their
-- workers and errors, where jobs.lease_owner and jobs.error hold only the current holder and the latest failure.
-- Written by the same trigger as the event, so no code path can forget them. Events from before stay without.
ALTER TABLE job_events ADD COLUMN worker_id text, ADD COLUMN error text;

CREATE OR REPLACE FUNCTION jobs_record_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ended_lease boolean := TG_OP = 'UPDATE' AND OLD.state = 'running';
BEGIN
    IF TG_OP = 'INSERT' OR NEW.state <> OLD.state THEN
        INSERT INTO job_events (job_id, sweep_id, attempt, state, worker_id, error)
        VALUES (NEW.id, NEW.sweep_id, NEW.attempt, NEW.state,
                -- The worker that took the lease, or the one whose lease this event ends.
                CASE WHEN NEW.state = 'running' THEN NEW.lease_owner WHEN ended_lease THEN OLD.lease_owner END,
                -- The text the attempt failed with; not on a release (a worker shutting down), which keeps the old text.
                CASE WHEN ended_lease AND (NEW.state IN ('failed', 'lease_lost')
                                           OR (NEW.state = 'queued' AND NEW.released_attempts = OLD.released_attempts))
                     THEN NEW.error END);
        IF NEW.state = 'queued' THEN
            -- Wakes waiting LeaseJob calls. Equal payloads fold into one notification per transaction.
            PERFORM pg_notify('orch_job_queued', '');
        END IF;
    END IF;
    RETURN NULL;
END $$;
