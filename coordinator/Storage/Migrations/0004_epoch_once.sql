-- A job's history holds each epoch once. An agent may send an epoch again (a report re-sent after a lost answer,
-- epochs a resumed attempt relays from its predecessor's metrics file), and a later attempt may train an epoch
-- again (its predecessor reported it but died before checkpointing it). The row of (job, epoch) is replaced by
-- each report of it from the same or a later attempt, so it holds the newest attempt's values and that attempt
-- (the one that produced the epoch, which a report names); the report upserts.
-- Databases from before this rule may hold copies: the newest row of each (job, epoch) stays.
DELETE FROM job_metrics old
USING job_metrics newer
WHERE newer.job_id = old.job_id AND newer.epoch = old.epoch AND newer.id > old.id;

DROP INDEX job_metrics_by_job;
CREATE UNIQUE INDEX job_metrics_epoch_once ON job_metrics (job_id, epoch);
