#!/usr/bin/env node
// mwanctl launcher: registers tsx so the TypeScript sources run as they are, then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
