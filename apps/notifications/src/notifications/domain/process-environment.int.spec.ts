import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const WORKSPACE = join(__dirname, '..', '..', '..', '..', '..');
const SCRIPT = join(__dirname, 'testing', 'print-rendered-samples.ts');

interface ChildOutput {
  process: { timeZone: string; locale: string };
  emails: { emailKey: string; subject: string; text: string; html: string; headers: Record<string, string> }[];
}

async function renderUnder(env: Record<string, string>): Promise<{ stdout: string; parsed: ChildOutput }> {
  const { stdout } = await run('node', ['-r', '@swc-node/register', SCRIPT], {
    cwd: WORKSPACE,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  return { stdout, parsed: JSON.parse(stdout) as ChildOutput };
}

describe('rendering is independent of the server', () => {
  it('renders byte-identical emails under a Budapest/Hungarian and a Los Angeles/English process', async () => {
    const [budapest, losAngeles] = await Promise.all([
      renderUnder({ TZ: 'Europe/Budapest', LANG: 'hu_HU.UTF-8', LC_ALL: 'hu_HU.UTF-8' }),
      renderUnder({ TZ: 'America/Los_Angeles', LANG: 'en_US.UTF-8' }),
    ]);

    // The two processes really differ...
    expect(budapest.parsed.process).toEqual({ timeZone: 'Europe/Budapest', locale: 'hu-HU' });
    expect(losAngeles.parsed.process).toEqual({ timeZone: 'America/Los_Angeles', locale: 'en-US' });
    // ...and the emails do not.
    expect(budapest.parsed.emails).toEqual(losAngeles.parsed.emails);
    expect(budapest.stdout.slice(budapest.stdout.indexOf('"emails"'))).toBe(
      losAngeles.stdout.slice(losAngeles.stdout.indexOf('"emails"')),
    );
    const seed = budapest.parsed.emails[0];
    expect(seed.text).toContain('$10.00');
    expect(seed.text).toContain('PDT');
    expect(seed.text).not.toMatch(/Ft|CET/);
  }, 60_000);
});
