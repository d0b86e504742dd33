-- Model-based search (issue #19, `method: tpe`): the coordinator creates a sweep's jobs trial by trial, each trial
-- suggested from the results of the trials finished before it. The sweep records how many trials it runs in all and
-- how many may be unfinished at once (both null for grid and random sweeps, which queue every job at submission);
-- job_count stays the jobs the sweep will have in all (trials × seeds), so progress reads the same for every method.
ALTER TABLE sweeps ADD COLUMN trial_count integer, ADD COLUMN trial_parallel integer;
ALTER TABLE sweeps ADD CONSTRAINT sweep_trials_bounded CHECK (
    (trial_count IS NULL AND trial_parallel IS NULL)
    OR (trial_count >= 1 AND trial_parallel BETWEEN 1 AND trial_count));

-- A job of a tpe sweep carries its trial (0, 1, …); a trial has one job per training seed, never two of one seed,
-- whichever coordinator created it.
ALTER TABLE jobs ADD COLUMN trial integer CHECK (trial >= 0);
CREATE UNIQUE INDEX jobs_trial_seed_once ON jobs (sweep_id, trial, (params->>'seed')) WHERE trial IS NOT NULL;

-- Lease calls that find the queue empty look here for tpe sweeps that may need their next trials; it stays empty,
-- and so costs nothing, on a database without active tpe sweeps.
CREATE INDEX sweeps_model_based_active ON sweeps (id) WHERE state = 'active' AND trial_count IS NOT NULL;
