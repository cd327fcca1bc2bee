import { loadConfig } from '@billing/messaging';

/** The collections service's configuration, validated once at start-up. */
export const collectionsConfigShape = {};

export function loadCollectionsConfig(env: Record<string, string | undefined>) {
  return loadConfig('collections', 3004, collectionsConfigShape, env);
}

export type CollectionsConfig = ReturnType<typeof loadCollectionsConfig>;
