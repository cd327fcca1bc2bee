import Handlebars from 'handlebars';
import { EMAIL_TEMPLATE_NAMES, emailSubjectFor, type EmailTemplateName, type EmailView } from './email-view';
import { registerHelpers } from './helpers';
import { DEFAULT_EMAIL_LINKS, linkTemplateProblem, type EmailLinks } from './links';
import { SAMPLE_EVENTS } from './sample-events';

/**
 * Email templates, compiled once at start-up from the files that infrastructure/load-templates.ts
 * reads (this layer does no I/O).
 *
 * Layout of the templates directory:
 *   layouts/main.html.hbs, layouts/main.text.hbs   wrap every body ({{{body}}} / {{body}})
 *   partials/<name>.hbs                             usable from HTML and text templates
 *   partials/<name>.html.hbs | <name>.text.hbs      usable from that kind only, as {{> name}}
 *   <template>.subject.hbs | .html.hbs | .text.hbs  for each template name
 *
 * HTML is compiled with escaping; subject and text without (they are not HTML). Both run in
 * Handlebars strict mode, so a variable the data lacks throws instead of rendering empty, and
 * every template is rendered against sample events before `compileTemplates` returns: a template
 * that references a missing variable fails start-up, not a customer's email.
 */

export interface RenderedParts {
  subject: string;
  html: string;
  text: string;
}

export interface EmailTemplates {
  readonly dir: string;
  readonly names: readonly EmailTemplateName[];
  render(template: EmailTemplateName, view: EmailView): RenderedParts;
}

export class TemplateLoadError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: readonly string[],
  ) {
    super(`email templates in ${dir} are not usable:\n  - ${problems.join('\n  - ')}`);
    this.name = 'TemplateLoadError';
  }
}

type Kind = 'subject' | 'html' | 'text';
type Compiled = Handlebars.TemplateDelegate;

/** Output normalisation, so templates can be laid out readably without changing the bytes sent. */
function normalizeSubject(subject: string): string {
  return subject.replace(/\s+/g, ' ').trim();
}

function normalizeText(text: string): string {
  return `${text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

function normalizeHtml(html: string): string {
  return `${html.trim()}\n`;
}

/** Runs one compiled template; an error names the file it came from. */
function run(file: string, template: Compiled, context: unknown): string {
  try {
    return template(context);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * `sources`: each `.hbs` file's path relative to `dir` (`/`-separated, in order) → its text; `dir`
 * only names the templates in errors. `links`: the deployment's customer links (config); the local
 * defaults when absent.
 */
export function compileTemplates(
  dir: string,
  sources: ReadonlyMap<string, string>,
  links: EmailLinks = DEFAULT_EMAIL_LINKS,
): EmailTemplates {
  const linkProblem = linkTemplateProblem(links.paymentAuthenticationUrl);
  if (linkProblem !== null) throw new TemplateLoadError(dir, [`payment authentication link ${links.paymentAuthenticationUrl}: ${linkProblem}`]);
  const problems: string[] = [];

  // Two isolated instances: one escapes (HTML), one does not (subject, plain text).
  const htmlHbs = Handlebars.create();
  const textHbs = Handlebars.create();
  registerHelpers(htmlHbs, links, 'html');
  registerHelpers(textHbs, links, 'text');
  const compileFor = (kind: Kind, source: string): Compiled =>
    (kind === 'html' ? htmlHbs : textHbs).compile(source, { strict: true, noEscape: kind !== 'html' });

  const bodies = new Map<string, Compiled>();
  const layouts = new Map<'html' | 'text', Compiled>();

  for (const [file, source] of sources) {
    let match: RegExpExecArray | null;
    if ((match = /^partials\/([\w-]+)(?:\.(html|text))?\.hbs$/.exec(file))) {
      const [, name, only] = match;
      if (only !== 'text') htmlHbs.registerPartial(name, compileFor('html', source));
      if (only !== 'html') textHbs.registerPartial(name, compileFor('text', source));
    } else if ((match = /^layouts\/main\.(html|text)\.hbs$/.exec(file))) {
      const kind = match[1] as 'html' | 'text';
      layouts.set(kind, compileFor(kind, source));
    } else if ((match = /^([\w-]+)\.(subject|html|text)\.hbs$/.exec(file))) {
      const [, name, kind] = match;
      if (!(EMAIL_TEMPLATE_NAMES as readonly string[]).includes(name)) {
        problems.push(`${file}: "${name}" is not a known template (${EMAIL_TEMPLATE_NAMES.join(', ')})`);
      }
      bodies.set(`${name}.${kind}`, compileFor(kind as Kind, source));
    } else {
      problems.push(`${file}: unexpected file (see the layout described in templates.ts)`);
    }
  }

  for (const kind of ['html', 'text'] as const) {
    if (!layouts.has(kind)) problems.push(`layouts/main.${kind}.hbs: missing`);
  }
  for (const name of EMAIL_TEMPLATE_NAMES) {
    for (const kind of ['subject', 'html', 'text'] as const) {
      if (!bodies.has(`${name}.${kind}`)) problems.push(`${name}.${kind}.hbs: missing`);
    }
  }
  if (problems.length > 0) throw new TemplateLoadError(dir, problems);

  const part = (name: EmailTemplateName, kind: Kind): Compiled => bodies.get(`${name}.${kind}`) as Compiled;
  const htmlLayout = layouts.get('html') as Compiled;
  const textLayout = layouts.get('text') as Compiled;

  const templates: EmailTemplates = {
    dir,
    names: EMAIL_TEMPLATE_NAMES,
    render(template, view) {
      const subject = normalizeSubject(run(`${template}.subject.hbs`, part(template, 'subject'), view));
      if (subject === '') throw new Error(`${template}.subject.hbs rendered an empty subject`);
      const htmlBody = run(`${template}.html.hbs`, part(template, 'html'), view);
      const textBody = run(`${template}.text.hbs`, part(template, 'text'), view);
      const html = normalizeHtml(run('layouts/main.html.hbs', htmlLayout, { ...view, subject, body: htmlBody }));
      const text = normalizeText(run('layouts/main.text.hbs', textLayout, { ...view, subject, body: textBody }));
      return { subject, html, text };
    },
  };

  // Validate now: render every template against samples that exercise each of its branches.
  for (const event of SAMPLE_EVENTS) {
    const { template, view } = emailSubjectFor(event);
    try {
      templates.render(template, view);
    } catch (err) {
      problems.push(`${template} (sample ${event.type} ${event.eventId}): ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new TemplateLoadError(dir, problems);

  return templates;
}
