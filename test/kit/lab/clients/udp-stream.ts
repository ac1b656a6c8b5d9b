// Lab client: a steady UDP flow from one socket (one conntrack entry); prints each reply's reported source as a JSON line.
import dgram from 'node:dgram';
import net from 'node:net';

// args: --to ADDR --port P [--interval-ms 20] [--seconds 30]
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const to = args.get('to')!;
const port = Number(args.get('port'));
const intervalMs = Number(args.get('interval-ms') ?? 20);
const deadline = Date.now() + Number(args.get('seconds') ?? 30) * 1000;

const sock = dgram.createSocket(net.isIPv6(to) ? 'udp6' : 'udp4');
let seq = 0;
sock.on('message', (msg) => {
  const [src] = msg.toString().trim().split(' ');
  process.stdout.write(`${JSON.stringify({ t: Date.now(), src })}\n`);
});
sock.bind(0, () => {
  process.stdout.write(`ready ${sock.address().port}\n`);
  const timer = setInterval(() => {
    if (Date.now() > deadline) {
      clearInterval(timer);
      sock.close();
      return;
    }
    sock.send(String(seq++), port, to);
  }, intervalMs);
});
