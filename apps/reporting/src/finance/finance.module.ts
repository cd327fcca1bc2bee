import { DynamicModule, Module } from '@nestjs/common';
import { REPORTING_CONFIG, ReportingConfig } from '../config';
import { GetAccountLedgerController } from './application/get-account-ledger/get-account-ledger.controller';
import { GetArAgingController } from './application/get-ar-aging/get-ar-aging.controller';
import { GetMonthCloseReportController } from './application/get-month-close-report/get-month-close-report.controller';
import { GetReconciliationController } from './application/get-reconciliation/get-reconciliation.controller';
import { GetRevenueReportController } from './application/get-revenue-report/get-revenue-report.controller';
import { ListDelinquentAccountsController } from './application/list-delinquent-accounts/list-delinquent-accounts.controller';
import { ListMonthClosesController } from './application/list-month-closes/list-month-closes.controller';
import { ProjectorSupervisor } from './application/project-events/projector-supervisor';
import { RebuildProjectionController } from './application/rebuild-projection/rebuild-projection.controller';

/** Finance tables projected from every ledger event, and the finance API over them. */
@Module({})
export class FinanceModule {
  static forRoot(config: ReportingConfig): DynamicModule {
    return {
      module: FinanceModule,
      controllers: [
        GetMonthCloseReportController,
        ListMonthClosesController,
        GetRevenueReportController,
        GetArAgingController,
        ListDelinquentAccountsController,
        GetAccountLedgerController,
        GetReconciliationController,
        RebuildProjectionController,
      ],
      providers: [{ provide: REPORTING_CONFIG, useValue: config }, ProjectorSupervisor],
    };
  }
}
