import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { EmailLinks } from '../domain/links';
import { compileTemplates, type EmailTemplates } from '../domain/templates';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.hbs'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

/** Reads the email templates under `dir` once, at start-up, and compiles them (domain/templates.ts). */
export async function loadTemplates(dir: string, links?: EmailLinks): Promise<EmailTemplates> {
  const files = await listFiles(dir);
  const sources = new Map<string, string>(
    await Promise.all(files.map(async (f) => [f, await readFile(join(dir, f), 'utf8')] as const)),
  );
  return compileTemplates(dir, sources, links);
}
