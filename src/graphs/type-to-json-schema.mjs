// @ts-check
/**
 * Turns a TypeScript type (from the compiler's type checker) into JSON Schema draft-07, for the
 * state, input, output and context types of a graph. The rules follow what a form or a client
 * generator needs: literal unions become `enum`, optional and `| undefined` members are not
 * required, `| null` adds "null", functions and symbols are left out, class and interface types
 * are shared through `definitions` (which also ends recursion), and LangChain messages become
 * the message schema of message-schema.mjs (a `messages` channel's update type, a union of
 * message-likes, is a list of messages).
 *
 * Plain JavaScript: it runs in the analysis worker, which has no TypeScript support.
 */
import { addMessageDefinitions, messageSchema, messagesFieldSchema } from "./message-schema.mjs";

/** @typedef {typeof import("@ts-morph/common").ts} TS */
/** @typedef {import("@ts-morph/common").ts.Type} Type */
/** @typedef {Record<string, unknown>} JsonSchema */

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
/** Deeper than this, a type is left unconstrained: state is rarely this deep, library types are. */
const MAX_DEPTH = 12;
/** How many types one document may expand before the rest are left unconstrained. */
const MAX_NODES = 5000;

export class JsonSchemaWriter {
  /**
   * @param {TS} ts
   * @param {import("@ts-morph/common").ts.TypeChecker} checker
   */
  constructor(ts, checker) {
    this.ts = ts;
    this.checker = checker;
    /** @type {Map<Type, boolean>} */
    this.messageTypes = new Map();
    // Per document (see reset):
    /** @type {Record<string, JsonSchema>} */
    this.definitions = {};
    /** @type {Map<Type, string>} */
    this.definitionNames = new Map();
    /** @type {Set<Type>} object types being expanded, to cut recursion */
    this.expanding = new Set();
    this.usesMessages = false;
    this.nodes = 0;
  }

  reset() {
    this.definitions = {};
    this.definitionNames = new Map();
    this.expanding = new Set();
    this.usesMessages = false;
    this.nodes = 0;
  }

  /**
   * A complete schema document for `type` (an object type is expanded at the top, never a $ref).
   * @param {Type} type
   * @returns {JsonSchema}
   */
  document(type) {
    this.reset();
    const schema = this.schemaOf(type, 0, true) ?? {};
    if (this.usesMessages) addMessageDefinitions(this.definitions);
    /** @type {JsonSchema} */
    const doc = { ...schema, $schema: DRAFT_07 };
    if (Object.keys(this.definitions).length > 0) doc.definitions = this.definitions;
    return doc;
  }

  /**
   * @param {Type} type
   * @param {number} depth
   * @param {boolean} [inline] expand a class or interface here instead of referring to a definition
   * @returns {JsonSchema | undefined} undefined for what has no JSON form (functions, symbols, never)
   */
  schemaOf(type, depth, inline = false) {
    const F = this.ts.TypeFlags;
    if (depth > MAX_DEPTH || ++this.nodes > MAX_NODES) return {};
    const flags = type.flags;
    if (flags & (F.Any | F.Unknown | F.TypeParameter | F.Conditional | F.Substitution | F.Index | F.IndexedAccess)) return {};
    if (flags & (F.Never | F.Undefined | F.Void | F.ESSymbolLike)) return undefined;
    // `boolean` is the union true | false; it gets its own flag before union handling.
    if (flags & F.Boolean) return { type: "boolean" };
    if (type.isUnion()) return this.union(type.types, depth);
    if (type.isStringLiteral()) return { type: "string", const: type.value };
    if (type.isNumberLiteral()) return { type: "number", const: type.value };
    if (flags & F.BooleanLiteral) return { type: "boolean", const: isTrue(type) };
    if (flags & (F.String | F.TemplateLiteral | F.StringMapping)) return { type: "string" };
    if (flags & F.Number) return { type: "number" };
    if (flags & (F.BigInt | F.BigIntLiteral)) return { type: "integer" };
    if (flags & F.Null) return { type: "null" };
    if (type.isIntersection()) {
      // A branded primitive (`string & { __brand: "Id" }`) is the primitive.
      const primitive = type.types.find((t) => t.flags & (F.String | F.Number | F.Boolean | F.StringLiteral | F.NumberLiteral));
      if (primitive) return this.schemaOf(primitive, depth);
      return this.object(type, depth);
    }
    if (flags & F.Object || flags & F.NonPrimitive) return this.objectLike(type, depth, inline);
    return {};
  }

