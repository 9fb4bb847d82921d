/**
 * Claiming a run as it is created (CreateRunInput.claimFor), the parts both backends share:
 * whether the run can start at once, its lease, and the run as a claim would have returned it.
 */
import type { ClaimedRun, CreateRunInput, Run, RunInternal } from "./types.js";

export type ClaimFor = NonNullable<CreateRunInput["claimFor"]>;

/** Due now (not delayed by `after_seconds`); the backend checks that nothing else is in flight on its thread. */
export function dueForClaim(run: Run, claim: ClaimFor | undefined): claim is ClaimFor {
  return claim !== undefined && Date.parse(run.created_at) <= claim.now.getTime();
}

export function leaseEnd(claim: ClaimFor): string {
  return new Date(claim.now.getTime() + claim.leaseMs).toISOString();
}

/** The run, inserted claimed, as a claim would have returned it. */
export function claimedAtCreation(run: Run, internal: RunInternal, claim: ClaimFor): ClaimedRun {
  const attempt = internal.attempt + 1;
  return { ...run, status: "running", updated_at: claim.now.toISOString(), attempt, internal: { ...internal, attempt }, cancel: null };
}
