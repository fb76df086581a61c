// Summarise a V8 .cpuprofile (from `--cpu-prof`): self time by package or area, and the top
// functions. `npx tsx bench/profile-summary.ts <file.cpuprofile> [topN]`
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [topN]');
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));

/** Where a frame's code lives: a package name, Node core, the gateway's own source, or V8's pseudo-frames. */
function area(n: Node): string {
  const { url, functionName } = n.callFrame;
  if (!url) return `(${functionName || 'anonymous'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (/\/(dist\/)?src\//.test(url)) return `gateway: ${url.replace(/.*\/(dist\/)?src\//, '').split('/')[0]}`;
  return url;
}

let total = 0;
const areas = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  total += us;
  const a = area(n);
  areas.set(a, (areas.get(a) ?? 0) + us);
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${a}:${n.callFrame.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
const idle = areas.get('((idle))') ?? 0;
const busy = total - idle;
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
console.log(`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (shares below are of busy time)\n`);
console.log('self time by area');
for (const [a, us] of [...areas].filter(([a]) => a !== '((idle))').sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`${pct(us)}  ${a}`);
console.log('\ntop functions (self time)');
for (const [f, us] of [...fns].filter(([f]) => !f.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, Number(topArg ?? 30))) console.log(`${pct(us)}  ${f}`);
