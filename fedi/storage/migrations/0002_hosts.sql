-- Federation health per remote host: failure streaks for the delivery circuit breaker and the
-- "unavailable" mark of hosts that have failed for days (revived when they talk to us again).
CREATE TABLE hosts (domain TEXT PRIMARY KEY, first_failure_at TEXT, last_failure_at TEXT, consecutive_failures INTEGER NOT NULL DEFAULT 0, unavailable_since TEXT, last_success_at TEXT);

-- Deliveries by host for the admin page and "retry now" (finished jobs are left out).
CREATE INDEX jobs_deliver_host ON jobs (json_extract(payload, '$.host'), state)
    WHERE kind = 'deliver' AND state <> 'done';
