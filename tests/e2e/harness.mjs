// Starts the real sovra binary on port 0 with a temporary data directory, for tests that use the official SDKs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const binary = process.env.SOVRA_TEST_BINARY;
export const sharedDir = process.env.SOVRA_TEST_SHARED_DIR ?? new URL('../../../shared', import.meta.url).pathname;

// Why the suite cannot run here, or null.
export function skipReason(...files) {
  if (!binary || !existsSync(binary)) return 'SOVRA_TEST_BINARY is not set to a built sovra binary';
  for (const f of files) if (!existsSync(f)) return `${f} is absent`;
  return null;
}

// SOVRA_TEST_VIA=gateway: the same tests through a `sovra gateway` in front of a `sovra worker` that serves the
// models (the relay must be invisible to the SDK); otherwise straight to `sovra serve`.
export async function startServer(args = []) {
  if (process.env.SOVRA_TEST_VIA === 'gateway') return startBehindGateway(args);
  return startProcess('serve', args);
}

async function startProcess(command, args, env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sovra-e2e-'));
  const child = spawn(binary, [command, '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sovra did not start within 20 s:\n${stderr}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on https?:\/\/[^\s]+:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`sovra exited with ${code}:\n${stderr}`)); });
  });
  // With authentication on, a fresh data directory gets an API key written for scripts to pick up.
  const keyFile = join(dataDir, 'initial-api-key');
  const apiKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : 'sk-no-auth';
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    // Where the engine runs (its /metrics): this process, or the worker behind a gateway.
    engineURL: `http://127.0.0.1:${port}`,
    apiKey,
    log: () => stderr,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// A worker serving `args`' models behind a gateway whose routing sends each of those models to it.
async function startBehindGateway(args) {
  const secret = 'e2e-worker-secret-0123456789abcdef';
  const worker = await startProcess('worker', [...args, '--set', `worker.secret=${secret}`]);
  const models = [];
  for (let i = 0; i + 1 < args.length; ++i) {
    if (args[i] === '--model') models.push(args[i + 1].split('=')[0]);
  }
  let yaml = 'routing:\n  deployments:\n';
  for (const m of models) {
    yaml += `    - name: worker-${m}\n      model: ${m}\n      base_url: ${worker.baseURL}\n      api_key: ${secret}\n`;
  }
  const configDir = mkdtempSync(join(tmpdir(), 'sovra-e2e-config-'));
  const configFile = join(configDir, 'sovra.yaml');
  writeFileSync(configFile, yaml);
  const gateway = await startProcess('gateway', [], { SOVRA_CONFIG: configFile });
  return {
    ...gateway,
    engineURL: worker.engineURL,
    log: () => `${gateway.log()}\n--- worker ---\n${worker.log()}`,
    async stop() {
      await gateway.stop();
      await worker.stop();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
