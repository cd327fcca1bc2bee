export { createSandbox, type Sandbox, type SandboxConfig, type SandboxLogger, type SandboxOptions } from './sandbox';
export { TEST_CARDS } from './test-cards';
export type { ChargeRecord, SandboxState } from './state';
