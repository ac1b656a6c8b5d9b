// Debian's chromium for the page test, run inside a lab namespace (`ip netns exec` through a wrapper script) and driven by puppeteer-core over a pipe: the host's networking is never used.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LabBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches headless chromium in namespace `ns` with a fresh profile. The DevTools protocol runs over a pipe (fds 3 and
 * 4, which `ip netns exec` passes on), so nothing listens on a port and the browser's only network is the lab's.
 */
export async function chromiumIn(ns: string): Promise<LabBrowser> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-chromium-'));
  const wrapper = path.join(dir, 'chromium-in-netns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o700);
  const browser = await puppeteer.launch({
    executablePath: wrapper,
    pipe: true,
    headless: true,
    args: [...FLAGS, `--user-data-dir=${path.join(dir, 'profile')}`],
    timeout: 60000,
    protocolTimeout: 60000,
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
