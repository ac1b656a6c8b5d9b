// `npm run man`: writes man/mwanctl.8 and man/mwan.yaml.5 (committed; test/unit checks they match these sources).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../config.ts';
import { packageVersion } from '../program.ts';
import { configPage, topLevelFields } from './config-page.ts';
import { mwanctlPage } from './mwanctl-page.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Each page's path (from the repository root) and its text. */
export function manPages(): { file: string; text: string }[] {
  const version = packageVersion();
  const configurationMd = readFileSync(`${root}docs/configuration.md`, 'utf8');
  return [
    { file: 'man/mwanctl.8', text: mwanctlPage(version) },
    { file: 'man/mwan.yaml.5', text: configPage(version, configurationMd, topLevelFields(configSchema)) },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(`${root}man`, { recursive: true });
  for (const page of manPages()) {
    writeFileSync(`${root}${page.file}`, page.text);
    process.stdout.write(`wrote ${page.file}\n`);
  }
}
