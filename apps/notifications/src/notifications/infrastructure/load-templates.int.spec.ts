import { cp, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplates } from './load-templates';
import { TemplateLoadError } from '../domain/templates';

const TEMPLATES_DIR = join(__dirname, '..', '..', '..', 'templates');

describe('loadTemplates', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'email-templates-'));
    await cp(TEMPLATES_DIR, dir, { recursive: true });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the shipped templates', async () => {
    const templates = await loadTemplates(dir);

    expect(templates.names).toEqual(['invoice', 'payment-failed', 'account-on-hold', 'hold-released', 'credit-note']);
  });

  it('fails at load when a template references a variable the event does not carry', async () => {
    await writeFile(join(dir, 'invoice.html.hbs'), '<p>Your balance is {{currentBalance}}</p>\n');

    const loading = loadTemplates(dir);

    await expect(loading).rejects.toBeInstanceOf(TemplateLoadError);
    await expect(loading).rejects.toThrow(/invoice\.html\.hbs: "currentBalance" not defined/);
  });

  it('fails at load when a variable is missing only on a rarely taken branch', async () => {
    await writeFile(
      join(dir, 'payment-failed.text.hbs'),
      '{{#if retryable}}We will retry.{{else}}Update the card ending {{cardLast4}}.{{/if}}\n',
    );

    await expect(loadTemplates(dir)).rejects.toThrow(/payment-failed\.text\.hbs: "cardLast4" not defined/);
  });

  it('fails at load when a partial uses a missing variable', async () => {
    await writeFile(join(dir, 'partials', 'greeting.hbs'), 'Hello {{customer.nickname}},');

    await expect(loadTemplates(dir)).rejects.toThrow(/"nickname" not defined/);
  });

  it('fails at load when a template calls a helper that does not exist', async () => {
    await writeFile(join(dir, 'hold-released.subject.hbs'), '{{shout "active again"}}\n');

    await expect(loadTemplates(dir)).rejects.toThrow(/hold-released\.subject\.hbs: "shout" not defined/);
  });

  it('fails at load when a helper gets the wrong number of arguments', async () => {
    await writeFile(join(dir, 'invoice.subject.hbs'), 'Total {{money totalMinor}}\n');

    await expect(loadTemplates(dir)).rejects.toThrow(/\{\{money\}\} takes 2 argument\(s\), got 1/);
  });

  it('names every missing file', async () => {
    await unlink(join(dir, 'account-on-hold.text.hbs'));
    await unlink(join(dir, 'layouts', 'main.html.hbs'));

    const loading = loadTemplates(dir);

    await expect(loading).rejects.toThrow(/account-on-hold\.text\.hbs: missing/);
    await expect(loading).rejects.toThrow(/layouts\/main\.html\.hbs: missing/);
  });

  it('refuses a template file whose name is not a known template', async () => {
    await writeFile(join(dir, 'invoce.subject.hbs'), 'typo\n');

    await expect(loadTemplates(dir)).rejects.toThrow(/invoce\.subject\.hbs: "invoce" is not a known template/);
  });
});
