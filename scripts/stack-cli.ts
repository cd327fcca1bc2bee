/** `npm run stack:up` / `npm run stack:down` / `npm run stack:status` for the local stack. */
import path from 'node:path';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { DEV_TOKENS, ROOT, Stack, defaultStackOptions, parseInstances } from './stack/stack';
import { cliArg } from './scenario/client';

async function main() {
  const command = process.argv[2];
  // `--instances 2` or `--instances payments=2`: more processes of a service in the same consumer groups
  const stack = new Stack({ ...defaultStackOptions(process.env), instances: parseInstances(cliArg('instances')) });
  const kafkaMarker = path.join(stack.options.stateDir, 'kafka-started-by-stack');
  if (command === 'up') {
    let kafkaWasUp = true;
    try {
      execFileSync('bash', [path.join(ROOT, 'infra/kafka/kafka.sh'), 'status']);
    } catch {
      kafkaWasUp = false;
    }
    await stack.up();
    if (!kafkaWasUp) writeFileSync(kafkaMarker, 'yes');
    console.log(`stack is up; logs in ${path.relative(ROOT, stack.logDir)}/`);
    for (const [name, pid] of Object.entries(stack.status())) console.log(`  ${name.padEnd(14)} pid ${pid}`);
    console.log(`  tokens: finance=${DEV_TOKENS.finance} admin=${DEV_TOKENS.admin} (development only)`);
  } else if (command === 'down') {
    await stack.down();
    if (existsSync(kafkaMarker)) {
      execFileSync('bash', [path.join(ROOT, 'infra/kafka/kafka.sh'), 'stop'], { stdio: 'inherit' });
      rmSync(kafkaMarker);
    }
    console.log('stack is down');
  } else if (command === 'status') {
    for (const [name, pid] of Object.entries(stack.status())) console.log(`${name.padEnd(14)} ${pid ? `running (pid ${pid})` : 'stopped'}`);
  } else {
    console.error('usage: stack-cli up [--instances N | --instances service=N[,service=N]] | down | status');
    process.exit(2);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
