/**
 * Test helper run in a child process: prints the text layer (pdf-parse) of each PDF file named on
 * the command line, as a JSON array. pdf.js loads its worker with a dynamic import, which Jest's
 * module sandbox does not allow, so tests extract text out of process.
 */
import { readFile } from 'node:fs/promises';
import { PDFParse } from 'pdf-parse';

async function main(): Promise<void> {
  const texts: string[] = [];
  for (const file of process.argv.slice(2)) {
    const parser = new PDFParse({ data: new Uint8Array(await readFile(file)) });
    try {
      texts.push((await parser.getText()).text);
    } finally {
      await parser.destroy();
    }
  }
  process.stdout.write(JSON.stringify(texts));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
