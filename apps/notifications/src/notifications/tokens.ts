/** Nest injection token of the email templates, loaded and checked at start-up. */
export const EMAIL_TEMPLATES = Symbol('EMAIL_TEMPLATES');
