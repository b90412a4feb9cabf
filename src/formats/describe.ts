// Values from model files, described for messages. Like validate.ts's describe, but a value
// from a file cannot run code or fill a message: an object's own "constructor" key is not
// read (its prototype's is), and long strings are cut.
import { describe as describeArgument } from "../validate.js";

export function describe(value: unknown): string {
  if (typeof value === "string") return value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}… (${value.length} characters)` : JSON.stringify(value);
  if (typeof value !== "object" || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return describeArgument(value);
  const proto: unknown = Object.getPrototypeOf(value);
  const ctor = proto !== null && Object.hasOwn(proto as object, "constructor") ? (proto as { constructor: unknown }).constructor : undefined;
  const name = typeof ctor === "function" && typeof ctor.name === "string" && ctor.name !== "" ? ctor.name : "";
  if (name === "") return "an object";
  return `${/^(?:[AEIO]|U(?!int))/i.test(name) ? "an" : "a"} ${name}`;
}
