-- Hyperband (issue #19, `early_stopping: {type: hyperband}`) stops jobs under its own rule name, so job_stops and the
-- stop counter tell its stops from ASHA's. The column's check is the one 0007 created, widened by that name.
ALTER TABLE job_stops DROP CONSTRAINT job_stops_rule_check;
ALTER TABLE job_stops ADD CONSTRAINT job_stops_rule_check CHECK (rule IN ('asha', 'median', 'hyperband'));