  /**
   * @param {readonly Type[]} members
   * @param {number} depth
   * @returns {JsonSchema | undefined}
   */
  union(members, depth) {
    const F = this.ts.TypeFlags;
    // `| undefined` only makes a property optional; Overwrite wrappers are LangGraph's way round a
    // reducer, not a value shape a form should offer.
    let rest = members.filter((t) => !(t.flags & (F.Undefined | F.Void | F.Never)) && !this.isOverwrite(t));
    if (rest.some((t) => this.isMessageList(t))) return this.messages();
    if (rest.some((t) => this.isMessage(t))) return this.message();
    const nullable = rest.some((t) => t.flags & F.Null);
    rest = rest.filter((t) => !(t.flags & F.Null));
    if (rest.length === 0) return nullable ? { type: "null" } : undefined;

    const trues = rest.filter((t) => t.flags & F.BooleanLiteral && isTrue(t)).length;
    const falses = rest.filter((t) => t.flags & F.BooleanLiteral && !isTrue(t)).length;
    if (trues && falses) rest = rest.filter((t) => !(t.flags & F.BooleanLiteral));

    /** @type {JsonSchema | undefined} */
    let schema;
    if (rest.length > 0 && rest.every((t) => t.isStringLiteral())) {
      schema = { type: "string", enum: rest.map((t) => /** @type {import("@ts-morph/common").ts.StringLiteralType} */ (t).value) };
    } else if (rest.length > 0 && rest.every((t) => t.isNumberLiteral())) {
      schema = { type: "number", enum: rest.map((t) => /** @type {import("@ts-morph/common").ts.NumberLiteralType} */ (t).value) };
    }
    if (schema && trues && falses) schema = { anyOf: [schema, { type: "boolean" }] };
    if (!schema) {
      const parts = rest.map((t) => this.schemaOf(t, depth)).filter((s) => s !== undefined);
      if (trues && falses) parts.push({ type: "boolean" });
      if (parts.length === 0) return nullable ? { type: "null" } : undefined;
      if (parts.some((p) => Object.keys(p).length === 0)) return {};
      schema = parts.length === 1 ? parts[0] : { anyOf: dedupe(parts) };
    }
    return nullable ? withNull(/** @type {JsonSchema} */ (schema)) : schema;
  }

  /**
   * @param {Type} type
   * @param {number} depth
   * @param {boolean} inline
   * @returns {JsonSchema | undefined}
   */
  objectLike(type, depth, inline) {
    const checker = this.checker;
    if (this.isMessage(type)) return this.message();
    if (checker.isArrayType(type)) {
      if (this.isMessageList(type)) return this.messages();
      const [element] = checker.getTypeArguments(/** @type {import("@ts-morph/common").ts.TypeReference} */ (type));
      return { type: "array", items: (element && this.schemaOf(element, depth + 1)) ?? {} };
    }
    if (checker.isTupleType(type)) return this.tuple(/** @type {import("@ts-morph/common").ts.TupleTypeReference} */ (type), depth);
    const symbol = type.getSymbol();
    const name = symbol?.getName();
    if (name === "Date") return { type: "string", format: "date-time" };
    if (name === "Promise" || name === "Map" || name === "Set" || name === "WeakMap") return {};
    if (type.getCallSignatures().length > 0 && type.getProperties().length === 0) return undefined;
    if (!inline && this.isNamed(type)) return this.reference(type, depth);
    return this.object(type, depth);
  }

  /**
   * @param {import("@ts-morph/common").ts.TupleTypeReference} type
   * @param {number} depth
   */
  tuple(type, depth) {
    const elements = this.checker.getTypeArguments(type).map((t) => this.schemaOf(t, depth + 1) ?? {});
    const target = type.target;
    /** @type {JsonSchema} */
    const schema = { type: "array", items: elements, minItems: target.minLength };
    if (!target.hasRestElement) schema.maxItems = elements.length;
    return schema;
  }

  /**
   * A class or interface: one definition per type, referred to by name.
   * @param {Type} type
   * @param {number} depth
   */
  reference(type, depth) {
    let name = this.definitionNames.get(type);
    if (!name) {
      const base = sanitize(this.checker.typeToString(type, undefined, this.ts.TypeFormatFlags.NoTruncation));
      name = base;
      for (let n = 2; name in this.definitions; n++) name = `${base}_${n}`;
      this.definitionNames.set(type, name);
      this.definitions[name] = {}; // reserved now, so a recursive reference finds it
      this.definitions[name] = this.object(type, depth);
    }
    return { $ref: `#/definitions/${name}` };
  }

