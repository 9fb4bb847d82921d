-- agent-server on PostgreSQL: assistants, threads, runs, the store and crons.
-- LangGraph's checkpoint tables are created by its PostgresSaver.setup(), right after these.
-- `seq` columns keep insertion order, the tie-breaker of every sorted listing.

CREATE TABLE assistants (
  assistant_id text PRIMARY KEY,
  graph_id text NOT NULL,
  config jsonb NOT NULL,
  context jsonb NOT NULL,
  metadata jsonb NOT NULL,
  name text NOT NULL,
  description text,
  version integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX assistants_created ON assistants (created_at, seq);
CREATE INDEX assistants_metadata ON assistants USING gin (metadata jsonb_path_ops);

CREATE TABLE assistant_versions (
  assistant_id text NOT NULL,
  version integer NOT NULL,
  graph_id text NOT NULL,
  config jsonb NOT NULL,
  context jsonb NOT NULL,
  metadata jsonb NOT NULL,
  name text NOT NULL,
  description text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (assistant_id, version)
);

CREATE TABLE threads (
  thread_id text PRIMARY KEY,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  metadata jsonb NOT NULL,
  status text NOT NULL,
  config jsonb NOT NULL,
  state_values jsonb,
  interrupts jsonb,
  seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX threads_created ON threads (created_at, seq);
CREATE INDEX threads_updated ON threads (updated_at, seq);
CREATE INDEX threads_status ON threads (status, created_at);
-- Metadata filters (search, authorization) are containment lookups served by this index.
CREATE INDEX threads_metadata ON threads USING gin (metadata jsonb_path_ops);

CREATE TABLE runs (
  run_id text PRIMARY KEY,
  thread_id text NOT NULL,
  assistant_id text NOT NULL,
  status text NOT NULL,
  metadata jsonb NOT NULL,
  kwargs jsonb NOT NULL,
  multitask_strategy text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  attempt integer NOT NULL DEFAULT 0,
  auth jsonb,
  seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX runs_thread ON runs (thread_id, status);
CREATE INDEX runs_assistant ON runs (assistant_id);
CREATE INDEX runs_pending ON runs (due_at, seq) WHERE status = 'pending';
-- At most one running run per thread, whatever instance claims it: the database says no to a second.
CREATE UNIQUE INDEX runs_one_running_per_thread ON runs (thread_id) WHERE status = 'running';

CREATE TABLE store_items (
  ns_path text NOT NULL,
  namespace jsonb NOT NULL,
  key text NOT NULL,
  value jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz,
  ttl_minutes double precision,
  PRIMARY KEY (ns_path, key)
);
CREATE INDEX store_items_prefix ON store_items (ns_path text_pattern_ops);
CREATE INDEX store_items_expires ON store_items (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE crons (
  cron_id text PRIMARY KEY,
  assistant_id text NOT NULL,
  thread_id text,
  schedule text NOT NULL,
  timezone text,
  payload jsonb NOT NULL,
  metadata jsonb NOT NULL,
  end_time timestamptz,
  on_run_completed text,
  user_id text,
  enabled boolean NOT NULL,
  next_run_date timestamptz,
  auth jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX crons_due ON crons (next_run_date) WHERE enabled;
