// A registry on 127.0.0.1 that serves package metadata built from package-lock.json, so `npm i -g` resolves offline (tarballs come from npm's cache by integrity).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

interface LockEntry {
  version: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  os?: string[];
  cpu?: string[];
  engines?: Record<string, string>;
  bin?: Record<string, string> | string;
}

export interface LocalRegistry {
  url: string;
  misses: string[];
  close(): Promise<void>;
}

/** Every package version the lockfile names, as registry documents (name → versions). */
function packuments(
  root: string,
  base: string,
): Map<string, { name: string; 'dist-tags': { latest: string }; versions: Record<string, unknown> }> {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const docs = new Map<string, { name: string; 'dist-tags': { latest: string }; versions: Record<string, unknown> }>();
  for (const [dir, e] of Object.entries(lock.packages)) {
    if (!dir || !e.integrity) continue;
    const name = dir.slice(dir.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const doc = docs.get(name) ?? { name, 'dist-tags': { latest: e.version }, versions: {} };
    const { dependencies, optionalDependencies, peerDependencies, peerDependenciesMeta, os, cpu, engines, bin } = e;
    doc.versions[e.version] = {
      name,
      version: e.version,
      dependencies,
      optionalDependencies,
      peerDependencies,
      peerDependenciesMeta,
      os,
      cpu,
      engines,
      bin,
      dist: { integrity: e.integrity, tarball: `${base}/${name}/-/${name.split('/').pop()}-${e.version}.tgz` },
    };
    docs.set(name, doc);
  }
  return docs;
}

/** Starts the registry; `misses` lists every request it could not answer (a tarball missing from npm's cache, say). */
export async function startLocalRegistry(root: string): Promise<LocalRegistry> {
  const misses: string[] = [];
  let docs: ReturnType<typeof packuments> = new Map();
  const server = http.createServer((req, res) => {
    const doc = docs.get(decodeURIComponent((req.url ?? '/').slice(1)));
    if (!doc) {
      misses.push(req.url ?? '');
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  docs = packuments(root, url);
  return { url, misses, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