  /**
   * @param {Type} type
   * @param {number} depth
   * @returns {JsonSchema}
   */
  object(type, depth) {
    if (this.expanding.has(type)) return { type: "object" };
    this.expanding.add(type);
    try {
      const ts = this.ts;
      /** @type {Record<string, JsonSchema>} */
      const properties = {};
      const required = [];
      for (const property of this.checker.getPropertiesOfType(type)) {
        const key = property.getName();
        if (key.startsWith("__@") || key.startsWith("~") || key.startsWith("#") || this.isHidden(property)) continue;
        const propertyType = this.checker.getTypeOfSymbol(property);
        const schema = this.schemaOf(propertyType, depth + 1);
        if (schema === undefined) continue;
        const description = ts.displayPartsToString(property.getDocumentationComment(this.checker)).trim();
        properties[key] = description && !("$ref" in schema) ? { ...schema, description } : schema;
        const optional = property.flags & ts.SymbolFlags.Optional || includesUndefined(ts, propertyType);
        if (!optional) required.push(key);
      }
      /** @type {JsonSchema} */
      const schema = { type: "object" };
      if (Object.keys(properties).length > 0) schema.properties = properties;
      if (required.length > 0) schema.required = required;
      const index = this.checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
      if (index) {
        const values = this.schemaOf(index.type, depth + 1);
        if (values && Object.keys(values).length > 0) schema.additionalProperties = values;
      }
      return schema;
    } finally {
      this.expanding.delete(type);
    }
  }

  /** @param {Type} type */
  isNamed(type) {
    const O = this.ts.ObjectFlags;
    const objectFlags = /** @type {import("@ts-morph/common").ts.ObjectType} */ (type).objectFlags ?? 0;
    return (objectFlags & (O.Class | O.Interface)) !== 0 || (objectFlags & O.Reference) !== 0;
  }

  /** Private and protected class members are not part of the data. @param {import("@ts-morph/common").ts.Symbol} symbol */
  isHidden(symbol) {
    const M = this.ts.ModifierFlags;
    return (symbol.declarations ?? []).some(
      (d) => (this.ts.getCombinedModifierFlags(/** @type {import("@ts-morph/common").ts.Declaration} */ (d)) & (M.Private | M.Protected)) !== 0,
    );
  }

  /** @param {Type} type */
  isOverwrite(type) {
    return (type.flags & this.ts.TypeFlags.Object) !== 0 && this.checker.getPropertyOfType(type, "__overwrite__") !== undefined;
  }

  /**
   * A LangChain message: a class deriving from @langchain/core's BaseMessage.
   * @param {Type} type
   * @returns {boolean}
   */
  isMessage(type) {
    const known = this.messageTypes.get(type);
    if (known !== undefined) return known;
    this.messageTypes.set(type, false);
    let result = false;
    const symbol = type.getSymbol();
    if (symbol && symbol.getName() === "BaseMessage" && declaredInLangChain(symbol)) {
      result = true;
    } else if (type.flags & this.ts.TypeFlags.Object) {
      const O = this.ts.ObjectFlags;
      const objectType = /** @type {import("@ts-morph/common").ts.ObjectType} */ (type);
      const target = objectType.objectFlags & O.Reference ? /** @type {import("@ts-morph/common").ts.TypeReference} */ (type).target : objectType;
      if (target.objectFlags & (O.Class | O.Interface)) {
        result = this.checker.getBaseTypes(/** @type {import("@ts-morph/common").ts.InterfaceType} */ (target)).some((base) => this.isMessage(base));
      }
    }
    this.messageTypes.set(type, result);
    return result;
  }

  /** An array whose elements are (or include) messages. @param {Type} type */
  isMessageList(type) {
    if (!this.checker.isArrayType(type)) return false;
    const [element] = this.checker.getTypeArguments(/** @type {import("@ts-morph/common").ts.TypeReference} */ (type));
    if (!element) return false;
    return element.isUnion() ? element.types.some((t) => this.isMessage(t)) : this.isMessage(element);
  }

  messages() {
    this.usesMessages = true;
    return messagesFieldSchema();
  }

  message() {
    this.usesMessages = true;
    return messageSchema();
  }
}

/** @param {Type} type */
function isTrue(type) {
  return /** @type {{ intrinsicName?: string }} */ (type).intrinsicName === "true";
}

/**
 * @param {TS} ts
 * @param {Type} type
 */
function includesUndefined(ts, type) {
  return type.isUnion() && type.types.some((t) => t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void));
}

/** @param {import("@ts-morph/common").ts.Symbol} symbol */
function declaredInLangChain(symbol) {
  return (symbol.declarations ?? []).some((d) => /[\\/]@langchain[\\/]core[\\/]/.test(d.getSourceFile().fileName));
}

/** Definition names travel in `$ref` URIs: keep them to characters that need no escaping. @param {string} name */
function sanitize(name) {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "") || "Type";
}

/** @param {JsonSchema} schema */
function withNull(schema) {
  if (typeof schema.type === "string" && !("anyOf" in schema)) {
    /** @type {JsonSchema} */
    const out = { ...schema, type: [schema.type, "null"] };
    if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
    if ("const" in schema) {
      delete out.const;
      out.enum = [schema.const, null];
    }
    return out;
  }
  return { anyOf: [...(Array.isArray(schema.anyOf) && Object.keys(schema).length === 1 ? schema.anyOf : [schema]), { type: "null" }] };
}

/** @param {JsonSchema[]} schemas */
function dedupe(schemas) {
  const seen = new Set();
  return schemas.filter((s) => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
