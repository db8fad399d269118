import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FMNIST = fileURLToPath(new URL('../../bin/fmnist.js', import.meta.url));

export interface CliResult { status: number | null; stdout: string; stderr: string }

/** Runs the CLI to completion. */
export function fmnist(args: string[], env: Record<string, string> = {}, timeoutMs = 300_000): CliResult {
  const r = spawnSync(process.execPath, [FMNIST, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI and calls `onLine` for each stdout line; resolves when it exits. */
export function fmnistLive(args: string[], onLine: (line: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FMNIST, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl), (sig) => child.kill(sig));
        pending = pending.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** The last JSON object with event 'result' in JSON-lines output. */
export function resultOf(stdout: string): { run: number; status: string; backend: string; metrics: Record<string, { accuracy: number; loss: number }> } {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const r = lines.reverse().find((l) => l.event === 'result');
  if (!r) throw new Error(`no result line in:\n${stdout}`);
  return r;
}
