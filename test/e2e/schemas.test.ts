/**
 * Typed graph schemas through the real SDK (`client.assistants.getSchemas`, `getSubgraphs`), for
 * graphs written the ways LangGraph's docs write them: MessagesAnnotation (the demo),
 * Annotation.Root, a configuration Annotation and a Zod context, Zod state with LangGraph's
 * schema registry, StateSchema, subgraphs; and a graph whose types cannot be analysed.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, REPO_ROOT, sdkClient, startTestServer } from "../helpers/server.js";

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  definitions?: Record<string, Schema>;
  [key: string]: unknown;
};

/** Follows `$ref`s into the document's definitions, as a JSON Schema consumer would. */
function deref(schema: Schema, root: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/definitions/", "");
  const target = root.definitions?.[name];
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
  return deref(target, root);
}

/** The message kinds a messages field admits, by their `type` tag. */
function messageKinds(field: Schema, root: Schema): unknown[] {
  const item = deref(field.items!, root);
  return (item.anyOf ?? [item]).map((kind) => deref(kind, root).properties?.type?.const);
}

const logLines: string[] = [];
let server: RunningServer;
const client = () => sdkClient(server.url);

beforeAll(async () => {
  server = await startTestServer({ config: fixture("schemas"), logger: pino({ level: "warn" }, { write: (l: string) => void logLines.push(l) }) });
});
afterAll(async () => {
  await server?.close();
});

describe("schemas from TypeScript types", () => {
  it("analyses nothing at start-up, and each graph once, on its first schema request", async () => {
    expect(server.stats().typeAnalyses).toBe(0);
    await Promise.all([client().assistants.getSchemas("annotation"), client().assistants.getSchemas("annotation")]);
    await client().assistants.getSchemas("annotation");
    expect(server.stats().typeAnalyses).toBe(1);
  });

  it("MessagesAnnotation (the demo agent): messages is a list of message objects", async () => {
    const schemas = await client().assistants.getSchemas("agent");
    expect(schemas.graph_id).toBe("agent");
    for (const doc of [schemas.input_schema, schemas.state_schema, schemas.output_schema] as Schema[]) {
      const messages = doc.properties!.messages!;
      expect(messages).toMatchObject({ type: "array", langgraph_type: "messages" });
      expect(messageKinds(messages, doc)).toEqual(expect.arrayContaining(["human", "ai", "system", "tool"]));
      const human = deref({ $ref: "#/definitions/HumanMessage" }, doc);
      expect(human).toMatchObject({ type: "object", properties: { content: {}, type: { const: "human" } }, required: expect.arrayContaining(["content"]) });
    }
    expect((schemas.output_schema as Schema).required).toEqual(["messages"]);
    expect((schemas.input_schema as Schema).required).toBeUndefined();
    expect(schemas.config_schema).toMatchObject({ type: "object" });
  });

  it("Annotation.Root: a string union is an enum, numbers are numbers, JSDoc becomes descriptions", async () => {
    const schemas = await client().assistants.getSchemas("annotation");
    const input = schemas.input_schema as Schema;
    expect(input.properties).toMatchObject({
      question: { type: "string", description: "The user's question." },
      kind: { type: "string", enum: ["a", "b"], description: "Which kind of question this is." },
      foo: { type: "number" },
      bar: { type: "array", items: { type: "string" } },
      score: { type: ["number", "null"] },
      details: { type: "object", properties: { source: { type: "string" }, pages: { type: "array", items: { type: "number" } } }, required: ["source"] },
    });
    // What may be sent is a partial update; what comes out has every channel.
    expect(input.required).toBeUndefined();
    expect((schemas.output_schema as Schema).required).toEqual(expect.arrayContaining(["question", "kind", "foo", "bar"]));
    expect((schemas.state_schema as Schema).properties?.kind).toMatchObject({ enum: ["a", "b"] });
  });

  it("config and context: a configuration Annotation (StateGraph's second argument) and a Zod context", async () => {
    const annotation = await client().assistants.getSchemas("context");
    expect(annotation.config_schema).toMatchObject({
      type: "object",
      properties: {
        systemPromptTemplate: { type: "string", description: "The system prompt to use for the agent's interactions." },
        model: { type: "string" },
        temperature: { type: "number" },
      },
    });
    expect(annotation.context_schema).toEqual(annotation.config_schema);

    const zod = await client().assistants.getSchemas("zod_context");
    expect(zod.context_schema).toMatchObject({
      type: "object",
      properties: { userId: { type: "string", description: "Who is asking" }, tone: { type: "string", enum: ["formal", "casual"], default: "casual" } },
    });
    expect((zod.input_schema as Schema).properties?.messages).toMatchObject({ type: "array", langgraph_type: "messages" });
  });
});

