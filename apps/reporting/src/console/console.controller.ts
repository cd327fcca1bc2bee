import path from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ConsoleFile, CONSOLE_HEADERS, consoleFiles, currencyExponents } from './console-assets';

interface StaticResponse {
  setHeader(name: string, value: string): unknown;
  sendFile(file: string, options: { root: string }, callback: (error?: Error) => void): void;
}

/**
 * The finance console: `GET /console` serves the page, `/console/<file>` its modules, stylesheet
 * and Chart.js. The page itself is public (it holds no data); every figure it shows comes from
 * the finance API with the bearer token the user types in.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly files = consoleFiles();
  private readonly exponents = currencyExponents();

  @Get()
  page(@Res() response: StaticResponse): Promise<void> {
    return this.send(response, this.files.get('index.html'));
  }

  @Get('currencies.json')
  currencies(@Res({ passthrough: true }) response: StaticResponse): Record<string, number> {
    for (const [name, value] of Object.entries(CONSOLE_HEADERS)) response.setHeader(name, value);
    return this.exponents;
  }

  @Get('vendor/:file')
  vendor(@Param('file') file: string, @Res() response: StaticResponse): Promise<void> {
    return this.send(response, this.files.get(`vendor/${file}`));
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() response: StaticResponse): Promise<void> {
    return this.send(response, this.files.get(file));
  }

  private send(response: StaticResponse, entry: ConsoleFile | undefined): Promise<void> {
    if (!entry) throw new NotFoundException('no such console file');
    for (const [name, value] of Object.entries(CONSOLE_HEADERS)) response.setHeader(name, value);
    response.setHeader('Content-Type', entry.contentType);
    // relative to its folder: Express refuses (404) a path with a dot folder anywhere in it unless
    // that folder is above `root`, and the compiled build runs from .cache/build (scripts/build.ts)
    const [root, name] = [path.dirname(entry.file), path.basename(entry.file)];
    return new Promise((resolve, reject) => response.sendFile(name, { root }, (error) => (error ? reject(error) : resolve())));
  }
}
