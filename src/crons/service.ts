/**
 * Crons: scheduled runs, on a thread or stateless. Authorized through the access guard with
 * `crons:*` handlers (filters on the cron's metadata); the creator's identity is kept so each
 * scheduled run is created as them, through the same run service (and its authorization) as any
 * run.
 */
import { v7 as uuidv7 } from "uuid";
import type { AccessGuard } from "../auth/access.js";
import type { AuthContext } from "../auth/authenticate.js";
import { CronNotFound } from "../errors.js";
import type { GraphRegistry } from "../graphs/registry.js";
import type { RunCreateBody, RunService } from "../runs/service.js";
import type { Cron, CronSearchQuery, Metadata, Page, Storage } from "../storage/types.js";
import { nextSlot, parseSchedule } from "./schedule.js";

export interface CronCreateBody extends RunCreateBody {
  schedule: string;
  timezone?: string;
  /** When the cron stops; null (on an update) clears it. */
  end_time?: string | null;
  on_run_completed?: "delete" | "keep";
  enabled?: boolean;
}

export type CronPatchBody = Partial<Omit<CronCreateBody, "assistant_id">>;

const RUN_FIELDS_EXCLUDED = new Set(["schedule", "timezone", "end_time", "on_run_completed", "enabled", "metadata"]);

function payloadOf(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([k, v]) => v !== undefined && !RUN_FIELDS_EXCLUDED.has(k)));
}

export class CronService {
  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly access: AccessGuard,
    private readonly runs: RunService,
    private readonly wakeScheduler: () => void,
  ) {}

  async create(auth: AuthContext | null, threadId: string | null, body: CronCreateBody): Promise<Cron> {
    parseSchedule(body.schedule, body.timezone);
    const assistantId = (await this.access.runnableAssistant(auth, body.assistant_id)).assistant_id;
    if (threadId) await this.access.thread(auth, threadId, "read");
    const value = {
      assistant_id: assistantId,
      thread_id: threadId,
      schedule: body.schedule,
      end_time: body.end_time ?? null,
      payload: payloadOf({ ...body, assistant_id: assistantId }),
      metadata: { ...(body.metadata ?? {}) },
    };
    await this.access.filter(auth, "crons", "create", value);
    const now = new Date();
    const cron = await this.storage.crons.create(
      {
        cron_id: uuidv7(),
        assistant_id: assistantId,
        thread_id: threadId,
        schedule: body.schedule,
        timezone: body.timezone ?? null,
        payload: value.payload,
        metadata: value.metadata as Metadata,
        end_time: value.end_time,
        on_run_completed: threadId ? null : (body.on_run_completed ?? "delete"),
        user_id: auth?.user.identity ?? null,
        enabled: body.enabled ?? true,
        next_run_date: nextSlot(body.schedule, body.timezone ?? null, now, value.end_time),
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      },
      auth,
    );
    this.wakeScheduler();
    return cron;
  }

  async get(auth: AuthContext | null, cronId: string): Promise<Cron> {
    return (await this.access.cron(auth, cronId, "read")).record;
  }

  async update(auth: AuthContext | null, cronId: string, body: CronPatchBody): Promise<Cron> {
    const { record: current, filter } = await this.access.cron(auth, cronId, "update", { ...body, metadata: { ...(body.metadata ?? {}) } });
    const schedule = body.schedule ?? current.schedule;
    const timezone = body.timezone ?? current.timezone;
    // Omitted keeps the end time; null clears it.
    const endTime = body.end_time === undefined ? current.end_time : body.end_time;
    parseSchedule(schedule, timezone);
    const updated = await this.storage.crons.update(
      cronId,
      {
        schedule,
        timezone,
        end_time: endTime,
        enabled: body.enabled ?? current.enabled,
        on_run_completed: current.thread_id ? null : (body.on_run_completed ?? current.on_run_completed),
        payload: { ...current.payload, ...payloadOf(body) },
        metadata: body.metadata,
        next_run_date: nextSlot(schedule, timezone, new Date(), endTime),
      },
      filter,
    );
    if (!updated) throw new CronNotFound();
    this.wakeScheduler();
    return updated;
  }

  async delete(auth: AuthContext | null, cronId: string): Promise<void> {
    const filter = await this.access.filter(auth, "crons", "delete", { cron_id: cronId });
    if (!(await this.storage.crons.delete(cronId, filter))) throw new CronNotFound();
  }

  async search(
    auth: AuthContext | null,
    body: { assistant_id?: string; thread_id?: string; enabled?: boolean; metadata?: Metadata; limit: number; offset: number; sort_by?: CronSearchQuery["sortBy"]; sort_order?: CronSearchQuery["sortOrder"] },
  ): Promise<Page<Cron>> {
    const filter = await this.access.filter(auth, "crons", "search", { ...body });
    return this.storage.crons.search({
      assistantId: body.assistant_id ? this.graphs.resolveAssistantId(body.assistant_id) : undefined,
      threadId: body.thread_id,
      enabled: body.enabled,
      metadata: body.metadata,
      limit: body.limit,
      offset: body.offset,
      sortBy: body.sort_by,
      sortOrder: body.sort_order,
      filter,
    });
  }

  async count(auth: AuthContext | null, body: { assistant_id?: string; thread_id?: string; metadata?: Metadata }): Promise<number> {
    const filter = await this.access.filter(auth, "crons", "search", { ...body, limit: 0, offset: 0 });
    return this.storage.crons.count({
      assistantId: body.assistant_id ? this.graphs.resolveAssistantId(body.assistant_id) : undefined,
      threadId: body.thread_id,
      metadata: body.metadata,
      filter,
    });
  }

  /** Creates the run for one due slot, as the cron's creator. */
  async fire(cron: Cron): Promise<void> {
    const auth = await this.storage.crons.getAuth(cron.cron_id);
    const body = {
      ...(cron.payload as unknown as RunCreateBody),
      assistant_id: cron.assistant_id,
      metadata: { ...cron.metadata, cron_id: cron.cron_id },
      multitask_strategy: (cron.payload.multitask_strategy as RunCreateBody["multitask_strategy"]) ?? "enqueue",
      ...(cron.thread_id ? {} : { on_completion: cron.on_run_completed ?? "delete" }),
    };
    await this.runs.create(auth ? { user: auth.user as AuthContext["user"], permissions: auth.permissions } : null, cron.thread_id, body);
  }
}
