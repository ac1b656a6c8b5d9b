// Helpers of the observe lab tests: GET a URL from inside a lab namespace (node's fetch there), and read metric samples.
import type { Lab } from '../../kit/lab/topology.ts';

const GET = [
  'fetch(process.argv[1]).then(async (r) => {',
  '  process.stdout.write(await r.text());',
  '  if (!r.ok) { console.error("HTTP " + r.status); process.exit(2); }',
  '}).catch((e) => { console.error(String(e)); process.exit(1); });',
].join('\n');

/** The body of `url`, fetched in namespace `ns` (the daemon listens on the router's loopback). */
export async function getIn(lab: Lab, ns: string, url: string): Promise<string> {
  const r = await lab.exec(ns, [process.execPath, '-e', GET, url], { reject: false, timeout: 15000 });
  if (r.exitCode !== 0) throw new Error(`GET ${url} in ${ns}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return r.stdout;
}

/** The value of one series (`name{labels}` exactly as exposed), or undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
