// Symbol.dispose for consumers compiling with TypeScript's default lib (es2022 has no
// esnext.disposable): the declaration that lib and @types/node make, which merges with theirs.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

export {};
