import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule, ServiceRuntime } from '@billing/messaging';
import { CreateAccount } from './accounts/application/create-account/create-account';
import { CreateAccountController } from './accounts/application/create-account/create-account.controller';
import { GetAccountController } from './accounts/application/get-account/get-account.controller';
import { ListAccountsController } from './accounts/application/list-accounts/list-accounts.controller';
import { UpdateAccount } from './accounts/application/update-account/update-account';
import { UpdateAccountController } from './accounts/application/update-account/update-account.controller';
import { INVOICING_CONFIG, InvoicingConfig } from './config';
import { ApplyAccountCredit } from './invoicing/application/apply-account-credit/apply-account-credit';
import { ApplyAccountCreditConsumer } from './invoicing/application/apply-account-credit/apply-account-credit.consumer';
import { IssueCreditNote } from './invoicing/application/issue-credit-note/issue-credit-note';
import { IssueCreditNoteController } from './invoicing/application/issue-credit-note/issue-credit-note.controller';
import { ListCreditNotesController } from './invoicing/application/list-credit-notes/list-credit-notes.controller';
import { VoidInvoiceController } from './invoicing/application/void-invoice/void-invoice.controller';
import { GetInvoiceDocumentController } from './invoicing/application/render-invoice-document/get-invoice-document.controller';
import { InvoiceDocuments } from './invoicing/application/render-invoice-document/invoice-documents';
import { ShowInvoicePageController } from './invoicing/application/show-invoice-page/show-invoice-page.controller';
import { GetInvoiceController } from './invoicing/application/get-invoice/get-invoice.controller';
import { ListAccountInvoicesController } from './invoicing/application/list-account-invoices/list-account-invoices.controller';
import { GetMonthCloseProgressController } from './invoicing/application/get-month-close-progress/get-month-close-progress.controller';
import { RequestMonthClose } from './invoicing/application/request-month-close/request-month-close';
import { RequestMonthCloseController } from './invoicing/application/request-month-close/request-month-close.controller';
import { RetryMonthCloseAccount } from './invoicing/application/retry-month-close-account/retry-month-close-account';
import { RetryMonthCloseAccountController } from './invoicing/application/retry-month-close-account/retry-month-close-account.controller';
import { InvoiceNextPage } from './invoicing/application/run-month-close/invoice-next-page';
import { MonthCloseWorker } from './invoicing/application/run-month-close/month-close-worker';
import { TrackInvoicePaymentsConsumer } from './invoicing/application/track-invoice-payments/track-invoice-payments.consumer';
import { TrackInvoicePayments } from './invoicing/application/track-invoice-payments/track-invoice-payments';
import { MonthCloseScheduler } from './invoicing/application/schedule-month-close/month-close-scheduler';
import { StartMonthCloseRunConsumer } from './invoicing/application/start-month-close-run/start-month-close-run.consumer';
import { StartMonthCloseRun } from './invoicing/application/start-month-close-run/start-month-close-run';
import { ListProductsController } from './price-list/application/list-products/list-products.controller';
import { PutProductController } from './price-list/application/put-product/put-product.controller';
import { SeedPriceList } from './price-list/application/seed-price-list/seed-price-list';
import { ListUsageController } from './usage/application/list-usage/list-usage.controller';
import { RecordUsage } from './usage/application/record-usage/record-usage';
import { RecordUsageController } from './usage/application/record-usage/record-usage.controller';
import { RecordUsageConsumer } from './usage/application/record-usage/record-usage.consumer';

@Module({})
export class AppModule {
  static forRoot(runtime: ServiceRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceCoreModule.forRoot(runtime)],
      controllers: [
        CreateAccountController,
        UpdateAccountController,
        GetAccountController,
        ListAccountsController,
        PutProductController,
        ListProductsController,
        RecordUsageController,
        ListUsageController,
        RequestMonthCloseController,
        GetMonthCloseProgressController,
        RetryMonthCloseAccountController,
        GetInvoiceController,
        ListAccountInvoicesController,
        GetInvoiceDocumentController,
        ShowInvoicePageController,
        IssueCreditNoteController,
        VoidInvoiceController,
        ListCreditNotesController,
      ],
      providers: [
        { provide: INVOICING_CONFIG, useValue: runtime.config as InvoicingConfig },
        CreateAccount,
        UpdateAccount,
        SeedPriceList,
        RecordUsage,
        RecordUsageConsumer,
        RequestMonthClose,
        StartMonthCloseRun,
        StartMonthCloseRunConsumer,
        InvoiceNextPage,
        MonthCloseWorker,
        MonthCloseScheduler,
        RetryMonthCloseAccount,
        TrackInvoicePayments,
        TrackInvoicePaymentsConsumer,
        InvoiceDocuments,
        IssueCreditNote,
        ApplyAccountCredit,
        ApplyAccountCreditConsumer,
      ],
    };
  }
}
