-- Run creation that also claims the run for the instance creating it, when that instance has a
-- free worker and the run can start at once (due now, nothing else in flight on its thread): the
-- run is inserted `running` under `p_owner`'s lease, as a claim would leave it, and no one is
-- signalled (there is nothing to claim). That saves a claim — a statement, a commit and a
-- wake-up — per run. Otherwise as agent_server_create_run of 0004, whose two-argument-shorter
-- form (called by older instances during a rolling upgrade) now delegates here. Answers as 0004,
-- with `claimed: true` on a run it claimed.
CREATE FUNCTION agent_server_create_run(
  p_run_id text, p_thread_id text, p_assistant_id text, p_status text, p_metadata jsonb, p_kwargs jsonb,
  p_strategy text, p_created_at timestamptz, p_called_at timestamptz, p_attempt integer, p_auth jsonb,
  p_thread_metadata jsonb, p_thread_config jsonb, p_visible text, p_args text[],
  p_owner text, p_lease_expires_at timestamptz
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_found boolean;
  v_inflight jsonb;
  v_latest timestamptz;
  v_created timestamptz := p_created_at;
  v_stamp text;
  v_claim boolean;
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
  v_claim := p_owner IS NOT NULL AND jsonb_array_length(v_inflight) = 0 AND p_created_at <= p_called_at;
  INSERT INTO runs (run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy, created_at, updated_at, due_at, attempt, auth, owner, lease_expires_at)
    VALUES (p_run_id, p_thread_id, p_assistant_id, CASE WHEN v_claim THEN 'running' ELSE p_status END, p_metadata, p_kwargs, p_strategy,
            v_created, v_created, v_created, p_attempt + CASE WHEN v_claim THEN 1 ELSE 0 END, p_auth,
            CASE WHEN v_claim THEN p_owner END, CASE WHEN v_claim THEN p_lease_expires_at END);
  UPDATE threads SET status = 'busy', metadata = metadata || p_thread_metadata, config = p_thread_config, updated_at = v_created
    WHERE thread_id = p_thread_id;
  v_stamp := to_char(v_created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  IF NOT v_claim THEN
    PERFORM pg_notify('agent_server_runs', v_stamp);
  END IF;
  RETURN jsonb_build_object('kind', 'created', 'created_at', v_stamp, 'inflight', v_inflight, 'claimed', v_claim);
END
$$;

CREATE OR REPLACE FUNCTION agent_server_create_run(
  p_run_id text, p_thread_id text, p_assistant_id text, p_status text, p_metadata jsonb, p_kwargs jsonb,
  p_strategy text, p_created_at timestamptz, p_called_at timestamptz, p_attempt integer, p_auth jsonb,
  p_thread_metadata jsonb, p_thread_config jsonb, p_visible text, p_args text[]
) RETURNS jsonb LANGUAGE sql AS $$
  SELECT agent_server_create_run(p_run_id, p_thread_id, p_assistant_id, p_status, p_metadata, p_kwargs, p_strategy, p_created_at,
    p_called_at, p_attempt, p_auth, p_thread_metadata, p_thread_config, p_visible, p_args, NULL::text, NULL::timestamptz)
$$;
