// Builds the ICMP addon with node-gyp (npm puts it on PATH for scripts); if that fails, mwan falls back to ping processes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./', import.meta.url));
const r = spawnSync('node-gyp', ['rebuild', '--loglevel=warn', '-C', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) {
  const why = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
  console.warn(`mwan: the ICMP addon was not built (${why}); ICMP probes will use one ping process per target.`);
  console.warn('mwan: install g++, make and python3 (and Node.js headers), then run `npm run build`.');
}
