-- Many instances on one database: runs are claimed with a lease the executing instance renews
-- (a silent instance's runs are taken over once it expires), cancels are requested through the
-- run's row, a run's stream events are shared through run_events, and periodic tasks (the store's
-- TTL sweep) run once per interval whichever instance gets there first.

ALTER TABLE runs ADD COLUMN owner text;
ALTER TABLE runs ADD COLUMN lease_expires_at timestamptz;
ALTER TABLE runs ADD COLUMN cancel_action text;
CREATE INDEX runs_lease ON runs (lease_expires_at) WHERE status = 'running';

-- Not tied to runs by a foreign key: a stateless run is deleted with its thread as it ends, and
-- readers on other instances still read its events after that. The sweep removes them.
CREATE TABLE run_events (
  run_id text NOT NULL,
  seq integer NOT NULL,
  event text NOT NULL,
  data text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX run_events_created ON run_events (created_at);

CREATE TABLE periodic_tasks (
  name text PRIMARY KEY,
  last_run_at timestamptz NOT NULL
);
