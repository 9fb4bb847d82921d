/**
 * Route validators compiled on first use. Fastify compiles every route's schema with Ajv when the
 * app starts, and with some seventy routes that code generation was the largest single cost of
 * start-up, most of it for routes a session never calls. Here each validator is Fastify's own
 * (same Ajv instance and options: coercion, defaults, formats), built the first time a request of
 * that route is validated; nothing is skipped. `compileAll` builds every one at once, for the test
 * that proves every schema compiles.
 */
import AjvCompiler from "@fastify/ajv-compiler";

type Validator = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type RouteSchema = { schema: unknown; method: string; url: string; httpPart?: string };
type BuildValidator = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => Validator;

export class LazyValidators {
  private readonly pending = new Set<() => Validator>();

  /** For Fastify's `schemaController.compilersFactory.buildValidator`. */
  readonly buildValidator: BuildValidator = (externalSchemas, options) => {
    const fastifys = AjvCompiler() as unknown as BuildValidator;
    let compiler: ((route: RouteSchema) => Validator) | undefined;
    return (route) => {
      let real: Validator | undefined;
      const build = () => {
        if (!real) {
          compiler ??= fastifys(externalSchemas, options);
          real = compiler(route);
          this.pending.delete(build);
        }
        return real;
      };
      this.pending.add(build);
      const lazy = ((data: unknown, context?: unknown) => (context === undefined ? build()(data) : build()(data, context))) as Validator;
      // Fastify reads these around each call: they are the compiled validator's own.
      Object.defineProperty(lazy, "errors", { get: () => real?.errors });
      Object.defineProperty(lazy, "schemaEnv", { get: () => build().schemaEnv });
      return lazy;
    };
  };

  /** Compiles every validator not compiled yet; throws the first schema Ajv refuses. */
  compileAll(): number {
    const all = [...this.pending];
    for (const build of all) build();
    return all.length;
  }
}
