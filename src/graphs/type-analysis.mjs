// @ts-check
/**
 * Static analysis of a graph's TypeScript types, with the TypeScript compiler API: the JSON
 * Schemas of its state (update shape), input, output and context, for the root graph and for
 * the subgraphs its nodes run.
 *
 * How: a synthetic module, placed (in memory only) beside the graph's file, imports the graph's
 * module as types and applies type helpers to the export, which reach LangGraph's own type
 * parameters (`~RunInput`, `~InputType`, `~OutputType`, the builder's `_configSchema`; a
 * functional-API `entrypoint` has only the input and output ones). Because
 * the synthetic module sits in the project, `@langchain/langgraph` resolves to the project's
 * copy and the project's tsconfig.json applies. Subgraphs are found syntactically: every
 * `addNode("name", x)` whose argument mentions a top-level variable or import; a type alias
 * for each such variable is appended (in memory) to the graph's file, and those whose type is a
 * graph are kept under their node's name.
 *
 * Plain JavaScript: it runs in a worker thread that has no TypeScript support of its own.
 */
import path from "node:path";
import { JsonSchemaWriter } from "./type-to-json-schema.mjs";

/** @typedef {typeof import("@ts-morph/common").ts} TS */
/** @typedef {import("./type-to-json-schema.mjs").JsonSchema} JsonSchema */
/**
 * What the analysis finds for one graph.
 * @typedef {{ state: JsonSchema, input: JsonSchema, output: JsonSchema, config: JsonSchema }} TypedSchemas
 * @typedef {{ ok: true, root: TypedSchemas, nodes: Record<string, TypedSchemas> } | { ok: false, reason: string }} TypeAnalysis
 * @typedef {{ analysis: TypeAnalysis, inputs: string[] }} AnalysisOutcome
 * What the compiler needs besides the project's files: TypeScript's lib declarations (served from
 * memory under `libFolder`), and the declaration files already parsed by earlier analyses.
 * @typedef {{ libFolder: string, libTexts: Map<string, string>, parsed: Map<string, import("@ts-morph/common").ts.SourceFile> }} CompilerEnvironment
 */

const PREFIX = "__agent_server_";
const SYNTHETIC_NAME = `${PREFIX}types__`;

/** The synthetic module's extension, and the specifier it imports the graph by, per graph file extension. */
const EXTENSIONS = /** @type {Record<string, [string, string]>} */ ({
  ".ts": [".ts", ".js"],
  ".tsx": [".ts", ".js"],
  ".js": [".ts", ".js"],
  ".jsx": [".ts", ".js"],
  ".mts": [".mts", ".mjs"],
  ".mjs": [".mts", ".mjs"],
  ".cts": [".cts", ".cjs"],
  ".cjs": [".cts", ".cjs"],
});

const HELPERS = `
type ${PREFIX}Value<T> = T extends (...args: any[]) => infer R ? Awaited<R> : Awaited<T>;
type ${PREFIX}Compiled<T> = ${PREFIX}Value<T> extends infer V ? (V extends { compile(...args: any[]): infer C } ? C : V) : never;
type ${PREFIX}IsGraph<T> = 0 extends 1 & T ? false : ${PREFIX}Compiled<T> extends { invoke(...args: any[]): any } & ({ builder: object } | { "~InputType": unknown }) ? true : false;
type ${PREFIX}State<T> = ${PREFIX}Compiled<T> extends { "~RunInput": infer U } ? U : ${PREFIX}Compiled<T> extends { builder: { _schemaDefinition: infer S extends ${PREFIX}lg.StateDefinition } } ? ${PREFIX}lg.UpdateType<S> : ${PREFIX}Compiled<T> extends { "~InputType": infer I } ? I : never;
type ${PREFIX}Input<T> = ${PREFIX}Compiled<T> extends { "~InputType": infer I } ? I : ${PREFIX}State<T>;
type ${PREFIX}Output<T> = ${PREFIX}Compiled<T> extends { "~OutputType": infer O } ? O : ${PREFIX}State<T>;
type ${PREFIX}Config<T> = ${PREFIX}Compiled<T> extends { builder: { _configSchema?: infer C } } ? (Exclude<C, undefined> extends infer D extends ${PREFIX}lg.StateDefinition ? ${PREFIX}lg.UpdateType<D> : {}) : {};
`;

