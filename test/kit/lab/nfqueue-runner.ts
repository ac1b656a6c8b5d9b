// Lab helper run in the router namespace: installs mwan's queue chain for new connections from --iif and decides them with an NFQUEUE strategy.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createConntrackFeed } from '../../../core/system/conntrack/feed.ts';
import { execaRunner } from '../../../core/system/process/runner.ts';
import { NFQ_DONE_BIT, applyNfqRules, startNfqueue, type RuntimeWan } from '../../../core/system/nfqueue/index.ts';
import { nfqueueStrategies, roundRobin } from '../../../plugins/policies/nfqueue/builtins.ts';

const { values } = parseArgs({
  options: {
    queue: { type: 'string', default: '0' },
    strategy: { type: 'string', default: 'round-robin' },
    wans: { type: 'string' },
    mask: { type: 'string', default: '0xff00' },
    iif: { type: 'string', default: 'lan0' },
    'max-len': { type: 'string', default: '1024' },
    'delay-ms': { type: 'string', default: '0' },
  },
});
if (!values.wans)
  throw new Error('usage: nfqueue-runner --wans name=mark,… [--queue N] [--strategy S] [--mask M] [--iif DEV]');
const all: RuntimeWan[] = values.wans.split(',').map((kv) => {
  const [name, mark] = kv.split('=');
  return { name, mark: Number(mark) };
});
let wans = all;
const queue = Number(values.queue);
const mask = Number(values.mask);

// A user strategy, registered as a plugin would: round robin that blocks the event loop for --delay-ms per decision.
nfqueueStrategies.register(
  'slow-round-robin',
  (ctx) => {
    const rr = roundRobin(ctx);
    const delay = Number(values['delay-ms']);
    return {
      name: 'slow-round-robin',
      decide: (c) => {
        const until = Date.now() + delay;
        while (Date.now() < until);
        return rr.decide(c);
      },
    };
  },
  'nfqueue-runner',
);

const changed = await applyNfqRules(execaRunner, {
  mask,
  doneBit: NFQ_DONE_BIT,
  bindings: [{ queue, match: ['-i', values.iif!] }],
});
const svc = await startNfqueue({
  queue,
  strategy: values.strategy!,
  factory: (ctx) => nfqueueStrategies.create(values.strategy!, ctx),
  wans: () => wans,
  mask,
  conntrack: createConntrackFeed(),
  maxLen: Number(values['max-len']),
  onProblem: (w) => process.stderr.write(`${w}\n`),
});
process.stdout.write(`ready ${JSON.stringify({ queue, strategy: svc.strategy, rulesChanged: changed })}\n`);

// Commands on stdin: `stats` prints the counters; `wans a,b` limits the WANs decisions may use (as a policy's members in service would).
createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'stats') process.stdout.write(`stats ${JSON.stringify(svc.stats())}\n`);
  if (cmd === 'wans') {
    wans = all.filter((w) => (arg ?? '').split(',').includes(w.name));
    process.stdout.write(`wans ${wans.map((w) => w.name).join(',')}\n`);
  }
});
const stop = () => {
  void svc.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
