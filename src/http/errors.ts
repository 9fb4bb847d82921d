/**
 * The one error mapper: every error a request can raise becomes `{"detail": message, "code": code}`
 * JSON with the right status (codes come from the catalog in `src/errors.ts`). Expected
 * conditions are 4xx; anything else is logged with the request id (and
 * run id when known) and answered 500 with a generic detail, since the SDKs retry 5xx.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError, CODE_BY_STATUS, type ErrorBody, type ErrorCode } from "../errors.js";
import { customRouteStatus, isCustomRoute } from "./custom-app.js";

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

export function describeValidation(context: string | undefined, issues: ValidationIssue[]): string {
  const issue = issues.find((i) => i.keyword !== "anyOf") ?? issues[0];
  if (!issue) return "Invalid request";
  const field = [context, ...issue.instancePath.split("/").filter(Boolean)].filter(Boolean).join(".");
  if (issue.keyword === "required") {
    return `${field ? `${field}.` : ""}${String(issue.params?.missingProperty)} is required`;
  }
  if (issue.keyword === "enum") {
    return `${field} must be one of: ${(issue.params?.allowedValues as unknown[]).join(", ")}`;
  }
  if (issue.keyword === "additionalProperties") {
    return `${field} has an unknown field: ${String(issue.params?.additionalProperty)}`;
  }
  return `${field} ${issue.message ?? "is invalid"}`;
}

/** Every error answer's body: the message, and a code from the catalog in src/errors.ts. */
export function errorBody(detail: string, code: ErrorCode): ErrorBody {
  return { detail, code };
}

export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof AppError) {
    // 503 (the server is stopping) is expected, not a fault worth an error line.
    if (error.status >= 500 && error.status !== 503) request.log.error({ err: error, reqId: request.id, url: request.url }, "request failed");
    void reply.code(error.status).headers(error.headers).send(errorBody(error.message, error.code));
    return;
  }
  // A project's own route meant this status (an HTTPException of its own).
  const meant = isCustomRoute(request) ? customRouteStatus(error) : null;
  if (meant) {
    void reply.code(meant.status).send(errorBody(meant.message, "http_error"));
    return;
  }
  const fe = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fe.validation) {
    void reply.code(422).send(errorBody(describeValidation(fe.validationContext, fe.validation), "validation_error"));
    return;
  }
  if (fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" || fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || error instanceof SyntaxError) {
    void reply.code(400).send(errorBody(`Malformed JSON in request body: ${error.message}`, "malformed_json"));
    return;
  }
  // Fastify's own client errors (413 body too large, 415 media type, ...) keep their status.
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    void reply.code(fe.statusCode).send(errorBody(error.message, CODE_BY_STATUS[fe.statusCode] ?? "bad_request"));
    return;
  }
  request.log.error({ err: error, reqId: request.id, method: request.method, url: request.url }, "unexpected error");
  void reply.code(500).send(errorBody("Internal server error", "internal_error"));
}
