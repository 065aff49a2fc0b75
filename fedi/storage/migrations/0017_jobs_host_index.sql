-- The per-host delivery index evaluated json_extract(payload) on every state change of every
-- job, parsing whole inbox activities twice per job (claim, complete). Only deliveries need it.
DROP INDEX jobs_deliver_host;
CREATE INDEX jobs_deliver_host ON jobs (json_extract(payload, '$.host'), state)
    WHERE kind = 'deliver';
