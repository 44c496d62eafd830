import type { Backend } from './backend.js';
import { loadNativeBackend } from './native/index.js';
import { referenceBackend } from './reference/index.js';

export type { Backend, ResizeTaps, Storage, Shape } from './backend.js';
export { referenceBackend };

/** Backends that can be chosen by name. The native backend registers itself here when its addon loads. */
const registry = new Map<string, () => Backend>([['reference', () => referenceBackend], ['native', loadNativeBackend]]);
let current: Backend | null = null;

export function registerBackend(name: string, load: () => Backend): void { registry.set(name, load); }

/** Names of the backends that load on this machine. */
export function availableBackends(): string[] {
  return [...registry.keys()].filter((name) => {
    try { registry.get(name)!(); return true; } catch { return false; }
  });
}

/**
 * Choose the backend by name ('reference' or 'native'); every tensor created
 * afterwards lives there. Throws if that backend does not load, saying why.
 */
export function setBackend(name: string | Backend): Backend {
  if (typeof name !== 'string') { current = name; return name; }
  const load = registry.get(name);
  if (!load) throw new Error(`unknown backend '${name}' (known: ${[...registry.keys()].join(', ')})`);
  current = load();
  return current;
}

/**
 * The backend in use. The first call chooses one: SPECNET_BACKEND if set,
 * else native if it loads, else reference with a one-line notice.
 */
export function getBackend(): Backend {
  if (current) return current;
  const wanted = process.env.SPECNET_BACKEND;
  if (wanted) return setBackend(wanted);
  if (registry.has('native')) {
    try { return setBackend('native'); } catch (e) {
      process.stderr.write(`specnet: native backend unavailable (${(e as Error).message}); using the reference backend. To build it: apt-get install libdnnl-dev && bash scripts/build-native.sh.\n`);
    }
  }
  current = referenceBackend;
  return current;
}
