/**
 * A throwaway PostgreSQL server for tests, from Debian's `postgresql` package: initdb into a temp
 * folder, pg_ctl start on a free 127.0.0.1 port (unix socket in the same folder), stopped after.
 * As root (CI), the server runs as the `postgres` user, since initdb and postgres refuse root.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PgServer {
  /** postgres://fmnist@127.0.0.1:<port>/postgres */
  url: string;
  stop(): void;
}

/** The folder holding initdb and pg_ctl: PG_BIN, else Debian's newest /usr/lib/postgresql/N/bin, else PATH. */
export function findPgBin(): string | undefined {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  if (process.env.PG_BIN) return has(process.env.PG_BIN) ? process.env.PG_BIN : undefined;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(debian, v, 'bin'))) return join(debian, v, 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && has(dir)) return dir;
  return undefined;
}

/**
 * Why PostgreSQL tests can't run, or undefined when they can. In CI a missing server is an error
 * (setup.sh installs it), so callers fail rather than skip there.
 */
export function pgUnavailable(): string | undefined {
  return findPgBin() ? undefined : 'PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian\'s postgresql package (scripts/setup.sh does) or set PG_BIN';
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export async function startPostgres(): Promise<PgServer> {
  const bin = findPgBin();
  if (!bin) throw new Error(pgUnavailable());
  // Under /tmp rather than TMPDIR: the `postgres` user must reach it, and a unix socket path is
  // limited to about 100 characters.
  const dir = mkdtempSync(join(existsSync('/tmp') ? '/tmp' : tmpdir(), 'fmnist-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  let prefix: string[] = [];
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    prefix = ['runuser', '-u', 'postgres', '--'];
  }
  const run = (cmd: string, args: string[]) => {
    const argv = [...prefix, join(bin, cmd), ...args];
    try {
      execFileSync(argv[0], argv.slice(1), { cwd: dir, stdio: 'pipe', encoding: 'utf8', timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${cmd} failed: ${e.stderr?.trim() || e.message}${serverLog ? `\n${serverLog}` : ''}`);
    }
  };
  run('initdb', ['-D', data, '-U', 'fmnist', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off`;
  run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', opts, 'start']);
  let stopped = false;
  return {
    url: `postgres://fmnist@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
