export { default } from "typebox/value";
export * from "typebox/value";
