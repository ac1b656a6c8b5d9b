# A delaying ICMP echo responder for the lab's inet namespace (no netem here): answers echo requests after a random delay.
# Usage: delay-responder.py MEAN_MS SPREAD_MS MAX_SECONDS ADDRESS...  (the kernel's own echo replies must be off:
# net.ipv4.icmp_echo_ignore_all=1 in that namespace). Each request to ADDRESS is answered after a delay drawn
# uniformly from MEAN ± SPREAD ms; the responder stops by itself after MAX_SECONDS.
import heapq
import os
import random
import select
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main() -> None:
    mean, spread, max_seconds = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    # The delay must be the one drawn, not the machine's load: real-time scheduling when allowed (root in the lab).
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (AttributeError, PermissionError, OSError):
        pass
    addresses = sys.argv[4:]
    socks = []
    for a in addresses:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        s.bind((a, 0))
        s.setblocking(False)
        socks.append(s)
    end = time.monotonic() + max_seconds
    due: list = []  # (when, counter, socket, reply, destination)
    counter = 0
    answered = 0
    print('ready', flush=True)
    while time.monotonic() < end:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, s, reply, dst = heapq.heappop(due)
            try:
                s.sendto(reply, (dst, 0))
                answered += 1
            except OSError:
                pass
        wait = min(end - now, (due[0][0] - now) if due else 0.5)
        readable, _, _ = select.select(socks, [], [], max(0.0, wait))
        for s in readable:
            try:
                packet, (src, _) = s.recvfrom(65535)
            except OSError:
                continue
            ihl = (packet[0] & 0x0F) * 4
            icmp = packet[ihl:]
            dst = socket.inet_ntoa(packet[16:20])
            if len(icmp) < 8 or icmp[0] != 8 or icmp[1] != 0 or dst != s.getsockname()[0]:
                continue
            body = b'\0\0\0\0' + icmp[4:]
            reply = struct.pack('!BBH', 0, 0, checksum(body)) + icmp[4:]
            delay = random.uniform(mean - spread, mean + spread) / 1000
            counter += 1
            heapq.heappush(due, (time.monotonic() + max(0.0, delay), counter, s, reply, src))
    print(f'answered {answered}', flush=True)


if __name__ == '__main__':
    main()