describe("schemas from Zod and StateSchema", () => {
  it("Zod 4 with LangGraph's registry: MessagesZodMeta, reducer input schemas, jsonSchemaExtra", async () => {
    const schemas = await client().assistants.getSchemas("zod");
    const state = schemas.state_schema as Schema;
    const output = schemas.output_schema as Schema;
    expect(state.properties?.messages).toMatchObject({ type: "array", langgraph_type: "messages" });
    expect(messageKinds(state.properties!.messages!, state)).toContain("ai");
    // An update of `steps` is one string (the reducer's schema); the value is the list.
    expect(state.properties?.steps).toMatchObject({ type: "string" });
    expect(output.properties?.steps).toMatchObject({ type: "array", items: { type: "string" } });
    expect(state.properties?.systemPrompt).toMatchObject({ type: "string", langgraph_type: "prompt", langgraph_nodes: ["respond"] });
    expect(state.properties?.question).toMatchObject({ type: "string", description: "What the user asked" });
    expect(output.required).toContain("question");
    expect(output.required).not.toContain("answer");
  });

  it("Zod 3 with withLangGraph", async () => {
    const schemas = await client().assistants.getSchemas("zod3");
    expect((schemas.input_schema as Schema).properties).toMatchObject({ log: { type: "string", langgraph_nodes: ["increment"] }, count: { type: "number" } });
    expect((schemas.output_schema as Schema).properties?.log).toMatchObject({ type: "array", items: { type: "string" } });
  });

  it("StateSchema: MessagesValue is a list of messages, ReducedValue keeps its jsonSchemaExtra", async () => {
    const schemas = await client().assistants.getSchemas("state_schema");
    const input = schemas.input_schema as Schema;
    expect(input.properties?.messages).toMatchObject({ type: "array", langgraph_type: "messages" });
    expect(messageKinds(input.properties!.messages!, input)).toContain("human");
    expect(input.properties?.notes).toMatchObject({ type: "string", langgraph_type: "notes" });
    expect((schemas.output_schema as Schema).properties?.notes).toMatchObject({ type: "array", langgraph_type: "notes" });
    expect(input.properties?.count).toMatchObject({ type: "number" });
  });
});

describe("subgraphs", () => {
  it("gives each subgraph's schemas by namespace, nested ones with recurse", async () => {
    const direct = await client().assistants.getSubgraphs("parent");
    expect(Object.keys(direct)).toEqual(["node2"]);
    expect(direct.node2!.state_schema).toMatchObject({ properties: { foo: { type: "string" }, bar: { type: "string", enum: ["x", "y"] }, depth: { type: "number" } } });

    const all = await client().assistants.getSubgraphs("parent", { recurse: true });
    expect(Object.keys(all).sort()).toEqual(["node2", "node2|inner"]);
    expect(all["node2|inner"]!.input_schema).toMatchObject({ properties: { foo: { type: "string" }, depth: { type: "number" } } });
    expect((all["node2|inner"]!.input_schema as Schema).properties).not.toHaveProperty("bar");

    expect(Object.keys(await client().assistants.getSubgraphs("parent", { namespace: "node2" }))).toEqual(["node2"]);
    expect(await client().assistants.getSubgraphs("agent")).toEqual({});
  });
});

describe("a graph whose types cannot be analysed", () => {
  it("answers its channel names, as before, and says once which file could not be analysed", async () => {
    for (let i = 0; i < 2; i++) {
      const schemas = await client().assistants.getSchemas("dynamic");
      expect(Object.keys((schemas.state_schema as Schema).properties!).sort()).toEqual(["reply", "text"]);
      expect(schemas.config_schema).toEqual({ type: "object", properties: {} });
    }
    const warnings = logLines.filter((l) => l.includes(path.join("schemas", "dynamic.ts")));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, msg: expect.stringMatching(/graph "dynamic".*is any/) });
  });
});

describe("the analysis cache", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-schemas-"));
  const project = path.join(tmp, "project");
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("survives a restart on disk, and is redone when the graph's file changes", async () => {
    cpSync(fixture("schemas"), project, { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
    writeFileSync(path.join(project, "langgraph.json"), JSON.stringify({ graphs: { annotation: "./annotation.ts:graph" } }));
    // A lean tsconfig (no DOM, no @types) keeps each fresh server's first analysis short.
    const compilerOptions = { module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022"], types: [], strict: true };
    writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions }));
    const kinds = async () => {
      const s = await startTestServer({ config: project, storage: "sqlite" });
      try {
        const schemas = await sdkClient(s.url).assistants.getSchemas("annotation");
        return { kinds: (schemas.input_schema as Schema).properties?.kind?.enum, analyses: s.stats().typeAnalyses };
      } finally {
        await s.close();
      }
    };
    expect(await kinds()).toEqual({ kinds: ["a", "b"], analyses: 1 });
    expect(existsSync(path.join(project, ".agent-server", "schema-cache.json"))).toBe(true);
    expect(await kinds()).toEqual({ kinds: ["a", "b"], analyses: 0 });

    const file = path.join(project, "annotation.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace(`Annotation<"a" | "b">`, `Annotation<"a" | "b" | "c">`));
    expect(await kinds()).toEqual({ kinds: ["a", "b", "c"], analyses: 1 });
  });

  it("closing the server stops an analysis under way, and the request still gets an answer", async () => {
    const s = await startTestServer({ config: fixture("schemas"), logLevel: "silent" });
    const pending = fetch(`${s.url}/assistants/annotation/schemas`);
    // Wait until the request is being analysed, then close: close must not wait for the analysis.
    await expect.poll(() => s.stats().typeAnalyses, { timeout: 10_000 }).toBe(1);
    const started = Date.now();
    await s.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    const response = await pending;
    expect(response.status).toBe(200);
    // Without the analysis, the answer is the channel names.
    expect(((await response.json()) as { state_schema: Schema }).state_schema.properties?.kind).toEqual({});
  });
});
