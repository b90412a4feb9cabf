// The library's own seeded generator (sfc32, seeded through splitmix32): the same seed
// gives the same weights and the same shuffles on every platform. Nothing uses Math.random.

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads one 32-bit seed into well-mixed state words
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The generator's four state words: a generator given them continues the same sequence. */
  get state(): [number, number, number, number] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  set state(words: readonly number[]) {
    [this.a, this.b, this.c, this.d] = words.map((w) => w >>> 0);
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A uniform number in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniform number in [-limit, limit). */
  symmetric(limit: number): number {
    return (2 * this.float() - 1) * limit;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle(indices: Uint32Array): void {
    for (let i = indices.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = indices[i];
      indices[i] = indices[j];
      indices[j] = t;
    }
  }
}

/**
 * A fresh seed for a network created without one: from the platform's CSPRNG where there is
 * one (browsers, Node 19+), else from the clock (Node 18 without --experimental-global-webcrypto).
 */
export function randomSeed(): number {
  const word = new Uint32Array(1);
  if (globalThis.crypto?.getRandomValues) {
    globalThis.crypto.getRandomValues(word);
    return word[0];
  }
  return new Random(Date.now() ^ Math.round(performance.now() * 1000)).uint32();
}
