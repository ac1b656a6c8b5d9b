// withLab: builds a lab of namespaces, runs `fn` in it, and tears the lab down whatever happens.
import { createLab, type Lab } from './topology.ts';

export async function withLab<T>(opts: Parameters<typeof createLab>[0], fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await createLab(opts);
  try {
    return await fn(lab);
  } finally {
    await lab.teardown();
  }
}
