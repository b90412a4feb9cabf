export function methodName(name: string): string;
export function renderActivationMethods(names: readonly string[]): string;
