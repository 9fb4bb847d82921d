import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { openSqliteStorage } from "../../src/storage/sqlite/index.js";
import { describeStorageContract } from "./storage-contract.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "agent-server-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStorageContract("sqlite (in memory)", () => openSqliteStorage(":memory:"));
describeStorageContract("sqlite (file)", () => openSqliteStorage(path.join(dir, `db-${n++}.sqlite`)));
