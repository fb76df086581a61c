import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Request/response over the Node IPC channel between the orchestrator and its child processes.
 * Each child runs under `node --import tsx` (the gateway as compiled JavaScript, see `compiled`),
 * so the load, the gateway and the emulator each own a process (and an event loop) as they would
 * in production.
 */

const Envelope = z.object({ id: z.number().int(), cmd: z.string(), args: z.unknown().optional() });
const Reply = z.object({ id: z.number().int(), ok: z.boolean(), value: z.unknown().optional(), error: z.string().optional() });
const Ready = z.object({ ready: z.literal(true), value: z.unknown() });

export type Handlers = Record<string, (args: any) => unknown>;

/** Child side: announce `value` once ready, then answer commands until the parent disconnects. */
export function serveParent(ready: unknown, handlers: Handlers): void {
  if (!process.send) throw new Error('not started with an IPC channel (use bench/run.ts)');
  // Every child reports its own CPU time (user + system, µs): the orchestrator samples it at the
  // edges of a measured window, a figure that barely moves with the machine's other load.
  const all: Handlers = { cpu: () => process.cpuUsage(), ...handlers };
  process.on('message', (raw) => {
    const m = Envelope.safeParse(raw);
    if (!m.success) return;
    const { id, cmd, args } = m.data;
    const h = all[cmd];
    Promise.resolve()
      .then(() => {
        if (!h) throw new Error(`unknown command ${cmd}`);
        return h(args);
      })
      .then(
        (value) => process.send!({ id, ok: true, value }),
        (e: unknown) => process.send!({ id, ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
  });
  // The orchestrator going away (crash, Ctrl-C) ends the child: nothing is left running.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true, value: ready });
}

/** Ask the parent something (used by the load process to synchronise phases). */
export function askParent(cmd: string, args?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('no IPC channel'));
    const id = Math.floor(Math.random() * 1e9);
    const onMsg = (raw: unknown) => {
      const r = Reply.safeParse(raw);
      if (!r.success || r.data.id !== id) return;
      process.off('message', onMsg);
      r.data.ok ? resolve(r.data.value) : reject(new Error(r.data.error));
    };
    process.on('message', onMsg);
    process.send({ id, cmd, args });
  });
}

export interface Child {
  proc: ChildProcess;
  ready: unknown;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  /** Resolves with stdout once the process exits with code 0. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  nodeFlags?: string[];
  args?: string[];
  /** Answer the child's own requests (askParent). */
  handlers?: Handlers;
  /** Kill the child after this long (the bench must stop by itself). */
  timeoutMs?: number;
  /** Run this compiled JavaScript file (absolute path) with plain `node`, without the tsx loader. */
  compiled?: string;
}

const benchDir = fileURLToPath(new URL('.', import.meta.url));

/** Start bench/<script> in its own node process and wait for its ready message (if it sends one). */
export function spawnChild(script: string, opts: SpawnOptions = {}, waitReady = true): Promise<Child> {
  const entry = opts.compiled ? [opts.compiled] : ['--import', 'tsx', benchDir + script];
  const proc = spawn(process.execPath, [...(opts.nodeFlags ?? []), ...entry, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...opts.env },
  });
  let stdout = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  const killer = opts.timeoutMs ? setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs) : null;
  killer?.unref();

  const exited = new Promise<string>((resolve, reject) => {
    proc.on('exit', (code, signal) => {
      if (killer) clearTimeout(killer);
      for (const p of pending.values()) p.reject(new Error(`${script} exited`));
      pending.clear();
      code === 0 ? resolve(stdout) : reject(new Error(`${script} exited with ${code ?? signal}`));
    });
  });
  exited.catch(() => undefined);

  return new Promise<Child>((resolve, reject) => {
    const child: Child = {
      proc,
      ready: null,
      call<T>(cmd: string, args?: unknown) {
        const id = ++seq;
        return new Promise<T>((res, rej) => {
          pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
          proc.send({ id, cmd, args });
        });
      },
      exited,
      async stop() {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        const gone = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3_000);
        await gone;
        clearTimeout(t);
      },
    };
    proc.on('message', (raw) => {
      const ready = Ready.safeParse(raw);
      if (ready.success) {
        child.ready = ready.data.value;
        resolve(child);
        return;
      }
      const reply = Reply.safeParse(raw);
      if (reply.success && pending.has(reply.data.id)) {
        const p = pending.get(reply.data.id)!;
        pending.delete(reply.data.id);
        reply.data.ok ? p.resolve(reply.data.value) : p.reject(new Error(reply.data.error));
        return;
      }
      const req = Envelope.safeParse(raw);
      if (req.success) {
        const h = opts.handlers?.[req.data.cmd];
        Promise.resolve()
          .then(() => {
            if (!h) throw new Error(`unknown command ${req.data.cmd}`);
            return h(req.data.args);
          })
          .then(
            (value) => proc.send({ id: req.data.id, ok: true, value }),
            (e: unknown) => proc.send({ id: req.data.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
          );
      }
    });
    exited.catch(reject);
    if (!waitReady) resolve(child);
  });
}
