-- Run creation and a run's outcome, each in one round trip (each was a transaction of five
-- statements). Functions, because each statement in one reads a fresh snapshot: what is read
-- after the thread's row lock includes every change committed by whoever held the lock before
-- (a single statement would read what was committed when it started, before it waited).

-- A run on an existing thread, with its multitask strategy: the thread's row lock (only where
-- `p_visible`, the caller's authorization filter on `metadata`: a condition whose arguments are
-- `$2[n]`, the elements of `p_args`), then its in-flight runs, then the run and the thread. A run
-- admitted after another sorts after it: creations reach the lock in another order than they read
-- the clock, so the run is stamped just after the latest in-flight run (not a delayed one, due
-- more than a second after `p_called_at`) when that one is later. Signals `runs` with the run's
-- time. Answers {kind: thread_missing} | {kind: busy, inflight} | {kind: created, created_at, inflight}.
CREATE FUNCTION agent_server_create_run(
  p_run_id text, p_thread_id text, p_assistant_id text, p_status text, p_metadata jsonb, p_kwargs jsonb,
  p_strategy text, p_created_at timestamptz, p_called_at timestamptz, p_attempt integer, p_auth jsonb,
  p_thread_metadata jsonb, p_thread_config jsonb, p_visible text, p_args text[]
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_found boolean;
  v_inflight jsonb;
  v_latest timestamptz;
  v_created timestamptz := p_created_at;
  v_stamp text;
BEGIN
  EXECUTE 'SELECT true FROM threads WHERE thread_id = $1 AND (' || p_visible || ') FOR UPDATE' INTO v_found USING p_thread_id, p_args;
  IF v_found IS NULL THEN
    RETURN jsonb_build_object('kind', 'thread_missing');
  END IF;
  SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.created_at, r.seq), '[]'::jsonb),
         max(r.created_at) FILTER (WHERE r.created_at <= p_called_at + interval '1 second')
    INTO v_inflight, v_latest
    FROM runs r WHERE r.thread_id = p_thread_id AND r.status IN ('pending', 'running');
  IF p_strategy = 'reject' AND jsonb_array_length(v_inflight) > 0 THEN
    RETURN jsonb_build_object('kind', 'busy', 'inflight', v_inflight);
  END IF;
  IF v_latest >= v_created THEN
    v_created := v_latest + interval '1 millisecond';
  END IF;
  INSERT INTO runs (run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy, created_at, updated_at, due_at, attempt, auth)
    VALUES (p_run_id, p_thread_id, p_assistant_id, p_status, p_metadata, p_kwargs, p_strategy, v_created, v_created, v_created, p_attempt, p_auth);
  UPDATE threads SET status = 'busy', metadata = metadata || p_thread_metadata, config = p_thread_config, updated_at = v_created
    WHERE thread_id = p_thread_id;
  v_stamp := to_char(v_created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  PERFORM pg_notify('agent_server_runs', v_stamp);
  RETURN jsonb_build_object('kind', 'created', 'created_at', v_stamp, 'inflight', v_inflight);
END
$$;

-- How a run ended: the run's row (fenced on its owner's lease) and its thread's state, in this
-- order after the thread's row lock ("are other runs in flight" sees every creation before). Signals `events` (the run ended, for its readers everywhere) and,
-- when a run is queued on the thread behind this one, `runs` (some instance may claim it now).
-- False, changing nothing, when the run is no longer this owner's.
CREATE FUNCTION agent_server_finish_run(
  p_run_id text, p_owner text, p_thread_id text, p_status text, p_now timestamptz,
  p_thread_status text, p_values jsonb, p_interrupts jsonb
) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM threads WHERE thread_id = p_thread_id FOR UPDATE;
  IF p_status = 'deleted' THEN
    DELETE FROM runs WHERE run_id = p_run_id AND owner = p_owner AND status = 'running';
  ELSE
    UPDATE runs SET status = p_status, owner = NULL, lease_expires_at = NULL, updated_at = p_now
      WHERE run_id = p_run_id AND owner = p_owner AND status = 'running';
  END IF;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  PERFORM pg_notify('agent_server_events', p_run_id);
  -- The state's time moves only when the state does (a status change alone is not one).
  UPDATE threads SET
    status = CASE WHEN EXISTS (SELECT 1 FROM runs WHERE thread_id = p_thread_id AND status IN ('pending', 'running') AND run_id <> p_run_id)
      THEN 'busy' ELSE p_thread_status END,
    updated_at = p_now,
    state_updated_at = CASE WHEN state_values IS NOT DISTINCT FROM p_values AND interrupts IS NOT DISTINCT FROM p_interrupts
      THEN state_updated_at ELSE p_now END,
    state_values = p_values, interrupts = p_interrupts
  WHERE thread_id = p_thread_id;
  IF EXISTS (SELECT 1 FROM runs WHERE thread_id = p_thread_id AND status = 'pending') THEN
    PERFORM pg_notify('agent_server_runs', '');
  END IF;
  RETURN true;
END
$$;
