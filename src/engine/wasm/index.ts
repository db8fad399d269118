// Placeholder until the wasm backend lands.
export async function register(): Promise<{ threads: number; detail: string }> {
  throw new Error('the wasm backend is not available in this build');
}
