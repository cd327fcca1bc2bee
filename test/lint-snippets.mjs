// Lints snippets of code as if each were the file at its path, with the workspace's ESLint config
// (test/lint-rules.int.spec.ts runs it in a child process: ESLint loads its config with a dynamic
// import, which Jest's module sandbox does not allow).
// stdin: [{ filePath, code }], paths relative to the workspace; stdout: for each, [{ ruleId, message }].
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
let input = '';
for await (const chunk of process.stdin) input += chunk;
// the project graph rule is not what these snippets are about
const eslint = new ESLint({ cwd: root, overrideConfig: { rules: { '@nx/enforce-module-boundaries': 'off' } } });
const results = [];
for (const { filePath, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  results.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
}
process.stdout.write(JSON.stringify(results));