/**
 * Analyses the graph exported as `exportName` by `file`.
 * @param {TS} ts
 * @param {{ file: string, exportName: string }} job
 * @param {CompilerEnvironment} environment
 * @returns {AnalysisOutcome}
 */
export function analyseGraph(ts, job, environment) {
  const file = path.resolve(job.file);
  const source = ts.sys.readFile(file);
  if (source === undefined) return { analysis: { ok: false, reason: `cannot read ${file}` }, inputs: [file] };
  const { options, configFile } = compilerOptions(ts, path.dirname(file));
  const projectDir = path.dirname(configFile ?? file);
  const ext = path.extname(file);
  const [syntheticExt, importExt] = EXTENSIONS[ext] ?? [".ts", ".js"];
  const syntheticFile = path.join(path.dirname(file), SYNTHETIC_NAME + syntheticExt);
  const specifier = `./${path.basename(file, ext)}${importExt}`;

  const candidates = subgraphCandidates(ts, ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true));
  const variables = [...new Set(candidates.flatMap((c) => c.variables))];
  const isJs = /\.[mc]?jsx?$/.test(ext);
  const aliases = variables.map((v, i) =>
    isJs ? `/** @typedef {typeof ${v}} ${PREFIX}v${i} */` : `export type ${PREFIX}v${i} = typeof ${v};`,
  );
  const overlay = aliases.length > 0 ? `${source}\n;\n${aliases.join("\n")}\n` : source;

  const targets = [`(typeof ${PREFIX}g)[${JSON.stringify(job.exportName)}]`, ...variables.map((_, i) => `${PREFIX}g.${PREFIX}v${i}`)];
  const synthetic = [
    `import type * as ${PREFIX}g from ${JSON.stringify(specifier)};`,
    `import type * as ${PREFIX}lg from "@langchain/langgraph";`,
    HELPERS,
    ...targets.flatMap((target, i) => [
      `export type ${PREFIX}t${i} = ${target};`,
      `export type ${PREFIX}t${i}_graph = ${PREFIX}IsGraph<${PREFIX}t${i}>;`,
      `export type ${PREFIX}t${i}_state = ${PREFIX}State<${PREFIX}t${i}>;`,
      `export type ${PREFIX}t${i}_input = ${PREFIX}Input<${PREFIX}t${i}>;`,
      `export type ${PREFIX}t${i}_output = ${PREFIX}Output<${PREFIX}t${i}>;`,
      `export type ${PREFIX}t${i}_config = ${PREFIX}Config<${PREFIX}t${i}>;`,
    ]),
  ].join("\n");

  const host = compilerHost(ts, options, environment, new Map([[file, overlay], [syntheticFile, synthetic]]), projectDir);
  const program = ts.createProgram({ rootNames: [syntheticFile], options, host });
  const inputs = projectInputs(program, syntheticFile, configFile, environment.libFolder);
  const checker = program.getTypeChecker();
  const syntheticSource = program.getSourceFile(syntheticFile);
  if (!syntheticSource) return { analysis: { ok: false, reason: "the TypeScript program could not be built" }, inputs };

  /** @type {Map<string, import("@ts-morph/common").ts.Type>} */
  const aliasTypes = new Map();
  for (const statement of syntheticSource.statements) {
    if (ts.isTypeAliasDeclaration(statement)) aliasTypes.set(statement.name.text, checker.getTypeFromTypeNode(statement.type));
  }
  const writer = new JsonSchemaWriter(ts, checker);
  /** @param {number} i */
  const isGraph = (i) => /** @type {{ intrinsicName?: string }} */ (aliasTypes.get(`${PREFIX}t${i}_graph`))?.intrinsicName === "true";
  /** @param {number} i @returns {TypedSchemas} */
  const schemasOf = (i) => {
    /** @param {string} part */
    const doc = (part) => writer.document(/** @type {import("@ts-morph/common").ts.Type} */ (aliasTypes.get(`${PREFIX}t${i}_${part}`)));
    return { state: doc("state"), input: doc("input"), output: doc("output"), config: doc("config") };
  };

  if (!isGraph(0)) return { analysis: { ok: false, reason: rootProblem(ts, program, checker, aliasTypes.get(`${PREFIX}t0`), file, job.exportName) }, inputs };
  const stateType = aliasTypes.get(`${PREFIX}t0_state`);
  if (!stateType || stateType.flags & (ts.TypeFlags.Any | ts.TypeFlags.Never)) {
    return { analysis: { ok: false, reason: `the state type of "${job.exportName}" could not be resolved` }, inputs };
  }
  const root = schemasOf(0);
  /** @type {Record<string, TypedSchemas>} */
  const nodes = {};
  for (const { node, variables: names } of candidates) {
    if (node in nodes) continue;
    const index = names.map((n) => variables.indexOf(n) + 1).find((i) => isGraph(i));
    if (index !== undefined) nodes[node] = schemasOf(index);
  }
  return { analysis: { ok: true, root, nodes }, inputs };
}

