// Tests the kernel-side deletion by mark: the exact requests, counting the dump, the flush after it, and the conntrack -D fallback.
import assert from 'node:assert/strict';
import { encodeNfMessage, messages, NLMSG_DONE, NLMSG_ERROR } from '../nfqueue/netlink-frame.ts';
import type { NetlinkTransport } from '../nfqueue/transport.ts';
import type { Runner } from '../process/runner.ts';
import { CT_DELETE, CT_GET, CT_NEW, deleteConnectionsByMark, flushByMark, markRequests } from './delete.ts';

/** A header-only netlink message of `type` answering `seq`; NLMSG_ERROR carries `errno` (0: an ack). */
function reply(type: number, seq: number, errno = 0): Buffer {
  const b = Buffer.alloc(type === NLMSG_ERROR ? 36 : 20);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt32LE(seq, 8);
  b.writeInt32LE(-errno, 16);
  return b;
}

/** A fake ctnetlink: answers a dump with `entries` entries (two datagrams) and DONE, a flush with `flushErrno`. */
function fakeCtnetlink(entries: number, flushErrno = 0) {
  let deliver: (d: Buffer) => void = () => {};
  const sent: { type: number; flags: number; seq: number }[] = [];
  const t: NetlinkTransport & { sent: typeof sent; closed: boolean } = {
    sent,
    closed: false,
    send(data, done) {
      for (const m of messages(data)) {
        sent.push({ type: m.type, flags: m.flags, seq: m.seq });
        const out: Buffer[] = [];
        if (m.type === CT_GET) {
          const entry = () => encodeNfMessage({ type: CT_NEW, flags: 2, seq: m.seq, family: 2, resId: 0 }, []);
          const all = Array.from({ length: entries }, entry);
          out.push(Buffer.concat(all.slice(0, 1)), Buffer.concat([...all.slice(1), reply(NLMSG_DONE, m.seq)]));
        } else out.push(reply(NLMSG_ERROR, m.seq, flushErrno));
        setImmediate(() => {
          for (const d of out) deliver(d);
        });
      }
      done?.();
    },
    onMessage(fn) {
      deliver = fn;
    },
    onError() {},
    close() {
      t.closed = true;
    },
  };
  return t;
}

const failingRun =
  (stderr: string): Runner =>
  async (argv) => {
    assert.deepEqual(argv, ['conntrack', '-D', '-m', '0x300/0xff00']);
    return { stdout: '', stderr, exitCode: 0 };
  };

describe('conntrack deletion by mark', () => {
  it('asks for a dump and a flush filtered by mark & mask and mask, for every family', () => {
    const { dump, flush } = markRequests(0x1234, 0xff00, 7);
    // nlmsghdr (len, type, flags, seq, pid), nfgenmsg (AF_UNSPEC, v0, res 0), CTA_MARK = 0x1200, CTA_MARK_MASK = 0xff00
    const attrs = '0800080000001200' + '080015000000ff00';
    assert.equal(dump.toString('hex'), `24000000010101030700000000000000 00000000 ${attrs}`.replaceAll(' ', ''));
    assert.equal(flush.toString('hex'), `24000000020105000800000000000000 00000000 ${attrs}`.replaceAll(' ', ''));
  });

  it('counts the dumped entries, flushes only after the dump ended, resolves with the count and closes', async () => {
    const sock = fakeCtnetlink(3);
    assert.equal(await flushByMark(0x300, 0xff00, async () => sock), 3);
    assert.deepEqual(
      sock.sent.map((m) => m.type),
      [CT_GET, CT_DELETE],
    );
    assert.equal(sock.sent[1].seq, sock.sent[0].seq + 1);
    assert.equal(sock.closed, true);
  });

  it('rejects when the kernel refuses the flush, and closes the socket', async () => {
    const sock = fakeCtnetlink(2, 22);
    await assert.rejects(
      flushByMark(0x300, 0xff00, async () => sock),
      /flush failed: errno 22/,
    );
    assert.equal(sock.closed, true);
  });

  it('falls back to conntrack -D when ctnetlink fails, and reads its count', async () => {
    const refused = async () => {
      throw new Error('no native module');
    };
    const run = failingRun('conntrack v1.4.7 (conntrack-tools): 5 flow entries have been deleted.\n');
    assert.equal(await deleteConnectionsByMark(0x300, 0xff00, run, refused), 5);
    await assert.rejects(
      deleteConnectionsByMark(0x300, 0xff00, failingRun('conntrack: permission denied'), refused),
      /conntrack -D -m 0x300\/0xff00 failed: conntrack: permission denied/,
    );
  });

  it('one family: the requests carry AF_INET6 (or AF_INET), and the fallback passes -f', async () => {
    const six = markRequests(0x300, 0xff00, 7, 'ipv6');
    assert.deepEqual([six.dump.readUInt8(16), six.flush.readUInt8(16)], [10, 10]);
    assert.equal(markRequests(0x300, 0xff00, 7, 'ipv4').dump.readUInt8(16), 2);
    assert.equal(markRequests(0x300, 0xff00, 7).dump.readUInt8(16), 0);
    let asked: string[] = [];
    const run: Runner = async (argv) => {
      asked = argv;
      return { stdout: '', stderr: '2 flow entries have been deleted.', exitCode: 0 };
    };
    const refused = async (_m: number, _k: number, _o: unknown, family?: string) => {
      assert.equal(family, 'ipv6');
      throw new Error('no native module');
    };
    assert.equal(await deleteConnectionsByMark(0x300, 0xff00, run, refused, 'ipv6'), 2);
    assert.deepEqual(asked, ['conntrack', '-D', '-f', 'ipv6', '-m', '0x300/0xff00']);
  });

  it('uses the flush when it works: conntrack is not run', async () => {
    const run: Runner = async () => assert.fail('conntrack -D ran');
    assert.equal(await deleteConnectionsByMark(0x300, 0xff00, run, async () => 4), 4);
  });
});
