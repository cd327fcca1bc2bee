import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** The finance console's static files, served by the reporting process (no separate server, no build step). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
