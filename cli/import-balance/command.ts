// `mwanctl import-balance BALANCE.CONF [NETWORK.CONF]`: reads Net-ISP-Balance's files and prints (or writes) mwan's YAML.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readBounded } from '../../core/system/config-file.ts';
import { parseConfig } from '../config.ts';
import { defaultLoaders } from 'cosmiconfig';
import { parseBalanceText, type BalanceFiles } from './parse-balance.ts';
import { convertBalance } from './convert.ts';

/** Net-ISP-Balance's code fragments and hooks beside balance.conf: shell or Perl, which mwan never runs. */
const FRAGMENTS = ['balance/routes', 'balance/firewall', 'balance/pre-run', 'balance/post-run'];

/** The YAML for the files (network.conf optional); it has passed mwan's configuration parser. */
export async function importBalance(files: string[]): Promise<string> {
  const parsed: BalanceFiles = { services: [], settings: [] };
  for (const file of files) parseBalanceText((await readBounded(file)).text, path.basename(file), parsed);
  let yaml = convertBalance(parsed, files);
  const dir = path.dirname(path.resolve(files[0]));
  const found: string[] = [];
  for (const f of FRAGMENTS)
    if (
      await stat(path.join(dir, f)).then(
        () => true,
        () => false,
      )
    )
      found.push(path.join(dir, f));
  for (const f of found) {
    yaml +=
      `# not carried over: ${f} (shell or Perl fragments): mwan runs no code from its configuration; see forwards, ` +
      'the force-route plugin and event-scripts in the docs\n';
  }
  parseConfig(await defaultLoaders['.yaml']('converted.yaml', yaml), '(converted configuration)');
  return yaml;
}
