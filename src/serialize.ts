// Model files: float32 tensors as little-endian base64 (exact and about 5× smaller than
// decimal JSON), with shape checks on the way back in.
import { readerBytes } from "./memory.js";

const CHUNK = 0x8000;

export function encodeFloat32(values: ArrayLike<number>): string {
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** Bytes of a base64 string (atob, which browsers and Node 16+ both have). */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = readerBytes(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function decodeFloat32(name: string, text: unknown, expected: number): Float32Array {
  if (typeof text !== "string") throw new TypeError(`${name} must be a base64 string, received ${typeof text}`);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(text);
  } catch {
    throw new RangeError(`${name} is not valid base64`);
  }
  if (bytes.length !== expected * 4) {
    const n = (v: number): string => v.toLocaleString("en-US");
    const want = `${n(expected)} float32 values (${n(expected * 4)} bytes)`;
    if (bytes.length % 4 !== 0) {
      throw new RangeError(
        `${name} decodes to ${n(bytes.length)} bytes, not a whole number of 4-byte float32 values: the text is truncated or damaged (expected ${want})`,
      );
    }
    throw new RangeError(`${name} holds ${n(bytes.length / 4)} float32 values, expected ${want}`);
  }
  const out = new Float32Array(bytes.buffer);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new RangeError(`${name}[${i}] is ${out[i]}; every weight must be finite`);
  }
  return out;
}
