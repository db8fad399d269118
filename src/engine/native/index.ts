// Placeholder until the native backend lands.
export async function register(): Promise<{ threads: number; detail: string }> {
  throw new Error('the native backend is not available in this build');
}
