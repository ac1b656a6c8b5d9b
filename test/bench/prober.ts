// Benchmark prober (runs in the lab's client namespace): opens a TCP connection every few ms and prints who answered.
import net from 'node:net';

const [to, port, intervalMs, timeoutMs, maxSeconds] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4] ?? 5),
  Number(process.argv[5] ?? 80),
  Number(process.argv[6] ?? 120),
];
const deadline = Date.now() + maxSeconds * 1000;

function attempt(): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: to, port });
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(null);
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) {
        clearTimeout(timer);
        sock.destroy();
        resolve(buf.split('\n')[0].trim());
      }
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

/**
 * Starts an attempt every `intervalMs` without waiting for the previous one (a hanging attempt on a dead WAN
 * must not hide a working one), and prints `{"t": start epoch ms, "src": address | null}` for each.
 */
async function main(): Promise<void> {
  process.stdout.write('ready\n');
  while (Date.now() < deadline) {
    const started = Date.now();
    void attempt().then((src) => process.stdout.write(`${JSON.stringify({ t: started, src })}\n`));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

void main();
