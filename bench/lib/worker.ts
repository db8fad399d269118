/** The harness's end of a worker (see protocol.ts): one child process, one request at a time. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Request } from './protocol.ts';

const STDERR_TAIL = 4000;

export class Worker {
  private readonly child: ChildProcess;
  private readonly replies: string[] = [];
  private waiting?: { resolve: (line: string) => void; reject: (err: Error) => void };
  private exited?: Error;
  private stderr = '';

  constructor(readonly name: string, command: string, args: string[], env: NodeJS.ProcessEnv, echo = false) {
    this.child = spawn(command, args, { env, stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL);
      if (echo) process.stderr.write(chunk);
    });
    createInterface({ input: this.child.stdio[3] as Readable }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w.resolve(line);
      } else this.replies.push(line);
    });
    const fail = (why: string) => {
      this.exited = new Error(`${this.name}: ${why}${this.stderr ? `; its stderr ends:\n${this.stderr.trimEnd()}` : ''}`);
      this.waiting?.reject(this.exited);
      this.waiting = undefined;
    };
    this.child.on('error', (err) => fail(`could not start ${command}: ${err.message}`));
    this.child.on('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
  }

  /** Sends one request and waits for its answer; a worker-side error is thrown here, named. */
  async request<T>(req: Request): Promise<T> {
    if (this.exited) throw this.exited;
    (this.child.stdin as Writable).write(`${JSON.stringify(req)}\n`);
    const line = this.replies.shift() ?? await new Promise<string>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    const reply = JSON.parse(line) as T | { error: string };
    if (reply && typeof reply === 'object' && 'error' in reply) {
      throw new Error(`${this.name} (${req.op}): ${(reply as { error: string }).error}`);
    }
    return reply as T;
  }

  /** Asks the worker to quit and waits for it (killing it after a grace period). */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    (this.child.stdin as Writable).end(`${JSON.stringify({ op: 'quit' })}\n`);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  }
}
