import { DynamicModule, Module } from '@nestjs/common';
import { CreateAccount } from '../accounts/application/create-account/create-account';
import { CreateAccountController } from '../accounts/application/create-account/create-account.controller';
import { GetAccountController } from '../accounts/application/get-account/get-account.controller';
import { ListAccountsController } from '../accounts/application/list-accounts/list-accounts.controller';
import { UpdateAccount } from '../accounts/application/update-account/update-account';
import { UpdateAccountController } from '../accounts/application/update-account/update-account.controller';
import { INVOICING_CONFIG, InvoicingConfig } from '../config';
import { ApplyAccountCredit } from './application/apply-account-credit/apply-account-credit';
import { ApplyAccountCreditConsumer } from './application/apply-account-credit/apply-account-credit.consumer';
import { IssueCreditNote } from './application/issue-credit-note/issue-credit-note';
import { IssueCreditNoteController } from './application/issue-credit-note/issue-credit-note.controller';
import { ListCreditNotesController } from './application/list-credit-notes/list-credit-notes.controller';
import { VoidInvoiceController } from './application/void-invoice/void-invoice.controller';
import { GetInvoiceDocumentController } from './application/render-invoice-document/get-invoice-document.controller';
import { InvoiceDocuments } from './application/render-invoice-document/invoice-documents';
import { ShowInvoicePageController } from './application/show-invoice-page/show-invoice-page.controller';
import { GetInvoiceController } from './application/get-invoice/get-invoice.controller';
import { ListAccountInvoicesController } from './application/list-account-invoices/list-account-invoices.controller';
import { GetMonthCloseProgressController } from './application/get-month-close-progress/get-month-close-progress.controller';
import { RequestMonthClose } from './application/request-month-close/request-month-close';
import { RequestMonthCloseController } from './application/request-month-close/request-month-close.controller';
import { RetryMonthCloseAccount } from './application/retry-month-close-account/retry-month-close-account';
import { RetryMonthCloseAccountController } from './application/retry-month-close-account/retry-month-close-account.controller';
import { InvoiceNextPage } from './application/run-month-close/invoice-next-page';
import { MonthCloseWorker } from './application/run-month-close/month-close-worker';
import { TrackInvoicePaymentsConsumer } from './application/track-invoice-payments/track-invoice-payments.consumer';
import { TrackInvoicePayments } from './application/track-invoice-payments/track-invoice-payments';
import { MonthCloseScheduler } from './application/schedule-month-close/month-close-scheduler';
import { StartMonthCloseRunConsumer } from './application/start-month-close-run/start-month-close-run.consumer';
import { StartMonthCloseRun } from './application/start-month-close-run/start-month-close-run';
import { ListProductsController } from '../price-list/application/list-products/list-products.controller';
import { PutProductController } from '../price-list/application/put-product/put-product.controller';
import { SeedPriceList } from '../price-list/application/seed-price-list/seed-price-list';
import { ListUsageController } from '../usage/application/list-usage/list-usage.controller';
import { RecordUsage } from '../usage/application/record-usage/record-usage';
import { RecordUsageController } from '../usage/application/record-usage/record-usage.controller';
import { RecordUsageConsumer } from '../usage/application/record-usage/record-usage.consumer';

/**
 * The invoicing service: accounts, the price list, usage, month closes, invoices and credit notes.
 * accounts/, price-list/ and usage/ are modules of the domain (folders with their own layers), not
 * Nest modules: one Nest module owns their use cases, as each other app's does.
 */
@Module({})
export class InvoicingModule {
  static forRoot(config: InvoicingConfig): DynamicModule {
    return {
      module: InvoicingModule,
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
        { provide: INVOICING_CONFIG, useValue: config },
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
