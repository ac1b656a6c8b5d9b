// Unit tests for the log levels' syslog priorities, the `<N>` journald prefix and the level's precedence.
import assert from 'node:assert/strict';
import { openSync, closeSync, fstatSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { chooseLogLevel, stdoutIsJournal, syslogPriority, withSyslogPrefix } from './logger.ts';

describe('log levels and journald priorities', () => {
  it('maps pino levels to syslog priorities: warn → 4 (journalctl -p warning shows it), info → 6, debug → 7', () => {
    const levels = pino.levels.values;
    assert.deepEqual(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => syslogPriority(levels[l])),
      [2, 3, 4, 6, 7, 7],
    );
  });

  it('prefixes each JSON line with <N> from its level', () => {
    assert.equal(
      withSyslogPrefix('{"level":40,"msg":"isp1 offline: no carrier"}\n'),
      '<4>{"level":40,"msg":"isp1 offline: no carrier"}\n',
    );
    assert.equal(
      withSyslogPrefix('{"level":20,"msg":"kernel state reconciled"}\n'),
      '<7>{"level":20,"msg":"kernel state reconciled"}\n',
    );
    assert.equal(withSyslogPrefix('{"level":50}\n').slice(0, 3), '<3>');
  });

  it('takes stdout for the journal only when JOURNAL_STREAM names its device and inode', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-log-'));
    const fd = openSync(path.join(dir, 'f'), 'w');
    try {
      const st = fstatSync(fd);
      assert.equal(stdoutIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd), true);
      assert.equal(stdoutIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd), false);
      assert.equal(stdoutIsJournal({}, fd), false);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('level: --log-level, else MWAN_LOG_LEVEL, else the configuration; unknown names are skipped', () => {
    assert.equal(chooseLogLevel('debug', 'warn', 'info'), 'debug');
    assert.equal(chooseLogLevel(undefined, 'warn', 'info'), 'warn');
    assert.equal(chooseLogLevel(undefined, 'loud', 'error'), 'error');
    assert.equal(chooseLogLevel(undefined, undefined, 'info'), 'info');
  });
});