/**
 * The project's compiler options (its nearest tsconfig.json), with what the analysis needs on top:
 * strict null checks (optional vs required), JavaScript graphs, nothing emitted.
 * @param {TS} ts
 * @param {string} dir
 */
function compilerOptions(ts, dir) {
  const configFile = ts.findConfigFile(dir, ts.sys.fileExists, "tsconfig.json");
  /** @type {import("@ts-morph/common").ts.CompilerOptions} */
  let base = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    esModuleInterop: true,
  };
  if (configFile) {
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    // Naming the file sets configFilePath, from which tsc finds node_modules/@types.
    if (read.config) base = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configFile), undefined, configFile).options;
  }
  /** @type {import("@ts-morph/common").ts.CompilerOptions} */
  const options = {
    // Every @types package, as TypeScript 5 (which most projects use) includes by default; the
    // bundled compiler's own default is none, and a graph using `process` would not type-check.
    types: ["*"],
    ...base,
    strictNullChecks: true,
    allowJs: true,
    skipLibCheck: true,
    noEmit: true,
    declaration: false,
    composite: false,
    incremental: false,
    isolatedDeclarations: false,
  };
  delete options.tsBuildInfoFile;
  return { options, configFile };
}

/**
 * A compiler host that serves the synthetic module, the graph file's overlay and TypeScript's lib
 * files from memory, and keeps parsed declaration files for the next analysis.
 * @param {TS} ts
 * @param {import("@ts-morph/common").ts.CompilerOptions} options
 * @param {CompilerEnvironment} environment
 * @param {Map<string, string>} overlays
 * @param {string} projectDir where relative settings (type roots, without a tsconfig) are resolved from
 */
function compilerHost(ts, options, environment, overlays, projectDir) {
  const host = ts.createCompilerHost(options, false);
  host.getCurrentDirectory = () => projectDir;
  const { getSourceFile, fileExists, readFile } = host;
  /** @param {string} name */
  const inMemory = (name) => overlays.get(path.resolve(name)) ?? environment.libTexts.get(path.resolve(name));
  host.getDefaultLibLocation = () => environment.libFolder;
  host.getDefaultLibFileName = (o) => path.join(environment.libFolder, ts.getDefaultLibFileName(o));
  host.fileExists = (name) => inMemory(name) !== undefined || fileExists.call(host, name);
  host.readFile = (name) => inMemory(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const overlay = overlays.get(path.resolve(name));
    if (overlay !== undefined) return ts.createSourceFile(name, overlay, languageVersion, true);
    if (!isLibrary(name) && !environment.libTexts.has(path.resolve(name))) return getSourceFile.call(host, name, languageVersion, onError, shouldCreate);
    const key = `${name}\0${typeof languageVersion === "object" ? languageVersion.languageVersion : languageVersion}`;
    let parsed = environment.parsed.get(key);
    if (!parsed) {
      // Declaration files' doc comments are not needed (only types are), and skipping them is
      // a good part of the parsing time.
      const lean = { ...(typeof languageVersion === "object" ? languageVersion : { languageVersion }), jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo };
      const text = environment.libTexts.get(path.resolve(name));
      parsed = text !== undefined ? ts.createSourceFile(name, text, lean, false) : getSourceFile.call(host, name, lean, onError, shouldCreate);
      if (parsed) environment.parsed.set(key, parsed);
    }
    return parsed;
  };
  return host;
}

/** @param {string} name */
function isLibrary(name) {
  return /[\\/]node_modules[\\/]/.test(name);
}

/**
 * The files the result depends on: the project's own sources in the program, the tsconfig, and
 * the package.json of each package whose types were read (a package update changes its version).
 * @param {import("@ts-morph/common").ts.Program} program
 * @param {string} syntheticFile
 * @param {string | undefined} configFile
 * @param {string} libFolder
 */
