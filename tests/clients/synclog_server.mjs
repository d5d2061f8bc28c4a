// The real synclog server for the Node.js client tests: `synclog serve` on a free loopback port
// with a fresh data directory, tokens minted by `synclog token` from that directory, and a stop
// that drains it with SIGTERM. SYNCLOG_BIN names the binary (CTest sets it).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.SYNCLOG_BIN;
if (!BIN) throw new Error('SYNCLOG_BIN must name the synclog binary');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Servers still running if this process ends early (a crash, a closed pipe): never leave one.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

// Starts a server with `extraArgs` after the standard ones; resolves once it listens.
// stop() resolves to { exited: {code, signal}, stderr }.
export async function startServer(extraArgs = [], prefix = 'synclog-client-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const ready = join(dir, 'ready');
  const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dir, '--ready-file', ready,
    '--access-log', 'off', ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  let exited = null;
  running.add(child);
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    running.delete(child);
  });
  const deadline = Date.now() + 30000;
  let address = '';
  while (!address) {
    if (exited) throw new Error(`synclog serve exited (${JSON.stringify(exited)}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`synclog serve did not become ready: ${stderr}`);
    }
    if (existsSync(ready)) address = readFileSync(ready, 'utf8').trim();
    if (!address) await sleep(20);
  }
  return {
    dir,
    baseUrl: `http://${address}`,
    token(user) {
      return execFileSync(BIN, ['token', '--user', user, '--data-dir', dir]).toString().trim();
    },
    async stop() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
      return { exited, stderr };
    },
  };
}
