-- The dashboard's live page follows a sweep's epochs the way WatchSweep follows its job events (job_events): in
-- (writing transaction, id) order, below the oldest running transaction, so nothing can commit behind a reader's
-- position. A report of a stored epoch replaces its row (0004): the row then takes the replacing transaction and
-- moves forward in that order, so a reader sees the new values as a change. The sweep is copied onto the row so a
-- sweep's epochs are one index range, not a join through every job of the sweep.
ALTER TABLE job_metrics ADD COLUMN sweep_id bigint;
ALTER TABLE job_metrics ADD COLUMN tx bigint;
UPDATE job_metrics m SET sweep_id = j.sweep_id, tx = 0 FROM jobs j WHERE j.id = m.job_id;
ALTER TABLE job_metrics ALTER COLUMN sweep_id SET NOT NULL, ALTER COLUMN tx SET NOT NULL;

CREATE FUNCTION job_metrics_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tx := pg_current_xact_id()::text::bigint;
    IF TG_OP = 'INSERT' THEN
        NEW.sweep_id := (SELECT sweep_id FROM jobs WHERE id = NEW.job_id);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER job_metrics_stamp BEFORE INSERT OR UPDATE ON job_metrics
    FOR EACH ROW EXECUTE FUNCTION job_metrics_stamp();

CREATE INDEX job_metrics_by_sweep ON job_metrics (sweep_id, tx, id);
