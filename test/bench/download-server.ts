// Lab server for the makespan bench: each TCP client gets a line with the source address it saw, then --bytes of payload, then end.
import { parseArgs } from 'node:util';
import { startGreetingServer } from '../kit/lab/servers/greeting-server.ts';

const { values } = parseArgs({
  options: { bind: { type: 'string' }, port: { type: 'string' }, bytes: { type: 'string' } },
});
const bytes = Number(values.bytes);
if (!values.bind || !values.port || !(bytes > 0))
  throw new Error('usage: download-server --bind ADDR --port P --bytes N');
const payload = Buffer.alloc(bytes, 0x61);
startGreetingServer({ bind: values.bind, port: Number(values.port), backlog: 1024 }, (sock) => sock.end(payload));
