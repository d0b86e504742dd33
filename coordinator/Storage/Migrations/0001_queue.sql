-- The sweep queue (DESIGN.md §3). The database, not the code, guards the job state machine: an enum, CHECK
-- constraints tying each state to its lease fields and timestamps, and a trigger refusing illegal transitions.

CREATE TYPE sweep_state AS ENUM ('active', 'cancelled', 'finished');
CREATE TYPE job_state AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'lease_lost');
CREATE TYPE worker_state AS ENUM ('online', 'offline');

CREATE TABLE sweeps (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (name <> ''),
    spec         jsonb NOT NULL,
    -- SHA-256 of the canonical spec: identical resubmissions are found without comparing jsonb.
    spec_hash    text NOT NULL,
    state        sweep_state NOT NULL DEFAULT 'active',
    job_count    integer NOT NULL CHECK (job_count >= 0),
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    CONSTRAINT sweep_finished_when_not_active CHECK ((state = 'active') = (finished_at IS NULL))
);
CREATE INDEX sweeps_by_name ON sweeps (name, spec_hash);
CREATE INDEX sweeps_active ON sweeps (id) WHERE state = 'active';

CREATE TABLE workers (
    id             text PRIMARY KEY,
    name           text NOT NULL,
    host           text NOT NULL,
    devices        jsonb NOT NULL DEFAULT '[]',
    version        text NOT NULL,
    state          worker_state NOT NULL DEFAULT 'online',
    registered_at  timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL
);

CREATE TABLE jobs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sweep_id          bigint NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    job_key           text NOT NULL,
    encoder           text NOT NULL,
    params            jsonb NOT NULL,
    dataset           jsonb NOT NULL,
    state             job_state NOT NULL DEFAULT 'queued',
    -- The attempt the job is on; (id, attempt) is the lease token that fences late workers out.
    attempt           integer NOT NULL DEFAULT 1,
    max_attempts      integer NOT NULL,
    priority          integer NOT NULL DEFAULT 0,
    cancel_requested  boolean NOT NULL DEFAULT false,
    lease_owner       text REFERENCES workers (id),
    lease_expires_at  timestamptz,
    created_at        timestamptz NOT NULL,
    -- Retry backoff: a re-queued job is not claimed before this.
    available_at      timestamptz NOT NULL,
    started_at        timestamptz,
    finished_at       timestamptz,
    error             text,
    result            jsonb,
    CONSTRAINT job_key_unique_in_sweep UNIQUE (sweep_id, job_key),
    CONSTRAINT job_attempt_in_range CHECK (max_attempts >= 1 AND attempt BETWEEN 1 AND max_attempts),
    CONSTRAINT job_leased_iff_running CHECK (
        (state = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT job_running_has_started CHECK (state <> 'running' OR started_at IS NOT NULL),
    CONSTRAINT job_finished_iff_terminal CHECK (
        (state IN ('succeeded', 'failed', 'cancelled', 'lease_lost')) = (finished_at IS NOT NULL)),
    CONSTRAINT job_succeeded_has_result CHECK ((state = 'succeeded') = (result IS NOT NULL)),
    CONSTRAINT job_failure_has_error CHECK (state NOT IN ('failed', 'lease_lost') OR error IS NOT NULL)
);
-- The claim order: priority, then age. Partial, so finished jobs cost the hot path nothing.
CREATE INDEX jobs_claim_order ON jobs (priority DESC, created_at, id) WHERE state = 'queued';
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_by_sweep_state ON jobs (sweep_id, state);

-- Epoch metrics reported by workers, per attempt.
CREATE TABLE job_metrics (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id       bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    epoch        integer NOT NULL,
    step         bigint NOT NULL,
    metrics      jsonb NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX job_metrics_by_job ON job_metrics (job_id, id);

-- Every state a job enters, written by trigger so no code path can forget it; WatchSweep streams these.
CREATE TABLE job_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id       bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    sweep_id     bigint NOT NULL,
    attempt      integer NOT NULL,
    state        job_state NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The writing transaction. Ids are handed out before commit, so a reader following ids could pass an event
    -- whose transaction commits late; following (tx, id) below the oldest running transaction cannot.
    tx           bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)
);
CREATE INDEX job_events_by_sweep ON job_events (sweep_id, tx, id);
CREATE INDEX job_events_by_job ON job_events (job_id, id);

CREATE FUNCTION jobs_guard_transition() RETURNS trigger LANGUAGE plpgsql AS $$
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
         OR (OLD.state = 'running' AND NEW.state IN ('succeeded', 'failed', 'cancelled', 'lease_lost', 'queued'))) THEN
        RAISE EXCEPTION 'job %: illegal transition % -> %', OLD.id, OLD.state, NEW.state USING ERRCODE = 'check_violation';
    END IF;
    -- Back to the queue is a new attempt; every other transition keeps the attempt.
    IF (OLD.state = 'running' AND NEW.state = 'queued') <> (NEW.attempt = OLD.attempt + 1) THEN
        RAISE EXCEPTION 'job %: % -> % with attempt % -> %', OLD.id, OLD.state, NEW.state, OLD.attempt, NEW.attempt
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_guard_transition BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION jobs_guard_transition();

CREATE FUNCTION jobs_record_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.state <> OLD.state THEN
        INSERT INTO job_events (job_id, sweep_id, attempt, state) VALUES (NEW.id, NEW.sweep_id, NEW.attempt, NEW.state);
        IF NEW.state = 'queued' THEN
            -- Wakes waiting LeaseJob calls. Equal payloads fold into one notification per transaction.
            PERFORM pg_notify('orch_job_queued', '');
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_record_event AFTER INSERT OR UPDATE OF state ON jobs
    FOR EACH ROW EXECUTE FUNCTION jobs_record_event();