function projectInputs(program, syntheticFile, configFile, libFolder) {
  const inputs = new Set(configFile ? [path.resolve(configFile)] : []);
  for (const sourceFile of program.getSourceFiles()) {
    const name = path.resolve(sourceFile.fileName);
    if (name === syntheticFile || name.startsWith(libFolder + path.sep)) continue;
    const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(name);
    inputs.add(match ? path.join(match[1], "package.json") : name);
  }
  return [...inputs];
}

/**
 * Why the export is not a graph, in words, with the first compiler errors of the graph's file
 * (a missing module or a typo is the usual cause of an `any`).
 * @param {TS} ts
 * @param {import("@ts-morph/common").ts.Program} program
 * @param {import("@ts-morph/common").ts.TypeChecker} checker
 * @param {import("@ts-morph/common").ts.Type | undefined} type
 * @param {string} file
 * @param {string} exportName
 */
function rootProblem(ts, program, checker, type, file, exportName) {
  const shown = type ? checker.typeToString(type) : "unknown";
  let reason = type && type.flags & ts.TypeFlags.Any
    ? `the type of export "${exportName}" is any`
    : `the type of export "${exportName}" (${shown.slice(0, 120)}) is not a LangGraph graph`;
  const sourceFile = program.getSourceFile(file);
  const errors = sourceFile ? [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)] : [];
  if (errors.length > 0) {
    const first = errors.slice(0, 2).map((d) => {
      const where = d.file && d.start !== undefined ? `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : "";
      return where + ts.flattenDiagnosticMessageText(d.messageText, " ");
    });
    reason += ` (${first.join("; ")})`;
  }
  return reason;
}

/**
 * Every `addNode` call with a literal node name, and the top-level names (variables, imports)
 * its action mentions: `addNode("child", subgraph)`, `addNode("child", (s) => subgraph.invoke(s))`,
 * `addNode({ child: subgraph })`.
 * @param {TS} ts
 * @param {import("@ts-morph/common").ts.SourceFile} sourceFile
 * @returns {{ node: string, variables: string[] }[]}
 */
function subgraphCandidates(ts, sourceFile) {
  const topLevel = topLevelNames(ts, sourceFile);
  /** @type {{ node: string, variables: string[] }[]} */
  const found = [];
  /** @param {string} node @param {import("@ts-morph/common").ts.Node} action */
  const add = (node, action) => {
    const variables = mentionedNames(ts, action).filter((n) => topLevel.has(n));
    if (variables.length > 0) found.push({ node, variables: [...new Set(variables)] });
  };
  /** @param {import("@ts-morph/common").ts.Node} node */
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "addNode") {
      const [first, second] = node.arguments;
      if (first && second && ts.isStringLiteralLike(first)) add(first.text, second);
      else if (first && ts.isObjectLiteralExpression(first)) {
        for (const property of first.properties) {
          const name = property.name && (ts.isIdentifier(property.name) || ts.isStringLiteralLike(property.name)) ? property.name.text : undefined;
          if (!name) continue;
          if (ts.isPropertyAssignment(property)) add(name, property.initializer);
          else if (ts.isShorthandPropertyAssignment(property)) add(name, property.name);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/**
 * @param {TS} ts
 * @param {import("@ts-morph/common").ts.SourceFile} sourceFile
 */
function topLevelNames(ts, sourceFile) {
  const names = new Set();
  for (const statement of sourceFile.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
      }
    } else if (ts.isImportDeclaration(statement) && statement.importClause && !statement.importClause.isTypeOnly) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      if (clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
        for (const element of clause.namedBindings.elements) if (!element.isTypeOnly) names.add(element.name.text);
      }
    }
  }
  return names;
}

/**
 * Identifiers an expression reads (not property names after a dot, not parameter names).
 * @param {TS} ts
 * @param {import("@ts-morph/common").ts.Node} root
 * @returns {string[]}
 */
function mentionedNames(ts, root) {
  /** @type {string[]} */
  const names = [];
  /** @param {import("@ts-morph/common").ts.Node} node */
  const visit = (node) => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isMemberName = parent && ts.isPropertyAccessExpression(parent) && parent.name === node;
      const isDeclaredName = parent && (ts.isParameter(parent) || ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && /** @type {{ name?: unknown }} */ (parent).name === node;
      if (!isMemberName && !isDeclaredName) names.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(root);
  return names;
}
