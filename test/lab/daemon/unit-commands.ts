// Reads a systemd unit's Exec lines the way systemd does (quotes, `$$`, `$VAR`, prefixes), to run its exact commands in the lab.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unitText, wrapperText } from '../../../cli/install.ts';
import { MWANCTL } from '../../kit/lab/fixture.ts';

/** The value of `key=` in the unit (the last one wins, as in systemd); undefined when absent. */
export function unitValue(unit: string, key: string): string | undefined {
  const lines = unit.split('\n').filter((l) => l.startsWith(`${key}=`));
  return lines.length ? lines[lines.length - 1].slice(key.length + 1) : undefined;
}

/**
 * An Exec line's argv: words split on blanks, '…' and "…" quoting, `$$` → `$`, `$NAME`/`${NAME}` words replaced from
 * `env` (systemd.service(5) "Command lines"), the `-@:+!` prefixes of the first word dropped.
 */
export function execArgv(line: string, env: Record<string, string> = {}): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    let word = '';
    let quoted = false;
    while (i < line.length && line[i] !== ' ') {
      const q = line[i];
      if (q === "'" || q === '"') {
        const end = line.indexOf(q, i + 1);
        if (end < 0) throw new Error(`unterminated quote in ${line}`);
        word += line.slice(i + 1, end);
        i = end + 1;
        quoted = true;
      } else {
        word += q;
        i++;
      }
    }
    const variable = /^\$\{?([A-Za-z_]\w*)\}?$/.exec(word);
    if (!quoted && variable && !word.startsWith('$$')) word = env[variable[1]] ?? '';
    words.push(word.replaceAll('$$', '$'));
  }
  words[0] = words[0].replace(/^[-@:+!]+/, '');
  return words;
}

/** Writes the installed wrapper (running this checkout's bundle) into `dir` and renders the unit for it and `config`. */
export function labUnit(dir: string, config: string): { unit: string; wrapper: string } {
  const wrapper = path.join(dir, 'mwanctl');
  writeFileSync(wrapper, wrapperText({ nodes: [process.execPath], launcher: MWANCTL, config, marker: false }));
  chmodSync(wrapper, 0o755);
  return { unit: unitText(wrapper, config, false), wrapper };
}
