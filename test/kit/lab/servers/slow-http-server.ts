// A lab HTTP server that answers after a delay chosen per client address (a delaying responder: these kernels have no netem).
import http from 'node:http';

// args: --bind ADDR --port P --delay ADDR=MS[,ADDR=MS...]   clients not listed are answered at once
// stdin: a line `delay ADDR=MS[,ADDR=MS...]` sets new delays for those addresses while it runs
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const delays = new Map(
  (args.get('delay') ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => {
      const [addr, ms] = kv.split('=');
      return [addr, Number(ms)] as const;
    }),
);

process.stdin.setEncoding('utf8');
let pending = '';
process.stdin.on('data', (chunk: string) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const m = /^delay (.+)$/.exec(line.trim());
    for (const kv of m ? m[1].split(',') : []) {
      const [addr, ms] = kv.split('=');
      delays.set(addr, Number(ms));
    }
    if (m) process.stdout.write(`delays ${[...delays].map(([a, ms]) => `${a}=${ms}`).join(',')}\n`);
  }
});

const server = http.createServer((req, res) => {
  const from = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${from}\n`);
  }, delays.get(from) ?? 0);
});
server.keepAliveTimeout = 1000;
server.listen(Number(args.get('port') ?? 80), args.get('bind') ?? '0.0.0.0', () => process.stdout.write('ready\n'));
