export { default } from "typebox";
export * from "typebox";
