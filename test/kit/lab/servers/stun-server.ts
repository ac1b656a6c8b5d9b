// Lab STUN server (RFC 5389 binding only): answers each request with the source address and port it saw, one JSON line per request.
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { bind: { type: 'string' }, port: { type: 'string' } } });
if (!values.bind) throw new Error('usage: stun-server --bind ADDR [--port 3478]');
const port = Number(values.port ?? 3478);
const COOKIE = 0x2112a442;

/** A binding success response carrying XOR-MAPPED-ADDRESS and MAPPED-ADDRESS for `address:srcPort`. */
function response(request: Buffer, address: string, srcPort: number): Buffer {
  const ip = address.split('.').map(Number);
  const attr = (type: number, xor: boolean): Buffer => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(type, 0);
    b.writeUInt16BE(8, 2);
    b.writeUInt8(1, 5); // family IPv4
    b.writeUInt16BE(xor ? srcPort ^ (COOKIE >>> 16) : srcPort, 6);
    const raw = ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
    b.writeUInt32BE(xor ? (raw ^ COOKIE) >>> 0 : raw, 8);
    return b;
  };
  const body = Buffer.concat([attr(0x0020, true), attr(0x0001, false)]);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(0x0101, 0);
  head.writeUInt16BE(body.length, 2);
  request.copy(head, 4, 4, 20); // magic cookie and transaction id
  return Buffer.concat([head, body]);
}

const sock = createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001 || msg.readUInt32BE(4) !== COOKIE) return;
  process.stdout.write(`${JSON.stringify({ from: rinfo.address, port: rinfo.port })}\n`);
  sock.send(response(msg, rinfo.address, rinfo.port), rinfo.port, rinfo.address);
});
sock.bind(port, values.bind, () => process.stdout.write('ready\n'));
const stop = (): void => {
  sock.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
