/** Nest injection tokens of the notifications module. */
export const NOTIFICATIONS_CONFIG = Symbol('NOTIFICATIONS_CONFIG');
export const EMAIL_TEMPLATES = Symbol('EMAIL_TEMPLATES');
