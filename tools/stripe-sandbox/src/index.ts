export { createSandbox, type Sandbox, type SandboxConfig, type SandboxLogger, type SandboxOptions } from './sandbox';
export { signWebhookPayload } from './webhook-signature';
export { TEST_CARDS } from './test-cards';
export type { ChargeRecord, SandboxState } from './state';
