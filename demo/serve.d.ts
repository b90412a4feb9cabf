/** Starts the demo's static server on localhost; port 0 picks a free port. */
export function serve(port?: number, host?: string): Promise<{ url: string; close: () => Promise<void> }>;
