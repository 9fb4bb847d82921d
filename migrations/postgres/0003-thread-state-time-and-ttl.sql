-- When a thread's state last changed (threads made before this version take their last update,
-- the closest thing known), and a thread's time-to-live.
ALTER TABLE threads ADD COLUMN state_updated_at timestamptz;
UPDATE threads SET state_updated_at = updated_at;
ALTER TABLE threads ALTER COLUMN state_updated_at SET NOT NULL;
CREATE INDEX threads_state_updated ON threads (state_updated_at, seq);
ALTER TABLE threads ADD COLUMN ttl_strategy text, ADD COLUMN ttl_minutes double precision, ADD COLUMN expires_at timestamptz;
CREATE INDEX threads_expires ON threads (expires_at) WHERE expires_at IS NOT NULL;
