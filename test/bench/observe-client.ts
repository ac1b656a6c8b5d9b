// The observe cost bench's client, run in the router namespace: follows /events (as an open status page does) and scrapes /metrics every 15 s, for a bounded time.
const [base = 'http://127.0.0.1:9847', secondsArg = '60'] = process.argv.slice(2);
const seconds = Number(secondsArg);
const SCRAPE_MS = 15_000;

const stop = new AbortController();
const until = Date.now() + seconds * 1000;
const counts = { events: 0, eventBytes: 0, scrapes: 0, metricBytes: 0, errors: 0 };

async function follow(): Promise<void> {
  const res = await fetch(`${base}/events`, { signal: stop.signal });
  if (!res.ok || !res.body) throw new Error(`/events answered ${res.status}`);
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    const text = decoder.decode(chunk as Uint8Array, { stream: true });
    counts.eventBytes += text.length;
    counts.events += text.split('\n\n').length - 1;
  }
}

async function scrapeLoop(): Promise<void> {
  while (Date.now() < until) {
    try {
      const r = await fetch(`${base}/metrics`, { signal: stop.signal });
      counts.metricBytes += (await r.text()).length;
      if (r.ok) counts.scrapes++;
      else counts.errors++;
    } catch {
      if (!stop.signal.aborted) counts.errors++;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(SCRAPE_MS, until - Date.now()))));
  }
}

const following = follow().catch((e: unknown) => {
  if (!stop.signal.aborted) {
    counts.errors++;
    console.error(String(e));
  }
});
console.log('following');
await scrapeLoop();
stop.abort();
await following;
console.log(JSON.stringify(counts));
process.exit(0);
