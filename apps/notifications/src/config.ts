import { loadConfig } from '@billing/messaging';

/** The notifications service's configuration, validated once at start-up. */
export const notificationsConfigShape = {};

export function loadNotificationsConfig(env: Record<string, string | undefined>) {
  return loadConfig('notifications', 3003, notificationsConfigShape, env);
}

export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;
